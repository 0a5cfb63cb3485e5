package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"runtime"
	"sort"
	"sync"
)

// WriteManifest writes manifest.json. Nodes are encoded in parallel and
// stitched together in sorted key order: at 10,000+ nodes the JSON encoding
// is the largest single cost of `kiln parse`, and it parallelises cleanly.
func (m *Manifest) WriteManifest(path string) error {
	_, err := m.writeManifest(path, nil)
	return err
}

// WriteManifestLayout is WriteManifest that also returns where the entries
// of the nodes keep selects lie in the written file (see Layout).
func (m *Manifest) WriteManifestLayout(path string, keep func(*Node) bool) (*Layout, error) {
	return m.writeManifest(path, keep)
}

func (m *Manifest) writeManifest(path string, keep func(*Node) bool) (*Layout, error) {
	type item struct {
		key  string
		val  func() any
		node *Node // nodes section: the node, when its span is recorded
	}
	sections := []struct {
		name  string
		items []item
	}{}
	add := func(name string, keys []string, val func(k string) any) {
		items := make([]item, len(keys))
		for i, k := range keys {
			k := k
			items[i] = item{key: k, val: func() any { return val(k) }}
		}
		sections = append(sections, struct {
			name  string
			items []item
		}{name, items})
	}
	nodeIDs, unitTestIDs := m.nodeAndUnitTestIDs()
	nodeIDs = append(nodeIDs, Sorted(m.Hooks)...)
	sort.Strings(nodeIDs)
	add("nodes", nodeIDs, func(k string) any {
		if h, ok := m.Hooks[k]; ok {
			return h.JSON()
		}
		return m.Nodes[k].manifestEntry()
	})
	var layout *Layout
	if keep != nil {
		layout = &Layout{Nodes: map[string]Span{}}
		items := sections[0].items
		for i := range items {
			if n := m.Nodes[items[i].key]; n != nil && keep(n) {
				items[i].node = n
			}
		}
	}
	add("unit_tests", unitTestIDs, func(k string) any { return m.Nodes[k].unitTestJSON() })
	add("sources", Sorted(m.Sources), func(k string) any { return m.Sources[k].JSON() })
	add("macros", Sorted(m.Macros), func(k string) any { return m.Macros[k] }) // appendMacro
	add("docs", Sorted(m.Docs), func(k string) any { return m.Docs[k].JSON() })
	add("exposures", Sorted(m.Exposures), func(k string) any { return m.Exposures[k].JSON() })
	add("disabled", Sorted(m.Disabled), func(k string) any {
		list := m.Disabled[k]
		arr := make([]any, len(list))
		for i, n := range list {
			arr[i] = n.JSON()
		}
		return arr
	})

	err := writeAtomic(path, artifactBuffer, func(bw *bufio.Writer) error {
		var off int64 // bytes written so far, for the layout
		write := func(p []byte) { n, _ := bw.Write(p); off += int64(n) }
		writeString := func(s string) { n, _ := bw.WriteString(s); off += int64(n) }
		var scratch []byte
		writeJSON := func(v any) {
			scratch, _ = appendJSON(scratch[:0], v)
			write(scratch)
		}
		writeString(`{"metadata":`)
		writeJSON(m.HeaderMetadata())
		if layout != nil {
			layout.MetaEnd = off
		}
		enc := newParallelEncoder()
		for si, s := range sections {
			writeString(`,"` + s.name + `":{`)
			for lo := 0; lo < len(s.items); lo += encodeChunk {
				part := s.items[lo:min(lo+encodeChunk, len(s.items))]
				var spans []Span // buffer-relative while encoding
				if layout != nil && si == 0 {
					spans = make([]Span, len(part))
				}
				err := enc.run(len(part), func(b []byte, i int) ([]byte, error) {
					if lo+i > 0 {
						b = append(b, ',')
					}
					b = appendString(b, part[i].key)
					b = append(b, ':')
					if spans == nil || part[i].node == nil {
						return appendJSON(b, part[i].val())
					}
					j := part[i].node.manifestEntry()
					var marks [4]int
					j.marks = &marks
					start := len(b)
					b, err := appendNode(b, &j)
					spans[i] = Span{Start: int64(start), End: int64(len(b)), Checksum: int64(marks[0]), ChecksumEnd: int64(marks[1]),
						Raw: int64(marks[2]), RawEnd: int64(marks[3])}
					return b, err
				})
				if err != nil {
					return err
				}
				share := enc.share(len(part))
				for w, seg := range enc.bufs {
					if spans != nil {
						for i := w * share; i < min((w+1)*share, len(part)); i++ {
							if part[i].node != nil {
								sp := spans[i]
								layout.Nodes[part[i].key] = Span{Start: off + sp.Start, End: off + sp.End, Checksum: off + sp.Checksum,
									ChecksumEnd: off + sp.ChecksumEnd, Raw: off + sp.Raw, RawEnd: off + sp.RawEnd}
							}
						}
					}
					write(seg)
				}
			}
			writeString("}")
		}
		rest := map[string]any{
			"metrics": semanticJSON(m.Metrics), "groups": groupsJSON(m.Groups), "selectors": m.Selectors,
			"parent_map": m.ParentMap, "child_map": m.ChildMap, "group_map": m.groupMap(),
			"saved_queries": semanticJSON(m.SavedQueries), "semantic_models": semanticJSON(m.SemanticModels),
			"functions": map[string]any{},
		}
		keys := make([]string, 0, len(rest))
		for k := range rest {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			writeString(`,"` + k + `":`)
			writeJSON(rest[k])
		}
		writeString("}\n")
		if layout != nil {
			layout.Size = off
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return layout, nil
}

// HeaderMetadata is the metadata object as manifest.json writes it.
func (m *Manifest) HeaderMetadata() Metadata {
	md := m.Metadata
	md.DbtSchemaVersion = ManifestSchema
	if md.Env == nil {
		md.Env = map[string]string{}
	}
	return md
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil
}

// encodeChunk bounds how many entries are encoded before they are written,
// so memory stays flat however large the project is. Each worker's buffer
// holds encodeChunk/workers entries (~5 KB each at bench/gen's 10k models):
// with 4096 the buffers grew by doubling to ~11 MB each, and every doubling
// was fresh memory the kernel had to fault in (14% of a cold 10k parse's
// page faults); at 512 they stay near 1.3 MB and are reused chunk after chunk.
var encodeChunk = 512 // a variable so tests can cross chunk boundaries on small projects

// parallelEncoder encodes consecutive items on all cores: worker w encodes
// the w-th contiguous share of the items into its own buffer, so writing
// the buffers in worker order writes the items in order. The buffers are
// reused from chunk to chunk, so encoding allocates almost nothing.
type parallelEncoder struct {
	bufs [][]byte
}

func newParallelEncoder() *parallelEncoder {
	return &parallelEncoder{bufs: make([][]byte, runtime.GOMAXPROCS(0))}
}

// share is how many consecutive items of n each worker encodes.
func (p *parallelEncoder) share(n int) int {
	return (n + len(p.bufs) - 1) / len(p.bufs)
}

// run calls encode(buf, i) for every i in [0, n), each worker appending
// to its own buffer; afterwards p.bufs holds the output in order.
func (p *parallelEncoder) run(n int, encode func(b []byte, i int) ([]byte, error)) error {
	workers := len(p.bufs)
	share := p.share(n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := min(w*share, n), min((w+1)*share, n)
		p.bufs[w] = p.bufs[w][:0]
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			b := p.bufs[w]
			for i := lo; i < hi; i++ {
				var err error
				if b, err = encode(b, i); err != nil {
					errs[w] = err
					return
				}
			}
			p.bufs[w] = b
		}(w, lo, hi)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

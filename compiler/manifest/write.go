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
	type item struct {
		key string
		val func() any
		out []byte
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
		return m.Nodes[k].JSON()
	})
	add("unit_tests", unitTestIDs, func(k string) any { return m.Nodes[k].unitTestJSON() })
	add("sources", Sorted(m.Sources), func(k string) any { return m.Sources[k].JSON() })
	add("macros", Sorted(m.Macros), func(k string) any { return m.Macros[k].JSON() })
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

	return writeAtomic(path, 4<<20, func(bw *bufio.Writer) error {
		writeJSON := func(v any) {
			b, _ := marshalNoEscape(v)
			bw.Write(b)
		}
		md := m.Metadata
		md.DbtSchemaVersion = ManifestSchema
		if md.Env == nil {
			md.Env = map[string]string{}
		}
		bw.WriteString(`{"metadata":`)
		writeJSON(md)
		for _, s := range sections {
			bw.WriteString(`,"` + s.name + `":{`)
			for lo := 0; lo < len(s.items); lo += encodeChunk {
				part := s.items[lo:min(lo+encodeChunk, len(s.items))]
				if err := encodeParallel(part, func(it *item) any { return it.val() }, func(it *item, b []byte) { it.out = b }); err != nil {
					return err
				}
				for i := range part {
					if lo+i > 0 {
						bw.WriteByte(',')
					}
					writeJSON(part[i].key)
					bw.WriteByte(':')
					bw.Write(part[i].out)
					part[i].out = nil
				}
			}
			bw.WriteByte('}')
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
			bw.WriteString(`,"` + k + `":`)
			writeJSON(rest[k])
		}
		bw.WriteString("}\n")
		return nil
	})
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

// encodeChunk bounds how many encoded entries are held at once, so memory
// stays flat however large the project is.
const encodeChunk = 4096

// encodeParallel JSON-encodes items on all cores.
func encodeParallel[T any](items []T, val func(*T) any, set func(*T, []byte)) error {
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(items) + workers - 1) / workers
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(items))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(w int, part []T) {
			defer wg.Done()
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			for i := range part {
				buf.Reset()
				if err := enc.Encode(val(&part[i])); err != nil {
					errs[w] = err
					return
				}
				b := buf.Bytes()
				set(&part[i], append([]byte(nil), b[:len(b)-1]...))
			}
		}(w, items[lo:hi])
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

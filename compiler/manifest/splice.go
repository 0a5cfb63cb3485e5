package manifest

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/internal/secret"
)

// Layout says where things lie in a manifest.json written by
// WriteManifestLayout, so that a later parse in which only some models'
// SQL text changed can rewrite just those bytes (SpliceManifest) instead of
// encoding 50 MB again.
type Layout struct {
	Size    int64           // length of the whole file
	MetaEnd int64           // end of the metadata object (it starts at byte 12)
	Nodes   map[string]Span // node unique_id -> where its entry lies
}

// Span is one node entry: [Start, End) is the entry's object, [Checksum,
// ChecksumEnd) the JSON string of checksum.checksum, [Raw, RawEnd) the
// JSON string of raw_code.
type Span struct {
	Start, End            int64
	Checksum, ChecksumEnd int64
	Raw, RawEnd           int64
}

// CodePatch is a model's new text: the two values of its entry that
// depend on the file's content alone.
type CodePatch struct {
	ID       string
	Checksum FileHash
	RawCode  string // as read; stripped like the full encoder does
}

type edit struct {
	from, to int64
	repl     []byte
}

const metadataStart = int64(len(`{"metadata":`))

// SpliceManifest writes path again from the manifest.json at path laid out
// as old: the metadata object is md and each patched node gets its new
// checksum and raw_code; every other byte is copied. It returns the new
// file's layout. The caller guarantees that nothing else in the file can
// have changed.
func SpliceManifest(path string, old *Layout, md Metadata, patches []CodePatch) (*Layout, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if st, err := src.Stat(); err != nil || st.Size() != old.Size {
		return nil, fmt.Errorf("%s changed since it was written", path)
	}
	mj, err := appendJSON(nil, md)
	if err != nil {
		return nil, err
	}
	edits := []edit{{metadataStart, old.MetaEnd, mj}}
	for _, p := range patches {
		sp, ok := old.Nodes[p.ID]
		if !ok {
			return nil, fmt.Errorf("%s is not laid out in %s", p.ID, path)
		}
		if p.Checksum.Name != "sha256" {
			return nil, fmt.Errorf("%s: checksum %q cannot be spliced", p.ID, p.Checksum.Name)
		}
		edits = append(edits,
			edit{sp.Checksum, sp.ChecksumEnd, appendString(nil, p.Checksum.Checksum)},
			edit{sp.Raw, sp.RawEnd, appendString(nil, strings.TrimSpace(p.RawCode))})
	}
	// The bytes around every edit must be what the layout says: a layout
	// that no longer fits the file (masked secrets moved it, someone
	// edited the file keeping its size) is refused, not spliced.
	if err := expect(src, 0, `{"metadata":`); err != nil {
		return nil, err
	}
	if err := expect(src, old.MetaEnd, `,"nodes":{`); err != nil {
		return nil, err
	}
	for _, p := range patches {
		sp := old.Nodes[p.ID]
		if err := expect(src, sp.Checksum-int64(len(`,"checksum":`)), `,"checksum":"`); err != nil {
			return nil, err
		}
		if err := expect(src, sp.ChecksumEnd-1, `"}`); err != nil {
			return nil, err
		}
		if err := expect(src, sp.Raw-int64(len(`,"raw_code":`)), `,"raw_code":"`); err != nil {
			return nil, err
		}
		if err := expect(src, sp.RawEnd-1, `","doc_blocks":`); err != nil {
			return nil, err
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	for i := 1; i < len(edits); i++ {
		if edits[i].from < edits[i-1].to {
			return nil, fmt.Errorf("overlapping edits in %s", path)
		}
	}

	tmp, err := createTemp(path)
	if err != nil {
		return nil, err
	}
	// Unchanged stretches are copied file to file (copy_file_range on
	// Linux); when secrets are registered everything goes through the
	// masking writer like every other artifact.
	var dst io.Writer = tmp
	var sw *secret.Writer
	if secret.Active() {
		sw = secret.NewWriter(tmp)
		dst = sw
	}
	werr := func() error {
		var pos int64
		for _, e := range edits {
			if _, err := src.Seek(pos, io.SeekStart); err != nil {
				return err
			}
			if _, err := io.CopyN(dst, src, e.from-pos); err != nil {
				return err
			}
			if _, err := dst.Write(e.repl); err != nil {
				return err
			}
			pos = e.to
		}
		if _, err := src.Seek(pos, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.CopyN(dst, src, old.Size-pos); err != nil {
			return err
		}
		if sw != nil {
			return sw.Flush()
		}
		return nil
	}()
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return nil, werr
	}

	// Every offset moves by the growth of the edits that end at or before it.
	shift := func(x int64) int64 {
		d := int64(0)
		for _, e := range edits {
			if e.to > x {
				break
			}
			d += int64(len(e.repl)) - (e.to - e.from)
		}
		return x + d
	}
	nl := &Layout{Size: shift(old.Size), MetaEnd: shift(old.MetaEnd), Nodes: make(map[string]Span, len(old.Nodes))}
	for id, s := range old.Nodes {
		nl.Nodes[id] = Span{shift(s.Start), shift(s.End), shift(s.Checksum), shift(s.ChecksumEnd), shift(s.Raw), shift(s.RawEnd)}
	}
	return nl, nil
}

// expect checks that f holds want at offset off.
func expect(f *os.File, off int64, want string) error {
	got := make([]byte, len(want))
	if off < 0 {
		return fmt.Errorf("%s: the layout does not fit the file", f.Name())
	}
	if _, err := f.ReadAt(got, off); err != nil || string(got) != want {
		return fmt.Errorf("%s: the layout does not fit the file at byte %d", f.Name(), off)
	}
	return nil
}

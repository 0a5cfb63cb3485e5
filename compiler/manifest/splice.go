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
// depend on the file's content alone, and where the entry lies.
type CodePatch struct {
	ID       string
	Span     Span
	Checksum FileHash
	RawCode  string // as read; stripped like the full encoder does
}

// Splice is a rewritten manifest.json: its size and metadata end, and
// Shift maps an offset of the old file to the new one.
type Splice struct {
	Size, MetaEnd int64
	edits         []edit
}

// Shift moves an offset (outside the edited values) by the growth of the
// edits before it.
func (s *Splice) Shift(x int64) int64 {
	d := int64(0)
	for _, e := range s.edits {
		if e.to > x {
			break
		}
		d += int64(len(e.repl)) - (e.to - e.from)
	}
	return x + d
}

// ShiftSpan is Shift for every offset of a span.
func (s *Splice) ShiftSpan(sp Span) Span {
	return Span{s.Shift(sp.Start), s.Shift(sp.End), s.Shift(sp.Checksum), s.Shift(sp.ChecksumEnd), s.Shift(sp.Raw), s.Shift(sp.RawEnd)}
}

type edit struct {
	from, to int64
	repl     []byte
}

const metadataStart = int64(len(`{"metadata":`))

// SpliceManifest writes path again from the manifest.json at path, of
// size bytes with its metadata object ending at metaEnd: the metadata
// becomes md and each patched node gets its new checksum and raw_code;
// every other byte is copied. The caller guarantees that nothing else in
// the file can have changed.
func SpliceManifest(path string, size, metaEnd int64, md Metadata, patches []CodePatch) (*Splice, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if st, err := src.Stat(); err != nil || st.Size() != size {
		return nil, fmt.Errorf("%s changed since it was written", path)
	}
	mj, err := appendJSON(nil, md)
	if err != nil {
		return nil, err
	}
	edits := []edit{{metadataStart, metaEnd, mj}}
	for _, p := range patches {
		sp := p.Span
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
	if err := expect(src, metaEnd, `,"nodes":{`); err != nil {
		return nil, err
	}
	for _, p := range patches {
		sp := p.Span
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
		if _, err := io.CopyN(dst, src, size-pos); err != nil {
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

	sp := &Splice{edits: edits}
	sp.Size, sp.MetaEnd = sp.Shift(size), sp.Shift(metaEnd)
	return sp, nil
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

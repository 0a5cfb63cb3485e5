package manifest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// TestSpliceManifestMatchesWrite lays out the manifests of the testdata
// projects (with chunk boundaries inside the node section), checks that
// every span holds its node's values, then changes two models' text and
// checks that the splice writes what WriteManifest writes for the changed
// manifest, and that the shifted layout fits the new file.
func TestSpliceManifestMatchesWrite(t *testing.T) {
	spliced := 0
	for _, p := range compiledTestdata(t) {
		dir, r := p.dir, p.res
		m := r.Manifest
		var models []string
		for id, n := range m.Nodes {
			if n.ResourceType == manifest.Model && n.UnitTest == nil {
				models = append(models, id)
			}
		}
		if len(models) < 2 {
			continue
		}
		sort.Strings(models)
		path := filepath.Join(t.TempDir(), "manifest.json")
		restore := manifest.SetEncodeChunk(3)
		layout, err := m.WriteManifestLayout(path, func(n *manifest.Node) bool { return n.ResourceType == manifest.Model })
		restore()
		if err != nil {
			t.Fatal(err)
		}
		checkLayout(t, dir, path, layout.Nodes, m)

		// Two models get new text (one longer, one shorter), and a new
		// invocation id.
		first, last := models[0], models[len(models)-1]
		var patches []manifest.CodePatch
		for i, id := range []string{last, first} {
			n := m.Nodes[id]
			n.RawCode = map[int]string{0: n.RawCode + "\n-- \"edited\"\t\u00e9\u2028 with more text\n", 1: "select 1"}[i]
			n.Checksum = manifest.FileHash{Name: "sha256", Checksum: "0123abcd"[:4+4*i]}
			patches = append(patches, manifest.CodePatch{ID: id, Span: layout.Nodes[id], Checksum: n.Checksum, RawCode: n.RawCode})
		}
		m.Metadata.InvocationID = "another-invocation-id-of-another-length"
		st, _ := os.Stat(path)
		sp, err := manifest.SpliceManifest(path, st.Size(), layout.MetaEnd, m.HeaderMetadata(), patches)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		want := filepath.Join(t.TempDir(), "manifest.json")
		if err := m.WriteManifest(want); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		wantB, _ := os.ReadFile(want)
		if !bytes.Equal(got, wantB) {
			t.Fatalf("%s: spliced manifest differs from WriteManifest's (%d vs %d bytes)", dir, len(got), len(wantB))
		}
		if sp.Size != int64(len(got)) {
			t.Fatalf("%s: splice says %d bytes, wrote %d", dir, sp.Size, len(got))
		}
		shifted := map[string]manifest.Span{}
		for id, s := range layout.Nodes {
			shifted[id] = sp.ShiftSpan(s)
		}
		checkLayout(t, dir, path, shifted, m)
		spliced++
	}
	if spliced < 5 {
		t.Fatalf("only %d projects spliced", spliced)
	}
}

// checkLayout fails unless every span of the file at path holds its node's
// entry, checksum and raw_code.
func checkLayout(t *testing.T, dir, path string, spans map[string]manifest.Span, m *manifest.Manifest) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for id, s := range spans {
		n := m.Nodes[id]
		entry, _ := manifest.AppendJSON(nil, n.ManifestEntry())
		if got := b[s.Start:s.End]; !bytes.Equal(got, entry) {
			t.Fatalf("%s: %s: the span does not hold its entry", dir, id)
		}
		cs, _ := manifest.AppendJSON(nil, n.Checksum.Checksum)
		raw, _ := manifest.AppendJSON(nil, n.ManifestEntryRawCode())
		if !bytes.Equal(b[s.Checksum:s.ChecksumEnd], cs) || !bytes.Equal(b[s.Raw:s.RawEnd], raw) {
			t.Fatalf("%s: %s: checksum or raw_code span is off", dir, id)
		}
	}
}

package project

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// tagOf resolves a node's tag the way yaml.v3 does, so fast nodes (which
// leave plain scalars untagged) compare with converted yaml.v3 nodes.
func tagOf(n *ynode) string {
	y := yaml.Node{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value}
	if n.Kind == yaml.ScalarNode && n.Style == 0 {
		y.Tag = ""
	}
	return y.ShortTag()
}

// sameTree compares the parts of two trees that kiln reads.
func sameTree(a, b *ynode, path string) error {
	if a == nil || b == nil {
		if a != b {
			return fmt.Errorf("%s: nil mismatch (%v vs %v)", path, a == nil, b == nil)
		}
		return nil
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column ||
		tagOf(a) != tagOf(b) || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: fast {kind %d style %d tag %s value %q at %d:%d, %d children} vs yaml.v3 {kind %d style %d tag %s value %q at %d:%d, %d children}",
			path, a.Kind, a.Style, tagOf(a), a.Value, a.Line, a.Column, len(a.Content),
			b.Kind, b.Style, tagOf(b), b.Value, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkFast asserts the fast parser's invariant on src: it either gives up
// or agrees with yaml.v3. It reports whether the fast path was taken.
func checkFast(t testing.TB, src []byte) bool {
	fast, ok := fastParse(src)
	if !ok {
		return false
	}
	var doc yaml.Node
	err := yaml.Unmarshal(src, &doc)
	if err != nil {
		t.Fatalf("fast parser accepted input yaml.v3 rejects (%v):\n%s", err, src)
	}
	var want *ynode
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		want = fromYAML(doc.Content[0], map[*yaml.Node]*ynode{})
	}
	if err := sameTree(fast, want, ""); err != nil {
		t.Fatalf("fast parser differs from yaml.v3: %v\ninput:\n%s", err, src)
	}
	return true
}

var fastCases = []string{
	"", "# c\n", "---\na: 1\n", "a: 1", "a:\nb: 2\n", "  a: 1\n  b: 2\n",
	"a: |\n  x\n  y\nb: >-\n  p\n  q\n", "a: |\n  x", "a: >\n  x \n  y\n", "a: |+\n  x\n\n\nb: 1\n",
	"a: >\n\n  x\n\n\n  y\n  z\n", "a: |\n", "- |\n x\n", "a: >-\n  x\n  # y\n", "a: |-\n  x\n\n  y\n\n",
	"e: [a, {b: c}, 'd', \"e\\n\", -1, []]\nf: {}\n", "f:\n- 1\n-\n- x: \n  y: 2\n", "g: \"q\"   # c\nh:   \n  # c\ni: 1\n",
	"key: é x\nk2: ü\n", "'quoted key': 1\n\"dq\": 2\n", "a: 'it''s'\n", "a: \"\\u00e9\\x41\\t\"\n",
	"models:\n  - name: a\n    columns:\n    - name: id\n      data_tests: [unique]\n  - name: b\n",
	"-   name: a\n    x: 1\n", "a: b # c\n#x\n", "<<: {a: 1}\nb: 2\n", "a: yes\nb: 0o17\nc: 1e3\n",
	"a: b:c\n", "a: http://x.y/z\n", "x: - a\n", "a: b: c\n", "a:\n  - x\n  y: 1\n", "a: [1, 2\nb: 3\n",
	"a: &x 1\nb: *x\n", "a: !!str 1\n", "? a\n: b\n", "a: 'x\n  y'\n", "a: x\n  y\n", "a:\n  text\n",
	"- - a\n", "a: [a:b]\n", "a: {x: 1 }  # c\n", "a:  \"x\"  \n", "a: |2\n  x\n", "--- \na: 1\n...\n",
	"a: 1\n---\nb: 2\n", "%YAML 1.1\n---\na: 1\n", "a:\n- b\nc: d\n", "a:\n  - b\n c: d\n", "[a]\n", "scalar\n",
}

func TestFastYAMLMatchesYAMLv3(t *testing.T) {
	taken := 0
	for _, c := range fastCases {
		if checkFast(t, []byte(c)) {
			taken++
		}
	}
	for _, c := range []string{schemaYML, fullProject, profilesYML} {
		if !checkFast(t, []byte(c)) {
			t.Errorf("fast path not taken for a typical file:\n%s", c)
		}
		taken++
	}
	dir := genProject(t, 40)
	src, err := os.ReadFile(filepath.Join(dir, "models", "dir_0000", "schema.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !checkFast(t, src) {
		t.Error("fast path not taken for the generated schema.yml")
	}
	t.Logf("fast path taken for %d of %d inputs", taken, len(fastCases)+3)
}

func FuzzFastYAML(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(schemaYML))
	f.Add([]byte(fullProject))
	f.Fuzz(func(t *testing.T, src []byte) {
		if strings.Count(string(src), "\n") > 2000 {
			return
		}
		checkFast(t, src)
	})
}

// TestFastYAMLRandomDocs generates random documents from the subset the
// fast parser handles (and some just outside it) and checks each against
// yaml.v3. Deterministic seed; most documents must take the fast path.
var fastSeed uint64 = 1

func TestFastYAMLRandomDocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(fastSeed, 2))
	scalars := []string{"a", "b c", "x: y", "'q'", "\"d\\\"q\"", "'it''s'", "1", "-2", "1.5", "yes", "~", "null", "é",
		"{{ doc('x') }}", "\"{{ env_var('X') }}\"", "a#b", "a #c", "http://x", "[1, 2]", "{k: v}", "[]", "{}", "[a, [b, c], {d: e}]",
		"''", "\"\"", "-", "a:b", "<<", "'a': b", "!x", "&a", "*a", "%x", "@x", "`x`", "? x", "| ", ">-", "- x", "a  b   ", "\"\\t\\u00e9\""}
	keys := []string{"name", "description", "config", "+tags", "data_tests", "'quoted'", "\"dq\"", "k k", "1", "on", "a-b", "<<", "é"}
	var gen func(b *strings.Builder, indent, depth int)
	pad := func(n int) string { return strings.Repeat(" ", n) }
	blockScalar := func(b *strings.Builder, indent int) {
		b.WriteString([]string{"|", ">", "|-", ">-", "|+", ">+"}[rng.IntN(6)] + "\n")
		for i := 0; i < 1+rng.IntN(4); i++ {
			switch rng.IntN(5) {
			case 0:
				b.WriteString("\n")
			case 1:
				b.WriteString(pad(indent+2) + "  more indented\n")
			default:
				b.WriteString(pad(indent+2) + scalars[rng.IntN(len(scalars))] + "\n")
			}
		}
	}
	gen = func(b *strings.Builder, indent, depth int) {
		if depth > 3 || rng.IntN(4) == 0 {
			return
		}
		n := 1 + rng.IntN(4)
		if rng.IntN(2) == 0 { // mapping
			for i := 0; i < n; i++ {
				if rng.IntN(6) == 0 {
					b.WriteString(pad(rng.IntN(indent+3)) + "# comment\n")
				}
				if rng.IntN(8) == 0 {
					b.WriteString("\n")
				}
				b.WriteString(pad(indent) + keys[rng.IntN(len(keys))] + ":")
				switch rng.IntN(5) {
				case 0:
					b.WriteString("\n")
					child := indent + 2
					if rng.IntN(3) == 0 {
						child = indent // sequence at the key's indentation
						b.WriteString(pad(child) + "- " + scalars[rng.IntN(len(scalars))] + "\n")
						continue
					}
					gen(b, child, depth+1)
				case 1:
					b.WriteString(" ")
					blockScalar(b, indent)
				default:
					b.WriteString(" " + scalars[rng.IntN(len(scalars))] + "\n")
				}
			}
		} else { // sequence
			for i := 0; i < n; i++ {
				b.WriteString(pad(indent) + "-")
				switch rng.IntN(5) {
				case 0:
					b.WriteString("\n")
					gen(b, indent+2, depth+1)
				case 1: // compact mapping
					b.WriteString(" " + keys[rng.IntN(len(keys))] + ": " + scalars[rng.IntN(len(scalars))] + "\n")
					if rng.IntN(2) == 0 {
						b.WriteString(pad(indent+2) + keys[rng.IntN(len(keys))] + ":\n")
						gen(b, indent+4, depth+1)
					}
				case 2:
					b.WriteString(" ")
					blockScalar(b, indent)
				default:
					b.WriteString(" " + scalars[rng.IntN(len(scalars))] + "\n")
				}
			}
		}
	}
	taken, total := 0, 3000
	for i := 0; i < total; i++ {
		var b strings.Builder
		gen(&b, 0, 0)
		src := b.String()
		if rng.IntN(10) == 0 {
			src = strings.TrimSuffix(src, "\n")
		}
		if checkFast(t, []byte(src)) {
			taken++
		}
	}
	t.Logf("fast path taken for %d of %d random documents", taken, total)
	if taken < total/4 {
		t.Errorf("fast path taken too rarely: %d of %d", taken, total)
	}
}

package graph

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func build(edges ...string) *Graph {
	g := New()
	for _, e := range edges {
		var a, b string
		if n, _ := fmt.Sscanf(e, "%s %s", &a, &b); n == 2 {
			g.AddEdge(a, b)
		} else {
			g.AddNode(e)
		}
	}
	return g
}

func TestBasics(t *testing.T) {
	g := build("c d", "a c", "b c", "a c", "e", "a d")
	if g.Len() != 5 {
		t.Fatalf("Len = %d", g.Len())
	}
	if got := g.EdgeCount(); got != 4 {
		t.Fatalf("EdgeCount = %d, want 4 (duplicates collapsed)", got)
	}
	if got, want := g.Nodes(), []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Fatalf("Nodes = %v", got)
	}
	if got := g.Parents("c"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("Parents(c) = %v", got)
	}
	if got := g.Children("a"); !slices.Equal(got, []string{"c", "d"}) {
		t.Fatalf("Children(a) = %v", got)
	}
	if g.Parents("zz") != nil || !g.HasNode("e") || g.HasNode("zz") {
		t.Fatal("membership")
	}
	// Mutation after reads is picked up.
	g.AddEdge("0", "c")
	if got := g.Parents("c"); !slices.Equal(got, []string{"0", "a", "b"}) {
		t.Fatalf("Parents(c) after add = %v", got)
	}
	sub := g.Subgraph([]string{"a", "c", "e", "nope"})
	if got := sub.Nodes(); !slices.Equal(got, []string{"a", "c", "e"}) || sub.EdgeCount() != 1 {
		t.Fatalf("Subgraph = %v %v", got, sub)
	}
}

func TestTopoSort(t *testing.T) {
	// Insertion order differs from ID order; result must not depend on it.
	g := build("z y", "m y", "b a", "y a", "q")
	got, err := g.TopoSort()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"b", "m", "q", "z", "y", "a"}
	if !slices.Equal(got, want) {
		t.Fatalf("TopoSort = %v, want %v", got, want)
	}
}

func TestCycle(t *testing.T) {
	tests := []struct {
		name  string
		edges []string
		want  []string
	}{
		{"acyclic", []string{"a b", "b c"}, nil},
		{"self", []string{"x x"}, []string{"x", "x"}},
		{"rotated", []string{"start c", "c d", "d b", "b c"}, []string{"b", "c", "d", "b"}},
		{"two", []string{"p q", "q p", "a b", "b a"}, []string{"a", "b", "a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := build(tc.edges...)
			if got := g.Cycle(); !slices.Equal(got, tc.want) {
				t.Fatalf("Cycle = %v, want %v", got, tc.want)
			}
			_, err := g.TopoSort()
			var ce *CycleError
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &ce) || !slices.Equal(ce.Path, tc.want) {
				t.Fatalf("TopoSort err = %v", err)
			}
		})
	}
	err := &CycleError{Path: []string{"a", "b", "c", "a"}}
	if err.Error() != "dependency cycle: a -> b -> c -> a" {
		t.Fatal(err.Error())
	}
}

func TestTraversal(t *testing.T) {
	// a -> b -> c -> d, x -> c, c -> e
	g := build("a b", "b c", "c d", "x c", "c e")
	tests := []struct {
		got  *Set
		want []string
	}{
		{g.Ancestors("d", -1), []string{"a", "b", "c", "x"}},
		{g.Ancestors("d", 1), []string{"c"}},
		{g.Ancestors("d", 2), []string{"b", "c", "x"}},
		{g.Ancestors("d", 0), []string{}},
		{g.Descendants("a", -1), []string{"b", "c", "d", "e"}},
		{g.Descendants("b", 1), []string{"c"}},
		{g.AncestorsOf(g.NewSet("b", "d"), -1), []string{"a", "b", "c", "x"}},
		{g.DescendantsOf(g.NewSet("a", "x"), 2), []string{"b", "c", "d", "e"}},
		{g.DescendantsOf(g.NewSet("a"), 2), []string{"b", "c"}},
		{g.DescendantsOf(g.NewSet("nope"), -1), []string{}},
	}
	for k, tc := range tests {
		if got := tc.got.IDs(); !slices.Equal(got, tc.want) {
			t.Errorf("case %d: %v, want %v", k, got, tc.want)
		}
	}
}

func TestSetOps(t *testing.T) {
	g := build("a", "b", "c", "d")
	s := g.NewSet("a", "b")
	if !s.Has("a") || s.Has("c") || s.Len() != 2 || s.Add("zz") {
		t.Fatal("basic")
	}
	u := s.Clone().Union(g.NewSet("c"))
	if !slices.Equal(u.IDs(), []string{"a", "b", "c"}) {
		t.Fatal(u.IDs())
	}
	if got := u.Clone().Intersect(g.NewSet("b", "d")).IDs(); !slices.Equal(got, []string{"b"}) {
		t.Fatal(got)
	}
	if got := u.Clone().Subtract(s).IDs(); !slices.Equal(got, []string{"c"}) {
		t.Fatal(got)
	}
	if !g.All().Equal(g.NewSet("d", "c", "b", "a")) || g.All().Equal(s) {
		t.Fatal("Equal")
	}
	s.Remove("a")
	if s.Has("a") {
		t.Fatal("Remove")
	}
	// Sets created before nodes were added still work.
	g.AddNode("e")
	s.Add("e")
	if !s.Has("e") || g.All().Len() != 5 {
		t.Fatal("grow")
	}
}

// layeredIDs and buildLayered make a DAG of n nodes in layers of width w;
// each node depends on up to three nodes of the previous layer.
func layeredIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("model.pkg.m%06d", i)
	}
	return ids
}

func buildLayered(ids []string, w int) *Graph {
	g := NewWithCapacity(len(ids))
	for i, id := range ids {
		g.AddNode(id)
		if i >= w {
			base := (i/w - 1) * w
			for k := range 3 {
				g.AddEdge(ids[base+(i*7+k*13)%w], id)
			}
		}
	}
	return g
}

func BenchmarkTopo100k(b *testing.B) {
	ids := layeredIDs(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildLayered(ids, 100).TopoSort(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDescendants100k(b *testing.B) {
	g := buildLayered(layeredIDs(100_000), 100)
	for b.Loop() {
		g.Descendants("model.pkg.m000000", -1)
	}
}

// TestIncrementalConsistency interleaves batches of edges (bulk and small
// paths of applyPending) with reads and compares with a naive model.
func TestIncrementalConsistency(t *testing.T) {
	g := New()
	children := map[string]map[string]bool{}
	parents := map[string]map[string]bool{}
	seed := uint64(7)
	rnd := func(n int) int { seed = seed*6364136223846793005 + 1442695040888963407; return int(seed>>33) % n }
	for batch := range 40 {
		size := 1 + rnd(50)
		if batch%3 == 0 {
			size = 1
		}
		for range size {
			a, b := fmt.Sprintf("n%02d", rnd(60)), fmt.Sprintf("n%02d", rnd(60))
			g.AddEdge(a, b)
			if children[a] == nil {
				children[a] = map[string]bool{}
			}
			if parents[b] == nil {
				parents[b] = map[string]bool{}
			}
			children[a][b], parents[b][a] = true, true
		}
		keys := func(m map[string]bool) []string {
			out := []string{}
			for k := range m {
				out = append(out, k)
			}
			slices.Sort(out)
			return out
		}
		edges := 0
		for _, id := range g.Nodes() {
			if got, want := g.Children(id), keys(children[id]); !slices.Equal(got, want) {
				t.Fatalf("batch %d: Children(%s) = %v, want %v", batch, id, got, want)
			}
			if got, want := g.Parents(id), keys(parents[id]); !slices.Equal(got, want) {
				t.Fatalf("batch %d: Parents(%s) = %v, want %v", batch, id, got, want)
			}
			edges += len(children[id])
		}
		if g.EdgeCount() != edges {
			t.Fatalf("EdgeCount %d, want %d", g.EdgeCount(), edges)
		}
	}
}

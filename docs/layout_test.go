package docs

import (
	"math/rand/v2"
	"testing"
)

func TestLayoutLayersFollowEdges(t *testing.T) {
	// a -> b -> c, a -> c, d -> c ; e isolated
	edges := [][2]int{{0, 1}, {1, 2}, {0, 2}, {3, 2}}
	res := Layout(5, edges)
	for _, e := range edges {
		if res.Layer[e[0]] >= res.Layer[e[1]] {
			t.Errorf("edge %v goes from layer %d to %d", e, res.Layer[e[0]], res.Layer[e[1]])
		}
		if res.Pos[e[0]].X >= res.Pos[e[1]].X {
			t.Errorf("edge %v is not drawn left to right: %v -> %v", e, res.Pos[e[0]], res.Pos[e[1]])
		}
	}
	// d is a root feeding only c: it sits right before c, not at layer 0
	if res.Layer[3] != res.Layer[2]-1 {
		t.Errorf("root d at layer %d, want %d (next to its consumer)", res.Layer[3], res.Layer[2]-1)
	}
	assertNoOverlap(t, res)
}

func TestLayoutIgnoresCycles(t *testing.T) {
	res := Layout(3, [][2]int{{0, 1}, {1, 2}, {2, 1}, {1, 1}})
	if len(res.Pos) != 3 {
		t.Fatalf("got %d positions", len(res.Pos))
	}
	assertNoOverlap(t, res)
}

func TestLayoutEmpty(t *testing.T) {
	if res := Layout(0, nil); len(res.Pos) != 0 {
		t.Fatal("positions for no nodes")
	}
}

// Crossing reduction must remove crossings that the input order creates:
// two chains given in interleaved order cross at every layer.
func TestLayoutReducesCrossings(t *testing.T) {
	// chain A: 0->2->4, chain B: 1->3->5 but listed so that B's middle
	// comes first and A's second.
	edges := [][2]int{{0, 3}, {1, 2}, {3, 4}, {2, 5}}
	res := Layout(6, edges)
	if res.CrossingsInitial == 0 {
		t.Fatalf("test graph should start with crossings")
	}
	if res.Crossings != 0 {
		t.Errorf("crossings after ordering = %d, want 0 (initial %d)", res.Crossings, res.CrossingsInitial)
	}
}

func TestLayoutRandomDAG(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 600
	var edges [][2]int
	for v := 1; v < n; v++ {
		for k := 0; k < 1+r.IntN(3); k++ {
			edges = append(edges, [2]int{r.IntN(v), v})
		}
	}
	res := Layout(n, edges)
	if res.Crossings > res.CrossingsInitial {
		t.Errorf("ordering made crossings worse: %d -> %d", res.CrossingsInitial, res.Crossings)
	}
	t.Logf("crossings %d -> %d", res.CrossingsInitial, res.Crossings)
	assertNoOverlap(t, res)
}

// A layer of 1,500 staging models is folded into sub-columns so the
// whole graph stays roughly screen-shaped instead of one endless column.
func TestLayoutFoldsTallLayers(t *testing.T) {
	n := 1501
	var edges [][2]int
	for v := 1; v < n; v++ {
		edges = append(edges, [2]int{0, v})
	}
	res := Layout(n, edges)
	if res.Height > 20*res.Width {
		t.Errorf("layout is %.0f x %.0f: tall layer was not folded", res.Width, res.Height)
	}
	for v := 1; v < n; v++ {
		if res.Pos[v].X <= res.Pos[0].X {
			t.Fatalf("child %d at x=%.0f is not right of its parent (x=%.0f)", v, res.Pos[v].X, res.Pos[0].X)
		}
	}
	assertNoOverlap(t, res)
}

func TestCountCrossings(t *testing.T) {
	// layer 0: a b ; layer 1: c d ; edges a-d, b-c cross once
	verts := []lvert{{layer: 0, down: []int32{3}}, {layer: 0, down: []int32{2}}, {layer: 1}, {layer: 1}}
	layers := [][]int32{{0, 1}, {2, 3}}
	pos := []int{0, 1, 0, 1}
	if c := countCrossings(layers, verts, pos); c != 1 {
		t.Errorf("crossings = %d, want 1", c)
	}
}

func TestProjectKeepsOrderAndSpacing(t *testing.T) {
	out := project([]float64{10, 0, 5}, []float64{1, 1, 1}, []float64{0, 4, 4})
	for i := 1; i < len(out); i++ {
		if out[i]-out[i-1] < 4-1e-9 {
			t.Errorf("positions %v closer than 4", out)
		}
	}
	// already legal input stays put
	in := []float64{0, 10, 20}
	got := project(in, []float64{1, 1, 1}, []float64{0, 4, 4})
	for i := range in {
		if got[i] != in[i] {
			t.Errorf("legal positions moved: %v -> %v", in, got)
		}
	}
}

func assertNoOverlap(t *testing.T, res LayoutResult) {
	t.Helper()
	byLayer := map[int][]Point{}
	for i, p := range res.Pos {
		byLayer[res.Layer[i]] = append(byLayer[res.Layer[i]], p)
	}
	for l, ps := range byLayer {
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				dx, dy := ps[i].X-ps[j].X, ps[i].Y-ps[j].Y
				if dx > -NodeWidth && dx < NodeWidth && dy > -NodeHeight && dy < NodeHeight {
					t.Fatalf("layer %d: nodes at %v and %v overlap", l, ps[i], ps[j])
				}
			}
		}
	}
}

package docs

// Layered (Sugiyama-style) layout of the lineage graph, computed once when
// the site is generated so the browser only draws:
//
//  1. layering: longest path from the roots, then roots (sources, seeds)
//     pulled right next to their first consumer so their edges stay short;
//  2. every edge spanning several layers is split by dummy vertices so
//     crossing reduction sees the whole edge;
//  3. crossing reduction: alternating barycenter sweeps, counting crossings
//     exactly after each round (Fenwick tree, O(E log V)) and keeping the
//     best ordering seen;
//  4. coordinates: each vertex is pulled towards the mean position of its
//     neighbours, then the layer is projected back onto "keep the order and
//     the minimum spacing" with weighted isotonic regression (pool adjacent
//     violators), which finds the closest legal positions in linear time.
//
// Layers run left to right (x); order within a layer is y.

import (
	"math"
	"sort"
)

// Layout geometry, in the site's canvas units.
const (
	NodeWidth  = 180.0
	NodeHeight = 30.0
	layerGap   = 280.0 // x distance between layers
	rowGap     = 44.0  // y distance between real vertices
	dummyGap   = 12.0  // y distance taken by a dummy vertex
)

// Point is a laid-out node centre.
type Point struct{ X, Y float64 }

// LayoutResult holds positions for the real nodes plus crossing counts
// before and after ordering (reported by tests and benchmarks).
type LayoutResult struct {
	Pos                         []Point
	Layer                       []int
	Width, Height               float64
	CrossingsInitial, Crossings int
}

type lvert struct {
	layer    int
	up, down []int32 // neighbours in the previous / next layer
	dummy    bool
	key      float64 // initial ordering key
}

// Layout lays out n nodes with edges from parent to child (indexes). Nodes
// should be given in a meaningful order (kiln sorts them by fqn so folders
// start out together). Edges that would close a cycle are ignored.
func Layout(n int, edges [][2]int) LayoutResult {
	if n == 0 {
		return LayoutResult{}
	}
	parents := make([][]int32, n)
	children := make([][]int32, n)
	seen := make(map[[2]int]bool, len(edges))
	for _, e := range edges {
		if e[0] == e[1] || e[0] < 0 || e[1] < 0 || e[0] >= n || e[1] >= n || seen[e] {
			continue
		}
		seen[e] = true
		parents[e[1]] = append(parents[e[1]], int32(e[0]))
		children[e[0]] = append(children[e[0]], int32(e[1]))
	}

	// 1. Layers by longest path in topological (Kahn) order.
	layer := make([]int, n)
	indeg := make([]int, n)
	for v := range n {
		indeg[v] = len(parents[v])
	}
	queue := make([]int32, 0, n)
	for v := range n {
		if indeg[v] == 0 {
			queue = append(queue, int32(v))
		}
	}
	done := make([]bool, n)
	for i := 0; i < len(queue); i++ {
		v := queue[i]
		done[v] = true
		for _, c := range children[v] {
			if layer[c] < layer[v]+1 {
				layer[c] = layer[v] + 1
			}
			if indeg[c]--; indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if len(queue) < n { // a cycle: drop edges into undone vertices
		for v := range n {
			if !done[v] {
				parents[v] = nil
			}
		}
		for v := range n {
			kept := children[v][:0]
			for _, c := range children[v] {
				if done[c] {
					kept = append(kept, c)
				}
			}
			children[v] = kept
		}
	}
	for v := range n {
		if len(parents[v]) == 0 && len(children[v]) > 0 {
			m := math.MaxInt
			for _, c := range children[v] {
				m = min(m, layer[c])
			}
			layer[v] = m - 1
		}
	}
	nl := 0
	for _, l := range layer {
		nl = max(nl, l+1)
	}

	// 2. Proper layered graph with dummies.
	verts := make([]lvert, n, n+len(edges))
	for v := range n {
		verts[v] = lvert{layer: layer[v], key: float64(v)}
	}
	for u := range n {
		for _, c := range children[u] {
			prev := int32(u)
			for l := layer[u] + 1; l < layer[c]; l++ {
				d := int32(len(verts))
				verts = append(verts, lvert{layer: l, dummy: true, key: float64(u) + 0.5})
				verts[prev].down = append(verts[prev].down, d)
				verts[d].up = append(verts[d].up, prev)
				prev = d
			}
			verts[prev].down = append(verts[prev].down, c)
			verts[c].up = append(verts[c].up, prev)
		}
	}
	layers := make([][]int32, nl)
	for i := range verts {
		layers[verts[i].layer] = append(layers[verts[i].layer], int32(i))
	}
	pos := make([]int, len(verts))
	for _, L := range layers {
		sort.SliceStable(L, func(a, b int) bool { return verts[L[a]].key < verts[L[b]].key })
		for i, v := range L {
			pos[v] = i
		}
	}

	// 3. Crossing reduction.
	initial := countCrossings(layers, verts, pos)
	best, bestOrder := initial, snapshot(layers)
	keys := make([]float64, len(verts))
	stale := 0
	for iter := 0; iter < 24 && best > 0 && stale < 4; iter++ {
		down := iter%2 == 0
		for k := 1; k < nl; k++ {
			l := k
			if !down {
				l = nl - 1 - k
			}
			L := layers[l]
			for _, v := range L {
				nb := verts[v].up
				if !down {
					nb = verts[v].down
				}
				if len(nb) == 0 {
					keys[v] = float64(pos[v])
					continue
				}
				s := 0.0
				for _, u := range nb {
					s += float64(pos[u])
				}
				keys[v] = s / float64(len(nb))
			}
			sort.SliceStable(L, func(a, b int) bool { return keys[L[a]] < keys[L[b]] })
			for i, v := range L {
				pos[v] = i
			}
		}
		if c := countCrossings(layers, verts, pos); c < best {
			best, bestOrder, stale = c, snapshot(layers), 0
		} else {
			stale++
		}
	}
	layers = bestOrder
	for _, L := range layers {
		for i, v := range L {
			pos[v] = i
		}
	}

	// 4. Coordinates. A layer with more real vertices than maxRows is
	// folded into side-by-side sub-columns (row-major, so the crossing-
	// reduced order still reads top to bottom); otherwise a project with
	// 1,500 staging models becomes one 70,000-pixel column. Folded layers
	// keep their grid; the others are refined towards their neighbours.
	maxRows := max(30, int(math.Ceil(math.Sqrt(float64(n)*2))))
	cols := make([]int, nl)
	col := make([]int, len(verts))
	y := make([]float64, len(verts))
	gap := func(v int32) float64 {
		if verts[v].dummy {
			return dummyGap
		}
		return rowGap
	}
	for l, L := range layers {
		real := 0
		for _, v := range L {
			if !verts[v].dummy {
				real++
			}
		}
		cols[l] = max(1, (real+maxRows-1)/maxRows)
		if cols[l] > 1 {
			rows := (real + cols[l] - 1) / cols[l]
			i := 0
			for _, v := range L {
				if verts[v].dummy {
					continue
				}
				col[v] = i % cols[l]
				y[v] = (float64(i/cols[l]) - float64(rows-1)/2) * rowGap
				i++
			}
			continue
		}
		acc := 0.0
		for i, v := range L {
			if i > 0 {
				acc += (gap(L[i-1]) + gap(v)) / 2
			}
			y[v] = acc
		}
		for _, v := range L {
			y[v] -= acc / 2
		}
	}
	meanY := func(v int32) (float64, bool) {
		s, c := 0.0, 0
		for _, u := range verts[v].up {
			s, c = s+y[u], c+1
		}
		for _, u := range verts[v].down {
			s, c = s+y[u], c+1
		}
		if c == 0 {
			return y[v], false
		}
		return s / float64(c), true
	}
	desired := make([]float64, 0, 64)
	weights := make([]float64, 0, 64)
	seps := make([]float64, 0, 64)
	for iter := range 8 {
		down := iter%2 == 0
		for k := range nl {
			l := k
			if !down {
				l = nl - 1 - k
			}
			L := layers[l]
			if cols[l] > 1 {
				for _, v := range L {
					if verts[v].dummy {
						y[v], _ = meanY(v)
					}
				}
				continue
			}
			desired, weights, seps = desired[:0], weights[:0], seps[:0]
			for i, v := range L {
				d, _ := meanY(v)
				desired = append(desired, d)
				w := 1.0
				if verts[v].dummy {
					w = 0.4
				}
				weights = append(weights, w)
				if i == 0 {
					seps = append(seps, 0)
				} else {
					seps = append(seps, (gap(L[i-1])+gap(v))/2)
				}
			}
			out := project(desired, weights, seps)
			for i, v := range L {
				y[v] = out[i]
			}
		}
	}

	// x: each layer is a band as wide as its sub-columns.
	const colGap = 36.0
	band := make([]float64, nl+1)
	for l := range nl {
		band[l+1] = band[l] + float64(cols[l]-1)*(NodeWidth+colGap) + layerGap
	}
	res := LayoutResult{Pos: make([]Point, n), Layer: layer, CrossingsInitial: initial, Crossings: best}
	minY := math.Inf(1)
	maxY := math.Inf(-1)
	for v := range n {
		minY = min(minY, y[v])
		maxY = max(maxY, y[v])
	}
	for v := range n {
		x := band[layer[v]] + float64(col[v])*(NodeWidth+colGap) + NodeWidth/2
		res.Pos[v] = Point{X: x, Y: y[v] - minY + NodeHeight/2}
	}
	res.Width = band[nl] - layerGap + NodeWidth
	res.Height = maxY - minY + NodeHeight
	return res
}

func snapshot(layers [][]int32) [][]int32 {
	out := make([][]int32, len(layers))
	for i, L := range layers {
		out[i] = append([]int32(nil), L...)
	}
	return out
}

// countCrossings counts edge crossings between every pair of adjacent
// layers: sort the edges by upper position, then count inversions of the
// lower positions with a Fenwick tree.
func countCrossings(layers [][]int32, verts []lvert, pos []int) int {
	total := 0
	var es [][2]int
	var tree []int
	for l := 0; l+1 < len(layers); l++ {
		es = es[:0]
		for _, u := range layers[l] {
			for _, v := range verts[u].down {
				es = append(es, [2]int{pos[u], pos[v]})
			}
		}
		sort.Slice(es, func(a, b int) bool {
			if es[a][0] != es[b][0] {
				return es[a][0] < es[b][0]
			}
			return es[a][1] < es[b][1]
		})
		size := len(layers[l+1]) + 1
		if cap(tree) < size {
			tree = make([]int, size)
		}
		tree = tree[:size]
		clear(tree)
		seen := 0
		for _, e := range es {
			// edges already added whose lower end is greater than e's cross it
			le := 0
			for i := e[1] + 1; i > 0; i -= i & -i {
				le += tree[i]
			}
			total += seen - le
			for i := e[1] + 1; i < size; i += i & -i {
				tree[i]++
			}
			seen++
		}
	}
	return total
}

// project returns positions closest to desired (weighted least squares)
// that keep the given order with out[i]-out[i-1] >= seps[i]. Subtracting
// the cumulative spacing turns this into isotonic regression, solved by
// pooling adjacent violators.
func project(desired, weights, seps []float64) []float64 {
	n := len(desired)
	off := make([]float64, n)
	for i := 1; i < n; i++ {
		off[i] = off[i-1] + seps[i]
	}
	type block struct {
		sum, w float64
		count  int
	}
	blocks := make([]block, 0, n)
	for i := range n {
		b := block{sum: (desired[i] - off[i]) * weights[i], w: weights[i], count: 1}
		for len(blocks) > 0 {
			top := blocks[len(blocks)-1]
			if top.sum/top.w <= b.sum/b.w {
				break
			}
			b = block{sum: top.sum + b.sum, w: top.w + b.w, count: top.count + b.count}
			blocks = blocks[:len(blocks)-1]
		}
		blocks = append(blocks, b)
	}
	out := make([]float64, n)
	i := 0
	for _, b := range blocks {
		v := b.sum / b.w
		for range b.count {
			out[i] = v + off[i]
			i++
		}
	}
	return out
}

// Package graph is kiln's dependency DAG: nodes are string IDs (dbt
// unique_ids), an edge from -> to means "to depends on from".
//
// Invariants:
//   - Every node has a dense index (0..Len()-1) assigned at insertion and
//     never changed: nodes are never removed. Internal slices are indexed by
//     it and Set is a bitset over it.
//   - New edges are queued and adjacency lists may be unsorted or hold
//     duplicates between mutations; prepare() applies the queue, sorts lists
//     by ID and removes duplicates before any read that exposes them. Reads
//     never observe a dirty list.
//   - Mutation (AddNode/AddEdge) is not safe concurrently with anything else.
//     Once mutation stops, every read method is safe for concurrent use
//     (prepare() is serialised by a mutex and published via an atomic flag).
//
// Set is a bitset of nodes with cheap union/intersection; Walker runs a
// function over a subset in dependency order on a worker pool.
//
// The graph is built for ~100k nodes: construction is append-only, sorting is
// deferred and done once, and traversals work on int32 indices.
package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Graph is a directed graph over string IDs, intended to be acyclic. Cycles
// can be represented so they can be reported (see Cycle and TopoSort).
type Graph struct {
	ids      []string
	index    map[string]int32
	parents  [][]int32
	children [][]int32
	edges    int // distinct edges as of the last prepare()

	// Deferred work, applied by prepare().
	mu        sync.Mutex
	dirty     atomic.Bool // anything below needs recomputation
	pending   []edge      // edges added since the last prepare()
	touched   []int32     // nodes whose adjacency lists need sort+dedupe
	isTouched []bool
	rankStale bool
	rank      []int32 // rank[i]: position of ids[i] in ID order
	order     []int32 // order[r]: index of the node with rank r
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{index: make(map[string]int32)}
}

// NewWithCapacity returns an empty graph pre-sized for n nodes, which avoids
// rehashing when building large graphs.
func NewWithCapacity(n int) *Graph {
	return &Graph{
		index:    make(map[string]int32, n),
		ids:      make([]string, 0, n),
		parents:  make([][]int32, 0, n),
		children: make([][]int32, 0, n),
	}
}

// AddNode adds id if it is not present yet.
func (g *Graph) AddNode(id string) {
	g.add(id)
}

func (g *Graph) add(id string) int32 {
	if i, ok := g.index[id]; ok {
		return i
	}
	if g.index == nil {
		g.index = make(map[string]int32)
	}
	i := int32(len(g.ids))
	g.ids = append(g.ids, id)
	g.index[id] = i
	g.parents = append(g.parents, nil)
	g.children = append(g.children, nil)
	g.isTouched = append(g.isTouched, false)
	g.rankStale = true
	g.dirty.Store(true)
	return i
}

type edge struct{ from, to int32 }

// AddEdge records that to depends on from (from is upstream), adding missing
// nodes. Duplicate edges are collapsed.
func (g *Graph) AddEdge(from, to string) {
	f, t := g.add(from), g.add(to)
	g.pending = append(g.pending, edge{f, t})
	g.dirty.Store(true)
}

func (g *Graph) touch(i int32) {
	if !g.isTouched[i] {
		g.isTouched[i] = true
		g.touched = append(g.touched, i)
	}
}

// prepare applies deferred sorting/deduplication. Cheap when nothing changed.
func (g *Graph) prepare() {
	if !g.dirty.Load() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.dirty.Load() {
		return
	}
	if g.rankStale {
		n := len(g.ids)
		g.order = make([]int32, n)
		for i := range g.order {
			g.order[i] = int32(i)
		}
		slices.SortFunc(g.order, func(a, b int32) int { return strings.Compare(g.ids[a], g.ids[b]) })
		g.rank = make([]int32, n)
		for r, i := range g.order {
			g.rank[i] = int32(r)
		}
		g.rankStale = false
	}
	g.applyPending()
	byID := func(a, b int32) int { return cmp.Compare(g.rank[a], g.rank[b]) }
	for _, i := range g.touched {
		g.isTouched[i] = false
		for _, adj := range []*[]int32{&g.children[i], &g.parents[i]} {
			l := *adj
			if len(l) > 1 {
				slices.SortFunc(l, byID)
				l = slices.Compact(l)
			}
			*adj = slices.Clip(l)
		}
	}
	g.touched = g.touched[:0]
	// Recount edges after deduplication.
	e := 0
	for _, c := range g.children {
		e += len(c)
	}
	g.edges = e
	g.dirty.Store(false)
}

// applyPending moves pending edges into the adjacency lists. A bulk load
// (many edges) is laid out in two shared backing arrays, one allocation each
// instead of several per node; a few edges are appended in place. Lists are
// clipped after dedupe, so appending to one never overwrites a neighbour.
func (g *Graph) applyPending() {
	if len(g.pending) == 0 {
		return
	}
	if len(g.pending)*4 >= g.edges {
		n := len(g.ids)
		cc := make([]int32, n)
		pc := make([]int32, n)
		for _, e := range g.pending {
			cc[e.from]++
			pc[e.to]++
		}
		total := len(g.pending) + g.edges
		cb, pb := make([]int32, 0, total), make([]int32, 0, total)
		relay := func(adj [][]int32, count []int32, back []int32) []int32 {
			for i := range adj {
				if count[i] == 0 {
					continue
				}
				start := len(back)
				back = append(back, adj[i]...)
				adj[i] = back[start : len(back) : len(back)+int(count[i])]
				back = back[:len(back)+int(count[i])]
			}
			return back
		}
		relay(g.children, cc, cb)
		relay(g.parents, pc, pb)
	}
	for _, e := range g.pending {
		g.children[e.from] = append(g.children[e.from], e.to)
		g.parents[e.to] = append(g.parents[e.to], e.from)
		g.touch(e.from)
		g.touch(e.to)
	}
	g.pending = g.pending[:0]
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.ids) }

// EdgeCount returns the number of distinct edges.
func (g *Graph) EdgeCount() int {
	g.prepare()
	return g.edges
}

// HasNode reports whether id is in the graph.
func (g *Graph) HasNode(id string) bool {
	_, ok := g.index[id]
	return ok
}

// Index returns the dense index of id, or -1. Indices are assigned in
// insertion order and never change, so callers may key slices by them.
func (g *Graph) Index(id string) int {
	if i, ok := g.index[id]; ok {
		return int(i)
	}
	return -1
}

// IDAt returns the ID of the node with index i.
func (g *Graph) IDAt(i int) string { return g.ids[i] }

// Nodes returns all IDs sorted.
func (g *Graph) Nodes() []string {
	g.prepare()
	out := make([]string, len(g.order))
	for r, i := range g.order {
		out[r] = g.ids[i]
	}
	return out
}

// Parents returns the direct upstream nodes of id, sorted; nil if unknown.
func (g *Graph) Parents(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	g.prepare()
	return g.names(g.parents[i])
}

// Children returns the direct downstream nodes of id, sorted; nil if unknown.
func (g *Graph) Children(id string) []string {
	i, ok := g.index[id]
	if !ok {
		return nil
	}
	g.prepare()
	return g.names(g.children[i])
}

// ParentIndices and ChildIndices expose adjacency by index for hot loops.
// The returned slices are sorted by ID and must not be modified.
func (g *Graph) ParentIndices(i int) []int32 { g.prepare(); return g.parents[i] }

// ChildIndices: see ParentIndices.
func (g *Graph) ChildIndices(i int) []int32 { g.prepare(); return g.children[i] }

func (g *Graph) names(idx []int32) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.ids[i]
	}
	return out
}

// Subgraph returns a new graph holding the given nodes (unknown IDs are
// ignored) and the edges among them. Edges through nodes outside ids are
// dropped; Walker keeps such transitive ordering itself.
func (g *Graph) Subgraph(ids []string) *Graph {
	g.prepare()
	s := g.NewSet(ids...)
	out := NewWithCapacity(s.Len())
	s.eachRank(func(i int32) { out.AddNode(g.ids[i]) })
	s.eachRank(func(i int32) {
		for _, c := range g.children[i] {
			if s.has(c) {
				out.AddEdge(g.ids[i], g.ids[c])
			}
		}
	})
	return out
}

// CycleError reports a dependency cycle. Path starts and ends with the same
// node and follows edge direction (each element is a parent of the next).
type CycleError struct {
	Path []string
}

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

// Cycle returns one cycle as a closed path [a, b, ..., a], or nil when the
// graph is acyclic. The result is deterministic: the search visits nodes and
// children in ID order and the cycle found is rotated to start at its
// lowest ID.
func (g *Graph) Cycle() []string {
	g.prepare()
	return g.findCycle(nil)
}

// findCycle runs an iterative DFS restricted to nodes with in[i] (nil = all).
func (g *Graph) findCycle(in []bool) []string {
	const (
		white = iota
		grey
		black
	)
	n := len(g.ids)
	color := make([]uint8, n)
	type frame struct {
		node int32
		next int // next child position to explore
	}
	var stack []frame
	for _, root := range g.order {
		if color[root] != white || (in != nil && !in[root]) {
			continue
		}
		stack = append(stack[:0], frame{node: root})
		color[root] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			ch := g.children[top.node]
			if top.next >= len(ch) {
				color[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			c := ch[top.next]
			top.next++
			if in != nil && !in[c] {
				continue
			}
			switch color[c] {
			case white:
				color[c] = grey
				stack = append(stack, frame{node: c})
			case grey:
				// Back edge: the cycle is the stack suffix starting at c.
				start := len(stack) - 1
				for stack[start].node != c {
					start--
				}
				cyc := make([]int32, 0, len(stack)-start)
				for _, f := range stack[start:] {
					cyc = append(cyc, f.node)
				}
				low := 0
				for k := range cyc {
					if g.rank[cyc[k]] < g.rank[cyc[low]] {
						low = k
					}
				}
				path := make([]string, 0, len(cyc)+1)
				for k := range cyc {
					path = append(path, g.ids[cyc[(low+k)%len(cyc)]])
				}
				return append(path, path[0])
			}
		}
	}
	return nil
}

// TopoSort returns all nodes, parents before children. Among nodes that are
// ready at the same time the lowest ID comes first (Kahn's algorithm with a
// min-heap), so the order is stable across runs and insertion orders.
// On a cycle it returns a *CycleError.
func (g *Graph) TopoSort() ([]string, error) {
	g.prepare()
	n := len(g.ids)
	indeg := make([]int32, n)
	for i := range indeg {
		indeg[i] = int32(len(g.parents[i]))
	}
	h := rankHeap{rank: g.rank}
	for i := range indeg {
		if indeg[i] == 0 {
			h.items = append(h.items, int32(i))
		}
	}
	h.init()
	out := make([]string, 0, n)
	for len(h.items) > 0 {
		i := h.pop()
		out = append(out, g.ids[i])
		for _, c := range g.children[i] {
			indeg[c]--
			if indeg[c] == 0 {
				h.push(c)
			}
		}
	}
	if len(out) != n {
		return nil, &CycleError{Path: g.findCycle(nil)}
	}
	return out, nil
}

// rankHeap is a min-heap of node indices keyed by rank. Hand-rolled instead of
// container/heap to avoid interface boxing on 100k-node graphs.
type rankHeap struct {
	items []int32
	rank  []int32
}

func (h *rankHeap) less(a, b int) bool { return h.rank[h.items[a]] < h.rank[h.items[b]] }

func (h *rankHeap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *rankHeap) push(x int32) {
	h.items = append(h.items, x)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *rankHeap) pop() int32 {
	x := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	h.down(0)
	return x
}

func (h *rankHeap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}

// String summarises the graph for debugging.
func (g *Graph) String() string {
	return fmt.Sprintf("graph(%d nodes, %d edges)", g.Len(), g.EdgeCount())
}

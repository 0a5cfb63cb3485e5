// Set and traversals.
//
// Invariants: a Set is a bitset over the node indices of the Graph that made
// it; bits beyond the slice length are zero. Operations between sets of
// different graphs are a programming error and panic.

package graph

import (
	"math/bits"
	"slices"
)

// Set is a set of nodes of one Graph. The zero value is not usable; create
// sets with Graph.NewSet. Not safe for concurrent mutation.
type Set struct {
	g *Graph
	w []uint64
}

// NewSet returns a set holding the known IDs among ids (unknown ones are
// ignored; use Add to detect them).
func (g *Graph) NewSet(ids ...string) *Set {
	s := &Set{g: g, w: make([]uint64, (len(g.ids)+63)/64)}
	for _, id := range ids {
		s.Add(id)
	}
	return s
}

// All returns a set of every node.
func (g *Graph) All() *Set {
	s := g.NewSet()
	for i := range g.ids {
		s.set(int32(i))
	}
	return s
}

func (s *Set) has(i int32) bool {
	k := int(i) >> 6
	return k < len(s.w) && s.w[k]&(1<<(uint(i)&63)) != 0
}

func (s *Set) set(i int32) {
	k := int(i) >> 6
	if k >= len(s.w) {
		s.w = append(s.w, make([]uint64, k+1-len(s.w))...)
	}
	s.w[k] |= 1 << (uint(i) & 63)
}

// Add inserts id and reports whether id is a node of the graph.
func (s *Set) Add(id string) bool {
	i, ok := s.g.index[id]
	if ok {
		s.set(i)
	}
	return ok
}

// AddIndex inserts the node with index i.
func (s *Set) AddIndex(i int) { s.set(int32(i)) }

// Remove deletes id.
func (s *Set) Remove(id string) {
	if i, ok := s.g.index[id]; ok && int(i)>>6 < len(s.w) {
		s.w[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// Has reports membership.
func (s *Set) Has(id string) bool {
	i, ok := s.g.index[id]
	return ok && s.has(i)
}

// HasIndex reports membership by node index.
func (s *Set) HasIndex(i int) bool { return s.has(int32(i)) }

// Len returns the number of members.
func (s *Set) Len() int {
	n := 0
	for _, w := range s.w {
		n += bits.OnesCount64(w)
	}
	return n
}

// Clone returns an independent copy.
func (s *Set) Clone() *Set { return &Set{g: s.g, w: slices.Clone(s.w)} }

func (s *Set) same(o *Set) {
	if s.g != o.g {
		panic("graph: set operation across different graphs")
	}
}

// Union adds every member of o to s and returns s.
func (s *Set) Union(o *Set) *Set {
	s.same(o)
	if len(o.w) > len(s.w) {
		s.w = append(s.w, make([]uint64, len(o.w)-len(s.w))...)
	}
	for k, w := range o.w {
		s.w[k] |= w
	}
	return s
}

// Intersect keeps only members also in o and returns s.
func (s *Set) Intersect(o *Set) *Set {
	s.same(o)
	for k := range s.w {
		if k < len(o.w) {
			s.w[k] &= o.w[k]
		} else {
			s.w[k] = 0
		}
	}
	return s
}

// Subtract removes members of o and returns s.
func (s *Set) Subtract(o *Set) *Set {
	s.same(o)
	for k := range s.w {
		if k < len(o.w) {
			s.w[k] &^= o.w[k]
		}
	}
	return s
}

// Equal reports whether both sets have the same members.
func (s *Set) Equal(o *Set) bool {
	s.same(o)
	a, b := s.w, o.w
	if len(a) < len(b) {
		a, b = b, a
	}
	for k := range a {
		var y uint64
		if k < len(b) {
			y = b[k]
		}
		if a[k] != y {
			return false
		}
	}
	return true
}

// Each calls fn with the index of every member in index order.
func (s *Set) Each(fn func(i int)) {
	for k, w := range s.w {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			fn(k<<6 | b)
			w &= w - 1
		}
	}
}

func (s *Set) indices() []int32 {
	out := make([]int32, 0, s.Len())
	s.Each(func(i int) { out = append(out, int32(i)) })
	return out
}

// eachRank visits members in ID order.
func (s *Set) eachRank(fn func(i int32)) {
	s.g.prepare()
	idx := s.indices()
	if len(idx)*8 < len(s.g.ids) {
		rank := s.g.rank
		slices.SortFunc(idx, func(a, b int32) int { return int(rank[a] - rank[b]) })
		for _, i := range idx {
			fn(i)
		}
		return
	}
	for _, i := range s.g.order {
		if s.has(i) {
			fn(i)
		}
	}
}

// IDs returns the members sorted.
func (s *Set) IDs() []string {
	out := make([]string, 0, s.Len())
	s.eachRank(func(i int32) { out = append(out, s.g.ids[i]) })
	return out
}

// Ancestors returns the upstream nodes of id within depth edges (depth < 0:
// unlimited). id itself is included only if it lies on a cycle.
func (g *Graph) Ancestors(id string, depth int) *Set {
	return g.AncestorsOf(g.NewSet(id), depth)
}

// Descendants is the downstream counterpart of Ancestors.
func (g *Graph) Descendants(id string, depth int) *Set {
	return g.DescendantsOf(g.NewSet(id), depth)
}

// AncestorsOf returns every node reachable upstream from any seed in 1..depth
// steps (depth < 0: unlimited). It is one multi-source BFS, so the cost is
// O(V+E) however many seeds there are. A seed is included only when it is
// itself an ancestor of another seed, matching the union of per-seed results.
func (g *Graph) AncestorsOf(seeds *Set, depth int) *Set {
	g.prepare()
	return g.reach(seeds, depth, g.parents)
}

// DescendantsOf is the downstream counterpart of AncestorsOf.
func (g *Graph) DescendantsOf(seeds *Set, depth int) *Set {
	g.prepare()
	return g.reach(seeds, depth, g.children)
}

func (g *Graph) reach(seeds *Set, depth int, adj [][]int32) *Set {
	seeds.same(&Set{g: g})
	out := g.NewSet()
	if depth == 0 {
		return out
	}
	seen := seeds.Clone()
	frontier := seeds.indices()
	var next []int32
	for d := 0; len(frontier) > 0 && (depth < 0 || d < depth); d++ {
		next = next[:0]
		for _, i := range frontier {
			for _, j := range adj[i] {
				// Seeds were expanded at distance 0, so a seed reached again
				// only needs to be recorded, not expanded twice.
				out.set(j)
				if !seen.has(j) {
					seen.set(j)
					next = append(next, j)
				}
			}
		}
		frontier, next = next, frontier
	}
	return out
}

// Parallel DAG walker.
//
// Design: one goroutine (the scheduler, i.e. the caller of Walk) owns all
// node state: remaining-parent counts, the ready heap and node status. Each
// started node runs Run in its own goroutine, at most Workers at a time, and
// reports back on a channel; nothing else is shared, so there are no locks.
//
// Invariants:
//   - A node starts only after every upstream node in the walk's scope has
//     finished successfully, where scope = the selected nodes plus "bridge"
//     nodes that are not selected but lie on a path between two selected
//     ones. Bridge nodes are
//     never run; they complete instantly once their parents have, which
//     keeps a -> x -> b ordering when only a and b are selected.
//   - Every selected node ends in exactly one of: Run called, or OnSkip
//     called. Never both, never twice.
//   - Walk returns only after every started Run has returned.

package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
)

// ErrSkipDescendants may be returned (or wrapped) by Walker.Run to mark a
// node as finished without an operational failure while still skipping
// everything downstream of it, e.g. a failing data test in `build`. It does
// not trigger FailFast.
var ErrSkipDescendants = errors.New("skip descendants")

// FailFastError is returned by Walk when FailFast stopped the walk.
type FailFastError struct {
	ID  string // first node that failed
	Err error  // its error
}

func (e *FailFastError) Error() string {
	return fmt.Sprintf("fail-fast: %s failed: %v", e.ID, e.Err)
}

func (e *FailFastError) Unwrap() error { return e.Err }

// PanicError wraps a panic recovered from Walker.Run; the node counts as
// failed.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Walker runs a function over a subset of a graph in dependency order.
//
// Scheduling priority: among ready nodes, the one heading the longest chain
// of selected nodes downstream (its "height") starts first, ties broken by
// ID. Starting the critical path early shortens wall time when workers are
// fewer than ready nodes, and the order is deterministic with Workers == 1.
type Walker struct {
	// Workers is the maximum number of concurrent Run calls (<= 0 means 1).
	Workers int
	// FailFast stops scheduling after the first failure (an error other than
	// ErrSkipDescendants) and cancels the context of running nodes.
	FailFast bool
	// Run executes one node. It is called concurrently from several
	// goroutines and must honour ctx cancellation. nil error: success;
	// ErrSkipDescendants: done, but downstream nodes are skipped; any other
	// error: failure, downstream nodes are skipped.
	Run func(ctx context.Context, id string) error
	// OnSkip, if set, is told about every selected node that is not run.
	// cause is the failed upstream node, or "" when the walk stopped early
	// (fail-fast or cancellation). Calls come from the goroutine that called
	// Walk, one at a time and in dependency order, possibly while Run calls
	// are in progress.
	OnSkip func(id, cause string)
}

// node states
const (
	stPending uint8 = iota
	stRunning
	stDone
	stSkipped
)

type walkResult struct {
	n   int32
	err error
}

// Walk runs w.Run for every node in ids (unknown IDs are an error, duplicates
// are ignored). It returns nil when every node ran or was skipped because of
// an upstream failure: individual failures are the caller's to record from
// Run. It returns a *CycleError if the scope contains a cycle (nothing is
// run), a *FailFastError if FailFast stopped it, or ctx.Err() on
// cancellation. In the last two cases nodes not started are reported to
// OnSkip with an empty cause.
func (w *Walker) Walk(ctx context.Context, g *Graph, ids []string) error {
	if w.Run == nil {
		return errors.New("graph: Walker.Run is nil")
	}
	g.prepare()
	sel := g.NewSet()
	for _, id := range ids {
		if !sel.Add(id) {
			return fmt.Errorf("graph: unknown node %q", id)
		}
	}
	s, err := newSched(g, sel)
	if err != nil {
		return err
	}
	return s.run(ctx, w)
}

// sched holds the scope of one walk in local indices (0..len(nodes)-1).
type sched struct {
	g        *Graph
	nodes    []int32   // local -> global
	selected []bool    // false: bridge node
	children [][]int32 // local adjacency within scope
	waiting  []int32   // parents not finished yet
	height   []int32   // priority, see Walker
	topo     []int32   // position in a deterministic topological order
	state    []uint8
}

func newSched(g *Graph, sel *Set) (*sched, error) {
	// Scope: selected nodes plus nodes both downstream and upstream of the
	// selection (bridges). Anything else cannot affect ordering.
	scope := g.DescendantsOf(sel, -1).Intersect(g.AncestorsOf(sel, -1)).Union(sel)
	s := &sched{g: g}
	local := make([]int32, len(g.ids))
	for i := range local {
		local[i] = -1
	}
	// Local indices follow ID order so ties are resolved by ID everywhere.
	scope.eachRank(func(i int32) {
		local[i] = int32(len(s.nodes))
		s.nodes = append(s.nodes, i)
		s.selected = append(s.selected, sel.has(i))
	})
	n := len(s.nodes)
	s.children = make([][]int32, n)
	s.waiting = make([]int32, n)
	s.state = make([]uint8, n)
	for l, gi := range s.nodes {
		for _, c := range g.children[gi] {
			if lc := local[c]; lc >= 0 {
				s.children[l] = append(s.children[l], lc)
				s.waiting[lc]++
			}
		}
	}
	// Kahn over the scope: detects cycles and yields an order for heights.
	indeg := slices.Clone(s.waiting)
	queue := make([]int32, 0, n)
	for l := range n {
		if indeg[l] == 0 {
			queue = append(queue, int32(l))
		}
	}
	for k := 0; k < len(queue); k++ {
		for _, c := range s.children[queue[k]] {
			indeg[c]--
			if indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if len(queue) != n {
		in := make([]bool, len(g.ids))
		for _, gi := range s.nodes {
			in[gi] = true
		}
		return nil, &CycleError{Path: g.findCycle(in)}
	}
	s.topo = make([]int32, n)
	for pos, l := range queue {
		s.topo[l] = int32(pos)
	}
	s.height = make([]int32, n)
	for k := n - 1; k >= 0; k-- {
		l := queue[k]
		var h int32
		for _, c := range s.children[l] {
			h = max(h, s.height[c])
		}
		if s.selected[l] {
			h++
		}
		s.height[l] = h
	}
	return s, nil
}

// before orders the ready heap: greater height first, then ID (= local index).
func (s *sched) before(a, b int32) bool {
	if s.height[a] != s.height[b] {
		return s.height[a] > s.height[b]
	}
	return a < b
}

func (s *sched) run(ctx context.Context, w *Walker) error {
	workers := max(w.Workers, 1)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make(chan walkResult, workers)
	var ready []int32 // binary heap ordered by before
	push := func(l int32) {
		ready = append(ready, l)
		for i := len(ready) - 1; i > 0; {
			p := (i - 1) / 2
			if !s.before(ready[i], ready[p]) {
				break
			}
			ready[i], ready[p] = ready[p], ready[i]
			i = p
		}
	}
	pop := func() int32 {
		x := ready[0]
		last := len(ready) - 1
		ready[0] = ready[last]
		ready = ready[:last]
		for i := 0; ; {
			l := 2*i + 1
			if l >= len(ready) {
				break
			}
			m := l
			if r := l + 1; r < len(ready) && s.before(ready[r], ready[l]) {
				m = r
			}
			if !s.before(ready[m], ready[i]) {
				break
			}
			ready[i], ready[m] = ready[m], ready[i]
			i = m
		}
		return x
	}

	// release marks l done and readies children; bridges complete at once.
	var release func(l int32)
	release = func(l int32) {
		s.state[l] = stDone
		for _, c := range s.children[l] {
			s.waiting[c]--
			if s.waiting[c] == 0 && s.state[c] == stPending {
				if s.selected[c] {
					push(c)
				} else {
					release(c)
				}
			}
		}
	}
	skipBelow := func(l int32) {
		var reported []int32
		stack := []int32{l}
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, c := range s.children[x] {
				if s.state[c] == stPending {
					s.state[c] = stSkipped
					stack = append(stack, c)
					if s.selected[c] {
						reported = append(reported, c)
					}
				}
			}
		}
		if w.OnSkip != nil {
			slices.SortFunc(reported, func(a, b int32) int { return int(s.topo[a] - s.topo[b]) })
			cause := s.g.ids[s.nodes[l]]
			for _, c := range reported {
				w.OnSkip(s.g.ids[s.nodes[c]], cause)
			}
		}
	}

	for l := range s.nodes {
		if s.waiting[l] == 0 && s.state[l] == stPending {
			if s.selected[l] {
				push(int32(l))
			} else {
				release(int32(l))
			}
		}
	}

	var stopErr error
	done := ctx.Done()
	if ctx.Err() != nil {
		stopErr = ctx.Err()
	}
	running := 0
	for {
		for stopErr == nil && running < workers && len(ready) > 0 {
			l := pop()
			s.state[l] = stRunning
			running++
			go func(l int32, id string) {
				var err error
				defer func() {
					if r := recover(); r != nil {
						err = &PanicError{Value: r, Stack: debug.Stack()}
					}
					results <- walkResult{n: l, err: err}
				}()
				err = w.Run(runCtx, id)
			}(l, s.g.ids[s.nodes[l]])
		}
		if running == 0 {
			break
		}
		select {
		case r := <-results:
			running--
			switch {
			case r.err == nil:
				release(r.n)
			case errors.Is(r.err, ErrSkipDescendants):
				s.state[r.n] = stDone
				skipBelow(r.n)
			default:
				s.state[r.n] = stDone
				skipBelow(r.n)
				if w.FailFast && stopErr == nil {
					stopErr = &FailFastError{ID: s.g.ids[s.nodes[r.n]], Err: r.err}
					cancel()
				}
			}
		case <-done:
			done = nil
			if stopErr == nil {
				stopErr = ctx.Err()
			}
			cancel()
		}
	}
	if stopErr == nil {
		return nil
	}
	// Report every selected node that never started, in dependency order.
	var rest []int32
	for l := range s.nodes {
		if s.state[l] == stPending && s.selected[l] {
			rest = append(rest, int32(l))
		}
	}
	if w.OnSkip != nil {
		slices.SortFunc(rest, func(a, b int32) int { return int(s.topo[a] - s.topo[b]) })
		for _, l := range rest {
			w.OnSkip(s.g.ids[s.nodes[l]], "")
		}
	}
	return stopErr
}

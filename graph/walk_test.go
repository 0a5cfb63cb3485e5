package graph

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder collects Run and OnSkip calls.
type recorder struct {
	mu    sync.Mutex
	ran   []string
	skips []string // "id<-cause"
}

func (r *recorder) walker(workers int, fail map[string]error) *Walker {
	return &Walker{
		Workers: workers,
		Run: func(ctx context.Context, id string) error {
			r.mu.Lock()
			r.ran = append(r.ran, id)
			r.mu.Unlock()
			return fail[id]
		},
		OnSkip: func(id, cause string) {
			r.mu.Lock()
			r.skips = append(r.skips, id+"<-"+cause)
			r.mu.Unlock()
		},
	}
}

func TestWalkOrderSerial(t *testing.T) {
	// Chain a->b->c->d, branch f->g, lone e. Heights: a4 b3 c2 f2 d1 g1 e1.
	// With one worker the highest ready node runs next, ties by ID.
	g := build("a b", "b c", "c d", "f g", "e")
	var r recorder
	if err := r.walker(1, nil).Walk(context.Background(), g, g.Nodes()); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "c", "f", "d", "e", "g"}
	if !slices.Equal(r.ran, want) {
		t.Fatalf("ran %v, want %v", r.ran, want)
	}
}

func TestWalkFailureSkipsDescendants(t *testing.T) {
	// a -> b -> c ; a -> d ; e -> f (independent); b -> x -> y where x is
	// not selected (bridge) and y is.
	g := build("a b", "b c", "a d", "e f", "b x", "x y")
	boom := errors.New("boom")
	var r recorder
	w := r.walker(2, map[string]error{"b": boom})
	err := w.Walk(context.Background(), g, []string{"a", "b", "c", "d", "e", "f", "y", "a"})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(r.ran)
	if want := []string{"a", "b", "d", "e", "f"}; !slices.Equal(r.ran, want) {
		t.Fatalf("ran %v, want %v", r.ran, want)
	}
	if want := []string{"c<-b", "y<-b"}; !slices.Equal(r.skips, want) {
		t.Fatalf("skips %v, want %v", r.skips, want)
	}
}

func TestWalkBridgeOrdering(t *testing.T) {
	// Only a and b are selected; b must still wait for a through x, y.
	g := build("a x", "x y", "y b", "c b")
	var mu sync.Mutex
	var aDone bool
	w := &Walker{Workers: 4, Run: func(ctx context.Context, id string) error {
		if id == "a" {
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			aDone = true
			mu.Unlock()
		}
		if id == "b" {
			mu.Lock()
			defer mu.Unlock()
			if !aDone {
				return errors.New("b started before a finished")
			}
		}
		return nil
	}}
	failed := false
	run := w.Run
	w.Run = func(ctx context.Context, id string) error {
		err := run(ctx, id)
		if err != nil {
			mu.Lock()
			failed = true
			mu.Unlock()
		}
		return err
	}
	if err := w.Walk(context.Background(), g, []string{"b", "a"}); err != nil || failed {
		t.Fatalf("err=%v failed=%v", err, failed)
	}
}

func TestWalkSkipDescendantsSentinel(t *testing.T) {
	g := build("m t", "m n", "t n2")
	var r recorder
	w := r.walker(1, map[string]error{"t": fmt.Errorf("test failed: %w", ErrSkipDescendants)})
	w.FailFast = true // must not trigger
	if err := w.Walk(context.Background(), g, g.Nodes()); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.ran, "n") || slices.Contains(r.ran, "n2") {
		t.Fatalf("ran %v", r.ran)
	}
	if want := []string{"n2<-t"}; !slices.Equal(r.skips, want) {
		t.Fatalf("skips %v", r.skips)
	}
}

func TestWalkFailFast(t *testing.T) {
	// slow runs concurrently with bad; bad fails, slow's ctx is cancelled,
	// and nodes not yet started are reported with an empty cause.
	g := build("bad after", "slow after2", "z1", "z2")
	var canceled atomic.Bool
	var skips []string
	w := &Walker{
		Workers:  2,
		FailFast: true,
		Run: func(ctx context.Context, id string) error {
			switch id {
			case "bad":
				return errors.New("kaput")
			case "slow":
				select {
				case <-ctx.Done():
					canceled.Store(true)
					return ctx.Err()
				case <-time.After(5 * time.Second):
					return nil
				}
			}
			return nil
		},
		OnSkip: func(id, cause string) { skips = append(skips, id+"<-"+cause) },
	}
	err := w.Walk(context.Background(), g, g.Nodes())
	var ff *FailFastError
	if !errors.As(err, &ff) || ff.ID != "bad" || ff.Err.Error() != "kaput" {
		t.Fatalf("err = %v", err)
	}
	if !canceled.Load() {
		t.Fatal("running node not cancelled")
	}
	// after<-bad (failure), then the rest not run.
	want := []string{"after<-bad", "after2<-slow", "z1<-", "z2<-"}
	if !slices.Equal(skips, want) {
		t.Fatalf("skips %v, want %v", skips, want)
	}
}

func TestWalkCancel(t *testing.T) {
	g := build("a b", "b c")
	ctx, cancel := context.WithCancel(context.Background())
	var skips []string
	w := &Walker{
		Run: func(ctx context.Context, id string) error {
			cancel() // Ctrl-C while a runs
			<-ctx.Done()
			return ctx.Err()
		},
		OnSkip: func(id, cause string) { skips = append(skips, id+"<-"+cause) },
	}
	err := w.Walk(ctx, g, g.Nodes())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	// a failed with ctx error: b, c skipped because of it.
	if want := []string{"b<-a", "c<-a"}; !slices.Equal(skips, want) {
		t.Fatalf("skips %v", skips)
	}

	// Already-cancelled context: nothing runs, everything reported.
	skips = nil
	w.Run = func(context.Context, string) error { t.Error("ran"); return nil }
	if err := w.Walk(ctx, g, g.Nodes()); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if want := []string{"a<-", "b<-", "c<-"}; !slices.Equal(skips, want) {
		t.Fatalf("skips %v", skips)
	}
}

func TestWalkErrors(t *testing.T) {
	g := build("a b", "b c", "c a", "d")
	w := &Walker{Run: func(context.Context, string) error { return nil }}
	var ce *CycleError
	if err := w.Walk(context.Background(), g, []string{"a", "d"}); !errors.As(err, &ce) ||
		strings.Join(ce.Path, " ") != "a b c a" {
		t.Fatalf("cycle err = %v", err)
	}
	if err := w.Walk(context.Background(), g, []string{"d"}); err != nil {
		t.Fatalf("acyclic part: %v", err)
	}
	if err := w.Walk(context.Background(), g, []string{"nope"}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("unknown: %v", err)
	}
	var r recorder
	w = r.walker(1, nil)
	w.Run = func(ctx context.Context, id string) error {
		if id == "d" {
			panic("oops")
		}
		return nil
	}
	g2 := build("d e")
	if err := w.Walk(context.Background(), g2, g2.Nodes()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"e<-d"}; !slices.Equal(r.skips, want) {
		t.Fatalf("panic skips %v", r.skips)
	}
}

// TestWalkStress checks ordering, exclusivity and the worker bound on random
// DAGs with random failures (meaningful under -race).
func TestWalkStress(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 20 {
		n := 200
		g := New()
		for i := range n {
			id := fmt.Sprintf("n%03d", i)
			g.AddNode(id)
			for range rng.IntN(4) {
				if i > 0 {
					g.AddEdge(fmt.Sprintf("n%03d", rng.IntN(i)), id)
				}
			}
		}
		var sel []string
		for _, id := range g.Nodes() {
			if rng.IntN(3) > 0 {
				sel = append(sel, id)
			}
		}
		fail := map[string]bool{}
		for range 3 {
			fail[sel[rng.IntN(len(sel))]] = true
		}
		const workers = 4
		var (
			mu       sync.Mutex
			finished = map[string]bool{}
			seen     = map[string]string{}
			active   int32
			peak     int32
		)
		w := &Walker{
			Workers: workers,
			Run: func(ctx context.Context, id string) error {
				a := atomic.AddInt32(&active, 1)
				defer atomic.AddInt32(&active, -1)
				mu.Lock()
				peak = max(peak, a)
				if seen[id] != "" {
					t.Errorf("%s seen twice", id)
				}
				seen[id] = "run"
				for _, p := range g.Ancestors(id, -1).IDs() {
					if slices.Contains(sel, p) && !finished[p] {
						t.Errorf("iter %d: %s started before ancestor %s finished", iter, id, p)
					}
				}
				mu.Unlock()
				time.Sleep(time.Duration(id[len(id)-1]%2) * 10 * time.Microsecond)
				mu.Lock()
				finished[id] = true
				mu.Unlock()
				if fail[id] {
					return errors.New("fail")
				}
				return nil
			},
			OnSkip: func(id, cause string) {
				mu.Lock()
				defer mu.Unlock()
				if seen[id] != "" {
					t.Errorf("%s skipped after %s", id, seen[id])
				}
				seen[id] = "skip"
				if !fail[cause] || !g.Ancestors(id, -1).Has(cause) {
					t.Errorf("%s skipped with bad cause %q", id, cause)
				}
			},
		}
		if err := w.Walk(context.Background(), g, sel); err != nil {
			t.Fatal(err)
		}
		if len(seen) != len(sel) {
			t.Fatalf("iter %d: %d of %d nodes accounted for", iter, len(seen), len(sel))
		}
		if peak > workers {
			t.Fatalf("peak concurrency %d > %d", peak, workers)
		}
	}
}

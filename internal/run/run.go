// Package run executes a compiled manifest through an adapter: it walks the
// selected nodes in dependency order on N workers, materializes models,
// loads seeds, runs data tests, prints dbt-style progress and collects the
// results that become run_results.json.
//
// Invariants: every selected node ends with exactly one result; a failed
// node's descendants are skipped while independent branches finish;
// run_results.json is written even when the run fails or is cancelled.
package run

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph"
)

// Options configure one execution.
type Options struct {
	Command     string // run, test, seed, build, compile
	Threads     int
	FailFast    bool
	FullRefresh bool
	WarnError   bool
	TargetDir   string // absolute target path
	TargetName  string
	Printer     *Printer
	// Selected are the unique IDs to execute.
	Selected []string
	// Hooks: on-run-start / on-run-end SQL (rendered at run time).
	OnRunStart, OnRunEnd []string
	Args                 map[string]any
	// Debug prints extra lines (e.g. where unit tests learned column types).
	Debug bool
	// StoreFailures is --store-failures (a test's store_failures config wins).
	StoreFailures bool
	// WarnErrorOptions is --warn-error-options: which warnings are errors.
	WarnErrorOptions *WarnErrorOptions
	// Observer, if set, is told when each node starts and finishes (JSON
	// log events); calls may come from several workers at once.
	Observer Observer
	// NoArtifacts is --no-write-json: run_results.json is not written.
	NoArtifacts bool
	// EventTimeStart/End are --event-time-start/--event-time-end: the
	// range microbatch models rebuild (nil: computed from lookback/begin).
	EventTimeStart, EventTimeEnd *time.Time
}

// Runner holds the state of one execution.
type Runner struct {
	res   *compiler.Result
	db    adapters.DB
	opts  Options
	p     *Printer
	start time.Time

	mu      sync.Mutex
	results map[string]*manifest.RunResult
	order   []string
	total   int
	counter atomic.Int32
	index   map[string]int // node -> display index

	conns   chan adapters.Conn
	threads threadNames
	// interrupted is set on Ctrl-C: nodes that never ran are recorded as
	// skipped without a console line each (dbt prints one summary).
	interrupted atomic.Bool
	hookErr     []string

	// run_results.json is rewritten as nodes finish (see progressResults).
	writeMu   sync.Mutex
	lastWrite atomic.Int64 // unix nanos of the last progressive write
	// lastWriteCost is how long the last progressive write took (ns).
	lastWriteCost atomic.Int64
	trailing      atomic.Bool // a progressive write is scheduled (see progress.go)
	runnable      []string    // every node this run executes
	ended         atomic.Bool // the run reached its end: no node is pending any more
	stopped       bool        // Execute returned: no more progressive writes (under writeMu)
	// resultsErr is the outcome of the latest run_results.json write (under
	// writeMu); sqlWriteErr the first failed SQL file (under mu).
	resultsErr  error
	sqlWriteErr error
}

// Summary is what the CLI needs to decide the exit code.
type Summary struct {
	Results   []manifest.RunResult
	Errors    int
	Warnings  int
	Passed    int
	Skipped   int
	NoOp      int
	Cancelled bool
	Elapsed   time.Duration
	// HookErrors are failed on-run-start/on-run-end hooks; they fail the run.
	HookErrors []string
	// ArtifactError is set when run_results.json or a compiled SQL file
	// could not be written (see artifacts.go); it fails the command.
	ArtifactError error
}

// New prepares a runner.
func New(res *compiler.Result, db adapters.DB, opts Options) *Runner {
	if opts.Threads <= 0 {
		opts.Threads = 1
	}
	p := opts.Printer
	if p == nil {
		p = NewPrinter(nil, false)
	}
	return &Runner{res: res, db: db, opts: opts, p: p, results: map[string]*manifest.RunResult{}, index: map[string]int{}, threads: newThreadNames(opts.Threads)}
}

// Execute runs the selected nodes. The returned error is operational
// (could not connect); node failures are reported in the Summary.
func (r *Runner) Execute(ctx context.Context) (*Summary, error) {
	r.start = time.Now()
	stop := context.AfterFunc(ctx, func() { r.interrupted.Store(true) })
	defer stop()
	m := r.res.Manifest
	var runnable []string
	for _, id := range r.opts.Selected {
		n := m.Nodes[id]
		if n == nil || !n.IsRunnable() {
			continue
		}
		runnable = append(runnable, id)
	}
	sort.Strings(runnable)
	r.total = len(runnable)
	r.runnable = runnable
	r.progressResults() // from now on the file says which nodes have not finished

	r.p.Event("ConcurrencyLine", "Q027", "info", fmt.Sprintf("Concurrency: %d threads (target='%s')", r.opts.Threads, r.opts.TargetName),
		map[string]any{"num_threads": r.opts.Threads, "target_name": r.opts.TargetName, "node_count": r.total})
	r.p.Line("")

	r.conns = make(chan adapters.Conn, r.opts.Threads)
	defer r.closeConns()
	defer r.stopProgress()

	if err := r.preflightUnitTests(ctx, runnable); err != nil {
		r.writeResults()
		return nil, err
	}

	// As in dbt: the schemas exist before on-run-start runs.
	if err := r.createSchemas(ctx, runnable); err != nil {
		r.writeResults()
		return nil, err
	}
	hooksFailed := false
	if hooks := r.projectHooks("on-run-start"); len(hooks) > 0 {
		hooksFailed = r.runProjectHooks(ctx, "on-run-start", hooks) != nil && r.skipAfterStartHooks()
	}

	g := r.execGraph(runnable)
	// Display order: dependency order, so "1 of N" counts up as nodes start.
	w := &graph.Walker{
		Workers:  r.opts.Threads,
		FailFast: r.opts.FailFast,
		Run:      r.runNode,
		OnSkip:   r.skipNode,
	}
	var walkErr error
	if hooksFailed {
		for _, id := range runnable {
			r.skipNode(id, "an on-run-start hook")
		}
		r.p.Line("")
	} else {
		walkErr = w.Walk(ctx, g, runnable)
	}
	cancelled := ctx.Err() != nil
	if cancelled {
		r.markCancelled(runnable)
	}
	if hooks := r.projectHooks("on-run-end"); len(hooks) > 0 && !cancelled {
		_ = r.runProjectHooks(context.WithoutCancel(ctx), "on-run-end", hooks)
	}
	var ff *graph.FailFastError
	if walkErr != nil && !errors.As(walkErr, &ff) && !cancelled {
		r.writeResults()
		return nil, walkErr
	}
	sum := r.summary()
	sum.Cancelled = cancelled
	sum.HookErrors = r.hookErr
	r.ended.Store(true)
	r.writeResults()
	sum.ArtifactError = r.artifactError()
	return sum, nil
}

// execGraph is the project graph plus, for build, edges from each test to
// the nodes downstream of everything it depends on, so a failing test blocks
// them (dbt's "test edges": a test gates a node when all of the test's
// parents are upstream of that node; a relationships test on orders and
// customers does not gate a model that only reads orders). An edge that
// would close a cycle is left out.
func (r *Runner) execGraph(selected []string) *graph.Graph {
	base := r.res.Graph
	if r.opts.Command != "build" {
		return base
	}
	m := r.res.Manifest
	g := graph.New()
	for _, id := range base.Nodes() {
		g.AddNode(id)
		for _, c := range base.Children(id) {
			if cn := m.Nodes[c]; cn != nil && cn.UnitTest != nil {
				continue // unit tests run before their model, see below
			}
			g.AddEdge(id, c)
		}
	}
	addUnitTestEdges(g, base, m, selected)
	descCache := map[string]*graph.Set{}
	desc := func(id string) *graph.Set {
		if d, ok := descCache[id]; ok {
			return d
		}
		d := base.Descendants(id, -1)
		descCache[id] = d
		return d
	}
	for _, id := range selected {
		n := m.Nodes[id]
		if n == nil || n.ResourceType != manifest.Test {
			continue
		}
		parents := base.Parents(id)
		gated := func(c string) bool {
			cn := m.Nodes[c]
			return cn != nil && cn.ResourceType != manifest.Test && cn.UnitTest == nil && c != id
		}
		if len(parents) == 1 {
			// Everything downstream of the one parent: an edge to each
			// child gates the rest through it.
			for _, c := range base.Children(parents[0]) {
				if gated(c) {
					g.AddEdge(id, c)
				}
			}
			continue
		}
		// Several parents: the nodes downstream of all of them; an edge to
		// the first such node on each path is enough.
		var common *graph.Set
		for _, p := range parents {
			d := desc(p)
			if common == nil {
				common = d.Clone()
			} else {
				common.Intersect(d)
			}
		}
		if common == nil {
			continue
		}
		for _, c := range common.IDs() {
			if !gated(c) {
				continue
			}
			first := true
			for _, p := range base.Parents(c) {
				if common.Has(p) && gated(p) {
					first = false
					break
				}
			}
			if first {
				g.AddEdge(id, c)
			}
		}
	}
	if g.Cycle() != nil {
		return base
	}
	return g
}

func (r *Runner) conn(ctx context.Context) (adapters.Conn, error) {
	select {
	case c := <-r.conns:
		return c, nil
	default:
	}
	return r.db.Conn(ctx)
}

func (r *Runner) release(c adapters.Conn, broken bool) {
	if broken {
		c.Close()
		return
	}
	select {
	case r.conns <- c:
	default:
		c.Close()
	}
}

func (r *Runner) closeConns() {
	for {
		select {
		case c := <-r.conns:
			c.Close()
		default:
			return
		}
	}
}

// createSchemas makes every schema the selected nodes build into.
func (r *Runner) createSchemas(ctx context.Context, ids []string) error {
	type key struct{ db, schema string }
	seen := map[key]bool{}
	var keys []key
	for _, id := range ids {
		n := r.res.Manifest.Nodes[id]
		if n.ResourceType == manifest.Test || n.UnitTest != nil {
			continue
		}
		k := key{n.Database, n.Schema}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	c, err := r.conn(ctx)
	if err != nil {
		return err
	}
	defer r.release(c, false)
	for _, k := range keys {
		if err := c.CreateSchema(ctx, k.db, k.schema); err != nil {
			return fmt.Errorf("creating schema %s.%s: %w", k.db, k.schema, err)
		}
	}
	return nil
}

func (r *Runner) record(id string, rr *manifest.RunResult) {
	r.mu.Lock()
	r.results[id] = rr
	r.order = append(r.order, id)
	r.mu.Unlock()
	r.progressResults()
	if r.opts.Observer != nil {
		r.opts.Observer.NodeFinished(r.res.Manifest.Nodes[id], rr, r.displayIndex(id), r.total)
	}
}

func (r *Runner) markCancelled(ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if _, ok := r.results[id]; !ok {
			msg := cancelledSkip
			r.results[id] = &manifest.RunResult{Status: manifest.StatusSkipped, UniqueID: id, Message: &msg, Timing: []manifest.Timing{}, AdapterResponse: map[string]any{}, ThreadID: "main"}
			r.order = append(r.order, id)
		}
	}
}

func (r *Runner) skipNode(id, cause string) {
	n := r.res.Manifest.Nodes[id]
	i := int(r.counter.Add(1))
	label := "relation " + n.Schema + "." + n.Alias
	if n.ResourceType == manifest.Test {
		label = "test " + n.Name
	} else if n.UnitTest != nil {
		label = "unit_test " + UnitTestLabel(r.res.Manifest, n)
	}
	r.mu.Lock()
	r.index[id] = i
	r.mu.Unlock()
	if !r.interrupted.Load() {
		r.p.Progress(i, r.total, "SKIP "+label, "SKIP", 0, false)
	}
	msg := "Skipped"
	if cause != "" {
		msg = "Skipped because " + cause + " failed"
	}
	r.record(id, &manifest.RunResult{Status: manifest.StatusSkipped, UniqueID: id, Message: &msg, Timing: []manifest.Timing{}, AdapterResponse: map[string]any{}, ThreadID: "main"})
}

// summary tallies results like dbt's printer.
func (r *Runner) summary() *Summary {
	s := &Summary{Elapsed: time.Since(r.start)}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range r.order {
		rr := r.results[id]
		s.Results = append(s.Results, *rr)
		switch rr.Status {
		case manifest.StatusError, manifest.StatusFail, StatusPartialSuccess:
			s.Errors++
		case manifest.StatusWarn:
			s.Warnings++
		case manifest.StatusSkipped:
			s.Skipped++
		case manifest.StatusNoOp:
			s.NoOp++
		default:
			s.Passed++
		}
	}
	return s
}

// writeResults writes run_results.json (atomically).
func (r *Runner) writeResults() {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.writeResultsLocked()
}

func (r *Runner) writeResultsLocked() {
	if r.opts.TargetDir == "" || r.opts.NoArtifacts {
		return
	}
	s := r.summaryNoLock()
	if !r.ended.Load() {
		s = append(s, r.unfinished(s)...)
	}
	rr := manifest.RunResults{
		Metadata: manifest.BaseMetadata{
			DbtSchemaVersion:    manifest.RunResultsSchema,
			DbtVersion:          compiler.DbtVersion,
			GeneratedAt:         manifest.FormatTime(time.Now()),
			InvocationID:        r.res.Manifest.Metadata.InvocationID,
			InvocationStartedAt: manifest.FormatTime(r.start),
			Env:                 map[string]string{},
		},
		Results:     s,
		ElapsedTime: time.Since(r.start).Seconds(),
		Args:        r.opts.Args,
	}
	if rr.Args == nil {
		rr.Args = map[string]any{"which": r.opts.Command}
	}
	if rr.Results == nil {
		rr.Results = []manifest.RunResult{}
	}
	r.resultsErr = manifest.WriteJSONFile(filepath.Join(r.opts.TargetDir, "run_results.json"), rr)
}

func (r *Runner) summaryNoLock() []manifest.RunResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]manifest.RunResult, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, *r.results[id])
	}
	return out
}

// writeFile writes a node's compiled or run SQL under target/.
func (r *Runner) writeFile(kind string, n *manifest.Node, sql string) string {
	rel := filepath.Join(kind, n.PackageName, filepath.FromSlash(n.OriginalFilePath))
	if n.ResourceType == manifest.Test && n.TestMetadata != nil {
		rel = filepath.Join(rel, n.Alias+".sql")
	}
	if r.opts.TargetDir == "" {
		return filepath.ToSlash(filepath.Join("target", rel))
	}
	full := filepath.Join(r.opts.TargetDir, rel)
	r.noteWrite(WriteSQLFile(full, sql))
	return filepath.ToSlash(filepath.Join(filepath.Base(r.opts.TargetDir), rel))
}

func strp(s string) *string { return &s }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

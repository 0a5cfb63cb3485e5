package run

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
)

// nodeRun tracks one node's execution for its result.
type nodeRun struct {
	n       *manifest.Node
	index   int
	started time.Time
	timing  []manifest.Timing
	thread  string
}

func (r *Runner) runNode(ctx context.Context, id string) error {
	n := r.res.Manifest.Nodes[id]
	nr := &nodeRun{n: n, index: int(r.counter.Add(1)), started: time.Now(), thread: r.threads.take()}
	defer r.threads.give(nr.thread)
	r.started(nr)
	switch n.ResourceType {
	case manifest.UnitTest:
		return r.runUnitTest(ctx, nr)
	case manifest.Seed:
		return r.runSeed(ctx, nr)
	case manifest.Test:
		return r.runTest(ctx, nr)
	case manifest.Model:
		return r.runModel(ctx, nr)
	case manifest.Snapshot:
		return r.runSnapshot(ctx, nr)
	default:
		err := fmt.Errorf("%s nodes are not supported by kiln yet", n.ResourceType)
		r.fail(nr, "ERROR", "", err, "")
		return err
	}
}

func (r *Runner) label(n *manifest.Node) string {
	return n.Schema + "." + n.Alias
}

// finish records a result and prints the result line.
func (r *Runner) finish(nr *nodeRun, status string, resp adapters.Response, msg string, failures *int64, compiled string) {
	n := nr.n
	elapsed := time.Since(nr.started)
	rr := &manifest.RunResult{
		Status:          status,
		Timing:          nr.timing,
		ThreadID:        nr.thread,
		ExecutionTime:   elapsed.Seconds(),
		AdapterResponse: map[string]any{},
		UniqueID:        n.UniqueID,
		Failures:        failures,
	}
	if rr.Timing == nil {
		rr.Timing = []manifest.Timing{}
	}
	// The keys the adapter's own response has, as dbt's adapters report
	// them (DuckDB's statements answer only a message; seeds and
	// PostgreSQL add a code and a row count).
	if resp.Message != "" {
		rr.AdapterResponse["_message"] = resp.Message
		if resp.Code != "" {
			rr.AdapterResponse["code"] = resp.Code
			rr.AdapterResponse["rows_affected"] = resp.RowsAffected
		}
	}
	if msg != "" {
		rr.Message = strp(msg)
	}
	if compiled != "" || n.Compiled {
		c := true
		rr.Compiled = &c
		rr.CompiledCode = strp(n.CompiledCode)
	}
	if n.RelationName != "" {
		rr.RelationName = strp(n.RelationName)
	}
	r.record(n.UniqueID, rr)
}

func (r *Runner) timed(nr *nodeRun, name string, fn func() error) error {
	start := time.Now()
	err := fn()
	nr.timing = append(nr.timing, manifest.Timing{Name: name, StartedAt: manifest.FormatTime(start), CompletedAt: manifest.FormatTime(time.Now())})
	return err
}

// fail records an error result and prints it.
func (r *Runner) fail(nr *nodeRun, status, what string, err error, compiledPath string) {
	n := nr.n
	kind := "Database Error"
	var re interface{ Unwrap() error }
	if errors.As(err, &re) && strings.HasPrefix(err.Error(), "Compilation Error") {
		kind = ""
	}
	var ue *unitError
	var ce *contractError
	var tc *testColumnError
	if errors.As(err, &ue) || errors.As(err, &ce) || errors.As(err, &tc) {
		kind = ""
	}
	msg := err.Error()
	if kind != "" {
		msg = fmt.Sprintf("%s in %s %s (%s)\n  %s", kind, n.ResourceType, n.Name, n.Shown(), strings.ReplaceAll(msg, "\n", "\n  "))
	}
	if errors.Is(err, context.Canceled) {
		msg = fmt.Sprintf("Cancelled: %s %s (%s) was interrupted and rolled back", n.ResourceType, n.Name, n.Shown())
	}
	if compiledPath != "" {
		msg += "\n  compiled code at " + compiledPath
	}
	switch {
	case errors.Is(err, context.Canceled):
		r.p.CancelLine(n.UniqueID)
	case what != "":
		r.p.Progress(nr.index, r.total, what, "ERROR", time.Since(nr.started), true)
	}
	r.finish(nr, manifest.StatusError, adapters.Response{}, msg, nil, "")
}

func (r *Runner) runModel(ctx context.Context, nr *nodeRun) error {
	n := nr.n
	mat := n.Config.Materialized()
	desc := fmt.Sprintf("sql %s model %s", mat, r.label(n))
	c, sql, path, err := r.startAndCompile(ctx, nr, desc, "ERROR creating "+desc)
	if err != nil {
		return err
	}
	broken := false
	defer func() { r.release(c, broken) }()
	mz, custom, err := r.materialization(mat)
	if err != nil {
		r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
		return err
	}
	if contractEnforced(n) && !custom {
		if err := r.checkContract(ctx, c, n, sql); err != nil {
			r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
			return err
		}
		if mat == "table" {
			mz = r.contractTable
		}
	}
	var pre, post []adapters.Hook
	if !custom { // a custom materialization renders its hooks with run_hooks
		if pre, post, err = r.renderHooks(ctx, n, c, true); err != nil {
			r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
			return err
		}
	}
	var resp adapters.Response
	b := &Build{Runner: r, Node: n, Conn: c, SQL: sql, PreHooks: pre, PostHooks: post}
	defer r.applyBatchResults(n.UniqueID, b)
	err = r.timed(nr, "execute", func() error {
		var e error
		resp, e = mz(ctx, b)
		return e
	})
	if err != nil {
		broken = ctx.Err() != nil
		r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
		return err
	}
	r.writeFile("run", n, sql)
	status := resp.Message
	if status == "" {
		status = "OK"
	}
	r.p.Progress(nr.index, r.total, "OK created "+desc, status, time.Since(nr.started), true)
	r.finish(nr, manifest.StatusSuccess, resp, status, nil, sql)
	return nil
}

// renderHooks renders pre-hooks now (right before the node is built) and
// post-hooks too, or — lazyPost — when the adapter reaches them, after the
// new relation exists and before it is committed: `{{ this }}` and the
// queries a post-hook runs while rendering then act on the new relation.
func (r *Runner) renderHooks(ctx context.Context, n *manifest.Node, c adapters.Conn, lazyPost ...bool) (pre, post []adapters.Hook, err error) {
	renderOne := func(ctx context.Context, key string, i int, src string) (string, error) {
		jctx, _ := r.res.RuntimeContext(ctx, n, c)
		sql, err := r.res.Env.RenderString(fmt.Sprintf("%s (%s %d)", n.Shown(), key, i), src, jctx)
		if err != nil {
			return "", fmt.Errorf("rendering %s %d of %s: %w", key, i, n.Name, err)
		}
		return sql, nil
	}
	render := func(key string, lazy bool) ([]adapters.Hook, error) {
		var out []adapters.Hook
		for i, h := range n.Config.Hooks(key) {
			if lazy && jinja.HasJinja(h.SQL) {
				i, src := i, h.SQL
				out = append(out, adapters.Hook{Transaction: h.Transaction, Render: func(ctx context.Context) (string, error) {
					return renderOne(ctx, key, i, src)
				}})
				continue
			}
			sql, err := renderOne(ctx, key, i, h.SQL)
			if err != nil {
				return nil, err
			}
			if strings.TrimSpace(sql) != "" {
				out = append(out, adapters.Hook{SQL: sql, Transaction: h.Transaction})
			}
		}
		return out, nil
	}
	if pre, err = render("pre-hook", false); err != nil {
		return
	}
	post, err = render("post-hook", len(lazyPost) > 0 && lazyPost[0])
	return
}

func (r *Runner) runSeed(ctx context.Context, nr *nodeRun) error {
	n := nr.n
	desc := "seed file " + r.label(n)
	r.p.Progress(nr.index, r.total, "START "+desc, "RUN", 0, false)
	c, err := r.conn(ctx)
	if err != nil {
		r.fail(nr, "ERROR", "ERROR loading "+desc, err, "")
		return err
	}
	defer r.release(c, false)
	colTypes := map[string]string{}
	if m, ok := n.Config["column_types"].(map[string]any); ok {
		for k, v := range m {
			colTypes[k] = fmt.Sprint(v)
		}
	}
	full := r.opts.FullRefresh
	if v, ok := n.Config["full_refresh"].(bool); ok {
		full = v
	}
	// A seed's compile step renders its hooks (dbt times one too). Post-hooks
	// render after the load, inside its transaction, so that `{{ this }}`
	// and their run_query/statement act on the loaded table.
	var pre, post []adapters.Hook
	if err := r.timed(nr, "compile", func() error {
		var e error
		pre, post, e = r.renderHooks(ctx, n, c, true)
		return e
	}); err != nil {
		r.fail(nr, "ERROR", "ERROR loading "+desc, err, "")
		return err
	}
	var resp adapters.Response
	err = r.timed(nr, "execute", func() error {
		var e error
		resp, e = c.LoadSeed(ctx, adapters.SeedRequest{
			Target: r.res.Relation(n), Path: n.AbsPath, Delimiter: n.Config.String("delimiter", ","),
			ColumnTypes: colTypes, QuoteColumns: n.Config.Bool("quote_columns", true), FullRefresh: full,
			PreHooks: pre, PostHooks: post,
		})
		return e
	})
	if err != nil {
		r.fail(nr, "ERROR", "ERROR loading "+desc, err, "")
		return err
	}
	for _, w := range resp.Warnings {
		r.p.Event("Note", "Z050", "warn", "Warning in seed "+n.Name+": "+w, map[string]any{"msg": w})
	}
	r.p.Progress(nr.index, r.total, "OK loaded "+desc, resp.Message, time.Since(nr.started), true)
	r.finish(nr, manifest.StatusSuccess, resp, resp.Message, nil, "")
	return nil
}

// projectHook is one on-run-start / on-run-end statement of the root
// project or an installed package.
type projectHook struct {
	pkg   string
	sql   string
	index int // position within its own project's list
}

// projectHooks lists the hooks of kind in dbt's order: the root project's,
// then each installed package's, packages by name. (Verified against dbt
// 1.11; compile runs none.)
func (r *Runner) projectHooks(kind string) []projectHook {
	var out []projectHook
	root := r.opts.OnRunStart
	if kind == "on-run-end" {
		root = r.opts.OnRunEnd
	}
	for i, h := range root {
		out = append(out, projectHook{pkg: r.res.Project.Name, sql: h, index: i})
	}
	if r.opts.Command == "compile" {
		return out
	}
	pkgs := append([]*project.Project(nil), r.res.Packages...)
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].Name < pkgs[j].Name })
	for _, p := range pkgs {
		hooks := p.OnRunStart
		if kind == "on-run-end" {
			hooks = p.OnRunEnd
		}
		for i, h := range hooks {
			out = append(out, projectHook{pkg: p.Name, sql: h.SQL, index: i})
		}
	}
	return out
}

// runProjectHooks runs on-run-start / on-run-end statements, each rendered
// in its own package's context. After a failure the remaining hooks are
// skipped, as in dbt. Each hook ends with a result of its own, as dbt's do:
// in run_results.json (thread "main", message "<pkg>.<kind>.<i> passed"),
// in the "N project hooks" of the summary and in the PASS/ERROR counts.
func (r *Runner) runProjectHooks(ctx context.Context, kind string, hooks []projectHook) error {
	c, err := r.conn(ctx)
	if err != nil {
		return err
	}
	defer r.release(c, false)
	var failed error
	for i, h := range hooks {
		name := fmt.Sprintf("%s.%s.%d", h.pkg, kind, i)
		id := fmt.Sprintf("%s-%s-%d", h.pkg, kind, h.index)
		node := r.res.Manifest.Hooks["operation."+h.pkg+"."+id]
		if node == nil {
			node = &manifest.Node{UniqueID: "operation." + h.pkg + "." + id, Name: id, ResourceType: manifest.Operation, PackageName: h.pkg, OriginalFilePath: "./dbt_project.yml", Config: manifest.Config{}}
		}
		rr := &manifest.RunResult{UniqueID: node.UniqueID, ThreadID: "main", AdapterResponse: map[string]any{}, Timing: []manifest.Timing{}}
		if failed != nil {
			rr.Status, rr.Message, rr.Failures = manifest.StatusSkipped, strp(name+" skipped"), int64p(1)
			r.p.Hook(node, i+1, len(hooks), name, manifest.StatusSkipped, time.Now(), 0)
			r.recordHook(rr)
			continue
		}
		start := time.Now()
		r.p.Hook(node, i+1, len(hooks), name, "", start, 0)
		var results []any
		if kind == "on-run-end" {
			results = r.hookResults()
		}
		where := hookFile(r.res, h.pkg)
		sql, err := renderHook(ctx, r.res, node, c, kind, h.sql, results)
		compiled := time.Now()
		rr.Timing = append(rr.Timing, manifest.Timing{Name: "compile", StartedAt: manifest.FormatTime(start), CompletedAt: manifest.FormatTime(compiled)})
		if err == nil {
			t, code := true, sql
			rr.Compiled, rr.CompiledCode = &t, &code
			if strings.TrimSpace(sql) != "" {
				_, err = c.Exec(ctx, sql)
			}
			rr.Timing = append(rr.Timing, manifest.Timing{Name: "execute", StartedAt: manifest.FormatTime(compiled), CompletedAt: manifest.FormatTime(time.Now())})
		}
		elapsed := time.Since(start)
		rr.ExecutionTime = elapsed.Seconds()
		if err != nil {
			rr.Status, rr.Message, rr.Failures = manifest.StatusError, strp(name+" failed, error:\n "+err.Error()), int64p(1)
			r.p.Hook(node, i+1, len(hooks), name, manifest.StatusError, start, elapsed)
			r.p.Line("Error in %s hook %d of package %s (%s): %v", kind, h.index, h.pkg, where, err)
			r.hookErr = append(r.hookErr, fmt.Sprintf("%s hook %s: %v", kind, name, err))
			r.recordHook(rr)
			failed = err
			continue
		}
		rr.Status, rr.Message, rr.Failures = manifest.StatusSuccess, strp(name+" passed"), int64p(0)
		r.p.Hook(node, i+1, len(hooks), name, manifest.StatusSuccess, start, elapsed)
		r.recordHook(rr)
	}
	r.p.Line("")
	return failed
}

// hookFile is the dbt_project.yml a project hook comes from, as messages
// name it.
func hookFile(res *compiler.Result, pkg string) string {
	if pkg != res.Project.Name {
		return "dbt_packages/" + pkg + "/dbt_project.yml"
	}
	return "dbt_project.yml"
}

// renderHook renders one on-run-start / on-run-end statement in its own
// package's context; results (on-run-end) is the run's results so far.
func renderHook(ctx context.Context, res *compiler.Result, node *manifest.Node, c adapters.Conn, kind, sql string, results []any) (string, error) {
	jctx, _ := res.RuntimeContext(ctx, node, c)
	if results != nil {
		jctx.Globals["results"] = results
	}
	return res.Env.RenderString(hookFile(res, node.PackageName)+" ("+kind+")", sql, jctx)
}

// CompileHook renders a project hook's operation node as `compile` and
// `docs generate` do (dbt compiles hooks with the other executable nodes
// and runs none): the Jinja runs, log() included; no SQL is executed.
func CompileHook(ctx context.Context, res *compiler.Result, n *manifest.Node, c adapters.Conn) (string, error) {
	kind := "on-run-start"
	for _, t := range n.Tags {
		if t == "on-run-end" {
			kind = "on-run-end"
		}
	}
	sql, err := renderHook(ctx, res, n, c, kind, n.RawCode, nil)
	if err == nil {
		// as dbt, manifest.json then carries the hook's rendered SQL
		n.CompiledCode, n.Compiled = sql, true
	}
	return sql, err
}

// recordHook adds a project hook's result to the run's results. Hooks are
// not nodes of the DAG: no observer hears of them (their events come from
// Printer.Hook) and they never count as unfinished.
func (r *Runner) recordHook(rr *manifest.RunResult) {
	r.mu.Lock()
	r.results[rr.UniqueID] = rr
	r.order = append(r.order, rr.UniqueID)
	r.mu.Unlock()
	r.progressResults()
}

func int64p(v int64) *int64 { return &v }

// isHookResult reports whether a result is a project hook's.
func isHookResult(rr manifest.RunResult) bool { return strings.HasPrefix(rr.UniqueID, "operation.") }

// skipAfterStartHooks is dbt's skip_nodes_if_on_run_start_fails flag: kiln
// defaults it to true (dbt 2.0's behaviour): nodes built after a failed
// setup hook could be wrong. `flags: {skip_nodes_if_on_run_start_fails:
// false}` restores dbt 1.x's default, which builds them anyway.
func (r *Runner) skipAfterStartHooks() bool {
	if v, ok := r.res.Project.Flags["skip_nodes_if_on_run_start_fails"].(bool); ok {
		return v
	}
	return true
}

// hookResults is on-run-end's `results`: dbt's RunResult objects, one per
// node that ran, with the node itself, its timing entries and the adapter
// response.
func (r *Runner) hookResults() []any {
	var out []any
	for _, rr := range r.summaryNoLock() {
		// As dbt: the hooks' own results are left out unless they failed.
		if isHookResult(rr) && rr.Status != manifest.StatusError {
			continue
		}
		timing := make([]any, 0, len(rr.Timing))
		for _, t := range rr.Timing {
			timing = append(timing, jinja.NewObject("TimingInfo", map[string]any{
				"name": t.Name, "started_at": parseArtifactTime(t.StartedAt), "completed_at": parseArtifactTime(t.CompletedAt)}))
		}
		var msg, failures any
		if rr.Message != nil {
			msg = *rr.Message
		}
		if rr.Failures != nil {
			failures = int(*rr.Failures)
		}
		resp := rr.AdapterResponse
		if resp == nil {
			resp = map[string]any{}
		}
		out = append(out, jinja.NewObject("RunResult", map[string]any{
			"status": rr.Status, "unique_id": rr.UniqueID, "execution_time": rr.ExecutionTime, "message": msg,
			"failures": failures, "thread_id": rr.ThreadID, "timing": timing, "adapter_response": resp,
			"node": r.res.ExecutedNode(rr.UniqueID), "batch_results": nil,
		}))
	}
	return out
}

// parseArtifactTime reads back a run_results timestamp (nil if unset).
func parseArtifactTime(s string) any {
	t, err := time.Parse(manifest.TimeFormat, s)
	if err != nil {
		return nil
	}
	return t
}

// startAndCompile prints a node's START line, takes a connection and renders
// the node's SQL (writing it under target/compiled). On error the failure is
// recorded and printed as errLine, and the connection is already released.
func (r *Runner) startAndCompile(ctx context.Context, nr *nodeRun, desc, errLine string) (adapters.Conn, string, string, error) {
	r.p.Progress(nr.index, r.total, "START "+desc, "RUN", 0, false)
	c, err := r.conn(ctx)
	if err != nil {
		r.fail(nr, "ERROR", errLine, err, "")
		return nil, "", "", err
	}
	var sql string
	if err := r.timed(nr, "compile", func() error {
		var e error
		sql, e = r.res.CompileNode(ctx, nr.n, c)
		return e
	}); err != nil {
		r.release(c, false)
		r.fail(nr, "ERROR", errLine, err, "")
		return nil, "", "", err
	}
	return c, sql, r.writeFile("compiled", nr.n, sql), nil
}

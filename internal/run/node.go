package run

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
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
	if resp.Message != "" {
		rr.AdapterResponse["_message"] = resp.Message
		rr.AdapterResponse["code"] = resp.Code
		if resp.RowsAffected >= 0 {
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
	if errors.As(err, &ue) || errors.As(err, &ce) {
		kind = ""
	}
	msg := err.Error()
	if kind != "" {
		msg = fmt.Sprintf("%s in %s %s (%s)\n  %s", kind, n.ResourceType, n.Name, n.OriginalFilePath, strings.ReplaceAll(msg, "\n", "\n  "))
	}
	if errors.Is(err, context.Canceled) {
		msg = fmt.Sprintf("Cancelled: %s %s (%s) was interrupted and rolled back", n.ResourceType, n.Name, n.OriginalFilePath)
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
	mz, ok := materializations[mat]
	if !ok {
		err := fmt.Errorf("materialization '%s' is not supported by kiln (supported: %s)", mat, strings.Join(materializationNames(), ", "))
		r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
		return err
	}
	if contractEnforced(n) {
		if err := r.checkContract(ctx, c, n, sql); err != nil {
			r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
			return err
		}
		if mat == "table" {
			mz = r.contractTable
		}
	}
	pre, post, err := r.renderHooks(ctx, n, c)
	if err != nil {
		r.fail(nr, "ERROR", "ERROR creating "+desc, err, path)
		return err
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

// renderHooks renders pre- and post-hooks at execution time.
func (r *Runner) renderHooks(ctx context.Context, n *manifest.Node, c adapters.Conn) (pre, post []adapters.Hook, err error) {
	render := func(key string) ([]adapters.Hook, error) {
		var out []adapters.Hook
		for i, h := range n.Config.Hooks(key) {
			jctx, _ := r.res.RuntimeContext(ctx, n, c)
			sql, err := r.res.Env.RenderString(fmt.Sprintf("%s (%s %d)", n.OriginalFilePath, key, i), h.SQL, jctx)
			if err != nil {
				return nil, fmt.Errorf("rendering %s %d of %s: %w", key, i, n.Name, err)
			}
			if strings.TrimSpace(sql) != "" {
				out = append(out, adapters.Hook{SQL: sql, Transaction: h.Transaction})
			}
		}
		return out, nil
	}
	if pre, err = render("pre-hook"); err != nil {
		return
	}
	post, err = render("post-hook")
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
	pre, post, err := r.renderHooks(ctx, n, c)
	if err != nil {
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
	r.p.Progress(nr.index, r.total, "OK loaded "+desc, resp.Message, time.Since(nr.started), true)
	r.finish(nr, manifest.StatusSuccess, resp, resp.Message, nil, "")
	return nil
}

// runProjectHooks runs on-run-start / on-run-end statements.
func (r *Runner) runProjectHooks(ctx context.Context, kind string, hooks []string) error {
	c, err := r.conn(ctx)
	if err != nil {
		return err
	}
	defer r.release(c, false)
	proj := r.res.Project.Name
	for i, h := range hooks {
		name := fmt.Sprintf("%s.%s.%d", proj, kind, i)
		start := time.Now()
		r.p.Progress(i+1, len(hooks), "START hook: "+name, "RUN", 0, false)
		node := &manifest.Node{UniqueID: "operation." + proj + "." + proj + "-" + kind + "-" + fmt.Sprint(i), Name: proj + "-" + kind + "-" + fmt.Sprint(i), ResourceType: manifest.Operation, PackageName: proj, OriginalFilePath: "dbt_project.yml", Config: manifest.Config{}}
		jctx, _ := r.res.RuntimeContext(ctx, node, c)
		if kind == "on-run-end" {
			jctx.Globals["results"] = r.hookResults()
		}
		sql, err := r.res.Env.RenderString("dbt_project.yml ("+kind+")", h, jctx)
		if err == nil && strings.TrimSpace(sql) != "" {
			_, err = c.Exec(ctx, sql)
		}
		if err != nil {
			r.p.Progress(i+1, len(hooks), "ERROR hook: "+name, "ERROR", time.Since(start), true)
			r.p.Line("Error in %s hook %d (dbt_project.yml): %v", kind, i, err)
			r.hookErr = append(r.hookErr, fmt.Sprintf("%s hook %d: %v", kind, i, err))
			return err
		}
		r.p.Progress(i+1, len(hooks), "OK hook: "+name, "OK", time.Since(start), true)
	}
	r.p.Line("")
	return nil
}

func (r *Runner) hookResults() []any {
	var out []any
	for _, rr := range r.summaryNoLock() {
		out = append(out, map[string]any{"status": rr.Status, "unique_id": rr.UniqueID, "execution_time": rr.ExecutionTime, "message": rr.Message})
	}
	return out
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

package run

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph"
)

func (r *Runner) runTest(ctx context.Context, nr *nodeRun) error {
	n := nr.n
	r.p.Progress(nr.index, r.total, "START test "+n.Name, "RUN", 0, false)
	c, err := r.conn(ctx)
	if err != nil {
		r.fail(nr, "ERROR", "ERROR "+n.Name, err, "")
		return err
	}
	defer r.release(c, false)
	var sql string
	if err := r.timed(nr, "compile", func() error {
		var e error
		sql, e = r.res.CompileNode(ctx, n, c)
		return e
	}); err != nil {
		r.fail(nr, "ERROR", "ERROR "+n.Name, err, "")
		return err
	}
	path := r.writeFile("compiled", n, sql)
	wrapped := testWrapper(n, sql)
	audit, err := r.storeFailures(ctx, c, n, sql)
	if err != nil {
		err = r.explainMissingColumn(ctx, c, n, err)
		r.fail(nr, "ERROR", "ERROR "+n.Name, err, path)
		return err
	}
	if audit != "" {
		wrapped = testWrapper(n, "select * from "+audit)
	}
	var tbl *adapters.Table
	var resp adapters.Response
	err = r.timed(nr, "execute", func() error {
		var e error
		tbl, resp, e = c.Query(ctx, wrapped, 0)
		return e
	})
	if err != nil {
		err = r.explainMissingColumn(ctx, c, n, err)
		r.fail(nr, "ERROR", "ERROR "+n.Name, err, path)
		return err
	}
	r.writeFile("run", n, wrapped)
	failures, shouldWarn, shouldError := testOutcome(tbl)
	severity := strings.ToUpper(n.Config.String("severity", "ERROR"))
	f := failures
	// The message names the threshold that was crossed: error_if for a
	// failure, warn_if for a warning (also when --warn-error promotes it).
	cond := "fail if " + n.Config.String("error_if", "!= 0")
	if !(severity == "ERROR" && shouldError) {
		cond = "warn if " + n.Config.String("warn_if", "!= 0")
	}
	msg := fmt.Sprintf("Got %d result%s, configured to %s", failures, plural(failures), cond)
	if audit != "" && failures > 0 {
		msg += "\n  See test failures:\n  select * from " + audit
	}
	elapsed := time.Since(nr.started)
	switch {
	case severity == "ERROR" && shouldError, shouldWarn && (r.opts.WarnError || r.opts.WarnErrorOptions.Promotes("LogTestResult")):
		r.p.Progress(nr.index, r.total, fmt.Sprintf("FAIL %d %s", failures, n.Name), fmt.Sprintf("FAIL %d", failures), elapsed, true)
		r.finish(nr, manifest.StatusFail, resp, msg+"\n  compiled code at "+path, &f, sql)
		return graph.ErrSkipDescendants
	case shouldWarn:
		r.p.Progress(nr.index, r.total, fmt.Sprintf("WARN %d %s", failures, n.Name), fmt.Sprintf("WARN %d", failures), elapsed, true)
		r.finish(nr, manifest.StatusWarn, resp, msg+"\n  compiled code at "+path, &f, sql)
		return nil
	default:
		r.p.Progress(nr.index, r.total, "PASS "+n.Name, "PASS", elapsed, true)
		r.finish(nr, manifest.StatusPass, resp, "", &f, sql)
		return nil
	}
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// testWrapper is dbt's test query: failures plus the warn/error conditions.
func testWrapper(n *manifest.Node, sql string) string {
	failCalc := n.Config.String("fail_calc", "count(*)")
	warnIf := n.Config.String("warn_if", "!= 0")
	errorIf := n.Config.String("error_if", "!= 0")
	limit := ""
	switch l := n.Config["limit"].(type) {
	case int:
		limit = fmt.Sprintf("\n    limit %d", l)
	case int64:
		limit = fmt.Sprintf("\n    limit %d", l)
	case float64:
		limit = fmt.Sprintf("\n    limit %d", int64(l))
	}
	return fmt.Sprintf("select\n      %s as failures,\n      %s %s as should_warn,\n      %s %s as should_error\n    from (\n      %s%s\n    ) dbt_internal_test", failCalc, failCalc, warnIf, failCalc, errorIf, adapters.TrimStatement(sql), limit)
}

func testOutcome(t *adapters.Table) (int64, bool, bool) {
	if t == nil || len(t.Rows) == 0 || len(t.Rows[0]) < 3 {
		return 0, false, false
	}
	row := t.Rows[0]
	return toInt(row[0]), toBool(row[1]), toBool(row[2])
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case float64:
		return int64(x)
	case uint64:
		return int64(x)
	case string:
		var i int64
		fmt.Sscan(x, &i)
		return i
	}
	var i int64
	fmt.Sscan(fmt.Sprint(v), &i)
	return i
}

func toBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true" || x == "t" || x == "1"
	}
	return toInt(v) != 0
}

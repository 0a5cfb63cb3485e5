package run

// The incremental materialization.
//
// First run, --full-refresh (unless the model pins full_refresh: false) and
// an existing view all rebuild the table through Conn.Materialize: build
// under a temporary name, swap in one transaction. Every other run is one
// transaction on one connection, holding the target's write lock:
//
//	BEGIN; lock target; <pre-hooks (transaction: true)>
//	CREATE TEMPORARY TABLE <new rows> AS (<model SQL>)
//	<schema changes: ALTER TABLE ... ADD / DROP / SET DATA TYPE>
//	<strategy: INSERT | DELETE + INSERT | MERGE | window DELETE + INSERT | user macro>
//	<post-hooks (transaction: true)>; DROP <new rows>; COMMIT
//
// Any error rolls the whole transaction back: the target is exactly as it
// was. The SQL is portable (DuckDB, PostgreSQL); what differs per warehouse
// is behind adapters.IncrementalConn.
//
// on_schema_change, precisely (kiln never narrows a column and never
// changes a type in a way that can lose a value):
//
//	ignore             no DDL; the insert uses the target's columns. A target
//	                   column the model no longer produces is an error (as in
//	                   dbt), naming the column.
//	fail               any added, removed or retyped column is an error that
//	                   lists each difference.
//	append_new_columns add new columns; widen a column whose values no longer
//	                   fit (INTEGER → BIGINT, INTEGER → VARCHAR, DATE →
//	                   TIMESTAMP, DECIMAL(10,2) → DECIMAL(12,4)); keep columns
//	                   the model dropped (new rows get NULL there).
//	sync_all_columns   as append_new_columns, and drop columns the model no
//	                   longer produces.
//
// A type change no wider type can absorb losslessly (DATE → INTEGER, BIGINT
// → DOUBLE) fails with the column, both types and the fix (--full-refresh, or
// cast in the model), instead of dbt's behaviour of altering the column to
// the new type and hoping every stored value converts.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

func init() {
	materializations["incremental"] = func(ctx context.Context, b *Build) (adapters.Response, error) { return b.incremental(ctx) }
}

// configError is a bad config value, reported as a compilation error that
// names the file (and line, when the key is written in the model's SQL).
type configError struct {
	n   *manifest.Node
	key string
	msg string
}

func (e *configError) Error() string {
	return fmt.Sprintf("Compilation Error in %s %s (%s)\n  %s: %s", e.n.ResourceType, e.n.Name, e.n.Shown(), configPos(e.n, e.key), e.msg)
}

// Unwrap lets the runner recognise the error as a compilation error.
func (e *configError) Unwrap() error { return nil }

func cfgErr(n *manifest.Node, key, format string, args ...any) error {
	return &configError{n: n, key: key, msg: fmt.Sprintf(format, args...)}
}

// configPos is "file:line" of the first line of the node's SQL mentioning
// key (or, for a missing key, its config() call), else the file.
func configPos(n *manifest.Node, key string) string {
	for _, k := range []string{key, "config("} {
		if k == "" {
			continue
		}
		for i, l := range strings.Split(n.RawCode, "\n") {
			if strings.Contains(l, k) {
				line := i + 1 + max(n.Pos.Line-1, 0)
				return fmt.Sprintf("%s:%d", n.Shown(), line)
			}
		}
	}
	return n.Shown()
}

// incrConfig is the validated incremental configuration of one model.
type incrConfig struct {
	strategy       string   // resolved: never "default" or ""
	macro          string   // get_incremental_<name>_sql when a project macro implements it
	uniqueKey      []string // SQL expressions, as written
	uniqueKeyRaw   any
	predicates     []string
	updateCols     []string // merge_update_columns
	excludeCols    []string // merge_exclude_columns
	onSchemaChange string
	mb             *microbatchConfig
	// dialect reads quoted column names in the config (nil: double quotes).
	dialect adapters.Dialect
}

// strategyBlocks are the macros the internal get_incremental_<strategy>_sql
// calls: when a project or package overrides one, the strategy's SQL comes
// from the macros (which then reach the override) instead of from Go.
var strategyBlocks = map[string][]string{
	"append":        {"get_insert_into_sql", "get_quoted_csv"},
	"delete+insert": {"get_delete_insert_merge_sql", "get_insert_into_sql", "get_quoted_csv"},
	"merge":         {"get_merge_sql", "get_merge_update_columns", "get_quoted_csv"},
	"microbatch":    {"get_insert_into_sql", "get_quoted_csv"},
}

// unofferedStrategies are built-in strategies of dbt that no kiln adapter
// offers, as dbt-duckdb, dbt-postgres and dbt-trino do not (insert_overwrite
// replaces whole partitions, which these warehouses do not have). dbt refuses
// a built-in strategy its adapter does not list as valid even when the
// project defines the strategy's macro, and so does kiln.
var unofferedStrategies = []string{"insert_overwrite"}

var onSchemaChangeModes = []string{"ignore", "fail", "append_new_columns", "sync_all_columns"}

func (b *Build) incrementalConfig(ic adapters.IncrementalConn) (*incrConfig, error) {
	n := b.Node
	c := n.Config
	cfg := &incrConfig{uniqueKeyRaw: c["unique_key"], dialect: ic.Dialect()}
	for _, k := range keyList(c["unique_key"]) {
		if strings.TrimSpace(k) == "" {
			return nil, cfgErr(n, "unique_key", "unique_key has an empty entry; list column names, e.g. unique_key=['order_id', 'line_no']")
		}
		cfg.uniqueKey = append(cfg.uniqueKey, k)
	}
	if v, ok := c["unique_key"]; ok && v != nil && len(cfg.uniqueKey) == 0 {
		if _, isStr := v.(string); !isStr {
			return nil, cfgErr(n, "unique_key", "unique_key must be a column name or a list of column names, got %v", v)
		}
	}
	cfg.predicates = keyList(c["incremental_predicates"])
	cfg.updateCols = keyList(c["merge_update_columns"])
	cfg.excludeCols = keyList(c["merge_exclude_columns"])
	if len(cfg.updateCols) > 0 && len(cfg.excludeCols) > 0 {
		return nil, cfgErr(n, "merge_", "set merge_update_columns or merge_exclude_columns, not both")
	}
	cfg.onSchemaChange = strings.ToLower(c.String("on_schema_change", "ignore"))
	if !strIn(onSchemaChangeModes, cfg.onSchemaChange) {
		return nil, cfgErr(n, "on_schema_change", "on_schema_change '%s' is not one of %s", c.String("on_schema_change", ""), strings.Join(onSchemaChangeModes, ", "))
	}
	s := strings.ToLower(strings.TrimSpace(c.String("incremental_strategy", "default")))
	if s == "default" && b.overridden("get_incremental_default_sql") {
		cfg.macro = "get_incremental_default_sql"
	}
	if s == "default" {
		// dbt-duckdb and dbt-postgres: delete+insert (which is a plain
		// append without a unique_key).
		s = "append"
		if len(cfg.uniqueKey) > 0 {
			s = "delete+insert"
		}
	}
	cfg.strategy = s
	if strIn(unofferedStrategies, s) && !strIn(ic.IncrementalStrategies(), s) {
		adapter := b.Runner.res.AdapterType()
		if adapter == "" {
			adapter = "this"
		}
		return nil, cfgErr(n, "incremental_strategy", "incremental_strategy '%s' is not valid for the %s adapter, as in dbt-%s (supported: %s). To replace the rows of a range, use delete+insert with a unique_key, or microbatch with event_time",
			s, adapter, adapter, strings.Join(ic.IncrementalStrategies(), ", "))
	}
	macro := "get_incremental_" + strings.ReplaceAll(s, "+", "_") + "_sql"
	if cfg.macro == "" && b.overridden(append([]string{macro}, strategyBlocks[s]...)...) {
		cfg.macro = macro
	}
	builtin := []string{"append", "delete+insert", "merge", "microbatch"}
	if cfg.macro == "" {
		if !strIn(builtin, s) {
			return nil, cfg.unknownStrategy(n, ic)
		}
		if !strIn(ic.IncrementalStrategies(), s) {
			return nil, cfgErr(n, "incremental_strategy", "incremental_strategy '%s' is not supported on this warehouse (supported: %s)", s, strings.Join(ic.IncrementalStrategies(), ", "))
		}
	}
	if s == "merge" && len(cfg.uniqueKey) == 0 && (len(cfg.updateCols) > 0 || len(cfg.excludeCols) > 0) {
		return nil, cfgErr(n, "merge_", "merge_update_columns and merge_exclude_columns need a unique_key: without one, merge only inserts")
	}
	if s == "microbatch" {
		mb, err := parseMicrobatch(n)
		if err != nil {
			return nil, err
		}
		cfg.mb = mb
	}
	return cfg, nil
}

func (cfg *incrConfig) unknownStrategy(n *manifest.Node, ic adapters.IncrementalConn) error {
	return cfgErr(n, "incremental_strategy", "unknown incremental_strategy '%s': use one of %s, or define a macro get_incremental_%s_sql(arg_dict) for a custom strategy",
		cfg.strategy, strings.Join(ic.IncrementalStrategies(), ", "), strings.ReplaceAll(cfg.strategy, "+", "_"))
}

// keyList reads a string or list config as a list of strings.
func keyList(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if strings.TrimSpace(t) == "" {
			return nil
		}
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case []string:
		return t
	}
	return nil
}

// relSQL renders rel the way c's warehouse quotes.
func relSQL(c adapters.Conn, rel adapters.Relation) string { return rel.RenderWith(c.Dialect().Quote) }

func strIn(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// incremental is the materialization (see the file comment).
func (b *Build) incremental(ctx context.Context) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	ic, ok := b.Conn.(adapters.IncrementalConn)
	if !ok {
		return fail, fmt.Errorf("incremental models are not supported on this warehouse yet")
	}
	cfg, err := b.incrementalConfig(ic)
	if err != nil {
		return fail, err
	}
	target := b.Runner.res.Relation(b.Node)
	existing, err := b.Conn.GetRelation(ctx, target.Database, target.Schema, target.Identifier)
	if err != nil {
		return fail, err
	}
	if cfg.mb != nil {
		return b.microbatch(ctx, ic, cfg, target, existing)
	}
	if existing == nil || existing.Type != adapters.RelTable || b.FullRefresh() {
		return b.swap(ctx, adapters.RelTable)
	}
	return b.applyIncremental(ctx, ic, cfg, target, b.SQL, nil, b.PreHooks, b.PostHooks)
}

// inTx runs fn inside one transaction that holds target's write lock, with
// the hooks around it; any error rolls everything back.
func inTx(ctx context.Context, ic adapters.IncrementalConn, target adapters.Relation, pre, post []adapters.Hook, fn func() error) error {
	if err := execHooks(ctx, ic, pre, false, "pre-hook"); err != nil {
		return err
	}
	if err := ic.Begin(ctx); err != nil {
		return err
	}
	release, err := ic.LockRelation(ctx, target)
	if err != nil {
		_ = ic.Rollback(context.WithoutCancel(ctx))
		return err
	}
	err = func() error {
		if err := execHooks(ctx, ic, pre, true, "pre-hook"); err != nil {
			return err
		}
		if err := fn(); err != nil {
			return err
		}
		if err := execHooks(ctx, ic, post, true, "post-hook"); err != nil {
			return err
		}
		return ic.Commit(ctx)
	}()
	if err != nil {
		_ = ic.Rollback(context.WithoutCancel(ctx))
		release()
		return err
	}
	release()
	return execHooks(ctx, ic, post, false, "post-hook")
}

func execHooks(ctx context.Context, c adapters.Conn, hooks []adapters.Hook, inTx bool, what string) error {
	for i, h := range hooks {
		if h.Transaction != inTx {
			continue
		}
		if err := runHook(ctx, c, h); err != nil {
			return fmt.Errorf("%s %d failed (the transaction was rolled back): %w", what, i, err)
		}
	}
	return nil
}

// runHook renders (when lazy) and runs one hook.
func runHook(ctx context.Context, c adapters.Conn, h adapters.Hook) error {
	q, err := h.Statement(ctx)
	if err != nil || strings.TrimSpace(q) == "" {
		return err
	}
	_, err = c.Exec(ctx, q)
	return err
}

// applyIncremental is one incremental transaction (see the file comment).
// window, for microbatch, is the event_time range the new rows replace.
func (b *Build) applyIncremental(ctx context.Context, ic adapters.IncrementalConn, cfg *incrConfig, target adapters.Relation, sql string, window *compiler.Batch, pre, post []adapters.Hook) (adapters.Response, error) {
	var affected int64
	altered := false
	err := inTx(ctx, ic, target, pre, post, func() error {
		tmp := ic.TempRelation(target, "new")
		// One statement per Exec: PostgreSQL's extended protocol takes one.
		if h := strings.TrimSpace(b.Node.Config.String("sql_header", "")); h != "" {
			if _, err := ic.Exec(ctx, h); err != nil {
				return fmt.Errorf("sql_header: %w", err)
			}
		}
		if _, err := ic.Exec(ctx, ic.CreateTempTableSQL(tmp, sql)); err != nil {
			return err
		}
		src, err := ic.ColumnsOfQuery(ctx, "select * from "+relSQL(ic, tmp))
		if err != nil {
			return err
		}
		tgt, err := ic.ColumnsOfQuery(ctx, "select * from "+relSQL(ic, target))
		if err != nil {
			return err
		}
		plan, err := planSchemaChange(ic, b.Node, cfg.onSchemaChange, target, src, tgt)
		if err != nil {
			return err
		}
		for _, q := range plan.ddl {
			altered = true
			if _, err := ic.Exec(ctx, q); err != nil {
				return fmt.Errorf("on_schema_change=%s: %s: %w", cfg.onSchemaChange, firstLine(q), err)
			}
		}
		stmts, err := b.strategySQL(ctx, ic, cfg, target, tmp, plan.dest, window)
		if err != nil {
			return err
		}
		for _, q := range stmts {
			resp, err := ic.Exec(ctx, q)
			if err != nil {
				return fmt.Errorf("incremental_strategy=%s: %w", cfg.strategy, err)
			}
			if resp.RowsAffected > 0 {
				affected += resp.RowsAffected
			}
		}
		_, err = ic.Exec(ctx, "DROP TABLE "+relSQL(ic, tmp))
		return err
	})
	if altered {
		ic.Forget(target)
	}
	if err != nil {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, err
	}
	return adapters.Response{Message: "OK", RowsAffected: affected}, nil
}

// schemaPlan is the DDL that reconciles the target with the new rows, and
// the columns the strategy writes.
type schemaPlan struct {
	ddl  []string
	dest []adapters.Column
}

func planSchemaChange(ic adapters.IncrementalConn, n *manifest.Node, mode string, target adapters.Relation, src, tgt []adapters.Column) (schemaPlan, error) {
	var p schemaPlan
	tgtBy := map[string]adapters.Column{}
	for _, c := range tgt {
		tgtBy[strings.ToLower(c.Name)] = c
	}
	srcBy := map[string]bool{}
	var added []adapters.Column
	type retype struct {
		col            adapters.Column
		have, incoming string
	}
	var retyped []retype
	for _, c := range src {
		srcBy[strings.ToLower(c.Name)] = true
		t, ok := tgtBy[strings.ToLower(c.Name)]
		if !ok {
			added = append(added, c)
		} else if !strings.EqualFold(t.DataType, c.DataType) {
			retyped = append(retyped, retype{t, t.DataType, c.DataType})
		}
	}
	var removed []adapters.Column
	for _, c := range tgt {
		if !srcBy[strings.ToLower(c.Name)] {
			removed = append(removed, c)
		}
	}
	names := func(cols []adapters.Column) string {
		q := make([]string, len(cols))
		for i, c := range cols {
			q[i] = ic.Dialect().Quote(c.Name)
		}
		return strings.Join(q, ", ")
	}
	switch mode {
	case "ignore":
		if len(removed) > 0 {
			return p, fmt.Errorf("the model no longer produces column(s) %s of %s; with on_schema_change: ignore the insert needs them. Set on_schema_change to append_new_columns (keep them, new rows get NULL) or sync_all_columns (drop them), or rebuild with --full-refresh", names(removed), relSQL(ic, target))
		}
		p.dest = tgt
		return p, nil
	case "fail":
		var diffs []string
		for _, c := range added {
			diffs = append(diffs, fmt.Sprintf("new column %s %s", ic.Dialect().Quote(c.Name), c.DataType))
		}
		for _, c := range removed {
			diffs = append(diffs, fmt.Sprintf("column %s %s is no longer produced", ic.Dialect().Quote(c.Name), c.DataType))
		}
		for _, r := range retyped {
			diffs = append(diffs, fmt.Sprintf("column %s changed type from %s to %s", ic.Dialect().Quote(r.col.Name), r.have, r.incoming))
		}
		if len(diffs) > 0 {
			return p, fmt.Errorf("the schema of %s changed and on_schema_change is 'fail':\n  - %s\nthe table was left unchanged; set on_schema_change to append_new_columns or sync_all_columns, or rebuild with --full-refresh", relSQL(ic, target), strings.Join(diffs, "\n  - "))
		}
		p.dest = tgt
		return p, nil
	}
	// append_new_columns and sync_all_columns
	for _, r := range retyped {
		to, err := ic.WidenType(r.have, r.incoming)
		if err != nil {
			var te *adapters.TypeChangeError
			if errors.As(err, &te) {
				te.Column, te.Quote = r.col.Name, ic.Dialect().Quote
				return p, fmt.Errorf("on_schema_change=%s cannot evolve %s: %w. The table was left unchanged; rebuild it with --full-refresh, or cast the column in the model to its old type", mode, relSQL(ic, target), te)
			}
			return p, err
		}
		if !strings.EqualFold(to, r.have) {
			p.ddl = append(p.ddl, ic.AlterColumnTypeSQL(target, r.col.Name, to))
		}
	}
	for _, c := range added {
		p.ddl = append(p.ddl, ic.Dialect().AddColumn(target, c))
	}
	if mode == "sync_all_columns" {
		for _, c := range removed {
			p.ddl = append(p.ddl, ic.Dialect().DropColumn(target, c.Name))
		}
	}
	p.dest = src
	return p, nil
}

// strategySQL returns the statements that apply the new rows in tmp: the
// strategy's macros when a project or package overrides one of them (see
// strategyBlocks), else the same statements built by the warehouse's
// dialect (adapters.SQLBuilder, the macros' fast path).
func (b *Build) strategySQL(ctx context.Context, ic adapters.IncrementalConn, cfg *incrConfig, target, tmp adapters.Relation, dest []adapters.Column, window *compiler.Batch) ([]string, error) {
	if cfg.macro != "" {
		return b.customStrategy(ctx, cfg, target, tmp, dest, window)
	}
	d := ic.Dialect()
	switch cfg.strategy {
	case "append":
		return []string{d.InsertInto(target, tmp, dest)}, nil
	case "delete+insert":
		return d.DeleteInsert(target, tmp, cfg.uniqueKey, dest, cfg.predicates), nil
	case "merge":
		return []string{d.Merge(target, tmp, cfg.uniqueKey, dest, mergeUpdateColumns(cfg, dest), cfg.predicates)}, nil
	case "microbatch":
		if window == nil {
			return nil, errors.New("internal error: microbatch without a batch window")
		}
		lit := d.TimestampLiteral
		return d.ReplaceWindow(target, tmp, cfg.mb.eventTime, lit(window.Start), lit(window.End), dest, cfg.predicates), nil
	}
	return nil, cfg.unknownStrategy(b.Node, ic)
}

// mergeUpdateColumns is get_merge_update_columns: merge_update_columns, or
// every column but merge_exclude_columns.
func mergeUpdateColumns(cfg *incrConfig, dest []adapters.Column) []string {
	update := dest
	if len(cfg.updateCols) > 0 {
		update = pickColumns(cfg.dialect, dest, cfg.updateCols, true)
	} else if len(cfg.excludeCols) > 0 {
		update = pickColumns(cfg.dialect, dest, cfg.excludeCols, false)
	}
	names := make([]string, len(update))
	for i, c := range update {
		names[i] = c.Name
	}
	return names
}

// pickColumns keeps (keep=true) or drops the named columns, case-insensitively;
// a name may be written in d's quotes.
func pickColumns(d adapters.Dialect, cols []adapters.Column, names []string, keep bool) []adapters.Column {
	set := map[string]bool{}
	for _, n := range names {
		set[strings.ToLower(adapters.Unquote(d, n))] = true
	}
	var out []adapters.Column
	for _, c := range cols {
		if set[strings.ToLower(c.Name)] == keep {
			out = append(out, c)
		}
	}
	return out
}

// customStrategy calls the project's get_incremental_<name>_sql(arg_dict)
// and returns the SQL it renders, run inside the same transaction.
func (b *Build) customStrategy(ctx context.Context, cfg *incrConfig, target, tmp adapters.Relation, dest []adapters.Column, window *compiler.Batch) ([]string, error) {
	res := b.Runner.res
	jctx, _ := res.RuntimeContext(ctx, b.Node, b.Conn)
	if window != nil {
		if m, ok := jctx.Globals["model"].(map[string]any); ok {
			m["batch"] = map[string]any{"id": window.ID, "event_time_start": window.Start.UTC(), "event_time_end": window.End.UTC()}
		}
	}
	cols := make([]any, len(dest))
	for i, c := range dest {
		cols[i] = &jinja.Column{C: c}
	}
	var preds any
	if len(cfg.predicates) > 0 {
		l := make([]any, len(cfg.predicates))
		for i, p := range cfg.predicates {
			l[i] = p
		}
		preds = l
	}
	arg := map[string]any{
		"target_relation": res.Env.NewRelation(target), "temp_relation": res.Env.NewRelation(tmp),
		"unique_key": cfg.uniqueKeyRaw, "dest_columns": cols, "incremental_predicates": preds,
	}
	v, err := res.Env.CallMacro(jctx, cfg.macro, []any{arg}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.macro, err)
	}
	sql := strings.TrimSpace(fmt.Sprint(v))
	if v == nil || sql == "" {
		return nil, fmt.Errorf("%s returned no SQL; it must return the statement(s) that apply %s to %s", cfg.macro, relSQL(b.Conn, tmp), relSQL(b.Conn, target))
	}
	return []string{sql}, nil
}

package run

// Snapshots (type-2 slowly changing dimensions). This file orchestrates;
// the statements come from the dialect (adapters.SnapshotSQL).
//
// One snapshot is one transaction holding the target's write lock:
//
//	BEGIN; lock target
//	CREATE TEMP src  AS select q.*, <key exprs>, <valid-from expr> from (<snapshot SQL>) q
//	  refuse NULL key parts, duplicate keys and (timestamp) NULL updated_at, naming rows
//	first run: CREATE TABLE target AS select src columns + meta columns; COMMIT
//	ALTER TABLE target ADD COLUMN / widen types   (never drops a history column)
//	CREATE TEMP cur  AS current rows of target (+ key exprs)
//	CREATE TEMP chg  AS src rows whose key is new or whose tracked values changed
//	CREATE TEMP del  AS current rows whose key left the source (hard_deletes)
//	UPDATE target SET valid_to = ... matched on dbt_scd_id of the current row
//	INSERT new versions; INSERT deletion records (hard_deletes: new_record)
//	check: no key gained a second current row; COMMIT
//
// The meta columns are dbt's: dbt_scd_id = md5(key parts and valid-from
// joined by '|', NULL as ''), dbt_updated_at, dbt_valid_from, dbt_valid_to
// (NULL, or dbt_valid_to_current, while current) and dbt_is_deleted ('True'
// / 'False', with hard_deletes: new_record), renamable through
// snapshot_meta_column_names. Tracked values compare with IS DISTINCT FROM,
// so NULL → NULL is no change and a rerun over unchanged data adds nothing.
// "Now" (check strategy, deletions) is the snapshot's start time in UTC.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

type snapConfig struct {
	strategy                                            string   // timestamp | check
	keys                                                []string // unique_key SQL expressions
	updatedAt                                           string   // SQL expression; "" for check without updated_at
	checkAll                                            bool
	checkCols                                           []string
	hardDeletes                                         string // ignore | invalidate | new_record
	validToCurrent                                      string // SQL expression or ""
	scdID, metaUpdatedAt, validFrom, validTo, isDeleted string
	// custom is the strategy macro of a custom (or overridden built-in)
	// strategy; rowChanged is the change condition it returned, over the
	// aliases cur (the current version) and src (the source row).
	custom     string
	rowChanged string
}

// SnapshotMetaColumns are the default names of the snapshot meta columns.
var SnapshotMetaColumns = map[string]string{
	"dbt_scd_id": "dbt_scd_id", "dbt_updated_at": "dbt_updated_at", "dbt_valid_from": "dbt_valid_from",
	"dbt_valid_to": "dbt_valid_to", "dbt_is_deleted": "dbt_is_deleted",
}

// snapshotConfig validates a snapshot's configuration; env (nil in some
// tests) resolves custom strategy macros.
func snapshotConfig(n *manifest.Node, env *jinja.Env) (*snapConfig, error) {
	c := n.Config
	sc := &snapConfig{strategy: strings.ToLower(c.String("strategy", "")), updatedAt: c.String("updated_at", "")}
	switch sc.strategy {
	case "timestamp":
		if sc.updatedAt == "" {
			return nil, cfgErr(n, "strategy", "the timestamp strategy needs updated_at: the column that changes whenever a row changes")
		}
	case "check":
		switch v := c["check_cols"].(type) {
		case string:
			if strings.ToLower(v) != "all" {
				return nil, cfgErr(n, "check_cols", "check_cols must be 'all' or a list of columns, got %q", v)
			}
			sc.checkAll = true
		case []any, []string:
			sc.checkCols = keyList(v)
			if len(sc.checkCols) == 0 {
				return nil, cfgErr(n, "check_cols", "check_cols is an empty list; list the columns to track, or use 'all'")
			}
		default:
			return nil, cfgErr(n, "strategy", "the check strategy needs check_cols: 'all' or a list of columns")
		}
	case "":
		return nil, cfgErr(n, "", "snapshot '%s' needs a strategy: 'timestamp' (with updated_at) or 'check' (with check_cols)", n.Name)
	default:
		sc.custom = compiler.SnapshotStrategyMacro(c.String("strategy", ""))
		if env == nil || !env.Resolves(n.PackageName, sc.custom) {
			return nil, cfgErr(n, "strategy", "unknown snapshot strategy '%s': use 'timestamp' or 'check', or define a macro %s(node, snapshotted_rel, current_rel, model_config, target_exists)", sc.strategy, sc.custom)
		}
	}
	// An overridden built-in strategy runs as the project wrote it.
	if sc.custom == "" && env != nil && env.IsOverridden("snapshot_"+sc.strategy+"_strategy") {
		sc.custom = "snapshot_" + sc.strategy + "_strategy"
	}
	sc.keys = keyList(c["unique_key"])
	if len(sc.keys) == 0 {
		return nil, cfgErr(n, "", "snapshot '%s' needs a unique_key: the column (or list of columns) identifying a row", n.Name)
	}
	sc.hardDeletes = strings.ToLower(c.String("hard_deletes", ""))
	legacy := c.Bool("invalidate_hard_deletes", false)
	switch {
	case sc.hardDeletes != "" && legacy:
		return nil, cfgErr(n, "invalidate_hard_deletes", "set hard_deletes or the legacy invalidate_hard_deletes, not both")
	case legacy:
		sc.hardDeletes = "invalidate"
	case sc.hardDeletes == "":
		sc.hardDeletes = "ignore"
	}
	if !strIn([]string{"ignore", "invalidate", "new_record"}, sc.hardDeletes) {
		return nil, cfgErr(n, "hard_deletes", "hard_deletes must be ignore, invalidate or new_record, got %q", sc.hardDeletes)
	}
	sc.validToCurrent = strings.TrimSpace(c.String("dbt_valid_to_current", ""))
	names := map[string]string{}
	for k, v := range SnapshotMetaColumns {
		names[k] = v
	}
	if m, ok := c["snapshot_meta_column_names"].(map[string]any); ok {
		for k, v := range m {
			if _, known := names[k]; !known {
				return nil, cfgErr(n, "snapshot_meta_column_names", "snapshot_meta_column_names: unknown key %q (use dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to, dbt_is_deleted)", k)
			}
			if s, ok := v.(string); ok && s != "" {
				names[k] = s
			}
		}
	}
	sc.scdID, sc.metaUpdatedAt, sc.validFrom, sc.validTo, sc.isDeleted = names["dbt_scd_id"], names["dbt_updated_at"], names["dbt_valid_from"], names["dbt_valid_to"], names["dbt_is_deleted"]
	return sc, nil
}

func (r *Runner) runSnapshot(ctx context.Context, nr *nodeRun) error {
	n := nr.n
	desc := "snapshot " + r.label(n)
	c, sql, path, err := r.startAndCompile(ctx, nr, desc, "ERROR snapshotting "+desc)
	if err != nil {
		return err
	}
	broken := false
	defer func() { r.release(c, broken) }()
	pre, post, err := r.renderHooks(ctx, n, c, true)
	if err != nil {
		r.fail(nr, "ERROR", "ERROR snapshotting "+desc, err, path)
		return err
	}
	var resp adapters.Response
	err = r.timed(nr, "execute", func() error {
		var e error
		resp, e = r.snapshot(ctx, n, c, sql, pre, post)
		return e
	})
	if err != nil {
		broken = ctx.Err() != nil
		r.fail(nr, "ERROR", "ERROR snapshotting "+desc, err, path)
		return err
	}
	r.writeFile("run", n, sql)
	r.p.Progress(nr.index, r.total, "OK snapshotted "+desc, resp.Message, time.Since(nr.started), true)
	r.finish(nr, manifest.StatusSuccess, resp, resp.Message, nil, sql)
	return nil
}

// snapshotter holds the names one snapshot run works with; sq writes its
// statements in the warehouse's dialect (adapters.SnapshotSQL).
type snapshotter struct {
	r        *Runner
	ic       adapters.IncrementalConn
	n        *manifest.Node
	sc       *snapConfig
	target   adapters.Relation
	now      string // SQL timestamp literal of this run's "now"
	src, cur adapters.Relation
	chg, del adapters.Relation
	sq       adapters.SnapshotSQL
	// viaMacros: a project or package overrides one of snapshotBlocks, so
	// the run goes through dbt's snapshot macros (snapshotmacro.go).
	viaMacros bool
	// macroErr is the first error of a building-block macro called while
	// writing a statement (sq.Hash); exec reports it instead of running.
	macroErr error
	inserted int64
	updated  int64
}

func (r *Runner) snapshot(ctx context.Context, n *manifest.Node, c adapters.Conn, sql string, pre, post []adapters.Hook) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	ic, ok := c.(adapters.IncrementalConn)
	if !ok {
		return fail, fmt.Errorf("snapshots are not supported on this warehouse yet")
	}
	sc, err := snapshotConfig(n, r.res.Env)
	if err != nil {
		return fail, err
	}
	target := r.res.Relation(n)
	s := &snapshotter{r: r, ic: ic, n: n, sc: sc, target: target, now: tsLiteral(time.Now().UTC().Truncate(time.Microsecond)),
		src: ic.TempRelation(target, "snap_src"), cur: ic.TempRelation(target, "snap_cur"),
		chg: ic.TempRelation(target, "snap_chg"), del: ic.TempRelation(target, "snap_del")}
	s.sq = adapters.SnapshotSQL{D: ic.Dialect(), Target: target, Src: s.src, Cur: s.cur, Chg: s.chg, Del: s.del,
		Keys: sc.keys, Now: s.now, ValidToCurrent: sc.validToCurrent, NewRecord: sc.hardDeletes == "new_record",
		ScdID: sc.scdID, UpdatedAt: sc.metaUpdatedAt, ValidFrom: sc.validFrom, ValidTo: sc.validTo, IsDeleted: sc.isDeleted}
	if r.res.Env.IsOverridden("snapshot_hash_arguments") {
		s.sq.Hash = s.hashMacro(ctx)
	}
	for _, b := range snapshotBlocks {
		if r.res.Env.IsOverridden(b) {
			s.viaMacros = true
		}
	}
	err = inTx(ctx, ic, target, pre, post, func() error { return s.run(ctx, sql) })
	ic.Forget(target)
	if err != nil {
		return fail, err
	}
	return adapters.Response{Message: fmt.Sprintf("INSERT %d, UPDATE %d", s.inserted, s.updated), RowsAffected: s.inserted + s.updated}, nil
}

// q quotes an identifier the warehouse's way.
func (s *snapshotter) q(id string) string { return s.ic.Dialect().Quote(id) }

// rel renders a relation the warehouse's way.
func (s *snapshotter) rel(r adapters.Relation) string { return r.RenderWith(s.ic.Dialect().Quote) }

// hashMacro writes dbt_scd_id with the project's snapshot_hash_arguments.
func (s *snapshotter) hashMacro(ctx context.Context) func([]string) string {
	res := s.r.res
	jctx, _ := res.RuntimeContext(ctx, s.n, s.ic)
	return func(parts []string) string {
		args := make([]any, len(parts))
		for i, p := range parts {
			args[i] = p
		}
		v, err := res.Env.CallMacro(jctx, "snapshot_hash_arguments", []any{args}, nil)
		sql := ""
		if v != nil {
			sql = strings.TrimSpace(fmt.Sprint(v))
		}
		if err == nil && sql == "" {
			err = errors.New("it returned no SQL; it must return the expression of dbt_scd_id over its args")
		}
		if err != nil && s.macroErr == nil {
			s.macroErr = fmt.Errorf("snapshot_hash_arguments: %w", err)
		}
		return sql
	}
}

func (s *snapshotter) exec(ctx context.Context, sql string) (int64, error) {
	if s.macroErr != nil {
		return 0, s.macroErr
	}
	resp, err := s.ic.Exec(ctx, sql)
	if err != nil {
		return 0, fmt.Errorf("snapshot %s: %w", s.n.Name, err)
	}
	return max(resp.RowsAffected, 0), nil
}

func (s *snapshotter) run(ctx context.Context, sql string) error {
	sc := s.sc
	// 1. The source rows, once, with key parts and valid-from computed.
	if sc.custom != "" {
		if err := s.callStrategy(ctx); err != nil {
			return err
		}
	}
	from := s.now
	if sc.updatedAt != "" {
		from = "(" + sc.updatedAt + ")"
	}
	if _, err := s.exec(ctx, s.ic.CreateTempTableSQL(s.src, s.sq.Source(sql, from))); err != nil {
		return err
	}
	all, err := s.ic.ColumnsOfQuery(ctx, "select * from "+s.rel(s.src))
	if err != nil {
		return err
	}
	var data []adapters.Column
	for _, c := range all {
		if !strings.HasPrefix(c.Name, "__kiln_") {
			data = append(data, c)
		}
	}
	for _, m := range []string{sc.scdID, sc.metaUpdatedAt, sc.validFrom, sc.validTo, sc.isDeleted} {
		for _, c := range data {
			if strings.EqualFold(c.Name, m) {
				return fmt.Errorf("the snapshot query already has a column %s, which is a snapshot meta column; rename it in the query (or rename the meta column with snapshot_meta_column_names)", s.q(c.Name))
			}
		}
	}
	if err := s.validateSource(ctx, data); err != nil {
		return err
	}
	existing, err := s.ic.GetRelation(ctx, s.target.Database, s.target.Schema, s.target.Identifier)
	if err != nil {
		return err
	}
	if existing != nil && existing.Type != adapters.RelTable {
		return fmt.Errorf("%s exists as a %s; a snapshot needs a table. Drop it (a snapshot's history cannot be rebuilt, so kiln will not drop it for you)", s.rel(s.target), existing.Type)
	}
	if s.viaMacros {
		if _, err := s.exec(ctx, s.sq.DropTable(s.src)); err != nil {
			return err
		}
		return s.runMacros(ctx, sql, data, existing != nil)
	}
	// 2. First run: the table is the source plus meta columns.
	if existing == nil {
		n, err := s.exec(ctx, s.sq.Create(data))
		s.inserted = n
		if err == nil {
			_, err = s.exec(ctx, s.sq.DropTable(s.src))
		}
		return err
	}
	return s.update(ctx, data)
}

// validateSource refuses source rows that would break the history: NULL key
// parts and duplicate keys (either makes every run add current rows), and
// NULL updated_at with the timestamp strategy (the row could never change).
func (s *snapshotter) validateSource(ctx context.Context, data []adapters.Column) error {
	sc := s.sc
	keyDesc := strings.Join(sc.keys, ", ")
	sample := func(q string) (int64, string, error) {
		t, _, err := s.ic.Query(ctx, q, 0)
		if err != nil || len(t.Rows) == 0 {
			return 0, "", err
		}
		var rows []string
		for _, r := range t.Rows {
			rows = append(rows, fmtRow(r[1:]))
		}
		return toInt(t.Rows[0][0]), strings.Join(rows, ", "), nil
	}
	if cnt, rows, err := sample(s.sq.NullKeys()); err != nil {
		return err
	} else if cnt > 0 {
		return fmt.Errorf("%d source row(s) have a NULL in unique_key (%s), e.g. %s. A NULL key never matches its history, so every run would add another current row; filter those rows out or coalesce the key in the snapshot's query. Nothing was changed", cnt, keyDesc, rows)
	}
	t, _, err := s.ic.Query(ctx, s.sq.DuplicateKeys(), 0)
	if err != nil {
		return err
	}
	if len(t.Rows) > 0 {
		var rows []string
		for _, r := range t.Rows {
			rows = append(rows, fmt.Sprintf("%s ×%d", fmtRow(r[1:len(r)-1]), toInt(r[len(r)-1])))
		}
		return fmt.Errorf("unique_key (%s) is not unique in the snapshot's query: %d key(s) appear more than once, e.g. %s. Each would get several current rows; deduplicate the query or extend unique_key. Nothing was changed", keyDesc, toInt(t.Rows[0][0]), strings.Join(rows, ", "))
	}
	if sc.strategy == "timestamp" && sc.custom == "" {
		if cnt, rows, err := sample(s.sq.NullFrom()); err != nil {
			return err
		} else if cnt > 0 {
			return fmt.Errorf("%d source row(s) have a NULL updated_at (%s), e.g. keys %s. The timestamp strategy could never see them change; coalesce updated_at in the query or use the check strategy. Nothing was changed", cnt, sc.updatedAt, rows)
		}
	}
	if !sc.checkAll && sc.custom == "" {
		have := map[string]bool{}
		for _, c := range data {
			have[strings.ToLower(c.Name)] = true
		}
		for _, c := range sc.checkCols {
			if !have[strings.ToLower(adapters.Unquote(s.ic.Dialect(), c))] {
				return cfgErr(s.n, "check_cols", "check_cols names %q, which the snapshot's query does not produce", c)
			}
		}
	}
	return nil
}

func fmtRow(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = fmt.Sprint(v)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// dupCurrent counts keys with more than one current row in the target.
func (s *snapshotter) dupCurrent(ctx context.Context) (int64, string, error) {
	t, _, err := s.ic.Query(ctx, s.sq.DuplicateCurrent(), 0)
	if err != nil || len(t.Rows) == 0 {
		return 0, "", err
	}
	var rows []string
	for _, r := range t.Rows {
		rows = append(rows, fmtRow(r[1:]))
	}
	return toInt(t.Rows[0][0]), strings.Join(rows, ", "), nil
}

// evolve adds the columns the query gained (through add) and widens the
// types whose values no longer fit, before any DML (DuckDB wants DDL first
// in a transaction); it never drops a history column. It returns the
// target's columns as they were and whether it has (now) a dbt_is_deleted
// column.
func (s *snapshotter) evolve(ctx context.Context, data []adapters.Column, add func([]adapters.Column) error) ([]adapters.Column, bool, error) {
	sc := s.sc
	tgt, err := s.ic.ColumnsOfQuery(ctx, "select * from "+s.rel(s.target))
	if err != nil {
		return nil, false, err
	}
	tgtBy := map[string]adapters.Column{}
	for _, c := range tgt {
		tgtBy[strings.ToLower(c.Name)] = c
	}
	for _, m := range []string{sc.scdID, sc.metaUpdatedAt, sc.validFrom, sc.validTo} {
		if _, ok := tgtBy[strings.ToLower(m)]; !ok {
			return nil, false, fmt.Errorf("%s has no column %s: it is not a snapshot table (or its meta columns were renamed; see snapshot_meta_column_names)", s.rel(s.target), s.q(m))
		}
	}
	var widen []string
	var missing []adapters.Column
	for _, c := range data {
		t, ok := tgtBy[strings.ToLower(c.Name)]
		if !ok {
			missing = append(missing, c)
			continue
		}
		if strings.EqualFold(t.DataType, c.DataType) {
			continue
		}
		to, err := s.ic.WidenType(t.DataType, c.DataType)
		if err != nil {
			if te, ok := err.(*adapters.TypeChangeError); ok {
				te.Column, te.Quote = c.Name, s.q
			}
			return nil, false, fmt.Errorf("cannot keep the history of %s: %w. Nothing was changed; cast the column in the snapshot's query to its old type", s.rel(s.target), err)
		}
		if !strings.EqualFold(to, t.DataType) {
			widen = append(widen, s.ic.AlterColumnTypeSQL(s.target, c.Name, to))
		}
	}
	hasDeleted := false
	if _, ok := tgtBy[strings.ToLower(sc.isDeleted)]; ok {
		hasDeleted = true
	} else if sc.hardDeletes == "new_record" {
		missing = append(missing, adapters.Column{Name: sc.isDeleted, DataType: "VARCHAR"})
		hasDeleted = true
	}
	if len(missing) > 0 {
		if err := add(missing); err != nil {
			return nil, false, err
		}
	}
	for _, d := range widen {
		if _, err := s.exec(ctx, d); err != nil {
			return nil, false, err
		}
	}
	return tgt, hasDeleted, nil
}

// addColumns is the fast path of create_columns.
func (s *snapshotter) addColumns(ctx context.Context) func([]adapters.Column) error {
	return func(cols []adapters.Column) error {
		for _, c := range cols {
			if _, err := s.exec(ctx, s.ic.Dialect().AddColumn(s.target, c)); err != nil {
				return err
			}
		}
		return nil
	}
}

func (s *snapshotter) update(ctx context.Context, data []adapters.Column) error {
	sc := s.sc
	tgt, hasDeleted, err := s.evolve(ctx, data, s.addColumns(ctx))
	if err != nil {
		return err
	}
	dupBefore, _, err := s.dupCurrent(ctx)
	if err != nil {
		return err
	}

	// The current versions with their key parts.
	if _, err := s.exec(ctx, s.ic.CreateTempTableSQL(s.cur, s.sq.CurrentRows())); err != nil {
		return err
	}
	marker := s.sq.DeletedMarker(hasDeleted)
	// What changed.
	var changed []string
	switch {
	case sc.rowChanged != "":
		changed = append(changed, "("+sc.rowChanged+")")
	case sc.strategy == "timestamp":
		changed = append(changed, s.sq.TimestampChanged())
	case sc.strategy == "check":
		var cols []string
		if sc.checkAll {
			for _, c := range data {
				cols = append(cols, c.Name)
			}
		} else {
			for _, c := range sc.checkCols {
				cols = append(cols, adapters.Unquote(s.ic.Dialect(), c))
			}
		}
		changed = append(changed, s.sq.CheckChanged(cols)...)
	}
	changed = append(changed, marker)
	if _, err := s.exec(ctx, s.ic.CreateTempTableSQL(s.chg, s.sq.Changes(changed))); err != nil {
		return err
	}
	if sc.hardDeletes != "ignore" {
		if _, err := s.exec(ctx, s.ic.CreateTempTableSQL(s.del, s.sq.Deletions(marker))); err != nil {
			return err
		}
	}

	// Close the current version of changed keys at the new version's start.
	n, err := s.exec(ctx, s.sq.CloseChanged())
	if err != nil {
		return err
	}
	s.updated += n
	if sc.hardDeletes != "ignore" {
		n, err := s.exec(ctx, s.sq.CloseDeleted())
		if err != nil {
			return err
		}
		s.updated += n
	}
	// New versions.
	n, err = s.exec(ctx, s.sq.InsertVersions(data, hasDeleted))
	if err != nil {
		return err
	}
	s.inserted += n
	// Deletion records carry the last known values.
	if sc.hardDeletes == "new_record" {
		var keep []adapters.Column
		for _, c := range tgt {
			if !isMeta(sc, c.Name) {
				keep = append(keep, c)
			}
		}
		n, err := s.exec(ctx, s.sq.InsertDeletions(keep))
		if err != nil {
			return err
		}
		s.inserted += n
	}
	// The invariant: no key gained a second current row.
	dupAfter, rows, err := s.dupCurrent(ctx)
	if err != nil {
		return err
	}
	if dupAfter > dupBefore {
		return fmt.Errorf("refusing to commit: %d key(s) would have more than one current row in %s, e.g. %s. Nothing was changed; please report this with the snapshot's configuration", dupAfter, s.rel(s.target), rows)
	}
	drop := []adapters.Relation{s.src, s.cur, s.chg}
	if sc.hardDeletes != "ignore" {
		drop = append(drop, s.del)
	}
	for _, t := range drop {
		if _, err := s.exec(ctx, s.sq.DropTable(t)); err != nil {
			return err
		}
	}
	return nil
}

func isMeta(sc *snapConfig, name string) bool {
	for _, m := range []string{sc.scdID, sc.metaUpdatedAt, sc.validFrom, sc.validTo, sc.isDeleted} {
		if strings.EqualFold(m, name) {
			return true
		}
	}
	return false
}

// callStrategy calls a custom strategy macro the way dbt's snapshot
// materialization does, with snapshotted_rel "cur" and current_rel "src"
// (kiln's aliases for the current versions and the source rows), and takes
// its updated_at and row_changed.
func (s *snapshotter) callStrategy(ctx context.Context) error {
	res := s.r.res
	jctx, _ := res.RuntimeContext(ctx, s.n, s.ic)
	cfg := map[string]any{}
	for k, v := range s.n.Config {
		cfg[k] = v
	}
	v, err := res.Env.CallMacro(jctx, s.sc.custom, []any{jctx.Globals["model"], "cur", "src", cfg, true}, nil)
	if err != nil {
		return fmt.Errorf("snapshot strategy %s: %w", s.sc.custom, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return cfgErr(s.n, "strategy", "%s must return a dict with updated_at and row_changed (as dbt's snapshot_timestamp_strategy does), got %v", s.sc.custom, v)
	}
	rc, _ := m["row_changed"].(string)
	if strings.TrimSpace(rc) == "" {
		return cfgErr(s.n, "strategy", "%s returned no row_changed: the SQL condition, over %s and %s, that is true when a source row differs from its current version", s.sc.custom, "snapshotted_rel", "current_rel")
	}
	s.sc.rowChanged = strings.TrimSpace(rc)
	if u, ok := m["updated_at"].(string); ok && strings.TrimSpace(u) != "" {
		s.sc.updatedAt = strings.TrimSpace(u)
	}
	return nil
}

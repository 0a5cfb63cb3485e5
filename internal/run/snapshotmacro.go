package run

// Snapshots through dbt's macros. When a project or package overrides one
// of the building blocks of dbt's snapshot materialization (snapshotBlocks,
// or an <adapter>__/default__ variant of one), kiln runs the snapshot the
// way that materialization does, calling the macros, so the override takes
// effect:
//
//	strategy = snapshot_<strategy>_strategy(model, "snapshotted_data", "source_data", config, exists)
//	first run: create_table_as(False, target, build_snapshot_table(strategy, sql))
//	later:     create_columns(target, <columns the query gained>); widen types
//	           CREATE TEMP staging AS snapshot_staging_table(strategy, sql, target)
//	             (or build_snapshot_staging_table(strategy, sql, target))
//	           snapshot_merge_sql(target, staging, <quoted staging columns>)
//	           post_snapshot(staging)
//
// inside the same transaction, write lock and hooks as kiln's own
// statements (snapshot.go), after the same refusals of NULL and duplicate
// keys, and with the same final check that no key gained a second current
// row. A block nobody overrides still runs as its Go fast path where it has
// one (create_columns: Dialect.AddColumn; snapshot_merge_sql:
// Dialect.SnapshotMerge).

import (
	"context"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
)

// snapshotBlocks are the macros of dbt's snapshot materialization whose
// override sends a snapshot through runMacros (snapshot_get_time: the macros
// call it where kiln's own statements use the run's start). Strategy macros
// and snapshot_hash_arguments are honoured by kiln's own statements too.
var snapshotBlocks = []string{"build_snapshot_table", "snapshot_staging_table", "build_snapshot_staging_table", "snapshot_merge_sql", "create_columns", "post_snapshot", "snapshot_get_time"}

func (s *snapshotter) runMacros(ctx context.Context, sql string, data []adapters.Column, exists bool) error {
	res := s.r.res
	jctx, _ := res.RuntimeContext(ctx, s.n, s.ic)
	call := func(name string, args ...any) (string, error) {
		v, err := res.Env.CallMacro(jctx, name, args, nil)
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		if v == nil {
			return "", nil
		}
		return strings.TrimSpace(fmt.Sprint(v)), nil
	}
	strategy, err := s.strategyDict(jctx, exists)
	if err != nil {
		return err
	}
	target := res.Env.NewRelation(s.target)
	if !exists {
		build, err := call("build_snapshot_table", strategy, sql)
		if err != nil {
			return err
		}
		create, err := call("create_table_as", false, target, build)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, create); err != nil {
			return err
		}
		s.inserted, err = s.count(ctx, "select count(*) from "+s.rel(s.target))
		return err
	}

	add := s.addColumns(ctx)
	if s.r.res.Env.IsOverridden("create_columns") {
		add = func(cols []adapters.Column) error {
			l := make([]any, len(cols))
			for i, c := range cols {
				l[i] = &jinja.Column{C: c}
			}
			_, err := call("create_columns", target, l)
			return err
		}
	}
	if _, _, err := s.evolve(ctx, data, add); err != nil {
		return err
	}
	s.ic.Forget(s.target)
	dupBefore, _, err := s.dupCurrent(ctx)
	if err != nil {
		return err
	}
	staging, err := s.stage(ctx, jctx, call, strategy, sql, target)
	if err != nil {
		return err
	}
	cols, err := s.ic.ColumnsOfQuery(ctx, "select * from "+s.rel(staging))
	if err != nil {
		return err
	}
	var insertCols []string
	for _, c := range cols {
		l := strings.ToLower(c.Name)
		if l == "dbt_change_type" || strings.HasPrefix(l, "dbt_unique_key") || strings.HasPrefix(l, "dbt_kiln_") {
			continue
		}
		insertCols = append(insertCols, s.q(c.Name))
	}
	t, _, err := s.ic.Query(ctx, "select dbt_change_type, count(*) from "+s.rel(staging)+" group by dbt_change_type", 0)
	if err != nil {
		return err
	}
	for _, r := range t.Rows {
		if fmt.Sprint(r[0]) == "insert" {
			s.inserted += toInt(r[1])
		} else {
			s.updated += toInt(r[1])
		}
	}
	var merge []string
	if res.Env.IsOverridden("snapshot_merge_sql") {
		l := make([]any, len(insertCols))
		for i, c := range insertCols {
			l[i] = c
		}
		m, err := call("snapshot_merge_sql", target, res.Env.NewRelation(staging), l)
		if err != nil {
			return err
		}
		if m == "" {
			return fmt.Errorf("snapshot_merge_sql returned no SQL; it must return the statement(s) that apply %s to %s", s.rel(staging), s.rel(s.target))
		}
		merge = []string{m}
	} else {
		merge = s.ic.Dialect().SnapshotMerge(s.target, staging, insertCols, s.sc.scdID, s.sc.validTo, s.sc.validToCurrent)
	}
	for _, m := range merge {
		if _, err := s.exec(ctx, m); err != nil {
			return fmt.Errorf("snapshot_merge_sql: %w", err)
		}
	}
	if res.Env.IsOverridden("post_snapshot") {
		if _, err := call("post_snapshot", res.Env.NewRelation(staging)); err != nil {
			return err
		}
	}
	dupAfter, rows, err := s.dupCurrent(ctx)
	if err != nil {
		return err
	}
	if dupAfter > dupBefore {
		return fmt.Errorf("refusing to commit: %d key(s) would have more than one current row in %s, e.g. %s. Nothing was changed; check the overridden snapshot macros (%s)", dupAfter, s.rel(s.target), rows, strings.Join(s.overriddenBlocks(), ", "))
	}
	_, err = s.exec(ctx, s.sq.DropTable(staging))
	return err
}

// stage builds the staging table: the project's build_snapshot_staging_table
// when it overrides it (which must return the relation it built), else a
// temporary table of snapshot_staging_table's SELECT (Trino has no
// temporary tables: TempRelation is a real one there).
func (s *snapshotter) stage(ctx context.Context, jctx *jinja.Context, call func(string, ...any) (string, error), strategy map[string]any, sql string, target *jinja.Relation) (adapters.Relation, error) {
	res := s.r.res
	if res.Env.IsOverridden("build_snapshot_staging_table") {
		v, err := res.Env.CallMacro(jctx, "build_snapshot_staging_table", []any{strategy, sql, target}, nil)
		if err != nil {
			return adapters.Relation{}, fmt.Errorf("build_snapshot_staging_table: %w", err)
		}
		rel, ok := v.(*jinja.Relation)
		if !ok {
			return adapters.Relation{}, fmt.Errorf("build_snapshot_staging_table must return the staging relation it built ({{ return(temp_relation) }}), got %s", jinja.Repr(v))
		}
		return rel.R, nil
	}
	staging := s.ic.TempRelation(s.target, "snap_stage")
	sel, err := call("snapshot_staging_table", strategy, sql, target)
	if err != nil {
		return staging, err
	}
	_, err = s.exec(ctx, s.ic.CreateTempTableSQL(staging, sel))
	return staging, err
}

func (s *snapshotter) overriddenBlocks() []string {
	var out []string
	for _, b := range snapshotBlocks {
		if s.r.res.Env.IsOverridden(b) {
			out = append(out, b)
		}
	}
	return out
}

func (s *snapshotter) count(ctx context.Context, q string) (int64, error) {
	t, _, err := s.ic.Query(ctx, q, 0)
	if err != nil || len(t.Rows) == 0 {
		return 0, err
	}
	return toInt(t.Rows[0][0]), nil
}

// strategyDict calls the snapshot's strategy macro with dbt's aliases of
// the current versions (snapshotted_data) and the source rows
// (source_data), and completes the dict the way kiln's own run reads the
// configuration: a missing scd_id is snapshot_hash_arguments of the key and
// updated_at, a missing hard_deletes the configured one.
func (s *snapshotter) strategyDict(jctx *jinja.Context, exists bool) (map[string]any, error) {
	name := s.sc.custom
	if name == "" {
		name = "snapshot_" + s.sc.strategy + "_strategy"
	}
	cfg := map[string]any{}
	for k, v := range s.n.Config {
		cfg[k] = v
	}
	v, err := s.r.res.Env.CallMacro(jctx, name, []any{jctx.Globals["model"], "snapshotted_data", "source_data", cfg, exists}, nil)
	if err != nil {
		return nil, fmt.Errorf("snapshot strategy %s: %w", name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, cfgErr(s.n, "strategy", "%s must return a dict with updated_at and row_changed (as dbt's snapshot_timestamp_strategy does), got %v", name, v)
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	if rc, _ := out["row_changed"].(string); strings.TrimSpace(rc) == "" {
		return nil, cfgErr(s.n, "strategy", "%s returned no row_changed: the SQL condition, over snapshotted_rel and current_rel, that is true when a source row differs from its current version", name)
	}
	if out["unique_key"] == nil {
		out["unique_key"] = s.n.Config["unique_key"]
	}
	u, _ := out["updated_at"].(string)
	if strings.TrimSpace(u) == "" {
		return nil, cfgErr(s.n, "strategy", "%s returned no updated_at: the SQL, over the query's columns, of the new version's start", name)
	}
	if id, _ := out["scd_id"].(string); strings.TrimSpace(id) == "" {
		parts := append(append([]string{}, s.sc.keys...), u)
		out["scd_id"] = s.sq.HashOf(parts)
		if s.macroErr != nil {
			return nil, s.macroErr
		}
	}
	if hd, _ := out["hard_deletes"].(string); hd == "" {
		out["hard_deletes"] = s.sc.hardDeletes
	}
	return out, nil
}

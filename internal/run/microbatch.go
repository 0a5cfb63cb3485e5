package run

// Microbatch incremental models (incremental_strategy='microbatch').
//
// The model is rebuilt one event_time window at a time, each window in its
// own transaction through applyIncremental (DELETE the window, INSERT the
// batch's rows); the first successful batch of a first run or full refresh
// builds the table with Materialize. Each batch renders the model with
// model.batch set and upstream event_time relations filtered (see
// compiler/microbatch.go). Windows: --event-time-start/--event-time-end when
// given; else from `begin` (first run, full refresh) or the current batch
// minus `lookback` batches; plus every window that failed before.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

type microbatchConfig struct {
	eventTime string
	size      string // hour, day, month, year
	begin     time.Time
	lookback  int
}

func parseMicrobatch(n *manifest.Node) (*microbatchConfig, error) {
	c := n.Config
	mb := &microbatchConfig{eventTime: c.String("event_time", ""), size: strings.ToLower(c.String("batch_size", "")), lookback: 1}
	if mb.eventTime == "" {
		return nil, cfgErr(n, "incremental_strategy", "microbatch models need event_time: the column holding each row's time, e.g. event_time='created_at'")
	}
	switch mb.size {
	case "hour", "day", "month", "year":
	default:
		return nil, cfgErr(n, "batch_size", "microbatch models need batch_size: one of hour, day, month, year (got %q)", c.String("batch_size", ""))
	}
	switch v := c["begin"].(type) {
	case time.Time:
		mb.begin = v.UTC()
	case string:
		t, err := parseTimeValue(v)
		if err != nil {
			return nil, cfgErr(n, "begin", "begin %q is not a date or timestamp (use e.g. '2024-01-01' or '2024-01-01 00:00:00')", v)
		}
		mb.begin = t
	case nil:
		return nil, cfgErr(n, "incremental_strategy", "microbatch models need begin: the time the first batch starts, e.g. begin='2024-01-01'")
	default:
		return nil, cfgErr(n, "begin", "begin must be a date or timestamp string, got %v", v)
	}
	if v, ok := c["lookback"]; ok && v != nil {
		switch x := v.(type) {
		case int:
			mb.lookback = x
		case int64:
			mb.lookback = int(x)
		case float64:
			mb.lookback = int(x)
		default:
			return nil, cfgErr(n, "lookback", "lookback must be a whole number of batches, got %v", v)
		}
		if mb.lookback < 0 {
			return nil, cfgErr(n, "lookback", "lookback must be zero or more, got %d", mb.lookback)
		}
	}
	return mb, nil
}

// parseTimeValue accepts the date and timestamp spellings dbt accepts for
// begin and --event-time-start/--event-time-end; a value without a zone is UTC.
func parseTimeValue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date or timestamp", s)
}

// ParseEventTime parses a --event-time-start/--event-time-end value.
func ParseEventTime(s string) (time.Time, error) { return parseTimeValue(s) }

func truncBatch(t time.Time, size string) time.Time {
	t = t.UTC()
	switch size {
	case "hour":
		return t.Truncate(time.Hour)
	case "day":
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
}

func addBatches(t time.Time, size string, n int) time.Time {
	switch size {
	case "hour":
		return t.Add(time.Duration(n) * time.Hour)
	case "day":
		return t.AddDate(0, 0, n)
	case "month":
		return t.AddDate(0, n, 0)
	default:
		return t.AddDate(n, 0, 0)
	}
}

func batchID(t time.Time, size string) string {
	switch size {
	case "hour":
		return t.Format("2006010215")
	case "day":
		return t.Format("20060102")
	case "month":
		return t.Format("200601")
	}
	return t.Format("2006")
}

// batchWindows splits [start, end) into batches; the last may be short
// when end is not on a batch boundary.
func batchWindows(start, end time.Time, size string) []*compiler.Batch {
	var out []*compiler.Batch
	for cur := truncBatch(start, size); cur.Before(end); {
		next := addBatches(cur, size, 1)
		if next.After(end) {
			next = end
		}
		out = append(out, &compiler.Batch{ID: batchID(cur, size), Start: cur, End: next})
		cur = next
	}
	return out
}

// microbatch builds the model one event_time window at a time; each batch is
// its own transaction. Failed batches are remembered in the state table and
// retried by the next run (see microbatchState).
func (b *Build) microbatch(ctx context.Context, ic adapters.IncrementalConn, cfg *incrConfig, target adapters.Relation, existing *adapters.Relation) (adapters.Response, error) {
	mb := cfg.mb
	r := b.Runner
	full := b.FullRefresh() || existing == nil || existing.Type != adapters.RelTable
	now := r.start.UTC()
	if now.IsZero() {
		now = time.Now().UTC()
	}
	end := addBatches(truncBatch(now, mb.size), mb.size, 1)
	if r.opts.EventTimeEnd != nil {
		end = r.opts.EventTimeEnd.UTC()
	}
	var start time.Time
	switch {
	case r.opts.EventTimeStart != nil:
		start = r.opts.EventTimeStart.UTC()
	case !full:
		start = addBatches(truncBatch(now, mb.size), mb.size, -mb.lookback)
	default:
		start = mb.begin
	}
	if !start.Before(end) {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, cfgErr(b.Node, "", "the batch range is empty: start %s is not before end %s", compiler.BatchLiteral(start), compiler.BatchLiteral(end))
	}
	windows := batchWindows(start, end, mb.size)
	state := &microbatchState{ic: ic, target: target}
	if !full {
		retry, err := state.failed(ctx)
		if err != nil {
			return adapters.Response{Message: "ERROR", RowsAffected: -1}, err
		}
		windows = mergeWindows(windows, retry, mb.size)
	}
	br := &batchResults{}
	b.batches = br
	exists := !full
	var total int64
	var firstErr error
	label := r.label(b.Node)
	for i, w := range windows {
		if ctx.Err() != nil {
			break
		}
		pre, post := []adapters.Hook(nil), []adapters.Hook(nil)
		if i == 0 {
			pre = b.PreHooks
		}
		if i == len(windows)-1 {
			post = b.PostHooks
		}
		started := time.Now()
		r.p.Line("  Batch %d of %d START batch %s of %s", i+1, len(windows), w.ID, label)
		resp, err := b.runBatch(ctx, ic, cfg, target, w, exists, pre, post)
		if err != nil {
			br.failed = append(br.failed, w)
			if firstErr == nil {
				firstErr = fmt.Errorf("batch %s [%s, %s): %w", w.ID, compiler.BatchLiteral(w.Start), compiler.BatchLiteral(w.End), err)
			}
			r.p.Line("  Batch %d of %d ERROR batch %s of %s in %.2fs: %s", i+1, len(windows), w.ID, label, time.Since(started).Seconds(), firstLine(err.Error()))
			if serr := state.record(context.WithoutCancel(ctx), w, err); serr != nil {
				r.p.Line("  could not record the failed batch %s for retry: %v", w.ID, serr)
			}
			continue
		}
		exists = true
		total += max(resp.RowsAffected, 0)
		br.ok = append(br.ok, w)
		r.p.Line("  Batch %d of %d OK batch %s of %s in %.2fs", i+1, len(windows), w.ID, label, time.Since(started).Seconds())
		if err := state.clear(ctx, w); err != nil {
			r.p.Line("  could not clear the retry record of batch %s: %v", w.ID, err)
		}
	}
	if ctx.Err() != nil {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, ctx.Err()
	}
	if firstErr != nil {
		return adapters.Response{Message: "ERROR", RowsAffected: -1}, fmt.Errorf("%d of %d batches failed (they are retried by the next run); first: %w", len(br.failed), len(windows), firstErr)
	}
	return adapters.Response{Message: "OK", RowsAffected: total}, nil
}

func (b *Build) runBatch(ctx context.Context, ic adapters.IncrementalConn, cfg *incrConfig, target adapters.Relation, w *compiler.Batch, exists bool, pre, post []adapters.Hook) (adapters.Response, error) {
	sql, err := b.Runner.res.CompileNodeBatch(ctx, b.Node, b.Conn, w)
	if err != nil {
		return adapters.Response{}, err
	}
	b.Runner.writeFile("compiled", b.Node, sql) // the last batch's SQL stays
	if !exists {
		// The first successful batch (re)builds the table, swapped in
		// atomically like a table model.
		return b.Conn.Materialize(ctx, adapters.MaterializeRequest{
			Target: target, Kind: adapters.RelTable, SQL: sql,
			SQLHeader: b.Node.Config.String("sql_header", ""), PreHooks: pre, PostHooks: post,
		})
	}
	return b.applyIncremental(ctx, ic, cfg, target, sql, w, pre, post)
}

// mergeWindows adds retried windows not already covered, in time order.
func mergeWindows(windows, retry []*compiler.Batch, size string) []*compiler.Batch {
	have := map[int64]bool{}
	for _, w := range windows {
		have[w.Start.Unix()] = true
	}
	for _, w := range retry {
		if !have[w.Start.Unix()] {
			have[w.Start.Unix()] = true
			w.ID = batchID(w.Start, size)
			windows = append(windows, w)
		}
	}
	sort.Slice(windows, func(i, j int) bool { return windows[i].Start.Before(windows[j].Start) })
	return windows
}

// batchResults is run_results.json's batch_results.
type batchResults struct {
	ok, failed []*compiler.Batch
}

func (br *batchResults) json() map[string]any {
	enc := func(ws []*compiler.Batch) []any {
		out := make([]any, 0, len(ws))
		for _, w := range ws {
			out = append(out, []any{w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339)})
		}
		return out
	}
	return map[string]any{"successful": enc(br.ok), "failed": enc(br.failed)}
}

// applyBatchResults records a microbatch model's per-batch outcome on its
// result: "partial success" when some batches failed and some succeeded.
func (r *Runner) applyBatchResults(id string, b *Build) {
	if b == nil || b.batches == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rr := r.results[id]
	if rr == nil {
		return
	}
	rr.BatchResults = b.batches.json()
	if len(b.batches.failed) > 0 && len(b.batches.ok) > 0 {
		rr.Status = StatusPartialSuccess
	}
}

// StatusPartialSuccess is dbt's status for a microbatch model some of whose
// batches failed.
const StatusPartialSuccess = "partial success"

// microbatchState remembers failed batches between runs in a small table
// in the model's schema, kiln_microbatch_failures (relation, batch_start,
// batch_end, error, failed_at). It is created on the first failure only;
// a successful batch deletes its row, so a healthy project never has rows.
type microbatchState struct {
	ic     adapters.IncrementalConn
	target adapters.Relation
}

const stateTable = "kiln_microbatch_failures"

func (s *microbatchState) rel() adapters.Relation {
	return adapters.Relation{Database: s.target.Database, Schema: s.target.Schema, Identifier: stateTable, Type: adapters.RelTable}
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (s *microbatchState) exists(ctx context.Context) (bool, error) {
	rel, err := s.ic.GetRelation(ctx, s.target.Database, s.target.Schema, stateTable)
	return rel != nil, err
}

func (s *microbatchState) failed(ctx context.Context) ([]*compiler.Batch, error) {
	if ok, err := s.exists(ctx); !ok || err != nil {
		return nil, err
	}
	t, _, err := s.ic.Query(ctx, "select cast(batch_start as varchar), cast(batch_end as varchar) from "+relSQL(s.ic, s.rel())+" where relation = "+sqlString(relSQL(s.ic, s.target))+" order by batch_start", 0)
	if err != nil {
		return nil, fmt.Errorf("reading failed batches from %s: %w", relSQL(s.ic, s.rel()), err)
	}
	var out []*compiler.Batch
	for _, row := range t.Rows {
		st, err1 := parseTimeValue(fmt.Sprint(row[0]))
		en, err2 := parseTimeValue(fmt.Sprint(row[1]))
		if err1 == nil && err2 == nil {
			out = append(out, &compiler.Batch{Start: st, End: en})
		}
	}
	return out, nil
}

func tsLiteral(t time.Time) string {
	return "cast('" + t.UTC().Format("2006-01-02 15:04:05.999999") + "' as timestamp)"
}

func (s *microbatchState) record(ctx context.Context, w *compiler.Batch, cause error) error {
	rel := relSQL(s.ic, s.rel())
	stmts := []string{
		"create table if not exists " + rel + " (relation varchar, batch_start timestamp, batch_end timestamp, error varchar, failed_at timestamp)",
		"delete from " + rel + " where relation = " + sqlString(relSQL(s.ic, s.target)) + " and batch_start = " + tsLiteral(w.Start),
		"insert into " + rel + " values (" + sqlString(relSQL(s.ic, s.target)) + ", " + tsLiteral(w.Start) + ", " + tsLiteral(w.End) + ", " + sqlString(firstLine(cause.Error())) + ", " + tsLiteral(time.Now()) + ")",
	}
	if err := s.ic.Begin(ctx); err != nil {
		return err
	}
	for _, q := range stmts {
		if _, err := s.ic.Exec(ctx, q); err != nil {
			_ = s.ic.Rollback(ctx)
			return err
		}
	}
	return s.ic.Commit(ctx)
}

func (s *microbatchState) clear(ctx context.Context, w *compiler.Batch) error {
	if ok, err := s.exists(ctx); !ok || err != nil {
		return err
	}
	_, err := s.ic.Exec(ctx, "delete from "+relSQL(s.ic, s.rel())+" where relation = "+sqlString(relSQL(s.ic, s.target))+" and batch_start = "+tsLiteral(w.Start))
	return err
}

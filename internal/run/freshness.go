package run

// Source freshness (`kiln source freshness`): for every selected source
// table with a freshness policy and a loaded_at_field, run
//
//	select max(<loaded_at_field>) as max_loaded_at, current_timestamp as snapshotted_at
//	from <source> [where <filter>]
//
// and compare the age with warn_after / error_after. Naive timestamps are
// taken as UTC, as dbt does. The results become target/sources.json
// (sources v3).

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// FreshnessOptions configure a freshness check.
type FreshnessOptions struct {
	Threads      int
	Printer      *Printer
	Output       string // path of sources.json ("" = do not write)
	InvocationID string
	Started      time.Time
	// Events, if set, receives one LogFreshnessResult event per source.
	Events interface {
		Emit(name, code, level, msg string, data map[string]any)
	}
}

// FreshnessResult is one source table's outcome.
type FreshnessResult struct {
	Source        *manifest.SourceDef
	Status        string // pass, warn, error, runtime error
	MaxLoadedAt   time.Time
	SnapshottedAt time.Time
	Age           float64 // seconds
	Err           error
	Elapsed       time.Duration
	Timing        []manifest.Timing
	Criteria      map[string]any
}

// FreshnessSummary is the whole check.
type FreshnessSummary struct {
	Results                         []FreshnessResult
	Pass, Warn, Error, RuntimeError int
	Skipped                         []string // selected sources without a policy
	Elapsed                         time.Duration
}

// FreshnessPolicy returns a source's effective freshness config (config:
// freshness wins over the property) and whether it can be checked.
func FreshnessPolicy(s *manifest.SourceDef) (map[string]any, bool) {
	f := s.Freshness
	if v, ok := s.Config["freshness"]; ok {
		m, _ := v.(map[string]any)
		f = m
	}
	if f == nil || s.LoadedAtField == "" {
		return f, false
	}
	_, w := f["warn_after"].(map[string]any)
	_, e := f["error_after"].(map[string]any)
	return f, w || e
}

// periodSeconds converts {count, period} to seconds (0 when unset).
func periodSeconds(v any) float64 {
	m, _ := v.(map[string]any)
	if m == nil {
		return 0
	}
	count := float64(toInt(m["count"]))
	switch m["period"] {
	case "minute":
		return count * 60
	case "hour":
		return count * 3600
	case "day":
		return count * 86400
	}
	return 0
}

// RunFreshness checks the given sources (unique IDs) on opts.Threads workers.
func RunFreshness(ctx context.Context, res *compiler.Result, db adapters.DB, ids []string, opts FreshnessOptions) (*FreshnessSummary, error) {
	start := time.Now()
	p := opts.Printer
	if p == nil {
		p = NewPrinter(nil, false)
	}
	sum := &FreshnessSummary{}
	var todo []*manifest.SourceDef
	for _, id := range ids {
		s := res.Manifest.Sources[id]
		if s == nil {
			continue
		}
		if _, ok := FreshnessPolicy(s); !ok {
			sum.Skipped = append(sum.Skipped, id)
			continue
		}
		todo = append(todo, s)
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].UniqueID < todo[j].UniqueID })
	threads := max(opts.Threads, 1)
	p.Line("Concurrency: %d threads", threads)
	p.Line("")
	results := make([]FreshnessResult, len(todo))
	var counter int
	var mu sync.Mutex
	next := func() int {
		mu.Lock()
		defer mu.Unlock()
		counter++
		return counter
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := db.Conn(ctx)
			for i := range jobs {
				s := todo[i]
				idx := next()
				label := "freshness of " + s.SourceName + "." + s.Name
				p.Progress(idx, len(todo), "START "+label, "RUN", 0, false)
				r := FreshnessResult{Source: s, Err: err, Status: "runtime error"}
				if err == nil {
					r = checkFreshness(ctx, c, s)
				}
				status := map[string]string{"pass": "PASS", "warn": "WARN", "error": "ERROR STALE", "runtime error": "ERROR"}[r.Status]
				p.Progress(idx, len(todo), status+" "+label, status, r.Elapsed, true)
				if opts.Events != nil {
					level := map[string]string{"pass": "info", "warn": "warn"}[r.Status]
					if level == "" {
						level = "error"
					}
					opts.Events.Emit("LogFreshnessResult", "Q018", level, fmt.Sprintf("%d of %d %s %s", idx, len(todo), status, label), map[string]any{
						"status": r.Status, "source_name": s.SourceName, "table_name": s.Name, "index": idx, "total": len(todo),
						"execution_time": r.Elapsed.Seconds(), "node_info": map[string]any{"unique_id": s.UniqueID, "resource_type": "source", "node_name": s.Name},
					})
				}
				results[i] = r
			}
			if c != nil {
				c.Close()
			}
		}()
	}
	for i := range todo {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	sum.Results = results
	for _, r := range results {
		switch r.Status {
		case "pass":
			sum.Pass++
		case "warn":
			sum.Warn++
		case "error":
			sum.Error++
		default:
			sum.RuntimeError++
		}
	}
	sum.Elapsed = time.Since(start)
	if opts.Output != "" {
		if err := manifest.WriteJSONFile(opts.Output, sourcesJSON(sum, opts, start)); err != nil {
			return sum, fmt.Errorf("writing %s: %w", opts.Output, err)
		}
	}
	return sum, nil
}

func checkFreshness(ctx context.Context, c adapters.Conn, s *manifest.SourceDef) FreshnessResult {
	start := time.Now()
	pol, _ := FreshnessPolicy(s)
	r := FreshnessResult{Source: s, Criteria: pol}
	rel := adapters.Relation{Database: s.Database, Schema: s.Schema, Identifier: s.Identifier}
	q := "select max(" + s.LoadedAtField + ") as max_loaded_at, current_timestamp as snapshotted_at from " + relSQL(c, rel)
	if f, _ := pol["filter"].(string); strings.TrimSpace(f) != "" {
		q += " where " + f
	}
	t, _, err := c.Query(ctx, q, 1)
	done := time.Now()
	r.Timing = []manifest.Timing{{Name: "execute", StartedAt: manifest.FormatTime(start), CompletedAt: manifest.FormatTime(done)}}
	r.Elapsed = done.Sub(start)
	if err == nil && (t == nil || len(t.Rows) != 1 || len(t.Rows[0]) != 2) {
		err = fmt.Errorf("the freshness query returned no row")
	}
	if err != nil {
		r.Status, r.Err = "runtime error", fmt.Errorf("source %s.%s: %v", s.SourceName, s.Name, err)
		return r
	}
	snap, ok := t.Rows[0][1].(time.Time)
	if !ok {
		snap = time.Now().UTC()
	}
	r.SnapshottedAt = snap.UTC()
	switch v := t.Rows[0][0].(type) {
	case time.Time:
		r.MaxLoadedAt = v.UTC()
	case nil:
		r.MaxLoadedAt = time.Time{} // an empty table is as stale as can be
	default:
		r.Status, r.Err = "runtime error", fmt.Errorf("source %s.%s: loaded_at_field %s is not a timestamp (got %v, cast it to a timestamp in loaded_at_field or loaded_at_query)", s.SourceName, s.Name, s.LoadedAtField, v)
		return r
	}
	r.Age = r.SnapshottedAt.Sub(r.MaxLoadedAt).Seconds()
	if r.MaxLoadedAt.IsZero() {
		r.Age = r.SnapshottedAt.Sub(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)).Seconds()
	}
	r.Status = "pass"
	if e := periodSeconds(pol["error_after"]); e > 0 && r.Age > e {
		r.Status = "error"
	} else if w := periodSeconds(pol["warn_after"]); w > 0 && r.Age > w {
		r.Status = "warn"
	}
	return r
}

func timeJSON(v any) any {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	out := map[string]any{"count": nil, "period": nil}
	if c, ok := m["count"]; ok && c != nil {
		out["count"] = toInt(c)
	}
	if p, ok := m["period"].(string); ok {
		out["period"] = p
	}
	return out
}

func sourcesJSON(sum *FreshnessSummary, opts FreshnessOptions, start time.Time) map[string]any {
	results := make([]any, 0, len(sum.Results))
	for _, r := range sum.Results {
		if r.Status == "runtime error" {
			msg := ""
			if r.Err != nil {
				msg = r.Err.Error()
			}
			results = append(results, map[string]any{"unique_id": r.Source.UniqueID, "error": msg, "status": "runtime error"})
			continue
		}
		var filter any
		if f, ok := r.Criteria["filter"].(string); ok && f != "" {
			filter = f
		}
		results = append(results, map[string]any{
			"unique_id":                   r.Source.UniqueID,
			"max_loaded_at":               r.MaxLoadedAt.Format("2006-01-02T15:04:05.000000Z"),
			"snapshotted_at":              r.SnapshottedAt.Format("2006-01-02T15:04:05.000000Z"),
			"max_loaded_at_time_ago_in_s": r.Age,
			"status":                      r.Status,
			"criteria":                    map[string]any{"warn_after": timeJSON(r.Criteria["warn_after"]), "error_after": timeJSON(r.Criteria["error_after"]), "filter": filter},
			"adapter_response":            map[string]any{},
			"timing":                      r.Timing,
			"thread_id":                   "Thread-1",
			"execution_time":              r.Elapsed.Seconds(),
		})
	}
	started := opts.Started
	if started.IsZero() {
		started = start
	}
	return map[string]any{
		"metadata": map[string]any{
			"dbt_schema_version": manifest.SourcesSchema, "dbt_version": compiler.DbtVersion,
			"generated_at": manifest.FormatTime(time.Now()), "invocation_id": opts.InvocationID,
			"invocation_started_at": manifest.FormatTime(started), "env": map[string]string{},
		},
		"results":      results,
		"elapsed_time": sum.Elapsed.Seconds(),
	}
}

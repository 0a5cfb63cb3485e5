package cli

import (
	"sort"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// compileResults collects what `compile` and `docs generate` write to
// run_results.json, as dbt does: one result per compiled node (models,
// tests, snapshots, analyses, seeds and the project hooks' operation
// nodes), status success or error, timing compile + execute, the worker
// thread, the compiled code. Safe for concurrent use by the workers.
type compileResults struct {
	mu      sync.Mutex
	results []manifest.RunResult
}

// add records one node's outcome; compiled is when its rendering ended.
func (c *compileResults) add(n *manifest.Node, thread string, started, compiled time.Time, sql string, err error) {
	if err == nil && n.ResourceType == manifest.Model && n.Config.String("materialized", "") == "ephemeral" {
		return // dbt never queues an ephemeral model: it is compiled into the nodes that use it
	}
	done := time.Now()
	rr := manifest.RunResult{
		Status: manifest.StatusSuccess, ThreadID: thread, ExecutionTime: done.Sub(started).Seconds(),
		AdapterResponse: map[string]any{}, UniqueID: n.UniqueID,
		Timing: []manifest.Timing{{Name: "compile", StartedAt: manifest.FormatTime(started), CompletedAt: manifest.FormatTime(compiled)}},
	}
	if err != nil {
		msg := err.Error()
		rr.Status, rr.Message = manifest.StatusError, &msg
	} else {
		rr.Timing = append(rr.Timing, manifest.Timing{Name: "execute", StartedAt: manifest.FormatTime(compiled), CompletedAt: manifest.FormatTime(done)})
		if n.ResourceType != manifest.Seed {
			// dbt leaves a seed's compiled fields null here.
			t, code := true, sql
			rr.Compiled, rr.CompiledCode = &t, &code
		}
	}
	if n.RelationName != "" && n.ResourceType != manifest.Seed {
		rel := n.RelationName
		rr.RelationName = &rel
	}
	c.mu.Lock()
	c.results = append(c.results, rr)
	c.mu.Unlock()
}

// write writes target/run_results.json (unless --no-write-json), results in
// the order nodes finished (ties by id, so that a sequential compile is
// reproducible).
func (c *compileResults) write(s *session, which string) error {
	if !s.writeJSON() {
		return nil
	}
	c.mu.Lock()
	results := append([]manifest.RunResult{}, c.results...)
	c.mu.Unlock()
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i].Timing[len(results[i].Timing)-1].CompletedAt, results[j].Timing[len(results[j].Timing)-1].CompletedAt
		return a < b || a == b && results[i].UniqueID < results[j].UniqueID
	})
	rr := manifest.RunResults{
		Metadata: manifest.BaseMetadata{DbtSchemaVersion: manifest.RunResultsSchema, DbtVersion: "1.11.0",
			GeneratedAt: manifest.FormatTime(time.Now()), InvocationID: s.invID, InvocationStartedAt: manifest.FormatTime(s.started), Env: map[string]string{}},
		Results: results, ElapsedTime: time.Since(s.started).Seconds(), Args: s.invocationArgs(which),
	}
	return manifest.WriteJSONFile(s.targetDir+"/run_results.json", rr)
}

// compiledHooks lists the project hooks' operation nodes that `compile` and
// `docs generate` render: every hook when no --select/--selector narrows the
// selection (dbt's default selection, fqn:*, matches the hooks' fqn), none
// otherwise.
func compiledHooks(s *session, f *commonFlags) []*manifest.Node {
	if len(f.selects) > 0 || f.selectorName != "" {
		return nil
	}
	ids := make([]string, 0, len(s.res.Manifest.Hooks))
	for id := range s.res.Manifest.Hooks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]*manifest.Node, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.res.Manifest.Hooks[id])
	}
	return out
}

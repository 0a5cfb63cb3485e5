package cli

// kiln clone --state DIR: make this target's relations point at another
// environment's. DuckDB and PostgreSQL cannot clone tables, so, as dbt does
// on them, each selected model, seed and snapshot becomes a view
// `select * from <state relation>`. A relation that already exists is left
// alone unless --full-refresh.

import (
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

func newCloneCmd(e *env) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "clone",
		Short: "Create this target's relations as views over the --state environment's relations",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runClone(cmd, e, f) },
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 0, "accepted for compatibility; clones run one after another")
	fl.BoolVarP(&f.fullRefresh, "full-refresh", "f", false, "replace relations that already exist in this target")
	return cmd
}

func runClone(cmd *cobra.Command, e *env, f *commonFlags) error {
	ctx := cmd.Context()
	s, err := e.load(ctx, f, "clone")
	if err != nil {
		return err
	}
	if s.state == nil {
		return exitWith(ExitUsage, fmt.Errorf("kiln clone needs --state DIR: the target/ directory of the environment to clone from"))
	}
	if err := s.writeManifest(); err != nil {
		return writingManifest(err)
	}
	ids, err := s.selectNodes([]string{manifest.Model, manifest.Seed, manifest.Snapshot})
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	type job struct {
		n   *manifest.Node
		src adapters.Relation
	}
	var jobs []job
	for _, id := range ids {
		n := s.res.Manifest.Nodes[id]
		if n.ResourceType == manifest.Model && n.Config.Materialized() == "ephemeral" {
			continue
		}
		if src, ok := s.state.Relation(id); ok {
			jobs = append(jobs, job{n, src})
		}
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].n.UniqueID < jobs[j].n.UniqueID })
	s.found()
	start := time.Now()
	results := []manifest.RunResult{}
	errorsN := 0
	if len(jobs) > 0 {
		conn, db, closeConn, err := s.openConn(ctx)
		if err != nil {
			return err
		}
		defer closeConn()
		release, err := s.lockTarget(ctx, db, "clone")
		if err != nil {
			return err
		}
		defer release()
		s.p.Line("Concurrency: 1 threads (target='%s')", s.profile.Target)
		s.p.Line("")
		for i, j := range jobs {
			t0 := time.Now()
			target := s.res.Relation(j.n)
			label := fmt.Sprintf("%s.%s", target.Schema, target.Identifier)
			rr := manifest.RunResult{UniqueID: j.n.UniqueID, ThreadID: "main", AdapterResponse: map[string]any{}}
			msg, status := "", manifest.StatusSuccess
			same := target.Database == j.src.Database && target.Schema == j.src.Schema && target.Identifier == j.src.Identifier
			existing, gerr := conn.GetRelation(ctx, target.Database, target.Schema, target.Identifier)
			switch {
			case gerr != nil:
				status, msg = manifest.StatusError, gerr.Error()
			case same:
				msg = "No-op: the state relation is this target's relation"
			case existing != nil && !f.fullRefresh:
				msg = fmt.Sprintf("No-op: %s already exists (use --full-refresh to replace it)", label)
			default:
				if err := conn.CreateSchema(ctx, target.Database, target.Schema); err != nil {
					status, msg = manifest.StatusError, err.Error()
					break
				}
				if existing != nil && existing.Type == adapters.RelTable {
					// Materialize swaps like for like; a table becomes a view.
					if err := conn.DropRelation(ctx, *existing); err != nil {
						status, msg = manifest.StatusError, err.Error()
						break
					}
				}
				target.Type = adapters.RelView
				resp, err := conn.Materialize(ctx, adapters.MaterializeRequest{Target: target, Kind: adapters.RelView, SQL: "select * from " + j.src.RenderWith(conn.Dialect().Quote)})
				if err != nil {
					status, msg = manifest.StatusError, err.Error()
					break
				}
				rr.AdapterResponse = map[string]any{"_message": resp.Message, "code": resp.Code, "rows_affected": resp.RowsAffected}
				msg = "Cloned " + j.n.ResourceType + " " + label + " as a view of " + j.src.RenderWith(conn.Dialect().Quote)
			}
			el := time.Since(t0)
			rr.Status, rr.ExecutionTime = status, el.Seconds()
			rr.Message = &msg
			rr.Timing = []manifest.Timing{{Name: "execute", StartedAt: manifest.FormatTime(t0), CompletedAt: manifest.FormatTime(time.Now())}}
			rel := target.RenderWith(conn.Dialect().Quote)
			rr.RelationName = &rel
			results = append(results, rr)
			if status == manifest.StatusError {
				errorsN++
				s.p.Progress(i+1, len(jobs), "ERROR cloning "+j.n.ResourceType+" "+label, "ERROR", el, true)
				e.errLine(fmt.Sprintf("Error in %s %s: %s", j.n.ResourceType, j.n.Name, msg))
			} else {
				s.p.Progress(i+1, len(jobs), "OK cloned "+j.n.ResourceType+" "+label, "OK", el, true)
			}
		}
	}
	out := manifest.RunResults{
		Metadata: manifest.BaseMetadata{DbtSchemaVersion: manifest.RunResultsSchema, DbtVersion: compiler.DbtVersion,
			GeneratedAt: manifest.FormatTime(time.Now()), InvocationID: s.invID, InvocationStartedAt: manifest.FormatTime(s.started), Env: map[string]string{}},
		Results: results, ElapsedTime: time.Since(start).Seconds(), Args: s.invocationArgs("clone"),
	}
	werr := manifest.WriteJSONFile(s.targetDir+"/run_results.json", out)
	s.p.Line("")
	s.p.Line("Done. PASS=%d WARN=0 ERROR=%d SKIP=0 NO-OP=0 TOTAL=%d", len(results)-errorsN, errorsN, len(results))
	var art error
	if werr != nil {
		art = artifactErr(fmt.Errorf("writing run_results.json: %w", werr), true)
	}
	if errorsN > 0 {
		return exitWith(ExitFailure, art)
	}
	if art != nil {
		return exitWith(ExitUsage, art)
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/run"
)

// resource types each executing command works on.
var commandTypes = map[string][]string{
	"run":      {manifest.Model},
	"test":     {manifest.Test, manifest.UnitTest},
	"seed":     {manifest.Seed},
	"build":    {manifest.Model, manifest.Seed, manifest.Test, manifest.Snapshot, manifest.UnitTest},
	"snapshot": {manifest.Snapshot},
}

func newExecCmd(e *env, name, short string) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExec(cmd, e, f, name)
		},
	}
	f.register(cmd, true)
	f.registerExec(cmd)
	if name == "seed" || name == "build" {
		cmd.Flags().BoolVar(&f.show, "show", false, "after loading, print a random sample of up to 10 rows of each seed")
	}
	if name == "run" || name == "build" {
		cmd.Flags().StringVar(&f.eventTimeStart, "event-time-start", "", "microbatch models: rebuild batches from this time (e.g. 2024-01-01 or '2024-01-01 06:00:00', UTC)")
		cmd.Flags().StringVar(&f.eventTimeEnd, "event-time-end", "", "microbatch models: rebuild batches up to this time, exclusive (UTC)")
		cmd.Flags().StringVar(&f.sample, "sample", "", "build on recent data: refs and sources with an event_time read only this window ('3 days', or '{start: 2024-01-01, end: 2024-02-01}'; default: DBT_SAMPLE)")
	}
	return cmd
}

// eventTimeRange parses --event-time-start/--event-time-end.
func (f *commonFlags) eventTimeRange() (start, end *time.Time, err error) {
	for _, p := range []struct {
		flag, val string
		dst       **time.Time
	}{{"--event-time-start", f.eventTimeStart, &start}, {"--event-time-end", f.eventTimeEnd, &end}} {
		if strings.TrimSpace(p.val) == "" {
			continue
		}
		t, perr := run.ParseEventTime(p.val)
		if perr != nil {
			return nil, nil, fmt.Errorf("%s %q is not a date or timestamp (use e.g. 2024-01-01 or '2024-01-01 06:00:00')", p.flag, p.val)
		}
		*p.dst = &t
	}
	if start != nil && end != nil && !start.Before(*end) {
		return nil, nil, fmt.Errorf("--event-time-start (%s) must be before --event-time-end (%s)", f.eventTimeStart, f.eventTimeEnd)
	}
	return start, end, nil
}

func runExec(cmd *cobra.Command, e *env, f *commonFlags, which string) error {
	ctx := cmd.Context()
	s, err := e.load(ctx, f, which)
	if err != nil {
		return err
	}
	return s.execute(ctx, which, nil)
}

// execute runs command which over the selection, or over exactly the nodes
// in only when it is non-nil (kiln retry).
func (s *session) execute(ctx context.Context, which string, only []string) error {
	defer s.discardEarly() // nothing selected, or an error before openDB
	f := s.flags
	etStart, etEnd, err := f.eventTimeRange()
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if err := s.writeManifest(); err != nil {
		return writingManifest(err)
	}
	s.found()
	selected, err := s.selectNodes(commandTypes[which])
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if only != nil {
		selected = s.retryable(only, commandTypes[which])
	}
	if len(selected) == 0 {
		s.p.Event("NothingToDo", "Q035", "warn", "Nothing to do. Try checking your model configs and model specification args", nil)
		if err := writeEmptyResults(s, which); err != nil {
			return exitWith(ExitUsage, artifactErr(fmt.Errorf("writing run_results.json: %w", err), false))
		}
		// dbt still ends with its summary: "Completed successfully" and a
		// Done line of zeros.
		s.p.Line("")
		s.p.Event("EndOfRunSummary", "Z030", "info", s.p.Colored("green", "Completed successfully"),
			map[string]any{"num_errors": 0, "num_warnings": 0, "num_partial_success": 0, "keyboard_interrupt": false})
		s.p.Line("")
		s.statsLine(&run.Summary{})
		return nil
	}
	db, err := s.openDB(ctx, f.threads)
	if err != nil {
		_ = writeEmptyResults(s, which) // failing anyway
		return err
	}
	defer db.Close()
	release, err := s.lockTarget(ctx, db, which)
	if err != nil {
		_ = writeEmptyResults(s, which) // failing anyway
		return err
	}
	defer release()
	s.adapterRegistered(db)
	if s.res.Defer, err = s.deferRelations(ctx, db, selected); err != nil {
		_ = writeEmptyResults(s, which) // failing anyway
		return exitWith(ExitUsage, fmt.Errorf("--defer: %v", err))
	}
	var onStart, onEnd []string
	if which != "compile" {
		for _, h := range s.proj.OnRunStart {
			onStart = append(onStart, h.SQL)
		}
		for _, h := range s.proj.OnRunEnd {
			onEnd = append(onEnd, h.SQL)
		}
	}
	r := run.New(s.res, db, run.Options{
		Command: which, Threads: f.threads, FailFast: f.failFast, FullRefresh: f.fullRefresh,
		WarnError: f.warnError, TargetDir: s.targetDir, TargetName: s.profile.Target, Printer: s.p,
		Selected: selected, OnRunStart: onStart, OnRunEnd: onEnd,
		Args:  s.invocationArgs(which),
		Debug: f.ci.debug, StoreFailures: f.ci.storeFailures, WarnErrorOptions: f.ci.weo, Observer: s.observer(),
		EventTimeStart: etStart, EventTimeEnd: etEnd, NoArtifacts: !s.writeJSON(),
	})
	sum, err := r.Execute(ctx)
	// The manifest now holds compiled code; rewrite it.
	merr := s.writeManifest()
	if err == nil && f.show && !sum.Cancelled {
		s.showSeeds(ctx, db, sum)
	}
	if err != nil {
		if ctx.Err() != nil {
			return exitWith(ExitInterrupt, fmt.Errorf("interrupted: running statements were cancelled and rolled back"))
		}
		var pe *run.PreflightError
		if errors.As(err, &pe) {
			return exitWith(ExitUsage, fmt.Errorf("%v\nkiln found %d problem%s in unit tests; nothing was run", pe, len(pe.Problems), pl(len(pe.Problems))))
		}
		return exitWith(ExitFailure, err)
	}
	printSummary(s, sum)
	if err := s.ciReport(which, sum); err != nil {
		return err
	}
	if sum.Cancelled {
		s.p.Event("MainKeyboardInterrupt", "Z001", "info", "ctrl-c: running statements were cancelled and rolled back; target/run_results.json lists what finished", nil)
		return exitWith(ExitInterrupt, nil)
	}
	var art error
	if werr := firstErr(sum.ArtifactError, merr); werr != nil {
		if werr == merr {
			werr = fmt.Errorf("writing manifest.json: %w", merr)
		}
		art = artifactErr(werr, true)
	}
	if sum.Errors > 0 || len(sum.HookErrors) > 0 {
		return exitWith(ExitFailure, art)
	}
	if art != nil {
		return exitWith(ExitUsage, art)
	}
	return nil
}

func writeEmptyResults(s *session, which string) error {
	if !s.writeJSON() {
		return nil
	}
	rr := manifest.RunResults{
		Metadata: manifest.BaseMetadata{DbtSchemaVersion: manifest.RunResultsSchema, DbtVersion: "1.11.0",
			GeneratedAt: manifest.FormatTime(time.Now()), InvocationID: s.invID, InvocationStartedAt: manifest.FormatTime(s.started), Env: map[string]string{}},
		Results: []manifest.RunResult{}, Args: s.invocationArgs(which),
	}
	return manifest.WriteJSONFile(s.targetDir+"/run_results.json", rr)
}

// printSummary prints the Finished line, failures and the Done line.
func printSummary(s *session, sum *run.Summary) {
	m := s.res.Manifest
	line := statLine(m, sum.Results)
	el := sum.Elapsed.Seconds()
	s.p.Line("")
	execution := fmt.Sprintf(" in %d hours %d minutes and %.2f seconds", int(el)/3600, (int(el)%3600)/60, el-float64(int(el)/60*60))
	s.p.Event("FinishedRunningStats", "E047", "info", fmt.Sprintf("Finished running %s%s (%.2fs).", line, execution, el),
		map[string]any{"stat_line": line, "execution": execution, "execution_time": el})
	s.p.Line("")
	summary := map[string]any{"num_errors": sum.Errors, "num_warnings": sum.Warnings, "num_partial_success": partialSuccesses(sum), "keyboard_interrupt": sum.Cancelled}
	if sum.Cancelled {
		s.interrupted(sum, summary)
		return
	}
	if sum.Errors == 0 && sum.Warnings == 0 && len(sum.HookErrors) == 0 {
		s.p.Event("EndOfRunSummary", "Z030", "info", s.p.Colored("green", "Completed successfully"), summary)
	} else {
		if errs := sum.Errors; errs > 0 {
			s.p.Event("EndOfRunSummary", "Z030", "info", s.p.Colored("red", fmt.Sprintf("Completed with %d error%s, %d partial successes, and %d warning%s:", errs, pl(errs), partialSuccesses(sum), sum.Warnings, pl(sum.Warnings))), summary)
		} else {
			s.p.Event("EndOfRunSummary", "Z030", "info", s.p.Colored("yellow", fmt.Sprintf("Completed with %d warning%s:", sum.Warnings, pl(sum.Warnings))), summary)
		}
		for _, r := range sum.Results {
			n := nodeOrHook(m, r.UniqueID)
			if n == nil {
				continue
			}
			msg := ""
			if r.Message != nil {
				msg = *r.Message
			}
			// As dbt: the events name the node (node_info), and where the
			// compiled SQL is comes as an event of its own.
			msg, compiledAt := splitCompiledAt(msg)
			info := s.e.log.NodeInfo(n, r.Status)
			withInfo := func(d map[string]any) map[string]any {
				if info != nil {
					d["node_info"] = info
				}
				return d
			}
			head := withInfo(map[string]any{"resource_type": n.ResourceType, "node_name": n.Name, "path": n.OriginalFilePath})
			body := "  " + strings.ReplaceAll(msg, "\n", "\n  ")
			switch r.Status {
			case manifest.StatusError, run.StatusPartialSuccess:
				s.p.Line("")
				s.p.Event("RunResultFailure", "Z022", "error", s.p.Colored("red", fmt.Sprintf("Error in %s %s (%s)", n.ResourceType, n.Name, n.Shown())), head)
				s.p.Event("RunResultError", "Z024", "error", body, withInfo(map[string]any{"msg": msg}))
			case manifest.StatusFail:
				s.p.Line("")
				s.p.Event("RunResultFailure", "Z022", "error", s.p.Colored("red", fmt.Sprintf("Failure in %s %s (%s)", n.ResourceType, n.Name, n.Shown())), head)
				s.p.Event("RunResultError", "Z024", "error", body, withInfo(map[string]any{"msg": msg}))
			case manifest.StatusWarn:
				s.p.Line("")
				s.p.Event("RunResultWarning", "Z021", "warn", s.p.Colored("yellow", fmt.Sprintf("Warning in %s %s (%s)", n.ResourceType, n.Name, n.Shown())), head)
				s.p.Event("RunResultWarningMessage", "Z046", "warn", body, withInfo(map[string]any{"msg": msg}))
			default:
				continue
			}
			if compiledAt != "" {
				s.p.Line("")
				s.p.Event("SQLCompiledPath", "Z026", "info", "  compiled code at "+compiledAt, withInfo(map[string]any{"path": compiledAt}))
			}
		}
	}
	s.p.Line("")
	s.statsLine(sum)
}

// statLine is FinishedRunningStats' "1 project hook, 3 seeds, 2 table
// models, 28 data tests": one count per resource type (models by
// materialization, project hooks as "project hook"), ordered by dbt's key
// (the resource type's own name: "test" sorts after "table model"), plural
// as dbt spells it ("data tests", but "1 test").
func statLine(m *manifest.Manifest, results []manifest.RunResult) string {
	counts := map[string]int{}
	for _, r := range results {
		n := nodeOrHook(m, r.UniqueID)
		if n == nil {
			continue
		}
		key := n.ResourceType
		switch n.ResourceType {
		case manifest.Model:
			key = n.Config.Materialized() + " model"
		case manifest.Operation:
			key = "project hook"
		}
		counts[key]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		w := k
		if counts[k] != 1 {
			switch k {
			case manifest.Test:
				w = "data_tests"
			case manifest.Analysis:
				w = "analyses"
			default:
				w += "s"
			}
		}
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], strings.ReplaceAll(w, "_", " ")))
	}
	return strings.Join(parts, ", ")
}

// nodeOrHook finds a result's node: a DAG node, or a project hook's
// operation node.
func nodeOrHook(m *manifest.Manifest, id string) *manifest.Node {
	if n := m.Nodes[id]; n != nil {
		return n
	}
	return m.Hooks[id]
}

// splitCompiledAt separates the "compiled code at PATH" line the runner
// appends to a failed node's message.
func splitCompiledAt(msg string) (string, string) {
	const marker = "\n  compiled code at "
	i := strings.LastIndex(msg, marker)
	if i < 0 || strings.Contains(msg[i+len(marker):], "\n") {
		return msg, ""
	}
	return msg[:i], msg[i+len(marker):]
}

func pl(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func partialSuccesses(sum *run.Summary) int {
	n := 0
	for _, r := range sum.Results {
		if r.Status == run.StatusPartialSuccess {
			n++
		}
	}
	return n
}

// interrupted is dbt's summary after Ctrl-C: "Exited because of keyboard
// interrupt" and the errors of nodes that finished before it — not a SKIP
// line for every node that never ran.
func (s *session) interrupted(sum *run.Summary, summary map[string]any) {
	s.p.Event("EndOfRunSummary", "Z030", "info", s.p.Colored("yellow", "Exited because of keyboard interrupt"), summary)
	m := s.res.Manifest
	for _, r := range sum.Results {
		n := m.Nodes[r.UniqueID]
		if n == nil || r.Message == nil || (r.Status != manifest.StatusError && r.Status != manifest.StatusFail) || run.IsCancelled(r) {
			continue
		}
		s.p.Line("")
		s.p.Event("RunResultFailure", "Z022", "error", s.p.Colored("red", fmt.Sprintf("Failure in %s %s (%s)", n.ResourceType, n.Name, n.Shown())),
			map[string]any{"resource_type": n.ResourceType, "node_name": n.Name, "path": n.OriginalFilePath})
		s.p.Event("RunResultError", "Z024", "error", "  "+strings.ReplaceAll(*r.Message, "\n", "\n  "), map[string]any{"msg": *r.Message})
	}
	s.p.Line("")
}

// showSeeds is seed --show: "Random sample of table: schema.alias" and up
// to 10 random rows of every seed that loaded (dbt's SeedHeader, Q004).
func (s *session) showSeeds(ctx context.Context, db adapters.DB, sum *run.Summary) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	for _, r := range sum.Results {
		n := s.res.Manifest.Nodes[r.UniqueID]
		if n == nil || n.ResourceType != manifest.Seed || r.Status != manifest.StatusSuccess {
			continue
		}
		rel := adapters.Relation{Database: n.Database, Schema: n.Schema, Identifier: n.Alias}
		tbl, _, err := conn.Query(ctx, "select * from "+rel.RenderWith(conn.Dialect().Quote)+" order by random() limit 10", 0)
		if err != nil {
			s.warnEvent("Note", "Z050", fmt.Sprintf("Warning: could not sample seed %s: %v", n.Name, err), nil)
			continue
		}
		header := fmt.Sprintf("Random sample of table: %s.%s", n.Schema, n.Alias)
		s.p.Line("")
		s.p.Event("SeedHeader", "Q004", "info", header, map[string]any{"header": header})
		s.p.Event("Formatting", "Z017", "info", strings.Repeat("-", len(header)), map[string]any{"msg": strings.Repeat("-", len(header))})
		var buf strings.Builder
		printTable(&buf, tbl)
		s.e.dataLine(strings.TrimRight(buf.String(), "\n"))
		s.p.Line("")
	}
}

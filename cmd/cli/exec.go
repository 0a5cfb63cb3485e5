package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

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
	if name == "run" || name == "build" {
		cmd.Flags().StringVar(&f.eventTimeStart, "event-time-start", "", "microbatch models: rebuild batches from this time (e.g. 2024-01-01 or '2024-01-01 06:00:00', UTC)")
		cmd.Flags().StringVar(&f.eventTimeEnd, "event-time-end", "", "microbatch models: rebuild batches up to this time, exclusive (UTC)")
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
	f := s.flags
	etStart, etEnd, err := f.eventTimeRange()
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if err := s.writeManifest(); err != nil {
		return writingManifest(err)
	}
	selected, err := s.selectNodes(commandTypes[which])
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if only != nil {
		selected = s.retryable(only, commandTypes[which])
	}
	s.found()
	if len(selected) == 0 {
		s.p.Line("Nothing to do. Try checking your model configs and model specification args")
		if err := writeEmptyResults(s, which); err != nil {
			return exitWith(ExitUsage, artifactErr(fmt.Errorf("writing run_results.json: %w", err), false))
		}
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
	s.p.Line("Registered adapter: %s=%s", s.adapter.Type(), db.Version())
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
		EventTimeStart: etStart, EventTimeEnd: etEnd,
	})
	sum, err := r.Execute(ctx)
	// The manifest now holds compiled code; rewrite it.
	merr := s.writeManifest()
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
		return exitWith(ExitInterrupt, fmt.Errorf("interrupted: running statements were cancelled and rolled back; target/run_results.json lists what finished"))
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
	counts := map[string]int{}
	for _, r := range sum.Results {
		n := m.Nodes[r.UniqueID]
		if n == nil {
			continue
		}
		key := n.ResourceType
		switch n.ResourceType {
		case manifest.Model:
			key = n.Config.Materialized() + " model"
		case manifest.Test:
			key = "data test"
		case manifest.UnitTest:
			key = "unit test"
		}
		counts[key]++
	}
	var parts []string
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := k
		if counts[k] != 1 {
			w += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], w))
	}
	el := sum.Elapsed.Seconds()
	s.p.Line("")
	s.p.Line("Finished running %s in %d hours %d minutes and %.2f seconds (%.2fs).", strings.Join(parts, ", "), int(el)/3600, (int(el)%3600)/60, el-float64(int(el)/60*60), el)
	s.p.Line("")
	for _, h := range sum.HookErrors {
		s.p.Line("%s", s.p.Colored("red", "Error in "+h))
	}
	if sum.Errors == 0 && sum.Warnings == 0 && len(sum.HookErrors) == 0 {
		s.p.Line("%s", s.p.Colored("green", "Completed successfully"))
	} else {
		if errs := sum.Errors + len(sum.HookErrors); errs > 0 {
			s.p.Line("%s", s.p.Colored("red", fmt.Sprintf("Completed with %d error%s, 0 partial successes, and %d warning%s:", errs, pl(errs), sum.Warnings, pl(sum.Warnings))))
		} else {
			s.p.Line("%s", s.p.Colored("yellow", fmt.Sprintf("Completed with %d warning%s:", sum.Warnings, pl(sum.Warnings))))
		}
		for _, r := range sum.Results {
			n := m.Nodes[r.UniqueID]
			if n == nil {
				continue
			}
			msg := ""
			if r.Message != nil {
				msg = *r.Message
			}
			switch r.Status {
			case manifest.StatusError, run.StatusPartialSuccess:
				s.p.Line("")
				s.p.Line("%s", s.p.Colored("red", fmt.Sprintf("Error in %s %s (%s)", n.ResourceType, n.Name, n.OriginalFilePath)))
				s.p.Line("  %s", strings.ReplaceAll(msg, "\n", "\n  "))
			case manifest.StatusFail:
				s.p.Line("")
				s.p.Line("%s", s.p.Colored("red", fmt.Sprintf("Failure in %s %s (%s)", n.ResourceType, n.Name, n.OriginalFilePath)))
				s.p.Line("  %s", strings.ReplaceAll(msg, "\n", "\n  "))
			case manifest.StatusWarn:
				s.p.Line("")
				s.p.Line("%s", s.p.Colored("yellow", fmt.Sprintf("Warning in %s %s (%s)", n.ResourceType, n.Name, n.OriginalFilePath)))
				s.p.Line("  %s", strings.ReplaceAll(msg, "\n", "\n  "))
			}
		}
	}
	s.p.Line("")
	s.statsLine(sum)
}

func pl(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

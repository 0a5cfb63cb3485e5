package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/report"
	"github.com/kiln-dev/kiln/internal/run"
)

func newSourceCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "source",
		Short: "Commands about sources",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newFreshnessCmd(e))
	return cmd
}

type freshnessFlags struct {
	commonFlags
	output string
}

func newFreshnessCmd(e *env) *cobra.Command {
	f := &freshnessFlags{}
	cmd := &cobra.Command{
		Use:   "freshness",
		Short: "Check how recently each source was loaded (loaded_at_field, warn_after, error_after); writes target/sources.json",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFreshness(cmd, e, f)
		},
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 0, "parallel workers (default: the profile's threads)")
	fl.StringVarP(&f.output, "output", "o", "", "where to write sources.json (default: <target-path>/sources.json)")
	f.registerCI(cmd, false)
	return cmd
}

func runFreshness(cmd *cobra.Command, e *env, f *freshnessFlags) error {
	ctx := cmd.Context()
	s, err := e.load(ctx, &f.commonFlags, "freshness")
	if err != nil {
		return err
	}
	if err := s.writeManifest(); err != nil {
		return exitWith(ExitUsage, fmt.Errorf("writing manifest.json: %w", err))
	}
	var ids []string
	if len(f.selects) == 0 && len(f.excludes) == 0 && f.selectorName == "" {
		ids = manifest.Sorted(s.res.Manifest.Sources)
	} else if ids, err = s.selectNodes([]string{manifest.Source}); err != nil {
		return exitWith(ExitUsage, err)
	}
	s.found()
	out := f.output
	if out == "" {
		out = filepath.Join(s.targetDir, "sources.json")
	} else if !filepath.IsAbs(out) {
		out = filepath.Join(e.cwd, out)
	}
	db, err := s.openDB(ctx, f.threads)
	if err != nil {
		return err
	}
	defer db.Close()
	s.adapterRegistered(db)
	opts := run.FreshnessOptions{Threads: f.threads, Printer: s.p, Output: out, InvocationID: s.invID, Started: s.started}
	if e.log != nil {
		opts.Events = freshnessEvents{e.log}
	}
	sum, err := run.RunFreshness(ctx, s.res, db, ids, opts)
	if err != nil {
		return exitWith(ExitFailure, err)
	}
	for _, id := range sum.Skipped {
		src := s.res.Manifest.Sources[id]
		if f.ci.debug {
			s.p.Line("Skipping %s.%s: no freshness policy with a loaded_at_field", src.SourceName, src.Name)
		}
	}
	if len(sum.Results) == 0 {
		s.p.Line("Nothing to do: no selected source has a freshness policy (freshness: {warn_after|error_after}) and a loaded_at_field")
		return nil
	}
	el := sum.Elapsed.Seconds()
	s.p.Line("")
	s.p.Line("Finished running %d source%s in %d hours %d minutes and %.2f seconds (%.2fs).", len(sum.Results), pl(len(sum.Results)), int(el)/3600, (int(el)%3600)/60, el-float64(int(el)/60*60), el)
	s.p.Line("")
	bad := sum.Error + sum.RuntimeError
	if bad == 0 && sum.Warn == 0 {
		s.p.Line("%s", s.p.Colored("green", "Completed successfully"))
	}
	for _, r := range sum.Results {
		label := r.Source.SourceName + "." + r.Source.Name
		switch r.Status {
		case "runtime error":
			s.p.Line("%s", s.p.Colored("red", "Runtime error in source "+label+" ("+r.Source.OriginalFilePath+")"))
			s.p.Line("  %s", strings.ReplaceAll(r.Err.Error(), "\n", "\n  "))
		case "error":
			s.p.Line("%s", s.p.Colored("red", fmt.Sprintf("Source %s is stale: last loaded %s ago (%s), configured to error after %s", label, age(r.Age), r.MaxLoadedAt.Format("2006-01-02 15:04:05"), periodText(r.Criteria["error_after"]))))
		case "warn":
			s.p.Line("%s", s.p.Colored("yellow", fmt.Sprintf("Source %s: last loaded %s ago (%s), configured to warn after %s", label, age(r.Age), r.MaxLoadedAt.Format("2006-01-02 15:04:05"), periodText(r.Criteria["warn_after"]))))
		}
	}
	total := len(sum.Results)
	st := &run.Summary{Passed: sum.Pass, Warnings: sum.Warn, Errors: bad, Results: make([]manifest.RunResult, total)}
	s.p.Line("")
	s.statsLine(st)
	if bad > 0 || (sum.Warn > 0 && f.warnError) {
		return exitWith(ExitFailure, nil)
	}
	return nil
}

func age(sec float64) string {
	switch {
	case sec > 86400*365*100:
		return "never (no rows)"
	case sec >= 86400:
		return fmt.Sprintf("%.1f days", sec/86400)
	case sec >= 3600:
		return fmt.Sprintf("%.1f hours", sec/3600)
	case sec >= 60:
		return fmt.Sprintf("%.0f minutes", sec/60)
	}
	return fmt.Sprintf("%.0f seconds", sec)
}

func periodText(v any) string {
	m, _ := v.(map[string]any)
	unit := fmt.Sprint(m["period"])
	if fmt.Sprint(m["count"]) != "1" {
		unit += "s"
	}
	return fmt.Sprintf("%v %s", m["count"], unit)
}

// freshnessEvents hands freshness results to the logger as structured
// events; their console lines were printed as progress lines.
type freshnessEvents struct{ l *report.Logger }

func (f freshnessEvents) Emit(name, code, level, msg string, data map[string]any) {
	f.l.Result(name, code, level, msg, data)
}

package cli

// kiln retry: repeat the previous invocation (its flags are the `args` of
// run_results.json) over only the nodes that did not succeed: status error,
// fail, skipped, runtime error or partial success.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/state"
)

var retryStatuses = map[string]bool{"error": true, "fail": true, "skipped": true, "runtime error": true, "partial success": true}

func newRetryCmd(e *env) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "retry",
		Short: "Re-run the nodes that failed or were skipped in the previous run, with the same flags",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runRetry(cmd, e, f) },
	}
	f.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVar(&f.stateDir, "state", "", "read run_results.json from this directory instead of the target path")
	fl.IntVar(&f.threads, "threads", 0, "parallel workers (default: as in the previous run)")
	return cmd
}

func runRetry(cmd *cobra.Command, e *env, f *commonFlags) error {
	ctx := cmd.Context()
	f.mergeGlobals(e.g)
	dir, err := project.FindProjectDir(f.projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	path := ""
	if f.stateDir != "" {
		path = filepath.Join(absFrom(e.cwd, f.stateDir), "run_results.json")
	} else {
		targetDir := f.targetPath
		if targetDir == "" {
			proj, diags := compiler.LoadProject(dir, nil, e.getenv)
			if diags.HasErrors() {
				e.printDiags(diags)
				return exitWith(ExitUsage, fmt.Errorf("could not load %s", filepath.Join(dir, "dbt_project.yml")))
			}
			targetDir = firstNonEmpty(e.lookup("DBT_TARGET_PATH"), proj.TargetPath, "target")
		}
		if !filepath.IsAbs(targetDir) {
			targetDir = filepath.Join(dir, targetDir)
		}
		path = filepath.Join(targetDir, "run_results.json")
	}
	prev, err := state.LoadRunResults(path)
	if errors.Is(err, os.ErrNotExist) {
		return exitWith(ExitUsage, fmt.Errorf("kiln retry: no previous run to retry (%s does not exist); run kiln build/run/test/seed first", path))
	}
	if err != nil {
		return exitWith(ExitUsage, fmt.Errorf("kiln retry: %v", err))
	}
	which, _ := prev.Args["which"].(string)
	if _, ok := commandTypes[which]; !ok {
		if which == "" {
			which = "(unknown)"
		}
		var cmds []string
		for c := range commandTypes {
			cmds = append(cmds, c)
		}
		sort.Strings(cmds)
		return exitWith(ExitUsage, fmt.Errorf("kiln retry: the previous command was '%s'; retry supports %s (%s)", which, strings.Join(cmds, ", "), path))
	}
	var failed []string
	for _, id := range prev.Order {
		if retryStatuses[prev.Status[id]] {
			failed = append(failed, id)
		}
	}
	sort.Strings(failed)
	nf := flagsFromArgs(prev.Args, f)
	if len(failed) == 0 {
		e.dataLine(fmt.Sprintf("Nothing to retry: every node of the previous '%s' succeeded.", which))
		return nil
	}
	s, err := e.load(ctx, nf, which)
	if err != nil {
		return err
	}
	return s.execute(ctx, which, failed)
}

func absFrom(cwd, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cwd, p)
}

// flagsFromArgs rebuilds the flags of a recorded invocation; flags given to
// retry itself (locations, threads, fail-fast, output) take precedence.
func flagsFromArgs(a map[string]any, over *commonFlags) *commonFlags {
	str := func(k string) string { s, _ := a[k].(string); return s }
	boolean := func(k string) bool { b, _ := a[k].(bool); return b }
	list := func(k string) []string {
		var out []string
		if l, ok := a[k].([]any); ok {
			for _, x := range l {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	f := &commonFlags{
		projectDir: firstNonEmpty(over.projectDir, str("project_dir")), profilesDir: firstNonEmpty(over.profilesDir, str("profiles_dir")),
		profile: firstNonEmpty(over.profile, str("profile")), target: firstNonEmpty(over.target, str("target")),
		targetPath: firstNonEmpty(over.targetPath, str("target_path")),
		selects:    list("select"), excludes: list("exclude"), selectorName: str("selector"),
		resourceTypes: list("resource_types"), excludeResourceTypes: list("exclude_resource_types"),
		indirect: str("indirect_selection"), fullRefresh: boolean("full_refresh"),
		failFast: over.failFast || boolean("fail_fast"), warnError: boolean("warn_error"),
		stateDir: str("state"), deferState: str("defer_state"), deferOn: boolean("defer"), favorState: boolean("favor_state"),
		noColor: over.noColor, quiet: over.quiet, threads: over.threads,
	}
	if f.threads == 0 {
		if n, ok := a["threads"].(float64); ok {
			f.threads = int(n)
		}
	}
	if v, ok := a["vars"].(map[string]any); ok && len(v) > 0 {
		b, _ := json.Marshal(v)
		f.vars = string(b)
	}
	if over.vars != "" {
		f.vars = over.vars
	}
	return f
}

package cli

// kiln run-operation MACRO --args '{k: v}': call a macro with a live
// connection (execute=True), commit what it did, and exit 1 if it raises.

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
)

type runOpFlags struct {
	commonFlags
	args string
}

func newRunOperationCmd(e *env) *cobra.Command {
	f := &runOpFlags{}
	cmd := &cobra.Command{
		Use:   "run-operation MACRO",
		Short: "Call a macro (e.g. a grant or cleanup macro) with --args '{key: value}'",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runOperation(cmd, e, f, args[0]) },
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&f.args, "args", "", "the macro's keyword arguments as a YAML mapping, e.g. '{days: 7}'")
	return cmd
}

func runOperation(cmd *cobra.Command, e *env, f *runOpFlags, name string) error {
	ctx := cmd.Context()
	kwargs := map[string]any{}
	if strings.TrimSpace(f.args) != "" {
		if err := yaml.Unmarshal([]byte(f.args), &kwargs); err != nil {
			return exitWith(ExitUsage, fmt.Errorf("--args is not a YAML mapping: %v (example: --args '{days: 7}')", err))
		}
		kwargs = normalizeYAML(kwargs).(map[string]any)
	}
	s, err := e.load(ctx, &f.commonFlags, "run-operation")
	if err != nil {
		return err
	}
	if err := s.writeManifest(); err != nil {
		return writingManifest(err)
	}
	pkg, short := s.proj.Name, name
	if p, n, ok := strings.Cut(name, "."); ok {
		pkg, short = p, n
	}
	m, ok := s.res.Env.ResolveMacro(s.proj.Name, name)
	if !ok {
		var names []string
		for _, mc := range s.res.Env.Macros() {
			if mc.Package != "dbt" {
				names = append(names, mc.Name)
			}
		}
		msg := fmt.Sprintf("kiln could not find a macro named '%s' in any package", name)
		if hint := diag.DidYouMean(short, names); hint != "" {
			msg += " — " + hint
		}
		_ = writeOpResults(s, "macro."+pkg+"."+short, manifest.StatusError, msg, time.Now()) // failing anyway
		return exitWith(ExitFailure, fmt.Errorf("%s", msg))
	}
	id := "macro." + m.Package + "." + m.Name
	start := time.Now()
	conn, _, closeConn, err := s.openConn(ctx)
	if err != nil {
		return err
	}
	defer closeConn()
	op := &manifest.Node{
		UniqueID: "operation." + s.proj.Name + "." + m.Name, ResourceType: manifest.Operation, PackageName: s.proj.Name,
		Name: m.Name, OriginalFilePath: m.Path, Config: manifest.Config{}, Alias: m.Name,
	}
	jctx, _ := s.res.RuntimeContext(ctx, op, conn)
	_, callErr := s.res.Env.CallMacro(jctx, m.Package+"."+m.Name, nil, kwargs)
	if callErr == nil && conn.InTransaction() {
		callErr = conn.Commit(ctx)
	}
	if callErr != nil {
		if conn.InTransaction() {
			_ = conn.Rollback(ctx)
		}
		msg := (&compiler.RenderError{Node: op, Err: callErr}).Error()
		_ = writeOpResults(s, id, manifest.StatusError, msg, start) // failing anyway
		return exitWith(ExitFailure, fmt.Errorf("Encountered an error while running operation: %s", msg))
	}
	if err := writeOpResults(s, id, manifest.StatusSuccess, "", start); err != nil {
		return exitWith(ExitUsage, artifactErr(fmt.Errorf("writing run_results.json: %w", err), true))
	}
	return nil
}

func writeOpResults(s *session, id, status, msg string, start time.Time) error {
	now := time.Now()
	var m *string
	if msg != "" {
		m = &msg
	}
	rr := manifest.RunResults{
		Metadata: manifest.BaseMetadata{DbtSchemaVersion: manifest.RunResultsSchema, DbtVersion: compiler.DbtVersion,
			GeneratedAt: manifest.FormatTime(now), InvocationID: s.invID, InvocationStartedAt: manifest.FormatTime(s.started), Env: map[string]string{}},
		Results: []manifest.RunResult{{
			Status: status, UniqueID: id, ThreadID: "main", ExecutionTime: now.Sub(start).Seconds(), Message: m,
			Timing:          []manifest.Timing{{Name: "execute", StartedAt: manifest.FormatTime(start), CompletedAt: manifest.FormatTime(now)}},
			AdapterResponse: map[string]any{},
		}},
		ElapsedTime: now.Sub(start).Seconds(),
		Args:        s.invocationArgs("run-operation"),
	}
	return manifest.WriteJSONFile(s.targetDir+"/run_results.json", rr)
}

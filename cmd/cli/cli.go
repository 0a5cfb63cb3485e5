// Package cli is kiln's command line: one file per command, each a flags
// struct, a constructor and a run function. It is the composition root (the
// only place that names concrete adapters) and the only package that
// prints or exits.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/duckdb"
	"github.com/kiln-dev/kiln/adapters/postgres"
	"github.com/kiln-dev/kiln/adapters/trino"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/internal/report"
)

// Exit codes, as dbt's.
const (
	ExitOK        = 0
	ExitFailure   = 1   // a node failed
	ExitUsage     = 2   // usage, project or parse error
	ExitInterrupt = 130 // Ctrl-C
)

func init() {
	adapters.Register(duckdb.New())
	adapters.Register(postgres.New())
	adapters.Register(trino.New())
}

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func exitWith(code int, err error) error { return &exitError{code: code, err: err} }

// env is what every command shares: streams and process environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	environ        func() []string // the whole environment, for secret values (nil: only what getenv reads)
	cwd            string
	isTerminal     bool

	// Per invocation (RunEnv fills these in).
	g       *globalFlags
	log     *report.Logger
	logFile *report.RotatingFile
	format  string // console format: text, debug or json
	invID   string
	started time.Time
	args    []string
}

// Run executes kiln with args and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cwd, _ := os.Getwd()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.LookupEnv, environ: os.Environ, cwd: cwd, isTerminal: isTerminal(stdout)}
	return RunEnv(ctx, e, args)
}

// RunEnv is Run with an explicit environment (tests use it).
func RunEnv(ctx context.Context, e *env, args []string) int {
	if e.getenv == nil {
		e.getenv = func(string) (string, bool) { return "", false }
	}
	e = e.maskSecrets()
	e.g = &globalFlags{}
	e.invID = newInvocationID()
	e.started = time.Now()
	e.args = args
	root := newRootCmd(ctx, e)
	root.SetArgs(spreadMultiValues(args))
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	code := ExitOK
	if err != nil && e.log == nil && wantsJSON(args, e.lookup) {
		// A usage error before the logger started: still one JSON event.
		e.g.logFormat = "json"
		_ = e.startLogging()
	}
	if err != nil {
		code = ExitUsage
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
			if ee.err != nil {
				e.encounteredError(ee.err)
			}
		} else {
			// cobra usage errors (unknown flag, bad args)
			e.encounteredError(fmt.Errorf("Error: %v\nRun 'kiln --help' for usage.", err))
		}
	}
	name := "kiln"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	e.closeLog(strings.TrimPrefix(name, "kiln "), code)
	return code
}

func newRootCmd(ctx context.Context, e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "kiln",
		Short:         "kiln — a fast, dbt-compatible SQL transformation compiler",
		Long:          "kiln builds existing dbt projects unchanged: models, seeds, tests and docs, on embedded DuckDB or PostgreSQL.",
		Version:       fmt.Sprintf("%s (dbt %s compatible)", Version(), compiler.DbtVersion),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Global flags read their DBT_ variables, then the logger starts:
		// every later line, error or not, is an event.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd, e.lookup); err != nil {
				return exitWith(ExitUsage, err)
			}
			if err := checkThreadsFlag(cmd); err != nil {
				return exitWith(ExitUsage, err)
			}
			return e.startLogging()
		},
	}
	e.g.register(root.PersistentFlags())
	root.SetVersionTemplate("kiln {{.Version}}\n")
	root.AddCommand(
		newExecCmd(e, "run", "Run models: build views and tables in dependency order"),
		newExecCmd(e, "test", "Run data tests"),
		newExecCmd(e, "seed", "Load CSV seeds into the warehouse"),
		newExecCmd(e, "build", "Seed, run and test in one DAG: a failing test skips what depends on it"),
		newExecCmd(e, "snapshot", "Run snapshots: record changes of source rows as type-2 history tables"),
		newCompileCmd(e),
		newLsCmd(e),
		newParseCmd(e),
		newDebugCmd(e),
		newCleanCmd(e),
		newInitCmd(e),
		newSourceCmd(e),
		newRetryCmd(e),
		newShowCmd(e),
		newRunOperationCmd(e),
		newCloneCmd(e),
		newDocsCmd(e),
		newDepsCmd(e),
	)
	return root
}

// checkThreadsFlag refuses --threads below 1. The flag's zero value means
// "the profile's threads", so without this an explicit --threads 0 (or -3)
// would be silently replaced by the profile's number.
func checkThreadsFlag(cmd *cobra.Command) error {
	fl := cmd.Flags().Lookup("threads")
	if fl == nil || !fl.Changed {
		return nil
	}
	if n, err := strconv.Atoi(fl.Value.String()); err == nil && n < 1 {
		return fmt.Errorf("--threads %d: threads must be a positive integer (how many nodes run at once); leave the flag out to use the profile's threads", n)
	}
	return nil
}

// wantsJSON reports whether the command line or DBT_LOG_FORMAT asks for
// JSON logs (read before the flags parse, for errors in parsing them).
func wantsJSON(args []string, lookup func(string) string) bool {
	for i, a := range args {
		if a == "--log-format=json" || (a == "--log-format" && i+1 < len(args) && args[i+1] == "json") {
			return true
		}
	}
	return firstNonEmpty(lookup("DBT_ENGINE_LOG_FORMAT"), lookup("DBT_LOG_FORMAT")) == "json"
}

package cli

// dbt's global flags and their environment variables. Global flags are
// root persistent flags, so they go before or after the subcommand
// (`kiln --debug run`, `kiln run --debug`); every flag without a value on
// the command line reads its DBT_ENGINE_<NAME> or DBT_<NAME> variable, as
// dbt 1.11 does (the table below); and options that dbt declares with
// several values (`-s a b`) take them space-separated.

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// globalFlags are the flags of the whole invocation.
type globalFlags struct {
	debug, quiet, noQuiet           bool
	logFormat, logFormatFile        string
	logLevel, logLevelFile, logPath string
	logFileMaxBytes                 int64
	useColors, noUseColors          bool
	useColorsFile, noUseColorsFile  bool
	printerWidth                    int
	print, noPrint                  bool
	partialParse, noPartialParse    bool
	writeJSON, noWriteJSON          bool
	warnError                       bool
	warnErrorOptions                string
	failFast, noFailFast            bool

	// Accepted for compatibility; kiln has no such machinery.
	sendStats, noSendStats, versionCheck, noVersionCheck, staticParser, noStaticParser bool
	cacheSelectedOnly, noCacheSelectedOnly, populateCache, noPopulateCache             bool
	partialParseFilePath                                                               string

	// Also per-command flags; here so `kiln --target prod run` parses.
	target, profile, profilesDir, projectDir, state, deferState, indirect string
	deferOn, noDefer, favorState, noFavorState                            bool
}

func (g *globalFlags) register(fl *pflag.FlagSet) {
	fl.BoolVarP(&g.debug, "debug", "d", false, "print debug events too (SQL, node starts and ends)")
	fl.BoolVarP(&g.quiet, "quiet", "q", false, "print only errors (and print() output)")
	fl.BoolVar(&g.noQuiet, "no-quiet", false, "undo --quiet / DBT_QUIET")
	fl.StringVar(&g.logFormat, "log-format", "text", "console output: text, debug (with level and thread) or json (one dbt event per line)")
	fl.StringVar(&g.logFormatFile, "log-format-file", "", "log file format: debug (default) or json (default when --log-format is json), text")
	fl.StringVar(&g.logLevel, "log-level", "info", "console level: debug, info, warn, error or none")
	fl.StringVar(&g.logLevelFile, "log-level-file", "debug", "log file level: debug, info, warn, error or none (no log file)")
	fl.StringVar(&g.logPath, "log-path", "", "directory of dbt.log (default: logs/ in the project)")
	fl.Int64Var(&g.logFileMaxBytes, "log-file-max-bytes", 10*1024*1024, "rotate dbt.log past this size (0: never)")
	fl.BoolVar(&g.useColors, "use-colors", false, "colour the console even when it is not a terminal")
	fl.BoolVar(&g.noUseColors, "no-use-colors", false, "never colour the console")
	fl.BoolVar(&g.useColorsFile, "use-colors-file", false, "keep colours in the log file")
	fl.BoolVar(&g.noUseColorsFile, "no-use-colors-file", false, "no colours in the log file (the default)")
	fl.IntVar(&g.printerWidth, "printer-width", 80, "width of the dotted progress lines")
	fl.BoolVar(&g.print, "print", false, "show print() output (the default)")
	fl.BoolVar(&g.noPrint, "no-print", false, "hide print() output")
	fl.BoolVar(&g.partialParse, "partial-parse", false, "reuse the parse cache in the target directory (the default)")
	fl.BoolVar(&g.noPartialParse, "no-partial-parse", false, "parse every file again, ignoring the cache")
	fl.BoolVar(&g.writeJSON, "write-json", false, "write the JSON artifacts (the default)")
	fl.BoolVar(&g.noWriteJSON, "no-write-json", false, "do not write manifest.json, run_results.json and the other artifacts")
	fl.BoolVar(&g.warnError, "warn-error", false, "treat warnings as errors (test WARN, a selection that matches nothing)")
	fl.StringVar(&g.warnErrorOptions, "warn-error-options", "", `which warnings are errors: '{"error": "all" | [names], "warn": [names]}'`)
	fl.BoolVarP(&g.failFast, "fail-fast", "x", false, "stop at the first failure and cancel running nodes")
	fl.BoolVar(&g.noFailFast, "no-fail-fast", false, "undo --fail-fast / DBT_FAIL_FAST")
	for _, b := range []struct {
		p    *bool
		name string
	}{{&g.sendStats, "send-anonymous-usage-stats"}, {&g.noSendStats, "no-send-anonymous-usage-stats"},
		{&g.versionCheck, "version-check"}, {&g.noVersionCheck, "no-version-check"},
		{&g.staticParser, "static-parser"}, {&g.noStaticParser, "no-static-parser"},
		{&g.cacheSelectedOnly, "cache-selected-only"}, {&g.noCacheSelectedOnly, "no-cache-selected-only"},
		{&g.populateCache, "populate-cache"}, {&g.noPopulateCache, "no-populate-cache"}} {
		fl.BoolVar(b.p, b.name, false, "accepted for dbt compatibility; no effect in kiln")
		_ = fl.MarkHidden(b.name)
	}
	fl.StringVar(&g.partialParseFilePath, "partial-parse-file-path", "", "accepted for dbt compatibility; no effect in kiln")
	_ = fl.MarkHidden("partial-parse-file-path")
	// Per-command flags that dbt also takes before the subcommand. A
	// command's own definition wins; these catch the rest.
	fl.StringVarP(&g.target, "target", "t", "", "target within the profile")
	fl.StringVar(&g.profile, "profile", "", "profile to use")
	fl.StringVar(&g.profilesDir, "profiles-dir", "", "directory holding profiles.yml")
	fl.StringVar(&g.projectDir, "project-dir", "", "directory holding dbt_project.yml")
	fl.StringVar(&g.state, "state", "", "artifacts of an earlier run")
	fl.StringVar(&g.deferState, "defer-state", "", "artifacts to defer to")
	fl.StringVar(&g.indirect, "indirect-selection", "", "how tests of selected nodes are pulled in")
	fl.BoolVar(&g.deferOn, "defer", false, "defer unselected refs to --state")
	fl.BoolVar(&g.noDefer, "no-defer", false, "undo --defer / DBT_DEFER")
	fl.BoolVar(&g.favorState, "favor-state", false, "with --defer, prefer the state's relations")
	fl.BoolVar(&g.noFavorState, "no-favor-state", false, "undo --favor-state / DBT_FAVOR_STATE")
}

// pick resolves a --x/--no-x pair: the negative wins, then the positive,
// then def.
func pick(pos, neg bool, def bool) bool {
	if neg {
		return false
	}
	if pos {
		return true
	}
	return def
}

// envFlags maps a flag to the dbt variable it reads (without the DBT_ or
// DBT_ENGINE_ prefix). Location flags (--project-dir, --profiles-dir,
// --profile, --target, --target-path, --state, --defer…) read theirs where
// they are resolved, so messages can name the variable.
var envFlags = map[string]string{
	"debug": "DEBUG", "quiet": "QUIET", "log-format": "LOG_FORMAT", "log-format-file": "LOG_FORMAT_FILE",
	"log-level": "LOG_LEVEL", "log-level-file": "LOG_LEVEL_FILE", "log-path": "LOG_PATH",
	"log-file-max-bytes": "LOG_FILE_MAX_BYTES", "use-colors": "USE_COLORS", "use-colors-file": "USE_COLORS_FILE",
	"printer-width": "PRINTER_WIDTH", "print": "PRINT", "partial-parse": "PARTIAL_PARSE", "write-json": "WRITE_JSON",
	"warn-error": "WARN_ERROR", "warn-error-options": "WARN_ERROR_OPTIONS", "fail-fast": "FAIL_FAST",
	"full-refresh": "FULL_REFRESH", "store-failures": "STORE_FAILURES", "empty": "EMPTY", "sample": "SAMPLE",
	"indirect-selection": "INDIRECT_SELECTION", "resource-types": "RESOURCE_TYPES", "resource-type": "RESOURCE_TYPES",
	"exclude-resource-types": "EXCLUDE_RESOURCE_TYPES", "exclude-resource-type": "EXCLUDE_RESOURCE_TYPES",
	"event-time-start": "EVENT_TIME_START", "event-time-end": "EVENT_TIME_END", "introspect": "INTROSPECT",
	"host": "HOST", "send-anonymous-usage-stats": "SEND_ANONYMOUS_USAGE_STATS", "version-check": "VERSION_CHECK",
	"static-parser": "STATIC_PARSER", "populate-cache": "POPULATE_CACHE", "cache-selected-only": "CACHE_SELECTED_ONLY",
	"partial-parse-file-path": "PARTIAL_PARSE_FILE_PATH",
}

// applyEnv gives every flag not set on the command line the value of its
// DBT_ variable. A boolean variable that is false sets the flag's --no-
// twin, so DBT_PRINT=false hides print() like --no-print.
func applyEnv(cmd *cobra.Command, lookup func(string) string) error {
	var err error
	seen := map[string]bool{}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		name, ok := envFlags[fl.Name]
		if !ok || fl.Changed || err != nil || seen[name] {
			return
		}
		v := firstNonEmpty(lookup("DBT_ENGINE_"+name), lookup("DBT_"+name))
		if v == "" {
			return
		}
		if neg := cmd.Flags().Lookup("no-" + fl.Name); neg != nil && neg.Changed {
			return
		}
		seen[name] = true
		envName := "DBT_" + name
		if fl.Value.Type() == "bool" {
			b, ok := parseEnvBool(v)
			if !ok {
				err = fmt.Errorf("%s=%q is not a boolean (use true or false)", envName, v)
				return
			}
			if !b {
				if neg := cmd.Flags().Lookup("no-" + fl.Name); neg != nil {
					_ = neg.Value.Set("true")
					return
				}
			}
			_ = fl.Value.Set(fmt.Sprint(b))
			return
		}
		if strings.HasSuffix(fl.Value.Type(), "Slice") || strings.HasSuffix(fl.Value.Type(), "Array") {
			for _, x := range strings.Fields(strings.ReplaceAll(v, ",", " ")) {
				if e := fl.Value.Set(x); e != nil {
					err = fmt.Errorf("%s: %v", envName, e)
					return
				}
			}
			return
		}
		if e := fl.Value.Set(v); e != nil {
			err = fmt.Errorf("%s=%q: %v", envName, v, e)
		}
	})
	return err
}

// parseEnvBool reads a boolean the way dbt's CLI does.
func parseEnvBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "t", "yes", "y", "on":
		return true, true
	case "0", "false", "f", "no", "n", "off":
		return false, true
	}
	return false, false
}

// multiValue are the options dbt declares with several values per flag.
var multiValue = map[string]bool{
	"--select": true, "-s": true, "--models": true, "-m": true, "--model": true, "--exclude": true,
	"--resource-type": true, "--resource-types": true, "--exclude-resource-type": true, "--exclude-resource-types": true,
	"--output-keys": true,
}

// spreadMultiValues rewrites `-s a b --exclude c` into `-s a -s b
// --exclude c`: cobra takes one value per flag. Commands with positional
// arguments of their own (init's -s is --skip-profile-setup) are left as
// they are.
func spreadMultiValues(args []string) []string {
	for _, a := range args {
		if a == "init" {
			return args
		}
	}
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a == "--" {
			out = append(out, args[i+1:]...)
			break
		}
		if !multiValue[a] || i+1 >= len(args) {
			continue
		}
		i++
		out = append(out, args[i])
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			out = append(out, a, args[i])
		}
	}
	return out
}

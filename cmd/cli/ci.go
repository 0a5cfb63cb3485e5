package cli

// CI-facing flags of the executing commands: failure storage, JUnit XML,
// JSON log events, --warn-error-options, GitHub annotations and --debug.

import (
	"fmt"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/report"
	"github.com/kiln-dev/kiln/internal/run"
)

type ciFlags struct {
	storeFailures    bool
	junitXML         string
	logFormat        string
	warnErrorOptions string
	debug            bool

	weo    *run.WarnErrorOptions
	events *report.EventLog
}

func (f *commonFlags) registerCI(cmd *cobra.Command, tests bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.ci.logFormat, "log-format", "text", "console output: text, or json (one dbt-style JSON event per line)")
	fl.BoolVarP(&f.ci.debug, "debug", "d", false, "print debug lines (e.g. where unit tests learned their column types)")
	if !tests {
		return
	}
	fl.BoolVar(&f.ci.storeFailures, "store-failures", false, "store the failing rows of every test in the <schema>_dbt_test__audit schema")
	fl.StringVar(&f.ci.junitXML, "junit-xml", "", "write a JUnit XML report to this path (one testcase per model and test)")
	fl.StringVar(&f.ci.warnErrorOptions, "warn-error-options", "", `which warnings are errors: '{"error": "all" | [names], "warn": [names]}'`)
}

// applyCI validates the CI flags and switches the printer to JSON events.
// It runs right after the printer is created, so every line is an event.
func (s *session) applyCI() error {
	c := &s.flags.ci
	switch c.logFormat {
	case "", "text", "default":
	case "json":
		c.events = report.NewEventLog(s.e.stdout, s.invID)
		s.p.Events = c.events
	default:
		return exitWith(ExitUsage, fmt.Errorf("--log-format must be text or json, not '%s'", c.logFormat))
	}
	weo, err := run.ParseWarnErrorOptions(c.warnErrorOptions, yaml.Unmarshal)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	c.weo = weo
	return nil
}

// observer is the runner's event observer (nil unless --log-format json).
func (s *session) observer() run.Observer {
	if s.flags.ci.events == nil {
		return nil
	}
	return s.flags.ci.events
}

// statsLine prints dbt's "Done. PASS=..." line (StatsLine Z023 in JSON).
func (s *session) statsLine(sum *run.Summary) {
	if ev := s.flags.ci.events; ev != nil {
		ev.Stats(sum.Passed, sum.Warnings, sum.Errors, sum.Skipped, sum.NoOp, len(sum.Results))
		return
	}
	s.p.Line("Done. PASS=%d WARN=%d ERROR=%d SKIP=%d NO-OP=%d TOTAL=%d", sum.Passed, sum.Warnings, sum.Errors, sum.Skipped, sum.NoOp, len(sum.Results))
}

// ciReport writes --junit-xml and, on GitHub Actions, annotations.
func (s *session) ciReport(which string, sum *run.Summary) error {
	if v, _ := s.e.getenv("GITHUB_ACTIONS"); v == "true" {
		ws, _ := s.e.getenv("GITHUB_WORKSPACE")
		report.Annotations(s.e.stdout, s.res.Manifest, sum.Results, s.dir, ws)
	}
	if s.flags.ci.junitXML == "" {
		return nil
	}
	doc := report.JUnit(which, s.res.Manifest, sum.Results, sum.Elapsed, s.started)
	if err := report.WriteJUnit(s.flags.ci.junitXML, doc); err != nil {
		return exitWith(ExitFailure, fmt.Errorf("writing --junit-xml %s: %v", s.flags.ci.junitXML, err))
	}
	return nil
}

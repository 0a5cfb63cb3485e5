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

	weo *run.WarnErrorOptions
}

func (f *commonFlags) registerCI(cmd *cobra.Command, tests bool) {
	fl := cmd.Flags()
	if !tests {
		return
	}
	fl.BoolVar(&f.ci.storeFailures, "store-failures", false, "store the failing rows of every test in the <schema>_dbt_test__audit schema")
	fl.BoolVar(&f.noStoreFailures, "no-store-failures", false, "undo --store-failures / DBT_STORE_FAILURES")
	fl.StringVar(&f.ci.junitXML, "junit-xml", "", "write a JUnit XML report to this path (one testcase per model and test)")
}

// applyCI validates --warn-error-options.
func (s *session) applyCI() error {
	c := &s.flags.ci
	if s.flags.noStoreFailures {
		c.storeFailures = false
	}
	weo, err := run.ParseWarnErrorOptions(c.warnErrorOptions, yaml.Unmarshal)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	c.weo = weo
	return nil
}

// observer is the runner's node event observer: the logger.
func (s *session) observer() run.Observer {
	if s.e.log == nil {
		return nil
	}
	return s.e.log
}

// statsLine prints dbt's "Done. PASS=..." line (StatsLine Z023).
func (s *session) statsLine(sum *run.Summary) {
	s.p.Event("StatsLine", "Z023", "info",
		fmt.Sprintf("Done. PASS=%d WARN=%d ERROR=%d SKIP=%d NO-OP=%d TOTAL=%d", sum.Passed, sum.Warnings, sum.Errors, sum.Skipped, sum.NoOp, len(sum.Results)),
		map[string]any{"stats": map[string]any{"pass": sum.Passed, "warn": sum.Warnings, "error": sum.Errors, "skip": sum.Skipped, "noop": sum.NoOp, "total": len(sum.Results)}})
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

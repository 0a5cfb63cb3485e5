package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newParseCmd(e *env) *cobra.Command {
	f := &commonFlags{}
	cmd := &cobra.Command{
		Use:   "parse",
		Short: "Parse the project, report every problem, and write target/manifest.json",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			s, err := e.load(cmd.Context(), f, "parse")
			if err != nil {
				return err
			}
			if err := s.writeManifest(); err != nil {
				return exitWith(ExitUsage, fmt.Errorf("writing manifest.json: %w", err))
			}
			s.found()
			s.p.Line("Parsed in %.2fs; wrote %s/manifest.json", time.Since(start).Seconds(), s.targetDir)
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

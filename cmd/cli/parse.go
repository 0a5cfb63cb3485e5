package cli

import (
	"fmt"
	"os"
	"path/filepath"
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
			s, err := e.loadOpts(cmd.Context(), f, "parse", true)
			if err != nil {
				return err
			}
			mpath := filepath.Join(s.targetDir, "manifest.json")
			if _, statErr := os.Stat(mpath); s.res.UpToDate && statErr == nil {
				s.found()
				s.p.Line("Nothing changed since the last parse; %s is up to date (%.2fs)", mpath, time.Since(start).Seconds())
				return nil
			}
			if s.res.UpToDate { // manifest.json was removed: compile again
				if s, err = e.load(cmd.Context(), f, "parse"); err != nil {
					return err
				}
			}
			if err := s.writeManifest(); err != nil {
				return exitWith(ExitUsage, fmt.Errorf("writing manifest.json: %w", err))
			}
			s.found()
			st := s.res.CacheStats()
			s.p.Line("Parsed in %.2fs (%d files rendered, %d reused from the parse cache); wrote %s", time.Since(start).Seconds(), st.Rendered, st.Reused, mpath)
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/project"
)

func newCleanCmd(e *env) *cobra.Command {
	var projectDir string
	var outside bool
	cmd := &cobra.Command{
		Use:   "clean",
		Short: "Delete the project's clean-targets (default: target/)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := project.FindProjectDir(projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd)
			if err != nil {
				return exitWith(ExitUsage, err)
			}
			proj, diags := compiler.LoadProject(dir, nil, e.getenv)
			if diags.HasErrors() {
				e.printDiags(diags)
				return exitWith(ExitUsage, fmt.Errorf("could not load dbt_project.yml"))
			}
			targets := proj.CleanTargets
			if len(targets) == 0 {
				targets = []string{proj.TargetPath}
			}
			for _, t := range targets {
				p := t
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				p = filepath.Clean(p)
				rel, err := filepath.Rel(dir, p)
				if !outside && (err != nil || rel == "." || strings.HasPrefix(rel, "..")) {
					return exitWith(ExitUsage, fmt.Errorf("refusing to delete %s: it is not inside the project (pass --no-clean-project-files-only to allow it)", p))
				}
				if err := os.RemoveAll(p); err != nil {
					return exitWith(ExitFailure, err)
				}
				e.dataLine("Cleaned " + t)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&projectDir, "project-dir", "", "directory holding dbt_project.yml")
	cmd.Flags().BoolVar(&outside, "no-clean-project-files-only", false, "allow deleting clean-targets outside the project")
	return cmd
}

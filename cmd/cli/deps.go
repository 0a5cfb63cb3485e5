package cli

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/deps"
	"github.com/kiln-dev/kiln/internal/diag"
)

func newDepsCmd(e *env) *cobra.Command {
	var projectDir string
	var upgrade, lockOnly bool
	var addPackage, source string
	// dbt's deps takes the connection flags too (packages.yml may use var()
	// and env_var(); target and profiles are accepted for scripts that pass
	// them to every command).
	var vars, target, profile, profilesDir string
	cmd := &cobra.Command{
		Use:   "deps",
		Short: "Install the packages of packages.yml (or dependencies.yml) into dbt_packages/",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := project.FindProjectDir(projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd)
			if err != nil {
				return exitWith(ExitUsage, err)
			}
			if addPackage != "" {
				file, err := deps.AddPackage(dir, addPackage, source)
				if err != nil {
					return exitWith(ExitUsage, err)
				}
				e.dataLine(fmt.Sprintf("Added %s to %s", addPackage, file))
			}
			cliVars := map[string]any{}
			if strings.TrimSpace(vars) != "" {
				if err := yaml.Unmarshal([]byte(vars), &cliVars); err != nil {
					return exitWith(ExitUsage, fmt.Errorf("--vars is not a YAML mapping: %v (example: --vars '{key: value}')", err))
				}
				cliVars = normalizeYAML(cliVars).(map[string]any)
			}
			proj, diags := compiler.LoadProject(dir, cliVars, e.getenv)
			if diags.HasErrors() {
				e.printDiags(diags)
				return exitWith(ExitUsage, fmt.Errorf("could not load dbt_project.yml"))
			}
			res, err := deps.Run(cmd.Context(), deps.Options{
				ProjectDir:  dir,
				InstallPath: proj.PackagesInstallPath,
				Render:      compiler.StaticRenderVars(cliVars, e.getenv),
				HubURL:      e.lookup("DBT_PACKAGE_HUB_URL"),
				Upgrade:     upgrade,
				LockOnly:    lockOnly,
				Warn:        func(s string) { e.warn("warning: " + s) },
				Info:        e.dataLine,
			})
			if err != nil {
				var d diag.Diagnostic
				if errors.As(err, &d) {
					e.printDiags(diag.List{d})
					return exitWith(ExitUsage, fmt.Errorf("kiln deps failed; %s was left unchanged", proj.PackagesInstallPath))
				}
				return exitWith(ExitUsage, fmt.Errorf("error: %v\nkiln deps failed; %s was left unchanged", err, proj.PackagesInstallPath))
			}
			if res.NoSpec {
				e.dataLine("No packages to install: the project has no packages.yml (or dependencies.yml packages:)")
				return nil
			}
			for _, p := range res.Packages {
				v := p.Version
				switch p.Spec.Kind {
				case deps.Git:
					v = "revision " + p.Revision[:min(12, len(p.Revision))]
				case deps.Local, deps.Tarball:
					v = "from " + p.Spec.Source
				}
				verb := "Installed"
				if lockOnly {
					verb = "Locked"
				}
				e.dataLine(fmt.Sprintf("%s %s %s", verb, p.Name, v))
			}
			if !res.FromLock {
				e.dataLine("Wrote " + deps.LockFile)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&projectDir, "project-dir", "", "directory holding dbt_project.yml")
	cmd.Flags().BoolVar(&upgrade, "upgrade", false, "resolve packages again, ignoring package-lock.yml")
	cmd.Flags().BoolVar(&lockOnly, "lock", false, "only resolve and write package-lock.yml, installing nothing")
	cmd.Flags().StringVar(&addPackage, "add-package", "", "add (or update) a package in packages.yml, then install: org/name@version, or with --source git URL@revision, --source local PATH")
	cmd.Flags().StringVar(&vars, "vars", "", "variables for var() in packages.yml and dbt_project.yml, as a YAML mapping")
	cmd.Flags().StringVarP(&target, "target", "t", "", "accepted as dbt accepts it (deps connects to no warehouse)")
	cmd.Flags().StringVar(&profile, "profile", "", "accepted as dbt accepts it (deps connects to no warehouse)")
	cmd.Flags().StringVar(&profilesDir, "profiles-dir", "", "accepted as dbt accepts it (deps connects to no warehouse)")
	cmd.Flags().StringVar(&source, "source", "hub", "where --add-package's package comes from: hub, git or local")
	return cmd
}

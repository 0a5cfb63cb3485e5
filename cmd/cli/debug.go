package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/project"
)

func newDebugCmd(e *env) *cobra.Command {
	f := &commonFlags{}
	var connectionOnly bool
	cmd := &cobra.Command{
		Use:   "debug",
		Short: "Show versions, where the project and profile were found, and test the connection",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := e.debugOut()
			if connectionOnly {
				// --connection: only the connection test, as dbt's.
				f.quiet = true
				s, err := e.load(cmd.Context(), f, "debug")
				if err != nil {
					return err
				}
				return testConnection(cmd.Context(), out, s)
			}
			fmt.Fprintf(out, "kiln version: %s (dbt %s compatible)\n", Version(), compiler.DbtVersion)
			fmt.Fprintf(out, "go version: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			dir, err := project.FindProjectDir(f.projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd)
			if err != nil {
				fmt.Fprintf(out, "project: not found — %v\n", err)
				return exitWith(ExitFailure, nil)
			}
			fmt.Fprintf(out, "project: %s\n", filepath.Join(dir, "dbt_project.yml"))
			profilesDir, looked := project.FindProfilesDir(f.profilesDir, e.lookup, e.cwd, dir, homeDir(e))
			fmt.Fprintf(out, "profiles.yml: looked in %v, using %s\n", looked, filepath.Join(profilesDir, "profiles.yml"))
			f.quiet = true
			s, err := e.load(cmd.Context(), f, "debug")
			if err != nil {
				fmt.Fprintf(out, "All checks passed: no\n")
				return err
			}
			fmt.Fprintf(out, "profile: %s, target: %s, adapter: %s\n", s.profile.Name, s.profile.Target, s.adapter.Type())
			for _, k := range []string{"database", "schema", "path", "host", "port", "user", "threads"} {
				if v, ok := s.target[k]; ok {
					fmt.Fprintf(out, "  %s: %v\n", k, v)
				}
			}
			if err := testConnection(cmd.Context(), out, s); err != nil {
				return err
			}
			fmt.Fprintln(out, "All checks passed!")
			return nil
		},
	}
	f.register(cmd, false)
	cmd.Flags().BoolVar(&connectionOnly, "connection", false, "only test the connection to the target")
	return cmd
}

// testConnection runs `select 1` on the target and reports the outcome.
func testConnection(ctx context.Context, out io.Writer, s *session) error {
	db, err := s.adapter.Open(ctx, s.creds, 1)
	if err != nil {
		fmt.Fprintf(out, "Connection test: [ERROR] %v\n", err)
		return exitWith(ExitFailure, nil)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err == nil {
		_, _, err = c.Query(ctx, "select 1 as id", 1)
		c.Close()
	}
	if err != nil {
		fmt.Fprintf(out, "Connection test: [ERROR] %v\n", err)
		return exitWith(ExitFailure, nil)
	}
	fmt.Fprintf(out, "Connection test: [OK connection ok] (%s %s)\n", s.adapter.Type(), db.Version())
	if dd, ok := db.(adapters.DebugDescriber); ok {
		lines, err := dd.DebugLines(ctx)
		if err != nil {
			fmt.Fprintf(out, "Warehouse details: [ERROR] %v\n", err)
			return exitWith(ExitFailure, nil)
		}
		for _, l := range lines {
			fmt.Fprintln(out, l)
		}
	}
	return nil
}

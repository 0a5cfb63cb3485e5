package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/spf13/cobra"
)

var projectNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// scaffold is a small project that builds on embedded DuckDB as is.
var scaffold = map[string]string{
	"dbt_project.yml": `name: '{{name}}'
version: '1.0.0'
profile: '{{name}}'

model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
macro-paths: ["macros"]
clean-targets: ["target"]

models:
  {{name}}:
    +materialized: view
    marts:
      +materialized: table
`,
	"profiles.yml": `{{name}}:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: {{name}}.duckdb
      threads: 4
`,
	"seeds/raw_people.csv":             "id,name,joined_at\n1,Ada,2024-01-02\n2,Grace,2024-02-03\n3,Linus,2024-03-04\n",
	"models/staging/stg_people.sql":    "select id, name, cast(joined_at as date) as joined_on\nfrom {{ ref('raw_people') }}\n",
	"models/marts/people_by_month.sql": "select date_trunc('month', joined_on) as month, count(*) as people\nfrom {{ ref('stg_people') }}\ngroup by 1\n",
	"models/schema.yml": `version: 2
models:
  - name: stg_people
    description: One row per person.
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: people_by_month
    columns:
      - name: month
        data_tests: [unique]
`,
	".gitignore": "target/\nlogs/\n*.duckdb\n*.duckdb.wal\n",
}

func newInitCmd(e *env) *cobra.Command {
	var skipProfile bool
	cmd := &cobra.Command{
		Use:   "init PROJECT_NAME",
		Short: "Create a new project that builds on embedded DuckDB",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if !projectNameRE.MatchString(name) {
				return exitWith(ExitUsage, fmt.Errorf("project name %q must be letters, digits and underscores, not starting with a digit", name))
			}
			dir := filepath.Join(e.cwd, name)
			if _, err := os.Stat(dir); err == nil {
				return exitWith(ExitUsage, fmt.Errorf("%s already exists; choose another name or remove it", dir))
			}
			for rel, content := range scaffold {
				if rel == "profiles.yml" && skipProfile {
					continue
				}
				p := filepath.Join(dir, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return exitWith(ExitFailure, err)
				}
				out := regexp.MustCompile(`\{\{name\}\}`).ReplaceAllString(content, name)
				if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
					return exitWith(ExitFailure, err)
				}
			}
			if skipProfile {
				e.dataLine(fmt.Sprintf("Created %s without a profile. Next: add a '%s' profile to your profiles.yml (~/.dbt/ or DBT_PROFILES_DIR), then\n  cd %s && kiln build", dir, name, name))
				return nil
			}
			e.dataLine(fmt.Sprintf("Created %s. Next:\n  cd %s && kiln build", dir, name))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&skipProfile, "skip-profile-setup", "s", false, "do not write profiles.yml: the project uses a profile you already have")
	return cmd
}

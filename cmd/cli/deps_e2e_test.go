package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDepsThenBuild installs testdata/deps/project's local package (and its
// own local dependency) with `kiln deps`, then builds a model that calls
// the package's macros.
func TestDepsThenBuild(t *testing.T) {
	base := copyDir(t, filepath.Join(repoRoot(t), "testdata", "deps"))
	dir := filepath.Join(base, "project")

	res := kiln(t, dir, nil, "build")
	if res.code != ExitUsage || !strings.Contains(res.all(), "packages.yml declares 1 package but 0 are installed") || !strings.Contains(res.all(), "run `kiln deps`") {
		t.Fatalf("build before deps: exit %d, want exit 2 saying to run kiln deps\n%s", res.code, res.all())
	}

	res = kiln(t, dir, nil, "deps")
	if res.code != 0 {
		t.Fatalf("deps: exit %d\n%s", res.code, res.all())
	}
	for _, want := range []string{"Installed money from ../libs/money", "Installed core from ../core", "Wrote package-lock.yml"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("deps output lacks %q:\n%s", want, res.stdout)
		}
	}
	res = kiln(t, dir, nil, "build")
	if res.code != 0 {
		t.Fatalf("build: exit %d\n%s", res.code, res.all())
	}
	if got := tableCSV(t, filepath.Join(dir, "deps.duckdb"), "main.payments_usd"); !strings.Contains(got, "12.5") || !strings.Contains(got, "3.99") {
		t.Errorf("payments_usd:\n%s", got)
	}

	// Second deps reinstalls from the lock.
	res = kiln(t, dir, nil, "deps")
	if res.code != 0 || !strings.Contains(res.stdout, "Installing packages from package-lock.yml") {
		t.Errorf("deps from lock: exit %d\n%s", res.code, res.all())
	}
}

// TestDepsCLIErrors: unreachable hub and bad entries exit 2 with a clear
// message and leave dbt_packages alone.
func TestDepsCLIErrors(t *testing.T) {
	base := copyDir(t, filepath.Join(repoRoot(t), "testdata", "deps"))
	dir := filepath.Join(base, "project")
	if res := kiln(t, dir, nil, "deps"); res.code != 0 {
		t.Fatalf("deps: %s", res.all())
	}
	if err := os.WriteFile(filepath.Join(dir, "packages.yml"), []byte("packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, map[string]string{"DBT_PACKAGE_HUB_URL": "http://127.0.0.1:1"}, "deps")
	if res.code != 2 || !strings.Contains(res.stderr, "kiln could not reach http://127.0.0.1:1/api/v1/dbt-labs/dbt_utils.json") ||
		!strings.Contains(res.stderr, "dbt_packages was left unchanged") {
		t.Errorf("unreachable hub: exit %d\n%s", res.code, res.all())
	}
	if _, err := os.Stat(filepath.Join(dir, "dbt_packages", "money", "dbt_project.yml")); err != nil {
		t.Errorf("old packages lost: %v", err)
	}

	if err := os.WriteFile(filepath.Join(dir, "packages.yml"), []byte("packages:\n  - git: https://example.com/x.git\n    version: 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = kiln(t, dir, nil, "deps")
	if res.code != 2 || !strings.Contains(res.stderr, "packages.yml:2:5: error: version: only applies to hub packages") {
		t.Errorf("bad entry: exit %d\n%s", res.code, res.all())
	}
}

// TestDepsLocalParent is a package's integration-test project, which
// declares the package as `local: ../`: deps links it (as dbt does) rather
// than copying the package, tests included, into itself; the link counts as
// installed; and deps takes --vars (used in packages.yml) and the
// connection flags as dbt's deps does.
func TestDepsLocalParent(t *testing.T) {
	base := t.TempDir()
	files := map[string]string{
		"pkg/dbt_project.yml":                     "name: pkg\nversion: '1.0'\nconfig-version: 2\n",
		"pkg/macros/double.sql":                   "{% macro double(x) %}({{ x }} * 2){% endmacro %}",
		"pkg/integration_tests/dbt_project.yml":   "name: pkg_it\nversion: '1.0'\nconfig-version: 2\nprofile: it\n",
		"pkg/integration_tests/packages.yml":      "packages:\n  - local: \"{{ var('pkg_dir') }}\"\n",
		"pkg/integration_tests/profiles.yml":      "it:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: it.duckdb\n",
		"pkg/integration_tests/models/twice.sql":  "select {{ pkg.double(21) }} as answer",
		"pkg/integration_tests/models/schema.yml": "version: 2\nmodels:\n  - name: twice\n    columns:\n      - name: answer\n        data_tests: [not_null]\n",
	}
	for rel, content := range files {
		p := filepath.Join(base, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(base, "pkg", "integration_tests")
	res := kiln(t, dir, nil, "deps", "--target", "dev", "--profiles-dir", dir, "--vars", "{pkg_dir: ../}")
	if res.code != 0 || !strings.Contains(res.stdout, "Installed pkg from ../") {
		t.Fatalf("deps: exit %d\n%s", res.code, res.all())
	}
	link := filepath.Join(dir, "dbt_packages", "pkg")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("dbt_packages/pkg is not a link: %v %v", fi, err)
	}
	res = kiln(t, dir, nil, "build")
	if res.code != 0 || !strings.Contains(res.stdout, "PASS=2") {
		t.Fatalf("build: exit %d\n%s", res.code, res.all())
	}
	if got := tableCSV(t, filepath.Join(dir, "it.duckdb"), "main.twice"); !strings.Contains(got, "42") {
		t.Errorf("twice:\n%s", got)
	}
}

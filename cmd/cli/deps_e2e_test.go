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

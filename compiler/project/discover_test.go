package project

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

func paths(fs []File) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Path
	}
	return out
}

func TestDiscover(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"dbt_project.yml":                    "name: p\n",
		"models/staging/stg_orders.sql":      "select 1",
		"models/staging/_schema.yml":         "models: []",
		"models/staging/docs.md":             "{% docs x %}x{% enddocs %}",
		"models/marts/orders.sql":            "select 2",
		"models/marts/py_model.py":           "def model(dbt, session): pass",
		"models/marts/notes.txt":             "ignored",
		"models/.hidden/secret.sql":          "hidden",
		"models/.DS_Store":                   "x",
		"seeds/raw_orders.csv":               "id\n1\n",
		"seeds/seeds.yaml":                   "seeds: []",
		"macros/cents.sql":                   "{% macro c() %}{% endmacro %}",
		"macros/macros.yml":                  "macros: []",
		"tests/assert_x.sql":                 "select 1 where false",
		"tests/generic/my_test.sql":          "{% test my_test(model) %}{% endtest %}",
		"tests/fixtures/f.csv":               "a\n1\n",
		"tests/fixtures/g.sql":               "select 1",
		"tests/tests.yml":                    "data_tests: []",
		"snapshots/snap.sql":                 "{% snapshot s %}{% endsnapshot %}",
		"analyses/a.sql":                     "select 1",
		"functions/f.sql":                    "x",
		"dbt_packages/pkg/dbt_project.yml":   "name: pkg\n",
		"target/compiled/x.sql":              "x",
		"docs/overview.md":                   "{% docs __overview__ %}{% enddocs %}",
		"models/sub/deeper/deepest/leaf.sql": "select 3",
	})
	p, diags := LoadProject(dir, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got []File, want ...string) {
		t.Helper()
		if !reflect.DeepEqual(paths(got), want) {
			t.Errorf("%s: got %v, want %v", name, paths(got), want)
		}
	}
	check("models", files.Models, "models/marts/orders.sql", "models/marts/py_model.py", "models/staging/stg_orders.sql", "models/sub/deeper/deepest/leaf.sql")
	check("seeds", files.Seeds, "seeds/raw_orders.csv")
	check("macros", files.Macros, "macros/cents.sql")
	check("singular", files.SingularTests, "tests/assert_x.sql")
	check("generic", files.GenericTests, "tests/generic/my_test.sql")
	check("fixtures", files.Fixtures, "tests/fixtures/f.csv", "tests/fixtures/g.sql")
	check("snapshots", files.Snapshots, "snapshots/snap.sql")
	check("analyses", files.Analyses, "analyses/a.sql")
	check("functions", files.Functions, "functions/f.sql")
	check("docs", files.Docs, "models/staging/docs.md")
	check("properties", files.Properties, "macros/macros.yml", "models/staging/_schema.yml", "seeds/seeds.yaml", "tests/tests.yml")
	if f := files.Models[0]; string(f.Content) != "select 2" || f.Abs != filepath.Join(dir, "models", "marts", "orders.sql") || f.Size != 8 || f.Ext() != "sql" {
		t.Errorf("content %+v", f)
	}
	if files.Seeds[0].Content == nil {
		t.Error("small seed content not read")
	}
	if files.Models[0].Pos() != (diag.Pos{File: "models/marts/orders.sql"}) {
		t.Error(files.Models[0].Pos())
	}
}

func TestDiscoverOverlapAndLargeSeed(t *testing.T) {
	big := strings.Repeat("a,b\n", 300000) // > 1 MiB
	dir := writeTree(t, map[string]string{
		"dbt_project.yml":      "name: p\nmodel-paths: [\".\"]\nseed-paths: [\"data\"]\nmacro-paths: [\"models/macros\"]\ndocs-paths: [\"docs\"]\n",
		"a.sql":                "select 1",
		"models/macros/m.sql":  "{% macro m() %}{% endmacro %}",
		"data/big.csv":         big,
		"docs/d.md":            "x",
		"target/run/x.sql":     "skipped: target-path",
		"dbt_packages/p/x.sql": "skipped: packages",
		"logs/x.sql":           "skipped: log-path",
	})
	p, diags := LoadProject(dir, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(paths(files.Models), []string{"a.sql", "models/macros/m.sql"}) {
		t.Errorf("models %v", paths(files.Models))
	}
	if !reflect.DeepEqual(paths(files.Macros), []string{"models/macros/m.sql"}) {
		t.Errorf("macros %v", paths(files.Macros))
	}
	// the same file in two kinds shares its content
	if &files.Models[1].Content[0] != &files.Macros[0].Content[0] {
		t.Error("content read twice")
	}
	if len(files.Seeds) != 1 || files.Seeds[0].Content != nil || files.Seeds[0].Size != int64(len(big)) {
		t.Errorf("big seed: %d bytes read, size %d", len(files.Seeds[0].Content), files.Seeds[0].Size)
	}
	if !reflect.DeepEqual(paths(files.Docs), []string{"docs/d.md"}) {
		t.Errorf("docs %v", paths(files.Docs))
	}
}

func TestDiscoverSymlinkLoop(t *testing.T) {
	dir := writeTree(t, map[string]string{"dbt_project.yml": "name: p\n", "models/a/x.sql": "select 1"})
	if err := os.Symlink(filepath.Join(dir, "models"), filepath.Join(dir, "models", "a", "loop")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	p, _ := LoadProject(dir, nil)
	files, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(paths(files.Models), []string{"models/a/x.sql"}) {
		t.Errorf("models %v", paths(files.Models))
	}
	// The walk ends, and the loop is an error at the link, not a silence.
	if len(files.Diags) != 1 || files.Diags[0].Pos.File != "models/a/loop" || files.Diags[0].Severity != diag.Error ||
		!strings.Contains(files.Diags[0].Message, "models/a/loop leads back to models") {
		t.Errorf("diags %v", files.Diags)
	}
}

// Two links that point at each other (ELOOP) are an error naming each.
func TestDiscoverSymlinkFileLoop(t *testing.T) {
	dir := writeTree(t, map[string]string{"dbt_project.yml": "name: p\n", "models/x.sql": "select 1"})
	if err := os.Symlink("b.sql", filepath.Join(dir, "models", "a.sql")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	if err := os.Symlink("a.sql", filepath.Join(dir, "models", "b.sql")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing.sql", filepath.Join(dir, "models", "dangling.sql")); err != nil {
		t.Fatal(err)
	}
	p, _ := LoadProject(dir, nil)
	files, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range files.Diags {
		got = append(got, d.Pos.File)
		if !strings.Contains(d.Message, "cannot be followed") {
			t.Errorf("message %q", d.Message)
		}
	}
	if !reflect.DeepEqual(got, []string{"models/a.sql", "models/b.sql"}) { // a dangling link is still skipped quietly
		t.Errorf("diags at %v", got)
	}
}

func TestLoadPackages(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"dbt_project.yml":              "name: root\npackages-install-path: pk\n",
		"pk/dbt_utils/dbt_project.yml": "name: dbt_utils\nmodels:\n  +materialised: view\n",
		"pk/dbt_utils/macros/star.sql": "{% macro star() %}{% endmacro %}",
		"pk/codegen/dbt_project.yml":   "name: codegen\n",
		"pk/junk/readme.md":            "",
		"pk/zz_dup/dbt_project.yml":    "name: codegen\n",
		"pk/rootclash/dbt_project.yml": "name: root\n",
		"pk/.git/dbt_project.yml":      "name: hidden\n",
	})
	root, diags := LoadProject(dir, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	pkgs, diags := LoadPackages(root, nil)
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name+"@"+p.RelDir)
	}
	if !reflect.DeepEqual(names, []string{"codegen@pk/codegen", "codegen@pk/zz_dup", "dbt_utils@pk/dbt_utils", "root@pk/rootclash"}) {
		t.Fatalf("packages %v", names)
	}
	for _, want := range []struct {
		sev   diag.Severity
		parts []string
	}{
		{diag.Warning, []string{"pk/junk: warning: pk/junk has no dbt_project.yml and is ignored"}},
		{diag.Warning, []string{"pk/dbt_utils/dbt_project.yml:3:3", "'+materialised'"}},
		{diag.Error, []string{"pk/zz_dup/dbt_project.yml:1:1", "two installed packages are named 'codegen' (also pk/codegen)"}},
		{diag.Error, []string{"pk/rootclash/dbt_project.yml", "same name as the root project"}},
	} {
		if !hasDiag(diags, want.sev, want.parts...) {
			t.Errorf("missing %q in:\n%v", want.parts, diags)
		}
	}
	files, err := Discover(pkgs[2])
	if err != nil || len(files.Macros) != 1 || files.Macros[0].Path != "macros/star.sql" {
		t.Fatalf("package discover: %v %+v", err, files)
	}
}

// genProject writes an n-model project: 30 models per directory, each
// directory with a schema.yml describing its models with columns and tests.
func genProject(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	write := func(rel, content string) {
		full := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("dbt_project.yml", "name: bench\nprofile: bench\nmodels:\n  bench:\n    +materialized: view\n")
	const perDir = 33
	for d := 0; d*perDir < n; d++ {
		var y strings.Builder
		y.WriteString("version: 2\nmodels:\n")
		for i := d * perDir; i < min(n, (d+1)*perDir); i++ {
			name := fmt.Sprintf("model_%06d", i)
			prev := fmt.Sprintf("model_%06d", max(0, i-1))
			write(fmt.Sprintf("models/dir_%04d/%s.sql", d, name),
				fmt.Sprintf("{{ config(materialized='table') }}\nselect id, name, amount\nfrom {{ ref('%s') }}\nwhere amount > 0\n", prev))
			fmt.Fprintf(&y, `  - name: %s
    description: "Model %d of the benchmark project, {{ doc('shared') }}"
    config:
      tags: [bench, "dir_%d"]
    columns:
      - name: id
        description: Primary key
        data_tests: [unique, not_null]
      - name: name
        description: The name
      - name: amount
        data_tests:
          - accepted_values:
              arguments:
                values: [1, 2, 3]
              config: {severity: warn}
`, name, i, d)
		}
		write(fmt.Sprintf("models/dir_%04d/schema.yml", d), y.String())
	}
	return dir
}

func BenchmarkDiscover(b *testing.B) {
	for _, n := range []int{10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := genProject(b, n)
			p, diags := LoadProject(dir, nil)
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			b.ResetTimer()
			for b.Loop() {
				files, err := Discover(p)
				if err != nil || len(files.Models) != n {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadAndParse measures discovery plus parsing every property file.
func BenchmarkLoadAndParse(b *testing.B) {
	dir := genProject(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		p, diags := LoadProject(dir, nil)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		files, err := Discover(p)
		if err != nil {
			b.Fatal(err)
		}
		props, diags := ParsePropertyFiles(files.Properties, "")
		if diags.HasErrors() || len(props) == 0 {
			b.Fatal(diags)
		}
		_ = CheckDuplicatePatches(props)
	}
}

func BenchmarkParseProperties(b *testing.B) {
	dir := genProject(b, 33)
	src, err := os.ReadFile(filepath.Join(dir, "models", "dir_0000", "schema.yml"))
	if err != nil {
		b.Fatal(err)
	}
	for _, fast := range []bool{true, false} {
		name := "fast"
		if !fast {
			name = "yaml.v3"
		}
		b.Run(name, func(b *testing.B) {
			defer func(old bool) { fastYAML = old }(fastYAML)
			fastYAML = fast
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				p, diags := ParseProperties("models/dir_0000/schema.yml", src)
				if len(diags) != 0 || len(p.Models) != 33 {
					b.Fatal(diags)
				}
			}
		})
	}
}

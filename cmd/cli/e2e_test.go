package cli

// End-to-end tests: whole dbt projects under testdata/ run in-process
// through RunEnv against real DuckDB files in temp directories.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/duckdb"
)

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// copyDir copies a project to a temp dir so runs never touch the repo.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		base := info.Name()
		if info.IsDir() && (base == "target" || base == "logs") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(base, ".duckdb") || strings.HasSuffix(base, ".duckdb.wal") {
			return nil
		}
		out := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type runOut struct {
	code           int
	stdout, stderr string
}

func (r runOut) all() string { return r.stdout + r.stderr }

// kiln runs the CLI in dir with a controlled environment.
func kiln(t testing.TB, dir string, extraEnv map[string]string, args ...string) runOut {
	t.Helper()
	return kilnCtx(t, context.Background(), dir, extraEnv, args...)
}

// kilnCtx is kiln with a context (cancelling it is Ctrl-C).
func kilnCtx(t testing.TB, ctx context.Context, dir string, extraEnv map[string]string, args ...string) runOut {
	t.Helper()
	var out, errb bytes.Buffer
	home := t.TempDir()
	envm := map[string]string{"HOME": home}
	for k, v := range extraEnv {
		envm[k] = v
	}
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, cwd: dir,
		getenv: func(k string) (string, bool) {
			if v, ok := envm[k]; ok {
				return v, true
			}
			if k == "PATH" {
				return os.LookupEnv(k)
			}
			return "", false
		},
		environ: func() []string {
			var kv []string
			for k, v := range envm {
				kv = append(kv, k+"="+v)
			}
			return kv
		}}
	code := RunEnv(ctx, e, args)
	return runOut{code, out.String(), errb.String()}
}

// openDB opens a DuckDB file; call the returned func before kiln opens it.
func openDB(t testing.TB, path string) (adapters.Conn, func()) {
	t.Helper()
	a := duckdb.New()
	db, err := a.Open(context.Background(), adapters.Credentials{Fields: map[string]any{"type": "duckdb", "path": path}, Dir: filepath.Dir(path)}, 1)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	c, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return c, func() { c.Close(); db.Close() }
}

// tableCSV exports a table as DuckDB writes CSV, ordered by every column.
func tableCSV(t testing.TB, dbPath, table string) string {
	t.Helper()
	c, done := openDB(t, dbPath)
	defer done()
	out := filepath.Join(t.TempDir(), table+".csv")
	if _, err := c.Exec(context.Background(), "COPY (select * from "+table+" order by all) TO '"+out+"' (HEADER)"); err != nil {
		t.Fatalf("export %s: %v", table, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n")
	if len(lines) < 2 {
		return s
	}
	body := lines[1:]
	sortStrings(body)
	return lines[0] + "\n" + strings.Join(body, "\n")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// validateArtifacts checks target/*.json against dbt's published schemas.
func validateArtifacts(t *testing.T, dir string) {
	t.Helper()
	schemaDir := os.Getenv("KILN_DBT_SCHEMAS")
	if schemaDir == "" {
		schemaDir = filepath.Join(repoRoot(t), "..", "shared", "dbt-schemas")
	}
	if _, err := os.Stat(schemaDir); err != nil {
		t.Skipf("dbt JSON Schemas not found at %s (set KILN_DBT_SCHEMAS)", schemaDir)
	}
	for file, schema := range map[string]string{"manifest.json": "manifest-v12.json", "run_results.json": "run-results-v6.json"} {
		c := jsonschema.NewCompiler()
		sch, err := c.Compile(filepath.Join(schemaDir, schema))
		if err != nil {
			t.Fatalf("compile schema %s: %v", schema, err)
		}
		f, err := os.Open(filepath.Join(dir, "target", file))
		if err != nil {
			t.Fatalf("%s not written: %v", file, err)
		}
		inst, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s is not JSON: %v", file, err)
		}
		if err := sch.Validate(inst); err != nil {
			msg := err.Error()
			if len(msg) > 3000 {
				msg = msg[:3000]
			}
			t.Errorf("%s does not validate against %s:\n%s", file, schema, msg)
		}
	}
}

func runResults(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rr struct {
		Results []struct {
			Status   string `json:"status"`
			UniqueID string `json:"unique_id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rr.Results {
		out[r.UniqueID] = r.Status
	}
	return out
}

func countStatus(m map[string]string, prefix, status string) int {
	n := 0
	for id, s := range m {
		if strings.HasPrefix(id, prefix) && s == status {
			n++
		}
	}
	return n
}

// buildAndCompare builds a project and compares its tables to expected/.
func buildAndCompare(t *testing.T, src, dbFile string, tables []string, wantPass int) string {
	dir := copyDir(t, src)
	res := kiln(t, dir, nil, "build")
	if res.code != 0 {
		t.Fatalf("build exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "Done. PASS="+strconv.Itoa(wantPass)+" WARN=0 ERROR=0 SKIP=0") {
		t.Errorf("unexpected summary:\n%s", res.stdout)
	}
	for _, tbl := range tables {
		want, err := os.ReadFile(filepath.Join(src, "expected", tbl+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		got := tableCSV(t, filepath.Join(dir, dbFile), tbl)
		if sortedLines(got) != sortedLines(string(want)) {
			t.Errorf("table %s differs from expected/%s.csv\n--- got\n%s\n--- want\n%s", tbl, tbl, got, want)
		}
	}
	validateArtifacts(t, dir)
	return dir
}

func TestJaffleShopBuildsUnchanged(t *testing.T) {
	src := filepath.Join(repoRoot(t), "testdata", "jaffle_shop")
	dir := buildAndCompare(t, src, "jaffle_shop.duckdb", []string{"customers", "orders"}, 36)
	// A second build over the existing relations rebuilds them in place.
	res := kiln(t, dir, nil, "build")
	if res.code != 0 {
		t.Fatalf("rebuild exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestExampleProjectBuilds(t *testing.T) {
	src := filepath.Join(repoRoot(t), "example_project")
	buildAndCompare(t, src, "shop.duckdb", []string{"customers", "orders", "product_revenue"}, 50) // 49 nodes and the on-run-end hook
}

// TestErrorCases runs every testdata/errors case and checks its message,
// exit code, and that a relation built before the failing run survives.
func TestErrorCases(t *testing.T) {
	root := filepath.Join(repoRoot(t), "testdata", "errors")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		name := ent.Name()
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join(root, name))
			exp := readExpect(t, filepath.Join(dir, "expect.txt"))
			// Something already built: a sentinel table in the target database.
			db := filepath.Join(dir, "db.duckdb")
			c, done := openDB(t, db)
			if _, err := c.Exec(context.Background(), "create table main.sentinel as select 42 as answer"); err != nil {
				t.Fatal(err)
			}
			done()
			res := kiln(t, dir, nil, exp.args...)
			if res.code != exp.exit {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, exp.exit, res.stdout, res.stderr)
			}
			for _, s := range exp.stderr {
				if !strings.Contains(res.stderr, s) {
					t.Errorf("stderr lacks %q\nstderr:\n%s\nstdout:\n%s", s, res.stderr, res.stdout)
				}
			}
			for _, s := range exp.output {
				if !strings.Contains(res.all(), s) {
					t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", s, res.stdout, res.stderr)
				}
			}
			if got := strings.TrimSpace(tableCSV(t, db, "main.sentinel")); got != "answer\n42" {
				t.Errorf("the sentinel table was lost: %q", got)
			}
		})
	}
}

type expect struct {
	args           []string
	exit           int
	stderr, output []string
}

func readExpect(t *testing.T, path string) expect {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var e expect
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "args":
			e.args = strings.Fields(v)
		case "exit":
			e.exit, _ = strconv.Atoi(v)
		case "stderr-contains":
			e.stderr = append(e.stderr, v)
		case "output-contains":
			e.output = append(e.output, v)
		}
	}
	return e
}

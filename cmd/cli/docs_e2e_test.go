package cli

// End-to-end tests of `kiln docs generate` and `kiln docs serve` on
// testdata/docs_site (hostile descriptions, docs config, asset-paths, a
// profile with secrets in an unused target) and example_project.

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const (
	docsEnvSecret     = "env-secret-Zq81x"
	docsLiteralSecret = "literal-profile-secret-0451"
)

func docsSite(t *testing.T) string {
	t.Helper()
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "docs_site"))
	env := map[string]string{"KILN_DOCS_TEST_SECRET": docsEnvSecret}
	if r := kiln(t, dir, env, "build"); r.code != 0 {
		t.Fatalf("build exit %d\n%s", r.code, r.all())
	}
	return dir
}

func TestDocsGenerateSite(t *testing.T) {
	dir := docsSite(t)
	env := map[string]string{"KILN_DOCS_TEST_SECRET": docsEnvSecret}
	r := kiln(t, dir, env, "docs", "generate", "--static")
	if r.code != 0 {
		t.Fatalf("docs generate exit %d\n%s", r.code, r.all())
	}
	for _, want := range []string{"Catalog written to", "(4 relations)", "Docs site written to", "static_index.html"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	// a bad node_color is a positioned warning, not a failure
	if !regexp.MustCompile(`models/teams\.sql(:\d+)*: warning: model 'teams': docs.node_color 'not-a-colour' is not an HTML colour.*properties are in models/schema\.yml`).MatchString(r.stderr) {
		t.Errorf("stderr lacks the node_color warning:\n%s", r.stderr)
	}
	target := filepath.Join(dir, "target")
	for _, f := range []string{"index.html", "static_index.html", "manifest.json", "catalog.json", "kiln-docs/app.js", "kiln-docs/index.js", "kiln-docs/details.js", "assets/teams.png", "compiled/docsite/models/teams.sql"} {
		if _, err := os.Stat(filepath.Join(target, f)); err != nil {
			t.Errorf("target/%s not written: %v", f, err)
		}
	}
	validateArtifacts(t, dir)
	validateCatalogFile(t, filepath.Join(target, "catalog.json"))

	// catalog: the project's relations only, with types and row counts
	var cat struct {
		Nodes map[string]struct {
			Metadata struct{ Type string }
			Columns  map[string]struct {
				Type  string
				Index int
			}
			Stats map[string]struct{ Value any }
		}
	}
	readJSON(t, filepath.Join(target, "catalog.json"), &cat)
	people := cat.Nodes["model.docsite.people"]
	if people.Metadata.Type != "BASE TABLE" || people.Columns["id"].Type != "INTEGER" || people.Columns["team"].Index != 3 {
		t.Errorf("catalog people = %+v", people)
	}
	if v, _ := people.Stats["num_rows"].Value.(float64); v != 3 {
		t.Errorf("people num_rows = %v, want 3", people.Stats["num_rows"].Value)
	}
	if cat.Nodes["model.docsite.hidden_helper"].Metadata.Type != "VIEW" {
		t.Errorf("hidden_helper (docs.show false) still belongs in catalog.json: %+v", cat.Nodes["model.docsite.hidden_helper"])
	}

	// the site data: hostile HTML is gone, hidden nodes are marked
	idx := readFile(t, filepath.Join(target, "kiln-docs", "index.js"))
	det := readFile(t, filepath.Join(target, "kiln-docs", "details.js"))
	static := readFile(t, filepath.Join(target, "static_index.html"))
	// Descriptions are HTML only in details.js: hostile tags and javascript:
	// links must be gone there (index.js and the static page also carry a
	// plain-text excerpt, which the site inserts as text).
	if regexp.MustCompile(`(?i)\\u003c(script|img src=x|b )`).MatchString(det) {
		t.Errorf("hostile markup survived rendering in details.js")
	}
	if strings.Contains(det, "javascript:") || strings.Contains(det, "onerror") || strings.Contains(det, "onmouseover") {
		t.Errorf("a script URL or event handler survived in details.js")
	}
	if !strings.Contains(static, "window.KILN_DETAILS = ") || strings.Contains(static, `src="kiln-docs/`) {
		t.Errorf("static_index.html is not self-contained")
	}
	if !strings.Contains(det, `\u003cstrong\u003ebold\u003c/strong\u003e`) {
		t.Errorf("Markdown was not rendered in details.js")
	}
	if !regexp.MustCompile(`"id":"model\.docsite\.hidden_helper"[^}]*"h":true`).MatchString(idx) {
		t.Errorf("hidden_helper is not marked hidden in index.js")
	}
	if !regexp.MustCompile(`"id":"model\.docsite\.people"[^}]*"c":"#1f77b4"`).MatchString(idx) {
		t.Errorf("people's node_color is missing from index.js")
	}

	// no credential from profiles.yml anywhere under target/
	assertNoSecrets(t, target)
}

func assertNoSecrets(t *testing.T, target string) {
	t.Helper()
	err := filepath.Walk(target, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, secret := range []string{docsEnvSecret, docsLiteralSecret} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s contains a credential from profiles.yml (%s)", p, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDocsGenerateNoCompileAndSelect(t *testing.T) {
	dir := docsSite(t)
	env := map[string]string{"KILN_DOCS_TEST_SECRET": docsEnvSecret}
	r := kiln(t, dir, env, "docs", "generate", "--no-compile", "--select", "people")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.all())
	}
	var man struct {
		Nodes map[string]struct {
			CompiledCode string `json:"compiled_code"`
		}
	}
	readJSON(t, filepath.Join(dir, "target", "manifest.json"), &man)
	if c := man.Nodes["model.docsite.people"].CompiledCode; c != "" {
		t.Errorf("--no-compile: people has compiled code %q", c)
	}
	var cat struct {
		Nodes map[string]any
	}
	readJSON(t, filepath.Join(dir, "target", "catalog.json"), &cat)
	if len(cat.Nodes) != 1 || cat.Nodes["model.docsite.people"] == nil {
		t.Errorf("--select people: catalog nodes = %v", cat.Nodes)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "static_index.html")); err == nil {
		t.Errorf("static_index.html written without --static")
	}
	assertNoSecrets(t, filepath.Join(dir, "target"))
}

func TestDocsGenerateBadSelector(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "docs_site"))
	env := map[string]string{"KILN_DOCS_TEST_SECRET": docsEnvSecret}
	r := kiln(t, dir, env, "docs", "generate", "--select", "colour:blue")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "colour") {
		t.Errorf("bad selector: exit %d\n%s", r.code, r.all())
	}
}

// An unbuilt project still gets a site: the catalog is simply empty.
func TestDocsGenerateExampleUnbuilt(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "example_project"))
	r := kiln(t, dir, nil, "docs", "generate")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.all())
	}
	if !strings.Contains(r.stdout, "(0 relations)") {
		t.Errorf("unbuilt project catalog:\n%s", r.stdout)
	}
	validateCatalogFile(t, filepath.Join(dir, "target", "catalog.json"))
	idx := readFile(t, filepath.Join(dir, "target", "kiln-docs", "index.js"))
	if !strings.Contains(idx, "Shop analytics") {
		t.Errorf("the __overview__ docs block is not the home page")
	}
}

func TestDocsServe(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "example_project"))
	if r := kiln(t, dir, nil, "docs", "generate", "--no-compile"); r.code != 0 {
		t.Fatalf("generate: %s", r.all())
	}

	// a port in use is refused with a clear message and exit 2
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	r := kiln(t, dir, nil, "docs", "serve", "--port", port, "--no-browser")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "127.0.0.1:"+port+" is already taken") || !strings.Contains(r.stderr, "--port") {
		t.Errorf("busy port: exit %d\n%s", r.code, r.all())
	}

	// serving: index.html and the data scripts come back; Ctrl-C stops it
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb syncBuf
	e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errb, cwd: dir,
		getenv: func(k string) (string, bool) { return "", false }}
	code := make(chan int, 1)
	go func() {
		code <- RunEnv(ctx, e, []string{"docs", "serve", "--port", "0", "--no-browser"})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v %s", err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve did not print its address: %q", line)
	}
	for path, want := range map[string]string{"": "kiln-docs/app.js", "kiln-docs/index.js": "window.KILN_INDEX", "catalog.json": "catalog/v1.json"} {
		resp, err := http.Get(m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET /%s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	if resp, err := http.Get(m[1] + "kiln-docs/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("directory listing served: %d", resp.StatusCode)
		}
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("serve exit %d after Ctrl-C: %s", c, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}

	// nothing generated yet: say what to run
	empty := copyDir(t, filepath.Join(repoRoot(t), "example_project"))
	r = kiln(t, empty, nil, "docs", "serve", "--no-browser")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "run `kiln docs generate` first") {
		t.Errorf("serve without a site: exit %d\n%s", r.code, r.all())
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readJSON(t *testing.T, p string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(readFile(t, p)), v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

func validateCatalogFile(t *testing.T, path string) {
	t.Helper()
	schemaDir := os.Getenv("KILN_DBT_SCHEMAS")
	if schemaDir == "" {
		schemaDir = filepath.Join(repoRoot(t), "..", "shared", "dbt-schemas")
	}
	if _, err := os.Stat(filepath.Join(schemaDir, "catalog-v1.json")); err != nil {
		t.Skipf("dbt JSON Schemas not found at %s (set KILN_DBT_SCHEMAS)", schemaDir)
	}
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join(schemaDir, "catalog-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("catalog.json does not validate against catalog-v1.json: %v", err)
	}
}

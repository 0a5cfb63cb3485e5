package docs_test

// dbt's own documentation app (the index.html shipped in the dbt-core
// wheel) opens kiln's manifest.json and catalog.json: people and tools
// that host dbt's docs site keep working when kiln writes the artifacts.

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dbtDocsIndex finds dbt's docs app: $KILN_DBT_DOCS_INDEX, the consumer
// venv that .ci/setup-consumers.sh makes, or the reference dbt's venv.
func dbtDocsIndex(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p := os.Getenv("KILN_DBT_DOCS_INDEX"); p != "" {
		candidates = append(candidates, p)
	}
	if v := os.Getenv("KILN_CONSUMERS_VENV"); v != "" {
		candidates = append(candidates, filepath.Join(v, "dbt-docs", "index.html"))
	}
	if d := os.Getenv("KILN_DBT"); d != "" {
		m, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(d)), "lib", "python*", "site-packages", "dbt", "task", "docs", "index.html"))
		candidates = append(candidates, m...)
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("dbt's docs app is required under CI: run .ci/setup-consumers.sh and set KILN_CONSUMERS_VENV")
	}
	t.Skip("dbt's docs index.html not found (run .ci/setup-consumers.sh and set KILN_CONSUMERS_VENV); skipped")
	return ""
}

func TestDbtDocsAppOpensKilnArtifacts(t *testing.T) {
	index := dbtDocsIndex(t)
	needChromium(t)
	dir := filepath.Join(t.TempDir(), "shop")
	copyTree(t, filepath.Join(repoRoot(), "example_project"), dir)
	runKiln(t, "build", "--project-dir", dir, "-q")
	runKiln(t, "docs", "generate", "--project-dir", dir)

	// dbt's app fetches manifest.json and catalog.json next to itself.
	site := t.TempDir()
	for src, dst := range map[string]string{
		index: "index.html", filepath.Join(dir, "target", "manifest.json"): "manifest.json",
		filepath.Join(dir, "target", "catalog.json"): "catalog.json",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(site, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer srv.Close()

	shots := shotDir(t)
	b := startBrowser(t, 1400, 900)
	b.navigate(srv.URL + "/index.html#!/overview")
	// The project's overview doc, and the project tree in the side bar.
	b.waitFor("home page", "document.querySelector('.app-details') && /Shop analytics/.test(document.querySelector('.app-details').innerText) && /Projects[\\s\\S]*shop/.test(document.body.innerText)")
	b.screenshot(filepath.Join(shots, "dbtdocs-home.png"))

	b.eval("location.hash = '#!/model/model.shop.orders'", nil)
	b.waitFor("model page", "document.querySelector('.app-details') && /orders/.test(document.querySelector('.app-details').innerText) && /order_id/.test(document.body.innerText)")
	var body string
	b.eval("document.querySelector('.app-details').innerText", &body)
	for _, want := range []string{"order_id", "INTEGER"} {
		if !strings.Contains(body, want) {
			t.Errorf("dbt's model page for orders lacks %q:\n%.1500s", want, body)
		}
	}
	b.screenshot(filepath.Join(shots, "dbtdocs-model.png"))

	// The lineage view: the graph button opens the DAG with the model's
	// neighbourhood drawn by cytoscape.
	b.eval("document.querySelector('.launcher-btn a').click()", nil)
	b.waitFor("lineage graph", "document.querySelector('.launcher.on') && document.querySelectorAll('.graph-viz canvas, #cy canvas').length > 0")
	b.screenshot(filepath.Join(shots, "dbtdocs-lineage.png"))

	var problems []string
	for _, p := range b.problemList() {
		// The app itself requests its favicon and two icon URLs before
		// Angular fills their templates in; it does so with dbt's own
		// artifacts too.
		if strings.Contains(p, "status of 404") && (strings.Contains(p, "favicon") || strings.Contains(p, "getIcon")) {
			continue
		}
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		t.Errorf("dbt's docs app reported problems with kiln's artifacts:\n%s", strings.Join(problems, "\n"))
	}
}

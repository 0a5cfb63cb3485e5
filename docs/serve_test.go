package docs

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestServeOnlySiteFiles: docs serve hands out the site, the artifacts
// dbt-docs reads and the asset-paths, never the rest of target/ (the parse
// cache, compiled SQL, run results) nor what a symlink points at outside.
func TestServeOnlySiteFiles(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	files := map[string]string{
		"index.html": "<html>site</html>", "static_index.html": "static", "manifest.json": "{}", "catalog.json": "{}",
		"kiln-docs/app.js": "app", "assets/chart.png": "png",
		"kiln_parse_cache.gob": "cache", "kiln_state.json": "state", "run_results.json": "results",
		"compiled/shop/models/orders.sql": "select 1", "run/shop/models/orders.sql": "select 1", "graph.gpickle": "g",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, to := range map[string]string{
		"kiln-docs/out.txt":   outside,
		"assets/cache.gob":    filepath.Join(dir, "kiln_parse_cache.gob"),
		"kiln-docs/again.js":  filepath.Join(dir, "kiln-docs", "app.js"),
		"assets/up":           filepath.Dir(outside),
		"kiln-docs/loop":      filepath.Join(dir, "kiln-docs", "loop"),
		"manifest-link.json":  filepath.Join(dir, "manifest.json"),
		"assets/results.json": filepath.Join(dir, "run_results.json"),
	} {
		if err := os.Symlink(to, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, dir, "assets") }()
	defer func() { cancel(); <-done }()
	base := "http://" + l.Addr().String() + "/"
	for path, want := range map[string]string{
		"": "<html>site</html>", "index.html": "", "static_index.html": "static", "manifest.json": "{}", "catalog.json": "{}",
		"kiln-docs/app.js": "app", "assets/chart.png": "png", "kiln-docs/again.js": "app",
	} {
		code, body := get(t, base+path)
		if code != 200 || (want != "" && body != want) {
			t.Errorf("GET /%s: %d %q, want 200 %q", path, code, body, want)
		}
	}
	for _, path := range []string{"kiln_parse_cache.gob", "kiln_state.json", "run_results.json", "compiled/shop/models/orders.sql",
		"run/shop/models/orders.sql", "graph.gpickle", "kiln-docs/out.txt", "assets/cache.gob", "assets/up/secret.txt",
		"kiln-docs/loop", "manifest-link.json", "assets/results.json", "../" + filepath.Base(filepath.Dir(outside)) + "/secret.txt",
		"kiln-docs/../kiln_parse_cache.gob", "assets/", "compiled/"} {
		if code, body := get(t, base+path); code != 404 {
			t.Errorf("GET /%s: %d %q, want 404", path, code, body)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

package docs_test

// Benchmarks for the docs targets at 5,000 models (bench/gen's project):
//
//	go test -run '^$' -bench 'Docs' -benchtime 3x ./docs/
//
// BenchmarkDocsGenerate5000 times a cold `kiln docs generate` (parse,
// compile of every node, catalog, layout, site); BenchmarkDocsPageOpen5000
// reports ms from navigation start to the site's first render in headless
// Chromium. Targets: generate ≤ 5 s, first render ≤ 1 s.

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func BenchmarkDocsGenerate5000(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "p5000")
	copyTree(b, bigProject(b), dir)
	for b.Loop() {
		b.StopTimer()
		if err := os.RemoveAll(filepath.Join(dir, "target")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		runKiln(b, "docs", "generate", "--project-dir", dir, "-q")
	}
}

func BenchmarkDocsPageOpen5000(b *testing.B) {
	needChromium(b)
	dir := filepath.Join(b.TempDir(), "p5000")
	copyTree(b, bigProject(b), dir)
	runKiln(b, "docs", "generate", "--project-dir", dir, "-q")
	br := startBrowser(b, 1400, 900)
	page := "file://" + filepath.Join(dir, "target", "index.html")
	total := 0.0
	n := 0
	for b.Loop() {
		n++
		br.navigate(page + "?open=" + strconv.Itoa(n))
		br.waitFor("first render", "window.__kilnFirstRender !== undefined && location.search === '?open="+strconv.Itoa(n)+"'")
		var ms float64
		br.eval("window.__kilnFirstRender", &ms)
		total += ms
	}
	b.ReportMetric(total/float64(n), "ms/first-render")
}

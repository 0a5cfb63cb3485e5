package docs_test

// Browser tests: generate the docs site for example_project and for a
// generated 5,000-model project, open them in headless Chromium, visit a
// model page, search from the keyboard, open the lineage graph, and fail on
// any console error, uncaught exception or request that leaves the machine.
// Screenshots go to $KILN_SCREENSHOT_DIR (or a temp dir).

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/cmd/cli"
	"github.com/kiln-dev/kiln/docs"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), ".."))
}

var tmpRoot string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "kiln-docs-test-")
	if err != nil {
		panic(err)
	}
	tmpRoot = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		base := info.Name()
		if info.IsDir() && (base == "target" || base == "logs") {
			return filepath.SkipDir
		}
		if strings.Contains(base, ".duckdb") {
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
}

func runKiln(t testing.TB, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("kiln %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

var (
	bigOnce sync.Once
	bigDir  string
	bigErr  error
)

// bigProject writes a 5,000-model project with bench/gen once per run.
func bigProject(t testing.TB) string {
	t.Helper()
	bigOnce.Do(func() {
		bigDir = filepath.Join(tmpRoot, "p5000")
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		cmd := exec.Command(goBin, "run", "./bench/gen", "-models", "5000", "-out", bigDir)
		cmd.Dir = repoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			bigErr = fmt.Errorf("bench/gen: %v\n%s", err, out)
		}
	})
	if bigErr != nil {
		t.Fatal(bigErr)
	}
	return bigDir
}

func shotDir(t testing.TB) string {
	if d := os.Getenv("KILN_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func checkClean(t *testing.T, b *browser, allowed func(string) bool) {
	t.Helper()
	if p := b.problemList(); len(p) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(p, "\n"))
	}
	for _, u := range b.requestList() {
		if !allowed(u) {
			t.Errorf("the site requested %s: it must not fetch anything from the network", u)
		}
	}
}

func firstRender(t *testing.T, b *browser) float64 {
	t.Helper()
	b.waitFor("first render", "window.__kilnFirstRender !== undefined")
	var ms float64
	b.eval("window.__kilnFirstRender", &ms)
	return ms
}

// exercise visits a model page, searches from the keyboard and opens the
// lineage graph with a selector; it returns the graph's status line.
func exercise(t *testing.T, b *browser, model, search, wantHit, selector, shots, prefix string) string {
	t.Helper()
	b.eval(fmt.Sprintf("location.hash = '#/node/' + encodeURIComponent(%q)", model), nil)
	b.waitFor("model page", fmt.Sprintf("document.querySelector('h1') && document.querySelector('h1').textContent === %q && document.querySelector('pre.sql') && document.querySelector('.lineage canvas')", model[strings.LastIndex(model, ".")+1:]))
	b.screenshot(filepath.Join(shots, prefix+"-model.png"))

	// keyboard search: '/' focuses, typing filters, Enter opens the first hit
	b.eval("document.activeElement && document.activeElement.blur()", nil)
	b.key("/", "Slash", 191, "/")
	b.waitFor("search focus", "document.activeElement && document.activeElement.id === 'q'")
	b.typeText(search)
	b.waitFor("search results", "document.querySelectorAll('#results .res').length > 0")
	var first string
	b.eval("document.querySelector('#results .res .nm').textContent", &first)
	if first != wantHit {
		t.Errorf("first search hit for %q = %q, want %q", search, first, wantHit)
	}
	b.screenshot(filepath.Join(shots, prefix+"-search.png"))
	b.key("Enter", "Enter", 13, "\r")
	b.waitFor("search result page", fmt.Sprintf("document.querySelector('h1') && document.querySelector('h1').textContent === %q", wantHit))

	// full lineage graph with a selector
	b.eval(fmt.Sprintf("location.hash = '#/graph?select=' + encodeURIComponent(%q)", selector), nil)
	b.waitFor("graph", "document.getElementById('gmsg') && / of /.test(document.getElementById('gmsg').textContent)")
	time.Sleep(300 * time.Millisecond) // let the canvas paint before the screenshot
	var msg string
	b.eval("document.getElementById('gmsg').textContent", &msg)
	b.screenshot(filepath.Join(shots, prefix+"-lineage.png"))

	// scroll zooms; clicking a node traces it and shows its card;
	// double-clicking opens its page
	var k0 float64
	b.eval("window.__kilnGraph.k", &k0)
	var at struct{ X, Y float64 }
	b.eval("(() => { const g = window.__kilnGraph, r = document.getElementById('graph-canvas').getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()", &at)
	b.call("Input.dispatchMouseEvent", map[string]any{"type": "mouseWheel", "x": at.X, "y": at.Y, "deltaX": 0, "deltaY": -300})
	b.waitFor("zoom", fmt.Sprintf("window.__kilnGraph.k > %v", k0))
	b.eval(fmt.Sprintf("(() => { const g = window.__kilnGraph, a = g.loc.get(KILN_INDEX.nodes.findIndex(n => n.id === %q)), r = document.getElementById('graph-canvas').getBoundingClientRect(); g.center(g.ks[a]); return {X: r.left + g.w / 2, Y: r.top + g.h / 2}; })()", model), &at)
	click := func(count int) {
		for _, typ := range []string{"mousePressed", "mouseReleased"} {
			b.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": at.X, "y": at.Y, "button": "left", "clickCount": count})
		}
	}
	click(1)
	b.waitFor("node card", fmt.Sprintf("!document.querySelector('.gcard').hidden && document.querySelector('.gcard h3').textContent === %q", model[strings.LastIndex(model, ".")+1:]))
	b.screenshot(filepath.Join(shots, prefix+"-lineage-focus.png"))
	click(2)
	b.waitFor("double-click opens the page", fmt.Sprintf("location.hash === '#/node/' + encodeURIComponent(%q)", model))
	b.eval("history.back()", nil)
	b.waitFor("back to the graph", "document.getElementById('gsel') && document.getElementById('gmsg')")

	// a bad selector is explained, not thrown
	b.eval("document.getElementById('gsel').value = 'colour:blue'; document.querySelector('.gbar .btn.primary').click()", nil)
	b.waitFor("selector error", "document.querySelector('#gmsg.err') && /unknown selection method 'colour'/.test(document.getElementById('gmsg').textContent)")
	return msg
}

func TestBrowserExampleProject(t *testing.T) {
	needChromium(t)
	dir := filepath.Join(t.TempDir(), "shop")
	copyTree(t, filepath.Join(repoRoot(), "example_project"), dir)
	runKiln(t, "build", "--project-dir", dir, "-q")
	runKiln(t, "docs", "generate", "--project-dir", dir, "--static")

	shots := shotDir(t)
	b := startBrowser(t, 1400, 900)
	fileOnly := func(u string) bool { return strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:") }

	b.navigate("file://" + filepath.Join(dir, "target", "index.html"))
	ms := firstRender(t, b)
	t.Logf("example_project first render: %.0f ms", ms)
	b.waitFor("overview", "document.querySelector('.desc h1') && document.querySelector('.desc h1').textContent === 'Shop analytics'")
	b.screenshot(filepath.Join(shots, "example-overview.png"))
	msg := exercise(t, b, "model.shop.orders", "stg_orders", "stg_orders", "+orders+", shots, "example")
	// the site's selector agrees with kiln's own (`kiln ls`; the site draws
	// analyses, which ls leaves out unless asked, as dbt's does)
	ls := strings.Fields(runKiln(t, "ls", "--project-dir", dir, "-q", "-s", "+orders+", "--exclude", "resource_type:test", "--resource-type", "all"))
	if want := fmt.Sprintf("%d of 15 nodes", len(ls)); !strings.HasPrefix(msg, want) {
		t.Errorf("+orders+ graph status = %q, want %q like `kiln ls`:\n%s", msg, want, strings.Join(ls, "\n"))
	}
	// column tests and catalog types on the model page
	b.eval("location.hash = '#/node/model.shop.orders'", nil)
	b.waitFor("columns", "document.querySelector('table.cols')")
	var cols string
	b.eval("Array.from(document.querySelectorAll('table.cols tbody tr')).slice(0, 2).map(r => r.innerText.replace(/\\s+/g, ' ').trim()).join(' | ')", &cols)
	if !strings.Contains(cols, "order_id INTEGER Primary key.") || !strings.Contains(cols, "unique") || !strings.Contains(cols, "not_null") {
		t.Errorf("orders columns = %q, want order_id with its type, description and tests", cols)
	}
	// the per-node lineage depth control
	b.eval("Array.from(document.querySelectorAll('.lbar .btn')).find(x => x.textContent === 'all').click()", nil)
	b.waitFor("lineage all upstream", "/nodes?$/.test(document.querySelector('.lbar > span:nth-of-type(3)').textContent)")
	b.screenshot(filepath.Join(shots, "example-node-lineage.png"))
	checkClean(t, b, fileOnly)

	// the single-file site works on its own
	static := filepath.Join(t.TempDir(), "static_index.html")
	raw, err := os.ReadFile(filepath.Join(dir, "target", "static_index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(static, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	b2 := startBrowser(t, 1200, 800)
	b2.navigate("file://" + static + "#/node/model.shop.customers")
	firstRender(t, b2)
	b2.waitFor("static model page", "document.querySelector('table.cols') && /lifetime_value/.test(document.querySelector('table.cols').innerText)")
	checkClean(t, b2, fileOnly)
}

func TestBrowser5000Models(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("-short: skipping the 5,000-model browser test")
	}
	dir := filepath.Join(t.TempDir(), "p5000")
	copyTree(t, bigProject(t), dir)
	start := time.Now()
	runKiln(t, "docs", "generate", "--project-dir", dir, "-q")
	t.Logf("docs generate (5,000 models, cold): %v", time.Since(start).Round(time.Millisecond))

	l, err := docs.Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- docs.Serve(ctx, l, filepath.Join(dir, "target")) }()
	defer func() { cancel(); <-done }()
	base := "http://" + l.Addr().String() + "/"
	host := l.Addr().(*net.TCPAddr).String()

	shots := shotDir(t)
	b := startBrowser(t, 1400, 900)
	b.navigate(base)
	ms := firstRender(t, b)
	t.Logf("5,000 models first render: %.0f ms", ms)
	var model string
	b.eval("KILN_INDEX.nodes.find(n => n.t === 'model' && n.p && n.p.length > 1 && /^model\\.bench\\.int_/.test(n.id)).id", &model)
	name := model[strings.LastIndex(model, ".")+1:]
	b.eval("location.hash = '#/graph'", nil)
	b.waitFor("full graph", "document.getElementById('gmsg') && /nodes/.test(document.getElementById('gmsg').textContent)")
	time.Sleep(300 * time.Millisecond)
	b.screenshot(filepath.Join(shots, "p5000-full-graph.png"))
	var paint struct{ Full, Zoomed float64 }
	b.eval(`(() => { const g = window.__kilnGraph, t0 = performance.now(); g.paint(); const t1 = performance.now();
		g.zoomAt(g.w / 2, g.h / 2, 8); g.pending = false; const t2 = performance.now(); g.paint(); const t3 = performance.now();
		g.fit(); return {Full: t1 - t0, Zoomed: t3 - t2}; })()`, &paint)
	t.Logf("5,000 models: one frame of the whole graph %.1f ms, zoomed in %.1f ms", paint.Full, paint.Zoomed)
	msg := exercise(t, b, model, name, name, "+"+name+"+", shots, "p5000")
	if !strings.Contains(msg, " of 5,012 nodes") {
		t.Errorf("graph status = %q", msg)
	}
	checkClean(t, b, func(u string) bool { return strings.HasPrefix(u, "http://"+host+"/") || strings.HasPrefix(u, "data:") })
}

// Descriptions with <script>, <img onerror>, event handlers and javascript:
// links render as text or not at all: nothing in them runs.
func TestBrowserHostileDescriptions(t *testing.T) {
	needChromium(t)
	t.Setenv("KILN_DOCS_TEST_SECRET", "unused")
	dir := filepath.Join(t.TempDir(), "site")
	copyTree(t, filepath.Join(repoRoot(), "testdata", "docs_site"), dir)
	runKiln(t, "build", "--project-dir", dir, "-q")
	runKiln(t, "docs", "generate", "--project-dir", dir, "--static", "-q")
	for _, page := range []string{"index.html", "static_index.html"} {
		b := startBrowser(t, 1200, 800)
		b.navigate("file://" + filepath.Join(dir, "target", page) + "#/node/model.docsite.people")
		firstRender(t, b)
		b.waitFor("people page", "document.querySelector('table.cols') && document.querySelector('.desc strong')")
		// hover every element so mouse handlers would fire if any survived
		b.eval("document.querySelectorAll('*').forEach(el => el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))", nil)
		b.eval("location.hash = '#/node/exposure.docsite.team_dashboard'", nil)
		b.waitFor("exposure page", "(document.querySelector('h1') || {}).textContent === 'team_dashboard' && document.querySelector('dl.kv')")
		var pwned any
		b.eval("window.__pwned === undefined ? null : window.__pwned", &pwned)
		if pwned != nil {
			t.Errorf("%s: a description ran script (window.__pwned = %v)", page, pwned)
		}
		var links int
		b.eval("document.querySelectorAll('a[href^=\"javascript:\"]').length", &links)
		if links != 0 {
			t.Errorf("%s: %d javascript: links on the page", page, links)
		}
		checkClean(t, b, func(u string) bool {
			// the Markdown image points at asset-paths, copied next to the site
			return strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:")
		})
	}
}

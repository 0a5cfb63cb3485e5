package cli

// kiln docs generate / kiln docs serve.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/docs"
	"github.com/kiln-dev/kiln/internal/run"
)

func newDocsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Generate and serve the documentation site (catalog.json, lineage, search)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDocsGenerateCmd(e), newDocsServeCmd(e))
	return cmd
}

type docsGenerateFlags struct {
	commonFlags
	static       bool
	noCompile    bool
	emptyCatalog bool
}

func newDocsGenerateCmd(e *env) *cobra.Command {
	f := &docsGenerateFlags{}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Compile the project, write catalog.json and the docs site under target/",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runDocsGenerate(cmd.Context(), e, f) },
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 0, "parallel workers for compiling and catalog queries (default: the profile's threads)")
	fl.BoolVar(&f.static, "static", false, "also write target/static_index.html: one self-contained file with all data inline")
	fl.BoolVar(&f.noCompile, "no-compile", false, "skip compiling; the site shows source SQL only")
	fl.BoolVar(&f.emptyCatalog, "empty-catalog", false, "write catalog.json without querying the warehouse (no column types or statistics)")
	return cmd
}

func runDocsGenerate(ctx context.Context, e *env, f *docsGenerateFlags) error {
	start := time.Now()
	// The catalog queries the warehouse, so it opens whatever is selected.
	f.openEarly = !f.emptyCatalog
	s, err := e.load(ctx, &f.commonFlags, "generate")
	if err != nil {
		return err
	}
	defer s.discardEarly() // an error before the catalog opens it
	s.found()
	var only map[string]bool
	if len(f.selects) > 0 || len(f.excludes) > 0 {
		ids, err := s.selectNodes(nil)
		if err != nil {
			return exitWith(ExitUsage, err)
		}
		only = make(map[string]bool, len(ids))
		for _, id := range ids {
			only[id] = true
		}
	}
	// Compiling rarely queries the warehouse; the catalog always does
	// (unless --empty-catalog), so the database opens then at the latest.
	db := s.openLazy(ctx, f.threads)
	defer db.Close()

	failed := 0
	var results *compileResults
	if !f.noCompile {
		var werr error
		results = &compileResults{}
		failed, werr = compileForDocs(ctx, s, db, f.threads, only, results, compiledHooks(s, &f.commonFlags))
		if ctx.Err() != nil {
			return exitWith(ExitInterrupt, fmt.Errorf("interrupted"))
		}
		if oerr := db.OpenErr(); oerr != nil {
			return oerr
		}
		if werr != nil {
			return exitWith(ExitUsage, artifactErr(fmt.Errorf("writing compiled SQL: %w", werr), false))
		}
	}
	if err := s.writeManifest(); err != nil {
		return writingManifest(err)
	}
	writeResults := func() error { return writeEmptyResults(s, "generate") }
	switch {
	case failed > 0:
		// As dbt, whose compile stops at a node that fails: no
		// run_results.json.
		writeResults = func() error { return nil }
	case results != nil:
		writeResults = func() error { return results.write(s, "generate") }
	}
	if err := writeResults(); err != nil {
		return exitWith(ExitUsage, artifactErr(fmt.Errorf("writing run_results.json: %w", err), false))
	}

	s.p.Line("Building catalog")
	catOnly := only
	if f.emptyCatalog {
		catOnly = map[string]bool{} // nothing to look up
	}
	var catDB adapters.DB = db // --empty-catalog: never opened
	if !f.emptyCatalog {
		if catDB, err = db.DB(ctx); err != nil {
			return err
		}
	}
	cat, err := docs.BuildCatalog(ctx, s.res.Manifest, catDB, docs.CatalogOptions{
		Workers: f.threads, Only: catOnly, DbtVersion: compiler.DbtVersion, InvocationID: s.invID, InvocationStartedAt: s.started,
	})
	if err != nil {
		if ctx.Err() != nil {
			return exitWith(ExitInterrupt, fmt.Errorf("interrupted"))
		}
		return exitWith(ExitFailure, fmt.Errorf("building the catalog: %v", err))
	}
	for _, msg := range cat.Errors {
		e.warn("warning: catalog: " + msg)
	}
	catPath := filepath.Join(s.targetDir, "catalog.json")
	if err := manifest.WriteJSONFile(catPath, cat); err != nil {
		return exitWith(ExitFailure, fmt.Errorf("writing catalog.json: %w", err))
	}
	s.p.Line("Catalog written to %s (%d relations)", catPath, len(cat.Nodes)+len(cat.Sources))

	ix, details, warns := docs.BuildData(s.res.Manifest, cat, docs.SiteOptions{
		Project: s.proj.Name, Generated: time.Now().UTC().Format("2006-01-02 15:04 MST"),
	})
	e.printDiags(warns)
	if err := docs.WriteSite(s.targetDir, ix, details); err != nil {
		return exitWith(ExitFailure, fmt.Errorf("writing the docs site: %w", err))
	}
	if f.static {
		if err := docs.WriteStatic(filepath.Join(s.targetDir, "static_index.html"), ix, details); err != nil {
			return exitWith(ExitFailure, fmt.Errorf("writing static_index.html: %w", err))
		}
	}
	for _, ap := range s.proj.AssetPaths {
		if err := copyAssets(s.dir, ap, s.targetDir); err != nil {
			e.warn(fmt.Sprintf("%s: warning: asset-paths entry '%s': %v", filepath.Join(s.dir, "dbt_project.yml"), ap, err))
		}
	}
	s.p.Line("Docs site written to %s (%.2fs); open it in a browser or run `kiln docs serve`", filepath.Join(s.targetDir, "index.html"), time.Since(start).Seconds())
	if f.static {
		s.p.Line("Single-file site written to %s", filepath.Join(s.targetDir, "static_index.html"))
	}
	if failed > 0 {
		return exitWith(ExitFailure, fmt.Errorf("%d node%s failed to compile; their pages show source SQL only", failed, pl(failed)))
	}
	return nil
}

// compileForDocs renders every model, analysis, snapshot and test (or the
// selected ones) on threads connections, writing target/compiled/ as
// `kiln compile` does. It returns how many failed (their errors are printed)
// and the first file that could not be written.
func compileForDocs(ctx context.Context, s *session, db adapters.DB, threads int, only map[string]bool, results *compileResults, hooks []*manifest.Node) (int, error) {
	var ids []string
	for id, n := range s.res.Manifest.Nodes {
		switch n.ResourceType {
		case manifest.Model, manifest.Analysis, manifest.Snapshot, manifest.Test, manifest.Seed:
		default:
			continue
		}
		if n.Language == "python" {
			continue
		}
		if only != nil && !only[id] {
			continue
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	s.concurrencyLine(len(ids) + len(hooks))
	for _, id := range hooks {
		ids = append(ids, id.UniqueID)
	}
	jobs := make(chan string)
	var mu sync.Mutex
	var errs []string
	var werr error // under mu
	var wg sync.WaitGroup
	// Writing target/compiled/ (one file per node, as dbt does) is I/O
	// bound and dominates at thousands of nodes: a separate writer pool
	// keeps the renderers busy and creates each directory once.
	writes := make(chan compiledFile, 256)
	var wwg sync.WaitGroup
	for range 8 {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for f := range writes {
				if err := run.WriteSQLFile(f.path, f.sql); err != nil {
					mu.Lock()
					if werr == nil {
						werr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for w := range max(1, threads) {
		wg.Add(1)
		thread := fmt.Sprintf("Thread-%d (worker)", w+1)
		go func() {
			defer wg.Done()
			conn, err := db.Conn(ctx)
			if err != nil {
				for id := range jobs {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%s: %v", id, err))
					mu.Unlock()
				}
				return
			}
			defer conn.Close()
			for id := range jobs {
				start := time.Now()
				if h := s.res.Manifest.Hooks[id]; h != nil {
					sql, err := run.CompileHook(ctx, s.res, h, conn)
					results.add(h, thread, start, time.Now(), sql, err)
					if err != nil {
						mu.Lock()
						errs = append(errs, err.Error())
						mu.Unlock()
					}
					continue
				}
				n := s.res.Manifest.Nodes[id]
				if n.ResourceType == manifest.Seed {
					// A seed has nothing to render; dbt lists it as compiled.
					results.add(n, thread, start, time.Now(), "", nil)
					continue
				}
				sql, err := s.res.CompileNode(ctx, n, conn)
				results.add(n, thread, start, time.Now(), sql, err)
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					continue
				}
				writes <- compiledFile{compiledPath(s.targetDir, n), sql}
			}
		}()
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	close(writes)
	wwg.Wait()
	sortStringsInPlace(errs)
	for _, msg := range errs {
		fmt.Fprintln(s.e.stderr, msg)
	}
	return len(errs), werr
}

type compiledFile struct{ path, sql string }

// compiledPath is where `kiln compile` writes a node's SQL (see writeCompiled).
func compiledPath(targetDir string, n *manifest.Node) string {
	rel := filepath.Join("compiled", n.PackageName, filepath.FromSlash(n.OriginalFilePath))
	if n.TestMetadata != nil {
		rel = filepath.Join(rel, n.Alias+".sql")
	}
	return filepath.Join(targetDir, rel)
}

func sortStringsInPlace(l []string) {
	m := make(map[string]bool, len(l))
	for _, x := range l {
		m[x] = true
	}
	copy(l, sortedStrings(m))
}

// copyAssets copies one asset-paths directory (relative to the project) to
// the same relative path under target/, so docs can link to images.
func copyAssets(projectDir, rel, targetDir string) error {
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return fmt.Errorf("must be a directory inside the project")
	}
	src := filepath.Join(projectDir, clean)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("%s does not exist", src)
	}
	dst := filepath.Join(targetDir, clean)
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, r)
		if info.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if !info.Mode().IsRegular() {
			return nil // no symlinks or devices: they could point outside the project
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.Create(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
}

type docsServeFlags struct {
	projectDir, targetPath, host string
	port                         int
	noBrowser                    bool
}

func newDocsServeCmd(e *env) *cobra.Command {
	f := &docsServeFlags{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve target/ (the generated docs site) over HTTP on this machine",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runDocsServe(cmd.Context(), e, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.projectDir, "project-dir", "", "directory holding dbt_project.yml (default: DBT_PROJECT_DIR, else the nearest parent of the working directory that has one)")
	fl.StringVar(&f.targetPath, "target-path", "", "directory holding the generated site (default: the project's target-path)")
	fl.StringVar(&f.host, "host", "127.0.0.1", "address to listen on (0.0.0.0 makes the site reachable from other machines)")
	fl.IntVar(&f.port, "port", 8080, "port to listen on (0 picks a free one)")
	fl.BoolVar(&f.noBrowser, "no-browser", false, "do not open a web browser")
	return cmd
}

func runDocsServe(ctx context.Context, e *env, f *docsServeFlags) error {
	dir := f.targetPath
	if dir == "" {
		dir = e.lookup("DBT_TARGET_PATH")
	}
	var assets []string // asset-paths are served next to the site
	if pdir, err := project.FindProjectDir(f.projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd); err == nil {
		if proj, diags := compiler.LoadProject(pdir, nil, e.getenv); !diags.HasErrors() {
			assets = proj.AssetPaths
		}
	}
	if dir == "" || !filepath.IsAbs(dir) {
		pdir, err := project.FindProjectDir(f.projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd)
		if err != nil {
			return exitWith(ExitUsage, err)
		}
		if dir == "" {
			proj, diags := compiler.LoadProject(pdir, nil, e.getenv)
			if diags.HasErrors() {
				e.printDiags(diags)
				return exitWith(ExitUsage, fmt.Errorf("could not load %s", filepath.Join(pdir, "dbt_project.yml")))
			}
			dir = proj.TargetPath
			if dir == "" {
				dir = "target"
			}
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(pdir, dir)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		return exitWith(ExitUsage, fmt.Errorf("%s not found: run `kiln docs generate` first", filepath.Join(dir, "index.html")))
	}
	if f.port < 0 || f.port > 65535 {
		return exitWith(ExitUsage, fmt.Errorf("--port %d is not a TCP port (use 1-65535, or 0 for any free port)", f.port))
	}
	l, err := docs.Listen(f.host, f.port)
	if err != nil {
		if errors.Is(err, docs.ErrPortInUse) {
			return exitWith(ExitUsage, fmt.Errorf("cannot serve docs: %v; stop that program or pick another port, e.g. `kiln docs serve --port %d`", err, f.port+1))
		}
		return exitWith(ExitUsage, fmt.Errorf("cannot serve docs on %s:%d: %v", f.host, f.port, err))
	}
	url := "http://" + l.Addr().String() + "/"
	e.dataLine(fmt.Sprintf("Serving %s at %s (press Ctrl-C to stop)", dir, url))
	if f.host != "127.0.0.1" && f.host != "localhost" && f.host != "::1" {
		e.warn(fmt.Sprintf("warning: listening on %s: anyone who can reach this machine can read the docs", f.host))
	}
	if !f.noBrowser && !docs.OpenBrowser(url) {
		e.dataLine("No browser to open here; visit the address above.")
	}
	if err := docs.Serve(ctx, l, dir, assets...); err != nil {
		return exitWith(ExitFailure, err)
	}
	return nil
}

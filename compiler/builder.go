package compiler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// builder accumulates the manifest while compiling. Phase one (collect)
// registers every package's macros, docs and property YAML; phase two
// (build) renders nodes, which may call macros from any package.
type builder struct {
	ctx   context.Context
	r     *Result
	m     *manifest.Manifest
	mu    sync.Mutex
	diags diag.List

	pkgs             []*pkgFiles
	patches          map[patchKey]*patchRef
	pending          map[string]*pending // unique_id -> parse info
	pendingExposures []*manifest.ExposureDef
	order            []string                 // unique_ids in creation order
	disabledTests    []string                 // tests that refer to a disabled node (linking)
	emptyModels      map[string]string        // model name -> its empty file (skipped)
	versionFiles     map[patchKey]*versionRef // model file name -> the version it defines
	// failed holds the nodes that failed to parse or render (by name): a
	// ref to one is not reported again, the root error counts it instead.
	failed map[string]*failure
}

// failure is a node that failed at parse time and the nodes that ref it.
type failure struct {
	diag       int      // index in builder.diags of the root error
	dependents []string // unique ids, filled while linking (under mu)
}

type pkgFiles struct {
	proj  *project.Project
	files *project.Files
	props []*project.Properties
}

type patchKey struct{ pkg, kind, name string }

type patchRef struct {
	patch *project.NodePatch
	file  string
	used  bool
}

// pending is what linking needs beyond the node itself.
type pending struct {
	node    *manifest.Node
	proj    *project.Project
	refPos  map[string]diag.Pos
	srcPos  map[string]diag.Pos
	testRef string // generic tests: the attached node's name, for messages
}

func newBuilder(ctx context.Context, r *Result) *builder {
	return &builder{ctx: ctx, r: r, m: r.Manifest, patches: map[patchKey]*patchRef{}, pending: map[string]*pending{}}
}

func (b *builder) addDiag(d diag.Diagnostic) {
	b.mu.Lock()
	b.diags = append(b.diags, d)
	b.mu.Unlock()
}

func (b *builder) addErr(pos diag.Pos, code, format string, args ...any) {
	b.addDiag(diag.Errorf(pos, code, format, args...))
}

func (b *builder) addWarn(pos diag.Pos, code, format string, args ...any) {
	b.addDiag(diag.Warnf(pos, code, format, args...))
}

// addJinjaErr converts a template error into a positioned diagnostic.
func (b *builder) addJinjaErr(file string, err error) {
	b.addDiag(jinjaDiag(file, err))
}

func jinjaDiag(file string, err error) diag.Diagnostic {
	var d diag.Diagnostic
	if errors.As(err, &d) {
		return d
	}
	var je *jinja.Error
	if errors.As(err, &je) {
		p := diag.Pos{File: je.Path, Line: je.Line, Col: je.Col}
		if p.File == "" {
			p.File = file
		}
		dg := diag.Errorf(p, "jinja", "%s", je.Msg)
		if je.SourceLine != "" {
			dg.Notes = []string{fmt.Sprintf("%4d | %s", je.Line, je.SourceLine)}
		}
		dg.Notes = append(dg.Notes, je.Trace...)
		return dg
	}
	return diag.Errorf(diag.Pos{File: file}, "jinja", "%v", err)
}

// nodeJinjaDiag is jinjaDiag for an error raised while rendering node n:
// when it was raised in a macro (another file), it names the node and the
// call in the node's file that led there, so a package macro's error says
// which model to look at.
func nodeJinjaDiag(n *manifest.Node, err error) diag.Diagnostic {
	file := shownFile(n)
	d := jinjaDiag(file, err)
	if d.Pos.File == file {
		return d
	}
	where := file
	var je *jinja.Error
	if errors.As(err, &je) && je.From.File == file {
		where = je.From.String()
	}
	d.Notes = append(d.Notes, fmt.Sprintf("while rendering %s (%s)", n.UniqueID, where))
	return d
}

func (b *builder) targetDatabase() string {
	s, _ := b.r.opts.Target["database"].(string)
	return s
}

func (b *builder) targetSchema() string {
	s, _ := b.r.opts.Target["schema"].(string)
	return s
}

// loadPackage is phase one for one package.
// discover lists every file of one package (phase zero, before anything is
// parsed, so the parse cache can tell whether anything changed at all).
func (b *builder) discover(p *project.Project) error {
	files, err := project.Discover(p)
	if err != nil {
		return err
	}
	for _, d := range files.Diags {
		b.addDiag(d)
	}
	b.pkgs = append(b.pkgs, &pkgFiles{proj: p, files: files})
	return nil
}

func (b *builder) loadPackage(pf *pkgFiles) error {
	b.loadMacros(pf)
	b.loadDocs(pf)
	p, files := pf.proj, pf.files
	props := parseAllProperties(files.Properties, b.r.opts.Workers)
	for _, pr := range props {
		b.diags = append(b.diags, pr.diags...)
		if pr.props != nil {
			pf.props = append(pf.props, pr.props)
		}
	}
	b.diags = append(b.diags, project.CheckDuplicatePatches(pf.props)...)
	for _, pr := range pf.props {
		b.renderProperties(p, pr)
		b.indexPatches(p.Name, "models", pr.Path, pr.Models)
		b.indexPatches(p.Name, "seeds", pr.Path, pr.Seeds)
		b.indexPatches(p.Name, "snapshots", pr.Path, pr.Snapshots)
		b.indexPatches(p.Name, "analyses", pr.Path, pr.Analyses)
		b.indexPatches(p.Name, "data_tests", pr.Path, pr.DataTests)
	}
	return nil
}

// loadDocs registers one package's docs blocks.
func (b *builder) loadDocs(pf *pkgFiles) {
	p, files := pf.proj, pf.files
	if b.r.docs == nil {
		b.r.docs = map[string]map[string]string{}
	}
	for _, f := range files.Docs {
		blocks, err := jinja.ParseDocs(p.Shown(f.Path), string(f.Content))
		if err != nil {
			b.addJinjaErr(p.Shown(f.Path), err)
			continue
		}
		for _, blk := range blocks {
			if b.r.docs[p.Name] == nil {
				b.r.docs[p.Name] = map[string]string{}
			}
			id := "doc." + p.Name + "." + blk.Name
			if old, dup := b.m.Docs[id]; dup {
				b.addErr(diag.Pos{File: p.Shown(f.Path), Line: blk.Line}, "duplicate-doc", "docs block '%s' is defined twice (also in %s)", blk.Name, old.OriginalFilePath)
				continue
			}
			b.r.docs[p.Name][blk.Name] = strings.TrimSpace(blk.Contents)
			b.m.Docs[id] = &manifest.DocDef{UniqueID: id, PackageName: p.Name, Name: blk.Name, Path: f.Path, OriginalFilePath: f.Path, BlockContents: strings.TrimSpace(blk.Contents)}
		}
	}
}

// loadMacros registers one package's macros and generic test blocks.
func (b *builder) loadMacros(pf *pkgFiles) {
	p, files := pf.proj, pf.files
	for _, f := range append(append([]project.File{}, files.Macros...), files.GenericTests...) {
		if d := notUTF8(p, f); d != nil {
			b.addDiag(*d)
			continue
		}
		// Macros are parsed under their shown path, so every error raised
		// in one (and every "called from") names the file the user opens.
		macros, err := b.r.Env.AddMacroFile(p.Name, p.Shown(f.Path), string(f.Content))
		if err != nil {
			b.addJinjaErr(p.Shown(f.Path), err)
			continue
		}
		for _, mc := range macros {
			id := "macro." + p.Name + "." + mc.Name
			b.m.Macros[id] = &manifest.MacroDef{
				UniqueID: id, PackageName: p.Name, Name: mc.Name,
				Path: f.Path, OriginalFilePath: f.Path, MacroSQL: mc.SQL,
			}
		}
	}
}

func (b *builder) indexPatches(pkg, kind, file string, list []project.NodePatch) {
	for i := range list {
		k := patchKey{pkg, kind, list[i].Name}
		if _, dup := b.patches[k]; dup {
			continue // reported by CheckDuplicatePatches
		}
		b.patches[k] = &patchRef{patch: &list[i], file: file}
	}
}

type propResult struct {
	props *project.Properties
	diags diag.List
}

func parseAllProperties(files []project.File, workers int) []propResult {
	out := make([]propResult, len(files))
	parallel(len(files), workers, func(i int) {
		p, d := project.ParseProperties(files[i].Path, files[i].Content)
		out[i] = propResult{p, d}
	})
	return out
}

// parallel runs fn(0..n-1) on a bounded worker pool.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if n < 32 || workers == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// checksum is dbt's file checksum: SHA-256 of the contents with leading
// and trailing whitespace stripped (dbt strips files as it reads them).
func checksum(b []byte) manifest.FileHash {
	sum := sha256.Sum256(bytes.TrimSpace(b))
	return manifest.FileHash{Name: "sha256", Checksum: hex.EncodeToString(sum[:])}
}

// fqnFor builds [package, dirs..., name] for a file under one of paths.
func fqnFor(pkg, file string, paths []string) (fqn []string, rel string) {
	rel = file
	for _, p := range paths {
		p = strings.TrimSuffix(path.Clean(p), "/")
		if strings.HasPrefix(file, p+"/") {
			rel = strings.TrimPrefix(file, p+"/")
			break
		}
	}
	dir, base := path.Split(rel)
	name := strings.TrimSuffix(base, path.Ext(base))
	fqn = []string{pkg}
	if dir != "" {
		fqn = append(fqn, strings.Split(strings.TrimSuffix(dir, "/"), "/")...)
	}
	return append(fqn, name), rel
}

// relation returns the adapters.Relation of a node.
func nodeRelation(n *manifest.Node) adapters.Relation {
	typ := adapters.RelView
	switch n.Config.Materialized() {
	case "table", "incremental", "seed", "snapshot":
		typ = adapters.RelTable
	case "ephemeral":
		return adapters.Relation{Identifier: n.Alias, CTEName: "__dbt__cte__" + n.Alias, Type: adapters.RelCTE}
	}
	if n.ResourceType == manifest.Seed || n.ResourceType == manifest.Snapshot {
		typ = adapters.RelTable
	}
	return adapters.Relation{Database: n.Database, Schema: n.Schema, Identifier: n.Alias, Type: typ}
}

// renderYAML renders Jinja inside a property-file value (source schemas like
// "{{ target.schema }}", descriptions with doc()); at is where the value is
// written (or its entry), and its errors are reported there.
func (b *builder) renderYAML(at diag.Pos, pkg, s string) string {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") {
		return s
	}
	res := &parseResolver{b: b, pkg: pkg, node: &manifest.Node{Pos: diag.Pos{File: at.File}}}
	out, err := b.r.Env.RenderString(at.File, s, &jinja.Context{Package: pkg, Globals: b.r.baseGlobals(), Resolver: res, Ctx: b.ctx})
	if err != nil {
		b.addDiag(b.r.yamlDiag(at, s, err))
		return s
	}
	return out
}

// yamlDiag is the diagnostic of err, raised while rendering value: a
// string written at (or after) at in a YAML file and rendered under the
// path at.File. The template's own positions count lines of the value, so
// they are mapped to the file's line and column (project.ValuePos); when
// the error was raised in a macro, its call in the value is mapped.
func (r *Result) yamlDiag(at diag.Pos, value string, err error) diag.Diagnostic {
	d := jinjaDiag(at.File, err)
	var je *jinja.Error
	if !errors.As(err, &je) {
		return d
	}
	place := diag.Pos{File: je.Path, Line: je.Line, Col: je.Col}
	if je.Path != at.File {
		place = je.From
	}
	if place.File != at.File || place.Line == 0 {
		return d
	}
	src, rerr := os.ReadFile(filepath.Join(r.Project.Dir, filepath.FromSlash(at.File)))
	if rerr != nil {
		return d
	}
	p := project.ValuePos(src, at, value, place.Line, place.Col)
	if je.Path != at.File {
		// The macro's own position stays; its call site is the file's.
		for i, n := range d.Notes {
			d.Notes[i] = strings.Replace(n, "called from "+place.String(), "called from "+p.String(), 1)
		}
		return d
	}
	d.Pos = p
	quote := fmt.Sprintf("%4d | %s", p.Line, strings.TrimRight(lineAt(src, p.Line), "\r"))
	if je.SourceLine != "" && len(d.Notes) > 0 {
		d.Notes[0] = quote
	} else {
		d.Notes = append([]string{quote}, d.Notes...)
	}
	return d
}

// lineAt is line n (1-based) of src.
func lineAt(src []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return string(src)
}

// renderDescriptions resolves doc() and other Jinja in every description.
func (b *builder) renderDescriptions() {
	cols := func(file, pkg string, m map[string]*manifest.Column) {
		for _, c := range m {
			c.Description = b.renderYAML(descAt(c.DescPos, file), pkg, c.Description)
		}
	}
	nodes := make([]*manifest.Node, 0, len(b.m.Nodes))
	for _, n := range b.m.Nodes {
		nodes = append(nodes, n)
	}
	parallel(len(nodes), b.r.opts.Workers, func(i int) {
		n := nodes[i]
		file := n.OriginalFilePath
		if n.PatchPath != "" {
			file = strings.TrimPrefix(n.PatchPath, n.PackageName+"://")
		}
		n.Description = b.renderYAML(descAt(n.DescPos, file), n.PackageName, n.Description)
		cols(file, n.PackageName, n.Columns)
	})
	for _, s := range b.m.Sources {
		s.Description = b.renderYAML(descAt(s.DescPos, s.Pos.File), s.PackageName, s.Description)
		s.SourceDescription = b.renderYAML(descAt(s.SourceDescPos, s.Pos.File), s.PackageName, s.SourceDescription)
		cols(s.OriginalFilePath, s.PackageName, s.Columns)
	}
	for _, e := range b.m.Exposures {
		e.Description = b.renderYAML(descAt(e.DescPos, e.Pos.File), e.PackageName, e.Description)
	}
}

// descAt is where a description is written, or its file when unknown.
func descAt(p diag.Pos, file string) diag.Pos {
	if p.File != "" {
		return p
	}
	return diag.Pos{File: file}
}

package compiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/adapters/seedcsv"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// sqlKind describes one kind of SQL file.
type sqlKind struct {
	resource  string // manifest resource type
	configKey string // dbt_project.yml tree
	patchKind string
	defaults  manifest.Config
}

var (
	modelKind    = sqlKind{manifest.Model, "models", "models", manifest.Config{"materialized": "view"}}
	analysisKind = sqlKind{manifest.Analysis, "analyses", "analyses", manifest.Config{"materialized": "view"}}
	singularKind = sqlKind{manifest.Test, "data_tests", "data_tests", manifest.Config{"materialized": "test", "severity": "ERROR", "fail_calc": "count(*)", "warn_if": "!= 0", "error_if": "!= 0", "schema": "dbt_test__audit"}}
	seedKind     = sqlKind{manifest.Seed, "seeds", "seeds", manifest.Config{"materialized": "seed", "delimiter": ","}}
	snapshotKind = sqlKind{manifest.Snapshot, "snapshots", "snapshots", manifest.Config{"materialized": "snapshot"}}
)

// build is phase two: every node of every package.
func (b *builder) build() {
	for _, pf := range b.pkgs {
		p := pf.proj
		b.buildSQL(pf, modelKind, pf.files.Models, p.ModelPaths)
		b.buildSQL(pf, analysisKind, pf.files.Analyses, p.AnalysisPaths)
		b.buildSQL(pf, singularKind, pf.files.SingularTests, p.TestPaths)
		b.buildSeeds(pf)
		b.buildSnapshots(pf)
	}
	for _, pf := range b.pkgs {
		for _, pr := range pf.props {
			b.buildSources(pf.proj, pr)
			b.buildExposures(pf.proj, pr)
			b.buildSemantic(pf.proj, pr)
		}
	}
	// Generic tests after every node exists (their configs need the parent):
	// built per property file in parallel, then added in file order.
	type propFile struct {
		proj *project.Project
		pr   *project.Properties
	}
	var files []propFile
	for _, pf := range b.pkgs {
		for _, pr := range pf.props {
			files = append(files, propFile{pf.proj, pr})
		}
	}
	built := make([][]genTest, len(files))
	parallel(len(files), b.r.opts.Workers, func(i int) {
		built[i] = b.buildGenericTests(files[i].proj, files[i].pr)
	})
	for _, tests := range built {
		b.insertGenericTests(tests)
	}
	for k, pr := range b.patches {
		if !pr.used && k.pkg != "" {
			b.addWarn(pr.patch.Pos, "unused-patch", "%s entry '%s' in %s matches no %s file in package '%s'", strings.TrimSuffix(k.kind, "s"), k.name, pr.file, strings.TrimSuffix(k.kind, "s"), k.pkg)
		}
	}
}

// configFor layers: resource defaults < package's dbt_project.yml < root
// dbt_project.yml (for package nodes) < property YAML config.
func (b *builder) configFor(p *project.Project, kind sqlKind, fqn []string, patch *project.NodePatch) manifest.Config {
	cfg := map[string]any{}
	for k, v := range kind.defaults {
		cfg[k] = v
	}
	cfg = project.MergeConfig(cfg, p.ConfigFor(kind.configKey, fqn))
	if p != b.r.Project {
		cfg = project.MergeConfig(cfg, b.r.Project.ConfigFor(kind.configKey, fqn))
	}
	if patch != nil {
		cfg = project.MergeConfig(cfg, patchLegacy(patch))
		cfg = project.MergeConfig(cfg, patch.Config)
	}
	return cfg
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func (b *builder) patchFor(pkg, kind, name string) (*project.NodePatch, string) {
	if pr, ok := b.patches[patchKey{pkg, kind, name}]; ok {
		pr.used = true
		return pr.patch, pr.file
	}
	return nil, ""
}

type sqlResult struct {
	node      *manifest.Node
	pend      *pending
	diag      []diag.Diagnostic
	empty     string // the name of a model whose file is empty
	emptyPath string
	failed    string // the name of a node that failed; its error is the last of diag
}

// buildSQL parses and renders SQL files in parallel with execute=False.
func (b *builder) buildSQL(pf *pkgFiles, kind sqlKind, files []project.File, paths []string) {
	p := pf.proj
	if kind.resource == manifest.Model {
		b.indexVersions(pf, files)
	}
	results := make([]sqlResult, len(files))
	parallel(len(files), b.r.opts.Workers, func(i int) {
		results[i] = b.parseSQLFile(p, kind, files[i], paths)
	})
	for _, res := range results {
		b.noteFailure(res)
		b.diags = append(b.diags, res.diag...)
		if res.empty != "" {
			if b.emptyModels == nil {
				b.emptyModels = map[string]string{}
			}
			b.emptyModels[res.empty] = res.emptyPath
		}
		if res.node != nil {
			b.addNode(res.node, res.pend)
		}
	}
}

func (b *builder) parseSQLFile(p *project.Project, kind sqlKind, f project.File, paths []string) sqlResult {
	var out sqlResult
	fqn, rel := fqnFor(p.Name, f.Path, paths)
	if kind.resource == manifest.Analysis {
		// dbt files analyses under "analysis", in path and fqn alike
		rel = "analysis/" + rel
		fqn = append([]string{fqn[0], "analysis"}, fqn[1:]...)
	}
	name := fqn[len(fqn)-1]
	shown := p.Shown(f.Path)
	if strings.HasSuffix(f.Path, ".py") {
		out.diag = append(out.diag, diag.Warnf(diag.Pos{File: shown}, "python-model", "Python models are not supported by kiln yet; '%s' is skipped", name))
		return out
	}
	if d := notUTF8(p, f); d != nil {
		out.diag = append(out.diag, *d)
		out.failed = name
		return out
	}
	if kind.resource == manifest.Model && len(bytes.TrimSpace(f.Content)) == 0 {
		// dbt keeps an empty model in the manifest but never builds it, so
		// whatever refs it fails in the database ("Table ... does not
		// exist"). kiln skips it with a warning, and a ref to it is an
		// error at the ref (linkNode).
		out.diag = append(out.diag, diag.Diagnostic{Severity: diag.Warning, Code: "empty-model", Pos: diag.Pos{File: shown},
			Message:    fmt.Sprintf("the model file is empty, so model '%s' builds nothing and is skipped", name),
			Suggestion: "write its SELECT, or delete the file"})
		out.empty, out.emptyPath = name, shown
		return out
	}
	var ver *versionRef
	if kind.resource == manifest.Model {
		ver = b.versionFiles[patchKey{p.Name, "models", name}]
	}
	var patch *project.NodePatch
	var patchFile string
	switch {
	case ver != nil:
		patch, patchFile = ver.patch, ver.file
	default:
		patch, patchFile = b.patchFor(p.Name, kind.patchKind, name)
		if patch != nil && len(patch.Versions) > 0 {
			// The entry describes versions, each in its own file; a file
			// named like the model is not one of them and is not patched.
			patch, patchFile = nil, ""
		}
	}
	n := newSQLNode(p, kind, f, fqn, rel)
	if ver != nil {
		applyVersion(n, ver)
		fqn = n.FQN
	}
	base := b.configFor(p, kind, fqn, patch)
	var baseJSON []byte
	if b.r.cache != nil {
		baseJSON, _ = json.Marshal(base)
		if kind.resource == manifest.Model && ver == nil {
			b.r.cache.recordModel(p.Name, f.Path, n.UniqueID, patch, baseJSON)
		}
	}
	res, d := b.renderSQL(p, n, f, base, baseJSON)
	if d != nil {
		out.diag = append(out.diag, *d)
		out.failed = name
		return out
	}
	if res.config != nil {
		out.diag = append(out.diag, b.checkInFileConfig(kind, n, res.config)...)
		if _, a := res.config["pre-hook"]; a {
			if _, bb := res.config["pre_hook"]; bb {
				out.diag = append(out.diag, diag.Errorf(n.Pos, "config", "both pre_hook and pre-hook are set in %s; use one", shown))
			}
		}
		n.ConfigCallDict = res.config
		n.Config = project.MergeConfig(base, res.config)
	}
	n.Refs = res.refs
	n.Sources = res.sources
	n.UsedVars = sortedKeys(res.vars)
	n.UsedEnvVars = sortedKeys(res.envs)
	applyPatch(n, patch, patchFile, p.Name)
	n.Tags = n.Config.Tags()
	if m, ok := n.Config["meta"].(map[string]any); ok {
		n.Meta = m
	}
	out.node = n
	out.pend = &pending{node: n, proj: p}
	return out
}

// newSQLNode is the node of a SQL file before its render.
func newSQLNode(p *project.Project, kind sqlKind, f project.File, fqn []string, rel string) *manifest.Node {
	name := fqn[len(fqn)-1]
	return &manifest.Node{
		UniqueID:         kind.resource + "." + p.Name + "." + name,
		ResourceType:     kind.resource,
		PackageName:      p.Name,
		Name:             name,
		Path:             rel,
		OriginalFilePath: f.Path,
		FQN:              fqn,
		Checksum:         checksum(f.Content),
		RawCode:          string(f.Content),
		Language:         "sql",
		Pos:              diag.Pos{File: p.Shown(f.Path)}, // messages; the manifest keeps f.Path
		AbsPath:          f.Abs,
		Columns:          map[string]*manifest.Column{},
	}
}

// renderSQL renders node n of file f with execute=False under its base
// config, or takes what the parse cache holds for it (keyed with baseJSON,
// the base's JSON); a failed parse or render is the returned diagnostic.
func (b *builder) renderSQL(p *project.Project, n *manifest.Node, f project.File, base manifest.Config, baseJSON []byte) (*parseResolver, *diag.Diagnostic) {
	shown := n.Pos.File
	res := &parseResolver{b: b, pkg: p.Name, node: n, base: base}
	n.Config = base
	cache := b.r.cache
	var key string
	if cache != nil {
		key = cache.entryKey(f.Content, baseJSON)
	}
	if e := cache.lookup(b.r, p.Name, f.Path, key); e != nil {
		// Reuse the previous render; the template is parsed lazily if the
		// node is executed.
		res.refs, res.sources, res.config = e.Refs, e.Sources, e.Config
		res.vars, res.envs = keySet(e.Vars), keySet(e.Envs)
		n.MacroCalls = e.Calls
		cache.store(p.Name, f.Path, e, true)
		return res, nil
	}
	tmpl, err := b.r.Env.Parse(shown, n.RawCode)
	if err != nil {
		d := jinjaDiag(shown, err)
		return nil, &d
	}
	// The AST is not kept: at 100k models it would dominate memory, and
	// re-parsing the few nodes a run executes costs microseconds.
	n.MacroCalls = tmpl.MacroCalls()
	ctx := b.parseContext(n, res)
	if _, err := tmpl.Render(ctx); err != nil {
		d := nodeJinjaDiag(n, err)
		return nil, &d
	}
	b.captureHookRefs(n, base, res, ctx)
	if cache != nil {
		e := &renderEntry{Key: key, Calls: n.MacroCalls, Macros: cache.macroHash(b.r, p.Name, n.MacroCalls),
			Refs: res.refs, Sources: res.sources, Config: res.config, Vars: map[string]string{}, Envs: map[string]string{}}
		for v := range res.vars {
			e.Vars[v] = varJSON(b.r, p.Name, v)
		}
		for v := range res.envs {
			e.Envs[v] = envValue(b.r, v)
		}
		cache.store(p.Name, f.Path, e, false)
	}
	return res, nil
}

// captureHookRefs renders the node's pre- and post-hooks at parse time, as
// dbt does, so that a ref() in a hook becomes a dependency of the node (and
// resolves at run time). A hook that fails to render here is reported when
// it runs.
func (b *builder) captureHookRefs(n *manifest.Node, base manifest.Config, res *parseResolver, ctx *jinja.Context) {
	cfg := base
	if res.config != nil {
		cfg = project.MergeConfig(base, res.config)
	}
	for _, key := range []string{"pre-hook", "post-hook"} {
		for i, h := range cfg.Hooks(key) {
			if jinja.HasJinja(h.SQL) {
				_, _ = b.r.Env.RenderString(fmt.Sprintf("%s (%s %d)", shownFile(n), key, i), h.SQL, ctx)
			}
		}
	}
}

var configCallRE = regexp.MustCompile(`config\s*\(`)

// checkInFileConfig warns on unknown keys in {{ config(...) }} calls.
func (b *builder) checkInFileConfig(kind sqlKind, n *manifest.Node, cfg map[string]any) diag.List {
	keys := map[string]diag.Pos{}
	lines := strings.Split(n.RawCode, "\n")
	for k := range cfg {
		pos := diag.Pos{File: n.OriginalFilePath}
		for i, l := range lines {
			if strings.Contains(l, k) && (configCallRE.MatchString(l) || strings.Contains(l, k+"=") || strings.Contains(l, k+" =")) {
				pos.Line = i + 1
				pos.Col = strings.Index(l, k) + 1
				break
			}
		}
		keys[k] = pos
	}
	out := project.CheckConfigKeys(kind.configKey, keys)
	for k, v := range cfg {
		if problem, fix := project.CheckConfigValue(k, v); problem != "" {
			d := diag.Errorf(keys[k], "config-type", "%s", problem)
			d.Suggestion = fix
			out = append(out, d)
		}
	}
	out.Sort()
	return out
}

func applyPatch(n *manifest.Node, patch *project.NodePatch, file, pkg string) {
	if patch == nil {
		return
	}
	n.PatchPath = pkg + "://" + file
	n.Description = patch.Description
	n.DescPos = patch.DescriptionPos
	for _, c := range patch.Columns {
		col := &manifest.Column{Name: c.Name, Description: c.Description, Meta: c.Meta, Tags: c.Tags, Constraints: c.Constraints, Quote: c.Quote, DescPos: c.DescriptionPos}
		if c.DataType != "" {
			dt := c.DataType
			col.DataType = &dt
		}
		if c.Granularity != "" {
			g := c.Granularity
			col.Granularity = &g
		}
		if _, dup := n.Columns[c.Name]; !dup {
			n.ColumnOrder = append(n.ColumnOrder, c.Name)
		}
		n.Columns[c.Name] = col
	}
	n.Constraints = patch.Constraints
	if ts, ok := patch.Raw["time_spine"].(map[string]any); ok {
		n.TimeSpine = map[string]any{"custom_granularities": []any{}}
		for k, v := range ts {
			n.TimeSpine[k] = v
		}
	}
	if patch.Access != "" {
		n.Access = patch.Access
	}
	if a, ok := n.Config["access"].(string); ok {
		n.Access = a
	}
}

// parseContext is the Jinja context of the parse render.
func (b *builder) parseContext(n *manifest.Node, res jinja.Resolver) *jinja.Context {
	g := b.r.baseGlobals()
	g["this"] = b.r.Env.NewRelation(adapters.Relation{Database: b.targetDatabase(), Schema: b.targetSchema(), Identifier: n.Name})
	g["model"] = nodeContextMap(n)
	return &jinja.Context{Package: n.PackageName, Execute: false, Globals: g, Resolver: res, Ctx: b.ctx}
}

// baseGlobals are the context names shared by every render.
func (r *Result) baseGlobals() map[string]any {
	g := make(map[string]any, 16)
	g["target"] = r.opts.Target
	g["invocation_id"] = r.opts.InvocationID
	g["run_started_at"] = r.opts.RunStartedAt
	g["project_name"] = r.Project.Name
	g["dbt_version"] = DbtVersion
	g["database"] = r.opts.Target["database"]
	g["schema"] = r.opts.Target["schema"]
	g["flags"] = r.flags()
	return g
}

func (r *Result) flags() map[string]any {
	if r.Flags != nil {
		return r.Flags
	}
	return map[string]any{"FULL_REFRESH": false, "STORE_FAILURES": false, "WHICH": "parse", "EMPTY": false, "WARN_ERROR": false}
}

// modelMap is the `model` object of the node being rendered.
func modelMap(n *manifest.Node) map[string]any {
	m := nodeContextMap(n)
	m["compiled_code"] = n.CompiledCode
	m["compiled_sql"] = n.CompiledCode
	return m
}

// nodeContextMap is a node's manifest shape as Jinja sees it (`graph`
// entries). It leaves out compiled code, which workers write concurrently.
func nodeContextMap(n *manifest.Node) map[string]any {
	return map[string]any{
		"unique_id":          n.UniqueID,
		"name":               n.Name,
		"resource_type":      n.ResourceType,
		"package_name":       n.PackageName,
		"path":               n.Path,
		"original_file_path": n.OriginalFilePath,
		"fqn":                toAnyList(n.FQN),
		"config":             map[string]any(n.Config),
		"tags":               toAnyList(n.Tags),
		"raw_code":           n.RawCode,
		"raw_sql":            n.RawCode,
		"alias":              n.Alias,
		"schema":             n.Schema,
		"database":           n.Database,
		"description":        n.Description,
		"meta":               n.Meta,
		"version":            n.Version,
		"language":           "sql",
	}
}

func (b *builder) addNode(n *manifest.Node, p *pending) {
	if !n.Config.Enabled() {
		b.m.Disabled[n.UniqueID] = append(b.m.Disabled[n.UniqueID], n)
		return
	}
	if old, dup := b.m.Nodes[n.UniqueID]; dup {
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "duplicate-name", Pos: n.Pos,
			Message:    fmt.Sprintf("two %ss are named '%s': %s and %s", n.ResourceType, n.Name, shownFile(old), shownFile(n)),
			Suggestion: "rename one of the files (node names must be unique within a project)"})
		return
	}
	b.m.Nodes[n.UniqueID] = n
	b.pending[n.UniqueID] = p
	b.order = append(b.order, n.UniqueID)
}

// buildSeeds adds one node per CSV file.
func (b *builder) buildSeeds(pf *pkgFiles) {
	p := pf.proj
	for _, f := range pf.files.Seeds {
		fqn, rel := fqnFor(p.Name, f.Path, p.SeedPaths)
		name := fqn[len(fqn)-1]
		patch, patchFile := b.patchFor(p.Name, "seeds", name)
		n := &manifest.Node{
			UniqueID: "seed." + p.Name + "." + name, ResourceType: manifest.Seed, PackageName: p.Name,
			Name: name, Path: rel, OriginalFilePath: f.Path, FQN: fqn, RootPath: p.Dir,
			Pos: diag.Pos{File: p.Shown(f.Path)}, AbsPath: f.Abs, Columns: map[string]*manifest.Column{},
		}
		if len(f.Content) > 1<<20 {
			n.Checksum = manifest.FileHash{Name: "path", Checksum: f.Path}
		} else {
			n.Checksum = checksum(f.Content)
		}
		n.Config = b.configFor(p, seedKind, fqn, patch)
		applyPatch(n, patch, patchFile, p.Name)
		n.Tags = n.Config.Tags()
		if header := seedHeader(f, n.Config.String("delimiter", ",")); header != nil {
			b.checkSeedColumnTypes(n, f, header)
			b.checkSeedHeader(n, f, header)
		}
		b.addNode(n, &pending{node: n, proj: p})
	}
}

// seedHeader reads the header row of a seed for the parse-time checks
// below (nil when it cannot be read: the load reports why).
func seedHeader(f project.File, delimiter string) []string {
	delim, err := seedcsv.Delimiter(delimiter)
	if err != nil {
		return nil
	}
	var r io.Reader = bytes.NewReader(f.Content)
	if f.Content == nil {
		fh, err := os.Open(f.Abs)
		if err != nil {
			return nil
		}
		defer fh.Close()
		r = fh
	}
	header, err := seedcsv.ReadHeader(r, delim)
	if err != nil {
		return nil
	}
	return header
}

// checkSeedColumnTypes warns about column_types keys that name no column of
// the seed's header. dbt ignores them silently, which hides typos; kiln
// ignores them too (the seed loads) but says so.
func (b *builder) checkSeedColumnTypes(n *manifest.Node, f project.File, header []string) {
	ct, _ := n.Config["column_types"].(map[string]any)
	for _, k := range manifest.Sorted(ct) {
		if !slices.Contains(header, k) {
			msg := fmt.Sprintf("column_types of seed '%s' names column '%s', which is not in the header of %s; it is ignored", n.Name, k, n.Shown())
			b.addDiag(diag.Diagnostic{Severity: diag.Warning, Code: "seed-column-types", Pos: f.Pos(), Message: msg,
				Suggestion: firstNonEmpty(suggest(k, header), "the header has: "+strings.Join(header, ", "))})
		}
	}
}

// checkSeedHeader warns about a header name used twice: dbt (agate) and
// kiln load the second one as name_2, which a model that selects the name
// never sees, and dbt only says so in a Python warning.
func (b *builder) checkSeedHeader(n *manifest.Node, f project.File, header []string) {
	for _, d := range seedcsv.Duplicates(header) {
		b.addDiag(diag.Diagnostic{
			Severity: diag.Warning, Code: "seed-duplicate-column", Pos: diag.Pos{File: n.Shown(), Line: 1},
			Message:    fmt.Sprintf("column %q appears twice in the header (columns %d and %d); column %d is loaded as %q", d.Name, d.First, d.Then, d.Then, d.LoadedAs),
			Suggestion: "rename one of them in the header",
		})
	}
}

// buildSources adds every source table declared in a property file.
func (b *builder) buildSources(p *project.Project, pr *project.Properties) {
	for _, s := range pr.Sources {
		for _, t := range s.Tables {
			id := "source." + p.Name + "." + s.Name + "." + t.Name
			if _, dup := b.m.Sources[id]; dup {
				b.addErr(t.Pos, "duplicate-source", "source table '%s.%s' is declared twice", s.Name, t.Name)
				continue
			}
			fqn, _ := fqnFor(p.Name, pr.Path, p.ModelPaths)
			fqn = append(fqn[:len(fqn)-1], s.Name, t.Name)
			cfg := map[string]any{"enabled": true}
			cfg = project.MergeConfig(cfg, p.ConfigFor("sources", fqn))
			cfg = project.MergeConfig(cfg, s.Config)
			cfg = project.MergeConfig(cfg, t.Config)
			if !manifest.Config(cfg).Enabled() {
				continue
			}
			db := b.renderYAML(s.Pos, p.Name, s.Database)
			if db == "" {
				db = b.targetDatabase()
			}
			schema := strings.TrimSpace(b.renderYAML(s.Pos, p.Name, s.Schema))
			if schema == "" {
				schema = s.Name
			}
			ident := strings.TrimSpace(b.renderYAML(t.Pos, p.Name, t.Identifier))
			if ident == "" {
				ident = t.Name
			}
			sd := &manifest.SourceDef{
				UniqueID: id, PackageName: p.Name, Name: t.Name, SourceName: s.Name,
				SourceDescription: s.Description, Loader: s.Loader, Identifier: ident,
				Database: db, Schema: schema, Path: pr.Path, OriginalFilePath: pr.Path,
				FQN: fqn, Description: t.Description, Columns: map[string]*manifest.Column{},
				Meta: t.Meta, SourceMeta: s.Meta, Tags: append(append([]string{}, s.Tags...), t.Tags...),
				Config: cfg, Pos: t.Pos, DescPos: t.DescriptionPos, SourceDescPos: s.DescriptionPos, LoadedAtField: firstNonEmpty(t.LoadedAtField, s.LoadedAtField),
			}
			sd.Freshness = s.Freshness
			if t.Freshness != nil {
				sd.Freshness = t.Freshness
			}
			if t.NoFreshness { // `freshness: null` on the table disables the source's
				sd.Freshness = nil
			}
			sd.FreshnessOff = t.NoFreshness || (t.Freshness == nil && s.NoFreshness)
			sourceConfigFromProperties(sd, cfg, project.MergeConfig(project.MergeConfig(map[string]any{}, p.ConfigFor("sources", fqn)), project.MergeConfig(s.Config, t.Config)),
				t.Freshness != nil || t.NoFreshness || s.Freshness != nil || s.NoFreshness)
			sd.UnrenderedDatabase, sd.UnrenderedSchema = s.Database, s.Schema
			quoting := map[string]any{}
			for k, v := range s.Quoting {
				quoting[k] = v
			}
			for k, v := range t.Quoting {
				quoting[k] = v
			}
			sd.Quoting = quoting
			for _, c := range t.Columns {
				col := &manifest.Column{Name: c.Name, Description: c.Description, Meta: c.Meta, Tags: c.Tags, DescPos: c.DescriptionPos}
				if c.DataType != "" {
					dt := c.DataType
					col.DataType = &dt
				}
				sd.Columns[c.Name] = col
				sd.ColumnOrder = append(sd.ColumnOrder, c.Name)
			}
			rel := adapters.Relation{Database: db, Schema: schema, Identifier: ident}
			if q, ok := quoting["identifier"].(bool); ok && !q {
				rel.NoQuoteIdentifier = true
			}
			if q, ok := quoting["schema"].(bool); ok && !q {
				rel.NoQuoteSchema = true
			}
			if q, ok := quoting["database"].(bool); ok && !q {
				rel.NoQuoteDatabase = true
			}
			sd.RelationName = rel.RenderWith(b.r.Env.Quote)
			b.m.Sources[id] = sd
		}
	}
}

// sourceConfigFromProperties carries a source's top-level freshness and
// loaded_at_field into its config, as dbt does, and sets the unrendered
// config dbt records: the config as written with loaded_at_field,
// loaded_at_query, meta and tags always present and freshness when set.
func sourceConfigFromProperties(sd *manifest.SourceDef, cfg, written map[string]any, freshnessSet bool) {
	un := project.MergeConfig(map[string]any{}, written)
	// a freshness or loaded_at_field under config: wins over the property
	if _, inConfig := written["freshness"]; freshnessSet && !inConfig {
		var f any
		if !sd.FreshnessOff && sd.Freshness != nil {
			f = sd.Freshness
		}
		cfg["freshness"] = f
		un["freshness"] = f
	}
	if _, inConfig := written["loaded_at_field"]; sd.LoadedAtField != "" && !inConfig {
		cfg["loaded_at_field"] = sd.LoadedAtField
		un["loaded_at_field"] = sd.LoadedAtField
	}
	for k, def := range map[string]any{"loaded_at_field": nil, "loaded_at_query": nil, "meta": map[string]any{}, "tags": []any{}} {
		if _, ok := un[k]; !ok {
			un[k] = def
		}
	}
	sd.UnrenderedConfig = un
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// buildExposures adds exposures; their depends_on strings are rendered with
// a capturing resolver.
func (b *builder) buildExposures(p *project.Project, pr *project.Properties) {
	for _, e := range pr.Exposures {
		id := "exposure." + p.Name + "." + e.Name
		fqn, _ := fqnFor(p.Name, pr.Path, p.ModelPaths)
		fqn = append(fqn[:len(fqn)-1], e.Name)
		ex := &manifest.ExposureDef{
			UniqueID: id, PackageName: p.Name, Name: e.Name, Label: e.Label, Type: e.Type, URL: e.URL,
			Maturity: e.Maturity, Description: e.Description, Owner: e.Owner, Path: pr.Path,
			OriginalFilePath: pr.Path, FQN: fqn, Meta: e.Meta, Tags: e.Tags, Config: e.Config, Pos: e.Pos, DescPos: e.DescriptionPos,
		}
		if !manifest.Config(e.Config).Enabled() {
			continue
		}
		res := &parseResolver{b: b, pkg: p.Name, node: &manifest.Node{Pos: e.Pos}}
		for _, dep := range e.DependsOn {
			src := dep
			if !strings.Contains(src, "{{") {
				src = "{{ " + src + " }}"
			}
			if _, err := b.r.Env.RenderString(pr.Path, src, &jinja.Context{Package: p.Name, Globals: b.r.baseGlobals(), Resolver: res, Ctx: b.ctx}); err != nil {
				b.addDiag(diag.Errorf(e.Pos, "exposure", "exposure '%s' depends_on entry %q: %v", e.Name, dep, err))
			}
		}
		ex.Refs = res.refs
		ex.Sources = res.sources
		b.m.Exposures[id] = ex
		b.pendingExposures = append(b.pendingExposures, ex)
	}
}

func keySet(m map[string]string) map[string]bool {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

package compiler

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/graph"
	"github.com/kiln-dev/kiln/internal/diag"
)

// nameIndex finds refable nodes (models, seeds, snapshots) by name.
type nameIndex struct {
	byName   map[string][]*manifest.Node
	disabled map[string][]*manifest.Node
	sources  map[[2]string][]*manifest.SourceDef
}

func (b *builder) finish() {
	b.build()
	idx := &nameIndex{byName: map[string][]*manifest.Node{}, disabled: map[string][]*manifest.Node{}, sources: map[[2]string][]*manifest.SourceDef{}}
	for _, id := range b.order {
		n := b.m.Nodes[id]
		if n == nil {
			continue
		}
		if refable(n.ResourceType) {
			idx.byName[n.Name] = append(idx.byName[n.Name], n)
		}
	}
	for _, list := range b.m.Disabled {
		for _, n := range list {
			if refable(n.ResourceType) {
				idx.disabled[n.Name] = append(idx.disabled[n.Name], n)
			}
		}
	}
	for _, s := range b.m.Sources {
		k := [2]string{s.SourceName, s.Name}
		idx.sources[k] = append(idx.sources[k], s)
	}
	b.r.index = idx
	b.checkMaterializations()
	b.checkCrossTypeDuplicates(idx)
	b.nameRelations()
	b.checkRelationUniqueness()
	parallel(len(b.order), b.r.opts.Workers, func(i int) {
		id := b.order[i]
		if n := b.m.Nodes[id]; n != nil {
			b.linkNode(n, b.pending[id])
		}
	})
	b.disableTestsOfDisabled()
	for _, e := range b.pendingExposures {
		deps := []string{}
		for _, r := range e.Refs {
			if t, _ := b.resolveRef(e.PackageName, r); t != nil {
				deps = append(deps, t.UniqueID)
			} else if f := b.failed[r.Name]; f != nil {
				f.dependents = append(f.dependents, "exposure."+e.PackageName+"."+e.Name)
			} else {
				b.addErr(e.Pos, "unknown-ref", "exposure '%s' depends on unknown node '%s'%s", e.Name, r.Name, suffixSuggest(r.Name, idx.names()))
			}
		}
		for _, s := range e.Sources {
			if src := idx.source(s[0], s[1]); src != nil {
				deps = append(deps, src.UniqueID)
			} else {
				b.addErr(e.Pos, "unknown-source", "exposure '%s' depends on unknown source '%s.%s'", e.Name, s[0], s[1])
			}
		}
		sort.Strings(deps)
		e.DependsOn.Nodes = deps
	}
	b.linkSemantic()
	b.buildHookNodes()
	b.fillUnrendered()
	b.inferPrimaryKeys()
	b.fillMacroDeps()
	b.renderTestConfigs()
	b.buildUnitTests()
	b.noteDependentsOfFailures()
	b.m.Link()
	b.r.Graph = buildGraph(b.m)
	if cyc := b.r.Graph.Cycle(); cyc != nil {
		first := b.m.Nodes[cyc[0]]
		pos := diag.Pos{}
		if first != nil {
			pos = first.Pos
		}
		names := make([]string, len(cyc))
		for i, id := range cyc {
			names[i] = id
			if n := b.m.Nodes[id]; n != nil {
				names[i] = n.Name + " (" + shownFile(n) + ")"
			}
		}
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "cycle", Pos: pos,
			Message:    "the project's dependencies form a cycle: " + strings.Join(shortNames(b.m, cyc), " -> "),
			Notes:      names,
			Suggestion: "remove one of these ref() calls to break the cycle"})
	}
	b.renderDescriptions()
	b.fillMetadata()
}

// checkMaterializations reports a model whose materialized names nothing
// that exists: no built-in and no {% materialization %} block in any
// package. dbt finds out only when the model runs, after its upstream
// models were rebuilt; here it is a parse error with a suggestion, at the
// line that sets the value: the model's config() call, its property file,
// or dbt_project.yml (one error for all the models a folder config
// reaches, not one per model).
func (b *builder) checkMaterializations() {
	var known []string
	type badSetting struct {
		mat    string
		pos    diag.Pos
		models []string
	}
	var fromTree []*badSetting // in order of first model
	for _, id := range b.order {
		n := b.m.Nodes[id]
		if n == nil || n.ResourceType != manifest.Model {
			continue
		}
		mat := n.Config.Materialized()
		if known == nil {
			known = b.r.Env.MaterializationNames()
		}
		if slices.Contains(known, mat) {
			continue
		}
		pos, inTree := b.materializedPos(n, mat)
		if inTree {
			i := slices.IndexFunc(fromTree, func(s *badSetting) bool { return s.pos == pos && s.mat == mat })
			if i < 0 {
				fromTree = append(fromTree, &badSetting{mat: mat, pos: pos})
				i = len(fromTree) - 1
			}
			fromTree[i].models = append(fromTree[i].models, n.Name)
			continue
		}
		msg := fmt.Sprintf("model '%s' is materialized as '%s', which is not a materialization", n.Name, mat)
		if pos.Line == 0 {
			msg += " (set in dbt_project.yml or a property file)"
		}
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-materialization", Pos: pos, Message: msg,
			Suggestion: materializationFix(mat, known)})
	}
	for _, s := range fromTree {
		who := fmt.Sprintf("model '%s' uses", s.models[0])
		switch len(s.models) {
		case 1:
		case 2:
			who = fmt.Sprintf("models '%s' and '%s' use", s.models[0], s.models[1])
		default:
			who = fmt.Sprintf("models '%s', '%s' and %d more use", s.models[0], s.models[1], len(s.models)-2)
		}
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-materialization", Pos: s.pos,
			Message:    fmt.Sprintf("+materialized: '%s' is not a materialization (%s it)", s.mat, who),
			Suggestion: materializationFix(s.mat, known)})
	}
}

// materializedPos finds where model n's materialized value mat is set, in
// the order that decides it: config() in the model, the property file, the
// root project's models: tree, the model's own package's tree. inTree is
// true for a dbt_project.yml position.
func (b *builder) materializedPos(n *manifest.Node, mat string) (pos diag.Pos, inTree bool) {
	if l, c := findLine(n.RawCode, "materialized", mat); l > 0 {
		pos = n.Pos
		pos.Line, pos.Col = l, c
		return pos, false
	}
	if pr, ok := b.patches[patchKey{n.PackageName, "models", n.Name}]; ok && pr.patch != nil && pr.patch.Config["materialized"] == mat {
		if p, ok := pr.patch.ConfigPos["materialized"]; ok {
			return p, false
		}
	}
	projects := []*project.Project{b.r.Project}
	if pd := b.pending[n.UniqueID]; pd != nil && pd.proj != nil && pd.proj != b.r.Project {
		projects = append(projects, pd.proj)
	}
	for _, p := range projects {
		if v, _ := p.ConfigFor("models", n.FQN)["materialized"].(string); v != mat {
			continue
		}
		if at, ok := p.ConfigPos("models", n.FQN, "materialized"); ok {
			if p != b.r.Project {
				// A package's file: name it as the node's path does.
				at.File = strings.TrimSuffix(n.Pos.File, n.OriginalFilePath) + at.File
			}
			return at, true
		}
	}
	return n.Pos, false
}

func materializationFix(mat string, known []string) string {
	if s := suggest(mat, known); s != "" {
		return s
	}
	return fmt.Sprintf("use view, table, incremental or ephemeral, or define {%% materialization %s, default %%} in a macro file", mat)
}

func shortNames(m *manifest.Manifest, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if n := m.Nodes[id]; n != nil {
			out[i] = n.Name
		}
	}
	return out
}

func refable(rt string) bool {
	return rt == manifest.Model || rt == manifest.Seed || rt == manifest.Snapshot
}

func (idx *nameIndex) names() []string {
	out := make([]string, 0, len(idx.byName))
	for k := range idx.byName {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (idx *nameIndex) source(src, table string) *manifest.SourceDef {
	if l := idx.sources[[2]string{src, table}]; len(l) > 0 {
		return l[0]
	}
	return nil
}

// checkCrossTypeDuplicates reports a model and a seed (or snapshot) sharing a
// name: ref() could not tell them apart.
func (b *builder) checkCrossTypeDuplicates(idx *nameIndex) {
	for name, list := range idx.byName {
		byPkg := map[string][]*manifest.Node{}
		for _, n := range list {
			k := n.PackageName
			if n.Version != nil { // versions of one model share its name
				k += "\x00" + project.FormatVersion(n.Version)
			}
			byPkg[k] = append(byPkg[k], n)
		}
		for _, l := range byPkg {
			if len(l) > 1 {
				sort.Slice(l, func(i, j int) bool { return l[i].OriginalFilePath < l[j].OriginalFilePath })
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "duplicate-name", Pos: l[1].Pos,
					Message:    fmt.Sprintf("two resources are named '%s': %s (%s) and %s (%s)", name, shownFile(l[0]), l[0].ResourceType, shownFile(l[1]), l[1].ResourceType),
					Suggestion: "rename one of them (ref() needs unique names)"})
			}
		}
	}
}

// resolveRef applies dbt's package search: an explicit package, else the
// root project, then the node's own package, then any package.
func (b *builder) resolveRef(fromPkg string, r manifest.RefArgs) (*manifest.Node, bool) {
	return b.r.index.resolve(b.r.Project.Name, fromPkg, r)
}

func (idx *nameIndex) resolve(root, fromPkg string, r manifest.RefArgs) (*manifest.Node, bool) {
	cands := idx.byName[r.Name]
	pick := func(list []*manifest.Node) *manifest.Node {
		list = pickVersion(list, r.Version)
		if r.Package != nil {
			for _, n := range list {
				if n.PackageName == *r.Package {
					return n
				}
			}
			return nil
		}
		for _, pkg := range []string{root, fromPkg} {
			for _, n := range list {
				if n.PackageName == pkg {
					return n
				}
			}
		}
		if len(list) > 0 {
			return list[0]
		}
		return nil
	}
	if n := pick(cands); n != nil {
		return n, false
	}
	if n := pick(idx.disabled[r.Name]); n != nil {
		return n, true
	}
	return nil, false
}

// pickVersion keeps the nodes a ref's version selects: the named version,
// or, for an unpinned ref, the latest version of a versioned model (and
// every unversioned node).
func pickVersion(list []*manifest.Node, v any) []*manifest.Node {
	versioned := false
	for _, n := range list {
		if n.Version != nil {
			versioned = true
			break
		}
	}
	if !versioned && v == nil {
		return list
	}
	out := make([]*manifest.Node, 0, len(list))
	for _, n := range list {
		switch {
		case v != nil && sameVersion(n.Version, v):
			out = append(out, n)
		case v == nil && (n.Version == nil || sameVersion(n.Version, n.LatestVersion)):
			out = append(out, n)
		}
	}
	return out
}

func suffixSuggest(name string, cands []string) string {
	if s := diag.DidYouMean(name, cands); s != "" {
		return " — " + s
	}
	return ""
}

func suggest(name string, cands []string) string { return diag.DidYouMean(name, cands) }

// findLine returns the first line of src containing all needles (1-based).
func findLine(src string, needles ...string) (int, int) {
	for i, l := range strings.Split(src, "\n") {
		ok := true
		for _, nd := range needles {
			if !strings.Contains(l, nd) {
				ok = false
				break
			}
		}
		if ok {
			return i + 1, strings.Index(l, needles[len(needles)-1]) + 1
		}
	}
	return 0, 0
}

func (b *builder) linkNode(n *manifest.Node, p *pending) {
	deps := map[string]bool{}
	for _, r := range n.Refs {
		t, disabled := b.resolveRef(n.PackageName, r)
		if t == nil || disabled {
			pos := n.Pos
			if n.TestMetadata == nil {
				if l, c := findLine(n.RawCode, "ref", r.Name); l > 0 {
					pos.Line, pos.Col = l, c
				}
			}
			if disabled && n.ResourceType == manifest.Test {
				// As dbt: a test of something disabled is disabled itself,
				// so disabling a model never breaks the project's tests.
				b.addDiag(diag.Diagnostic{Severity: diag.Warning, Code: "test-disabled-ref", Pos: pos,
					Message: fmt.Sprintf("test '%s' is disabled: it refers to '%s', which is disabled (enabled: false in %s)", n.Name, r.Name, shownFile(t))})
				b.mu.Lock()
				b.disabledTests = append(b.disabledTests, n.UniqueID)
				b.mu.Unlock()
				continue
			}
			if disabled {
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "disabled-ref", Pos: pos,
					Message:    fmt.Sprintf("%s '%s' refers to '%s', which is disabled (enabled: false in %s)", n.ResourceType, n.Name, r.Name, shownFile(t)),
					Suggestion: "enable it, or disable this node too"})
				continue
			}
			if f := b.failed[r.Name]; f != nil && !disabled {
				// Its own error is the one to fix: saying here that the
				// node is unknown (with a "did you mean") would mislead.
				b.mu.Lock()
				f.dependents = append(f.dependents, n.UniqueID)
				b.mu.Unlock()
				continue
			}
			if file, ok := b.emptyModels[r.Name]; ok {
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "empty-ref", Pos: pos,
					Message:    fmt.Sprintf("%s '%s' refers to '%s', whose file %s is empty, so it builds nothing", n.ResourceType, n.Name, r.Name, file),
					Suggestion: "write the SELECT of " + file + ", or remove this ref"})
				continue
			}
			sugg := suggest(r.Name, b.r.index.names())
			if vs := b.r.index.versionsOf(r.Name); len(vs) > 0 {
				sugg = fmt.Sprintf("model '%s' has versions %s; use one of them, e.g. ref('%s', v=%s), or ref('%s') for the latest", r.Name, strings.Join(vs, ", "), r.Name, vs[len(vs)-1], r.Name)
			}
			b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-ref", Pos: pos,
				Message:    fmt.Sprintf("%s '%s' refers to unknown node '%s'", n.ResourceType, n.Name, refString(r)),
				Suggestion: sugg})
			continue
		}
		if t.Version != nil && n.ResourceType != manifest.Test {
			b.warnVersionedRef(n, r, t)
		}
		if n.ResourceType != manifest.Test && n.ResourceType != manifest.UnitTest {
			g, _ := n.Config["group"].(string)
			pos := n.Pos
			if l, c := findLine(n.RawCode, "ref", r.Name); l > 0 {
				pos.Line, pos.Col = l, c
			}
			b.checkAccess(n.ResourceType+" '"+n.Name+"'", g, n.PackageName, t, pos)
		}
		deps[t.UniqueID] = true
	}
	for _, s := range n.Sources {
		src := b.r.index.source(s[0], s[1])
		if src == nil {
			pos := n.Pos
			if n.TestMetadata == nil {
				if l, c := findLine(n.RawCode, "source", s[1]); l > 0 {
					pos.Line, pos.Col = l, c
				}
			}
			// Suggest a table of the named source, else a source name.
			var tables, names []string
			seenSrc := map[string]bool{}
			for k := range b.r.index.sources {
				if k[0] == s[0] {
					tables = append(tables, k[1])
				}
				if !seenSrc[k[0]] {
					seenSrc[k[0]] = true
					names = append(names, k[0])
				}
			}
			sort.Strings(tables)
			sort.Strings(names)
			hint := ""
			if seenSrc[s[0]] {
				hint = suggest(s[1], tables)
				if hint == "" {
					hint = fmt.Sprintf("source '%s' has tables: %s", s[0], strings.Join(tables, ", "))
				}
			} else if h := suggest(s[0], names); h != "" {
				hint = h
			}
			b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-source", Pos: pos,
				Message:    fmt.Sprintf("%s '%s' refers to unknown source '%s.%s'", n.ResourceType, n.Name, s[0], s[1]),
				Suggestion: firstNonEmpty(hint, "declare it under sources: in a .yml file")})
			continue
		}
		deps[src.UniqueID] = true
	}
	n.DependsOn.Nodes = sortedKeys(deps)
	n.DependsOn.Macros = []string{}
}

// disableTestsOfDisabled moves the tests linkNode found referring to a
// disabled node from the manifest's nodes to its disabled map.
func (b *builder) disableTestsOfDisabled() {
	if len(b.disabledTests) == 0 {
		return
	}
	sort.Strings(b.disabledTests)
	gone := map[string]bool{}
	for _, id := range b.disabledTests {
		n := b.m.Nodes[id]
		if n == nil || gone[id] {
			continue
		}
		gone[id] = true
		n.Config["enabled"] = false
		delete(b.m.Nodes, id)
		b.m.Disabled[id] = append(b.m.Disabled[id], n)
		if parent := b.m.Nodes[n.AttachedNode]; parent != nil && n.ColumnName != "" {
			if c := parent.Columns[n.ColumnName]; c != nil {
				c.Tests = slices.DeleteFunc(c.Tests, func(t string) bool { return t == id })
			}
		}
	}
	b.order = slices.DeleteFunc(b.order, func(id string) bool { return gone[id] })
	b.disabledTests = nil
}

func refString(r manifest.RefArgs) string {
	s := r.Name
	if r.Package != nil {
		s = *r.Package + "." + r.Name
	}
	if r.Version != nil {
		s += " (version " + project.FormatVersion(r.Version) + ")"
	}
	return s
}

// nameRelations computes database, schema and alias for every node through
// the generate_*_name macros, with a Go fast path when a project does not
// override them (the common case, and the hot path at 100k nodes).
func (b *builder) nameRelations() {
	overridden := map[string]bool{}
	for _, m := range []string{"generate_schema_name", "generate_alias_name", "generate_database_name"} {
		overridden[m] = b.r.Env.IsOverridden(m)
	}
	tschema, tdb := b.targetSchema(), b.targetDatabase()
	// Each node's naming reads only that node (and calls macros, which are
	// safe to render concurrently), so nodes are named in parallel.
	parallel(len(b.order), b.r.opts.Workers, func(i int) {
		n := b.m.Nodes[b.order[i]]
		if n == nil {
			return
		}
		customSchema, _ := n.Config["schema"].(string)
		customDB, _ := n.Config["database"].(string)
		customAlias, _ := n.Config["alias"].(string)
		if n.ResourceType == manifest.Snapshot {
			if ts, ok := n.Config["target_schema"].(string); ok && ts != "" {
				n.Schema = ts
			}
		}
		if n.Schema == "" {
			if overridden["generate_schema_name"] {
				n.Schema = b.callNaming(n, "generate_schema_name", customSchema)
			} else if strings.TrimSpace(customSchema) == "" {
				n.Schema = tschema
			} else {
				n.Schema = tschema + "_" + strings.TrimSpace(customSchema)
			}
		}
		if overridden["generate_database_name"] {
			n.Database = b.callNaming(n, "generate_database_name", customDB)
		} else if customDB != "" {
			n.Database = customDB
		} else {
			n.Database = tdb
		}
		if td, ok := n.Config["target_database"].(string); ok && td != "" && n.ResourceType == manifest.Snapshot {
			n.Database = td // legacy snapshot config: used verbatim, like target_schema
		}
		switch {
		case overridden["generate_alias_name"] && n.ResourceType != manifest.Test:
			n.Alias = b.callNaming(n, "generate_alias_name", customAlias)
		case customAlias != "":
			n.Alias = customAlias
		case n.Alias != "":
		case n.Version != nil:
			n.Alias = n.Name + "_v" + strings.ReplaceAll(fmt.Sprint(n.Version), ".", "_")
		default:
			n.Alias = n.Name
		}
		if n.ResourceType == manifest.Model || n.ResourceType == manifest.Seed || n.ResourceType == manifest.Snapshot {
			if n.Config.Materialized() != "ephemeral" {
				n.RelationName = nodeRelation(n).RenderWith(b.r.Env.Quote)
			}
		}
	})
}

func (b *builder) callNaming(n *manifest.Node, macro, custom string) string {
	var arg any
	if strings.TrimSpace(custom) != "" {
		arg = custom
	}
	ctx := &jinja.Context{Package: n.PackageName, Globals: b.r.baseGlobals(), Resolver: &parseResolver{b: b, pkg: n.PackageName, node: n, base: n.Config}, Ctx: b.ctx}
	ctx.Globals["model"] = nodeContextMap(n)
	v, err := b.r.Env.CallMacro(ctx, macro, []any{arg, nodeContextMap(n)}, nil)
	if err != nil {
		var d diag.Diagnostic
		if !errors.As(err, &d) {
			d = jinjaDiag(shownFile(n), err)
			d.Message = macro + " for " + n.Name + ": " + d.Message
		}
		b.addDiag(d)
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

func buildGraph(m *manifest.Manifest) *graph.Graph {
	g := graph.New()
	for id := range m.Sources {
		g.AddNode(id)
	}
	for id, n := range m.Nodes {
		g.AddNode(id)
		for _, d := range n.DependsOn.Nodes {
			g.AddNode(d)
			g.AddEdge(d, id)
		}
	}
	for id, e := range m.Exposures {
		g.AddNode(id)
		for _, d := range e.DependsOn.Nodes {
			g.AddEdge(d, id)
		}
	}
	for _, s := range m.AllSemantic() {
		g.AddNode(s.UniqueID)
		for _, d := range s.DependsOn {
			g.AddNode(d)
			g.AddEdge(d, s.UniqueID)
		}
	}
	return g
}

func (b *builder) fillMetadata() {
	r := b.r
	md := &b.m.Metadata
	md.DbtSchemaVersion = manifest.ManifestSchema
	md.DbtVersion = DbtVersion
	md.InvocationID = r.opts.InvocationID
	md.ProjectName = r.Project.Name
	sum := md5sum(r.Project.Name)
	md.ProjectID = sum
	md.AdapterType = r.opts.AdapterType
	md.Env = map[string]string{}
	md.RunStartedAt = manifest.FormatTime(r.opts.RunStartedAt)
	md.InvocationStartedAt = md.RunStartedAt
	md.GeneratedAt = md.RunStartedAt
	md.Quoting = map[string]any{"database": true, "schema": true, "identifier": true, "column": nil}
}

// noteFailure records a node that failed to parse or render, so that refs
// to it are not reported as unknown (see linkNode).
func (b *builder) noteFailure(res sqlResult) {
	if res.failed == "" || len(res.diag) == 0 {
		return
	}
	if b.failed == nil {
		b.failed = map[string]*failure{}
	}
	if _, dup := b.failed[res.failed]; !dup {
		b.failed[res.failed] = &failure{diag: len(b.diags) + len(res.diag) - 1}
	}
}

// noteDependentsOfFailures tells, under each root error, which nodes ref
// the failed node and were therefore not checked: one error to fix instead
// of one per dependent.
func (b *builder) noteDependentsOfFailures() {
	for _, f := range b.failed {
		if len(f.dependents) == 0 {
			continue
		}
		ids := slices.Compact(slices.Sorted(slices.Values(f.dependents)))
		shown := ids
		more := ""
		if len(ids) > 5 {
			shown, more = ids[:5], fmt.Sprintf(" and %d more", len(ids)-5)
		}
		what := "1 node depends on it and is"
		if len(ids) > 1 {
			what = fmt.Sprintf("%d nodes depend on it and are", len(ids))
		}
		d := &b.diags[f.diag]
		d.Notes = append(d.Notes, fmt.Sprintf("%s skipped until it parses: %s%s", what, strings.Join(shown, ", "), more))
	}
}

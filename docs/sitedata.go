package docs

// The data the site reads, split in two scripts so the first paint does not
// wait for SQL text: the index (every node's name, type, place in the
// project and database trees, parents, layout position and search text) and
// the details (rendered descriptions, columns, SQL, config, stats), loaded
// right after the first render. Keys are short because at 5,000 models the
// index is read on every page open.

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/compiler/manifest"
	kproject "github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// Index is the first data script (window.KILN_INDEX).
type Index struct {
	Version   int         `json:"v"`
	Project   string      `json:"project"`
	Generated string      `json:"generated"`
	Overview  string      `json:"overview"` // HTML of the __overview__ docs block, "" for the generated one
	Width     float64     `json:"w"`
	Height    float64     `json:"h"`
	NodeW     float64     `json:"nw"`
	NodeH     float64     `json:"nh"`
	Nodes     []IndexNode `json:"nodes"`
}

// IndexNode is one resource in the index. Parents are indexes into Nodes.
type IndexNode struct {
	ID       string   `json:"id"`
	Type     string   `json:"t"`
	Name     string   `json:"n"`
	Package  string   `json:"pk"`
	File     string   `json:"f,omitempty"`
	FQN      []string `json:"q,omitempty"`
	Tags     []string `json:"g,omitempty"`
	Database string   `json:"db,omitempty"`
	Schema   string   `json:"s,omitempty"`
	Relation string   `json:"r,omitempty"`
	Mat      string   `json:"m,omitempty"`
	Color    string   `json:"c,omitempty"`
	Hidden   bool     `json:"h,omitempty"`
	Parents  []int    `json:"p,omitempty"`
	X        *float64 `json:"x,omitempty"`
	Y        *float64 `json:"y,omitempty"`
	Desc     string   `json:"d,omitempty"` // plain, shortened description
	Columns  []string `json:"k,omitempty"`
	Source   string   `json:"src,omitempty"` // source name for sources
}

// Detail is the second data script's entry for one node (same index).
type Detail struct {
	Desc     string         `json:"d,omitempty"` // HTML
	Columns  []DetailColumn `json:"cols,omitempty"`
	Raw      string         `json:"raw,omitempty"`
	Compiled string         `json:"sql,omitempty"`
	Config   map[string]any `json:"cfg,omitempty"`
	Stats    []DetailStat   `json:"st,omitempty"`
	Owner    string         `json:"own,omitempty"`
	RelType  string         `json:"rt,omitempty"`
	Comment  string         `json:"cm,omitempty"`
	Extra    map[string]any `json:"x,omitempty"` // per type: exposure, source, test, macro facts
}

// DetailColumn merges a YAML column with the catalog's.
type DetailColumn struct {
	Name  string `json:"n"`
	Type  string `json:"t,omitempty"`
	Desc  string `json:"d,omitempty"` // HTML
	Tests []int  `json:"ts,omitempty"`
}

// DetailStat is one shown catalog stat.
type DetailStat struct {
	Label string `json:"l"`
	Value string `json:"v"`
	Desc  string `json:"d,omitempty"`
}

// SiteOptions describes the project around the manifest.
type SiteOptions struct {
	Project   string // root package name
	Generated string // timestamp shown in the footer
}

// type order in the node table and the site's navigation.
var typeRank = map[string]int{
	manifest.Model: 0, manifest.Source: 1, manifest.Seed: 2, manifest.Snapshot: 3, manifest.Exposure: 4,
	manifest.Analysis: 5, manifest.Test: 6, manifest.UnitTest: 7, manifest.Macro: 8,
}

// inGraph reports whether a resource type is drawn in the lineage graph.
func inGraph(t string) bool {
	switch t {
	case manifest.Model, manifest.Source, manifest.Seed, manifest.Snapshot, manifest.Exposure, manifest.Analysis:
		return true
	}
	return false
}

// entry gathers what the builder knows about one resource before indexing.
type entry struct {
	idx    IndexNode
	deps   []string
	detail func() Detail
	sortBy string
}

// BuildData turns a compiled manifest (and the catalog, which may be nil)
// into the site's index and details. Warnings report bad docs config
// (an invalid node_color), positioned at the node.
func BuildData(m *manifest.Manifest, cat *Catalog, opts SiteOptions) (*Index, []Detail, diag.List) {
	var warns diag.List
	mdc := &mdCache{}
	if cat == nil {
		cat = &Catalog{}
	}
	var entries []*entry
	testsOf := map[string][]string{}     // node id -> test ids
	colTests := map[[2]string][]string{} // (node id, lower column) -> test ids
	for id, n := range m.Nodes {
		if n.ResourceType != manifest.Test {
			continue
		}
		target := n.AttachedNode
		if target == "" && len(n.DependsOn.Nodes) > 0 {
			target = n.DependsOn.Nodes[0]
		}
		for _, dep := range n.DependsOn.Nodes {
			testsOf[dep] = append(testsOf[dep], id)
		}
		if n.ColumnName != "" && target != "" {
			k := [2]string{target, strings.ToLower(n.ColumnName)}
			colTests[k] = append(colTests[k], id)
		}
	}

	for id, n := range m.Nodes {
		if n.ResourceType == manifest.Operation {
			continue
		}
		show, color := docsConfig(n.Config, n.Docs)
		if color != "" && !validColor(color) {
			where := ""
			if _, file, ok := strings.Cut(n.PatchPath, "://"); ok {
				where = " (its properties are in " + file + ")"
			}
			warns = append(warns, diag.Warnf(n.Pos, "docs-node-color", "%s '%s': docs.node_color '%s' is not an HTML colour name or hex code (e.g. '#1f77b4' or 'teal'); using the default colour%s", n.ResourceType, n.Name, color, where))
			color = ""
		}
		rel := n.Alias
		if rel == "" {
			rel = n.Name
		}
		mat := ""
		switch n.ResourceType {
		case manifest.Model, manifest.Snapshot:
			mat = n.Config.Materialized()
		case manifest.Seed:
			mat = "seed"
		}
		e := &entry{
			idx: IndexNode{ID: id, Type: n.ResourceType, Name: displayName(n), Package: n.PackageName, File: n.OriginalFilePath,
				FQN: n.FQN, Tags: n.Tags, Mat: mat, Color: color, Hidden: !show, Desc: plainText(n.Description, 160)},
			deps:   n.DependsOn.Nodes,
			sortBy: strings.Join(n.FQN, "."),
		}
		if n.ResourceType == manifest.Model || n.ResourceType == manifest.Seed || n.ResourceType == manifest.Snapshot {
			if mat != "ephemeral" {
				e.idx.Database, e.idx.Schema, e.idx.Relation = n.Database, n.Schema, rel
			}
		}
		ce := cat.Nodes[id]
		e.idx.Columns = columnNames(n.ColumnOrder, n.Columns, ce)
		nn := n
		e.detail = func() Detail {
			d := Detail{Desc: mdc.render(nn.Description), Raw: nn.RawCode, Compiled: nn.CompiledCode, Config: cleanConfig(nn.Config)}
			d.Columns = mergeColumns(mdc, nn.ColumnOrder, nn.Columns, ce)
			fillCatalog(&d, ce)
			x := map[string]any{}
			if nn.TestMetadata != nil {
				x["test"] = nn.TestMetadata.Name
				if len(nn.TestMetadata.Kwargs) > 0 {
					x["kwargs"] = nn.TestMetadata.Kwargs
				}
			}
			if nn.ColumnName != "" {
				x["column"] = nn.ColumnName
			}
			if nn.ResourceType == manifest.Seed && nn.RawCode == "" {
				x["seed"] = true
			}
			if len(x) > 0 {
				d.Extra = x
			}
			return d
		}
		entries = append(entries, e)
	}
	for id, s := range m.Sources {
		show, color := docsConfig(s.Config, nil)
		if color != "" && !validColor(color) {
			warns = append(warns, diag.Warnf(s.Pos, "docs-node-color", "source '%s.%s': docs.node_color '%s' is not an HTML colour name or hex code; using the default colour", s.SourceName, s.Name, color))
			color = ""
		}
		ident := s.Identifier
		if ident == "" {
			ident = s.Name
		}
		ce := cat.Sources[id]
		e := &entry{
			idx: IndexNode{ID: id, Type: manifest.Source, Name: s.SourceName + "." + s.Name, Package: s.PackageName, File: s.OriginalFilePath,
				FQN: s.FQN, Tags: s.Tags, Database: s.Database, Schema: s.Schema, Relation: ident, Color: color, Hidden: !show,
				Desc: plainText(s.Description, 160), Source: s.SourceName},
			sortBy: strings.Join(s.FQN, "."),
		}
		e.idx.Columns = columnNames(s.ColumnOrder, s.Columns, ce)
		ss := s
		e.detail = func() Detail {
			d := Detail{Desc: mdc.render(ss.Description), Config: cleanConfig(ss.Config)}
			d.Columns = mergeColumns(mdc, ss.ColumnOrder, ss.Columns, ce)
			fillCatalog(&d, ce)
			x := map[string]any{"source_name": ss.SourceName}
			if ss.Loader != "" {
				x["loader"] = ss.Loader
			}
			if h := mdc.render(ss.SourceDescription); h != "" {
				x["source_description"] = h
			}
			if ss.LoadedAtField != "" {
				x["loaded_at_field"] = ss.LoadedAtField
			}
			if len(ss.Freshness) > 0 {
				x["freshness"] = ss.Freshness
			}
			d.Extra = x
			return d
		}
		entries = append(entries, e)
	}
	for id, x := range m.Exposures {
		show, color := docsConfig(x.Config, nil)
		if color != "" && !validColor(color) {
			warns = append(warns, diag.Warnf(x.Pos, "docs-node-color", "exposure '%s': docs.node_color '%s' is not an HTML colour name or hex code; using the default colour", x.Name, color))
			color = ""
		}
		name := x.Name
		e := &entry{
			idx: IndexNode{ID: id, Type: manifest.Exposure, Name: name, Package: x.PackageName, File: x.OriginalFilePath,
				FQN: x.FQN, Tags: x.Tags, Color: color, Hidden: !show, Desc: plainText(x.Description, 160)},
			deps:   x.DependsOn.Nodes,
			sortBy: strings.Join(x.FQN, "."),
		}
		xx := x
		e.detail = func() Detail {
			d := Detail{Desc: mdc.render(xx.Description), Config: cleanConfig(xx.Config)}
			ex := map[string]any{}
			for k, v := range map[string]string{"type": xx.Type, "url": safeURL(xx.URL), "maturity": xx.Maturity, "label": xx.Label} {
				if v != "" {
					ex[k] = v
				}
			}
			if len(xx.Owner) > 0 {
				ex["owner"] = xx.Owner
				var parts []string
				for _, k := range []string{"name", "email"} {
					if s, ok := xx.Owner[k].(string); ok && s != "" {
						parts = append(parts, s)
					}
				}
				d.Owner = strings.Join(parts, " · ")
			}
			d.Extra = ex
			return d
		}
		entries = append(entries, e)
	}
	for id, mc := range m.Macros {
		if isInternal(mc) {
			continue // kiln's internal macro package: not the project's documentation
		}
		mm := mc
		e := &entry{
			idx: IndexNode{ID: id, Type: manifest.Macro, Name: mc.Name, Package: mc.PackageName, File: mc.OriginalFilePath,
				Desc: plainText(mc.Description, 160)},
			sortBy: mc.PackageName + "." + mc.Name,
		}
		e.detail = func() Detail {
			d := Detail{Desc: mdc.render(mm.Description), Raw: mm.MacroSQL}
			if len(mm.Arguments) > 0 {
				args := make([]map[string]any, 0, len(mm.Arguments))
				for _, a := range mm.Arguments {
					c := map[string]any{}
					for k, v := range a {
						if k == "description" {
							if s, ok := v.(string); ok {
								v = mdc.render(s)
							}
						}
						c[k] = v
					}
					args = append(args, c)
				}
				d.Extra = map[string]any{"arguments": args}
			}
			return d
		}
		entries = append(entries, e)
	}

	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if ra, rb := typeRank[a.idx.Type], typeRank[b.idx.Type]; ra != rb {
			return ra < rb
		}
		if a.sortBy != b.sortBy {
			return a.sortBy < b.sortBy
		}
		return a.idx.ID < b.idx.ID
	})
	pos := make(map[string]int, len(entries))
	for i, e := range entries {
		pos[e.idx.ID] = i
	}
	ix := &Index{Version: 1, Project: opts.Project, Generated: opts.Generated, NodeW: NodeWidth, NodeH: NodeHeight,
		Nodes: make([]IndexNode, len(entries))}
	for i, e := range entries {
		for _, d := range e.deps {
			if p, ok := pos[d]; ok {
				e.idx.Parents = append(e.idx.Parents, p)
			}
		}
		sort.Ints(e.idx.Parents)
		ix.Nodes[i] = e.idx
	}

	// Lineage layout over the visible graph nodes, in table (fqn) order.
	var gnodes []int
	gpos := map[int]int{}
	for i, n := range ix.Nodes {
		if inGraph(n.Type) && !n.Hidden {
			gpos[i] = len(gnodes)
			gnodes = append(gnodes, i)
		}
	}
	var edges [][2]int
	for gi, i := range gnodes {
		for _, p := range ix.Nodes[i].Parents {
			if gp, ok := gpos[p]; ok {
				edges = append(edges, [2]int{gp, gi})
			}
		}
	}
	lay := Layout(len(gnodes), edges)
	for gi, i := range gnodes {
		x, y := lay.Pos[gi].X, lay.Pos[gi].Y
		ix.Nodes[i].X, ix.Nodes[i].Y = &x, &y
	}
	ix.Width, ix.Height = lay.Width, lay.Height

	if d := m.Docs["doc."+opts.Project+".__overview__"]; d != nil {
		ix.Overview = mdc.render(d.BlockContents)
	}

	// Details: Markdown rendering dominates; spread it over the cores.
	details := make([]Detail, len(entries))
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				details[i] = entries[i].detail()
			}
		}()
	}
	for i := range entries {
		next <- i
	}
	close(next)
	wg.Wait()
	// Column tests point at node indexes.
	for i, e := range entries {
		for c := range details[i].Columns {
			col := &details[i].Columns[c]
			for _, t := range colTests[[2]string{e.idx.ID, strings.ToLower(col.Name)}] {
				if p, ok := pos[t]; ok {
					col.Tests = append(col.Tests, p)
				}
			}
		}
	}
	_ = testsOf
	warns.Sort()
	return ix, details, warns
}

// isInternal reports whether a macro comes from kiln's embedded dbt package.
func isInternal(mc *manifest.MacroDef) bool { return mc.PackageName == "dbt" }

// docsConfig reads docs.show and docs.node_color from config (dbt 1.10+)
// or the legacy top-level docs property.
func docsConfig(cfg manifest.Config, legacy map[string]any) (show bool, color string) {
	show = true
	for _, d := range []map[string]any{legacy, asMap(cfg["docs"])} {
		if d == nil {
			continue
		}
		switch v := d["show"].(type) {
		case bool:
			show = v
		case string:
			show = !strings.EqualFold(v, "false")
		}
		if c, ok := d["node_color"].(string); ok && c != "" {
			color = c
		}
	}
	return show, color
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

var hexColor = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func validColor(c string) bool {
	return hexColor.MatchString(c) || cssColors[strings.ToLower(c)]
}

// safeURL keeps http(s) and mailto links only; anything else (javascript:)
// is dropped so an exposure's url cannot run script when clicked.
func safeURL(u string) string {
	l := strings.ToLower(strings.TrimSpace(u))
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:") {
		return strings.TrimSpace(u)
	}
	return ""
}

// columnNames lists documented and catalogued column names for search.
func columnNames(order []string, cols map[string]*manifest.Column, ce *CatalogEntry) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range order {
		if c := cols[k]; c != nil && !seen[strings.ToLower(c.Name)] {
			seen[strings.ToLower(c.Name)] = true
			out = append(out, c.Name)
		}
	}
	if ce != nil {
		for _, c := range sortedCatalogColumns(ce) {
			if !seen[strings.ToLower(c.Name)] {
				seen[strings.ToLower(c.Name)] = true
				out = append(out, c.Name)
			}
		}
	}
	return out
}

func sortedCatalogColumns(ce *CatalogEntry) []*ColumnMeta {
	out := make([]*ColumnMeta, 0, len(ce.Columns))
	for _, c := range ce.Columns {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// mergeColumns lists the catalog's columns in warehouse order with their
// YAML descriptions, then YAML-only columns (documented but not built).
func mergeColumns(mdc *mdCache, order []string, cols map[string]*manifest.Column, ce *CatalogEntry) []DetailColumn {
	yaml := map[string]*manifest.Column{}
	for _, c := range cols {
		yaml[strings.ToLower(c.Name)] = c
	}
	used := map[string]bool{}
	var out []DetailColumn
	add := func(name, typ string, c *manifest.Column) {
		dc := DetailColumn{Name: name, Type: typ}
		if c != nil {
			dc.Desc = mdc.render(c.Description)
			if dc.Type == "" && c.DataType != nil {
				dc.Type = *c.DataType
			}
		}
		out = append(out, dc)
	}
	if ce != nil {
		for _, cm := range sortedCatalogColumns(ce) {
			k := strings.ToLower(cm.Name)
			used[k] = true
			add(cm.Name, cm.Type, yaml[k])
		}
	}
	for _, k := range order {
		c := cols[k]
		if c == nil || used[strings.ToLower(c.Name)] {
			continue
		}
		used[strings.ToLower(c.Name)] = true
		add(c.Name, "", c)
	}
	// columns not in ColumnOrder (defensive: order may be absent)
	var rest []string
	for _, c := range cols {
		if !used[strings.ToLower(c.Name)] {
			rest = append(rest, c.Name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		add(name, "", yaml[strings.ToLower(name)])
	}
	return out
}

func fillCatalog(d *Detail, ce *CatalogEntry) {
	if ce == nil {
		return
	}
	d.RelType = ce.Metadata.Type
	if ce.Metadata.Owner != nil {
		d.Owner = *ce.Metadata.Owner
	}
	if ce.Metadata.Comment != nil {
		d.Comment = *ce.Metadata.Comment
	}
	ids := make([]string, 0, len(ce.Stats))
	for id := range ce.Stats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := ce.Stats[id]
		if !s.Include {
			continue
		}
		st := DetailStat{Label: s.Label, Value: fmt.Sprint(s.Value)}
		if s.Description != nil {
			st.Desc = *s.Description
		}
		d.Stats = append(d.Stats, st)
	}
}

// cleanConfig drops empty values so the config table shows what matters.
func cleanConfig(c manifest.Config) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		switch t := v.(type) {
		case nil:
			continue
		case string:
			if t == "" {
				continue
			}
		case []any:
			if len(t) == 0 {
				continue
			}
		case []string:
			if len(t) == 0 {
				continue
			}
		case map[string]any:
			if len(t) == 0 {
				continue
			}
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// displayName tells the versions of a model apart (they share a name): the
// version as `ls` prints it, `orders.v2`, and a unit test of one version
// as dbt labels it, `t_all_v2`.
func displayName(n *manifest.Node) string {
	if n.UnitTest != nil {
		return n.Name + n.UnitTest.VersionSuffix
	}
	if n.ResourceType == manifest.Model && n.Version != nil {
		return n.Name + ".v" + kproject.FormatVersion(n.Version)
	}
	return n.Name
}

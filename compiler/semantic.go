package compiler

// The semantic layer (dbt 1.11's YAML: top-level semantic_models:,
// metrics:, saved_queries:) and groups. Each entry is built into dbt's
// manifest.json shape with dbt's defaults; linking resolves what it
// depends on: a semantic model its model (ref), a metric the semantic
// models of its measures or the metrics it is built from, a saved query
// its metrics. Nothing here runs; the entries are DAG members so that
// selectors such as `+metric:revenue` and `model+` reach them, as in dbt.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// semanticConfig layers dbt_project.yml's tree for the resource over the
// entry's config: and returns the config dbt writes plus the unrendered
// entry config.
func (b *builder) semanticConfig(p *project.Project, tree string, fqn []string, entry map[string]any, extra map[string]any) (map[string]any, map[string]any) {
	cfg := map[string]any{"enabled": true, "group": nil, "meta": map[string]any{}}
	for k, v := range extra {
		cfg[k] = v
	}
	cfg = project.MergeConfig(cfg, p.ConfigFor(tree, fqn))
	written, _ := entry["config"].(map[string]any)
	cfg = project.MergeConfig(cfg, written)
	if m, ok := entry["meta"].(map[string]any); ok {
		cfg["meta"] = project.MergeConfig(m, asMap(cfg["meta"]))
	}
	unrendered := map[string]any{}
	for k, v := range written {
		unrendered[k] = v
	}
	return cfg, unrendered
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		return map[string]any{}
	}
	return m
}

func strOrNil(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	}
	return jinja.Str(v)
}

// withDefaults returns defaults updated with the keys written in m.
func withDefaults(m map[string]any, defaults map[string]any) map[string]any {
	out := make(map[string]any, len(defaults)+len(m))
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func listOfMaps(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func elemConfig(m map[string]any) map[string]any {
	cfg := asMap(m["config"])
	meta := asMap(cfg["meta"])
	if mm, ok := m["meta"].(map[string]any); ok {
		meta = project.MergeConfig(mm, meta)
	}
	out := map[string]any{}
	for k, v := range cfg {
		out[k] = v
	}
	out["meta"] = meta
	return out
}

// whereFilter is dbt's WhereFilterIntersection for a filter written as a
// string or a list of strings.
func whereFilter(v any) any {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		list = []any{x}
	case []any:
		list = x
	case map[string]any:
		return x
	default:
		list = []any{jinja.Str(x)}
	}
	out := make([]any, 0, len(list))
	for _, f := range list {
		out = append(out, map[string]any{"where_sql_template": jinja.Str(f)})
	}
	return map[string]any{"where_filters": out}
}

func (b *builder) semanticBase(p *project.Project, pr *project.Properties, rt string, e project.RawEntry) (*manifest.SemanticNode, []string) {
	name, _ := e.Value["name"].(string)
	fqn, rel := fqnFor(p.Name, pr.Path, p.ModelPaths)
	fqn = append(fqn[:len(fqn)-1], name)
	s := &manifest.SemanticNode{
		UniqueID: rt + "." + p.Name + "." + name, ResourceType: rt, Name: name, PackageName: p.Name,
		OriginalFilePath: pr.Path, FQN: fqn, Pos: e.Pos,
	}
	desc, _ := e.Value["description"].(string)
	s.Fields = map[string]any{
		"name": name, "resource_type": rt, "package_name": p.Name, "path": rel, "original_file_path": pr.Path,
		"unique_id": s.UniqueID, "fqn": fqn, "description": desc, "label": strOrNil(e.Value["label"]),
		"metadata": nil, "created_at": 0.0,
	}
	return s, fqn
}

// buildSemantic adds one property file's semantic models, metrics, saved
// queries and groups.
func (b *builder) buildSemantic(p *project.Project, pr *project.Properties) {
	for i, g := range pr.Groups {
		name, _ := g["name"].(string)
		if name == "" {
			continue
		}
		id := "group." + p.Name + "." + name
		_, rel := fqnFor(p.Name, pr.Path, p.ModelPaths)
		owner := map[string]any{"email": nil, "name": nil}
		for k, v := range asMap(g["owner"]) {
			owner[k] = v
		}
		if owner["email"] == nil && owner["name"] == nil {
			b.addErr(pr.GroupPos[i], "group-owner", "group '%s' has no owner: add `owner: {name: ..., email: ...}` (dbt requires a name or an email)", name)
		}
		// As dbt, a group's config is computed like a model's: the models:
		// tree of dbt_project.yml for the group's fqn, then its config:.
		fqn, _ := fqnFor(p.Name, pr.Path, p.ModelPaths)
		fqn = append(fqn[:len(fqn)-1], name)
		cfg := project.MergeConfig(p.ConfigFor("models", fqn), nil)
		if p != b.r.Project {
			cfg = project.MergeConfig(cfg, b.r.Project.ConfigFor("models", fqn))
		}
		cfg = project.MergeConfig(cfg, elemConfig(g))
		b.m.Groups[id] = map[string]any{
			"name": name, "resource_type": manifest.Group, "package_name": p.Name, "path": rel,
			"original_file_path": pr.Path, "unique_id": id, "owner": owner,
			"description": strOrNil(g["description"]), "config": cfg,
		}
	}
	for _, e := range pr.Semantic["semantic_models"] {
		b.buildSemanticModel(p, pr, e)
	}
	for _, e := range pr.Semantic["metrics"] {
		b.buildMetric(p, pr, e)
	}
	for _, e := range pr.Semantic["saved_queries"] {
		b.buildSavedQuery(p, pr, e)
	}
}

func (b *builder) addSemantic(s *manifest.SemanticNode, cfg map[string]any) {
	if !manifest.Config(cfg).Enabled() {
		return
	}
	mp := b.m.SemanticNodes(s.ResourceType)
	if old, dup := mp[s.UniqueID]; dup {
		b.addErr(s.Pos, "duplicate-"+s.ResourceType, "%s '%s' is defined twice (also in %s)", strings.ReplaceAll(s.ResourceType, "_", " "), s.Name, old.OriginalFilePath)
		return
	}
	mp[s.UniqueID] = s
}

func (b *builder) buildSemanticModel(p *project.Project, pr *project.Properties, e project.RawEntry) {
	v := e.Value
	s, fqn := b.semanticBase(p, pr, manifest.SemanticModel, e)
	cfg, unrendered := b.semanticConfig(p, "semantic-models", fqn, v, nil)
	model, _ := v["model"].(string)
	if model == "" {
		b.addErr(e.Pos, "semantic-model", "semantic model '%s' has no model: write `model: ref('the_model')`", s.Name)
		return
	}
	res := &parseResolver{b: b, pkg: p.Name, node: &manifest.Node{Pos: e.Pos}}
	src := model
	if !strings.Contains(src, "{{") {
		src = "{{ " + src + " }}"
	}
	if _, err := b.r.Env.RenderString(pr.Path, src, &jinja.Context{Package: p.Name, Globals: b.r.baseGlobals(), Resolver: res, Ctx: b.ctx}); err != nil {
		b.addDiag(diag.Errorf(e.Pos, "semantic-model", "model %q of semantic model '%s': %v", model, s.Name, err))
		return
	}
	if len(res.refs) != 1 {
		b.addErr(e.Pos, "semantic-model", "model of semantic model '%s' must be one ref('...'), got %q", s.Name, model)
		return
	}
	s.Refs = res.refs
	var entities, measures, dimensions []any
	for _, en := range listOfMaps(v["entities"]) {
		x := withDefaults(en, map[string]any{"description": nil, "label": nil, "role": nil, "expr": nil})
		x["expr"] = strOrNil(x["expr"])
		x["config"] = elemConfig(en)
		delete(x, "meta")
		entities = append(entities, x)
	}
	for _, m := range listOfMaps(v["measures"]) {
		x := withDefaults(m, map[string]any{"description": nil, "label": nil, "create_metric": false, "expr": nil,
			"agg_params": nil, "non_additive_dimension": nil, "agg_time_dimension": nil})
		x["expr"] = strOrNil(x["expr"])
		x["config"] = elemConfig(m)
		delete(x, "meta")
		if nad, ok := x["non_additive_dimension"].(map[string]any); ok {
			x["non_additive_dimension"] = withDefaults(nad, map[string]any{"window_choice": "min", "window_groupings": []any{}})
		}
		measures = append(measures, x)
	}
	for _, d := range listOfMaps(v["dimensions"]) {
		x := withDefaults(d, map[string]any{"description": nil, "label": nil, "is_partition": false, "type_params": nil, "expr": nil, "metadata": nil})
		x["expr"] = strOrNil(x["expr"])
		if tp, ok := x["type_params"].(map[string]any); ok {
			x["type_params"] = withDefaults(tp, map[string]any{"validity_params": nil})
		}
		x["config"] = elemConfig(d)
		delete(x, "meta")
		dimensions = append(dimensions, x)
	}
	f := s.Fields
	f["model"] = model
	f["node_relation"] = nil
	f["defaults"] = v["defaults"]
	f["entities"] = nonNilList(entities)
	f["measures"] = nonNilList(measures)
	f["dimensions"] = nonNilList(dimensions)
	f["refs"] = s.Refs
	f["config"] = cfg
	f["unrendered_config"] = unrendered
	f["primary_entity"] = v["primary_entity"]
	f["group"] = cfg["group"]
	if g, _ := cfg["group"].(string); g != "" {
		s.Group = g
	}
	b.addSemantic(s, cfg)
}

func nonNilList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// metricInputMeasure is dbt's MetricInputMeasure for a measure written as
// a name or a mapping.
func metricInputMeasure(v any) map[string]any {
	return namedInput(v, map[string]any{"filter": nil, "alias": nil, "join_to_timespine": false, "fill_nulls_with": nil})
}

// metricInput is dbt's MetricInput (ratio numerator/denominator, derived
// metrics' inputs).
func metricInput(v any) map[string]any {
	return namedInput(v, map[string]any{"filter": nil, "alias": nil, "offset_window": nil, "offset_to_grain": nil})
}

// namedInput is an input written as a bare name or a mapping, with
// defaults for the keys not written and its filter as a WhereFilter.
func namedInput(v any, defaults map[string]any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		m = map[string]any{"name": jinja.Str(v)}
	}
	out := withDefaults(m, defaults)
	out["filter"] = whereFilter(out["filter"])
	return out
}

func (b *builder) buildMetric(p *project.Project, pr *project.Properties, e project.RawEntry) {
	v := e.Value
	s, fqn := b.semanticBase(p, pr, manifest.Metric, e)
	cfg, unrendered := b.semanticConfig(p, "metrics", fqn, v, nil)
	typ := strings.ToLower(jinja.Str(v["type"]))
	if v["type"] == nil {
		b.addErr(e.Pos, "metric", "metric '%s' has no type: use simple, ratio, cumulative, derived or conversion", s.Name)
		return
	}
	if v["label"] == nil {
		b.addErr(e.Pos, "metric", "metric '%s' has no label: add `label:` (dbt requires it)", s.Name)
		return
	}
	tp := asMap(v["type_params"])
	params := withDefaults(tp, map[string]any{"measure": nil, "numerator": nil, "denominator": nil, "expr": nil,
		"window": nil, "grain_to_date": nil, "metrics": []any{}, "conversion_type_params": nil,
		"cumulative_type_params": nil, "metric_aggregation_params": nil})
	if params["measure"] != nil {
		mm := metricInputMeasure(params["measure"])
		params["measure"] = mm
		s.Measures = append(s.Measures, jinja.Str(mm["name"]))
	}
	if cp, ok := params["conversion_type_params"].(map[string]any); ok {
		for _, k := range []string{"base_measure", "conversion_measure"} {
			if cp[k] != nil {
				mm := metricInputMeasure(cp[k])
				cp[k] = mm
				s.Measures = append(s.Measures, jinja.Str(mm["name"]))
			}
		}
	}
	for _, k := range []string{"numerator", "denominator"} {
		if params[k] != nil {
			mi := metricInput(params[k])
			params[k] = mi
			s.Metrics = append(s.Metrics, jinja.Str(mi["name"]))
		}
	}
	if l, ok := params["metrics"].([]any); ok {
		out := make([]any, 0, len(l))
		for _, x := range l {
			mi := metricInput(x)
			out = append(out, mi)
			s.Metrics = append(s.Metrics, jinja.Str(mi["name"]))
		}
		params["metrics"] = out
	}
	params["input_measures"] = []any{} // filled when linking
	f := s.Fields
	f["type"] = typ
	f["type_params"] = params
	f["filter"] = whereFilter(v["filter"])
	f["time_granularity"] = v["time_granularity"]
	f["meta"] = cfg["meta"]
	f["tags"] = nonNilAnyList(cfg["tags"])
	f["config"] = cfg
	f["unrendered_config"] = unrendered
	f["sources"] = []any{}
	f["refs"] = []any{}
	f["metrics"] = []any{}
	f["group"] = cfg["group"]
	if g, _ := cfg["group"].(string); g != "" {
		s.Group = g
	}
	b.addSemantic(s, cfg)
}

func nonNilAnyList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{}
}

func (b *builder) buildSavedQuery(p *project.Project, pr *project.Properties, e project.RawEntry) {
	v := e.Value
	s, fqn := b.semanticBase(p, pr, manifest.SavedQuery, e)
	cfg, unrendered := b.semanticConfig(p, "saved-queries", fqn, v, map[string]any{"export_as": nil, "schema": nil, "cache": map[string]any{"enabled": false}})
	qp := withDefaults(asMap(v["query_params"]), map[string]any{"metrics": []any{}, "group_by": []any{}, "where": nil, "order_by": []any{}, "limit": nil})
	qp["where"] = whereFilter(qp["where"])
	for _, m := range nonNilAnyList(qp["metrics"]) {
		s.Metrics = append(s.Metrics, jinja.Str(m))
	}
	var exports []any
	for _, x := range listOfMaps(v["exports"]) {
		written := asMap(x["config"])
		name := jinja.Str(x["name"])
		ec := map[string]any{
			"export_as":   firstNonNil(written["export_as"], cfg["export_as"], "table"),
			"schema_name": firstNonNil(written["schema"], cfg["schema"], b.targetSchema()),
			"alias":       firstNonNil(written["alias"], name),
			"database":    firstNonNil(written["database"], b.targetDatabase()),
		}
		un := map[string]any{}
		for k, v := range written {
			un[k] = v
		}
		exports = append(exports, map[string]any{"name": name, "config": ec, "unrendered_config": un})
	}
	f := s.Fields
	f["query_params"] = qp
	f["exports"] = nonNilList(exports)
	f["config"] = cfg
	f["unrendered_config"] = unrendered
	f["group"] = cfg["group"]
	f["refs"] = []any{}
	f["tags"] = nonNilAnyList(cfg["tags"])
	if g, _ := cfg["group"].(string); g != "" {
		s.Group = g
	}
	b.addSemantic(s, cfg)
}

func firstNonNil(vs ...any) any {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

// linkSemantic resolves what every semantic model, metric and saved query
// depends on, and fills what dbt derives from it (node_relation,
// input_measures).
func (b *builder) linkSemantic() {
	measureOwner := map[string]*manifest.SemanticNode{}
	for _, s := range sortedSemantic(b.m.SemanticModels) {
		for _, r := range s.Refs {
			t, disabled := b.resolveRef(s.PackageName, r)
			if t == nil || disabled {
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-ref", Pos: s.Pos,
					Message:    fmt.Sprintf("semantic model '%s' refers to unknown model '%s'", s.Name, refString(r)),
					Suggestion: suggest(r.Name, b.r.index.names())})
				continue
			}
			b.checkAccess(s.UniqueID, s.Group, s.PackageName, t, s.Pos)
			s.DependsOn = append(s.DependsOn, t.UniqueID)
			s.Fields["node_relation"] = map[string]any{"alias": t.Alias, "schema_name": t.Schema, "database": t.Database, "relation_name": t.RelationName}
		}
		for _, m := range listOfMaps(s.Fields["measures"]) {
			if name, _ := m["name"].(string); name != "" {
				measureOwner[name] = s
			}
		}
	}
	byName := map[string]*manifest.SemanticNode{}
	for _, s := range b.m.Metrics {
		byName[s.Name] = s
	}
	metricNames := func() []string {
		out := make([]string, 0, len(byName))
		for k := range byName {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	// dependOnMetrics makes s depend on the metrics it names; unknownMsg
	// formats the error for one no metric defines (s's name, the metric).
	dependOnMetrics := func(s *manifest.SemanticNode, unknownMsg string) {
		for _, mn := range s.Metrics {
			t := byName[mn]
			if t == nil {
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-metric", Pos: s.Pos,
					Message: fmt.Sprintf(unknownMsg, s.Name, mn), Suggestion: suggest(mn, metricNames())})
				continue
			}
			if !contains(s.DependsOn, t.UniqueID) {
				s.DependsOn = append(s.DependsOn, t.UniqueID)
			}
		}
	}
	for _, s := range sortedSemantic(b.m.Metrics) {
		for _, ms := range s.Measures {
			owner := measureOwner[ms]
			if owner == nil {
				names := make([]string, 0, len(measureOwner))
				for k := range measureOwner {
					names = append(names, k)
				}
				sort.Strings(names)
				b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-measure", Pos: s.Pos,
					Message:    fmt.Sprintf("metric '%s' uses measure '%s', which no semantic model defines", s.Name, ms),
					Suggestion: firstNonEmpty(suggest(ms, names), "define it under measures: of a semantic model")})
				continue
			}
			if !contains(s.DependsOn, owner.UniqueID) {
				s.DependsOn = append(s.DependsOn, owner.UniqueID)
			}
		}
		dependOnMetrics(s, "metric '%s' is built from unknown metric '%s'")
	}
	// input_measures: a metric's own measures, else those of the metrics
	// it is built from (recursively, first use first).
	memo := map[string][]any{}
	var inputs func(s *manifest.SemanticNode, depth int) []any
	inputs = func(s *manifest.SemanticNode, depth int) []any {
		if r, ok := memo[s.UniqueID]; ok || depth > 50 {
			return r
		}
		params := asMap(s.Fields["type_params"])
		var out []any
		seen := map[string]bool{}
		add := func(m any) {
			mm, _ := m.(map[string]any)
			if n, _ := mm["name"].(string); n != "" && !seen[n] {
				seen[n] = true
				out = append(out, mm)
			}
		}
		if params["measure"] != nil {
			add(params["measure"])
		}
		if cp, ok := params["conversion_type_params"].(map[string]any); ok {
			add(cp["base_measure"])
			add(cp["conversion_measure"])
		}
		for _, mn := range s.Metrics {
			if t := byName[mn]; t != nil && t != s {
				for _, m := range inputs(t, depth+1) {
					add(m)
				}
			}
		}
		memo[s.UniqueID] = nonNilList(out)
		return memo[s.UniqueID]
	}
	for _, s := range sortedSemantic(b.m.Metrics) {
		asMap(s.Fields["type_params"])["input_measures"] = inputs(s, 0)
	}
	for _, s := range sortedSemantic(b.m.SavedQueries) {
		dependOnMetrics(s, "saved query '%s' queries unknown metric '%s'")
	}
	b.checkGroups()
}

func sortedSemantic(mp map[string]*manifest.SemanticNode) []*manifest.SemanticNode {
	out := make([]*manifest.SemanticNode, 0, len(mp))
	for _, s := range mp {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UniqueID < out[j].UniqueID })
	return out
}

// checkGroups reports a node or semantic entry whose group: names no group.
func (b *builder) checkGroups() {
	names := map[string]bool{}
	var list []string
	for _, g := range b.m.Groups {
		n, _ := g["name"].(string)
		names[n] = true
		list = append(list, n)
	}
	sort.Strings(list)
	check := func(what, name, group string, pos diag.Pos) {
		if group == "" || names[group] {
			return
		}
		sugg := suggest(group, list)
		if sugg == "" {
			sugg = "define it under groups: in a property file (name and owner)"
		}
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "unknown-group", Pos: pos,
			Message: fmt.Sprintf("%s '%s' is in group '%s', which is not defined", what, name, group), Suggestion: sugg})
	}
	for _, id := range b.order {
		if n := b.m.Nodes[id]; n != nil && n.ResourceType != manifest.Test {
			g, _ := n.Config["group"].(string)
			check(n.ResourceType, n.Name, g, n.Pos)
		}
	}
	for _, s := range b.m.AllSemantic() {
		check(strings.ReplaceAll(s.ResourceType, "_", " "), s.Name, s.Group, s.Pos)
	}
}

// checkAccess enforces a private model's group: only nodes of the same
// group may ref it (dbt's parse error). Tests of the model itself may. A
// protected model of a package whose dbt_project.yml says
// `restrict-access: true` may only be refd from inside that package.
func (b *builder) checkAccess(fromID, fromGroup, fromPkg string, t *manifest.Node, pos diag.Pos) {
	if t.ResourceType != manifest.Model {
		return
	}
	if nodeAccess(t) == "protected" && fromPkg != t.PackageName && b.restrictsAccess(t.PackageName) {
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "protected-ref", Pos: pos,
			Message:    fmt.Sprintf("%s refers to model '%s', which is protected to the '%s' package (its dbt_project.yml sets restrict-access: true)", fromID, t.Name, t.PackageName),
			Suggestion: fmt.Sprintf("ref a public model of '%s' instead, or ask its owners to make '%s' public (access: public)", t.PackageName, t.Name)})
		return
	}
	if nodeAccess(t) != "private" {
		return
	}
	tg, _ := t.Config["group"].(string)
	if fromGroup != "" && fromGroup == tg {
		return
	}
	b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "private-ref", Pos: pos,
		Message:    fmt.Sprintf("%s refers to model '%s', which is private to the '%s' group", fromID, t.Name, tg),
		Suggestion: fmt.Sprintf("put %s in group '%s' too, or make '%s' protected or public (access:)", fromID, tg, t.Name)})
}

func (b *builder) restrictsAccess(pkg string) bool {
	for _, p := range b.pkgs {
		if p.proj.Name == pkg {
			return p.proj.RestrictAccess
		}
	}
	return false
}

func nodeAccess(n *manifest.Node) string {
	if a, _ := n.Config["access"].(string); a != "" {
		return a
	}
	if n.Access != "" {
		return n.Access
	}
	return "protected"
}

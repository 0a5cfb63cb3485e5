package differ

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// normalizer rewrites what legitimately differs between the two copies
// (their directories, their PostgreSQL database names) to placeholders.
func (c *comparison) normalizer(s *side) *strings.Replacer {
	pairs := []string{s.dir, "<WORK>"}
	if c.o.Target == "postgres" {
		pairs = append(pairs, s.database, "<DB>")
	}
	return strings.NewReplacer(pairs...)
}

// normalize returns v with every string passed through r.
func normalize(v any, r *strings.Replacer) any {
	switch t := v.(type) {
	case string:
		return r.Replace(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[r.Replace(k)] = normalize(x, r)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normalize(x, r)
		}
		return out
	}
	return v
}

// canon is a value's canonical JSON text (map keys sorted).
func canon(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func sortedStrings(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	var s []string
	for _, x := range l {
		s = append(s, fmt.Sprint(x))
	}
	sort.Strings(s)
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// skipEntityKeys are manifest/graph keys that differ by nature (times,
// absolute paths, per-run state) or are compared by a dedicated check.
var skipEntityKeys = map[string]bool{
	"created_at": true, "root_path": true, "build_path": true, "compiled_path": true, "deferred": true,
	"compiled_code": true, "compiled": true, "extra_ctes": true, "extra_ctes_injected": true,
	"defer_relation": true, "_event_status": true, "config_call_dict": true, "unrendered_config_call_dict": true,
}

// unorderedKeys are lists whose order carries no meaning.
var unorderedKeys = map[string]bool{"tags": true}

// compareEntity compares one manifest (or graph) entry key by key.
func (c *comparison) compareEntity(prefix, id string, d, k map[string]any) {
	for _, key := range unionKeys(d, k) {
		if skipEntityKeys[key] {
			continue
		}
		dv, dok := d[key]
		kv, kok := k[key]
		switch {
		case !kok:
			c.check(id, prefix+"."+key, canon(dv), "(absent)")
			continue
		case !dok:
			c.check(id, prefix+"."+key, "(absent)", canon(kv))
			continue
		}
		switch key {
		case "config":
			dm, _ := dv.(map[string]any)
			km, _ := kv.(map[string]any)
			for _, ck := range unionKeys(dm, km) {
				dcv, dok := dm[ck]
				kcv, kok := km[ck]
				c.check(id, prefix+".config."+ck, presence(dcv, dok), presence(kcv, kok))
			}
		case "depends_on":
			dm, _ := dv.(map[string]any)
			km, _ := kv.(map[string]any)
			for _, ck := range unionKeys(dm, km) {
				dcv, dok := dm[ck]
				kcv, kok := km[ck]
				c.check(id, prefix+".depends_on."+ck, presence(sortedStrings(dcv), dok), presence(sortedStrings(kcv), kok))
			}
		case "columns":
			dm, _ := dv.(map[string]any)
			km, _ := kv.(map[string]any)
			for _, col := range unionKeys(dm, km) {
				dcv, dok := dm[col]
				kcv, kok := km[col]
				c.check(id, prefix+".columns."+col, presence(dcv, dok), presence(kcv, kok))
			}
		default:
			if unorderedKeys[key] {
				dv, kv = sortedStrings(dv), sortedStrings(kv)
			}
			c.check(id, prefix+"."+key, canon(dv), canon(kv))
		}
	}
}

func presence(v any, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return canon(v)
}

// manifestSections are the manifest.json maps compared entry by entry.
var manifestSections = []string{"nodes", "sources", "exposures", "metrics", "groups", "semantic_models", "saved_queries", "unit_tests"}

// finalArtifact returns the last version of an artifact either side wrote.
func (c *comparison) finalArtifact(name string, of func(*stepRecord) *output) map[string]any {
	for i := len(c.steps) - 1; i >= 0; i-- {
		if a := of(c.steps[i]).artifacts[name]; a != nil {
			return a
		}
	}
	return nil
}

func (c *comparison) compareArtifacts(ctx context.Context) {
	dm := c.finalArtifact("manifest", func(r *stepRecord) *output { return r.dbt })
	km := c.finalArtifact("manifest", func(r *stepRecord) *output { return r.kiln })
	c.check("", "manifest.json written", fmt.Sprint(dm != nil), fmt.Sprint(km != nil))
	if dm != nil && km != nil {
		dm = normalize(dm, c.normalizer(c.ws.dbt)).(map[string]any)
		km = normalize(km, c.normalizer(c.ws.kiln)).(map[string]any)
		c.compareManifests(dm, km)
	}
	c.compareCompiled()
	c.compareCatalogs()
	if dm != nil && km != nil {
		c.compareRelations(ctx, dm, km)
	}
}

func (c *comparison) compareManifests(dm, km map[string]any) {
	for _, sec := range manifestSections {
		ds, _ := dm[sec].(map[string]any)
		ks, _ := km[sec].(map[string]any)
		for _, id := range unionKeys(ds, ks) {
			if injectedName(id) {
				continue
			}
			de, dok := ds[id].(map[string]any)
			ke, kok := ks[id].(map[string]any)
			c.check(id, "manifest."+sec, existence(dok), existence(kok))
			if dok && kok {
				c.compareEntity("manifest", id, de, ke)
			}
		}
	}
	// Macros: the project's and its packages' entries field by field; of
	// dbt's own, the ones the project's nodes depend on must exist.
	dmac, _ := dm["macros"].(map[string]any)
	kmac, _ := km["macros"].(map[string]any)
	needed := map[string]bool{}
	for _, sec := range []string{"nodes", "sources", "exposures", "semantic_models", "metrics"} {
		ds, _ := dm[sec].(map[string]any)
		for _, e := range ds {
			em, _ := e.(map[string]any)
			deps, _ := em["depends_on"].(map[string]any)
			macs, _ := deps["macros"].([]any)
			for _, m := range macs {
				needed[fmt.Sprint(m)] = true
			}
		}
	}
	for _, id := range unionKeys(dmac, kmac) {
		if injectedName(id) {
			continue
		}
		de, dok := dmac[id].(map[string]any)
		ke, kok := kmac[id].(map[string]any)
		if internalMacro(id) {
			if needed[id] {
				c.check(id, "manifest.macros", existence(dok), existence(kok))
			}
			continue
		}
		c.check(id, "manifest.macros", existence(dok), existence(kok))
		if dok && kok {
			for _, key := range []string{"name", "package_name", "original_file_path", "macro_sql", "description", "meta", "arguments"} {
				c.check(id, "manifest.macro."+key, canon(de[key]), canon(ke[key]))
			}
			dd, _ := de["depends_on"].(map[string]any)
			kd, _ := ke["depends_on"].(map[string]any)
			c.check(id, "manifest.macro.depends_on.macros", canon(sortedStrings(dd["macros"])), canon(sortedStrings(kd["macros"])))
		}
	}
	ddocs, _ := dm["docs"].(map[string]any)
	kdocs, _ := km["docs"].(map[string]any)
	for _, id := range unionKeys(ddocs, kdocs) {
		de, dok := ddocs[id].(map[string]any)
		ke, kok := kdocs[id].(map[string]any)
		c.check(id, "manifest.docs", existence(dok), existence(kok))
		if dok && kok && !strings.HasPrefix(id, "doc.dbt.") {
			c.check(id, "manifest.docs.block_contents", canon(de["block_contents"]), canon(ke["block_contents"]))
		}
	}
	dsel, _ := dm["selectors"].(map[string]any)
	ksel, _ := km["selectors"].(map[string]any)
	for _, name := range unionKeys(dsel, ksel) {
		c.check("selector."+name, "manifest.selectors", canon(dsel[name]), canon(ksel[name]))
	}
	dmeta, _ := dm["metadata"].(map[string]any)
	kmeta, _ := km["metadata"].(map[string]any)
	for _, key := range []string{"dbt_schema_version", "adapter_type", "project_name"} {
		c.check("", "manifest.metadata."+key, canon(dmeta[key]), canon(kmeta[key]))
	}
}

// internalMacro reports whether a macro belongs to dbt's global project or
// an adapter's own macros, which kiln implements on its own terms.
func internalMacro(id string) bool {
	for _, p := range []string{"macro.dbt.", "macro.dbt_duckdb.", "macro.dbt_postgres."} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func existence(ok bool) string {
	if ok {
		return "present"
	}
	return "absent"
}

var spaceRun = regexp.MustCompile(`\s+`)

func normSQL(s string) string { return strings.TrimSpace(spaceRun.ReplaceAllString(s, " ")) }

// compareCompiled compares each node's compiled SQL from the compile step
// (whitespace-normalised).
func (c *comparison) compareCompiled() {
	for _, rec := range c.steps {
		if rec.cmd != "compile" {
			continue
		}
		dm := rec.dbt.artifacts["manifest"]
		km := rec.kiln.artifacts["manifest"]
		if dm == nil || km == nil {
			return
		}
		dn, _ := normalize(dm["nodes"], c.normalizer(c.ws.dbt)).(map[string]any)
		kn, _ := normalize(km["nodes"], c.normalizer(c.ws.kiln)).(map[string]any)
		for _, id := range unionKeys(dn, kn) {
			de, _ := dn[id].(map[string]any)
			ke, _ := kn[id].(map[string]any)
			if de == nil || ke == nil || injectedName(id) {
				continue
			}
			dc, dok := de["compiled_code"].(string)
			kc, kok := ke["compiled_code"].(string)
			if !dok && !kok {
				continue
			}
			c.check(id, "compiled_code", normSQL(dc), normSQL(kc))
		}
	}
}

// compareRunResults compares per-node statuses (and test failure counts)
// of one command.
func (c *comparison) compareRunResults(cmd string, rec *stepRecord) {
	dr, kr := rec.dbt.artifacts["run_results"], rec.kiln.artifacts["run_results"]
	if dr == nil && kr == nil {
		return
	}
	c.check("", "run_results.json written ["+cmd+"]", fmt.Sprint(dr != nil), fmt.Sprint(kr != nil))
	index := func(rr map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		res, _ := rr["results"].([]any)
		for _, r := range res {
			m, _ := r.(map[string]any)
			if id, ok := m["unique_id"].(string); ok {
				out[id] = m
			}
		}
		return out
	}
	d, k := index(dr), index(kr)
	for _, id := range unionKeys(d, k) {
		if injectedName(id) {
			continue
		}
		de, ke := d[id], k[id]
		c.check(id, "run_results["+cmd+"].status", statusOf(de), statusOf(ke))
		if strings.HasPrefix(id, "test.") && de != nil && ke != nil {
			c.check(id, "run_results["+cmd+"].failures", canon(de["failures"]), canon(ke["failures"]))
		}
	}
}

func statusOf(m map[string]any) string {
	if m == nil {
		return "(absent)"
	}
	return fmt.Sprint(m["status"])
}

var threadDigits = regexp.MustCompile(`\d+`)

// compareDumps compares the Jinja objects the injected hook logged.
func (c *comparison) compareDumps(cmd string, rec *stepRecord) {
	dd, derr := findDump(rec.dbt.stdout)
	kd, kerr := findDump(rec.kiln.stdout)
	if dd == nil && kd == nil {
		return
	}
	c.check("", "on-run-end dump ["+cmd+"]", dumpState(dd, derr), dumpState(kd, kerr))
	if dd == nil || kd == nil {
		return
	}
	dn, kn := c.normalizer(c.ws.dbt), c.normalizer(c.ws.kiln)
	if !c.graphCompared {
		// target and graph are the same objects in every command of a
		// run: compare them once, so one difference is listed once.
		c.graphCompared = true
		c.compareGraph(dd, kd, dn, kn)
	}
	c.compareResults(cmd, dd, kd, dn, kn)
}

func (c *comparison) compareGraph(dd, kd *dump, dn, kn *strings.Replacer) {
	dt := normalize(map[string]any(dd.Target), dn).(map[string]any)
	kt := normalize(map[string]any(kd.Target), kn).(map[string]any)
	for _, key := range unionKeys(dt, kt) {
		dv, dok := dt[key]
		kv, kok := kt[key]
		c.check("", "target."+key, presence(dv, dok), presence(kv, kok))
	}
	dg := normalize(map[string]any(dd.Graph), dn).(map[string]any)
	kg := normalize(map[string]any(kd.Graph), kn).(map[string]any)
	for _, sec := range unionKeys(dg, kg) {
		ds, _ := dg[sec].(map[string]any)
		ks, _ := kg[sec].(map[string]any)
		if _, ok := kg[sec]; !ok {
			c.check("", "graph."+sec, "present", "absent")
			continue
		}
		for _, id := range unionKeys(ds, ks) {
			if injectedName(id) {
				continue
			}
			de, dok := ds[id].(map[string]any)
			ke, kok := ks[id].(map[string]any)
			c.check(id, "graph."+sec, existence(dok), existence(kok))
			if dok && kok {
				c.compareEntity("graph", id, de, ke)
			}
		}
	}
}

func (c *comparison) compareResults(cmd string, dd, kd *dump, dn, kn *strings.Replacer) {
	index := func(rs []map[string]any, r *strings.Replacer) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, x := range rs {
			x = normalize(x, r).(map[string]any)
			if id, ok := x["unique_id"].(string); ok {
				out[id] = x
			}
		}
		return out
	}
	dr, kr := index(dd.Results, dn), index(kd.Results, kn)
	for _, id := range unionKeys(dr, kr) {
		de, ke := dr[id], kr[id]
		if de == nil || ke == nil {
			c.check(id, "results["+cmd+"]", existence(de != nil), existence(ke != nil))
			continue
		}
		for _, key := range []string{"status", "failures", "message", "timing", "execution_time_positive"} {
			c.check(id, "results["+cmd+"]."+key, canon(de[key]), canon(ke[key]))
		}
		c.check(id, "results["+cmd+"].thread_id", threadDigits.ReplaceAllString(fmt.Sprint(de["thread_id"]), "N"), threadDigits.ReplaceAllString(fmt.Sprint(ke["thread_id"]), "N"))
		dar, _ := de["adapter_response"].(map[string]any)
		kar, _ := ke["adapter_response"].(map[string]any)
		c.check(id, "results["+cmd+"].adapter_response keys", strings.Join(unionKeys(dar, nil), ","), strings.Join(unionKeys(kar, nil), ","))
	}
}

func dumpState(d *dump, err error) string {
	switch {
	case err != nil:
		return "unreadable: " + err.Error()
	case d == nil:
		return "absent"
	}
	return "present"
}

// compareCatalogs compares column names, types and order, and relation
// types, from docs generate.
func (c *comparison) compareCatalogs() {
	dc := c.finalArtifact("catalog", func(r *stepRecord) *output { return r.dbt })
	kc := c.finalArtifact("catalog", func(r *stepRecord) *output { return r.kiln })
	if dc == nil && kc == nil {
		return
	}
	c.check("", "catalog.json written", fmt.Sprint(dc != nil), fmt.Sprint(kc != nil))
	if dc == nil || kc == nil {
		return
	}
	for _, sec := range []string{"nodes", "sources"} {
		ds, _ := dc[sec].(map[string]any)
		ks, _ := kc[sec].(map[string]any)
		for _, id := range unionKeys(ds, ks) {
			de, dok := ds[id].(map[string]any)
			ke, kok := ks[id].(map[string]any)
			c.check(id, "catalog."+sec, existence(dok), existence(kok))
			if !dok || !kok {
				continue
			}
			dmeta, _ := de["metadata"].(map[string]any)
			kmeta, _ := ke["metadata"].(map[string]any)
			c.check(id, "catalog.metadata.type", strings.ToLower(fmt.Sprint(dmeta["type"])), strings.ToLower(fmt.Sprint(kmeta["type"])))
			c.check(id, "catalog.columns", catalogColumns(de["columns"]), catalogColumns(ke["columns"]))
		}
	}
}

func catalogColumns(v any) string {
	m, _ := v.(map[string]any)
	type col struct {
		idx  float64
		text string
	}
	var cols []col
	for name, x := range m {
		cm, _ := x.(map[string]any)
		idx, _ := cm["index"].(float64)
		cols = append(cols, col{idx, fmt.Sprintf("%s %v", strings.ToLower(name), strings.ToUpper(fmt.Sprint(cm["type"])))})
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].idx < cols[j].idx })
	var parts []string
	for _, x := range cols {
		parts = append(parts, x.text)
	}
	return strings.Join(parts, ", ")
}

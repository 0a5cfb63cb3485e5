package compiler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// RenderError is a node that failed to render at execution time.
type RenderError struct {
	Node *manifest.Node
	Err  error
}

func (e *RenderError) Error() string {
	var ee *EphemeralError
	if errors.As(e.Err, &ee) {
		head := fmt.Sprintf("Compilation Error in %s %s (%s)\n  ephemeral model %s (%s), which it inlines, failed to compile",
			e.Node.ResourceType, e.Node.Name, shownFile(e.Node), ee.Eph.Name, shownFile(ee.Eph))
		if ee.ShownUnder != "" {
			return head + " (the error is shown under " + ee.ShownUnder + "); fix it there first"
		}
		return head + ":\n  " + strings.ReplaceAll(jinjaDiag(shownFile(ee.Eph), ee.Err).String(), "\n", "\n  ")
	}
	d := jinjaDiag(shownFile(e.Node), e.Err)
	return fmt.Sprintf("Compilation Error in %s %s (%s)\n  %s", e.Node.ResourceType, e.Node.Name, shownFile(e.Node), strings.ReplaceAll(d.String(), "\n", "\n  "))
}
func (e *RenderError) Unwrap() error { return e.Err }

// EphemeralError is an ephemeral model that failed to compile while a node
// that inlines it compiled. The first such node shows the error; the others
// name that one instead of repeating it (one error, not one per dependent).
type EphemeralError struct {
	Eph        *manifest.Node
	Err        error
	ShownUnder string // unique id of the node whose error shows it; "" for that node
}

func (e *EphemeralError) Error() string {
	return "ephemeral model " + e.Eph.Name + " failed to compile"
}
func (e *EphemeralError) Unwrap() error { return e.Err }

// runtimeState caches what every execution-time render shares.
type runtimeState struct {
	graphOnce sync.Once
	graph     map[string]any
	// nodeMu orders the run-time writes to nodes (compiled code, a generic
	// test's config() call) before the one read of every node that builds
	// the graph, which may happen while other workers render.
	nodeMu    sync.RWMutex
	mu        sync.Mutex
	ephemeral map[string]string // unique_id -> compiled SQL (with its own CTEs)
	ephFailed map[string]string // ephemeral unique_id -> the node whose error shows its failure
}

var rtStates sync.Map // *Result -> *runtimeState

func (r *Result) rt() *runtimeState {
	v, _ := rtStates.LoadOrStore(r, &runtimeState{ephemeral: map[string]string{}})
	return v.(*runtimeState)
}

// flatGraph is the Jinja `graph` object: dbt's flat graph, which is the
// manifest's nodes (with hooks, without unit tests), sources, exposures,
// metrics, groups, semantic models, saved queries and functions exactly as
// manifest.json writes them. It is built once per run, the first time a
// template reads `graph` (see graphGlobal), through a JSON round trip so
// that every value is plain data with dbt's field names.
func (r *Result) flatGraph() map[string]any {
	st := r.rt()
	st.graphOnce.Do(func() {
		st.nodeMu.RLock()
		doc := r.Manifest.JSON()
		g := make(map[string]any, 8)
		for _, sec := range []string{"nodes", "sources", "exposures", "metrics", "groups", "semantic_models", "saved_queries", "functions"} {
			v, _ := doc[sec].(map[string]any)
			if v == nil {
				v = map[string]any{}
			}
			g[sec] = plainJSON(v)
		}
		st.nodeMu.RUnlock()
		// The graph is the parsed project: no compiled state, as in dbt.
		for _, n := range g["nodes"].(map[string]any) {
			if m, ok := n.(map[string]any); ok {
				for _, k := range []string{"compiled", "compiled_code", "extra_ctes", "extra_ctes_injected"} {
					delete(m, k)
				}
				if _, ok := m["compiled_path"]; ok {
					m["compiled_path"] = nil
				}
				id, _ := m["unique_id"].(string)
				if node := r.Manifest.Nodes[id]; node != nil && len(node.CompileMacros) > 0 {
					if d, ok := m["depends_on"].(map[string]any); ok {
						d["macros"] = plainJSON(append([]string{}, node.DependsOn.Macros...))
					}
				}
				// keys of dbt's in-memory nodes that manifest.json leaves out
				call := map[string]any{}
				if node := r.Manifest.Nodes[id]; node != nil && node.ConfigCallDict != nil {
					call = plainJSON(node.ConfigCallDict).(map[string]any)
				}
				m["config_call_dict"] = call
				m["unrendered_config_call_dict"] = map[string]any{}
				switch m["resource_type"] {
				case manifest.Model:
					m["batch"] = nil
					m["defer_relation"] = nil
				case manifest.Seed, manifest.Snapshot:
					m["defer_relation"] = nil
				}
			}
		}
		st.graph = g
	})
	return st.graph
}

// ExecutedNode is a node as on-run-end's results show it (`result.node`):
// its graph entry with the compiled code of this run. Call it only once
// the nodes have run.
func (r *Result) ExecutedNode(id string) map[string]any {
	g, _ := r.flatGraph()["nodes"].(map[string]any)
	base, _ := g[id].(map[string]any)
	out := make(map[string]any, len(base)+4)
	for k, v := range base {
		out[k] = v
	}
	if n := r.Manifest.Nodes[id]; n != nil {
		out["compiled"] = n.Compiled
		if n.Compiled {
			out["compiled_code"] = n.CompiledCode
		}
		if base == nil {
			out["unique_id"], out["name"], out["resource_type"], out["package_name"] = n.UniqueID, n.Name, n.ResourceType, n.PackageName
		}
	}
	return out
}

// graphGlobal is `graph` in a render context: built on first use.
func (r *Result) graphGlobal() jinja.Lazy {
	return func() any { return r.flatGraph() }
}

// plainJSON turns v into the generic maps, lists, strings, bools, ints and
// floats its JSON encoding decodes to (integers stay ints, so Jinja prints
// 1, not 1.0).
func plainJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return map[string]any{}
	}
	return numbersToGo(out)
}

func numbersToGo(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToGo(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToGo(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// Relation returns a node's warehouse relation.
func (r *Result) Relation(n *manifest.Node) adapters.Relation { return nodeRelation(n) }

// runtimeResolver serves a node's execution-time render.
type runtimeResolver struct {
	r    *Result
	node *manifest.Node
	ctes []string // ephemeral unique_ids referenced, in order
	seen map[string]bool
	sub  *Substitution // unit tests: replaced inputs, vars, env vars
	// batch, while rendering one microbatch, filters upstream relations
	// that have an event_time (see microbatch.go).
	batch *Batch
	// conn is the connection the node renders on (nil when compiling
	// without one): its dialect writes the batch filters' literals.
	conn adapters.Conn
}

// timestampLiteral is the connection's dialect's (compiling without one:
// the target adapter's), or nil for dbt's default string literal.
func (rr *runtimeResolver) timestampLiteral() func(time.Time) string {
	if rr.conn != nil {
		return rr.conn.Dialect().TimestampLiteral
	}
	if d := rr.r.opts.dialect(); d != nil {
		return d.TimestampLiteral
	}
	return nil
}

func (rr *runtimeResolver) Ref(args []string, version any) (any, error) {
	ra := manifest.RefArgs{Version: version}
	switch len(args) {
	case 1:
		ra.Name = args[0]
	case 2:
		ra.Package, ra.Name = &args[0], args[1]
	default:
		return nil, fmt.Errorf("ref() takes 1 or 2 arguments")
	}
	t, disabled := rr.r.index.resolve(rr.r.Project.Name, rr.node.PackageName, ra)
	if t == nil {
		return nil, fmt.Errorf("'%s' refers to unknown node '%s'", rr.node.Name, refString(ra))
	}
	if disabled {
		return nil, fmt.Errorf("'%s' refers to '%s', which is disabled", rr.node.Name, ra.Name)
	}
	// Operations (on-run-* hooks, run-operation) are not in the DAG: they
	// may ref any node, as in dbt.
	if rr.node.ResourceType != manifest.Operation && !contains(rr.node.DependsOn.Nodes, t.UniqueID) {
		return nil, fmt.Errorf("kiln could not infer every dependency of '%s' at parse time: ref('%s') is only reached at run time. Add `-- depends_on: {{ ref('%s') }}` to the top of %s", rr.node.Name, ra.Name, ra.Name, shownFile(rr.node))
	}
	if rel, ok := rr.r.Defer[t.UniqueID]; ok {
		return rr.empty(rr.r.Env.NewRelation(rel), t.Name), nil
	}
	if cte, ok := rr.sub.relation(t.UniqueID); ok {
		return jinja.NewRelation(adapters.Relation{CTEName: cte}), nil
	}
	if t.ResourceType == manifest.Model && t.Config.Materialized() == "ephemeral" {
		if rr.seen == nil {
			rr.seen = map[string]bool{}
		}
		if !rr.seen[t.UniqueID] {
			rr.seen[t.UniqueID] = true
			rr.ctes = append(rr.ctes, t.UniqueID)
		}
	}
	return rr.empty(rr.window().filter(rr.r.Env.NewRelation(nodeRelation(t)), t.Config["event_time"], t.Name, rr.timestampLiteral()), t.Name), nil
}

// window is the event-time window refs and sources are restricted to: the
// microbatch being rendered, else --sample's (nil: none).
func (rr *runtimeResolver) window() *Batch {
	if rr.batch != nil {
		return rr.batch
	}
	return rr.r.opts.Sample
}

// empty is --empty: a ref or source reads no rows, as dbt renders it,
// "(select * from x where false limit 0)", so a build checks the SQL and
// the schema without moving data. PostgreSQL needs an alias on the
// subquery (dbt's require_alias); DuckDB and Trino do not.
func (rr *runtimeResolver) empty(rel *jinja.Relation, name string) *jinja.Relation {
	if !rr.r.opts.Empty {
		return rel
	}
	rel.Limited = "(select * from " + rel.String() + " where false limit 0)"
	if rr.r.opts.AdapterType == "postgres" {
		rel.Limited += " _dbt_limit_subq_" + name
	}
	return rel
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

func (rr *runtimeResolver) Source(src, table string) (any, error) {
	s := rr.r.index.source(src, table)
	if s == nil {
		return nil, fmt.Errorf("unknown source '%s.%s'", src, table)
	}
	if cte, ok := rr.sub.relation(s.UniqueID); ok {
		return jinja.NewRelation(adapters.Relation{CTEName: cte}), nil
	}
	rel := adapters.Relation{Database: s.Database, Schema: s.Schema, Identifier: s.Identifier, Type: adapters.RelTable}
	if q, ok := s.Quoting["identifier"].(bool); ok && !q {
		rel.NoQuoteIdentifier = true
	}
	if q, ok := s.Quoting["schema"].(bool); ok && !q {
		rel.NoQuoteSchema = true
	}
	if q, ok := s.Quoting["database"].(bool); ok && !q {
		rel.NoQuoteDatabase = true
	}
	return rr.empty(rr.window().filter(rr.r.Env.NewRelation(rel), s.Config["event_time"], s.Name, rr.timestampLiteral()), s.Name), nil
}

// Config: a generic test macro may call config() (dbt_utils sets fail_calc
// that way); those values apply where the test's YAML/project config did not
// change it from the default. Other nodes' configs were captured at parse
// time.
func (rr *runtimeResolver) Config(kwargs map[string]any) error {
	if rr.node.TestMetadata == nil {
		return nil
	}
	cfg := make(manifest.Config, len(rr.node.Config)+len(kwargs))
	for k, v := range rr.node.Config {
		cfg[k] = v
	}
	for k, v := range kwargs {
		if cur, set := cfg[k]; !set || cur == singularKind.defaults[k] {
			cfg[k] = v
		}
	}
	st := rr.r.rt()
	st.nodeMu.Lock()
	rr.node.Config = cfg
	st.nodeMu.Unlock()
	return nil
}
func (rr *runtimeResolver) ConfigGet(key string) (any, bool) {
	v, ok := rr.node.Config[key]
	return v, ok
}
func (rr *runtimeResolver) Var(name string) (any, bool) {
	if rr.sub != nil {
		if v, ok := rr.sub.Vars[name]; ok {
			return v, true
		}
	}
	return rr.r.vars.lookup(rr.node.PackageName, name)
}
func (rr *runtimeResolver) EnvVar(name string) (string, bool) {
	if rr.sub != nil {
		if v, ok := rr.sub.EnvVars[name]; ok {
			return v, true
		}
	}
	return rr.r.opts.Getenv(name)
}
func (rr *runtimeResolver) Doc(args []string) (string, error) {
	return rr.r.doc(rr.node.PackageName, args)
}

// Print is print(): dbt shows it even with --quiet.
func (rr *runtimeResolver) Print(msg string) {
	if o := rr.r.opts; o.Print != nil {
		o.Print(msg)
	} else if o.Log != nil {
		o.Log(msg, true, rr.node)
	}
}

func (rr *runtimeResolver) Log(msg string, info bool) {
	if rr.r.opts.Log != nil {
		rr.r.opts.Log(msg, info, rr.node)
	}
}
func (rr *runtimeResolver) Warn(msg string) {
	if rr.r.opts.Log != nil {
		rr.r.opts.Log("Warning: "+msg, true, rr.node)
	}
}

// RuntimeContext builds the execute=True context for a node.
func (r *Result) RuntimeContext(ctx context.Context, n *manifest.Node, conn adapters.Conn) (*jinja.Context, *runtimeResolver) {
	rr := &runtimeResolver{r: r, node: n, conn: conn}
	g := r.baseGlobals()
	g["this"] = r.Env.NewRelation(nodeRelation(n))
	g["model"] = modelMap(n)
	g["graph"] = r.graphGlobal()
	return &jinja.Context{Package: n.PackageName, Execute: true, Globals: g, Resolver: rr, Conn: conn, Ctx: ctx}, rr
}

// CompileNode renders a node with execute=True and injects ephemeral CTEs.
// It fills n.CompiledCode, n.ExtraCTEs and n.Compiled.
func (r *Result) CompileNode(ctx context.Context, n *manifest.Node, conn adapters.Conn) (string, error) {
	return r.compileNode(ctx, n, conn, nil)
}

func (r *Result) compileNode(ctx context.Context, n *manifest.Node, conn adapters.Conn, batch *Batch) (string, error) {
	jctx, rr := r.RuntimeContext(ctx, n, conn)
	if batch != nil {
		rr.batch = batch
		jctx.Globals["model"].(map[string]any)["batch"] = batch.contextMap()
	}
	var sql string
	var err error
	if n.TestMetadata != nil {
		sql, err = r.renderGenericTest(jctx, n)
	} else {
		tmpl, ok := n.Template.(*jinja.Template)
		if !ok {
			if tmpl, err = r.Env.Parse(shownFile(n), n.RawCode); err != nil {
				return "", &RenderError{Node: n, Err: err}
			}
		}
		sql, err = tmpl.Render(jctx)
	}
	if err != nil {
		return "", &RenderError{Node: n, Err: err}
	}
	ctes, err := r.ephemeralCTEs(ctx, rr.ctes, conn)
	if err != nil {
		var re *RenderError
		if errors.As(err, &re) && re.Node != n {
			st := r.rt()
			st.mu.Lock()
			if st.ephFailed == nil {
				st.ephFailed = map[string]string{}
			}
			shown := st.ephFailed[re.Node.UniqueID]
			if shown == "" {
				st.ephFailed[re.Node.UniqueID] = n.UniqueID
			}
			st.mu.Unlock()
			return "", &RenderError{Node: n, Err: &EphemeralError{Eph: re.Node, Err: re.Err, ShownUnder: shown}}
		}
		return "", &RenderError{Node: n, Err: err}
	}
	sql = injectCTEs(sql, ctes)
	st := r.rt()
	st.nodeMu.Lock()
	n.ExtraCTEs = ctes
	n.CompiledCode = sql
	n.Compiled = true
	st.nodeMu.Unlock()
	return sql, nil
}

// renderGenericTest calls the test's macro with its kwargs, rendering
// Jinja-valued arguments (model, to: ref('x')) first.
func (r *Result) renderGenericTest(jctx *jinja.Context, n *manifest.Node) (string, error) {
	tm := n.TestMetadata
	kwargs := make(map[string]any, len(tm.Kwargs))
	for k, v := range tm.Kwargs {
		s, ok := v.(string)
		switch {
		// rendered natively, as dbt does: ref('x') arrives as a relation
		case ok && strings.Contains(s, "{{"):
			out, err := r.Env.RenderValue(shownFile(n), s, jctx)
			if err != nil {
				return "", r.yamlDiag(n.Pos, s, err)
			}
			kwargs[k] = out
		case ok && looksLikeJinjaCall(s):
			out, err := r.Env.RenderValue(shownFile(n), "{{ "+s+" }}", jctx)
			if err != nil {
				return "", err
			}
			kwargs[k] = out
		default:
			out, err := r.renderNested(n, v, jctx)
			if err != nil {
				return "", err
			}
			kwargs[k] = out
		}
	}
	name := "test_" + tm.Name
	if tm.Namespace != nil {
		name = *tm.Namespace + "." + name
	}
	v, err := r.Env.CallMacro(jctx, name, nil, kwargs)
	if err != nil {
		return "", err
	}
	return fmt.Sprint(v), nil
}

// renderNested renders the Jinja strings inside a list or dict argument of
// a generic test (values: ["{{ var('x') }}", ...]), as dbt does; other
// values are returned as they are.
func (r *Result) renderNested(n *manifest.Node, v any, jctx *jinja.Context) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = r.renderNested(n, e, jctx); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = r.renderNested(n, e, jctx); err != nil {
				return nil, err
			}
		}
		return out, nil
	case string:
		if strings.Contains(x, "{{") || strings.Contains(x, "{%") {
			out, err := r.Env.RenderValue(shownFile(n), x, jctx)
			if err != nil {
				return nil, r.yamlDiag(n.Pos, x, err)
			}
			return out, nil
		}
	}
	return v, nil
}

// ephemeralCTEs compiles referenced ephemeral models (and theirs, first).
func (r *Result) ephemeralCTEs(ctx context.Context, ids []string, conn adapters.Conn) ([]manifest.CTE, error) {
	var out []manifest.CTE
	seen := map[string]bool{}
	var visit func(id string) error
	visit = func(id string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		n := r.Manifest.Nodes[id]
		jctx, rr := r.RuntimeContext(ctx, n, conn)
		tmpl, _ := n.Template.(*jinja.Template)
		if tmpl == nil {
			var err error
			if tmpl, err = r.Env.Parse(shownFile(n), n.RawCode); err != nil {
				return err
			}
		}
		sql, err := tmpl.Render(jctx)
		if err != nil {
			return &RenderError{Node: n, Err: err}
		}
		for _, dep := range rr.ctes {
			if err := visit(dep); err != nil {
				return err
			}
		}
		out = append(out, manifest.CTE{ID: id, SQL: " __dbt__cte__" + n.Alias + " as (\n" + adapters.TrimStatement(sql) + "\n)"})
		return nil
	}
	for _, id := range ids {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var leadingWith = regexp.MustCompile(`(?is)^(\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*)with\s`)

// injectCTEs puts ephemeral CTEs in front of a query, merging with an
// existing top-level WITH clause.
func injectCTEs(sql string, ctes []manifest.CTE) string {
	if len(ctes) == 0 {
		return sql
	}
	parts := make([]string, len(ctes))
	for i, c := range ctes {
		parts[i] = c.SQL
	}
	joined := strings.Join(parts, ", ")
	if loc := leadingWith.FindStringSubmatchIndex(sql); loc != nil {
		end := loc[1]
		return sql[:end] + joined + ", " + sql[end:]
	}
	return "with" + joined + "\n" + sql
}

// InlineNode parses ad-hoc SQL (compile --inline) as a node of the root
// project, linking its refs and sources.
func (r *Result) InlineNode(ctx context.Context, sql string) (*manifest.Node, error) {
	b := newBuilder(ctx, r)
	n := &manifest.Node{
		UniqueID: "sql_operation." + r.Project.Name + ".inline_query", ResourceType: "sql_operation",
		PackageName: r.Project.Name, Name: "inline_query", OriginalFilePath: "inline_query",
		RawCode: sql, Language: "sql", Config: manifest.Config{"materialized": "view"}, Pos: diagPos("inline_query"),
	}
	tmpl, err := r.Env.Parse("inline_query", sql)
	if err != nil {
		return nil, jinjaDiag("inline_query", err)
	}
	n.Template = tmpl
	res := &parseResolver{b: b, pkg: n.PackageName, node: n, base: n.Config}
	if _, err := tmpl.Render(b.parseContext(n, res)); err != nil {
		return nil, jinjaDiag("inline_query", err)
	}
	n.Refs, n.Sources = res.refs, res.sources
	b.linkNode(n, &pending{node: n, proj: r.Project})
	if len(b.diags) > 0 {
		return nil, b.diags
	}
	n.Schema, _ = r.opts.Target["schema"].(string)
	n.Alias = n.Name
	return n, nil
}

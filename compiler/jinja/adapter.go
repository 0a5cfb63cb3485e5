package jinja

import (
	"context"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

// Table is an agate-like query result: .columns, .rows, .column_names.
type Table struct{ T *adapters.Table }

// Row is one row, indexable by position and by column name.
type Row struct {
	t    *Table
	vals []any
}

type tableColumn struct {
	t   *Table
	idx int
}

func (t *Table) rows() []any {
	if t.T == nil {
		return nil
	}
	out := make([]any, len(t.T.Rows))
	for i, r := range t.T.Rows {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = wrapGo(v)
		}
		out[i] = &Row{t: t, vals: vals}
	}
	return out
}

func (t *Table) colNames() []any {
	if t.T == nil {
		return nil
	}
	out := make([]any, len(t.T.Columns))
	for i, c := range t.T.Columns {
		out[i] = c
	}
	return out
}

func (t *Table) seq() []any     { return t.rows() }
func (t *Table) length() int    { return len(t.rows()) }
func (t *Table) String() string { return fmt.Sprintf("<Table %d rows>", t.length()) }

func (t *Table) getAttr(name string) (any, bool) {
	switch name {
	case "rows":
		return &List{Items: t.rows()}, true
	case "column_names":
		return &List{Items: t.colNames()}, true
	case "column_types":
		var out []any
		if t.T != nil {
			for _, ty := range t.T.Types {
				out = append(out, ty)
			}
		}
		return &List{Items: out}, true
	case "columns":
		return &tableColumns{t: t}, true
	case "print_table":
		return fn(name, func(r *renderer, a *callArgs) (any, error) {
			maxRows, _ := toInt(a.argOr(0, "max_rows", 20))
			maxCols, _ := toInt(a.argOr(1, "max_columns", 6))
			width, _ := toInt(a.argOr(2, "max_column_width", 20))
			if res := r.st.ctx.Resolver; res != nil {
				res.Log(t.format(maxRows, maxCols, width), true)
			}
			return nil, nil
		}), true
	case "print_json", "print_csv":
		return fn(name, func(_ *renderer, _ *callArgs) (any, error) { return nil, nil }), true
	case "keys":
		return fn("keys", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: t.colNames()}, nil }), true
	}
	return t.method(name)
}

type tableColumns struct{ t *Table }

func (c *tableColumns) seq() []any {
	var out []any
	if c.t.T != nil {
		for i := range c.t.T.Columns {
			out = append(out, &tableColumn{t: c.t, idx: i})
		}
	}
	return out
}

func (c *tableColumns) length() int { return len(c.seq()) }

func (c *tableColumns) getItem(key any) (any, bool) {
	if c.t.T == nil {
		return nil, false
	}
	switch k := key.(type) {
	case int:
		if k < 0 {
			k += len(c.t.T.Columns)
		}
		if k >= 0 && k < len(c.t.T.Columns) {
			return &tableColumn{t: c.t, idx: k}, true
		}
	case string:
		for i, n := range c.t.T.Columns {
			if n == k {
				return &tableColumn{t: c.t, idx: i}, true
			}
		}
	}
	return nil, false
}

// getAttr: agate's MappedSequence methods, else a column by name.
func (c *tableColumns) getAttr(name string) (any, bool) {
	switch name {
	case "keys":
		return fn("keys", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: c.t.colNames()}, nil }), true
	case "values":
		return fn("values", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: c.seq()}, nil }), true
	case "items":
		return fn("items", func(_ *renderer, _ *callArgs) (any, error) {
			cols := c.seq()
			out := make([]any, len(cols))
			for i, col := range cols {
				out[i] = newTuple(c.t.T.Columns[i], col)
			}
			return &List{Items: out}, nil
		}), true
	case "get":
		return fn("get", func(_ *renderer, a *callArgs) (any, error) {
			if v, ok := c.getItem(a.argOr(0, "key", nil)); ok {
				return v, nil
			}
			return a.argOr(1, "default", nil), nil
		}), true
	}
	return c.getItem(name)
}

func (tc *tableColumn) getAttr(name string) (any, bool) {
	switch name {
	case "name":
		return tc.t.T.Columns[tc.idx], true
	case "data_type":
		if tc.idx < len(tc.t.T.Types) {
			return tc.t.T.Types[tc.idx], true
		}
		return nil, true
	case "values", "values_distinct", "values_without_nulls":
		return fn(name, func(_ *renderer, _ *callArgs) (any, error) {
			var out []any
			seen := map[any]bool{}
			for _, r := range tc.t.T.Rows {
				v := wrapGo(r[tc.idx])
				switch name {
				case "values_without_nulls":
					if v == nil {
						continue
					}
				case "values_distinct":
					if hashable(v) {
						if seen[v] {
							continue
						}
						seen[v] = true
					}
				}
				out = append(out, v)
			}
			return &List{Items: out}, nil
		}), true
	}
	return nil, false
}

func (tc *tableColumn) seq() []any {
	var out []any
	for _, r := range tc.t.T.Rows {
		out = append(out, wrapGo(r[tc.idx]))
	}
	return out
}

func (r *Row) seq() []any  { return r.vals }
func (r *Row) length() int { return len(r.vals) }

func (r *Row) getItem(key any) (any, bool) {
	switch k := key.(type) {
	case int:
		if k < 0 {
			k += len(r.vals)
		}
		if k >= 0 && k < len(r.vals) {
			return r.vals[k], true
		}
	case string:
		for i, n := range r.t.T.Columns {
			if n == k && i < len(r.vals) {
				return r.vals[i], true
			}
		}
	}
	return nil, false
}

func (r *Row) getAttr(name string) (any, bool) {
	switch name {
	case "keys":
		return fn("keys", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: r.t.colNames()}, nil }), true
	case "values":
		return fn("values", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: r.vals}, nil }), true
	case "items":
		return fn("items", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: r.rowItems()}, nil }), true
	case "get":
		return fn("get", func(_ *renderer, a *callArgs) (any, error) {
			if v, ok := r.getItem(a.argOr(0, "key", nil)); ok {
				return v, nil
			}
			return a.argOr(1, "default", nil), nil
		}), true
	}
	return r.getItem(name)
}

func (r *Row) String() string { return "<agate.Row: " + repr(newTuple(r.vals...)) + ">" }

// responseObj is dbt's AdapterResponse.
type responseObj struct{ R adapters.Response }

func (r *responseObj) getAttr(name string) (any, bool) {
	switch name {
	case "_message", "message":
		return r.R.Message, true
	case "code":
		return r.R.Code, true
	case "rows_affected":
		return int(r.R.RowsAffected), true
	}
	return nil, false
}

func (r *responseObj) String() string { return r.R.Message }

func (r *renderer) goCtx() context.Context {
	if c := r.st.ctx.Ctx; c != nil {
		return c
	}
	return context.Background()
}

func (r *renderer) conn(what string) (adapters.Conn, error) {
	if r.st.ctx.Conn == nil {
		return nil, errorf("%s needs a database connection, which is not available here", what)
	}
	return r.st.ctx.Conn, nil
}

// runSQL executes sql and returns the response and (when fetch) the table.
func (r *renderer) runSQL(sql string, fetch bool, limit int) (*responseObj, *Table, error) {
	c, err := r.conn("executing SQL")
	if err != nil {
		return nil, nil, err
	}
	if fetch {
		t, resp, err := c.Query(r.goCtx(), sql, limit)
		if err != nil {
			return nil, nil, err
		}
		if t == nil {
			t = &adapters.Table{}
		}
		return &responseObj{R: resp}, &Table{T: t}, nil
	}
	resp, err := c.Exec(r.goCtx(), sql)
	if err != nil {
		return nil, nil, err
	}
	return &responseObj{R: resp}, &Table{T: &adapters.Table{}}, nil
}

func (r *renderer) storeResult(name string, resp *responseObj, t *Table) {
	if r.st.results == nil {
		r.st.results = map[string]any{}
	}
	d := newDict(3)
	d.Set("response", resp)
	var data []any
	if t != nil {
		for _, row := range t.rows() {
			data = append(data, &List{Items: row.(*Row).vals})
		}
	} else {
		t = &Table{T: &adapters.Table{}}
	}
	d.Set("data", &List{Items: data})
	d.Set("table", t)
	r.st.results[name] = d
}

func builtinRunQuery(r *renderer, a *callArgs) (any, error) {
	if !r.execute() {
		return nil, nil
	}
	sql := toStr(a.argOr(0, "sql", ""))
	resp, t, err := r.runSQL(sql, true, 0)
	if err != nil {
		return nil, err
	}
	r.storeResult("run_query_statement", resp, t)
	return t, nil
}

// statement is used as {% call statement('name', fetch_result=True) %}sql{% endcall %}.
func builtinStatement(r *renderer, a *callArgs) (any, error) {
	if !r.execute() {
		return "", nil
	}
	name := strOrEmpty(a.argOr(0, "name", nil))
	fetch := truthy(a.argOr(1, "fetch_result", false))
	if a.caller == nil {
		return nil, errorf("statement() must be used as {%% call statement(...) %%}...{%% endcall %%}")
	}
	body, err := r.callValue(a.caller, &callArgs{})
	if err != nil {
		return nil, err
	}
	sql := strings.TrimSpace(toStr(body))
	resp, t, err := r.runSQL(sql, fetch, 0)
	if err != nil {
		return nil, err
	}
	if name != "" {
		r.storeResult(name, resp, t)
	}
	return "", nil
}

func builtinStoreResult(r *renderer, a *callArgs) (any, error) {
	name := toStr(a.argOr(0, "name", ""))
	resp, _ := a.argOr(1, "response", nil).(*responseObj)
	if resp == nil {
		resp = &responseObj{}
	}
	t, _ := a.argOr(2, "agate_table", nil).(*Table)
	r.storeResult(name, resp, t)
	return "", nil
}

func builtinStoreRawResult(r *renderer, a *callArgs) (any, error) {
	name := toStr(a.argOr(0, "name", ""))
	resp := &responseObj{R: adapters.Response{Message: strOrEmpty(a.argOr(1, "message", nil)), Code: strOrEmpty(a.argOr(2, "code", nil))}}
	if n, ok := toInt(a.argOr(3, "rows_affected", -1)); ok {
		resp.R.RowsAffected = int64(n)
	}
	t, _ := a.argOr(4, "agate_table", nil).(*Table)
	r.storeResult(name, resp, t)
	return "", nil
}

func builtinNoopStatement(r *renderer, a *callArgs) (any, error) {
	if a.caller != nil && r.execute() {
		if _, err := r.callValue(a.caller, &callArgs{}); err != nil {
			return nil, err
		}
	}
	name := strOrEmpty(a.argOr(0, "name", nil))
	resp := &responseObj{R: adapters.Response{Message: strOrEmpty(a.argOr(1, "message", nil)), Code: strOrEmpty(a.argOr(2, "code", nil))}}
	if n, ok := toInt(a.argOr(3, "rows_affected", -1)); ok {
		resp.R.RowsAffected = int64(n)
	}
	if name != "" {
		r.storeResult(name, resp, nil)
	}
	return "", nil
}

func relArg(r *renderer, a *callArgs, i int, name string) (*Relation, error) {
	v, _ := a.arg(i, name)
	if rel, ok := v.(*Relation); ok {
		return rel, nil
	}
	if rel, ok := relationFromGo(v, r.st.env.cfg.Quote); ok {
		return rel, nil
	}
	return nil, errorf("expected a relation for '%s', got %s", name, typeName(v))
}

// builtinLoadRelation is dbt's load_relation / load_cached_relation: the
// relation as the warehouse has it (with its real type), or None when it does
// not exist. At parse time it is None, like adapter.get_relation.
func builtinLoadRelation(r *renderer, a *callArgs) (any, error) {
	rel, err := relArg(r, a, 0, "relation")
	if err != nil {
		return nil, err
	}
	if !r.execute() || r.st.ctx.Conn == nil || rel.R.CTEName != "" {
		return nil, nil
	}
	got, err := r.st.ctx.Conn.GetRelation(r.goCtx(), rel.R.Database, rel.R.Schema, rel.R.Identifier)
	if err != nil || got == nil {
		return nil, err
	}
	return r.st.env.NewRelation(*got), nil
}

// adapterObject is "adapter".
var adapterObject = &adapterObj{}

type adapterObj struct{}

func (adapterObj) String() string { return "<adapter>" }

func (adapterObj) getAttr(name string) (any, bool) {
	switch name {
	case "dispatch":
		return fn("adapter.dispatch", adapterDispatch), true
	case "type":
		return fn("adapter.type", func(r *renderer, _ *callArgs) (any, error) { return r.st.env.cfg.AdapterType, nil }), true
	case "quote":
		return fn("adapter.quote", func(r *renderer, a *callArgs) (any, error) {
			return r.st.env.quote(toStr(a.argOr(0, "identifier", ""))), nil
		}), true
	case "quote_as_configured":
		return fn("adapter.quote_as_configured", func(r *renderer, a *callArgs) (any, error) {
			return r.st.env.quote(toStr(a.argOr(0, "identifier", ""))), nil
		}), true
	case "quote_seed_column":
		return fn("adapter.quote_seed_column", func(r *renderer, a *callArgs) (any, error) {
			col := toStr(a.argOr(0, "column", ""))
			q := a.argOr(1, "quote_config", nil)
			if q == nil || truthy(q) {
				return r.st.env.quote(col), nil
			}
			return col, nil
		}), true
	case "get_relation":
		return fn("adapter.get_relation", func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Conn == nil {
				return nil, nil
			}
			db := strOrEmpty(a.argOr(0, "database", nil))
			schema := strOrEmpty(a.argOr(1, "schema", nil))
			ident := strOrEmpty(a.argOr(2, "identifier", nil))
			rel, err := r.st.ctx.Conn.GetRelation(r.goCtx(), db, schema, ident)
			if err != nil {
				return nil, err
			}
			if rel == nil {
				return nil, nil
			}
			return r.st.env.NewRelation(*rel), nil
		}), true
	case "get_columns_in_relation", "get_columns_in_table":
		return fn("adapter."+name, func(r *renderer, a *callArgs) (any, error) {
			if v, ok, err := r.viaMacro("get_columns_in_relation", relArgs(a, name == "get_columns_in_relation", "relation"), nil); ok {
				return v, err
			}
			if !r.execute() || r.st.ctx.Conn == nil {
				return &List{}, nil
			}
			var rel *Relation
			if name == "get_columns_in_table" {
				rel = r.st.env.NewRelation(adapters.Relation{Schema: strOrEmpty(a.argOr(0, "schema", nil)), Identifier: strOrEmpty(a.argOr(1, "identifier", nil))})
			} else {
				var err error
				if rel, err = relArg(r, a, 0, "relation"); err != nil {
					return nil, err
				}
			}
			cols, err := r.st.ctx.Conn.Columns(r.goCtx(), rel.R)
			if err != nil {
				return nil, err
			}
			return columnList(cols), nil
		}), true
	case "get_column_schema_from_query":
		return fn("adapter.get_column_schema_from_query", func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Conn == nil {
				return &List{}, nil
			}
			cols, err := r.st.ctx.Conn.ColumnsOfQuery(r.goCtx(), toStr(a.argOr(0, "sql", "")))
			if err != nil {
				return nil, err
			}
			return columnList(cols), nil
		}), true
	case "get_missing_columns":
		return fn("adapter.get_missing_columns", func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Conn == nil {
				return &List{}, nil
			}
			from, err := relArg(r, a, 0, "from_relation")
			if err != nil {
				return nil, err
			}
			to, err := relArg(r, a, 1, "to_relation")
			if err != nil {
				return nil, err
			}
			fc, err := r.st.ctx.Conn.Columns(r.goCtx(), from.R)
			if err != nil {
				return nil, err
			}
			tc, err := r.st.ctx.Conn.Columns(r.goCtx(), to.R)
			if err != nil {
				return nil, err
			}
			have := map[string]bool{}
			for _, c := range tc {
				have[strings.ToLower(c.Name)] = true
			}
			var out []any
			for _, c := range fc {
				if !have[strings.ToLower(c.Name)] {
					out = append(out, &Column{C: c})
				}
			}
			return &List{Items: out}, nil
		}), true
	case "execute":
		return fn("adapter.execute", func(r *renderer, a *callArgs) (any, error) {
			fetch := truthy(a.argOr(2, "fetch", false))
			if !r.execute() || r.st.ctx.Conn == nil {
				return newTuple(&responseObj{}, &Table{T: &adapters.Table{}}), nil
			}
			limit, _ := toInt(a.argOr(3, "limit", 0))
			resp, t, err := r.runSQL(toStr(a.argOr(0, "sql", "")), fetch, limit)
			if err != nil {
				return nil, err
			}
			return newTuple(resp, t), nil
		}), true
	case "add_query":
		return fn("adapter.add_query", func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Conn == nil {
				return newTuple(nil, &responseObj{}), nil
			}
			resp, _, err := r.runSQL(toStr(a.argOr(0, "sql", "")), false, 0)
			if err != nil {
				return nil, err
			}
			return newTuple(nil, resp), nil
		}), true
	case "commit":
		return fn("adapter.commit", func(r *renderer, _ *callArgs) (any, error) {
			c := r.st.ctx.Conn
			if !r.execute() || c == nil || !c.InTransaction() {
				return "", nil
			}
			return "", c.Commit(r.goCtx())
		}), true
	case "create_schema":
		return fn("adapter.create_schema", func(r *renderer, a *callArgs) (any, error) {
			if v, ok, err := r.viaMacro("create_schema", relArgs(a, true, "relation"), nil); ok {
				return v, err
			}
			if !r.execute() || r.st.ctx.Conn == nil {
				return "", nil
			}
			rel, err := relArg(r, a, 0, "relation")
			if err != nil {
				return nil, err
			}
			return "", r.st.ctx.Conn.CreateSchema(r.goCtx(), rel.R.Database, rel.R.Schema)
		}), true
	case "drop_relation":
		return fn("adapter.drop_relation", func(r *renderer, a *callArgs) (any, error) {
			if v, ok, err := r.viaMacro("drop_relation", relArgs(a, true, "relation"), nil); ok {
				return v, err
			}
			if !r.execute() || r.st.ctx.Conn == nil {
				return "", nil
			}
			rel, err := relArg(r, a, 0, "relation")
			if err != nil {
				return nil, err
			}
			return "", r.st.ctx.Conn.DropRelation(r.goCtx(), rel.R)
		}), true
	case "rename_relation":
		return fn("adapter.rename_relation", func(r *renderer, a *callArgs) (any, error) {
			if v, ok, err := r.viaMacro("rename_relation", relArgs(a, true, "from_relation", "to_relation"), nil); ok {
				return v, err
			}
			if !r.execute() || r.st.ctx.Conn == nil {
				return "", nil
			}
			from, err := relArg(r, a, 0, "from_relation")
			if err != nil {
				return nil, err
			}
			to, err := relArg(r, a, 1, "to_relation")
			if err != nil {
				return nil, err
			}
			return "", r.st.ctx.Conn.RenameRelation(r.goCtx(), from.R, to.R.Identifier)
		}), true
	case "truncate_relation":
		return fn("adapter.truncate_relation", func(r *renderer, a *callArgs) (any, error) {
			if v, ok, err := r.viaMacro("truncate_relation", relArgs(a, true, "relation"), nil); ok {
				return v, err
			}
			if !r.execute() || r.st.ctx.Conn == nil {
				return "", nil
			}
			rel, err := relArg(r, a, 0, "relation")
			if err != nil {
				return nil, err
			}
			_, err = r.st.ctx.Conn.Exec(r.goCtx(), "truncate table "+rel.render())
			return "", err
		}), true
	case "check_schema_exists":
		return fn("adapter.check_schema_exists", func(r *renderer, a *callArgs) (any, error) {
			if !r.execute() || r.st.ctx.Conn == nil {
				return false, nil
			}
			db := strOrEmpty(a.argOr(0, "database", nil))
			schema := strOrEmpty(a.argOr(1, "schema", nil))
			t, _, err := r.st.ctx.Conn.Query(r.goCtx(), "select 1 from information_schema.schemata where lower(schema_name) = lower('"+strings.ReplaceAll(schema, "'", "''")+"')"+catalogFilter(db), 1)
			if err != nil {
				return nil, err
			}
			return t != nil && len(t.Rows) > 0, nil
		}), true
	case "list_relations_without_caching":
		return fn("adapter.list_relations_without_caching", func(r *renderer, a *callArgs) (any, error) {
			if v, ok, err := r.viaMacro("list_relations_without_caching", relArgs(a, true, "schema_relation"), nil); ok {
				return v, err
			}
			if !r.execute() || r.st.ctx.Conn == nil {
				return &List{}, nil
			}
			rel, err := relArg(r, a, 0, "schema_relation")
			if err != nil {
				return nil, err
			}
			rels, err := r.st.ctx.Conn.ListRelations(r.goCtx(), rel.R.Database, rel.R.Schema)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(rels))
			for i, x := range rels {
				out[i] = r.st.env.NewRelation(x)
			}
			return &List{Items: out}, nil
		}), true
	case "cache_added", "cache_dropped", "cache_renamed", "expand_target_column_types", "valid_snapshot_target",
		"assert_valid_snapshot_target_given_strategy", "verify_database", "already_exists":
		return fn("adapter."+name, func(_ *renderer, _ *callArgs) (any, error) { return "", nil }), true
	case "standardize_grants_dict":
		return fn("adapter.standardize_grants_dict", func(_ *renderer, a *callArgs) (any, error) {
			return a.argOr(0, "grants_table", newDict(0)), nil
		}), true
	case "get_incremental_strategy_macro":
		return fn("adapter.get_incremental_strategy_macro", func(r *renderer, a *callArgs) (any, error) {
			strategy := strings.ReplaceAll(toStr(a.argOr(1, "strategy", "default")), "+", "_")
			name := "get_incremental_" + strategy + "_sql"
			if m := r.st.lookup[name]; m != nil {
				return m.value(), nil
			}
			return nil, errorf("incremental strategy '%s' is not known: no macro named '%s'", strategy, name)
		}), true
	case "builtin_materialization":
		// kiln's own implementation of a built-in materialization, for the
		// internal materialization_<kind>_default macros (materializations.sql).
		return fn("adapter.builtin_materialization", func(r *renderer, a *callArgs) (any, error) {
			kind := toStr(a.argOr(0, "kind", ""))
			if !r.execute() {
				return newDict(0), nil
			}
			if r.st.ctx.Builtin == nil {
				return nil, errorf("materialization_%s_default can only be called from a {%% materialization %%} block while kiln builds a node", kind)
			}
			resp, err := r.st.ctx.Builtin(r.goCtx(), kind)
			if err != nil {
				return nil, err
			}
			r.storeResult("main", &responseObj{R: resp}, nil)
			rels := &List{}
			if this, ok := r.lookup("this").(*Relation); ok {
				rels.Items = append(rels.Items, this)
			}
			d := newDict(1)
			d.Set("relations", rels)
			return d, nil
		}), true
	case "behavior":
		return &objAttrs{name: "behavior", attrs: map[string]any{}}, true
	case "config":
		return &objAttrs{name: "config", attrs: map[string]any{}}, true
	}
	return nil, false
}

// relArgs are the arguments an adapter method passes on to the macro that
// implements it (see viaMacro): nil when use is false or one is missing.
func relArgs(a *callArgs, use bool, names ...string) []any {
	if !use {
		return nil
	}
	out := make([]any, len(names))
	for i, n := range names {
		v, ok := a.arg(i, n)
		if !ok {
			return nil
		}
		out[i] = v
	}
	return out
}

func catalogFilter(db string) string {
	if db == "" {
		return ""
	}
	return " and lower(catalog_name) = lower('" + strings.ReplaceAll(db, "'", "''") + "')"
}

// dispatched is the callable adapter.dispatch returns.
func adapterDispatch(r *renderer, a *callArgs) (any, error) {
	name, ok := a.arg(0, "macro_name")
	if !ok {
		return nil, errorf("adapter.dispatch() requires a macro name")
	}
	macroName := toStr(name)
	if strings.Contains(macroName, ".") {
		return nil, errorf("adapter.dispatch(): the macro name must not contain a dot ('%s'); pass the package as macro_namespace", macroName)
	}
	ns := ""
	if v, ok := a.arg(1, "macro_namespace"); ok && v != nil {
		ns = toStr(v)
	}
	if v, ok := a.kw["packages"]; ok && v != nil && ns == "" {
		if items, ok := seqItems(v); ok && len(items) > 0 {
			ns = toStr(items[0])
		}
	}
	def, searched := r.st.snap.resolveDispatch(r.st.ctx.Package, macroName, ns)
	if def == nil {
		where := "the current project"
		if ns != "" {
			where = "namespace '" + ns + "'"
		}
		return nil, errorf("in dispatch: no macro named '%s' found within %s; searched for: %s", macroName, where, strings.Join(quoteAll(searched), ", "))
	}
	return def.value(), nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "'" + s + "'"
	}
	return out
}

// format renders the table like agate's print_table: a pipe table with at
// most maxRows rows and maxCols columns, cells cut at width characters.
func (t *Table) format(maxRows, maxCols, width int) string {
	if t.T == nil {
		return ""
	}
	cut := func(s string) string {
		if r := []rune(s); width > 3 && len(r) > width {
			return string(r[:width-3]) + "..."
		}
		return s
	}
	cols := t.T.Columns
	more := false
	if maxCols >= 0 && len(cols) > maxCols {
		cols, more = cols[:maxCols], true
	}
	grid := [][]string{make([]string, len(cols))}
	for i, c := range cols {
		grid[0][i] = cut(c)
	}
	for ri, row := range t.T.Rows {
		if maxRows >= 0 && ri >= maxRows {
			break
		}
		line := make([]string, len(cols))
		for i := range cols {
			if i < len(row) {
				line[i] = cut(toStr(wrapGo(row[i])))
			}
		}
		grid = append(grid, line)
	}
	widths := make([]int, len(cols))
	for _, line := range grid {
		for i, c := range line {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	emit := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-len([]rune(c))) + " |")
		}
		if more {
			b.WriteString(" ... |")
		}
		b.WriteString("\n")
	}
	emit(grid[0])
	sep := make([]string, len(cols))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	emit(sep)
	for _, line := range grid[1:] {
		emit(line)
	}
	if maxRows >= 0 && len(t.T.Rows) > maxRows {
		b.WriteString("| ... |\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// columnList wraps adapter columns as the Column values templates see.
func columnList(cols []adapters.Column) *List {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = &Column{C: c}
	}
	return &List{Items: out}
}

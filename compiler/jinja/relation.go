package jinja

import (
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

// Relation is the template value for a warehouse relation (dbt's
// BaseRelation). It prints as its rendered name, "db"."schema"."name".
type Relation struct {
	R adapters.Relation
	// Include flags (dbt's include policy): a hidden part is left out when
	// rendering but still readable as an attribute.
	HideDatabase, HideSchema, HideIdentifier bool
	// Limited, when set, renders the relation as a subquery (--empty etc.):
	// the integrator can set it; rendered verbatim.
	Limited string
	// Quote quotes the parts the warehouse's way (the adapter's Dialect;
	// nil: double quotes). Env.NewRelation sets it; copies keep it.
	Quote func(string) string
}

// NewRelation wraps an adapters.Relation, double-quoting its parts; code
// that knows the environment uses Env.NewRelation (the adapter's quoting).
func NewRelation(r adapters.Relation) *Relation { return &Relation{R: r} }

// NewRelation wraps an adapters.Relation that renders with the
// environment's quoting (Config.Quote, the adapter's dialect).
func (e *Env) NewRelation(r adapters.Relation) *Relation {
	return &Relation{R: r, Quote: e.cfg.Quote}
}

// relationFromGo makes a template relation of a Go one, quoting with quote
// (the adapter's; nil: double quotes). A Relation value keeps its own
// quoting when it has one.
func relationFromGo(v any, quote func(string) string) (*Relation, bool) {
	switch x := v.(type) {
	case adapters.Relation:
		return &Relation{R: x, Quote: quote}, true
	case *adapters.Relation:
		if x == nil {
			return nil, false
		}
		return &Relation{R: *x, Quote: quote}, true
	case Relation:
		if x.Quote == nil {
			x.Quote = quote
		}
		return &x, true
	}
	return nil, false
}

func (r *Relation) render() string {
	if r.Limited != "" {
		return r.Limited
	}
	if r.R.CTEName != "" {
		return r.R.CTEName
	}
	if !r.HideDatabase && !r.HideSchema && !r.HideIdentifier {
		return r.R.RenderWith(r.Quote)
	}
	rr := r.R
	if r.HideDatabase {
		rr.Database = ""
	}
	if r.HideSchema {
		rr.Schema = ""
	}
	if r.HideIdentifier {
		rr.Identifier = ""
	}
	return rr.RenderWith(r.Quote)
}

// String renders the relation.
func (r *Relation) String() string { return r.render() }

func (r *Relation) copy() *Relation {
	c := *r
	return &c
}

func (r *Relation) getAttr(name string) (any, bool) {
	switch name {
	case "database":
		return noneIfEmpty(r.R.Database), true
	case "schema":
		return noneIfEmpty(r.R.Schema), true
	case "identifier", "name", "table":
		return noneIfEmpty(r.R.Identifier), true
	case "type":
		if r.R.Type == adapters.RelUnknown {
			return nil, true
		}
		return string(r.R.Type), true
	case "is_table":
		return r.R.Type == adapters.RelTable, true
	case "is_view":
		return r.R.Type == adapters.RelView, true
	case "is_cte":
		return r.R.Type == adapters.RelCTE || r.R.CTEName != "", true
	case "is_materialized_view":
		return r.R.Type == "materialized_view", true
	case "can_be_renamed", "can_be_replaced":
		return true, true
	case "path":
		d := newDict(3)
		d.Set("database", noneIfEmpty(r.R.Database))
		d.Set("schema", noneIfEmpty(r.R.Schema))
		d.Set("identifier", noneIfEmpty(r.R.Identifier))
		return d, true
	case "quote_policy", "include_policy":
		d := newDict(3)
		if name == "quote_policy" {
			d.Set("database", !r.R.NoQuoteDatabase)
			d.Set("schema", !r.R.NoQuoteSchema)
			d.Set("identifier", !r.R.NoQuoteIdentifier)
		} else {
			d.Set("database", !r.HideDatabase)
			d.Set("schema", !r.HideSchema)
			d.Set("identifier", !r.HideIdentifier)
		}
		return d, true
	case "render":
		return fn("render", func(_ *renderer, _ *callArgs) (any, error) { return r.render(), nil }), true
	case "include":
		return fn("include", func(_ *renderer, a *callArgs) (any, error) {
			c := r.copy()
			if v, ok := a.kw["database"]; ok {
				c.HideDatabase = !truthy(v)
			}
			if v, ok := a.kw["schema"]; ok {
				c.HideSchema = !truthy(v)
			}
			if v, ok := a.kw["identifier"]; ok {
				c.HideIdentifier = !truthy(v)
			}
			return c, nil
		}), true
	case "quote":
		return fn("quote", func(_ *renderer, a *callArgs) (any, error) {
			c := r.copy()
			if v, ok := a.kw["database"]; ok && v != nil {
				c.R.NoQuoteDatabase = !truthy(v)
			}
			if v, ok := a.kw["schema"]; ok && v != nil {
				c.R.NoQuoteSchema = !truthy(v)
			}
			if v, ok := a.kw["identifier"]; ok && v != nil {
				c.R.NoQuoteIdentifier = !truthy(v)
			}
			return c, nil
		}), true
	case "incorporate":
		return fn("incorporate", func(_ *renderer, a *callArgs) (any, error) {
			c := r.copy()
			if p, ok := a.kw["path"]; ok {
				if m, ok := asMapping(p); ok {
					if v, ok := mapGet(m, "database"); ok {
						c.R.Database = strOrEmpty(v)
					}
					if v, ok := mapGet(m, "schema"); ok {
						c.R.Schema = strOrEmpty(v)
					}
					if v, ok := mapGet(m, "identifier"); ok {
						c.R.Identifier = strOrEmpty(v)
					}
				}
			}
			if t, ok := a.kw["type"]; ok {
				c.R.Type = adapters.RelationType(strOrEmpty(t))
			}
			return c, nil
		}), true
	case "replace_path":
		return fn("replace_path", func(_ *renderer, a *callArgs) (any, error) {
			c := r.copy()
			if v, ok := a.kw["database"]; ok {
				c.R.Database = strOrEmpty(v)
			}
			if v, ok := a.kw["schema"]; ok {
				c.R.Schema = strOrEmpty(v)
			}
			if v, ok := a.kw["identifier"]; ok {
				c.R.Identifier = strOrEmpty(v)
			}
			return c, nil
		}), true
	case "information_schema":
		// dbt's InformationSchema: the database's INFORMATION_SCHEMA (and one
		// of its views), whatever the include policy; schema is None.
		return fn("information_schema", func(_ *renderer, a *callArgs) (any, error) {
			view := strOrEmpty(a.argOr(0, "view_name", nil))
			is := &Relation{Quote: r.Quote, R: adapters.Relation{Database: r.R.Database, NoQuoteDatabase: r.R.NoQuoteDatabase,
				Identifier: "INFORMATION_SCHEMA", NoQuoteIdentifier: true}}
			is.Limited = is.R.RenderWith(r.Quote)
			if view != "" {
				is.Limited += "." + view
			}
			return is, nil
		}), true
	case "without_identifier":
		return fn("without_identifier", func(_ *renderer, _ *callArgs) (any, error) {
			c := r.copy()
			c.HideIdentifier = true
			return c, nil
		}), true
	case "render_limited", "render_pure":
		return fn(name, func(_ *renderer, _ *callArgs) (any, error) { return r.render(), nil }), true
	case "metadata":
		// dbt relations serialize with metadata.type = the class name;
		// packages test `obj.get("metadata", {}).get("type", "").endswith("Relation")`.
		d := newDict(1)
		d.Set("type", "BaseRelation")
		return d, true
	case "get":
		// dbt's relations are Mappings over their serialized fields.
		return fn("get", func(_ *renderer, a *callArgs) (any, error) {
			key := a.argOr(0, "key", nil)
			if k, ok := key.(string); ok && relationKeys[k] {
				if v, ok := r.getAttr(k); ok {
					return v, nil
				}
			}
			return a.argOr(1, "default", nil), nil
		}), true
	}
	return nil, false
}

// relationKeys are the keys of a relation seen as a mapping.
var relationKeys = map[string]bool{"path": true, "type": true, "quote_policy": true, "include_policy": true, "metadata": true}

func noneIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func strOrEmpty(v any) string {
	if v == nil {
		return ""
	}
	if _, ok := v.(*Undefined); ok {
		return ""
	}
	return toStr(v)
}

// Column is the template value for a column (dbt's Column).
type Column struct{ C adapters.Column }

func (c *Column) String() string { return "<Column " + c.C.Name + " (" + c.C.DataType + ")>" }

var stringTypes = []string{"text", "character varying", "varchar", "character", "char", "string", "bpchar"}
var intTypes = []string{"integer", "bigint", "smallint", "tinyint", "int", "int2", "int4", "int8", "hugeint", "ubigint", "uinteger", "usmallint", "utinyint", "serial", "bigserial"}
var floatTypes = []string{"real", "float", "float4", "float8", "double", "double precision"}

func baseType(dt string) string {
	t := strings.ToLower(strings.TrimSpace(dt))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t
}

func typeIn(dt string, list []string) bool {
	t := baseType(dt)
	for _, x := range list {
		if t == x {
			return true
		}
	}
	return false
}

func (c *Column) getAttr(name string) (any, bool) {
	dt := c.C.DataType
	switch name {
	case "name", "column":
		return c.C.Name, true
	case "data_type", "dtype":
		return dt, true
	case "quoted":
		// The renderer answers with the adapter's quoting (renderer.getAttr);
		// this is for callers outside a render.
		return adapters.QuoteIdent(c.C.Name), true
	case "comment":
		return c.C.Comment, true
	case "char_size", "string_size":
		if n := typeSize(dt); n > 0 {
			if name == "string_size" {
				return fn("string_size", func(_ *renderer, _ *callArgs) (any, error) { return n, nil }), true
			}
			return n, true
		}
		if name == "string_size" {
			return fn("string_size", func(_ *renderer, _ *callArgs) (any, error) { return 256, nil }), true
		}
		return nil, true
	case "numeric_precision", "numeric_scale":
		return nil, true
	case "is_string":
		return boolFn(typeIn(dt, stringTypes)), true
	case "is_number", "is_numeric":
		isNum := typeIn(dt, intTypes) || typeIn(dt, floatTypes) || strings.HasPrefix(baseType(dt), "numeric") || strings.HasPrefix(baseType(dt), "decimal")
		if name == "is_numeric" {
			isNum = strings.HasPrefix(baseType(dt), "numeric") || strings.HasPrefix(baseType(dt), "decimal")
		}
		return boolFn(isNum), true
	case "is_integer":
		return boolFn(typeIn(dt, intTypes)), true
	case "is_float":
		return boolFn(typeIn(dt, floatTypes)), true
	case "can_expand_to":
		return fn("can_expand_to", func(_ *renderer, a *callArgs) (any, error) {
			o, ok := a.argOr(0, "other_column", nil).(*Column)
			if !ok {
				return false, nil
			}
			return typeIn(dt, stringTypes) && typeIn(o.C.DataType, stringTypes) && typeSize(dt) > typeSize(o.C.DataType), nil
		}), true
	}
	return nil, false
}

func boolFn(b bool) *Func {
	return fn("is", func(_ *renderer, _ *callArgs) (any, error) { return b, nil })
}

func typeSize(dt string) int {
	i := strings.IndexByte(dt, '(')
	j := strings.IndexByte(dt, ')')
	if i < 0 || j < i {
		return 0
	}
	n, _ := toInt(dt[i+1 : j])
	return n
}

var apiObj = &objAttrs{name: "api", attrs: map[string]any{
	"Relation": &objAttrs{name: "Relation", attrs: map[string]any{
		"create": fn("Relation.create", func(rd *renderer, a *callArgs) (any, error) {
			r := rd.st.env.NewRelation(adapters.Relation{})
			r.R.Database = strOrEmpty(a.argOr(0, "database", nil))
			r.R.Schema = strOrEmpty(a.argOr(1, "schema", nil))
			r.R.Identifier = strOrEmpty(a.argOr(2, "identifier", nil))
			r.R.Type = adapters.RelationType(strOrEmpty(a.argOr(3, "type", nil)))
			if q, ok := a.kw["quote_policy"]; ok {
				if m, ok := asMapping(q); ok {
					if v, ok := mapGet(m, "database"); ok {
						r.R.NoQuoteDatabase = !truthy(v)
					}
					if v, ok := mapGet(m, "schema"); ok {
						r.R.NoQuoteSchema = !truthy(v)
					}
					if v, ok := mapGet(m, "identifier"); ok {
						r.R.NoQuoteIdentifier = !truthy(v)
					}
				}
			}
			return r, nil
		}),
	}},
	"Column": columnFactory{},
}}

type columnFactory struct{}

func (columnFactory) getAttr(name string) (any, bool) {
	switch name {
	case "create":
		return fn("Column.create", newColumn), true
	case "translate_type":
		return fn("Column.translate_type", func(_ *renderer, a *callArgs) (any, error) {
			return toStr(a.argOr(0, "dtype", "")), nil
		}), true
	}
	return nil, false
}

func (columnFactory) call(r *renderer, a *callArgs) (any, error) { return newColumn(r, a) }

func newColumn(_ *renderer, a *callArgs) (any, error) {
	return &Column{C: adapters.Column{
		Name:     toStr(a.argOr(0, "column", a.argOr(0, "name", ""))),
		DataType: toStr(a.argOr(1, "dtype", a.argOr(1, "data_type", ""))),
	}}, nil
}

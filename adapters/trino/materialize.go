package trino

// Materialize: "nothing is lost", without transactions (Trino's lakehouse
// catalogs write in autocommit mode only). The build is ordered so that the
// old relation stays until the new one exists, and every later failure puts
// it back:
//
//	<pre-hooks with transaction: false>, then <with transaction: true>
//	DROP <leftover x__dbt_tmp / x__dbt_backup>                -- only if they exist
//	<sql_header> CREATE TABLE|VIEW x__dbt_tmp AS <sql>         -- fails: x untouched
//	ALTER <kind> x RENAME TO x__dbt_backup                      -- only if x exists
//	ALTER <kind> x__dbt_tmp RENAME TO x                         -- fails: backup renamed back
//	<post-hooks with transaction: true>                         -- fail: new x dropped, backup back
//	DROP <kind> x__dbt_backup
//	<post-hooks with transaction: false>
//
// Trino views are bound to names, not to objects, so views over x read the
// new x after the swap: nothing needs recreating.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

const (
	tmpSuffix    = adapters.TmpSuffix
	backupSuffix = adapters.BackupSuffix
)

// full fills the relation's catalog with the target's when it has none, so
// that ALTER ... RENAME TO and information_schema name the same catalog.
func (c *Conn) full(rel adapters.Relation) adapters.Relation {
	if rel.Database == "" {
		rel.Database = c.db.cfg.Catalog
	}
	return rel
}

func (c *Conn) catalogOf(database string) string {
	if database == "" {
		return c.db.cfg.Catalog
	}
	return strings.ToLower(database)
}

// CreateSchema creates the schema if it does not exist.
func (c *Conn) CreateSchema(ctx context.Context, database, schema string) error {
	return c.ensureSchema(ctx, c.catalogOf(database), schema, true)
}

func (c *Conn) ensureSchema(ctx context.Context, catalog, schema string, force bool) error {
	if schema == "" {
		return errors.New("trino: empty schema name")
	}
	key := catalog + "." + strings.ToLower(schema)
	c.db.mu.Lock()
	known := c.db.schemas[key]
	c.db.mu.Unlock()
	if known && !force {
		return nil
	}
	if _, err := c.Exec(ctx, "create schema if not exists "+adapters.QuoteIdent(catalog)+"."+adapters.QuoteIdent(schema)); err != nil {
		var e *Error
		// Two workers creating the same schema at once: the loser's error
		// means it exists now.
		if !errors.As(err, &e) || e.Name != "SCHEMA_ALREADY_EXISTS" {
			return err
		}
	}
	c.db.mu.Lock()
	c.db.schemas[key] = true
	c.db.mu.Unlock()
	return nil
}

// trinoRel is an information_schema.tables row.
type trinoRel struct{ kind string } // BASE TABLE | VIEW | ...

func (r trinoRel) relType() adapters.RelationType {
	switch r.kind {
	case "VIEW":
		return adapters.RelView
	case "BASE TABLE":
		return adapters.RelTable
	}
	return adapters.RelUnknown
}

func (r trinoRel) keyword() string {
	if r.kind == "VIEW" {
		return "view"
	}
	return "table"
}

// lookup returns the relations among names in one schema (Trino names are
// lower case; so are the keys).
func (c *Conn) lookup(ctx context.Context, catalog, schema string, names ...string) (map[string]trinoRel, error) {
	lits := make([]string, len(names))
	for i, n := range names {
		lits[i] = quoteLiteral(strings.ToLower(n))
	}
	t, _, err := c.Query(ctx, "select table_name, table_type from "+adapters.QuoteIdent(catalog)+".information_schema.tables where table_schema = "+
		quoteLiteral(strings.ToLower(schema))+" and table_name in ("+strings.Join(lits, ", ")+")", 0)
	if err != nil {
		return nil, err
	}
	out := map[string]trinoRel{}
	for _, r := range t.Rows {
		out[fmt.Sprint(r[0])] = trinoRel{kind: fmt.Sprint(r[1])}
	}
	return out, nil
}

func (c *Conn) runHooks(ctx context.Context, hooks []adapters.Hook, inTx bool) error {
	return adapters.RunHooks(ctx, hooks, inTx, func(ctx context.Context, q string) error {
		_, err := c.Exec(ctx, q)
		return err
	})
}

// Materialize builds req.Target as a view or table (see the file comment).
func (c *Conn) Materialize(ctx context.Context, req adapters.MaterializeRequest) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	t := c.full(req.Target)
	if err := adapters.CheckMaterialize("trino", req, t, c.inTx); err != nil {
		return fail, err
	}
	if err := c.ensureSchema(ctx, c.catalogOf(t.Database), t.Schema, false); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PreHooks, false); err != nil {
		return fail, err
	}
	resp, err := c.buildAndSwap(ctx, t, req)
	if err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PostHooks, false); err != nil {
		return fail, err
	}
	return resp, nil
}

func (c *Conn) buildAndSwap(ctx context.Context, t adapters.Relation, req adapters.MaterializeRequest) (adapters.Response, error) {
	var resp adapters.Response
	catalog := c.catalogOf(t.Database)
	id := strings.ToLower(t.Identifier)
	tmp := t.WithIdentifier(id + tmpSuffix)
	backup := t.WithIdentifier(id + backupSuffix)
	rels, err := c.lookup(ctx, catalog, t.Schema, id, tmp.Identifier, backup.Identifier)
	if err != nil {
		return resp, err
	}
	existing, exists := rels[id]
	if exists && existing.relType() == adapters.RelUnknown {
		return resp, fmt.Errorf("%s exists as a %s; kiln only replaces tables and views", t.Render(), strings.ToLower(existing.kind))
	}
	for _, leftover := range []adapters.Relation{tmp, backup} {
		if r, ok := rels[leftover.Identifier]; ok {
			if _, err := c.Exec(ctx, "drop "+r.keyword()+" "+leftover.Render()); err != nil {
				return resp, fmt.Errorf("dropping the leftover %s: %w", leftover.Render(), err)
			}
		}
	}
	if err := c.runHooks(ctx, req.PreHooks, true); err != nil {
		return resp, err
	}
	kind := "view"
	if req.Kind == adapters.RelTable {
		kind = "table"
	}
	create := "create " + kind + " " + tmp.Render() + " as\n" + adapters.TrimStatement(req.SQL)
	if strings.TrimSpace(req.SQLHeader) != "" {
		create = req.SQLHeader + "\n;\n" + create
	}
	if req.CreateSQL != nil {
		if create, err = req.CreateSQL(ctx, tmp); err != nil {
			return resp, err
		}
	}
	resp, err = c.Exec(ctx, create)
	if err != nil {
		c.dropQuietly(tmp, kind)
		return resp, err
	}
	if kind == "table" && resp.RowsAffected >= 0 {
		resp = adapters.Response{Message: fmt.Sprintf("SELECT %d", resp.RowsAffected), Code: "SELECT", RowsAffected: resp.RowsAffected}
	}
	if exists {
		if _, err := c.Exec(ctx, "alter "+existing.keyword()+" "+t.Render()+" rename to "+backup.Render()); err != nil {
			c.dropQuietly(tmp, kind)
			return resp, err
		}
	}
	restore := func() {
		if exists {
			bg := context.WithoutCancel(ctx)
			_, _ = c.Exec(bg, "alter "+existing.keyword()+" "+backup.Render()+" rename to "+t.Render())
		}
	}
	if _, err := c.Exec(ctx, "alter "+kind+" "+tmp.Render()+" rename to "+t.Render()); err != nil {
		c.dropQuietly(tmp, kind)
		restore()
		return resp, err
	}
	if err := c.runHooks(ctx, req.PostHooks, true); err != nil {
		c.dropQuietly(t, kind)
		restore()
		return resp, err
	}
	if exists {
		if _, err := c.Exec(ctx, "drop "+existing.keyword()+" "+backup.Render()); err != nil {
			return resp, err
		}
	}
	return resp, nil
}

// dropQuietly removes what a failed build made, even after cancellation.
func (c *Conn) dropQuietly(rel adapters.Relation, kind string) {
	_, _ = c.Exec(context.WithoutCancel(context.Background()), "drop "+kind+" if exists "+rel.Render())
}

// DropRelation drops a table or view if it exists, looking up its real type.
func (c *Conn) DropRelation(ctx context.Context, rel adapters.Relation) error {
	rel = c.full(rel)
	rels, err := c.lookup(ctx, c.catalogOf(rel.Database), rel.Schema, rel.Identifier)
	if err != nil {
		return err
	}
	r, ok := rels[strings.ToLower(rel.Identifier)]
	if !ok {
		return nil
	}
	_, err = c.Exec(ctx, "drop "+r.keyword()+" if exists "+rel.Render())
	return err
}

// RenameRelation renames a table or view within its schema.
func (c *Conn) RenameRelation(ctx context.Context, from adapters.Relation, toIdentifier string) error {
	from = c.full(from)
	rels, err := c.lookup(ctx, c.catalogOf(from.Database), from.Schema, from.Identifier)
	if err != nil {
		return err
	}
	r, ok := rels[strings.ToLower(from.Identifier)]
	if !ok {
		return &Error{Name: "TABLE_NOT_FOUND", Msg: fmt.Sprintf("cannot rename %s: it does not exist", from.Render())}
	}
	_, err = c.Exec(ctx, "alter "+r.keyword()+" "+from.Render()+" rename to "+from.WithIdentifier(toIdentifier).Render())
	return err
}

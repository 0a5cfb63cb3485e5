package duckdb

// Materialize: "nothing is lost". The whole build is one DuckDB transaction,
// sent as one multi-statement batch:
//
//	BEGIN TRANSACTION;
//	DROP <type> <x__dbt_tmp>; DROP <type> <x__dbt_backup>;   -- only leftovers that exist
//	<pre-hooks with transaction: true>
//	<sql_header> CREATE TABLE|VIEW <x__dbt_tmp> AS (<sql>);
//	ALTER TABLE|VIEW <x> RENAME TO "x__dbt_backup";           -- only if x exists; its real type
//	ALTER TABLE|VIEW <x__dbt_tmp> RENAME TO "x";
//	<post-hooks with transaction: true>
//	DROP TABLE|VIEW <x__dbt_backup>;                          -- only if x existed
//	COMMIT
//
// A view skips the temporary relation: CREATE OR REPLACE VIEW <x> (after
// DROP TABLE <x> if a table is in the way) replaces the three statements
// from CREATE to ALTER … RENAME, with the same all-or-nothing outcome.
//
// Pre-hooks with transaction: false run before it, post-hooks with
// transaction: false after it. Any error rolls everything back, so the old
// relation is untouched and no temporary or backup relation is left behind.
// dbt drops the backup after COMMIT; with DuckDB's transactional DDL dropping
// it just before COMMIT is as safe, saves a second commit (about 0.2 ms on a
// file database) and can never leave a stray backup.

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

// CreateSchema creates the schema if it does not exist.
func (c *Conn) CreateSchema(ctx context.Context, database, schema string) error {
	return c.db.ensureSchema(ctx, c, c.defaultDB(database), schema, true)
}

// ensureSchema runs CREATE SCHEMA IF NOT EXISTS once per schema per DB
// (force: always). Serialised: concurrent CREATE SCHEMA from several
// connections would conflict in DuckDB's catalog.
func (db *DB) ensureSchema(ctx context.Context, c *Conn, database, schema string, force bool) error {
	if schema == "" {
		return errors.New("duckdb: empty schema name")
	}
	k := [2]string{database, schema}
	db.schemaMu.Lock()
	defer db.schemaMu.Unlock()
	if db.schemas[k] && !force {
		return nil
	}
	q := "CREATE SCHEMA IF NOT EXISTS " + adapters.QuoteIdent(database) + "." + adapters.QuoteIdent(schema)
	if _, err := c.exec(ctx, q); err != nil {
		return err
	}
	db.schemas[k] = true
	return nil
}

func (db *DB) forgetSchema(database, schema string) {
	db.schemaMu.Lock()
	delete(db.schemas, [2]string{database, schema})
	db.schemaMu.Unlock()
	db.cache.invalidate(database, schema)
}

// ddlType is the keyword for DROP/ALTER of a relation type.
func ddlType(t adapters.RelationType) string {
	if t == adapters.RelView {
		return "VIEW"
	}
	return "TABLE"
}

// renameTo renders the bare new name of an ALTER ... RENAME TO.
func renameTo(rel adapters.Relation, id string) string {
	if rel.NoQuoteIdentifier {
		return id
	}
	return adapters.QuoteIdent(id)
}

// batch accumulates statements; user SQL is separated by newlines so a
// trailing line comment cannot swallow the next statement.
type batch struct{ b strings.Builder }

func (b *batch) add(stmt string) {
	if strings.TrimSpace(stmt) == "" {
		return
	}
	b.b.WriteString(stmt)
	b.b.WriteString("\n;\n")
}

func (b *batch) hooks(hooks []adapters.Hook, inTx bool) {
	for _, h := range hooks {
		if h.Transaction == inTx {
			b.add(h.SQL)
		}
	}
}

func (b *batch) empty() bool    { return b.b.Len() == 0 }
func (b *batch) String() string { return b.b.String() }

// runHooks runs the hooks whose Transaction flag equals inTx, in order, as
// one batch.
func (c *Conn) runHooks(ctx context.Context, hooks []adapters.Hook, inTx bool) error {
	if adapters.HasLazy(hooks, inTx) {
		return c.execHooks(ctx, hooks, inTx)
	}
	var b batch
	b.hooks(hooks, inTx)
	if b.empty() {
		return nil
	}
	_, err := c.exec(ctx, b.String())
	return err
}

// execHooks renders and runs hooks one at a time (lazy hooks may run SQL
// while rendering, which must see everything before them).
func (c *Conn) execHooks(ctx context.Context, hooks []adapters.Hook, inTx bool) error {
	return adapters.RunHooks(ctx, hooks, inTx, func(ctx context.Context, q string) error {
		_, err := c.exec(ctx, q)
		return err
	})
}

// swapPlan is what the build needs to know about the catalog.
type swapPlan struct {
	existing, tmp, backup adapters.RelationType
}

// Materialize builds req.Target as a view or table, safely (see file comment).
func (c *Conn) Materialize(ctx context.Context, req adapters.MaterializeRequest) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	t := req.Target
	if err := adapters.CheckMaterialize("duckdb", req, t, c.inTx); err != nil {
		return fail, err
	}
	database := c.defaultDB(t.Database)
	id := t.Identifier
	names := []string{id, id + tmpSuffix, id + backupSuffix}
	if err := c.db.ensureSchema(ctx, c, database, t.Schema, false); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PreHooks, false); err != nil {
		return fail, err
	}
	err := c.withCatalogRetry(ctx, database, t.Schema, names, func(types []adapters.RelationType) error {
		return c.buildAndSwap(ctx, req, swapPlan{existing: types[0], tmp: types[1], backup: types[2]})
	})
	if err != nil {
		return fail, err
	}
	cache := c.db.cache
	cache.set(database, t.Schema, id, req.Kind)
	cache.set(database, t.Schema, names[1], adapters.RelUnknown)
	cache.set(database, t.Schema, names[2], adapters.RelUnknown)

	if err := c.runHooks(ctx, req.PostHooks, false); err != nil {
		return fail, err
	}
	return adapters.Response{Message: "OK", RowsAffected: -1}, nil
}

// buildAndSwap runs the transactional batch; on error it rolls back.
func (c *Conn) buildAndSwap(ctx context.Context, req adapters.MaterializeRequest, p swapPlan) error {
	t := req.Target
	id := t.Identifier
	tmp := t.WithIdentifier(id + tmpSuffix)
	backup := t.WithIdentifier(id + backupSuffix)
	kind := ddlType(req.Kind)

	var b batch
	b.add("BEGIN TRANSACTION")
	if p.tmp != adapters.RelUnknown {
		b.add("DROP " + ddlType(p.tmp) + " " + tmp.Render())
	}
	if p.backup != adapters.RelUnknown {
		b.add("DROP " + ddlType(p.backup) + " " + backup.Render())
	}
	b.hooks(req.PreHooks, true)
	var create strings.Builder
	if strings.TrimSpace(req.SQLHeader) != "" {
		create.WriteString(req.SQLHeader)
		create.WriteString("\n")
	}
	// A view is built in place: CREATE OR REPLACE VIEW inside the
	// transaction is as safe as the rename swap (an error rolls it back and
	// the old view stays) and costs DuckDB a third less per view, since
	// each ALTER … RENAME re-binds the view's query. A table in the way is
	// dropped in the same transaction. Tables keep the swap: their query
	// runs before the old table goes away.
	direct := req.Kind == adapters.RelView && req.CreateSQL == nil
	if direct {
		if p.existing == adapters.RelTable {
			b.add("DROP TABLE " + t.Render())
		}
		create.WriteString("CREATE OR REPLACE VIEW " + t.Render() + " AS (\n" + trimSQL(req.SQL) + "\n)")
	} else {
		create.WriteString("CREATE " + kind + " " + tmp.Render() + " AS (\n" + trimSQL(req.SQL) + "\n)")
	}
	if req.CreateSQL != nil {
		q, err := req.CreateSQL(ctx, tmp)
		if err != nil {
			return err
		}
		create.Reset()
		create.WriteString(q)
	}
	b.add(create.String())
	if !direct {
		if p.existing != adapters.RelUnknown {
			b.add("ALTER " + ddlType(p.existing) + " " + t.Render() + " RENAME TO " + renameTo(t, id+backupSuffix))
		}
		b.add("ALTER " + kind + " " + tmp.Render() + " RENAME TO " + renameTo(t, id))
	}
	if adapters.HasLazy(req.PostHooks, true) {
		// The new relation must exist before the post-hooks render: run
		// what is batched so far, then the hooks, inside the transaction.
		if _, err := c.exec(ctx, b.String()); err != nil {
			c.rollbackQuietly()
			return err
		}
		if err := c.execHooks(ctx, req.PostHooks, true); err != nil {
			c.rollbackQuietly()
			return err
		}
		b = batch{}
	} else {
		b.hooks(req.PostHooks, true)
	}
	if !direct && p.existing != adapters.RelUnknown {
		b.add("DROP " + ddlType(p.existing) + " " + backup.Render())
	}
	b.add("COMMIT")
	return c.execTx(ctx, b.String())
}

// execTx runs a batch that begins and commits its own transaction; on error
// it makes sure no transaction stays open.
// A hook that ran its own `commit;` makes the final COMMIT find no
// transaction; as in dbt that is not an error.
func (c *Conn) execTx(ctx context.Context, q string) error {
	_, err := c.exec(ctx, q)
	if err == nil || isNoTxErr(err) {
		return nil
	}
	c.rollbackQuietly()
	return err
}

// withCatalogRetry calls fn with the cached types of names in one schema. If
// fn fails with a Catalog Error and a fresh read of the catalog disagrees with
// the cache (or the schema vanished), it retries once with the truth.
func (c *Conn) withCatalogRetry(ctx context.Context, database, schema string, names []string, fn func([]adapters.RelationType) error) error {
	types, err := c.db.cache.types(ctx, c, database, schema, names...)
	if err != nil {
		return err
	}
	err = fn(types)
	if err == nil || !isCatalogErr(err) || ctx.Err() != nil {
		return err
	}
	if strings.Contains(err.Error(), "Schema with name") {
		c.db.forgetSchema(database, schema)
		if err2 := c.db.ensureSchema(ctx, c, database, schema, false); err2 != nil {
			return err
		}
	} else {
		c.db.cache.invalidate(database, schema)
	}
	fresh, err2 := c.db.cache.types(ctx, c, database, schema, names...)
	if err2 != nil {
		return err
	}
	if sameTypes(fresh, types) && !strings.Contains(err.Error(), "Schema with name") {
		return err // the catalog was right; the error is the user's
	}
	return fn(fresh)
}

func sameTypes(a, b []adapters.RelationType) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// DropRelation drops a table or view if it exists (its real type is looked up
// when rel.Type is unknown or wrong).
func (c *Conn) DropRelation(ctx context.Context, rel adapters.Relation) error {
	database := c.defaultDB(rel.Database)
	typ := rel.Type
	if typ != adapters.RelTable && typ != adapters.RelView {
		cur, err := c.GetRelation(ctx, database, rel.Schema, rel.Identifier)
		if err != nil {
			return err
		}
		if cur == nil {
			c.db.cache.set(database, rel.Schema, rel.Identifier, adapters.RelUnknown)
			return nil
		}
		typ = cur.Type
	}
	_, err := c.exec(ctx, "DROP "+ddlType(typ)+" IF EXISTS "+rel.Render())
	if err != nil && isCatalogErr(err) && rel.Type != adapters.RelUnknown && !c.inTx {
		// Wrong type given: look it up and try again.
		rel.Type = adapters.RelUnknown
		return c.DropRelation(ctx, rel)
	}
	if err != nil {
		return err
	}
	c.db.cache.set(database, rel.Schema, rel.Identifier, adapters.RelUnknown)
	return nil
}

// RenameRelation renames a table or view within its schema, using
// ALTER VIEW or ALTER TABLE according to its real type.
func (c *Conn) RenameRelation(ctx context.Context, from adapters.Relation, toIdentifier string) error {
	database := c.defaultDB(from.Database)
	typ := from.Type
	if typ != adapters.RelTable && typ != adapters.RelView {
		cur, err := c.GetRelation(ctx, database, from.Schema, from.Identifier)
		if err != nil {
			return err
		}
		if cur == nil {
			return &Error{Msg: fmt.Sprintf("Catalog Error: cannot rename %s: it does not exist", from.Render())}
		}
		typ = cur.Type
	}
	if _, err := c.exec(ctx, "ALTER "+ddlType(typ)+" "+from.Render()+" RENAME TO "+renameTo(from, toIdentifier)); err != nil {
		c.db.cache.invalidate(database, from.Schema)
		return err
	}
	c.db.cache.set(database, from.Schema, from.Identifier, adapters.RelUnknown)
	c.db.cache.set(database, from.Schema, toIdentifier, typ)
	return nil
}

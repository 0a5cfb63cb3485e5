package postgres

// Materialize: "nothing is lost". PostgreSQL DDL is transactional, so the
// whole build is one transaction:
//
//	BEGIN;
//	DROP <kind> <x__dbt_tmp>; DROP <kind> <x__dbt_backup>;   -- only leftovers that exist
//	CREATE OR REPLACE VIEW <x> AS (<sql>); COMMIT;          -- a view over a view, when PostgreSQL
//	                                                         -- accepts it (else rolled back to a
//	                                                         -- savepoint, and on as below)
//	<pre-hooks with transaction: true>
//	<sql_header> CREATE TABLE|VIEW <x__dbt_tmp> AS (<sql>);
//	ALTER <kind> <x> RENAME TO "x__dbt_backup";              -- only if x exists
//	ALTER TABLE|VIEW <x__dbt_tmp> RENAME TO "x";
//	DROP VIEW <dependents>; CREATE VIEW <dependents> ...;   -- only if views read x
//	<post-hooks with transaction: true>
//	DROP <kind> <x__dbt_backup>;                             -- only if x existed
//	COMMIT;
//
// Pre-hooks with transaction: false run before it, post-hooks with
// transaction: false after it. Any error rolls everything back.
//
// Dependent views. A PostgreSQL view is bound to the OID of each relation it
// reads, not to its name: after the swap, a view over x still reads the
// renamed x__dbt_backup, and dropping the backup fails ("other objects depend
// on it"); dbt's CASCADE would silently drop those views instead. kiln reads
// the definitions of every view that depends on x, directly or through other
// views (pg_depend/pg_rewrite), before the swap, and recreates them over the
// new x in the same transaction, keeping their options (security_barrier,
// check_option), comments, column comments, owner and grants. If the new x
// lacks a column such a view needs, the build fails with PostgreSQL's
// message naming the view, and nothing changes. Other kinds of dependents
// (materialized views) make the build fail with a message naming them.
//
// Names. PostgreSQL truncates identifiers to 63 bytes. A target name longer
// than that is an error (it would silently become another name); temporary
// and backup names that would be too long are shortened and made unique
// with a hash of the full identifier (see affixed).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/adapters"
)

const (
	tmpSuffix    = adapters.TmpSuffix
	backupSuffix = adapters.BackupSuffix
)

// affixed returns id+suffix if it fits in 63 bytes; otherwise id cut at a
// character boundary, "_", 8 hex digits of the SHA-256 of the whole id, and
// the suffix. Two long ids sharing a prefix get different names, and the
// result never equals a name of at most 63 bytes ending differently.
func affixed(id, suffix string) string {
	if len(id)+len(suffix) <= maxIdent {
		return id + suffix
	}
	sum := sha256.Sum256([]byte(id))
	keep := maxIdent - len(suffix) - 9
	for keep > 0 && !utf8.RuneStart(id[keep]) {
		keep--
	}
	return id[:keep] + "_" + hex.EncodeToString(sum[:4]) + suffix
}

// checkIdent rejects names PostgreSQL would silently truncate.
func checkIdent(what, id string) error {
	if len(id) > maxIdent {
		return fmt.Errorf("%s name %q is %d bytes long; PostgreSQL's limit is %d and it would silently truncate it — set a shorter alias (config alias: ...)", what, id, len(id), maxIdent)
	}
	return nil
}

// checkDatabase rejects references to another database: PostgreSQL
// connections see only their own.
func (c *Conn) checkDatabase(database string) error {
	if database != "" && database != c.db.cfg.Database {
		return fmt.Errorf("postgres: cross-database reference to %q: this connection is to database %q, and PostgreSQL cannot reach other databases", database, c.db.cfg.Database)
	}
	return nil
}

// CreateSchema creates the schema if it does not exist.
func (c *Conn) CreateSchema(ctx context.Context, database, schema string) error {
	if err := c.checkDatabase(database); err != nil {
		return err
	}
	return c.db.ensureSchema(ctx, c, schema, true)
}

// ensureSchema runs CREATE SCHEMA IF NOT EXISTS once per schema per DB
// (force: always). Concurrent CREATE SCHEMA IF NOT EXISTS can still race in
// PostgreSQL (a unique violation); that counts as success.
func (db *DB) ensureSchema(ctx context.Context, c *Conn, schema string, force bool) error {
	if schema == "" {
		return errors.New("postgres: empty schema name")
	}
	if err := checkIdent("schema", schema); err != nil {
		return err
	}
	db.schemaMu.Lock()
	defer db.schemaMu.Unlock()
	if db.schemas[schema] && !force {
		return nil
	}
	if _, err := c.exec(ctx, "create schema if not exists "+adapters.QuoteIdent(schema)); err != nil {
		var e *Error
		if !errors.As(err, &e) || (e.Code != "23505" && e.Code != "42P06") {
			return err
		}
	}
	db.schemas[schema] = true
	return nil
}

// pgRel is a pg_class row.
type pgRel struct {
	oid  uint32
	kind string // relkind: r table, p partitioned, v view, m matview, f foreign, ...
}

func (r pgRel) relType() adapters.RelationType {
	switch r.kind {
	case "v":
		return adapters.RelView
	case "r", "p", "f", "m":
		return adapters.RelTable
	}
	return adapters.RelUnknown
}

// keyword is the object type for DROP/ALTER.
func (r pgRel) keyword() string {
	switch r.kind {
	case "v":
		return "view"
	case "m":
		return "materialized view"
	case "f":
		return "foreign table"
	case "S":
		return "sequence"
	case "i", "I":
		return "index"
	}
	return "table"
}

func (r pgRel) replaceable() bool { return r.relType() != adapters.RelUnknown }

// lookup returns the pg_class entries of names in schema (absent: missing).
func (c *Conn) lookup(ctx context.Context, schema string, names ...string) (map[string]pgRel, error) {
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	rows, err := pc.Query(ctx, `select c.relname, c.relkind::text, c.oid
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relname = any($2)`, schema, names)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	defer rows.Close()
	out := map[string]pgRel{}
	for rows.Next() {
		var name string
		var r pgRel
		if err := rows.Scan(&name, &r.kind, &r.oid); err != nil {
			return nil, c.afterErr(ctx, err)
		}
		out[name] = r
	}
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	return out, nil
}

func (c *Conn) runHooks(ctx context.Context, hooks []adapters.Hook, inTx bool) error {
	return adapters.RunHooks(ctx, hooks, inTx, func(ctx context.Context, q string) error {
		_, err := c.exec(ctx, q)
		return err
	})
}

// Materialize builds req.Target as a view or table, safely (see file comment).
// The response is PostgreSQL's: "CREATE VIEW", or "SELECT <rows>" for a table.
func (c *Conn) Materialize(ctx context.Context, req adapters.MaterializeRequest) (adapters.Response, error) {
	fail := adapters.Response{Message: "ERROR", RowsAffected: -1}
	t := req.Target
	if err := adapters.CheckMaterialize("postgres", req, t, c.inTx); err != nil {
		return fail, err
	}
	if err := checkIdent("relation", t.Identifier); err != nil {
		return fail, err
	}
	if err := c.checkDatabase(t.Database); err != nil {
		return fail, err
	}
	if err := c.db.ensureSchema(ctx, c, t.Schema, false); err != nil {
		return fail, err
	}
	if err := c.runHooks(ctx, req.PreHooks, false); err != nil {
		return fail, err
	}
	resp, err := c.buildAndSwap(ctx, req)
	if err != nil {
		c.rollbackQuietly()
		return fail, err
	}
	if err := c.runHooks(ctx, req.PostHooks, false); err != nil {
		return fail, err
	}
	return resp, nil
}

// renameTo renders the bare new name of an ALTER ... RENAME TO.
func renameTo(rel adapters.Relation, id string) string {
	if rel.NoQuoteIdentifier {
		return id
	}
	return adapters.QuoteIdent(id)
}

func (c *Conn) buildAndSwap(ctx context.Context, req adapters.MaterializeRequest) (adapters.Response, error) {
	var resp adapters.Response
	t := req.Target
	id := t.Identifier
	tmp := t.WithIdentifier(affixed(id, tmpSuffix))
	backup := t.WithIdentifier(affixed(id, backupSuffix))
	if _, err := c.exec(ctx, "begin"); err != nil {
		return resp, err
	}
	rels, err := c.lookup(ctx, t.Schema, id, tmp.Identifier, backup.Identifier)
	if err != nil {
		return resp, err
	}
	existing, exists := rels[id]
	if exists && !existing.replaceable() {
		return resp, fmt.Errorf("%s exists as a %s; kiln only replaces tables and views", t.Render(), existing.keyword())
	}
	for _, leftover := range []adapters.Relation{tmp, backup} {
		if r, ok := rels[leftover.Identifier]; ok {
			if _, err := c.exec(ctx, "drop "+r.keyword()+" "+leftover.Render()); err != nil {
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
	create := "create " + kind + " " + tmp.Render() + " as (\n" + trimSQL(req.SQL) + "\n)"
	if strings.TrimSpace(req.SQLHeader) != "" {
		create = req.SQLHeader + "\n" + create
	}
	if req.CreateSQL != nil {
		if create, err = req.CreateSQL(ctx, tmp); err != nil {
			return resp, err
		}
	}
	if replaced, tag, err := c.replaceViewInPlace(ctx, req, existing, exists); err != nil {
		return resp, err
	} else if replaced {
		resp = pgTag(tag)
		return resp, c.finishTx(ctx, req)
	}
	tag, err := c.exec(ctx, create)
	if err != nil {
		return resp, err
	}
	resp = pgTag(tag)
	var deps []depView
	if exists {
		if deps, err = c.lockedDependents(ctx, existing.oid); err != nil {
			return resp, err
		}
		if _, err := c.exec(ctx, "alter "+existing.keyword()+" "+t.Render()+" rename to "+renameTo(t, backup.Identifier)); err != nil {
			return resp, err
		}
	}
	if _, err := c.exec(ctx, "alter "+kind+" "+tmp.Render()+" rename to "+renameTo(t, id)); err != nil {
		return resp, err
	}
	if err := c.recreate(ctx, t, deps); err != nil {
		return resp, err
	}
	if err := c.runHooks(ctx, req.PostHooks, true); err != nil {
		return resp, err
	}
	if exists {
		if _, err := c.exec(ctx, "drop "+existing.keyword()+" "+backup.Render()); err != nil {
			return resp, err
		}
	}
	return resp, c.commitTx(ctx)
}

// replaceViewInPlace rebuilds an existing view with `create or replace
// view` when PostgreSQL accepts the new definition (the same leading
// columns with the same types; new ones may follow): one statement where
// the swap takes four, and views reading it stay as they are. When it does
// not (a column renamed, dropped or retyped), the savepoint undoes the try
// and the caller swaps.
func (c *Conn) replaceViewInPlace(ctx context.Context, req adapters.MaterializeRequest, existing pgRel, exists bool) (bool, pgconn.CommandTag, error) {
	if !exists || existing.kind != "v" || req.Kind == adapters.RelTable || req.CreateSQL != nil || strings.TrimSpace(req.SQLHeader) != "" {
		return false, pgconn.CommandTag{}, nil
	}
	if _, err := c.exec(ctx, "savepoint kiln_replace_view"); err != nil {
		return false, pgconn.CommandTag{}, err
	}
	tag, err := c.exec(ctx, "create or replace view "+req.Target.Render()+" as (\n"+trimSQL(req.SQL)+"\n)")
	if err != nil {
		if _, rerr := c.exec(ctx, "rollback to savepoint kiln_replace_view"); rerr != nil {
			return false, tag, rerr
		}
		return false, tag, nil
	}
	if _, err := c.exec(ctx, "release savepoint kiln_replace_view"); err != nil {
		return false, tag, err
	}
	return true, tag, nil
}

// finishTx runs the in-transaction post-hooks and commits.
func (c *Conn) finishTx(ctx context.Context, req adapters.MaterializeRequest) error {
	if err := c.runHooks(ctx, req.PostHooks, true); err != nil {
		return err
	}
	return c.commitTx(ctx)
}

func (c *Conn) commitTx(ctx context.Context) error {
	pc, err := c.raw()
	if err != nil {
		return err
	}
	if pc.PgConn().TxStatus() == 'I' { // a hook committed; as in dbt, fine
		return nil
	}
	ctag, err := pc.Exec(ctx, "commit")
	if err != nil {
		return c.afterErr(ctx, err)
	}
	if ctag.String() == "ROLLBACK" {
		return &Error{Msg: "the transaction was rolled back because a statement in it failed"}
	}
	return nil
}

// depView is a view that reads (directly or through other views) the
// relation being replaced, with what it takes to recreate it.
type depView struct {
	oid        uint32
	schema     string
	name       string
	kind       string
	depth      int
	definition string
	options    string // reloptions, e.g. "security_barrier=true"
	comment    string
	owner      string
	columns    [][2]string // column name, comment
	grants     []string    // GRANT statements
}

func (d depView) rel() adapters.Relation {
	return adapters.Relation{Schema: d.schema, Identifier: d.name}
}

const dependentsSQL = `with recursive dep(oid, depth) as (
  select r.ev_class, 1
  from pg_catalog.pg_depend d join pg_catalog.pg_rewrite r on r.oid = d.objid
  where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
    and d.refobjid = $1 and r.ev_class <> $1
  union
  select r.ev_class, dep.depth + 1
  from dep join pg_catalog.pg_depend d on d.refobjid = dep.oid
    and d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
  join pg_catalog.pg_rewrite r on r.oid = d.objid
  where r.ev_class <> dep.oid and dep.depth < 64
)
select c.oid, n.nspname, c.relname, c.relkind::text, max(dep.depth)::int,
  coalesce(pg_catalog.pg_get_viewdef(c.oid), ''),
  coalesce(array_to_string(c.reloptions, ', '), ''),
  coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), ''),
  pg_catalog.pg_get_userbyid(c.relowner)
from dep join pg_catalog.pg_class c on c.oid = dep.oid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
group by c.oid, n.nspname, c.relname, c.relkind, c.reloptions, c.relowner
order by 5, 2, 3`

// dependents reads every view depending on relation oid, parents first.
func (c *Conn) dependents(ctx context.Context, oid uint32) ([]depView, error) {
	pc, err := c.raw()
	if err != nil {
		return nil, err
	}
	rows, err := pc.Query(ctx, dependentsSQL, oid)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	var deps []depView
	var other []string
	for rows.Next() {
		var d depView
		if err := rows.Scan(&d.oid, &d.schema, &d.name, &d.kind, &d.depth, &d.definition, &d.options, &d.comment, &d.owner); err != nil {
			rows.Close()
			return nil, c.afterErr(ctx, err)
		}
		if d.kind != "v" {
			other = append(other, pgRel{kind: d.kind}.keyword()+" "+d.rel().Render())
			continue
		}
		deps = append(deps, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	if len(other) > 0 {
		return nil, fmt.Errorf("cannot replace the relation: %s depend%s on it, and kiln only recreates dependent plain views; drop %s first (kiln never uses CASCADE)",
			strings.Join(other, ", "), map[bool]string{true: "s", false: ""}[len(other) == 1], map[bool]string{true: "it", false: "them"}[len(other) == 1])
	}
	if len(deps) == 0 {
		return nil, nil
	}
	idx := map[uint32]int{}
	oids := make([]uint32, len(deps))
	for i, d := range deps {
		idx[d.oid] = i
		oids[i] = d.oid
	}
	rows, err = pc.Query(ctx, `select a.attrelid, a.attname, pg_catalog.col_description(a.attrelid, a.attnum)
from pg_catalog.pg_attribute a
where a.attrelid = any($1) and a.attnum > 0 and not a.attisdropped
  and pg_catalog.col_description(a.attrelid, a.attnum) is not null
order by a.attrelid, a.attnum`, oids)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	for rows.Next() {
		var o uint32
		var name, comment string
		if err := rows.Scan(&o, &name, &comment); err != nil {
			rows.Close()
			return nil, c.afterErr(ctx, err)
		}
		deps[idx[o]].columns = append(deps[idx[o]].columns, [2]string{name, comment})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	rows, err = pc.Query(ctx, `select c.oid, coalesce(quote_ident(r.rolname), 'public'), a.privilege_type, a.is_grantable
from pg_catalog.pg_class c cross join lateral aclexplode(c.relacl) a
left join pg_catalog.pg_roles r on r.oid = a.grantee
where c.oid = any($1) and a.grantee <> c.relowner
order by 1, 2, 3`, oids)
	if err != nil {
		return nil, c.afterErr(ctx, err)
	}
	for rows.Next() {
		var o uint32
		var grantee, priv string
		var grantable bool
		if err := rows.Scan(&o, &grantee, &priv, &grantable); err != nil {
			rows.Close()
			return nil, c.afterErr(ctx, err)
		}
		d := &deps[idx[o]]
		g := "grant " + priv + " on " + d.rel().Render() + " to " + grantee
		if grantable {
			g += " with grant option"
		}
		d.grants = append(d.grants, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, c.afterErr(ctx, err)
	}
	return deps, nil
}

// recreate drops the dependent views (still bound to the old relation) and
// creates them again from their saved definitions, parents first.
func (c *Conn) recreate(ctx context.Context, target adapters.Relation, deps []depView) error {
	if len(deps) == 0 {
		return nil
	}
	names := make([]string, len(deps))
	for i, d := range deps {
		names[i] = d.rel().Render()
	}
	// One DROP for all: dependencies among the listed views need no CASCADE.
	if _, err := c.exec(ctx, "drop view "+strings.Join(names, ", ")); err != nil {
		return fmt.Errorf("replacing %s: dropping its dependent views %s: %w", target.Render(), strings.Join(names, ", "), err)
	}
	var user string
	if pc, err := c.raw(); err == nil {
		_ = pc.QueryRow(ctx, "select current_user").Scan(&user)
	}
	for _, d := range deps {
		r := d.rel().Render()
		stmts := []string{}
		create := "create view " + r
		if d.options != "" {
			create += " with (" + d.options + ")"
		}
		stmts = append(stmts, create+" as\n"+strings.TrimRight(strings.TrimSpace(d.definition), ";"))
		if d.comment != "" {
			stmts = append(stmts, "comment on view "+r+" is "+quoteLiteral(d.comment))
		}
		for _, col := range d.columns {
			stmts = append(stmts, "comment on column "+r+"."+adapters.QuoteIdent(col[0])+" is "+quoteLiteral(col[1]))
		}
		if d.owner != "" && d.owner != user {
			stmts = append(stmts, "alter view "+r+" owner to "+adapters.QuoteIdent(d.owner))
		}
		stmts = append(stmts, d.grants...)
		for _, s := range stmts {
			if _, err := c.exec(ctx, s); err != nil {
				return fmt.Errorf("view %s depends on %s and could not be recreated over the new version: %w", r, target.Render(), err)
			}
		}
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// DropRelation drops a table or view if it exists, looking up its real
// type. It never cascades: dependent objects make it fail with
// PostgreSQL's message naming them.
func (c *Conn) DropRelation(ctx context.Context, rel adapters.Relation) error {
	if err := c.checkDatabase(rel.Database); err != nil {
		return err
	}
	rels, err := c.lookup(ctx, rel.Schema, rel.Identifier)
	if err != nil {
		return err
	}
	r, ok := rels[rel.Identifier]
	if !ok {
		return nil
	}
	_, err = c.exec(ctx, "drop "+r.keyword()+" if exists "+rel.Render())
	return err
}

// RenameRelation renames a table or view within its schema.
func (c *Conn) RenameRelation(ctx context.Context, from adapters.Relation, toIdentifier string) error {
	if err := c.checkDatabase(from.Database); err != nil {
		return err
	}
	if err := checkIdent("relation", toIdentifier); err != nil {
		return err
	}
	rels, err := c.lookup(ctx, from.Schema, from.Identifier)
	if err != nil {
		return err
	}
	r, ok := rels[from.Identifier]
	if !ok {
		return &Error{Code: "42P01", Msg: fmt.Sprintf("cannot rename %s: it does not exist", from.Render())}
	}
	_, err = c.exec(ctx, "alter "+r.keyword()+" "+from.Render()+" rename to "+renameTo(from, toIdentifier))
	return err
}

// trimSQL: see adapters.TrimStatement (one trimmer for every adapter).
func trimSQL(q string) string { return adapters.TrimStatement(q) }

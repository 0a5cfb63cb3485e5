package adapters

// The SQL of dbt's building blocks, per warehouse.
//
// kiln's internal macro package defines the building blocks of dbt's
// materializations as dispatchable macros (get_insert_into_sql,
// get_delete_insert_merge_sql, get_merge_sql, ... with default__ and
// <adapter>__ variants). While no project or package overrides one, the
// runner builds the same statement in Go through the connection's Dialect,
// whose SQLBuilder methods are these macros' fast paths: each returns,
// byte for byte up to whitespace, what the adapter's variant of the macro
// renders (internal/run's equivalence tests check it). An adapter whose SQL
// differs from the portable one embeds StandardSQL and overrides the
// methods that differ, and defines the matching <adapter>__ macros.

import (
	"strings"
	"time"
)

// SQLBuilder writes building-block statements in one warehouse's dialect.
// Relations are rendered; keys and predicates are SQL expressions as the
// user wrote them; columns are quoted by the builder.
type SQLBuilder interface {
	// InsertInto is get_insert_into_sql: insert every column of cols from
	// source into target.
	InsertInto(target, source Relation, cols []Column) string
	// DeleteInsert is get_delete_insert_merge_sql: the statements (one per
	// Exec) that delete the target rows whose uniqueKey is among source's,
	// then insert source. Without a key it only inserts.
	DeleteInsert(target, source Relation, uniqueKey []string, cols []Column, predicates []string) []string
	// Merge is get_merge_sql: MERGE on uniqueKey updating the update
	// columns of matched rows and inserting the rest (no key: insert all).
	Merge(target, source Relation, uniqueKey []string, cols []Column, update []string, predicates []string) string
	// ReplaceWindow is get_incremental_microbatch_sql: delete the target
	// rows whose eventTime is in [start, end) (SQL literals), then insert.
	ReplaceWindow(target, source Relation, eventTime, start, end string, cols []Column, predicates []string) []string
	// AddColumn and DropColumn are alter_relation_add_remove_columns, one
	// column per statement.
	AddColumn(rel Relation, col Column) string
	DropColumn(rel Relation, column string) string
	// HashArguments is snapshot_hash_arguments: the md5 (as lowercase hex
	// text) of the expressions cast to text, NULL as '', joined by '|' —
	// dbt's dbt_scd_id.
	HashArguments(exprs []string) string
	// UpdateFrom sets columns of the target rows (aliased alias) matched by
	// where against source (aliased sourceAlias): UPDATE ... FROM, or a
	// MERGE where the warehouse has no UPDATE ... FROM. set is "col = expr".
	UpdateFrom(target Relation, alias, set string, source Relation, sourceAlias, where string) string
	// SnapshotMerge is snapshot_merge_sql: apply a snapshot staging table
	// (dbt_change_type insert / update / delete rows, see the internal
	// snapshot_staging_table) to target, closing the current versions whose
	// scdID an update or delete row names and inserting the insert rows'
	// insertCols (quoted). scdID and validTo are the meta columns' names as
	// the macros write them (unquoted); validToCurrent is
	// dbt_valid_to_current or "". One statement per element.
	SnapshotMerge(target, source Relation, insertCols []string, scdID, validTo, validToCurrent string) []string
	// TimestampLiteral is a microbatch window bound (UTC) as a literal that
	// compares correctly with DATE, TIMESTAMP and zoned TIMESTAMP columns:
	// the event-time filters of refs and the window of ReplaceWindow.
	TimestampLiteral(t time.Time) string
}

// StandardSQL is the SQL DuckDB and PostgreSQL share (the default__
// variants of the macros). Quote quotes an identifier (nil: QuoteIdent).
type StandardSQL struct {
	Quote func(string) string
}

// Ident quotes an identifier with the builder's quoting.
func (s StandardSQL) Ident(id string) string {
	if s.Quote != nil {
		return s.Quote(id)
	}
	return QuoteIdent(id)
}

// Rel renders a relation with the builder's quoting.
func (s StandardSQL) Rel(r Relation) string { return r.RenderWith(s.Quote) }

// QuotedCSV is get_quoted_csv over the columns' names.
func (s StandardSQL) QuotedCSV(cols []Column) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.Ident(c.Name))
	}
	return b.String()
}

func (s StandardSQL) InsertInto(target, source Relation, cols []Column) string {
	csv := s.QuotedCSV(cols)
	return "insert into " + s.Rel(target) + " (" + csv + ")\n(select " + csv + " from " + s.Rel(source) + ")"
}

func predicateSuffix(predicates []string) string {
	var b strings.Builder
	for _, p := range predicates {
		b.WriteString("\n  and (" + p + ")")
	}
	return b.String()
}

func (s StandardSQL) DeleteInsert(target, source Relation, uniqueKey []string, cols []Column, predicates []string) []string {
	insert := s.InsertInto(target, source, cols)
	if len(uniqueKey) == 0 {
		return []string{insert}
	}
	del := "delete from " + s.Rel(target) + " as DBT_INTERNAL_DEST\n"
	if len(uniqueKey) == 1 {
		k := uniqueKey[0]
		del += "where (" + k + ") in (select distinct (" + k + ") from " + s.Rel(source) + " as DBT_INTERNAL_SOURCE)"
	} else {
		on := make([]string, len(uniqueKey))
		for i, k := range uniqueKey {
			on[i] = "DBT_INTERNAL_SOURCE." + k + " = DBT_INTERNAL_DEST." + k
		}
		del += "using " + s.Rel(source) + " as DBT_INTERNAL_SOURCE\nwhere " + strings.Join(on, " and ")
	}
	return []string{del + predicateSuffix(predicates), insert}
}

func (s StandardSQL) Merge(target, source Relation, uniqueKey []string, cols []Column, update []string, predicates []string) string {
	var on []string
	for _, p := range predicates {
		on = append(on, "("+p+")")
	}
	if len(uniqueKey) == 0 {
		on = append(on, "FALSE")
	}
	for _, k := range uniqueKey {
		on = append(on, "DBT_INTERNAL_SOURCE."+k+" = DBT_INTERNAL_DEST."+k)
	}
	var b strings.Builder
	b.WriteString("merge into " + s.Rel(target) + " as DBT_INTERNAL_DEST\nusing " + s.Rel(source) + " as DBT_INTERNAL_SOURCE\non " + strings.Join(on, " and "))
	if len(uniqueKey) > 0 && len(update) > 0 {
		set := make([]string, len(update))
		for i, c := range update {
			set[i] = s.Ident(c) + " = DBT_INTERNAL_SOURCE." + s.Ident(c)
		}
		b.WriteString("\nwhen matched then update set " + strings.Join(set, ", "))
	}
	vals := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = "DBT_INTERNAL_SOURCE." + s.Ident(c.Name)
	}
	b.WriteString("\nwhen not matched then insert (" + s.QuotedCSV(cols) + ") values (" + strings.Join(vals, ", ") + ")")
	return b.String()
}

func (s StandardSQL) ReplaceWindow(target, source Relation, eventTime, start, end string, cols []Column, predicates []string) []string {
	del := "delete from " + s.Rel(target) + " as DBT_INTERNAL_DEST\nwhere DBT_INTERNAL_DEST." + eventTime + " >= " + start +
		" and DBT_INTERNAL_DEST." + eventTime + " < " + end + predicateSuffix(predicates)
	return []string{del, s.InsertInto(target, source, cols)}
}

func (s StandardSQL) AddColumn(rel Relation, col Column) string {
	return "alter table " + s.Rel(rel) + " add column " + s.Ident(col.Name) + " " + col.DataType
}

func (s StandardSQL) DropColumn(rel Relation, column string) string {
	return "alter table " + s.Rel(rel) + " drop column " + s.Ident(column)
}

func (s StandardSQL) HashArguments(exprs []string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "coalesce(cast(" + e + " as varchar), '')"
	}
	return "md5(" + strings.Join(parts, " || '|' || ") + ")"
}

func (s StandardSQL) UpdateFrom(target Relation, alias, set string, source Relation, sourceAlias, where string) string {
	return "update " + s.Rel(target) + " as " + alias + " set " + set + "\nfrom " + s.Rel(source) + " as " + sourceAlias + " where " + where
}

// SnapshotDestCurrent is the condition of a current version of the
// snapshot target aliased DBT_INTERNAL_DEST.
func SnapshotDestCurrent(validTo, validToCurrent string) string {
	c := "DBT_INTERNAL_DEST." + validTo + " is null"
	if validToCurrent != "" {
		c = "(" + c + " or DBT_INTERNAL_DEST." + validTo + " = " + validToCurrent + ")"
	}
	return c
}

func prefixAll(prefix string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = prefix + c
	}
	return strings.Join(out, ", ")
}

// SnapshotMerge is UPDATE ... FROM, then INSERT (duckdb__ and postgres__
// snapshot_merge_sql; PostgreSQL before 15 has no MERGE).
func (s StandardSQL) SnapshotMerge(target, source Relation, insertCols []string, scdID, validTo, validToCurrent string) []string {
	return []string{
		"update " + s.Rel(target) + " as DBT_INTERNAL_DEST set " + validTo + " = DBT_INTERNAL_SOURCE." + validTo +
			"\nfrom " + s.Rel(source) + " as DBT_INTERNAL_SOURCE\nwhere DBT_INTERNAL_SOURCE." + scdID + " = DBT_INTERNAL_DEST." + scdID +
			" and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete') and " + SnapshotDestCurrent(validTo, validToCurrent),
		"insert into " + s.Rel(target) + " (" + strings.Join(insertCols, ", ") + ")\nselect " + prefixAll("DBT_INTERNAL_SOURCE.", insertCols) +
			" from " + s.Rel(source) + " as DBT_INTERNAL_SOURCE\nwhere DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'",
	}
}

// TimestampLiteral is dbt's string literal of the bound, e.g.
// '2024-01-01 00:00:00+00:00': DuckDB and PostgreSQL cast it to the
// column's type.
func (s StandardSQL) TimestampLiteral(t time.Time) string {
	return "'" + t.UTC().Format("2006-01-02 15:04:05") + "+00:00'"
}

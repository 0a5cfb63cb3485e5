package trino

import (
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
)

// Dialect is Trino's SQL dialect: double-quoted identifiers (embedded quotes
// doubled; Trino folds them to lower case all the same), no practical
// identifier limit, and building blocks that differ from the portable ones
// where Trino's grammar does: DELETE takes no alias and no USING, there is
// no UPDATE ... FROM (MERGE does it), and md5 works on varbinary. Each
// override matches the trino__ variant of the macro in kiln's internal
// package (compiler/jinja/dbtpkg/macros/trino.sql).
type Dialect struct {
	adapters.StandardSQL
}

var _ adapters.Dialect = Dialect{}

// Quote quotes an identifier.
func (Dialect) Quote(identifier string) string { return adapters.QuoteIdent(identifier) }

// MaxIdentifierLength is 0: Trino has no practical limit (the Iceberg JDBC
// catalog keeps names in varchar(255) columns, far above what dbt makes).
func (Dialect) MaxIdentifierLength() int { return 0 }

// destAlias is the alias dbt's statements give the target. Trino's DELETE
// cannot alias its table, so references through the alias (in
// incremental_predicates) are rewritten to the table's own name, which
// Trino accepts as a qualifier.
const destAlias = "DBT_INTERNAL_DEST."

func (d Dialect) destRef(target adapters.Relation) string {
	return d.Ident(target.Identifier) + "."
}

func (d Dialect) deletePredicates(target adapters.Relation, predicates []string) string {
	var b strings.Builder
	for _, p := range predicates {
		b.WriteString("\n  and (" + strings.ReplaceAll(p, destAlias, d.destRef(target)) + ")")
	}
	return b.String()
}

// DeleteInsert is trino__get_delete_insert_merge_sql: DELETE ... WHERE key
// IN (single key) or WHERE EXISTS (composite key), then the insert.
func (d Dialect) DeleteInsert(target, source adapters.Relation, uniqueKey []string, cols []adapters.Column, predicates []string) []string {
	insert := d.InsertInto(target, source, cols)
	if len(uniqueKey) == 0 {
		return []string{insert}
	}
	del := "delete from " + d.Rel(target) + "\n"
	if len(uniqueKey) == 1 {
		k := uniqueKey[0]
		del += "where (" + k + ") in (select distinct (" + k + ") from " + d.Rel(source) + " as DBT_INTERNAL_SOURCE)"
	} else {
		on := make([]string, len(uniqueKey))
		for i, k := range uniqueKey {
			on[i] = "DBT_INTERNAL_SOURCE." + k + " = " + d.destRef(target) + k
		}
		del += "where exists (select 1 from " + d.Rel(source) + " as DBT_INTERNAL_SOURCE where " + strings.Join(on, " and ") + ")"
	}
	return []string{del + d.deletePredicates(target, predicates), insert}
}

// ReplaceWindow is trino__get_incremental_microbatch_sql: delete the
// window's rows (no alias), then insert the batch.
func (d Dialect) ReplaceWindow(target, source adapters.Relation, eventTime, start, end string, cols []adapters.Column, predicates []string) []string {
	del := "delete from " + d.Rel(target) + "\nwhere " + eventTime + " >= " + start + " and " + eventTime + " < " + end +
		d.deletePredicates(target, predicates)
	return []string{del, d.InsertInto(target, source, cols)}
}

// HashArguments is trino__snapshot_hash_arguments: md5 over the UTF-8
// bytes, as lowercase hex — the same text md5() gives elsewhere.
func (Dialect) HashArguments(exprs []string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "coalesce(cast(" + e + " as varchar), '')"
	}
	return "lower(to_hex(md5(to_utf8(" + strings.Join(parts, " || '|' || ") + "))))"
}

// UpdateFrom is a MERGE: Trino has no UPDATE ... FROM.
func (d Dialect) UpdateFrom(target adapters.Relation, alias, set string, source adapters.Relation, sourceAlias, where string) string {
	return "merge into " + d.Rel(target) + " as " + alias + "\nusing " + d.Rel(source) + " as " + sourceAlias +
		"\non " + where + "\nwhen matched then update set " + set
}

// SnapshotMerge is one MERGE (default__snapshot_merge_sql), which Iceberg
// and Delta Lake tables take.
func (d Dialect) SnapshotMerge(target, source adapters.Relation, insertCols []string, scdID, validTo, validToCurrent string) []string {
	vals := make([]string, len(insertCols))
	for i, c := range insertCols {
		vals[i] = "DBT_INTERNAL_SOURCE." + c
	}
	return []string{"merge into " + d.Rel(target) + " as DBT_INTERNAL_DEST\nusing " + d.Rel(source) + " as DBT_INTERNAL_SOURCE" +
		"\non DBT_INTERNAL_SOURCE." + scdID + " = DBT_INTERNAL_DEST." + scdID +
		"\nwhen matched and " + adapters.SnapshotDestCurrent(validTo, validToCurrent) + " and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete') then update set " + validTo + " = DBT_INTERNAL_SOURCE." + validTo +
		"\nwhen not matched and DBT_INTERNAL_SOURCE.dbt_change_type = 'insert' then insert (" + strings.Join(insertCols, ", ") + ") values (" + strings.Join(vals, ", ") + ")"}
}

// TimestampLiteral is a zoned timestamp literal: Trino compares no string
// with a date or timestamp, and coerces DATE and TIMESTAMP columns to a
// zoned timestamp for the comparison.
func (Dialect) TimestampLiteral(t time.Time) string {
	return "timestamp '" + t.UTC().Format("2006-01-02 15:04:05") + "+00:00'"
}

package adapters

// The statements of a snapshot run, written through the warehouse's
// dialect. internal/run decides what to run and in which order (see
// internal/run/snapshot.go for the algorithm); every statement comes from
// here, quoted by the dialect's Quote and built from its building blocks
// (HashArguments for dbt_scd_id, UpdateFrom for closing versions, which
// Trino writes as a MERGE).

import (
	"fmt"
	"strings"
)

// Names of the helper columns a snapshot's staging tables carry: the
// unique_key parts (SnapshotKeyPrefix + 1, 2, ...) and the new version's
// start.
const (
	SnapshotKeyPrefix = "__kiln_key_"
	SnapshotFromCol   = "__kiln_from"
)

// SnapshotSQL is one snapshot run's names. Src holds the source rows with
// the key parts and the start of their new version; Cur the target's
// current versions with their key parts; Chg the source rows that start a
// new version (with the dbt_scd_id of the version they close, or NULL);
// Del the current versions whose key left the source.
type SnapshotSQL struct {
	D                          Dialect
	Target, Src, Cur, Chg, Del Relation
	Keys                       []string // unique_key SQL expressions
	Now                        string   // SQL timestamp literal of the run's start
	ValidToCurrent             string   // dbt_valid_to_current, or ""
	NewRecord                  bool     // hard_deletes: new_record
	// The meta columns' names (snapshot_meta_column_names applied).
	ScdID, UpdatedAt, ValidFrom, ValidTo, IsDeleted string
	// Hash writes dbt_scd_id from its parts: a project's
	// snapshot_hash_arguments; nil: the dialect's HashArguments (the
	// macro's fast path).
	Hash func(parts []string) string
}

func (s SnapshotSQL) hash(parts []string) string {
	if s.Hash != nil {
		return s.Hash(parts)
	}
	return s.D.HashArguments(parts)
}

// HashOf is the dbt_scd_id expression over parts (SQL expressions).
func (s SnapshotSQL) HashOf(parts []string) string { return s.hash(parts) }

func (s SnapshotSQL) q(id string) string    { return s.D.Quote(id) }
func (s SnapshotSQL) rel(r Relation) string { return r.RenderWith(s.D.Quote) }
func (s SnapshotSQL) keyCol(i int) string   { return s.q(fmt.Sprint(SnapshotKeyPrefix, i+1)) }
func (s SnapshotSQL) fromCol() string       { return s.q(SnapshotFromCol) }

// DropTable drops a staging table.
func (s SnapshotSQL) DropTable(r Relation) string { return "DROP TABLE " + s.rel(r) }

// cols is the quoted, comma-separated list of the columns' names.
func (s SnapshotSQL) cols(cols []Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = s.q(c.Name)
	}
	return strings.Join(out, ", ")
}

func (s SnapshotSQL) prefixed(alias string, cols []Column) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = alias + "." + s.q(c.Name)
	}
	return strings.Join(out, ", ")
}

// keySelect is the key parts as columns, computed over the query's rows.
func (s SnapshotSQL) keySelect() []string {
	var sel []string
	for i, k := range s.Keys {
		sel = append(sel, "("+k+") AS "+s.keyCol(i))
	}
	return sel
}

func (s SnapshotSQL) keyList() string {
	kc := make([]string, len(s.Keys))
	for i := range s.Keys {
		kc[i] = s.keyCol(i)
	}
	return strings.Join(kc, ", ")
}

// Source is the SELECT that stages the snapshot query's rows in Src; from
// is the new version's start (updated_at, or Now).
func (s SnapshotSQL) Source(query, from string) string {
	sel := append(s.keySelect(), from+" AS "+s.fromCol())
	return "SELECT snapshot_query.*, " + strings.Join(sel, ", ") + " FROM (\n" + TrimStatement(query) + "\n) AS snapshot_query"
}

// Create is the first run: the target is the source rows plus meta columns.
func (s SnapshotSQL) Create(data []Column) string {
	return "CREATE TABLE " + s.rel(s.Target) + " AS\nSELECT " + s.cols(data) + ", " + s.meta("", false) + "\nFROM " + s.rel(s.Src)
}

// meta renders the meta column values for rows read from alias (Chg or
// Src, which carry key parts and valid-from).
func (s SnapshotSQL) meta(alias string, deleted bool) string {
	p := ""
	if alias != "" {
		p = alias + "."
	}
	var parts []string
	for i := range s.Keys {
		parts = append(parts, p+s.keyCol(i))
	}
	f := p + s.fromCol()
	parts = append(parts, f)
	validTo := "nullif(" + f + ", " + f + ")"
	if s.ValidToCurrent != "" {
		validTo = "coalesce(" + validTo + ", " + s.ValidToCurrent + ")"
	}
	out := s.hash(parts) + " AS " + s.q(s.ScdID) +
		", " + f + " AS " + s.q(s.UpdatedAt) + ", " + f + " AS " + s.q(s.ValidFrom) + ", " + validTo + " AS " + s.q(s.ValidTo)
	if s.NewRecord || deleted {
		flag := "'False'"
		if deleted {
			flag = "'True'"
		}
		out += ", " + flag + " AS " + s.q(s.IsDeleted)
	}
	return out
}

// NullKeys counts (first column) and samples the staged rows with a NULL
// key part (the other columns: the key parts).
func (s SnapshotSQL) NullKeys() string {
	conds := make([]string, len(s.Keys))
	for i := range s.Keys {
		conds[i] = s.keyCol(i) + " IS NULL"
	}
	return s.sample(strings.Join(conds, " OR "))
}

// NullFrom counts and samples the staged rows whose updated_at is NULL.
func (s SnapshotSQL) NullFrom() string { return s.sample(s.fromCol() + " IS NULL") }

func (s SnapshotSQL) sample(where string) string {
	return "SELECT count(*) OVER (), " + s.keyList() + " FROM " + s.rel(s.Src) + " WHERE " + where + " LIMIT 5"
}

// DuplicateKeys counts and samples the keys staged more than once (the
// last column: how often).
func (s SnapshotSQL) DuplicateKeys() string {
	kl := s.keyList()
	return "SELECT count(*) OVER (), " + kl + ", count(*) FROM " + s.rel(s.Src) + " GROUP BY " + kl + " HAVING count(*) > 1 LIMIT 5"
}

// Current is the predicate of a current version, on alias.
func (s SnapshotSQL) Current(alias string) string {
	vt := alias + "." + s.q(s.ValidTo)
	if s.ValidToCurrent != "" {
		return "(" + vt + " IS NULL OR " + vt + " = " + s.ValidToCurrent + ")"
	}
	return vt + " IS NULL"
}

// DuplicateCurrent counts and samples the keys with more than one current
// version in the target.
func (s SnapshotSQL) DuplicateCurrent() string {
	kl := s.keyList()
	inner := "SELECT " + strings.Join(s.keySelect(), ", ") + " FROM " + s.rel(s.Target) + " AS kiln_tgt WHERE " + s.Current("kiln_tgt")
	return "SELECT count(*) OVER (), " + kl + " FROM (" + inner + ") d GROUP BY " + kl + " HAVING count(*) > 1 LIMIT 5"
}

// CurrentRows is the SELECT that stages the target's current versions,
// with their key parts, in Cur. Internal aliases are kiln_-prefixed where
// a user column could share the name: Trino resolves `d.*` to a column d
// before a table alias d.
func (s SnapshotSQL) CurrentRows() string {
	return "SELECT kiln_tgt.*, " + strings.Join(s.keySelect(), ", ") + " FROM " + s.rel(s.Target) + " AS kiln_tgt WHERE " + s.Current("kiln_tgt")
}

// DeletedMarker is the condition, over cur, of a current version that is a
// deletion record (FALSE when the target has no dbt_is_deleted column).
func (s SnapshotSQL) DeletedMarker(hasDeleted bool) string {
	if !hasDeleted {
		return "FALSE"
	}
	return "coalesce(cur." + s.q(s.IsDeleted) + ", 'False') = 'True'"
}

// TimestampChanged is the timestamp strategy's change condition.
func (s SnapshotSQL) TimestampChanged() string {
	return "cur." + s.q(s.ValidFrom) + " < src." + s.fromCol()
}

// CheckChanged is the check strategy's change conditions, one per column
// (names as ColumnsOfQuery reports them, or unquoted check_cols).
func (s SnapshotSQL) CheckChanged(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "src." + s.q(c) + " IS DISTINCT FROM cur." + s.q(c)
	}
	return out
}

// Changes is the SELECT that stages in Chg the source rows whose key is
// new or for which any of changed (conditions over src and cur) holds.
func (s SnapshotSQL) Changes(changed []string) string {
	join := make([]string, len(s.Keys))
	for i := range s.Keys {
		join[i] = "src." + s.keyCol(i) + " = cur." + s.keyCol(i)
	}
	return "SELECT src.*, cur." + s.q(s.ScdID) + " AS __kiln_cur_scd\nFROM " + s.rel(s.Src) + " AS src\nLEFT JOIN " + s.rel(s.Cur) + " AS cur ON " + strings.Join(join, " AND ") +
		"\nWHERE cur." + s.keyCol(0) + " IS NULL OR " + strings.Join(changed, " OR ")
}

// Deletions is the SELECT that stages in Del the current versions (not
// already deletion records: marker, over cur) whose key left the source.
func (s SnapshotSQL) Deletions(marker string) string {
	join := make([]string, len(s.Keys))
	for i := range s.Keys {
		join[i] = "src." + s.keyCol(i) + " = kiln_del." + s.keyCol(i)
	}
	return "SELECT kiln_del.* FROM " + s.rel(s.Cur) + " AS kiln_del WHERE NOT " + strings.ReplaceAll(marker, "cur.", "kiln_del.") +
		" AND NOT EXISTS (SELECT 1 FROM " + s.rel(s.Src) + " AS src WHERE " + strings.Join(join, " AND ") + ")"
}

const snapDest = "DBT_INTERNAL_DEST"

// CloseChanged closes the current version of every key in Chg at the new
// version's start.
func (s SnapshotSQL) CloseChanged() string {
	return s.D.UpdateFrom(s.Target, snapDest, s.q(s.ValidTo)+" = chg."+s.fromCol(), s.Chg, "chg",
		"chg.__kiln_cur_scd IS NOT NULL AND "+snapDest+"."+s.q(s.ScdID)+" = chg.__kiln_cur_scd AND "+s.Current(snapDest))
}

// CloseDeleted closes the current versions in Del at Now.
func (s SnapshotSQL) CloseDeleted() string {
	return s.D.UpdateFrom(s.Target, snapDest, s.q(s.ValidTo)+" = "+s.Now, s.Del, "kiln_del",
		snapDest+"."+s.q(s.ScdID)+" = kiln_del."+s.q(s.ScdID)+" AND "+s.Current(snapDest))
}

func (s SnapshotSQL) metaCols(hasDeleted bool) string {
	mc := []string{s.q(s.ScdID), s.q(s.UpdatedAt), s.q(s.ValidFrom), s.q(s.ValidTo)}
	if hasDeleted {
		mc = append(mc, s.q(s.IsDeleted))
	}
	return strings.Join(mc, ", ")
}

// InsertVersions inserts the new versions staged in Chg. hasDeleted: the
// target has a dbt_is_deleted column.
func (s SnapshotSQL) InsertVersions(data []Column, hasDeleted bool) string {
	meta := s.meta("chg", false)
	if hasDeleted && !s.NewRecord {
		meta += ", 'False'"
	}
	return "INSERT INTO " + s.rel(s.Target) + " (" + s.cols(data) + ", " + s.metaCols(hasDeleted) + ")\nSELECT " + s.prefixed("chg", data) + ", " + meta + " FROM " + s.rel(s.Chg) + " AS chg"
}

// InsertDeletions inserts a deletion record, carrying the last known
// values of keep, for every version staged in Del (hard_deletes:
// new_record; the target has a dbt_is_deleted column).
func (s SnapshotSQL) InsertDeletions(keep []Column) string {
	var parts []string
	for i := range s.Keys {
		parts = append(parts, "kiln_del."+s.keyCol(i))
	}
	parts = append(parts, s.Now)
	validTo := "cast(NULL as timestamp)"
	if s.ValidToCurrent != "" {
		validTo = s.ValidToCurrent
	}
	meta := s.hash(parts) + ", " + s.Now + ", " + s.Now + ", " + validTo + ", 'True'"
	return "INSERT INTO " + s.rel(s.Target) + " (" + s.cols(keep) + ", " + s.metaCols(true) + ")\nSELECT " + s.prefixed("kiln_del", keep) + ", " + meta + " FROM " + s.rel(s.Del) + " AS kiln_del"
}

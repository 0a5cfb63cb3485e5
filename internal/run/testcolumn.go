package run

// A generic test on a column the model does not have fails in the database
// with a binder error about the compiled test query, which points at
// target/compiled/... and not at the YAML line that names the column. When
// a test's query fails, the tested relation's columns are looked up; if the
// column is not among them, the error says so in plain words at that line.

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// testColumnError is the plain-words error for a test on a missing column.
type testColumnError struct{ msg string }

func (e *testColumnError) Error() string { return e.msg }

var plainColumn = regexp.MustCompile(`^"?[A-Za-z_][A-Za-z0-9_$]*"?$`)

// explainMissingColumn returns err, or a testColumnError when err comes
// from a column test whose column the tested relation lacks.
func (r *Runner) explainMissingColumn(ctx context.Context, c adapters.Conn, n *manifest.Node, err error) error {
	if n.TestMetadata == nil || n.ColumnName == "" || !plainColumn.MatchString(n.ColumnName) || ctx.Err() != nil {
		return err
	}
	m := r.res.Manifest
	var rel adapters.Relation
	what := ""
	if t := m.Nodes[n.AttachedNode]; t != nil && t.Config.Materialized() != "ephemeral" {
		rel, what = r.res.Relation(t), t.ResourceType+" '"+t.Name+"'"
	} else {
		for _, id := range n.DependsOn.Nodes {
			if s := m.Sources[id]; s != nil && n.AttachedNode == "" {
				rel = adapters.Relation{Database: s.Database, Schema: s.Schema, Identifier: s.Identifier}
				what = "source '" + s.SourceName + "." + s.Name + "'"
				break
			}
		}
	}
	if what == "" {
		return err
	}
	got, gerr := c.GetRelation(ctx, rel.Database, rel.Schema, rel.Identifier)
	if gerr != nil || got == nil {
		return err
	}
	cols, cerr := c.Columns(ctx, *got)
	if cerr != nil || len(cols) == 0 {
		return err
	}
	want := adapters.Unquote(c.Dialect(), n.ColumnName)
	names := make([]string, 0, len(cols))
	for _, col := range cols {
		if strings.EqualFold(col.Name, want) {
			return err // the column exists: the failure is something else
		}
		names = append(names, col.Name)
	}
	sort.Strings(names)
	return &testColumnError{msg: fmt.Sprintf(
		"%s: test '%s' is on column '%s', but %s (%s) has no such column; its columns are: %s\n"+
			"  fix the column name in %s, or add the column to the %s",
		n.Pos, n.TestMetadata.Name, want, what, relSQL(c, *got), strings.Join(names, ", "),
		n.Shown(), strings.SplitN(what, " ", 2)[0])}
}

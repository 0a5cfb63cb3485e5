package run

// Unit tests: every `given` input becomes a fixture CTE whose columns are
// the input's real columns (learned from the existing relation, else from
// describing the upstream model's compiled SQL), the model is rendered with
// ref()/source()/this pointing at those CTEs, and the expected and actual
// rows are fetched separately and compared in Go, order-insensitively and
// only on the expected columns.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph"
	"github.com/kiln-dev/kiln/testing/unittest"
)

// UnitTestLabel is how a unit test is named in console lines:
// "<model>::<test>", as dbt prints it.
func UnitTestLabel(m *manifest.Manifest, n *manifest.Node) string {
	if n.UnitTest == nil {
		return n.Name
	}
	return n.UnitTest.Model + "::" + n.Name + n.UnitTest.VersionSuffix
}

// unitError is a unit test problem found at run time, positioned at the
// YAML entry it concerns.
type unitError struct {
	pos string
	msg string
}

func (e *unitError) Error() string { return e.pos + ": " + e.msg }

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

func (r *Runner) runUnitTest(ctx context.Context, nr *nodeRun) error {
	n := nr.n
	m := r.res.Manifest
	label := UnitTestLabel(m, n)
	r.p.Progress(nr.index, r.total, "START unit_test "+label, "RUN", 0, false)
	model := m.Nodes[n.UnitTest.ModelID]
	c, err := r.conn(ctx)
	if err != nil {
		r.fail(nr, "ERROR", "ERROR "+label, err, "")
		return err
	}
	defer r.release(c, false)
	var q unitQueries
	if err := r.timed(nr, "compile", func() error {
		var e error
		q, e = r.unitQueries(ctx, c, n, model)
		return e
	}); err != nil {
		r.fail(nr, "ERROR", "ERROR "+label, err, "")
		return err
	}
	path := r.writeUnitSQL("compiled", n, q.actual)
	var actual, expected *adapters.Table
	err = r.timed(nr, "execute", func() error {
		var e error
		if actual, _, e = c.Query(ctx, q.actual, 0); e != nil {
			return e
		}
		if expected, _, e = c.Query(ctx, q.expected, 0); e != nil {
			return &unitError{pos: n.UnitTest.Expect.Pos.String(), msg: "the expected rows cannot be compared with the model's columns: " + e.Error()}
		}
		return nil
	})
	if err != nil {
		r.fail(nr, "ERROR", "ERROR "+label, err, path)
		return err
	}
	r.writeUnitSQL("run", n, q.actual+";\n\n"+q.expected)
	d := unittest.Compare(q.columns, expected.Rows, actual.Rows)
	elapsed := time.Since(nr.started)
	if d.Equal {
		r.p.Progress(nr.index, r.total, "PASS "+label, "PASS", elapsed, true)
		zero := int64(0)
		r.finish(nr, manifest.StatusPass, adapters.Response{Message: "PASS"}, "", &zero, q.actual)
		return nil
	}
	one := int64(1)
	r.p.Progress(nr.index, r.total, "FAIL 1 "+label, "FAIL 1", elapsed, true)
	msg := d.Summary() + "\n\n" + d.String() + "\n\n" + unittest.Legend
	r.finish(nr, manifest.StatusFail, adapters.Response{}, msg, &one, q.actual)
	return graph.ErrSkipDescendants
}

type unitQueries struct {
	actual, expected string
	columns          []string
}

// unitQueries builds the actual and expected SELECTs of a unit test.
func (r *Runner) unitQueries(ctx context.Context, c adapters.Conn, n, model *manifest.Node) (unitQueries, error) {
	u := n.UnitTest
	quote := c.Dialect().Quote
	sub := &compiler.Substitution{Relations: map[string]string{}, EnvVars: map[string]string{}}
	if v, ok := u.Overrides["vars"].(map[string]any); ok {
		sub.Vars = v
	}
	if v, ok := u.Overrides["env_vars"].(map[string]any); ok {
		for k, x := range v {
			sub.EnvVars[k] = unittest.FormatValue(x)
		}
	}
	if v, ok := u.Overrides["macros"].(map[string]any); ok {
		sub.Macros = v
	}
	ctes := map[string]string{}
	var order []string
	for i, g := range u.Given {
		in, err := unittest.ParseInput(g.Input)
		if err != nil {
			return unitQueries{}, &unitError{g.Pos.String(), err.Error()}
		}
		rows, err := unittest.ReadRows(g.Format, g.Rows, g.FixtureContent)
		if err != nil {
			return unitQueries{}, &unitError{g.Pos.String(), err.Error()}
		}
		target, cols, how := r.inputColumns(ctx, c, model, in, rows)
		r.debug("unit test %s: columns of %s %s", UnitTestLabel(r.res.Manifest, n), g.Input, how)
		sql, err := unittest.FixtureSQL(cols, rows, quote)
		if err != nil {
			return unitQueries{}, &unitError{g.Pos.String(), fmt.Sprintf("given %s: %v", g.Input, err)}
		}
		name := fmt.Sprintf("__dbt__fixture_%d_%s", i, strings.Trim(nonIdent.ReplaceAllString(g.Input, "_"), "_"))
		ctes[name] = sql
		order = append(order, name)
		if in.Kind == unittest.This {
			sub.This = name
		} else if target != "" {
			sub.Relations[target] = name
		}
	}
	modelSQL, err := r.res.CompileNodeWith(ctx, model, c, sub)
	if err != nil {
		return unitQueries{}, err
	}
	full := compiler.InjectCTEs(modelSQL, ctes, order)
	actCols, err := c.ColumnsOfQuery(ctx, full)
	if err != nil {
		return unitQueries{}, fmt.Errorf("model '%s' with the fixtures of unit test '%s' does not compile in the warehouse: %w", model.Name, n.Name, err)
	}
	exp := u.Expect
	rows, err := unittest.ReadRows(exp.Format, exp.Rows, exp.FixtureContent)
	if err != nil {
		return unitQueries{}, &unitError{exp.Pos.String(), err.Error()}
	}
	var expSQL string
	var names []string
	if rows.SQL != "" {
		expSQL = rows.SQL
		ec, err := c.ColumnsOfQuery(ctx, expSQL)
		if err != nil {
			return unitQueries{}, &unitError{exp.Pos.String(), "expect: " + err.Error()}
		}
		for _, col := range ec {
			names = append(names, col.Name)
		}
	} else {
		byName := map[string]adapters.Column{}
		var have []string
		for _, col := range actCols {
			byName[strings.ToLower(col.Name)] = col
			have = append(have, col.Name)
		}
		// Compare in the model's column order (YAML maps have none).
		given := map[string]bool{}
		for _, name := range rows.Columns {
			given[strings.ToLower(name)] = true
			if _, ok := byName[strings.ToLower(name)]; !ok {
				return unitQueries{}, &unitError{exp.Pos.String(), fmt.Sprintf("expect names column '%s', which model '%s' does not return (it returns: %s)", name, model.Name, strings.Join(have, ", "))}
			}
		}
		var ordered []string
		for _, col := range actCols {
			if given[strings.ToLower(col.Name)] {
				ordered = append(ordered, col.Name)
			}
		}
		typed := make([]unittest.Column, 0, len(rows.Columns))
		for _, name := range ordered {
			col, ok := byName[strings.ToLower(name)]
			if !ok {
				return unitQueries{}, &unitError{exp.Pos.String(), fmt.Sprintf("expect names column '%s', which model '%s' does not return (it returns: %s)", name, model.Name, strings.Join(have, ", "))}
			}
			for _, row := range rows.Data {
				if err := unittest.CheckValue(col.DataType, row[name]); err != nil {
					return unitQueries{}, &unitError{exp.Pos.String(), fmt.Sprintf("expect column '%s': %v", name, err)}
				}
			}
			typed = append(typed, unittest.Column{Name: col.Name, Type: col.DataType})
			names = append(names, col.Name)
		}
		if len(typed) == 0 { // expect: {rows: []} — compare the row count only
			for _, col := range actCols {
				typed = append(typed, unittest.Column{Name: col.Name, Type: col.DataType})
				names = append(names, col.Name)
			}
		}
		if expSQL, err = unittest.FixtureSQL(typed, rows, quote); err != nil {
			return unitQueries{}, &unitError{exp.Pos.String(), err.Error()}
		}
	}
	sel := make([]string, len(names))
	for i, nm := range names {
		sel[i] = quote(nm)
	}
	list := strings.Join(sel, ", ")
	return unitQueries{
		actual:   "select " + list + " from (\n" + strings.TrimSpace(full) + "\n) as dbt_internal_unit_test_actual",
		expected: "select " + list + " from (\n" + expSQL + "\n) as dbt_internal_unit_test_expected",
		columns:  names,
	}, nil
}

// inputColumns returns the unique_id the input replaces, its columns with
// types, and how they were learned (printed with --debug): see columnsOf.
// When nothing works, the fixture's own columns are used without types.
func (r *Runner) inputColumns(ctx context.Context, c adapters.Conn, model *manifest.Node, in unittest.Input, rows unittest.Rows) (string, []unittest.Column, string) {
	m := r.res.Manifest
	target := ""
	switch in.Kind {
	case unittest.This:
		target = model.UniqueID
	case unittest.Ref:
		for _, id := range model.DependsOn.Nodes {
			if t := m.Nodes[id]; t != nil && t.Name == in.Name && (in.Package == "" || t.PackageName == in.Package) {
				target = id
			}
		}
	case unittest.Source:
		for _, id := range model.DependsOn.Nodes {
			if s := m.Sources[id]; s != nil && s.SourceName == in.SourceName && s.Name == in.Table {
				target = id
			}
		}
	}
	cols, how, err := r.columnsOf(ctx, c, target, map[string]bool{})
	if err == nil {
		if in.Kind == unittest.This {
			target = ""
		}
		return target, cols, how
	}
	var out []unittest.Column
	for _, name := range rows.Columns {
		out = append(out, unittest.Column{Name: name})
	}
	r.p.Line("Warning: unit test input %s: could not learn its column types (%v); using the fixture's columns without types", in, err)
	if in.Kind == unittest.This {
		target = ""
	}
	return target, out, "from the fixture rows, untyped"
}

// columnsOf learns the columns of a node or source: from its relation when
// it exists; for a seed, from its CSV file as a seed load would type it; for
// a source, from its YAML data_types; for a model, by describing its SQL
// rendered with every input replaced by an empty relation of that input's
// columns (learned the same way, recursively), so nothing upstream has to
// be built first.
func (r *Runner) columnsOf(ctx context.Context, c adapters.Conn, id string, seen map[string]bool) ([]unittest.Column, string, error) {
	if seen[id] {
		return nil, "", fmt.Errorf("%s depends on itself", id)
	}
	seen[id] = true
	defer delete(seen, id)
	m := r.res.Manifest
	var rel *adapters.Relation
	n := m.Nodes[id]
	src := m.Sources[id]
	switch {
	case src != nil:
		rel = &adapters.Relation{Database: src.Database, Schema: src.Schema, Identifier: src.Identifier}
	case n != nil && n.Config.Materialized() != "ephemeral":
		rr := r.res.Relation(n)
		rel = &rr
	case n == nil:
		return nil, "", fmt.Errorf("unknown input %s", id)
	}
	if rel != nil {
		if got, err := c.GetRelation(ctx, rel.Database, rel.Schema, rel.Identifier); err == nil && got != nil {
			if cols, err := c.Columns(ctx, *got); err == nil && len(cols) > 0 {
				return typedColumns(cols), "from the relation " + relSQL(c, *got), nil
			}
		}
	}
	if src != nil {
		var out []unittest.Column
		for _, name := range src.ColumnOrder {
			col := src.Columns[name]
			if col == nil || col.DataType == nil || *col.DataType == "" {
				return nil, "", fmt.Errorf("source %s.%s does not exist and its YAML columns have no data_type", src.SourceName, src.Name)
			}
			out = append(out, unittest.Column{Name: name, Type: *col.DataType})
		}
		if len(out) == 0 {
			return nil, "", fmt.Errorf("source %s.%s does not exist and has no YAML columns", src.SourceName, src.Name)
		}
		return out, "from the data_type of its YAML columns (" + relSQL(c, *rel) + " does not exist)", nil
	}
	switch n.ResourceType {
	case manifest.Seed:
		colTypes := map[string]string{}
		if ct, ok := n.Config["column_types"].(map[string]any); ok {
			for k, v := range ct {
				colTypes[k] = fmt.Sprint(v)
			}
		}
		b, err := os.ReadFile(n.AbsPath)
		if err != nil {
			return nil, "", err
		}
		cols, err := unittest.InferCSV(string(b), colTypes)
		if err != nil {
			return nil, "", fmt.Errorf("seed %s: %v", n.Name, err)
		}
		return cols, "from the seed file " + n.OriginalFilePath + " (not loaded yet; typed as a seed load would)", nil
	case manifest.Model, manifest.Snapshot:
	default:
		return nil, "", fmt.Errorf("cannot learn the columns of %s", id)
	}
	sub := &compiler.Substitution{Relations: map[string]string{}}
	ctes := map[string]string{}
	var order []string
	for i, dep := range n.DependsOn.Nodes {
		cols, _, err := r.columnsOf(ctx, c, dep, seen)
		if err != nil {
			return nil, "", err
		}
		sql, err := unittest.FixtureSQL(cols, unittest.Rows{}, c.Dialect().Quote)
		if err != nil {
			return nil, "", err
		}
		name := fmt.Sprintf("__dbt__empty_%d", i)
		ctes[name] = sql
		order = append(order, name)
		sub.Relations[dep] = name
	}
	sql, err := r.res.CompileNodeWith(ctx, n, c, sub)
	if err != nil {
		return nil, "", err
	}
	cols, err := c.ColumnsOfQuery(ctx, compiler.InjectCTEs(sql, ctes, order))
	if err != nil {
		return nil, "", fmt.Errorf("describing model %s: %v", n.Name, firstLine(err.Error()))
	}
	return typedColumns(cols), "from compiling model " + n.Name + " (its relation does not exist yet)", nil
}

func typedColumns(cols []adapters.Column) []unittest.Column {
	out := make([]unittest.Column, len(cols))
	for i, c := range cols {
		out[i] = unittest.Column{Name: c.Name, Type: c.DataType}
	}
	return out
}

// writeUnitSQL writes target/<kind>/<pkg>/<yaml path>/<model>/<test>.sql.
func (r *Runner) writeUnitSQL(kind string, n *manifest.Node, sql string) string {
	rel := filepath.Join(kind, n.PackageName, filepath.FromSlash(n.OriginalFilePath), n.UnitTest.Model, n.Name+n.UnitTest.VersionSuffix+".sql")
	if r.opts.TargetDir == "" {
		return filepath.ToSlash(filepath.Join("target", rel))
	}
	full := filepath.Join(r.opts.TargetDir, rel)
	r.noteWrite(WriteSQLFile(full, sql))
	return filepath.ToSlash(filepath.Join(filepath.Base(r.opts.TargetDir), rel))
}

func (r *Runner) debug(format string, args ...any) {
	if r.opts.Debug {
		r.p.Line(format, args...)
	}
}

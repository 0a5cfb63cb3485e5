package jinja

import (
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/adapters"
)

// agate.Table's methods that packages call on run_query() results: each
// returns a new table, as agate's do.

func (t *Table) pyType() string { return "Table" }

func (t *Table) data() *adapters.Table {
	if t.T == nil {
		return &adapters.Table{}
	}
	return t.T
}

// colIndex finds a column by name or position.
func (t *Table) colIndex(key any) (int, error) {
	d := t.data()
	switch k := key.(type) {
	case int:
		if k < 0 {
			k += len(d.Columns)
		}
		if k >= 0 && k < len(d.Columns) {
			return k, nil
		}
	case string:
		for i, n := range d.Columns {
			if n == k {
				return i, nil
			}
		}
	}
	return 0, errorf("KeyError: %s (the table's columns are %s)", repr(key), repr(t.colNames()))
}

func (t *Table) colIndexes(v any) ([]int, error) {
	if s, ok := v.(string); ok {
		i, err := t.colIndex(s)
		return []int{i}, err
	}
	keys, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(keys))
	for i, k := range keys {
		if out[i], err = t.colIndex(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// project builds a table with the given columns and rows.
func (t *Table) project(cols []int, rows [][]any) *Table {
	d := t.data()
	out := &adapters.Table{Rows: make([][]any, len(rows))}
	for _, c := range cols {
		out.Columns = append(out.Columns, d.Columns[c])
		if c < len(d.Types) {
			out.Types = append(out.Types, d.Types[c])
		}
	}
	for i, r := range rows {
		nr := make([]any, len(cols))
		for j, c := range cols {
			if c < len(r) {
				nr[j] = r[c]
			}
		}
		out.Rows[i] = nr
	}
	return &Table{T: out}
}

func (t *Table) allCols() []int {
	out := make([]int, len(t.data().Columns))
	for i := range out {
		out[i] = i
	}
	return out
}

func (t *Table) method(name string) (any, bool) {
	d := t.data()
	m := func(f func(r *renderer, a *callArgs) (any, error)) (any, bool) { return fn(name, f), true }
	switch name {
	case "select":
		return m(func(_ *renderer, a *callArgs) (any, error) {
			cols, err := t.colIndexes(a.argOr(0, "key", nil))
			if err != nil {
				return nil, err
			}
			return t.project(cols, d.Rows), nil
		})
	case "exclude":
		return m(func(_ *renderer, a *callArgs) (any, error) {
			drop, err := t.colIndexes(a.argOr(0, "key", nil))
			if err != nil {
				return nil, err
			}
			var keep []int
			for _, c := range t.allCols() {
				if !containsInt(drop, c) {
					keep = append(keep, c)
				}
			}
			return t.project(keep, d.Rows), nil
		})
	case "rename":
		return m(func(_ *renderer, a *callArgs) (any, error) {
			out := t.project(t.allCols(), d.Rows)
			switch names := a.argOr(0, "column_names", nil).(type) {
			case nil:
			case *Dict, map[string]any:
				mp, _ := asMapping(names)
				for i, c := range out.T.Columns {
					if v, ok := mapGet(mp, c); ok {
						out.T.Columns[i] = toStr(v)
					}
				}
			default:
				items, err := iterate(names)
				if err != nil {
					return nil, err
				}
				if len(items) != len(out.T.Columns) {
					return nil, errorf("rename: %d names for %d columns", len(items), len(out.T.Columns))
				}
				for i, v := range items {
					out.T.Columns[i] = toStr(v)
				}
			}
			return out, nil
		})
	case "where":
		return m(func(r *renderer, a *callArgs) (any, error) {
			test := a.argOr(0, "test", nil)
			var rows [][]any
			for i, row := range t.rows() {
				ok, err := r.callValue(test, &callArgs{pos: []any{row}})
				if err != nil {
					return nil, err
				}
				if truthy(ok) {
					rows = append(rows, d.Rows[i])
				}
			}
			return t.project(t.allCols(), rows), nil
		})
	case "order_by":
		return m(func(r *renderer, a *callArgs) (any, error) {
			key := a.argOr(0, "key", nil)
			reverse := truthy(a.argOr(1, "reverse", false))
			rows := t.rows()
			keys := make([]any, len(rows))
			for i, row := range rows {
				k, err := t.rowKey(r, row.(*Row), key)
				if err != nil {
					return nil, err
				}
				keys[i] = k
			}
			idx := make([]int, len(rows))
			for i := range idx {
				idx[i] = i
			}
			var sortErr error
			sort.SliceStable(idx, func(i, j int) bool {
				// agate sorts None first
				ki, kj := keys[idx[i]], keys[idx[j]]
				if ki == nil || kj == nil {
					if reverse {
						return kj == nil && ki != nil
					}
					return ki == nil && kj != nil
				}
				c, err := compare(ki, kj)
				if err != nil {
					sortErr = err
				}
				if reverse {
					return c > 0
				}
				return c < 0
			})
			if sortErr != nil {
				return nil, sortErr
			}
			out := make([][]any, len(idx))
			for i, j := range idx {
				out[i] = d.Rows[j]
			}
			return t.project(t.allCols(), out), nil
		})
	case "limit":
		return m(func(_ *renderer, a *callArgs) (any, error) {
			n := len(d.Rows)
			start, stop, step := 0, n, 1
			first, hasFirst := a.arg(0, "start_or_stop")
			second, hasSecond := a.arg(1, "stop")
			switch {
			case hasFirst && hasSecond:
				start, _ = toInt(first)
				if second != nil {
					stop, _ = toInt(second)
				}
			case hasFirst && first != nil:
				stop, _ = toInt(first)
			}
			if s, ok := a.arg(2, "step"); ok && s != nil {
				step, _ = toInt(s)
			}
			var rows [][]any
			for _, i := range sliceIndices(n, start, stop, step, true, true) {
				rows = append(rows, d.Rows[i])
			}
			return t.project(t.allCols(), rows), nil
		})
	case "distinct":
		return m(func(r *renderer, a *callArgs) (any, error) {
			key := a.argOr(0, "key", nil)
			seen := newSet(nil)
			var rows [][]any
			for i, row := range t.rows() {
				var k any
				if key == nil {
					k = newTuple(row.(*Row).vals...)
				} else {
					var err error
					if k, err = t.rowKey(r, row.(*Row), key); err != nil {
						return nil, err
					}
				}
				if seen.has(k) {
					continue
				}
				seen.add(k)
				rows = append(rows, d.Rows[i])
			}
			return t.project(t.allCols(), rows), nil
		})
	case "print_structure":
		return m(func(r *renderer, a *callArgs) (any, error) {
			var b strings.Builder
			b.WriteString("| column | data_type |\n| ------ | --------- |\n")
			for i, c := range d.Columns {
				ty := ""
				if i < len(d.Types) {
					ty = d.Types[i]
				}
				b.WriteString("| " + c + " | " + ty + " |\n")
			}
			if res := r.st.ctx.Resolver; res != nil {
				res.Log(strings.TrimRight(b.String(), "\n"), true)
			}
			return nil, nil
		})
	case "row_names":
		return nil, true
	}
	return nil, false
}

// rowKey is agate's key argument: a column name, a list of names, or a
// function of the row.
func (t *Table) rowKey(r *renderer, row *Row, key any) (any, error) {
	switch k := key.(type) {
	case string, int:
		i, err := t.colIndex(k)
		if err != nil {
			return nil, err
		}
		return row.vals[i], nil
	case *List:
		parts := make([]any, len(k.Items))
		for j, name := range k.Items {
			i, err := t.colIndex(name)
			if err != nil {
				return nil, err
			}
			parts[j] = row.vals[i]
		}
		return newTuple(parts...), nil
	case nil:
		return newTuple(row.vals...), nil
	}
	return r.callValue(key, &callArgs{pos: []any{row}})
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// rowItems are a row's (column, value) pairs: dict(row) and row.items().
func (r *Row) rowItems() []any {
	var out []any
	for i, n := range r.t.data().Columns {
		if i < len(r.vals) {
			out = append(out, newTuple(n, r.vals[i]))
		}
	}
	return out
}

func (r *Row) pyType() string { return "Row" }

package unittest

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Null is how a NULL cell is shown.
const Null = "NULL"

// FormatValue renders a database value for comparison and display. Both
// sides of a comparison come from the warehouse with the same column types,
// so equal values format equally.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return Null
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case *big.Int:
		return x.String()
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 && x.Location() == time.UTC {
			return x.Format("2006-01-02")
		}
		if x.Location() == time.UTC {
			return x.Format("2006-01-02 15:04:05.999999")
		}
		return x.Format("2006-01-02 15:04:05.999999-07:00")
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Diff is the comparison of expected and actual rows.
type Diff struct {
	Columns  []string
	Equal    bool
	Expected int // row counts
	Actual   int
	lines    []diffLine
}

type diffLine struct {
	mark  string // " ", "→", "-", "+"
	cells []string
	bad   []bool // cells that differ (→ rows)
	key   string
}

// Compare compares row sets, ignoring order. Rows are already projected to
// columns (same order on both sides).
func Compare(columns []string, expected, actual [][]any) *Diff {
	d := &Diff{Columns: columns, Expected: len(expected), Actual: len(actual)}
	fmtRows := func(rows [][]any) [][]string {
		out := make([][]string, len(rows))
		for i, r := range rows {
			out[i] = make([]string, len(r))
			for j, v := range r {
				out[i][j] = FormatValue(v)
			}
		}
		return out
	}
	exp, act := fmtRows(expected), fmtRows(actual)
	key := func(r []string) string { return strings.Join(r, "\x00") }
	// Match identical rows first (a multiset intersection).
	pool := map[string][]int{}
	for i, r := range act {
		pool[key(r)] = append(pool[key(r)], i)
	}
	usedAct := make([]bool, len(act))
	var leftExp [][]string
	for _, r := range exp {
		k := key(r)
		if l := pool[k]; len(l) > 0 {
			usedAct[l[0]] = true
			pool[k] = l[1:]
			d.lines = append(d.lines, diffLine{mark: " ", cells: r, key: k})
			continue
		}
		leftExp = append(leftExp, r)
	}
	var leftAct [][]string
	for i, r := range act {
		if !usedAct[i] {
			leftAct = append(leftAct, r)
		}
	}
	d.Equal = len(leftExp) == 0 && len(leftAct) == 0
	// Pair what is left by the first column (usually the key): those rows
	// changed; the rest are missing or extra.
	takenAct := make([]bool, len(leftAct))
	for _, e := range leftExp {
		paired := false
		for j, a := range leftAct {
			if takenAct[j] || len(e) == 0 || e[0] != a[0] {
				continue
			}
			takenAct[j] = true
			paired = true
			cells := make([]string, len(e))
			bad := make([]bool, len(e))
			for c := range e {
				cells[c] = e[c]
				if e[c] != a[c] {
					cells[c] = e[c] + " → " + a[c]
					bad[c] = true
				}
			}
			d.lines = append(d.lines, diffLine{mark: "→", cells: cells, bad: bad, key: key(e)})
			break
		}
		if !paired {
			d.lines = append(d.lines, diffLine{mark: "-", cells: e, key: key(e)})
		}
	}
	for j, a := range leftAct {
		if !takenAct[j] {
			d.lines = append(d.lines, diffLine{mark: "+", cells: a, key: key(a)})
		}
	}
	sort.SliceStable(d.lines, func(i, j int) bool {
		if d.lines[i].key != d.lines[j].key {
			return d.lines[i].key < d.lines[j].key
		}
		return d.lines[i].mark < d.lines[j].mark
	})
	return d
}

// String renders the diff as an aligned table:
//
//	  | id | total
//	  | 1  | 10
//	→ | 2  | 20 → 25
//	- | 3  | 30
//	+ | 4  | 40
func (d *Diff) String() string {
	widths := make([]int, len(d.Columns))
	for i, c := range d.Columns {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, l := range d.lines {
		for i, c := range l.cells {
			if n := utf8.RuneCountInString(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	row := func(mark string, cells []string) {
		b.WriteString(mark)
		b.WriteString(" |")
		for i, c := range cells {
			b.WriteString(" ")
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	row(" ", d.Columns)
	sep := make([]string, len(d.Columns))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	b.WriteString("--+")
	for i, s := range sep {
		b.WriteString("-" + s + "-")
		if i < len(sep)-1 {
			b.WriteString("+")
		}
	}
	b.WriteString("\n")
	for _, l := range d.lines {
		row(l.mark, l.cells)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Summary is a one-line description of what differs.
func (d *Diff) Summary() string {
	var changed, missing, extra int
	for _, l := range d.lines {
		switch l.mark {
		case "→":
			changed++
		case "-":
			missing++
		case "+":
			extra++
		}
	}
	var parts []string
	if changed > 0 {
		parts = append(parts, fmt.Sprintf("%d changed", changed))
	}
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing", missing))
	}
	if extra > 0 {
		parts = append(parts, fmt.Sprintf("%d unexpected", extra))
	}
	return fmt.Sprintf("actual differs from expected (%d expected rows, %d actual: %s)", d.Expected, d.Actual, strings.Join(parts, ", "))
}

// Legend explains the row marks.
const Legend = "→ row differs (cells: expected → actual)   - expected row missing   + unexpected row"

package cli

// kiln show: compile a node (or --inline SQL), run it with a row limit and
// print a preview table (or JSON).

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

type showFlags struct {
	commonFlags
	inline string
	limit  int
	output string
}

func newShowCmd(e *env) *cobra.Command {
	f := &showFlags{}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Preview the rows of a model or of ad hoc SQL (--inline)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runShow(cmd, e, f) },
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	fl.StringVar(&f.inline, "inline", "", "SQL (with Jinja) to preview instead of a project node, e.g. --inline \"select * from {{ ref('orders') }}\"")
	fl.IntVar(&f.limit, "limit", 5, "rows to show (a negative number shows all)")
	fl.StringVarP(&f.output, "output", "o", "text", "text or json")
	return cmd
}

func runShow(cmd *cobra.Command, e *env, f *showFlags) error {
	ctx := cmd.Context()
	if f.output != "text" && f.output != "json" {
		return exitWith(ExitUsage, fmt.Errorf("--output must be text or json (got %q)", f.output))
	}
	if f.inline == "" && len(f.selects) == 0 && f.selectorName == "" {
		return exitWith(ExitUsage, fmt.Errorf("kiln show needs --select NODE or --inline \"SQL\""))
	}
	if f.inline != "" && len(f.selects) > 0 {
		return exitWith(ExitUsage, fmt.Errorf("--inline and --select cannot be combined"))
	}
	// Previewing a model should not preview its tests too.
	if !cmd.Flags().Changed("indirect-selection") {
		f.indirect = "empty"
	}
	s, err := e.load(ctx, &f.commonFlags, "show")
	if err != nil {
		return err
	}
	if err := s.writeManifest(); err != nil {
		return writingManifest(err)
	}
	var nodes []*manifest.Node
	var selected []string
	if f.inline != "" {
		n, err := s.res.InlineNode(ctx, f.inline)
		if err != nil {
			return exitWith(ExitUsage, err)
		}
		nodes = append(nodes, n)
	} else {
		if selected, err = s.selectNodes([]string{manifest.Model, manifest.Seed, manifest.Snapshot, manifest.Analysis, manifest.Test}); err != nil {
			return exitWith(ExitUsage, err)
		}
		for _, id := range selected {
			nodes = append(nodes, s.res.Manifest.Nodes[id])
		}
		if len(nodes) == 0 {
			return exitWith(ExitUsage, fmt.Errorf("the selection matched no model, seed, snapshot, analysis or test"))
		}
	}
	db, err := s.openDB(ctx, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	if s.res.Defer, err = s.deferRelations(ctx, db, selected); err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--defer: %v", err))
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	defer conn.Close()
	for _, n := range nodes {
		start := time.Now()
		var sql string
		if n.ResourceType == manifest.Seed {
			sql = "select * from " + s.res.Relation(n).RenderWith(conn.Dialect().Quote)
		} else if sql, err = s.res.CompileNode(ctx, n, conn); err != nil {
			e.errLine(err.Error())
			return exitWith(ExitFailure, nil)
		}
		query := sql
		if f.limit >= 0 {
			query = fmt.Sprintf("select * from (\n%s\n) as model_limit_subq\nlimit %d", adapters.TrimStatement(sql), f.limit)
		}
		tbl, _, err := conn.Query(ctx, query, 0)
		if err != nil {
			return exitWith(ExitFailure, fmt.Errorf("Database Error in %s %s (%s)\n  %v", n.ResourceType, n.Name, n.Shown(), err))
		}
		name := n.Name
		if f.inline != "" {
			name = "inline_query"
		}
		if f.output == "json" {
			rows := make([]map[string]any, len(tbl.Rows))
			for i, r := range tbl.Rows {
				rows[i] = map[string]any{}
				for j, c := range tbl.Columns {
					rows[i][c] = jsonValue(r[j])
				}
			}
			_ = manifest.WriteJSON(e.stdout, map[string]any{"node": name, "show": rows})
			continue
		}
		s.p.Line("Finished running node %s in %.2fs.", name, time.Since(start).Seconds())
		if f.inline != "" {
			s.p.Line("Previewing inline node:")
		} else {
			s.p.Line("Previewing node '%s':", n.Name)
		}
		printTable(e.stdout, tbl)
	}
	return nil
}

// jsonValue makes database values JSON-friendly.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.Format("2006-01-02T15:04:05.999999999Z07:00")
	case []byte:
		return string(x)
	case *big.Int:
		return x.String()
	case fmt.Stringer:
		if _, err := json.Marshal(v); err != nil {
			return x.String()
		}
	}
	if _, err := json.Marshal(v); err != nil {
		return fmt.Sprint(v)
	}
	return v
}

// cellText renders one value as the preview shows it.
func cellText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02"), false
		}
		return x.Format("2006-01-02 15:04:05.999999"), false
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, *big.Int:
		return fmt.Sprint(x), true
	case []byte:
		return string(x), false
	case bool:
		if x {
			return "True", false
		}
		return "False", false
	}
	return fmt.Sprint(v), false
}

// printTable prints a Markdown-style table; numbers are right-aligned.
func printTable(w io.Writer, t *adapters.Table) {
	cols := len(t.Columns)
	width := make([]int, cols)
	for i, c := range t.Columns {
		width[i] = max(len([]rune(c)), 1)
	}
	cells := make([][]string, len(t.Rows))
	numeric := make([]bool, cols)
	for i := range numeric {
		numeric[i] = true
	}
	for i, r := range t.Rows {
		cells[i] = make([]string, cols)
		for j := 0; j < cols && j < len(r); j++ {
			s, num := cellText(r[j])
			if r[j] != nil && !num {
				numeric[j] = false
			}
			cells[i][j] = s
			width[j] = max(width[j], len([]rune(s)))
		}
	}
	line := func(vals []string, right bool) {
		var b strings.Builder
		b.WriteString("|")
		for j, v := range vals {
			pad := strings.Repeat(" ", width[j]-len([]rune(v)))
			if right && numeric[j] {
				b.WriteString(" " + pad + v + " |")
			} else {
				b.WriteString(" " + v + pad + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(t.Columns, false)
	sep := make([]string, cols)
	for j := range sep {
		sep[j] = strings.Repeat("-", width[j])
	}
	line(sep, false)
	for _, r := range cells {
		line(r, len(t.Rows) > 0)
	}
}

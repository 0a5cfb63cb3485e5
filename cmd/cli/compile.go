package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/report"
	"github.com/kiln-dev/kiln/internal/run"
)

type compileFlags struct {
	commonFlags
	inline string
	output string
}

func newCompileCmd(e *env) *cobra.Command {
	f := &compileFlags{}
	cmd := &cobra.Command{
		Use:   "compile",
		Short: "Render models, analyses and tests to SQL under target/compiled (prints one selected node)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runCompile(cmd, e, f) },
	}
	f.register(cmd, true)
	cmd.Flags().IntVar(&f.threads, "threads", 0, "parallel workers (default: the profile's threads)")
	f.registerEmpty(cmd)
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "how to print a compiled node: text, or json ({\"node\": name, \"compiled\": sql})")
	cmd.Flags().StringVar(&f.inline, "inline", "", "compile this SQL instead of project nodes, e.g. --inline \"select * from {{ ref('orders') }}\"")
	return cmd
}

func runCompile(cmd *cobra.Command, e *env, f *compileFlags) error {
	ctx := cmd.Context()
	s, err := e.load(ctx, &f.commonFlags, "compile")
	if err != nil {
		return err
	}
	// The warehouse is opened only if a node's Jinja queries it (run_query,
	// adapter.get_relation, is_incremental(), --defer).
	db := s.openLazy(ctx, 1)
	defer db.Close()
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	if f.output != "text" && f.output != "json" {
		return exitWith(ExitUsage, fmt.Errorf("--output must be text or json, not '%s'", f.output))
	}
	if f.inline != "" {
		n, err := s.res.InlineNode(ctx, f.inline)
		if err != nil {
			return exitWith(ExitUsage, err)
		}
		sql, err := s.res.CompileNode(ctx, n, conn)
		if err != nil {
			if oerr := db.OpenErr(); oerr != nil {
				return oerr
			}
			return exitWith(ExitFailure, err)
		}
		s.compiledNode("inline_query", "", sql, true, f.output)
		return nil
	}
	ids, err := s.selectNodes([]string{manifest.Model, manifest.Analysis, manifest.Test, manifest.Snapshot, manifest.Seed})
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if s.res.Defer, err = s.deferRelations(ctx, db, ids); err != nil {
		if oerr := db.OpenErr(); oerr != nil {
			return oerr
		}
		return exitWith(ExitUsage, fmt.Errorf("--defer: %v", err))
	}
	s.found()
	hooks := compiledHooks(s, &f.commonFlags)
	s.concurrencyLine(len(ids) + len(hooks))
	order, err := s.res.Graph.TopoSort()
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	sel := map[string]bool{}
	for _, id := range ids {
		sel[id] = true
	}
	failed := 0
	var werr error // the first file under target/ that could not be written
	var printed []*manifest.Node
	var results compileResults
	const thread = "Thread-1 (worker)" // nodes compile one after another
	for _, n := range hooks {
		start := time.Now()
		sql, err := run.CompileHook(ctx, s.res, n, conn)
		results.add(n, thread, start, time.Now(), sql, err)
		if err != nil {
			failed++
			e.errLine(err.Error())
		}
	}
	for _, id := range order {
		if !sel[id] {
			continue
		}
		n := s.res.Manifest.Nodes[id]
		start := time.Now()
		if n.ResourceType == manifest.Seed {
			// A seed has nothing to render; dbt lists it as compiled.
			results.add(n, thread, start, time.Now(), "", nil)
			continue
		}
		sql, err := s.res.CompileNode(ctx, n, conn)
		results.add(n, thread, start, time.Now(), sql, err)
		if err != nil {
			if oerr := db.OpenErr(); oerr != nil {
				return oerr // a locked or unreachable target, as if opened up front
			}
			failed++
			e.errLine(err.Error())
			continue
		}
		if err := writeCompiled(s.targetDir, n, sql); err != nil && werr == nil {
			werr = err
		}
		if len(f.selects) > 0 && nameInSelect(n, f.selects[0]) {
			printed = append(printed, n)
		}
	}
	if err := s.writeManifest(); err != nil && werr == nil {
		werr = fmt.Errorf("writing manifest.json: %w", err)
	}
	// dbt's compile stops at the first node that fails, writes no
	// run_results.json and exits 2 (an error that stopped it, not a failed
	// node); kiln compiles the rest (every error is shown), then exits as
	// dbt does and, like dbt, leaves run_results.json alone.
	if failed == 0 {
		if err := results.write(s, "compile"); err != nil && werr == nil {
			werr = fmt.Errorf("writing run_results.json: %w", err)
		}
	}
	for _, n := range printed {
		s.compiledNode(n.Name, n.UniqueID, n.CompiledCode, false, f.output)
	}
	if failed > 0 {
		return exitWith(ExitUsage, fmt.Errorf("%d node%s failed to compile", failed, pl(failed)))
	}
	if werr != nil {
		return exitWith(ExitUsage, artifactErr(werr, false))
	}
	return nil
}

func nameInSelect(n *manifest.Node, sel string) bool {
	for _, w := range strings.Fields(sel) {
		w = strings.Trim(w, "+@")
		if w == n.Name {
			return true
		}
	}
	return false
}

func writeCompiled(targetDir string, n *manifest.Node, sql string) error {
	rel := filepath.Join("compiled", n.PackageName, filepath.FromSlash(n.OriginalFilePath))
	if n.TestMetadata != nil {
		rel = filepath.Join(rel, n.Alias+".sql")
	}
	return run.WriteSQLFile(filepath.Join(targetDir, rel), sql)
}

// compiledNode prints a compiled node as dbt does (CompiledNode Q042): a
// heading and the SQL, or with --output json {"node": ..., "compiled": ...}.
// In JSON logs the SQL travels in the event's data.
func (s *session) compiledNode(name, id, sql string, inline bool, output string) {
	data := map[string]any{"node_name": name, "compiled": sql, "is_inline": inline, "output_format": output, "unique_id": id, "quiet": false}
	if s.e.format == report.FormatJSON {
		s.p.Event("CompiledNode", "Q042", "info", "Compiled node '"+name+"' is:\n"+sql, data)
		return
	}
	if output == "json" {
		b, _ := json.MarshalIndent(map[string]string{"node": name, "compiled": sql}, "", "  ")
		fmt.Fprintln(s.e.stdout, string(b))
		return
	}
	if inline {
		s.p.Line("Compiled inline node is:")
	} else {
		s.p.Line("Compiled node '%s' is:", name)
	}
	fmt.Fprintln(s.e.stdout, sql)
}

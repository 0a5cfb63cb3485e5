package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/secret"
)

type compileFlags struct {
	commonFlags
	inline string
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
	cmd.Flags().StringVar(&f.inline, "inline", "", "compile this SQL instead of project nodes, e.g. --inline \"select * from {{ ref('orders') }}\"")
	return cmd
}

func runCompile(cmd *cobra.Command, e *env, f *compileFlags) error {
	ctx := cmd.Context()
	s, err := e.load(ctx, &f.commonFlags, "compile")
	if err != nil {
		return err
	}
	conn, db, closeConn, err := s.openConn(ctx)
	if err != nil {
		return err
	}
	defer closeConn()
	if f.inline != "" {
		n, err := s.res.InlineNode(ctx, f.inline)
		if err != nil {
			return exitWith(ExitUsage, err)
		}
		sql, err := s.res.CompileNode(ctx, n, conn)
		if err != nil {
			return exitWith(ExitFailure, err)
		}
		s.p.Line("Compiled inline node is:")
		fmt.Fprintln(e.stdout, sql)
		return nil
	}
	ids, err := s.selectNodes([]string{manifest.Model, manifest.Analysis, manifest.Test, manifest.Snapshot})
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	if s.res.Defer, err = s.deferRelations(ctx, db, ids); err != nil {
		return exitWith(ExitUsage, fmt.Errorf("--defer: %v", err))
	}
	s.found()
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
	for _, id := range order {
		if !sel[id] {
			continue
		}
		n := s.res.Manifest.Nodes[id]
		sql, err := s.res.CompileNode(ctx, n, conn)
		if err != nil {
			failed++
			fmt.Fprintln(e.stderr, err)
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
	for _, n := range printed {
		s.p.Line("Compiled node '%s' is:", n.Name)
		fmt.Fprintln(e.stdout, n.CompiledCode)
	}
	if failed > 0 {
		return exitWith(ExitFailure, fmt.Errorf("%d node%s failed to compile", failed, pl(failed)))
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
	full := filepath.Join(targetDir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	return os.WriteFile(full, []byte(secret.Scrub(sql)), 0o644)
}

package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

type lsFlags struct {
	commonFlags
	output string
}

func newLsCmd(e *env) *cobra.Command {
	f := &lsFlags{}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the selected resources (no warehouse connection needed)",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runLs(cmd, e, f) },
	}
	f.register(cmd, true)
	cmd.Flags().StringVarP(&f.output, "output", "o", "selector", "output format: selector, name, path or json")
	return cmd
}

func runLs(cmd *cobra.Command, e *env, f *lsFlags) error {
	f.quiet = true
	s, err := e.load(cmd.Context(), &f.commonFlags, "list")
	if err != nil {
		return err
	}
	_ = s.writeManifestIfChanged()
	ids, err := s.selectNodes(nil)
	if err != nil {
		return exitWith(ExitUsage, err)
	}
	m := s.res.Manifest
	for _, id := range ids {
		var line string
		switch f.output {
		case "name":
			line = lsName(m, id)
		case "path":
			line = lsPath(m, id)
		case "json":
			b, _ := json.Marshal(lsJSON(m, id))
			line = string(b)
		case "selector", "":
			line = lsSelector(m, id)
		default:
			return exitWith(ExitUsage, fmt.Errorf("--output must be one of selector, name, path, json (got %q)", f.output))
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}

func lsName(m *manifest.Manifest, id string) string {
	if n := m.Nodes[id]; n != nil {
		return n.Name
	}
	if s := m.Sources[id]; s != nil {
		return s.SourceName + "." + s.Name
	}
	if x := m.Exposures[id]; x != nil {
		return x.Name
	}
	return id
}

func lsPath(m *manifest.Manifest, id string) string {
	if n := m.Nodes[id]; n != nil {
		return n.OriginalFilePath
	}
	if s := m.Sources[id]; s != nil {
		return s.OriginalFilePath
	}
	if x := m.Exposures[id]; x != nil {
		return x.OriginalFilePath
	}
	return id
}

func lsSelector(m *manifest.Manifest, id string) string {
	if n := m.Nodes[id]; n != nil {
		return strings.Join(n.FQN, ".")
	}
	if s := m.Sources[id]; s != nil {
		return "source:" + strings.Join(s.FQN, ".")
	}
	if x := m.Exposures[id]; x != nil {
		return "exposure:" + strings.Join(x.FQN, ".")
	}
	return id
}

func lsJSON(m *manifest.Manifest, id string) map[string]any {
	if n := m.Nodes[id]; n != nil {
		out := map[string]any{
			"name": n.Name, "resource_type": n.ResourceType, "package_name": n.PackageName,
			"original_file_path": n.OriginalFilePath, "unique_id": id, "alias": n.Alias,
			"config": n.Config, "tags": nonNil(n.Tags), "depends_on": map[string]any{"nodes": nonNil(n.DependsOn.Nodes), "macros": nonNil(n.DependsOn.Macros)},
		}
		return out
	}
	if s := m.Sources[id]; s != nil {
		return map[string]any{"name": s.Name, "source_name": s.SourceName, "resource_type": "source", "package_name": s.PackageName,
			"original_file_path": s.OriginalFilePath, "unique_id": id, "config": s.Config, "tags": nonNil(s.Tags)}
	}
	if x := m.Exposures[id]; x != nil {
		return map[string]any{"name": x.Name, "resource_type": "exposure", "package_name": x.PackageName,
			"original_file_path": x.OriginalFilePath, "unique_id": id, "tags": nonNil(x.Tags)}
	}
	return map[string]any{"unique_id": id}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

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
	output     string
	outputKeys []string
}

func newLsCmd(e *env) *cobra.Command {
	f := &lsFlags{}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the selected resources (no warehouse connection needed)",
		// dbt's --output-keys takes several space-separated words
		// (--output-keys name resource_type): they arrive as arguments.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && !cmd.Flags().Changed("output-keys") {
				return fmt.Errorf("unexpected argument %q (select nodes with --select)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f.outputKeys = append(f.outputKeys, args...)
			return runLs(cmd, e, f)
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVarP(&f.output, "output", "o", "selector", "output format: selector, name, path or json")
	cmd.Flags().StringSliceVar(&f.outputKeys, "output-keys", nil, "with --output json, the node properties to print (dotted for nested, e.g. config.materialized)")
	return cmd
}

// lsDefaultTypes are the resource types ls prints without --resource-type:
// every kind but analyses (and hook operations, which are never listed).
var lsDefaultTypes = []string{manifest.Model, manifest.Seed, manifest.Snapshot, manifest.Test, manifest.UnitTest,
	manifest.Source, manifest.Exposure, manifest.Metric, manifest.SemanticModel, manifest.SavedQuery, "function"}

func runLs(cmd *cobra.Command, e *env, f *lsFlags) error {
	f.quiet = true // the lines are the output; JSON logs keep their events
	s, err := e.load(cmd.Context(), &f.commonFlags, "list")
	if err != nil {
		return err
	}
	if err := s.writeManifestIfChanged(); err != nil {
		return writingManifest(err)
	}
	var types []string
	if len(f.resourceTypes) == 0 {
		// dbt's ls lists analyses only when --resource-type asks for them
		// (analysis or all); by default, and for any selector, they are left out.
		types = lsDefaultTypes
	}
	ids, err := s.selectNodes(types)
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
			b, _ := json.Marshal(lsJSON(m, id, f.outputKeys))
			line = string(b)
		case "selector", "":
			line = lsSelector(m, id)
		default:
			return exitWith(ExitUsage, fmt.Errorf("--output must be one of selector, name, path, json (got %q)", f.output))
		}
		e.dataLine(line)
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
	if x := m.Semantic(id); x != nil {
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
	if x := m.Semantic(id); x != nil {
		return x.OriginalFilePath
	}
	return id
}

// lsSelector prints what selects the resource, as dbt prints it: the fqn
// for nodes; type:package.name for unit tests and exposures, and
// source:package.source.table for sources (whatever folder they are in).
func lsSelector(m *manifest.Manifest, id string) string {
	if n := m.Nodes[id]; n != nil {
		if n.ResourceType == manifest.UnitTest {
			return "unit_test:" + n.PackageName + "." + n.Name
		}
		return strings.Join(n.FQN, ".")
	}
	if s := m.Sources[id]; s != nil {
		return "source:" + s.PackageName + "." + s.SourceName + "." + s.Name
	}
	if x := m.Exposures[id]; x != nil {
		return "exposure:" + x.PackageName + "." + x.Name
	}
	if x := m.Semantic(id); x != nil {
		return x.ResourceType + ":" + x.PackageName + "." + x.Name
	}
	return id
}

// lsDefaultKeys are the properties dbt's `ls --output json` prints.
var lsDefaultKeys = []string{"alias", "name", "package_name", "depends_on", "tags", "config", "resource_type", "source_name", "original_file_path", "unique_id"}

// lsJSON picks keys (dbt's default set when none) from the resource's
// manifest.json entry, so names and shapes are exactly the manifest's.
func lsJSON(m *manifest.Manifest, id string, keys []string) map[string]any {
	var entry any
	switch {
	case m.Nodes[id] != nil && m.Nodes[id].ResourceType == manifest.UnitTest:
		entry = m.Nodes[id].UnitTestJSON()
	case m.Nodes[id] != nil:
		entry = m.Nodes[id].JSON()
	case m.Sources[id] != nil:
		entry = m.Sources[id].JSON()
	case m.Exposures[id] != nil:
		entry = m.Exposures[id].JSON()
	case m.Semantic(id) != nil:
		entry = m.Semantic(id).JSON()
	default:
		return map[string]any{"unique_id": id}
	}
	b, _ := json.Marshal(entry)
	var full map[string]any
	_ = json.Unmarshal(b, &full)
	out := map[string]any{}
	if len(keys) == 0 {
		for _, k := range lsDefaultKeys {
			if v, ok := full[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	// As dbt: a dotted key (config.materialized) is looked up inside the
	// entry and printed under the dotted key itself; absent or null values
	// of dotted keys are left out.
	for _, k := range keys {
		if !strings.Contains(k, ".") {
			if v, ok := full[k]; ok {
				out[k] = v
			}
			continue
		}
		var cur any = full
		for _, p := range strings.Split(k, ".") {
			mm, _ := cur.(map[string]any)
			cur = mm[p]
		}
		if cur != nil {
			out[k] = cur
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package compiler

// Project hooks as dbt's operation nodes, and the unrendered_config of every
// node: both are part of what dbt's manifest.json and the Jinja `graph`
// object show, which packages (dbt_artifacts, elementary, audit helpers)
// read.

import (
	"fmt"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
)

// buildHookNodes adds one operation node per on-run-start / on-run-end
// statement of each project, named and configured as dbt does: the name
// <package>-<kind>-<index>, the fqn [package, hooks, name], the project's
// `models:` config for that fqn, the checksum of its dbt_project.yml. They
// are not in the DAG; the runner executes hooks from the project lists.
func (b *builder) buildHookNodes() {
	for _, pf := range b.pkgs {
		p := pf.proj
		sum := checksum(p.Content)
		for _, kind := range []struct {
			name  string
			hooks []project.Hook
		}{{"on-run-start", p.OnRunStart}, {"on-run-end", p.OnRunEnd}} {
			for i, h := range kind.hooks {
				name := fmt.Sprintf("%s-%s-%d", p.Name, kind.name, i)
				fqn := []string{p.Name, "hooks", name}
				n := &manifest.Node{
					UniqueID: "operation." + p.Name + "." + name, ResourceType: manifest.Operation, PackageName: p.Name,
					Name: name, Alias: name, Path: "hooks/" + name + ".sql", OriginalFilePath: "./dbt_project.yml",
					FQN: fqn, Checksum: sum, RawCode: h.SQL, Language: "sql", Tags: []string{kind.name}, Index: i,
					Columns: map[string]*manifest.Column{}, Pos: h.Pos,
					Schema: b.targetSchema(), Database: b.targetDatabase(),
				}
				n.Config = b.configFor(p, modelKind, fqn, nil)
				n.UnrenderedConfig = b.unrenderedConfig(p, modelKind.configKey, fqn, nil, nil)
				if t, err := b.r.Env.Parse(project.ProjectFile, h.SQL); err == nil {
					n.Template = t
				}
				b.m.Hooks[n.UniqueID] = n
			}
		}
	}
}

// unrenderedConfig is dbt's unrendered_config: the config keys set in
// dbt_project.yml (the package's, then the root's), in property YAML and
// in the node's config() call, without defaults.
func (b *builder) unrenderedConfig(p *project.Project, configKey string, fqn []string, patch map[string]any, call map[string]any) map[string]any {
	out := p.UnrenderedConfigFor(configKey, fqn)
	if p != b.r.Project {
		out = project.MergeConfig(out, b.r.Project.UnrenderedConfigFor(configKey, fqn))
	}
	if patch != nil {
		out = project.MergeConfig(out, patch)
	}
	if call != nil {
		out = project.MergeConfig(out, call)
	}
	return out
}

// fillUnrendered sets unrendered_config on every node built from a file.
func (b *builder) fillUnrendered() {
	projects := map[string]*project.Project{}
	for _, pf := range b.pkgs {
		projects[pf.proj.Name] = pf.proj
	}
	kinds := map[string]sqlKind{manifest.Model: modelKind, manifest.Analysis: analysisKind, manifest.Test: singularKind,
		manifest.Seed: seedKind, manifest.Snapshot: snapshotKind}
	for _, id := range b.order {
		n := b.m.Nodes[id]
		if n == nil || n.UnrenderedConfig != nil {
			continue
		}
		p := projects[n.PackageName]
		kind, ok := kinds[n.ResourceType]
		if p == nil || !ok {
			continue
		}
		var patch map[string]any
		if vr := b.versionOf(n); vr != nil {
			patch = vr.patch.Config
		} else if pr, ok := b.patches[patchKey{p.Name, kind.patchKind, n.Name}]; ok && pr.patch != nil {
			patch = pr.patch.Config
		}
		n.UnrenderedConfig = b.unrenderedConfig(p, kind.configKey, n.FQN, patch, n.ConfigCallDict)
	}
}

package compiler

// Snapshot nodes, in both of dbt's spellings:
//
//   - legacy blocks, `{% snapshot name %} {{ config(...) }} select ... {% endsnapshot %}`
//     in snapshot-paths (several per file allowed; the node is named after the
//     block, and a YAML `snapshots:` entry of that name patches it);
//   - YAML-configured (dbt 1.9+): a `snapshots:` entry with `relation:
//     ref('x')` or `source('s', 't')` in any property file; the node's SQL is
//     `select * from {{ <relation> }}`.
//
// Configurations a snapshot cannot run without are checked here, at parse
// time, with the position of the offending key, so that `kiln parse` finds
// them before anything is built.

import (
	"fmt"
	"path"
	"strings"

	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// buildSnapshots adds the package's snapshot blocks and YAML snapshots.
func (b *builder) buildSnapshots(pf *pkgFiles) {
	p := pf.proj
	for _, f := range pf.files.Snapshots {
		if d := notUTF8(p, f); d != nil {
			b.addDiag(*d)
			continue
		}
		blocks, err := jinja.ParseSnapshots(p.Shown(f.Path), string(f.Content))
		if err != nil {
			b.addJinjaErr(p.Shown(f.Path), err)
			continue
		}
		for _, blk := range blocks {
			fqn, rel := fqnFor(p.Name, f.Path, p.SnapshotPaths)
			fqn = append(fqn[:len(fqn)-1], path.Base(strings.TrimSuffix(rel, path.Ext(rel))), blk.Name)
			stem := path.Base(strings.TrimSuffix(f.Path, path.Ext(f.Path)))
			pseudo := project.File{Path: f.Path, Abs: f.Abs, Content: []byte(blk.Body)}
			res := b.parseSQLFile(p, snapshotKind, pseudo, p.SnapshotPaths)
			if res.failed != "" {
				res.failed = blk.Name
			}
			b.noteFailure(res)
			b.diags = append(b.diags, res.diag...)
			if res.node == nil {
				continue
			}
			n := res.node
			n.Name = blk.Name
			n.UniqueID = "snapshot." + p.Name + "." + blk.Name
			n.FQN = fqn
			n.Pos.Line = blk.Line
			if blk.Name != stem {
				// parseSQLFile looked the YAML patch up by the file's name; a
				// block is patched by its own name.
				patch, patchFile := b.patchFor(p.Name, "snapshots", blk.Name)
				n.Config = project.MergeConfig(b.configFor(p, snapshotKind, fqn, patch), n.ConfigCallDict)
				applyPatch(n, patch, patchFile, p.Name)
				n.Tags = n.Config.Tags()
			}
			b.checkSnapshot(n, nil)
			b.addNode(n, res.pend)
		}
	}
	for _, pr := range pf.props {
		for i := range pr.Snapshots {
			if pr.Snapshots[i].Relation != "" {
				b.buildYAMLSnapshot(p, pr, &pr.Snapshots[i])
			}
		}
	}
}

// buildYAMLSnapshot adds a snapshot declared with `relation:`.
func (b *builder) buildYAMLSnapshot(p *project.Project, pr *project.Properties, sp *project.NodePatch) {
	b.patchFor(p.Name, "snapshots", sp.Name) // it is its own patch: never "unused"
	relation := strings.TrimSpace(sp.Relation)
	if !strings.Contains(relation, "{{") {
		relation = "{{ " + relation + " }}"
	}
	raw := "select * from " + relation
	fqn, _ := fqnFor(p.Name, pr.Path, append(append([]string{}, p.SnapshotPaths...), p.ModelPaths...))
	fqn[len(fqn)-1] = sp.Name
	n := &manifest.Node{
		UniqueID: "snapshot." + p.Name + "." + sp.Name, ResourceType: manifest.Snapshot, PackageName: p.Name,
		Name: sp.Name, Path: pr.Path, OriginalFilePath: pr.Path, FQN: fqn, Checksum: checksum([]byte(raw)),
		RawCode: raw, Language: "sql", Pos: sp.Pos, Columns: map[string]*manifest.Column{},
	}
	n.Config = b.configFor(p, snapshotKind, fqn, sp)
	tmpl, err := b.r.Env.Parse(pr.Path, raw)
	if err != nil {
		b.addDiag(diag.Errorf(sp.Pos, "snapshot-relation", "snapshot '%s': relation %q is not a ref() or source() call: %v", sp.Name, sp.Relation, err))
		return
	}
	res := &parseResolver{b: b, pkg: p.Name, node: n, base: n.Config}
	if _, err := tmpl.Render(b.parseContext(n, res)); err != nil {
		b.addDiag(diag.Errorf(sp.Pos, "snapshot-relation", "snapshot '%s': relation %q: %v", sp.Name, sp.Relation, err))
		return
	}
	if len(res.refs)+len(res.sources) != 1 {
		b.addDiag(diag.Errorf(sp.Pos, "snapshot-relation", "snapshot '%s': relation must be one ref('model') or source('source', 'table'), got %q", sp.Name, sp.Relation))
		return
	}
	n.Refs, n.Sources = res.refs, res.sources
	applyPatch(n, sp, pr.Path, p.Name)
	n.Tags = n.Config.Tags()
	if m, ok := n.Config["meta"].(map[string]any); ok {
		n.Meta = m
	}
	b.checkSnapshot(n, sp)
	b.addNode(n, &pending{node: n, proj: p})
}

// checkSnapshot reports configurations a snapshot cannot run with.
func (b *builder) checkSnapshot(n *manifest.Node, sp *project.NodePatch) {
	if !n.Config.Enabled() {
		return
	}
	c := n.Config
	pos := func(key string) diag.Pos {
		if sp != nil {
			if p, ok := sp.ConfigPos[key]; ok {
				return p
			}
			return sp.Pos
		}
		p := n.Pos
		if key == "" {
			key = "config(" // a missing key: point at the config() call
		}
		for i, l := range strings.Split(n.RawCode, "\n") {
			if strings.Contains(l, key) {
				p.Line = n.Pos.Line + i
				p.Col = strings.Index(l, key) + 1
				break
			}
		}
		return p
	}
	bad := func(key, format string, args ...any) {
		b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "snapshot-config", Pos: pos(key),
			Message: fmt.Sprintf("snapshot '%s': ", n.Name) + fmt.Sprintf(format, args...)})
	}
	switch strategy := strings.ToLower(c.String("strategy", "")); strategy {
	case "timestamp":
		if c.String("updated_at", "") == "" {
			bad("strategy", "the timestamp strategy needs updated_at, the column that changes whenever a row changes")
		}
	case "check":
		cc, ok := c["check_cols"]
		if s, isStr := cc.(string); !ok || cc == nil || (isStr && strings.ToLower(s) != "all") {
			bad("strategy", "the check strategy needs check_cols: 'all' or a list of columns")
		}
	case "":
		bad("", "a snapshot needs a strategy: 'timestamp' (with updated_at) or 'check' (with check_cols)")
	default:
		if !b.r.Env.Resolves(n.PackageName, SnapshotStrategyMacro(c.String("strategy", ""))) {
			bad("strategy", "unknown strategy '%s': use 'timestamp' or 'check', or define a macro %s(node, snapshotted_rel, current_rel, model_config, target_exists)", strategy, SnapshotStrategyMacro(strategy))
		}
	}
	if u, ok := c["unique_key"]; !ok || u == nil || u == "" {
		bad("", "a snapshot needs a unique_key: the column, or list of columns, that identifies a row")
	}
	if hd := strings.ToLower(c.String("hard_deletes", "")); hd != "" {
		if hd != "ignore" && hd != "invalidate" && hd != "new_record" {
			bad("hard_deletes", "hard_deletes must be ignore, invalidate or new_record, got '%s'", hd)
		}
		if c.Bool("invalidate_hard_deletes", false) {
			bad("invalidate_hard_deletes", "set hard_deletes or the legacy invalidate_hard_deletes, not both")
		}
	}
	if m := c.Materialized(); m != "snapshot" {
		bad("materialized", "snapshots are always materialized as 'snapshot', not '%s'", m)
	}
}

// SnapshotStrategyMacro is the macro implementing a snapshot strategy:
// snapshot_<name>_strategy, or <package>.snapshot_<name>_strategy for
// strategy='package.name' (dbt's strategy_dispatch).
func SnapshotStrategyMacro(strategy string) string {
	if pkg, name, ok := strings.Cut(strategy, "."); ok {
		return pkg + ".snapshot_" + name + "_strategy"
	}
	return "snapshot_" + strategy + "_strategy"
}

package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph/selector"
	"github.com/kiln-dev/kiln/internal/report"
)

// universe converts the manifest into the selector's view of nodes.
func (s *session) universe() *selector.Universe {
	m := s.res.Manifest
	nodes := make(map[string]*selector.Node, len(m.Nodes)+len(m.Sources)+len(m.Exposures))
	for id, n := range m.Nodes {
		sn := &selector.Node{
			ID: id, Name: n.Name, ResourceType: n.ResourceType, Package: n.PackageName,
			FQN: n.FQN, Tags: n.Tags, Path: n.OriginalFilePath, Config: n.Config,
		}
		if n.PatchPath != "" {
			_, pp, _ := strings.Cut(n.PatchPath, "://")
			sn.PatchPath = pp
		}
		if n.Version != nil {
			sn.Version = fmt.Sprint(n.Version)
			if n.LatestVersion != nil {
				sn.LatestVersion = fmt.Sprint(n.LatestVersion)
			}
		}
		if n.ResourceType == manifest.Test {
			if n.TestMetadata != nil {
				sn.TestType = "generic"
				sn.TestName = n.TestMetadata.Name
			} else {
				sn.TestType = "singular"
			}
		}
		nodes[id] = sn
	}
	for id, src := range m.Sources {
		nodes[id] = &selector.Node{ID: id, Name: src.Name, SourceName: src.SourceName, ResourceType: manifest.Source,
			Package: src.PackageName, FQN: src.FQN, Tags: src.Tags, Path: src.OriginalFilePath, Config: src.Config}
	}
	for id, e := range m.Exposures {
		nodes[id] = &selector.Node{ID: id, Name: e.Name, ResourceType: manifest.Exposure, Package: e.PackageName,
			FQN: e.FQN, Tags: e.Tags, Path: e.OriginalFilePath, Config: e.Config}
	}
	for _, x := range m.AllSemantic() {
		cfg, _ := x.Fields["config"].(map[string]any)
		nodes[x.UniqueID] = &selector.Node{ID: x.UniqueID, Name: x.Name, ResourceType: x.ResourceType, Package: x.PackageName,
			FQN: x.FQN, Tags: x.Tags, Path: x.OriginalFilePath, Config: cfg}
	}
	return &selector.Universe{Graph: s.res.Graph, Nodes: nodes, RootPackage: s.proj.Name, ProjectDir: s.dir}
}

// selectNodes evaluates --select/--exclude and keeps the given resource
// types (all when types is nil).
func (s *session) selectNodes(types []string) ([]string, error) {
	expr, err := s.selectionExpr()
	if err != nil {
		return nil, err
	}
	mode := s.flags.indirect
	if mode == "" {
		mode = "eager"
	}
	u := s.universe()
	if u.Methods, err = s.stateMethods(); err != nil {
		return nil, err
	}
	var noMatch []string
	ids, err := selector.Select(u, expr, selector.Options{Indirect: selector.IndirectMode(mode), OnNoMatch: func(raw string) { noMatch = append(noMatch, raw) }})
	if err != nil {
		return nil, err
	}
	for _, raw := range noMatch {
		msg := fmt.Sprintf("The selection criterion '%s' does not match any enabled nodes", raw)
		if s.promotes("NoNodesForSelectionCriteria") {
			return nil, fmt.Errorf("Compilation Error\n  %s\n(--warn-error makes this warning an error; fix the selection or drop the flag)", msg)
		}
		s.warnEvent("NoNodesForSelectionCriteria", "M030", msg, map[string]any{"spec_raw": raw})
	}
	allowed := map[string]bool{}
	for _, t := range types {
		allowed[t] = true
	}
	for _, t := range append(append([]string{}, s.flags.resourceTypes...), s.flags.excludeResourceTypes...) {
		if t == "all" || t == "default" {
			continue
		}
		if !validResourceType(t) {
			return nil, fmt.Errorf("--resource-type: unknown resource type '%s' (use model, seed, test, unit_test, snapshot, source, analysis, exposure, metric, semantic_model, saved_query, function)", t)
		}
	}
	var out []string
	for _, id := range ids {
		rt := s.resourceType(id)
		if len(types) > 0 && !allowed[rt] {
			continue
		}
		if len(s.flags.resourceTypes) > 0 && !resourceTypeListed(s.flags.resourceTypes, rt) {
			continue
		}
		if containsStr(s.flags.excludeResourceTypes, rt) {
			continue
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

func (s *session) resourceType(id string) string {
	m := s.res.Manifest
	if n := m.Nodes[id]; n != nil {
		return n.ResourceType
	}
	if _, ok := m.Sources[id]; ok {
		return manifest.Source
	}
	if _, ok := m.Exposures[id]; ok {
		return manifest.Exposure
	}
	if x := m.Semantic(id); x != nil {
		return x.ResourceType
	}
	return ""
}

// resourceTypeListed reports whether a --resource-type list keeps rt: named
// outright, "all", or "default" (every type but analyses, as in dbt's ls).
func resourceTypeListed(list []string, rt string) bool {
	return containsStr(list, rt) || containsStr(list, "all") || (containsStr(list, "default") && rt != manifest.Analysis)
}

func validResourceType(t string) bool {
	switch t {
	case "model", "seed", "test", "snapshot", "source", "analysis", "exposure", "unit_test", "operation",
		"metric", "semantic_model", "saved_query", "function":
		return true
	}
	return false
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// promotes reports whether warning name is an error under --warn-error or
// --warn-error-options.
func (s *session) promotes(name string) bool {
	return s.flags.warnError || s.flags.ci.weo.Promotes(name)
}

// warnEvent prints a warning event; in text mode it goes to stderr, so it
// never mixes with data a command prints (ls).
func (s *session) warnEvent(name, code, msg string, data map[string]any) {
	if s.e.log == nil {
		fmt.Fprintln(s.e.stderr, msg)
		return
	}
	s.e.log.Fire(report.Event{Name: name, Code: code, Level: "warn", Msg: msg, Data: data, Stderr: true})
}

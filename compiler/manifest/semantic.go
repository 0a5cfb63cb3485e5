package manifest

// The semantic layer's resources (semantic models, metrics, saved
// queries) and groups exist only in property YAML. The compiler builds
// each into dbt's manifest.json shape (Fields, defaults filled in); linking
// adds depends_on. They are DAG members for selection (`metric:x+`) but
// never run.

import (
	"sort"

	"github.com/kiln-dev/kiln/internal/diag"
)

// Resource types of the semantic layer and groups.
const (
	SemanticModel = "semantic_model"
	Metric        = "metric"
	SavedQuery    = "saved_query"
	Group         = "group"
)

// SemanticNode is one semantic model, metric or saved query.
type SemanticNode struct {
	UniqueID         string
	ResourceType     string
	Name             string
	PackageName      string
	OriginalFilePath string
	FQN              []string
	Tags             []string
	Group            string
	// Fields is the manifest.json object without depends_on.
	Fields    map[string]any
	DependsOn []string
	Pos       diag.Pos

	// Linking inputs (not written): refs (semantic models), the metrics
	// and measures the entry names (metrics, saved queries).
	Refs     []RefArgs
	Metrics  []string
	Measures []string
}

// JSON returns the entry as manifest.json writes it.
func (s *SemanticNode) JSON() any {
	out := make(map[string]any, len(s.Fields)+1)
	for k, v := range s.Fields {
		out[k] = v
	}
	out["depends_on"] = DependsOn{Macros: []string{}, Nodes: nonNilStrings(s.DependsOn)}
	return out
}

// SemanticNodes returns the map that holds resources of type rt.
func (m *Manifest) SemanticNodes(rt string) map[string]*SemanticNode {
	switch rt {
	case SemanticModel:
		return m.SemanticModels
	case Metric:
		return m.Metrics
	case SavedQuery:
		return m.SavedQueries
	}
	return nil
}

// Semantic finds a semantic model, metric or saved query by unique_id.
func (m *Manifest) Semantic(id string) *SemanticNode {
	if s := m.SemanticModels[id]; s != nil {
		return s
	}
	if s := m.Metrics[id]; s != nil {
		return s
	}
	return m.SavedQueries[id]
}

// AllSemantic lists every semantic model, metric and saved query, sorted.
func (m *Manifest) AllSemantic() []*SemanticNode {
	out := make([]*SemanticNode, 0, len(m.SemanticModels)+len(m.Metrics)+len(m.SavedQueries))
	for _, mp := range []map[string]*SemanticNode{m.SemanticModels, m.Metrics, m.SavedQueries} {
		for _, s := range mp {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UniqueID < out[j].UniqueID })
	return out
}

func semanticJSON(mp map[string]*SemanticNode) map[string]any {
	out := make(map[string]any, len(mp))
	for k, v := range mp {
		out[k] = v.JSON()
	}
	return out
}

func groupsJSON(mp map[string]map[string]any) map[string]any {
	out := make(map[string]any, len(mp))
	for k, v := range mp {
		out[k] = v
	}
	return out
}

// groupMap is manifest.json's group_map: group name → its nodes.
func (m *Manifest) groupMap() map[string][]string {
	out := map[string][]string{}
	for id, n := range m.Nodes {
		if g, _ := n.Config["group"].(string); g != "" {
			out[g] = append(out[g], id)
		}
	}
	for _, l := range out {
		sort.Strings(l)
	}
	for _, x := range m.AllSemantic() {
		if x.Group != "" {
			out[x.Group] = append(out[x.Group], x.UniqueID)
		}
	}
	return out
}

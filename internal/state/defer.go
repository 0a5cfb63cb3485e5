package state

import "github.com/kiln-dev/kiln/adapters"

// Relation returns the relation the state environment built for a model,
// seed or snapshot, for --defer and `kiln clone`. Ephemeral models have no
// relation and are never deferred.
func (st *State) Relation(id string) (adapters.Relation, bool) {
	n := st.Manifest.Nodes[id]
	if n == nil || n.Schema == "" || n.Alias == "" {
		return adapters.Relation{}, false
	}
	mat, _ := n.Config["materialized"].(string)
	typ := adapters.RelTable
	switch n.ResourceType {
	case "model":
		switch mat {
		case "ephemeral":
			return adapters.Relation{}, false
		case "view", "":
			typ = adapters.RelView
		}
	case "seed", "snapshot":
	default:
		return adapters.Relation{}, false
	}
	rel := adapters.Relation{Schema: n.Schema, Identifier: n.Alias, Type: typ}
	if n.Database != nil {
		rel.Database = *n.Database
	}
	return rel, true
}

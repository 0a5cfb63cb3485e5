package compiler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
)

// checkRelationUniqueness reports two models, seeds or snapshots that would
// build the same relation (an alias pointing at another node, two packages
// writing one schema, ...): the second build would silently replace the
// first. As in dbt it is a parse error naming both files; unlike dbt, names
// that differ only in case collide too, since DuckDB (and PostgreSQL for
// unquoted names) folds them onto one relation.
func (b *builder) checkRelationUniqueness() {
	byRel := map[string][]*manifest.Node{}
	for _, id := range b.order {
		n := b.m.Nodes[id]
		if n == nil || !refable(n.ResourceType) || n.RelationName == "" {
			continue
		}
		k := strings.ToLower(n.Database + "\x00" + n.Schema + "\x00" + n.Alias)
		byRel[k] = append(byRel[k], n)
	}
	for _, l := range byRel {
		if len(l) < 2 {
			continue
		}
		sort.Slice(l, func(i, j int) bool { return l[i].UniqueID < l[j].UniqueID })
		for _, n := range l[1:] {
			first := l[0]
			msg := fmt.Sprintf("%s (%s) and %s (%s) both build %s", first.UniqueID, first.Shown(),
				n.UniqueID, n.Shown(), n.RelationName)
			if first.RelationName != n.RelationName {
				msg = fmt.Sprintf("%s (%s) builds %s and %s (%s) builds %s, names that differ only in case: the warehouse folds them onto one relation",
					first.UniqueID, first.Shown(), first.RelationName, n.UniqueID, n.Shown(), n.RelationName)
			}
			b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "duplicate-relation", Pos: n.Pos, Message: msg,
				Suggestion: "give one of them another alias or schema (the second build would replace the first)"})
		}
	}
}

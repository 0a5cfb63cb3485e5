package cli

import (
	"fmt"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// FinishedRunningStats' stat line, as dbt 1.11 prints it for jaffle_shop
// with one on-run-end hook: project hooks count, keys sort by dbt's own
// names ("test" after "table model"), and one test is "1 test".
func TestStatLine(t *testing.T) {
	m := manifest.New()
	var results []manifest.RunResult
	add := func(n *manifest.Node, hook bool) {
		if hook {
			m.Hooks[n.UniqueID] = n
		} else {
			m.Nodes[n.UniqueID] = n
		}
		results = append(results, manifest.RunResult{UniqueID: n.UniqueID, Status: manifest.StatusSuccess})
	}
	add(&manifest.Node{UniqueID: "operation.p.p-on-run-end-0", ResourceType: manifest.Operation}, true)
	for i := range 3 {
		add(&manifest.Node{UniqueID: fmt.Sprintf("seed.p.s%d", i), ResourceType: manifest.Seed}, false)
		add(&manifest.Node{UniqueID: fmt.Sprintf("model.p.v%d", i), ResourceType: manifest.Model, Config: manifest.Config{"materialized": "view"}}, false)
	}
	for i := range 2 {
		add(&manifest.Node{UniqueID: fmt.Sprintf("model.p.t%d", i), ResourceType: manifest.Model, Config: manifest.Config{"materialized": "table"}}, false)
	}
	for i := range 28 {
		add(&manifest.Node{UniqueID: fmt.Sprintf("test.p.t%d", i), ResourceType: manifest.Test}, false)
	}
	if got, want := statLine(m, results), "1 project hook, 3 seeds, 2 table models, 28 data tests, 3 view models"; got != want {
		t.Errorf("stat line %q, want %q", got, want)
	}
	one := []manifest.RunResult{{UniqueID: "test.p.t0"}, {UniqueID: "unknown.p.x"}}
	if got := statLine(m, one); got != "1 test" {
		t.Errorf("one test: %q, want \"1 test\" (unknown ids are left out)", got)
	}
}

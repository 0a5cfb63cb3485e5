package run

import (
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph"
)

// A test gates the nodes downstream of all of its parents (dbt's test
// edges): a relationships test on orders and customers blocks the report
// reading both, not the model reading only orders.
func TestBuildTestEdgesNeedEveryParentUpstream(t *testing.T) {
	m := &manifest.Manifest{Nodes: map[string]*manifest.Node{}}
	g := graph.New()
	node := func(id string, rt string) {
		m.Nodes[id] = &manifest.Node{UniqueID: id, ResourceType: rt}
		g.AddNode(id)
	}
	for _, id := range []string{"model.p.orders", "model.p.customers", "model.p.order_sums", "model.p.report", "model.p.late"} {
		node(id, manifest.Model)
	}
	node("test.p.rel", manifest.Test)
	node("test.p.nn", manifest.Test)
	g.AddEdge("model.p.orders", "model.p.order_sums")
	g.AddEdge("model.p.order_sums", "model.p.report")
	g.AddEdge("model.p.customers", "model.p.report")
	g.AddEdge("model.p.report", "model.p.late")
	g.AddEdge("model.p.orders", "test.p.rel")
	g.AddEdge("model.p.customers", "test.p.rel")
	g.AddEdge("model.p.orders", "test.p.nn")
	r := &Runner{res: &compiler.Result{Manifest: m, Graph: g}, opts: Options{Command: "build"}}
	eg := r.execGraph([]string{"test.p.rel", "test.p.nn"})
	children := func(id string) string {
		c := eg.Children(id)
		sort.Strings(c)
		return strings.Join(c, ",")
	}
	if got := children("test.p.rel"); got != "model.p.report" {
		t.Errorf("relationships test gates %q, want only model.p.report (downstream of both parents)", got)
	}
	if got := children("test.p.nn"); got != "model.p.order_sums" {
		t.Errorf("not_null on orders gates %q, want model.p.order_sums", got)
	}
}

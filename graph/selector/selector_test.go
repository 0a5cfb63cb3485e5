package selector

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/graph"
)

// shop is a jaffle_shop-like project (root package "shop") plus a "utils"
// package. Short names used in expectations are the last ID segment for
// models/seeds/exposures, and given explicitly for tests and sources.
func shop() *Universe {
	g := graph.New()
	nodes := map[string]*Node{}
	add := func(n *Node, parents ...string) {
		nodes[n.ID] = n
		g.AddNode(n.ID)
		for _, p := range parents {
			g.AddEdge(p, n.ID)
		}
	}
	model := func(name, dir string, tags []string, cfg map[string]any, parents ...string) {
		fqn := []string{"shop"}
		if dir != "" {
			fqn = append(fqn, dir)
		}
		add(&Node{ID: "model.shop." + name, Name: name, ResourceType: "model", Package: "shop",
			FQN: append(fqn, name), Tags: tags, Path: "models/" + filepath.ToSlash(filepath.Join(dir, name+".sql")),
			PatchPath: "models/" + dir + "/schema.yml", Config: cfg}, parents...)
	}
	add(&Node{ID: "seed.shop.raw_customers", Name: "raw_customers", ResourceType: "seed", Package: "shop",
		FQN: []string{"shop", "raw_customers"}, Path: "seeds/raw_customers.csv", Config: map[string]any{"enabled": true}})
	for _, tbl := range []string{"raw_orders", "raw_payments"} {
		add(&Node{ID: "source.shop.jaffle." + tbl, Name: tbl, SourceName: "jaffle", ResourceType: "source",
			Package: "shop", FQN: []string{"shop", "staging", "jaffle", tbl}, Path: "models/staging/sources.yml"})
	}
	model("stg_customers", "staging", []string{"staging", "daily"}, map[string]any{"materialized": "view"}, "seed.shop.raw_customers")
	model("stg_orders", "staging", []string{"staging"}, map[string]any{"materialized": "view"}, "source.shop.jaffle.raw_orders")
	model("stg_payments", "staging", []string{"staging"}, map[string]any{"materialized": "view"}, "source.shop.jaffle.raw_payments")
	model("customers", "marts", []string{"mart", "daily"}, map[string]any{
		"materialized": "table", "meta": map[string]any{"owner": "alice"}, "tags": []any{"mart", "daily"},
		"access": "public", "group": "finance",
	}, "model.shop.stg_customers", "model.shop.stg_orders", "model.shop.stg_payments")
	model("orders", "marts", []string{"mart"}, map[string]any{
		"materialized": "table", "contract": map[string]any{"enforced": true}, "limit": 5.0,
	}, "model.shop.stg_orders", "model.shop.stg_payments")
	for _, v := range []string{"1", "2", "3"} {
		add(&Node{ID: "model.shop.dim.v" + v, Name: "dim", ResourceType: "model", Package: "shop",
			FQN: []string{"shop", "marts", "dim", "v" + v}, Path: "models/marts/dim_v" + v + ".sql",
			Version: v, LatestVersion: "2"}, "model.shop.customers")
	}
	add(&Node{ID: "model.utils.helper", Name: "helper", ResourceType: "model", Package: "utils",
		FQN: []string{"utils", "helper"}, Path: "models/helper.sql"})

	test := func(id, typ, macro string, cfg map[string]any, parents ...string) {
		name := strings.Split(id, ".")[2]
		add(&Node{ID: id, Name: name, ResourceType: "test", Package: "shop", FQN: []string{"shop", name},
			TestType: typ, TestName: macro, Path: "models/marts/schema.yml", Config: cfg}, parents...)
	}
	test("test.shop.unique_customers_id.a1", "generic", "unique", nil, "model.shop.customers")
	test("test.shop.not_null_orders_id.b2", "generic", "not_null", map[string]any{"severity": "ERROR"}, "model.shop.orders")
	test("test.shop.relationships_orders_customer_id.c3", "generic", "relationships", nil,
		"model.shop.orders", "model.shop.customers")
	test("test.shop.assert_positive", "singular", "", map[string]any{"severity": "warn"}, "model.shop.orders")
	test("test.shop.source_unique_jaffle_orders_id.d4", "generic", "unique", nil, "source.shop.jaffle.raw_orders")
	test("test.shop.stg_payments_vs_orders.e5", "generic", "equality", nil, "model.shop.stg_payments", "model.shop.orders")
	add(&Node{ID: "unit_test.shop.customers.test_logic", Name: "test_logic", ResourceType: "unit_test", Package: "shop",
		FQN: []string{"shop", "marts", "customers", "test_logic"}, Path: "models/marts/unit.yml"}, "model.shop.customers")
	add(&Node{ID: "exposure.shop.dashboard", Name: "dashboard", ResourceType: "exposure", Package: "shop",
		FQN: []string{"shop", "dashboard"}, Path: "models/exposures.yml"}, "model.shop.customers", "model.shop.orders")
	return &Universe{Graph: g, Nodes: nodes, RootPackage: "shop"}
}

var short = map[string]string{
	"unique_cust": "test.shop.unique_customers_id.a1",
	"nn_orders":   "test.shop.not_null_orders_id.b2",
	"rel":         "test.shop.relationships_orders_customer_id.c3",
	"positive":    "test.shop.assert_positive",
	"src_unique":  "test.shop.source_unique_jaffle_orders_id.d4",
	"equality":    "test.shop.stg_payments_vs_orders.e5",
	"unit":        "unit_test.shop.customers.test_logic",
	"src_orders":  "source.shop.jaffle.raw_orders",
	"src_pay":     "source.shop.jaffle.raw_payments",
	"v1":          "model.shop.dim.v1",
	"v2":          "model.shop.dim.v2",
	"v3":          "model.shop.dim.v3",
	"helper":      "model.utils.helper",
	"raw":         "seed.shop.raw_customers",
	"dashboard":   "exposure.shop.dashboard",
}

// expand turns "customers stg_orders rel" into sorted full IDs.
func expandIDs(s string) []string {
	out := []string{}
	for _, f := range strings.Fields(s) {
		if id, ok := short[f]; ok {
			out = append(out, id)
		} else {
			out = append(out, "model.shop."+f)
		}
	}
	slices.Sort(out)
	return out
}

func run(t *testing.T, u *Universe, sel, exc string, mode IndirectMode) []string {
	t.Helper()
	var s, x []string
	if sel != "" {
		s = []string{sel}
	}
	if exc != "" {
		x = []string{exc}
	}
	e, err := Parse(s, x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Select(u, e, Options{Indirect: mode})
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return got
}

type selCase struct{ sel, exc, want string }

func check(t *testing.T, mode IndirectMode, cases []selCase) {
	t.Helper()
	u := shop()
	for _, tc := range cases {
		got := run(t, u, tc.sel, tc.exc, mode)
		if want := expandIDs(tc.want); !slices.Equal(got, want) {
			t.Errorf("%s / --exclude %q [%s]:\n got %v\nwant %v", tc.sel, tc.exc, mode, got, want)
		}
	}
}

// TestMethods checks each method without indirect test selection.
func TestMethods(t *testing.T) {
	check(t, Empty, []selCase{
		{sel: "customers", want: "customers"},
		{sel: "fqn:customers", want: "customers"},
		// fqn prefixes also reach the unit test, whose fqn is
		// [shop marts customers test_logic].
		{sel: "shop.marts.customers", want: "customers unit"},
		{sel: "marts.customers", want: "customers unit"},
		{sel: "staging", want: "stg_customers stg_orders stg_payments src_orders src_pay"},
		{sel: "staging.*", want: "stg_customers stg_orders stg_payments src_orders src_pay"},
		{sel: "shop.staging.stg_*", want: "stg_customers stg_orders stg_payments"},
		{sel: "*.stg_?ustomers", want: "stg_customers"},
		{sel: "utils", want: "helper"},
		{sel: "dim", want: "v1 v2 v3"},
		{sel: "dim.v2", want: "v2"},
		{sel: "dim_v1", want: "v1"},
		{sel: "nonexistent", want: ""},
		{sel: "tag:daily", want: "stg_customers customers"},
		{sel: "tag:stag*", want: "stg_customers stg_orders stg_payments"},
		{sel: "path:models/staging", want: "stg_customers stg_orders stg_payments src_orders src_pay"},
		{sel: "models/staging/", want: "stg_customers stg_orders stg_payments src_orders src_pay"},
		{sel: "./models/marts/orders.sql", want: "orders"},
		{sel: "path:models/*/stg_c*.sql", want: "stg_customers"},
		{sel: "path:models/**/dim_*.sql", want: "v1 v2 v3"},
		{sel: "path:models/ma*", want: "customers orders v1 v2 v3 rel unique_cust nn_orders positive src_unique equality unit"},
		{sel: "path:models/staging/schema.yml", want: "stg_customers stg_orders stg_payments"},
		{sel: "path:.", want: "stg_customers stg_orders stg_payments src_orders src_pay customers orders v1 v2 v3 helper raw rel unique_cust nn_orders positive src_unique equality unit dashboard"},
		{sel: "stg_orders.sql", want: "stg_orders"},
		{sel: "file:stg_orders", want: "stg_orders"},
		{sel: "file:*.csv", want: "raw"},
		{sel: "package:utils", want: "helper"},
		{sel: "package:this,resource_type:seed", want: "raw"},
		{sel: "package:u*", want: "helper"},
		{sel: "source:jaffle", want: "src_orders src_pay"},
		{sel: "source:jaffle.raw_orders", want: "src_orders"},
		// fqn matches any resource by its last fqn part, sources included.
		{sel: "raw_orders", want: "src_orders"},
		{sel: "source:shop.*.raw_pay*", want: "src_pay"},
		{sel: "source:other.*", want: ""},
		{sel: "resource_type:exposure", want: "dashboard"},
		{sel: "resource_type:unit_test", want: "unit"},
		{sel: "config.materialized:table", want: "customers orders"},
		{sel: "config.meta.owner:alice", want: "customers"},
		{sel: "config.tags:daily", want: "customers"},
		{sel: "config.contract.enforced:True", want: "orders"},
		{sel: "config.enabled:true", want: "raw"},
		{sel: "config.limit:5", want: "orders"},
		{sel: "config.severity:error", want: "nn_orders"},
		{sel: "config.severity:WARN", want: "positive"},
		{sel: "config.nope:x", want: ""},
		{sel: "test_type:generic", want: "unique_cust nn_orders rel src_unique equality"},
		{sel: "test_type:schema", want: "unique_cust nn_orders rel src_unique equality"},
		{sel: "test_type:singular", want: "positive"},
		{sel: "test_type:data", want: "unique_cust nn_orders rel src_unique equality positive"},
		{sel: "test_type:unit", want: "unit"},
		{sel: "test_name:unique", want: "unique_cust src_unique"},
		{sel: "test_name:not_*", want: "nn_orders"},
		{sel: "test_name:test_logic", want: "unit"},
		{sel: "exposure:dashboard", want: "dashboard"},
		{sel: "exposure:shop.dash*", want: "dashboard"},
		{sel: "unit_test:test_logic", want: "unit"},
		{sel: "unit_test:shop.test_logic", want: "unit"},
		{sel: "unit_test:shop.marts.customers.test_logic", want: "unit"},
		{sel: "unit_test:customers.*", want: ""},
		{sel: "group:fin*", want: "customers"},
		{sel: "access:public", want: "customers"},
		{sel: "access:protected", want: "stg_customers stg_orders stg_payments orders v1 v2 v3 helper"},
		{sel: "version:latest", want: "v2"},
		{sel: "version:old", want: "v1"},
		{sel: "version:prerelease", want: "v3"},
		{sel: "version:none,tag:mart", want: "customers orders"},
	})
}

func TestGraphOperators(t *testing.T) {
	check(t, Empty, []selCase{
		{sel: "+customers", want: "customers stg_customers stg_orders stg_payments raw src_orders src_pay"},
		{sel: "1+customers", want: "customers stg_customers stg_orders stg_payments"},
		{sel: "stg_orders+", want: "stg_orders customers orders v1 v2 v3 rel unique_cust nn_orders positive equality unit dashboard"},
		{sel: "stg_orders+1", want: "stg_orders customers orders"},
		{sel: "1+stg_customers+1", want: "raw stg_customers customers"},
		{sel: "0+orders+0", want: "orders"},
		// @: stg_customers, its descendants, and all their ancestors.
		{sel: "@stg_customers", want: "stg_customers customers v1 v2 v3 unique_cust rel unit dashboard raw stg_orders stg_payments src_orders src_pay orders"},
		{sel: "source:jaffle.raw_payments+1", want: "src_pay stg_payments"},
		{sel: "+exposure:dashboard", want: "dashboard customers orders stg_customers stg_orders stg_payments raw src_orders src_pay"},
	})
}

func TestSetOperators(t *testing.T) {
	check(t, Empty, []selCase{
		{sel: "customers orders", want: "customers orders"},
		{sel: "tag:mart,config.materialized:table", want: "customers orders"},
		{sel: "tag:daily,config.materialized:table", want: "customers"},
		{sel: "tag:daily,tag:mart stg_orders", want: "customers stg_orders"},
		{sel: "staging", exc: "stg_orders", want: "stg_customers stg_payments src_orders src_pay"},
		{sel: "", exc: "tag:staging path:models/marts", want: "helper raw src_orders src_pay dashboard"},
		{sel: "+customers", exc: "+stg_orders", want: "customers stg_customers stg_payments raw src_pay"},
	})
	// Several --select values are a union.
	u := shop()
	e, _ := Parse([]string{"customers", "orders"}, []string{"orders"})
	got, _ := Select(u, e, Options{Indirect: Empty})
	if !slices.Equal(got, expandIDs("customers")) {
		t.Fatal(got)
	}
}

func TestIndirectSelection(t *testing.T) {
	// relationships (rel) depends on orders and customers; equality on
	// stg_payments and orders; unit depends on customers.
	check(t, Eager, []selCase{
		{sel: "customers", want: "customers unique_cust rel unit"},
		{sel: "orders", want: "orders nn_orders rel positive equality"},
		{sel: "source:jaffle.raw_orders", want: "src_orders src_unique"},
		{sel: "customers", exc: "orders", want: "customers unique_cust unit"}, // rel touches orders
		{sel: "orders", exc: "test_name:not_null", want: "orders rel positive equality"},
		{sel: "tag:daily,config.materialized:table", want: "customers unique_cust rel unit"},
	})
	check(t, Cautious, []selCase{
		{sel: "customers", want: "customers unique_cust unit"},
		{sel: "customers orders", want: "customers orders unique_cust nn_orders rel positive unit"},
		{sel: "customers", exc: "orders", want: "customers unique_cust unit"},
		// Excluding a parent does not remove a test whose other parents stay
		// selected in cautious mode (dbt behaviour; see package doc).
		{sel: "customers orders", exc: "orders", want: "customers unique_cust rel unit"},
	})
	check(t, Buildable, []selCase{
		// equality needs stg_payments (an ancestor of orders) and orders.
		{sel: "orders", want: "orders nn_orders positive equality"},
		// Tests are graph children, so "+" reaches them whatever the mode.
		{sel: "customers+", want: "customers v1 v2 v3 dashboard unique_cust rel unit"},
		{sel: "orders customers", want: "orders customers nn_orders positive equality unique_cust rel unit"},
	})
	check(t, Empty, []selCase{
		{sel: "customers", want: "customers"},
		{sel: "test_name:unique", want: "unique_cust src_unique"},
	})
}

func TestPerExprIndirect(t *testing.T) {
	u := shop()
	a, _ := ParseSpec("customers")
	e := Criterion(a)
	e.Indirect = Empty
	got, err := Select(u, e, Options{Indirect: Eager})
	if err != nil || !slices.Equal(got, expandIDs("customers")) {
		t.Fatal(got, err)
	}
	e.Indirect = "bogus"
	if _, err := Select(u, e, Options{}); err == nil {
		t.Fatal("bogus mode accepted")
	}
	if _, err := ParseIndirectMode("nope"); err == nil {
		t.Fatal("nope accepted")
	}
}

func TestDefaultSelectsEverything(t *testing.T) {
	u := shop()
	got, err := Select(u, nil, Options{})
	if err != nil || len(got) != len(u.Nodes) {
		t.Fatalf("%d of %d, %v", len(got), len(u.Nodes), err)
	}
}

func TestNoMatchWarnings(t *testing.T) {
	u := shop()
	e, _ := Parse([]string{"customers nothing tag:x,customers"}, []string{"ghost"})
	var warned []string
	got, err := Select(u, e, Options{Indirect: Empty, OnNoMatch: func(raw string) { warned = append(warned, raw) }})
	if err != nil || !slices.Equal(got, expandIDs("customers")) {
		t.Fatal(got, err)
	}
	if want := []string{"nothing", "tag:x,customers", "ghost"}; !slices.Equal(warned, want) {
		t.Fatalf("warned %q", warned)
	}
}

func TestHooks(t *testing.T) {
	u := shop()
	e, _ := Parse([]string{"state:modified+"}, nil)
	_, err := Select(u, e, Options{})
	if !errors.Is(err, ErrNeedsState) || err.Error() != "selector method 'state:modified' needs --state" {
		t.Fatalf("err = %v", err)
	}
	var gotArgs []string
	u = shop()
	u.Methods = map[string]MethodFunc{
		MethodState: func(u *Universe, args []string, value string) ([]string, error) {
			gotArgs = append(args, value)
			return []string{"model.shop.stg_payments"}, nil
		},
		MethodResult: func(*Universe, []string, string) ([]string, error) { return []string{"bogus"}, nil },
	}
	got, err := Select(u, e, Options{Indirect: Empty})
	if err != nil || !slices.Equal(got, expandIDs("stg_payments customers orders v1 v2 v3 dashboard equality rel unique_cust nn_orders positive unit")) {
		t.Fatal(got, err)
	}
	if !slices.Equal(gotArgs, []string{"modified"}) {
		t.Fatal(gotArgs)
	}
	e, _ = Parse([]string{"result:error"}, nil)
	if _, err := Select(u, e, Options{}); err == nil || !strings.Contains(err.Error(), `unknown node "bogus"`) {
		t.Fatal(err)
	}
}

func TestImplicitPathOnDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "models", "staging"), 0o755); err != nil {
		t.Fatal(err)
	}
	u := shop()
	u.ProjectDir = dir
	// "models" exists on disk, so it means path:models (all but the seed).
	got := run(t, u, "models", "", Empty)
	if len(got) != len(u.Nodes)-1 || slices.Contains(got, short["raw"]) {
		t.Fatalf("models -> %d nodes: %v", len(got), got)
	}
	// Absolute paths inside the project are made relative.
	got = run(t, u, "path:"+filepath.Join(dir, "models", "staging"), "", Empty)
	if !slices.Equal(got, expandIDs("stg_customers stg_orders stg_payments src_orders src_pay")) {
		t.Fatal(got)
	}
	got = run(t, u, "path:/elsewhere/models", "", Empty)
	if len(got) != 0 {
		t.Fatal(got)
	}
}

func TestConcurrentSelect(t *testing.T) {
	u := shop()
	e, _ := Parse([]string{"+customers+ tag:staging"}, []string{"test_type:unit"})
	want, err := Select(u, e, Options{Indirect: Buildable})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := Select(u, e, Options{Indirect: Buildable})
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("concurrent result differs: %v %v", got, err)
			}
		})
	}
	wg.Wait()
}

func TestUniverseErrors(t *testing.T) {
	u := shop()
	u.Nodes["model.shop.ghost"] = &Node{ID: "model.shop.ghost"}
	if _, err := Select(u, nil, Options{}); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Fatal(err)
	}
	if _, err := Select(&Universe{}, nil, Options{}); err == nil {
		t.Fatal("nil graph accepted")
	}
}

// layered10k builds 100 layers of 100 models; each model depends on three
// models of the previous layer and has one unique test.
func layered10k() *Universe {
	g := graph.NewWithCapacity(20_000)
	nodes := make(map[string]*Node, 20_000)
	const w = 100
	for i := range 10_000 {
		name := fmt.Sprintf("m%05d", i)
		id := "model.pkg." + name
		layer := fmt.Sprintf("layer%02d", i/w)
		nodes[id] = &Node{ID: id, Name: name, ResourceType: "model", Package: "pkg",
			FQN: []string{"pkg", layer, name}, Path: "models/" + layer + "/" + name + ".sql",
			Tags: []string{layer}, Config: map[string]any{"materialized": "view"}}
		g.AddNode(id)
		if i >= w {
			base := (i/w - 1) * w
			for k := range 3 {
				g.AddEdge(fmt.Sprintf("model.pkg.m%05d", base+(i*7+k*13)%w), id)
			}
		}
		tid := "test.pkg.unique_" + name + ".x"
		nodes[tid] = &Node{ID: tid, Name: "unique_" + name, ResourceType: "test", Package: "pkg",
			FQN: []string{"pkg", layer, "unique_" + name}, TestType: "generic", TestName: "unique"}
		g.AddEdge(id, tid)
	}
	return &Universe{Graph: g, Nodes: nodes, RootPackage: "pkg"}
}

func BenchmarkSelect10k(b *testing.B) {
	u := layered10k()
	e, err := Parse([]string{"m05050+"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	got, err := Select(u, e, Options{})
	if err != nil || len(got) < 100 {
		b.Fatal(len(got), err)
	}
	for b.Loop() {
		if _, err := Select(u, e, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(got)), "selected")
}

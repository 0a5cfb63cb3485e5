package compiler

import (
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
)

func TestSynthesizeTestName(t *testing.T) {
	cases := []struct {
		typ, target string
		args        map[string]any
		short, full string
	}{
		{"not_null", "orders", map[string]any{"column_name": "order_id"}, "not_null_orders_order_id", "not_null_orders_order_id"},
		{"accepted_values", "orders", map[string]any{"column_name": "status", "values": []any{"placed", "shipped"}},
			"accepted_values_orders_status__placed__shipped", "accepted_values_orders_status__placed__shipped"},
		{"relationships", "orders", map[string]any{"column_name": "customer_id", "to": "ref('customers')", "field": "customer_id"},
			"relationships_orders_customer_id__customer_id__ref_customers_", "relationships_orders_customer_id__customer_id__ref_customers_"},
		{"accepted_values", "o", map[string]any{"column_name": "flag", "values": []any{true}, "quote": false},
			"accepted_values_o_flag__False__True", "accepted_values_o_flag__False__True"},
		{"source_unique", "jaffle_shop_orders", map[string]any{"column_name": "id"}, "source_unique_jaffle_shop_orders_id", "source_unique_jaffle_shop_orders_id"},
	}
	for _, c := range cases {
		short, full := synthesizeTestName(c.typ, c.target, c.args, nil)
		if short != c.short || full != c.full {
			t.Errorf("%s/%s: got (%s, %s), want (%s, %s)", c.typ, c.target, short, full, c.short, c.full)
		}
	}
	// Long names are truncated to 30 characters plus an md5 of the full name.
	short, full := synthesizeTestName("accepted_values", "a_rather_long_model_name", map[string]any{"column_name": "status", "values": []any{"one", "two", "three", "four"}}, nil)
	if len(full) < 64 || len(short) != 30+1+32 || !strings.HasPrefix(short, "accepted_values_a_rather_long_") {
		t.Errorf("long name: short=%q full=%q", short, full)
	}
}

func TestInjectCTEs(t *testing.T) {
	ctes := []manifest.CTE{{ID: "a", SQL: " __dbt__cte__a as (\nselect 1\n)"}}
	if got := injectCTEs("select * from __dbt__cte__a", ctes); got != "with __dbt__cte__a as (\nselect 1\n)\nselect * from __dbt__cte__a" {
		t.Errorf("plain query: %q", got)
	}
	got := injectCTEs("-- note\nWITH x as (select 2) select * from x, __dbt__cte__a", ctes)
	if got != "-- note\nWITH  __dbt__cte__a as (\nselect 1\n), x as (select 2) select * from x, __dbt__cte__a" {
		t.Errorf("query with WITH: %q", got)
	}
	if injectCTEs("select 1", nil) != "select 1" {
		t.Error("no CTEs must leave the query alone")
	}
}

func TestVarScopePrecedence(t *testing.T) {
	root := &project.Project{Name: "shop", Vars: map[string]any{"a": "root", "pkg": map[string]any{"a": "root-for-pkg"}, "b": "root-b"}}
	pkg := &project.Project{Name: "pkg", Vars: map[string]any{"a": "pkg-own", "c": "pkg-c"}}
	v := newVarScope(root, []*project.Project{pkg}, map[string]any{"b": "cli"})
	check := func(p, name string, want any, ok bool) {
		t.Helper()
		got, found := v.lookup(p, name)
		if found != ok || got != want {
			t.Errorf("var(%s) in %s = %v,%v; want %v,%v", name, p, got, found, want, ok)
		}
	}
	check("shop", "a", "root", true)
	check("pkg", "a", "root-for-pkg", true) // root's package-scoped var beats the package's own
	check("shop", "b", "cli", true)         // --vars beat everything
	check("pkg", "c", "pkg-c", true)        // a package's own var is visible to it
	check("shop", "c", nil, false)          // ... but not to the root project
}

func TestFQNFor(t *testing.T) {
	fqn, rel := fqnFor("shop", "models/staging/stripe/stg_payments.sql", []string{"models"})
	if strings.Join(fqn, ".") != "shop.staging.stripe.stg_payments" || rel != "staging/stripe/stg_payments.sql" {
		t.Errorf("got %v %s", fqn, rel)
	}
}

// Test names are built from Python's str() of argument values, as dbt's;
// these names are dbt 1.11's for the same YAML.
func TestSynthesizeTestNameAsDBT(t *testing.T) {
	cases := []struct {
		args  map[string]any
		order map[string][]string
		full  string
	}{
		{map[string]any{"column_name": "id", "values": []any{1, 2}, "quote": false}, nil, "accepted_values_m1_id__False__1__2"},
		{map[string]any{"column_name": "id", "values": []any{1.5, true, nil}}, nil, "accepted_values_m1_id__1_5__True__None"},
		{map[string]any{"nested": map[string]any{"b": 1, "a": []any{"x", "y"}}}, map[string][]string{"nested": {"b", "a"}}, "accepted_values_m1_1___x_y_"},
		{map[string]any{"column_name": "status", "values": []any{"it's", `say "x"`}}, nil, "accepted_values_m1_status__it_s__say_x_"},
	}
	for _, c := range cases {
		if _, full := synthesizeTestName("accepted_values", "m1", c.args, c.order); full != c.full {
			t.Errorf("%v: %s, dbt names it %s", c.args, full, c.full)
		}
	}
}

// The unique_id suffixes below are the ones dbt 1.11 gives these tests in
// testdata/jaffle_shop (observed with the reference dbt).
func TestTestHashMatchesDBT(t *testing.T) {
	model := func(m string) string { return "{{ get_where_subquery(ref('" + m + "')) }}" }
	cases := []struct {
		name   string
		meta   map[string]any
		suffix string
	}{
		{"unique_stg_customers_customer_id", map[string]any{"name": "unique", "namespace": nil,
			"kwargs": map[string]any{"column_name": "customer_id", "model": model("stg_customers")}}, "c7614daada"},
		{"accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned", map[string]any{"name": "accepted_values", "namespace": nil,
			"kwargs": map[string]any{"column_name": "status", "model": model("stg_orders"),
				"values": []any{"placed", "shipped", "completed", "return_pending", "returned"}}}, "080fb20aad"},
		{"relationships_raw_orders_user_id__id__ref_raw_customers_", map[string]any{"name": "relationships", "namespace": nil,
			"kwargs": map[string]any{"column_name": "user_id", "model": model("raw_orders"), "to": "ref('raw_customers')", "field": "id"}}, "565b1bca9b"},
	}
	for _, c := range cases {
		if got := testHash(c.name, c.meta); got != c.suffix {
			t.Errorf("%s: hash %s, dbt has %s", c.name, got, c.suffix)
		}
	}
}

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalPackageBuilds builds testdata/packages: a project using its own
// utility package installed under dbt_packages/shop_utils (dispatching
// macros, generic tests that set their own fail_calc, macros returning
// lists and dicts, warehouse introspection with
// adapter.get_columns_in_relation / run_query / statement), with one package
// macro overridden from the root project through `dispatch:`.
func TestLocalPackageBuilds(t *testing.T) {
	src := filepath.Join(repoRoot(t), "testdata", "packages")
	dir := buildAndCompare(t, src, "packages.duckdb", []string{"orders", "status_counts", "customer_codes"}, 10)

	compiled, err := os.ReadFile(filepath.Join(dir, "target", "compiled", "packages_demo", "models", "orders.sql"))
	if err != nil {
		t.Fatal(err)
	}
	// the root project's default__to_dollars wins over the package's
	if !strings.Contains(string(compiled), "floor(amount_cents / 100) as amount_dollars") {
		t.Errorf("dispatch override not used:\n%s", compiled)
	}
	// select_except read the columns from the warehouse
	if !strings.Contains(string(compiled), `"id", "customer", "status",`) {
		t.Errorf("select_except did not expand the columns:\n%s", compiled)
	}
}

// TestLocalPackageTestFailures: the package's generic tests report real
// failures, and the fail_calc a test sets from inside its macro decides the
// failure count.
func TestLocalPackageTestFailures(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "packages"))
	// one negative amount and one order too large for `within`
	seed := filepath.Join(dir, "seeds", "raw_orders.csv")
	b, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seed, append(b, []byte("5,dee,lost,-300,\n6,dee,shipped,250000,\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	res := kiln(t, dir, nil, "build")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.all())
	}
	out := res.all()
	for _, want := range []string{
		"FAIL 1 shop_utils_no_negatives_orders_amount", // sum(n_negative), not count(*) of its one row
		"FAIL 2 shop_utils_within_orders_amount__1000__0",
		"FAIL 1 shop_utils_not_one_of_orders_status__lost__stolen",
		"FAIL 1 shop_utils_same_row_count_status_counts_ref_raw_customers_",
		"PASS shop_utils_same_row_count_orders_ref_raw_orders_",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

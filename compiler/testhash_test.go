package compiler

import (
	"testing"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// The expected suffixes are the ones dbt 1.11 gives these tests, so that a
// test's unique_id (and with it --select, state and artifacts) matches dbt's.
func TestTestHashMatchesDBT(t *testing.T) {
	ns := "dbt_utils"
	cases := []struct {
		name string
		md   manifest.TestMetadata
		want string
	}{
		{"accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
			manifest.TestMetadata{Name: "accepted_values", Kwargs: map[string]any{
				"values":      []any{"placed", "shipped", "completed", "return_pending", "returned"},
				"column_name": "status", "model": "{{ get_where_subquery(ref('orders')) }}"}},
			"be6b5b5ec3"},
		// scalars hash as their str(), nested dict keys sorted, quotes as repr
		{"dbt_utils_accepted_range_orders_amount__True__0",
			manifest.TestMetadata{Name: "accepted_range", Namespace: &ns, Kwargs: map[string]any{
				"min_value": 0, "inclusive": true, "where": nil, "column_name": "amount",
				"model": "{{ get_where_subquery(ref('orders')) }}", "quoted": "it's",
				"nested": map[string]any{"b": []any{1.5, "x"}, "a": "y"}}},
			"76f6f5fa0f"},
	}
	for _, c := range cases {
		if got := testHash(c.name, &c.md); got != c.want {
			t.Errorf("testHash(%s) = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestPyStrRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc": "'abc'", "it's": `"it's"`, `a'b"c`: `'a\'b"c'`, "a\\b\n": `'a\\b\n'`, "\x01": `'\x01'`,
	} {
		if got := pyStrRepr(in); got != want {
			t.Errorf("pyStrRepr(%q) = %s, want %s", in, got, want)
		}
	}
}

package compiler

import "testing"

// The expected suffixes are the unique_ids dbt 1.11 gives these tests in
// jaffle_shop's manifest.
func TestTestHashMatchesDBT(t *testing.T) {
	for _, c := range []struct {
		name, test, ns string
		kwargs         map[string]any
		want           string
	}{
		{"unique_raw_customers_id", "unique", "", map[string]any{"column_name": "id", "model": "{{ get_where_subquery(ref('raw_customers')) }}"}, "3d7786e4b7"},
		{"not_null_raw_customers_id", "not_null", "", map[string]any{"column_name": "id", "model": "{{ get_where_subquery(ref('raw_customers')) }}"}, "19eb366136"},
	} {
		if got := testHash(c.name, c.test, c.ns, c.kwargs); got != c.want {
			t.Errorf("%s: hash %s, dbt has %s", c.name, got, c.want)
		}
	}
}

func TestPyReprStr(t *testing.T) {
	for in, want := range map[string]string{
		`abc`:        `'abc'`,
		`ref('x')`:   `"ref('x')"`,
		`a'b"c`:      `'a\'b"c'`,
		"tab\there":  `'tab\there'`,
		`back\slash`: `'back\\slash'`,
		"\x01":       `'\x01'`,
		"é":          `'é'`,
	} {
		if got := pyReprStr(in); got != want {
			t.Errorf("pyReprStr(%q) = %s, Python gives %s", in, got, want)
		}
	}
}

package diag

import "testing"

func TestSuggest(t *testing.T) {
	cands := []string{"orders", "customers", "stg_orders", "materialized", "table", "view"}
	cases := map[string]string{
		"ordrs":        "orders",
		"Orders":       "orders",
		"custmers":     "customers",
		"materialised": "materialized",
		"payments":     "",
		"x":            "",
		"tabel":        "table", // a swap of adjacent letters is one edit
		"veiw":         "view",
		"odrers":       "orders",
	}
	for in, want := range cases {
		if got := Suggest(in, cands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStringAndSort(t *testing.T) {
	l := List{
		Errorf(Pos{File: "models/b.sql", Line: 3, Col: 1}, "x", "second"),
		Warnf(Pos{File: "models/a.sql", Line: 9}, "y", "first"),
	}
	l.Sort()
	if l[0].Message != "first" {
		t.Fatalf("not sorted: %v", l)
	}
	d := l[1]
	d.Suggestion = "did you mean 'orders'?"
	d.Notes = []string{"  3 | select * from {{ ref('ordrs') }}"}
	want := "models/b.sql:3:1: error: second — did you mean 'orders'?\n      3 | select * from {{ ref('ordrs') }}"
	if d.String() != want {
		t.Fatalf("got %q\nwant %q", d.String(), want)
	}
	if !l.HasErrors() || len(l.Warnings()) != 1 {
		t.Fatal("HasErrors/Warnings wrong")
	}
}

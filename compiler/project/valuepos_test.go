package project

import (
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

func TestValuePos(t *testing.T) {
	src := []byte(`version: 2
models:
  - name: orders
    description: "{{ doc('ordrs') }}"
    config:
      alias: {{ x }} plain {{ y( }}
  - name: customers
    description: |
      Customers, with
      {{ doc('customrs') }}
  - name: folded
    description: >
      One long line
      folded {{ doc('nope') }} here
  - name: escaped
    description: "say \"{{ doc('x') }}\""
  - name: tests
    columns:
      - name: id
        tests:
          - accepted_values:
              values: ["a", "{{ 1 + }}"]
`)
	f := "models/schema.yml"
	cases := []struct {
		name      string
		anchor    diag.Pos
		value     string
		line, col int
		want      string
	}{
		{"double-quoted", diag.Pos{File: f, Line: 4, Col: 18}, "{{ doc('ordrs') }}", 1, 4, "models/schema.yml:4:22"},
		{"plain, anchored at the key", diag.Pos{File: f, Line: 6, Col: 7}, "{{ x }} plain {{ y( }}", 1, 21, "models/schema.yml:6:34"},
		{"literal block", diag.Pos{File: f, Line: 8, Col: 18}, "Customers, with\n{{ doc('customrs') }}\n", 2, 4, "models/schema.yml:10:10"},
		{"folded block", diag.Pos{File: f, Line: 12, Col: 18}, "One long line folded {{ doc('nope') }} here\n", 1, 25, "models/schema.yml:14:17"},
		{"escapes: the text at the place", diag.Pos{File: f, Line: 16, Col: 18}, `say "{{ doc('x') }}"`, 1, 9, "models/schema.yml:16:28"},
		{"test argument, anchored at the test", diag.Pos{File: f, Line: 21, Col: 13}, "{{ 1 + }}", 1, 8, "models/schema.yml:22:37"},
		{"line out of range", diag.Pos{File: f, Line: 4, Col: 18}, "x", 3, 1, "models/schema.yml:4:18"},
	}
	for _, c := range cases {
		if got := ValuePos(src, c.anchor, c.value, c.line, c.col).String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

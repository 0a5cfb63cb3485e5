package project

import (
	"strings"
	"testing"
)

func TestCheckRequiredVersion(t *testing.T) {
	cases := []struct {
		specs []string
		warn  string
	}{
		{[]string{">=1.0.0", "<2.0.0"}, ""},
		{[]string{">=1.5.0,<2.0.0"}, ""},
		{[]string{"1.11.0"}, ""},
		{[]string{">=2.0.0"}, `">=2.0.0" excludes dbt 1.11.0`},
		{[]string{"<1.9"}, `"<1.9" excludes dbt 1.11.0`},
		{[]string{">=one"}, "cannot read version specifier"},
	}
	for _, c := range cases {
		d := CheckRequiredVersion(&Project{RequireDbtVersion: c.specs}, "1.11.0")
		if c.warn == "" {
			if len(d) != 0 {
				t.Errorf("%v: unexpected %v", c.specs, d)
			}
			continue
		}
		if len(d) != 1 || !strings.Contains(d[0].Message, c.warn) || d[0].Severity.String() != "warning" {
			t.Errorf("%v: got %v, want a warning containing %q", c.specs, d, c.warn)
		}
	}
}

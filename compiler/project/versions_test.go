package project

import (
	"strings"
	"testing"
)

func TestModelVersionsParse(t *testing.T) {
	src := `version: 2
models:
  - name: dim
    latest_version: 2
    versions:
      - v: 1
        defined_in: dim_old
        deprecation_date: 2025-06-01
        config: {materialized: view}
        columns:
          - include: all
            exclude: [country]
          - name: extra
            data_tests: [not_null]
      - v: 2
        columns:
          - include: [id]
      - v: 2.5
      - v: 2
`
	p, diags := ParseProperties("models/dim.yml", []byte(src))
	vs := p.Models[0].Versions
	if len(vs) != 3 {
		t.Fatalf("versions %+v", vs)
	}
	v1 := vs[0]
	if v1.DefinedIn != "dim_old" || !v1.IncludeAll || strings.Join(v1.Exclude, ",") != "country" || v1.DeprecationDate != "2025-06-01" ||
		len(v1.Columns) != 1 || v1.Columns[0].Name != "extra" || len(v1.Columns[0].Tests) != 1 || v1.Config["materialized"] != "view" {
		t.Errorf("v1 %+v", v1)
	}
	if vs[1].IncludeAll || strings.Join(vs[1].Include, ",") != "id" {
		t.Errorf("v2 %+v", vs[1])
	}
	if got := vs[2].VersionName(); got != "v2.5" {
		t.Errorf("VersionName %q", got)
	}
	if len(diags) != 1 || !strings.Contains(diags[0].Error(), "version 2 of model 'dim' is declared twice") {
		t.Errorf("diags %v", diags)
	}
}

package postgres

import (
	"context"
	"reflect"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// A relation without a schema is the table its bare name resolves to:
// a temporary table (make_temp_relation's) first.
func TestColumnsOfTemporaryTable(t *testing.T) {
	c, _ := setup(t)
	mustExec(t, c, "create temp table kiln_tmp_cols as select 1 as q, 'x'::text as r")
	cols, err := c.Columns(context.Background(), adapters.Relation{Identifier: "kiln_tmp_cols"})
	if err != nil {
		t.Fatal(err)
	}
	want := []adapters.Column{{Name: "q", DataType: "integer", Index: 1}, {Name: "r", DataType: "text", Index: 2}}
	if !reflect.DeepEqual(cols, want) {
		t.Fatalf("columns: got %+v, want %+v", cols, want)
	}
}

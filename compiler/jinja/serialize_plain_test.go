package jinja

import "testing"

type runStatus string

// Context objects hand Go values to templates as they are; tojson must
// serialise a named string, a *string and a nil pointer as json.dumps would
// the Python values dbt holds there.
func TestToJSONPlainGoValues(t *testing.T) {
	s := "x"
	var none *string
	got, err := pyJSON(map[string]any{"status": runStatus("success"), "ptr": &s, "nil": none, "n": int64(3)}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"n": 3, "nil": null, "ptr": "x", "status": "success"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

package compiler

import (
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
)

func TestBatchFilter(t *testing.T) {
	b := &Batch{ID: "20240102", Start: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)}
	rel := func() *jinja.Relation {
		return jinja.NewRelation(adapters.Relation{Database: "db", Schema: "main", Identifier: "events"})
	}
	got := b.filter(rel(), "ts", "events", nil).String()
	want := `(select * from "db"."main"."events" where ts >= '2024-01-02 00:00:00+00:00' and ts < '2024-01-03 00:00:00+00:00') _dbt_et_filter_subq_events`
	if got != want {
		t.Errorf("filtered ref:\n%s\nwant:\n%s", got, want)
	}
	if got := b.filter(rel(), nil, "events", nil).String(); got != `"db"."main"."events"` {
		t.Errorf("upstream without event_time must not be filtered: %s", got)
	}
	var none *Batch
	if got := none.filter(rel(), "ts", "events", nil).String(); got != `"db"."main"."events"` {
		t.Errorf("outside a batch nothing is filtered: %s", got)
	}
	if m := b.contextMap(); m["id"] != "20240102" || !m["event_time_end"].(time.Time).Equal(b.End) {
		t.Errorf("model.batch = %v", m)
	}
}

package run

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// A project's snapshot_get_time is the start of new versions (check
// strategy) and the end of deleted ones, as in dbt: overriding it sends the
// snapshot through the macros, which call it.
func TestSnapshotGetTimeOverride(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"snapshots/snap.sql": `{% snapshot snap %}
{{ config(target_schema='main', unique_key='id', strategy='check', check_cols=['v'], hard_deletes='invalidate') }}
select 1 as id, {% if var('round') == 1 %}'a' as v union all select 2, 'b'{% else %}'A' as v{% endif %}
{% endsnapshot %}
`,
		"macros/time.sql": `{% macro default__snapshot_get_time() -%}
cast('20{{ var('round') + 30 }}-01-01' as timestamp)
{%- endmacro %}`,
	})
	for round := 1; round <= 2; round++ {
		sum, db := buildDuck(t, dir, map[string]any{"round": round})
		db.Close()
		for _, r := range sum.Results {
			if r.Status != manifest.StatusSuccess {
				t.Fatalf("round %d: %s: %s %v", round, r.UniqueID, r.Status, *r.Message)
			}
		}
	}
	_, db := buildDuck(t, dir, map[string]any{"round": 2})
	defer db.Close()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tab, _, err := c.Query(context.Background(), `select id, v, dbt_valid_from, dbt_valid_to from main.snap order by id, dbt_valid_from`, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range tab.Rows {
		to := "NULL"
		if ts, ok := r[3].(time.Time); ok {
			to = ts.Format("2006")
		}
		got = append(got, fmt.Sprintf("%v|%v|%s|%s", r[0], r[1], r[2].(time.Time).Format("2006"), to))
	}
	// Round 1 at 2031; round 2 (2032) changes id 1 and deletes id 2.
	want := []string{"1|a|2031|2032", "1|A|2032|NULL", "2|b|2031|2032"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("history:\n got %v\nwant %v", got, want)
	}
}

package run

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := NewPrinter(&buf, false)
	p.Now = func() time.Time { return time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC) }
	p.Progress(1, 5, "START sql view model main.stg_customers", "RUN", 0, false)
	p.Progress(1, 5, "OK created sql view model main.stg_customers", "OK", 30*time.Millisecond, true)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want0 := "12:00:00  1 of 5 START sql view model main.stg_customers " + strings.Repeat(".", 80-len("1 of 5 START sql view model main.stg_customers ")) + " [RUN]"
	if lines[0] != want0 {
		t.Errorf("start line:\n%q\nwant\n%q", lines[0], want0)
	}
	if !strings.HasSuffix(lines[1], "... [OK in 0.03s]") {
		t.Errorf("result line: %q", lines[1])
	}
	buf.Reset()
	p.Color = true
	p.Progress(2, 5, "FAIL 3 unique_orders_id", "FAIL 3", time.Second, true)
	if !strings.Contains(buf.String(), "\033[31mFAIL 3 in 1.00s\033[0m") {
		t.Errorf("colour: %q", buf.String())
	}
}

func TestTestWrapperAndOutcome(t *testing.T) {
	n := &manifest.Node{Config: manifest.Config{"fail_calc": "sum(n)", "warn_if": "> 5", "error_if": "> 10", "limit": int64(3)}}
	sql := testWrapper(n, "select 1 as n\n")
	for _, want := range []string{"sum(n) as failures", "sum(n) > 5 as should_warn", "sum(n) > 10 as should_error", "limit 3", ") dbt_internal_test"} {
		if !strings.Contains(sql, want) {
			t.Errorf("wrapper lacks %q:\n%s", want, sql)
		}
	}
	f, w, e := testOutcome(&adapters.Table{Rows: [][]any{{int64(7), true, false}}})
	if f != 7 || !w || e {
		t.Errorf("outcome: %d %v %v", f, w, e)
	}
	if f, w, e := testOutcome(&adapters.Table{}); f != 0 || w || e {
		t.Error("an empty result must pass")
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
)

func fixture() (*manifest.Manifest, []manifest.RunResult) {
	m := manifest.New()
	m.Nodes["model.p.orders"] = &manifest.Node{UniqueID: "model.p.orders", Name: "orders", ResourceType: manifest.Model, OriginalFilePath: "models/orders.sql", Config: manifest.Config{"materialized": "table"}}
	m.Nodes["test.p.not_null_orders_id.abc"] = &manifest.Node{UniqueID: "test.p.not_null_orders_id.abc", Name: "not_null_orders_id", ResourceType: manifest.Test, OriginalFilePath: "models/schema.yml", Pos: diag.Pos{File: "models/schema.yml", Line: 7}}
	m.Nodes["unit_test.p.orders.t"] = &manifest.Node{UniqueID: "unit_test.p.orders.t", Name: "t", ResourceType: manifest.UnitTest, OriginalFilePath: "models/schema.yml", Pos: diag.Pos{Line: 12}, UnitTest: &manifest.UnitTestDef{Model: "orders"}}
	s := func(v string) *string { return &v }
	two := int64(2)
	return m, []manifest.RunResult{
		{UniqueID: "model.p.orders", Status: manifest.StatusSuccess, ExecutionTime: 0.5},
		{UniqueID: "test.p.not_null_orders_id.abc", Status: manifest.StatusFail, Failures: &two, Message: s("Got 2 results, configured to fail if != 0")},
		{UniqueID: "unit_test.p.orders.t", Status: manifest.StatusError, Message: s("models/schema.yml:12:5: bad: 50%\nsecond line")},
	}
}

func TestJUnitRoundTrip(t *testing.T) {
	m, rr := fixture()
	doc := JUnit("build", m, rr, time.Second, time.Now())
	path := filepath.Join(t.TempDir(), "out", "junit.xml")
	if err := WriteJUnit(path, doc); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var back JUnitSuites
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Tests != 3 || back.Failures != 1 || back.Errors != 1 || len(back.Suites) != 3 {
		t.Fatalf("totals: %+v\n%s", back, b)
	}
	for _, s := range back.Suites {
		for _, c := range s.Cases {
			switch c.ClassName {
			case "test.p.not_null_orders_id.abc":
				if c.Failure == nil || c.Failure.Message != "2 failing rows: Got 2 results, configured to fail if != 0" || c.Line != 7 {
					t.Errorf("test case: %+v", c)
				}
			case "unit_test.p.orders.t":
				if c.Error == nil || c.Name != "orders::t" || !strings.Contains(c.Error.Text, "second line") {
					t.Errorf("unit test case: %+v", c)
				}
			}
		}
	}
}

func TestAnnotationsEscape(t *testing.T) {
	m, rr := fixture()
	var buf bytes.Buffer
	Annotations(&buf, m, rr, "/repo/proj", "/repo")
	want := "::error file=proj/models/schema.yml,line=7,title=test not_null_orders_id FAIL::Got 2 results, configured to fail if != 0\n" +
		"::error file=proj/models/schema.yml,line=12,title=unit_test orders%3A%3At ERROR::models/schema.yml:12:5: bad: 50%25%0Asecond line\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestLoggerNodeEvents(t *testing.T) {
	m, rr := fixture()
	var js, text, file bytes.Buffer
	l := NewLogger("inv-1",
		&Sink{W: &js, Format: FormatJSON, Level: LevelInfo},
		&Sink{W: &text, Format: FormatText, Level: LevelInfo},
		&Sink{W: &file, Format: FormatDebug, Level: LevelDebug})
	l.now = func() time.Time { return time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC) }
	n := m.Nodes["test.p.not_null_orders_id.abc"]
	l.NodeStarted(n, 1, 3, "Thread-1 (worker)")
	l.Progress(1, 3, "1 of 3 START test not_null_orders_id .... [RUN]", "RUN")
	l.Progress(1, 3, "1 of 3 FAIL 2 not_null_orders_id .... [\x1b[31mFAIL 2 in 0.01s\x1b[0m]", "FAIL 2")
	rr[1].ThreadID = "Thread-1 (worker)"
	l.NodeFinished(n, &rr[1], 1, 3)
	l.NodeFinished(m.Nodes["model.p.orders"], &rr[0], 2, 3)
	l.Emit("Note", "Z050", "info", "hello", nil)
	l.Progress(1, 1, "1 of 1 START hook: p.on-run-end.0 .... [RUN]", "RUN")
	l.Emit("StatsLine", "Z023", "info", "Done.", nil)
	var codes []string
	var result JSONEvent
	for _, line := range strings.Split(strings.TrimSpace(js.String()), "\n") {
		var ev JSONEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Info.InvocationID != "inv-1" || ev.Info.PID == 0 || ev.Info.TS != "2024-01-01T12:00:00.000000Z" {
			t.Errorf("header: %s", line)
		}
		if ev.Info.Code == "Q007" {
			result = ev
		}
		codes = append(codes, ev.Info.Code)
	}
	// NodeStart/NodeFinished are debug events: not at info level.
	if strings.Join(codes, ",") != "Q011,Q007,Q012,Z050,Q032,Z023" {
		t.Errorf("codes %v\n%s", codes, js.String())
	}
	info, _ := result.Data["node_info"].(map[string]any)
	if result.Info.Msg != "1 of 3 FAIL 2 not_null_orders_id .... [FAIL 2 in 0.01s]" || result.Info.Level != "error" ||
		result.Info.Thread != "Thread-1 (worker)" || info["node_status"] != "fail" || info["unique_id"] != n.UniqueID ||
		info["node_started_at"] != "2024-01-01T12:00:00.000000" || info["node_finished_at"] == "" {
		t.Errorf("test result event: %+v", result)
	}
	// Text shows each console line once, as printed; the file has the
	// debug events with level and thread.
	if strings.Count(text.String(), "FAIL 2 not_null_orders_id") != 1 || strings.Contains(text.String(), "Began running") {
		t.Errorf("text:\n%s", text.String())
	}
	if !strings.Contains(file.String(), "12:00:00.000000 [debug] [Thread-1 (worker)]: Began running node test.p.not_null_orders_id.abc") ||
		strings.Contains(file.String(), "\x1b[") {
		t.Errorf("debug file:\n%s", file.String())
	}
}

func TestLoggerLevelsAndPrint(t *testing.T) {
	var out, errw bytes.Buffer
	l := NewLogger("x", &Sink{W: &out, ErrW: &errw, Format: FormatText, Level: LevelError, Console: true, PrintAlways: true, BarePrint: true})
	l.Emit("Note", "Z050", "info", "chatter", nil)
	l.Emit("PrintEvent", "Z052", "info", "from print()", nil)
	l.Fire(Event{Name: "MainEncounteredError", Code: "Z002", Level: "error", Msg: "boom", Stderr: true})
	if out.String() != "from print()\n" || errw.String() != "boom\n" || !l.Errored() {
		t.Errorf("stdout %q stderr %q", out.String(), errw.String())
	}
	if _, err := ParseLevel("loud"); err == nil {
		t.Error("bad level accepted")
	}
	if f, err := ParseFormat("default"); err != nil || f != FormatText {
		t.Error("default is text")
	}
}

func TestLogFileRotates(t *testing.T) {
	dir := t.TempDir()
	f, err := LogFile(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		f.Write([]byte(strings.Repeat("x", 60) + "\n"))
	}
	f.Close()
	for _, name := range []string{"dbt.log", "dbt.log.1", "dbt.log.4"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Size() > 100 {
			t.Errorf("%s: %v %v", name, st, err)
		}
	}
}

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

func TestEventLogLines(t *testing.T) {
	m, rr := fixture()
	var buf bytes.Buffer
	l := NewEventLog(&buf, "inv-1")
	n := m.Nodes["test.p.not_null_orders_id.abc"]
	l.NodeStarted(n, 1, 3)
	l.NodeFinished(n, &rr[1], 1, 3)
	l.NodeFinished(m.Nodes["model.p.orders"], &rr[0], 2, 3)
	l.Note("hello")
	l.Progress("1 of 3 START sql table model x", "RUN")
	l.Stats(1, 0, 1, 0, 0, 2)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var codes []string
	for _, line := range lines {
		var ev Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Info.InvocationID != "inv-1" {
			t.Errorf("invocation id: %s", line)
		}
		codes = append(codes, ev.Info.Code)
	}
	if strings.Join(codes, ",") != "Q011,Q007,Q012,Z050,Z023" {
		t.Errorf("codes %v\n%s", codes, buf.String())
	}
	if !strings.Contains(lines[1], `"msg":"1 of 3 FAIL 2 not_null_orders_id"`) || !strings.Contains(lines[1], `"level":"error"`) {
		t.Errorf("test result event: %s", lines[1])
	}
}

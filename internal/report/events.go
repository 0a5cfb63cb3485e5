// Package report turns run results into what CI systems read: dbt-style
// JSON log events (--log-format json), JUnit XML (--junit-xml) and GitHub
// Actions annotations. It depends only on the manifest data model; the CLI
// wires it to the runner.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// Event is one JSON log line: dbt's {"info": {...}, "data": {...}}.
type Event struct {
	Info EventInfo      `json:"info"`
	Data map[string]any `json:"data"`
}

// EventInfo is dbt's common event header.
type EventInfo struct {
	Name         string            `json:"name"`
	Code         string            `json:"code"`
	Msg          string            `json:"msg"`
	Level        string            `json:"level"`
	InvocationID string            `json:"invocation_id"`
	PID          int               `json:"pid"`
	Thread       string            `json:"thread"`
	TS           string            `json:"ts"`
	Category     string            `json:"category"`
	Extra        map[string]string `json:"extra"`
}

// EventLog writes one JSON event per line. It is safe for concurrent use
// and implements the runner's Observer and the printer's event sink.
type EventLog struct {
	mu           sync.Mutex
	w            io.Writer
	invocationID string
	now          func() time.Time
	started      sync.Map // unique_id -> time.Time
}

// NewEventLog writes events to w.
func NewEventLog(w io.Writer, invocationID string) *EventLog {
	return &EventLog{w: w, invocationID: invocationID, now: time.Now}
}

// Emit writes one event.
func (l *EventLog) Emit(name, code, level, msg string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	ev := Event{Info: EventInfo{
		Name: name, Code: code, Msg: msg, Level: level, InvocationID: l.invocationID, PID: os.Getpid(),
		Thread: "MainThread", TS: l.now().UTC().Format("2006-01-02T15:04:05.000000Z"), Extra: map[string]string{},
	}, Data: data}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(append(b, '\n'))
}

// Note is any console line without a more specific event (dbt's Note, Z050).
func (l *EventLog) Note(msg string) {
	if strings.TrimSpace(msg) == "" {
		return
	}
	level := "info"
	if strings.HasPrefix(msg, "Warning") {
		level = "warn"
	}
	l.Emit("Note", "Z050", level, msg, map[string]any{"msg": msg})
}

// Progress receives the printer's "i of N ..." lines. Node lines are
// reported as structured events by NodeStarted/NodeFinished, so only the
// others (project hooks) become Notes.
func (l *EventLog) Progress(msg, status string) {
	if strings.Contains(msg, " hook: ") {
		l.Note(msg + " [" + status + "]")
	}
}

func (l *EventLog) nodeInfo(n *manifest.Node, status string) map[string]any {
	info := map[string]any{
		"node_path": n.Path, "node_name": n.Name, "unique_id": n.UniqueID, "resource_type": n.ResourceType,
		"materialized": n.Config.String("materialized", ""), "node_status": status, "meta": nonNil(n.Meta),
		"node_started_at": "", "node_finished_at": "",
		"node_relation": map[string]any{"database": n.Database, "schema": n.Schema, "alias": n.Alias, "relation_name": n.RelationName},
	}
	if n.ResourceType == manifest.Test || n.ResourceType == manifest.UnitTest {
		info["materialized"] = "test"
		if n.ResourceType == manifest.UnitTest {
			info["materialized"] = "unit"
		}
	}
	if t, ok := l.started.Load(n.UniqueID); ok {
		info["node_started_at"] = t.(time.Time).UTC().Format("2006-01-02T15:04:05.000000")
	}
	if status != "started" {
		info["node_finished_at"] = l.now().UTC().Format("2006-01-02T15:04:05.000000")
	}
	return info
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// describe is the node as console lines name it.
func describe(n *manifest.Node) string {
	switch n.ResourceType {
	case manifest.Test:
		return "test " + n.Name
	case manifest.UnitTest:
		if n.UnitTest != nil {
			return "unit_test " + n.UnitTest.Model + "::" + n.Name
		}
	case manifest.Seed:
		return "seed file " + n.Schema + "." + n.Alias
	case manifest.Model:
		return "sql " + n.Config.Materialized() + " model " + n.Schema + "." + n.Alias
	}
	return n.ResourceType + " " + n.Schema + "." + n.Alias
}

// NodeStarted emits LogStartLine (Q011).
func (l *EventLog) NodeStarted(n *manifest.Node, index, total int) {
	if n == nil {
		return
	}
	l.started.Store(n.UniqueID, l.now())
	desc := describe(n)
	l.Emit("LogStartLine", "Q011", "info", fmt.Sprintf("%d of %d START %s", index, total, desc),
		map[string]any{"description": desc, "index": index, "total": total, "node_info": l.nodeInfo(n, "started")})
}

// NodeFinished emits the result event: LogTestResult (Q007) for data and
// unit tests, LogSeedResult (Q016) for seeds, LogModelResult (Q012) for
// models, SkippingDetails (Z033) for skipped nodes.
func (l *EventLog) NodeFinished(n *manifest.Node, rr *manifest.RunResult, index, total int) {
	if n == nil || rr == nil {
		return
	}
	msg := ""
	if rr.Message != nil {
		msg = *rr.Message
	}
	level := "info"
	switch rr.Status {
	case manifest.StatusError, manifest.StatusFail:
		level = "error"
	case manifest.StatusWarn:
		level = "warn"
	}
	info := l.nodeInfo(n, rr.Status)
	desc := describe(n)
	if rr.Status == manifest.StatusSkipped {
		l.Emit("SkippingDetails", "Z033", "info", fmt.Sprintf("%d of %d SKIP %s", index, total, desc),
			map[string]any{"resource_type": n.ResourceType, "node_name": n.Name, "index": index, "total": total, "node_info": info})
		return
	}
	switch n.ResourceType {
	case manifest.Test, manifest.UnitTest:
		failures := int64(0)
		if rr.Failures != nil {
			failures = *rr.Failures
		}
		name := n.Name
		if n.UnitTest != nil {
			name = n.UnitTest.Model + "::" + n.Name
		}
		line := fmt.Sprintf("%d of %d %s %s", index, total, strings.ToUpper(rr.Status), name)
		if rr.Status == manifest.StatusFail || rr.Status == manifest.StatusWarn {
			line = fmt.Sprintf("%d of %d %s %d %s", index, total, strings.ToUpper(rr.Status), failures, name)
		}
		l.Emit("LogTestResult", "Q007", level, line, map[string]any{
			"name": name, "status": rr.Status, "index": index, "num_models": total,
			"execution_time": rr.ExecutionTime, "num_failures": failures, "node_info": info, "message": msg,
		})
	case manifest.Seed:
		l.Emit("LogSeedResult", "Q016", level, fmt.Sprintf("%d of %d %s loaded %s", index, total, okOrError(rr.Status), desc), map[string]any{
			"status": rr.Status, "result_message": msg, "index": index, "total": total, "execution_time": rr.ExecutionTime,
			"schema": n.Schema, "relation": n.Alias, "node_info": info,
		})
	default:
		l.Emit("LogModelResult", "Q012", level, fmt.Sprintf("%d of %d %s created %s", index, total, okOrError(rr.Status), desc), map[string]any{
			"description": desc, "status": rr.Status, "index": index, "total": total, "execution_time": rr.ExecutionTime, "node_info": info,
		})
	}
}

func okOrError(status string) string {
	if status == manifest.StatusError {
		return "ERROR"
	}
	return "OK"
}

// Stats emits StatsLine (Z023), the "Done. PASS=..." line.
func (l *EventLog) Stats(pass, warn, errs, skip, noop, total int) {
	msg := fmt.Sprintf("Done. PASS=%d WARN=%d ERROR=%d SKIP=%d NO-OP=%d TOTAL=%d", pass, warn, errs, skip, noop, total)
	l.Emit("StatsLine", "Z023", "info", msg, map[string]any{"stats": map[string]any{
		"pass": pass, "warn": warn, "error": errs, "skip": skip, "noop": noop, "total": total,
	}})
}

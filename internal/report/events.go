// Package report turns a run into what people and CI systems read: dbt's
// structured log events (console text, --log-format json, logs/dbt.log),
// JUnit XML (--junit-xml) and GitHub Actions annotations. It depends only
// on the manifest data model; the CLI wires it to the runner.
package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// The node events: the runner reports each node's start and result
// (NodeStarted/NodeFinished) and prints its console lines (Progress) by
// display index. The console line is written when printed; the JSON
// event — LogStartLine, LogModelResult, … with dbt's node_info, the
// structure orchestrators such as dagster-dbt parse — is written with the
// line as its msg once the node's status is known.

type nodeState struct {
	n       *manifest.Node
	thread  string
	started time.Time
	line    string // the result line printed by the runner
}

const tsLayout = "2006-01-02T15:04:05.000000"

func (l *Logger) nodeInfo(st *nodeState, status string, finished time.Time) map[string]any {
	n := st.n
	info := map[string]any{
		"node_path": nodePath(n), "node_name": n.Name, "unique_id": n.UniqueID, "resource_type": n.ResourceType,
		"materialized": n.Config.String("materialized", ""), "node_status": status, "meta": nonNil(n.Meta),
		"node_started_at": "", "node_finished_at": "", "node_checksum": n.Checksum.Checksum,
		"node_relation": map[string]any{"database": n.Database, "schema": n.Schema, "alias": n.Alias, "relation_name": n.RelationName},
	}
	switch n.ResourceType {
	case manifest.Test:
		info["materialized"] = "test"
	case manifest.UnitTest:
		info["materialized"] = "unit"
	}
	if !st.started.IsZero() {
		info["node_started_at"] = st.started.UTC().Format(tsLayout)
	}
	if !finished.IsZero() {
		info["node_finished_at"] = finished.UTC().Format(tsLayout)
	}
	return info
}

// nodePath is the path dbt reports: relative to the resource folder
// (staging/orders.sql), or the generated file name of a generic test.
func nodePath(n *manifest.Node) string {
	if n.Path != "" {
		return n.Path
	}
	return n.OriginalFilePath
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
	case manifest.Snapshot:
		return "snapshot " + n.Schema + "." + n.Alias
	}
	return n.ResourceType + " " + n.Schema + "." + n.Alias
}

// NodeStarted registers the node at its display index and emits NodeStart
// (Q024, debug).
func (l *Logger) NodeStarted(n *manifest.Node, index, total int, thread string) {
	if l == nil || n == nil {
		return
	}
	st := &nodeState{n: n, thread: thread, started: l.now()}
	l.mu.Lock()
	l.nodes[index] = st
	l.mu.Unlock()
	l.Fire(Event{Name: "NodeStart", Code: "Q024", Level: "debug", Msg: "Began running node " + n.UniqueID, Thread: thread,
		Data: map[string]any{"node_info": l.nodeInfo(st, "started", time.Time{})}})
}

// Progress receives a console line "i of N ... [STATUS]" as printed.
func (l *Logger) Progress(index, total int, line, status string) {
	if l == nil {
		return
	}
	level := statusLevel(status)
	l.mu.Lock()
	st := l.nodes[index]
	if st != nil && status != "RUN" {
		st.line = line
	}
	l.mu.Unlock()
	switch {
	case st != nil && status == "RUN":
		l.Fire(Event{Name: "LogStartLine", Code: "Q011", Level: "info", Msg: line, Thread: st.thread, Data: map[string]any{
			"description": describe(st.n), "index": index, "total": total, "node_info": l.nodeInfo(st, "started", time.Time{})}})
	case st != nil:
		// The structured result follows in NodeFinished.
		l.Fire(Event{Name: resultEventName(st.n, status), Level: level, Msg: line, Thread: st.thread, textOnly: true})
	case strings.Contains(line, " hook: "):
		name, code := "LogHookEndLine", "Q033"
		if status == "RUN" {
			name, code = "LogHookStartLine", "Q032"
		}
		stmt := line
		if _, after, ok := strings.Cut(line, " hook: "); ok {
			stmt = strings.TrimRight(strings.Fields(after + " ")[0], ".")
		}
		data := map[string]any{"statement": stmt, "index": index, "total": total}
		if status != "RUN" {
			data["status"] = strings.ToLower(strings.Fields(status + " ")[0])
		}
		l.Fire(Event{Name: name, Code: code, Level: level, Msg: line, Data: data})
	case status == "RUN":
		l.Fire(Event{Name: "LogStartLine", Code: "Q011", Level: "info", Msg: line, Data: map[string]any{"index": index, "total": total}})
	default:
		// A result line whose caller reports a structured event of its own
		// (source freshness); JSON sinks get that event, with this line.
		l.mu.Lock()
		l.pending[index] = line
		l.mu.Unlock()
		l.Fire(Event{Name: "Note", Code: "Z050", Level: level, Msg: line, textOnly: true})
	}
}

// NodeInfo is the node_info dbt attaches to a node's events outside its
// run (the end-of-run RunResultFailure, RunResultError, SQLCompiledPath).
func (l *Logger) NodeInfo(n *manifest.Node, status string) map[string]any {
	if l == nil || n == nil {
		return nil
	}
	return l.nodeInfo(&nodeState{n: n}, status, time.Time{})
}

// Hook writes a project hook's LogHookStartLine (Q032, status "") or
// LogHookEndLine (Q033, status success, error or skipped) as dbt does: the
// hook's operation node as node_info, and on the end line its status and
// execution time.
func (l *Logger) Hook(n *manifest.Node, index, total int, line, statement, status string, started time.Time, elapsed time.Duration) {
	if l == nil {
		return
	}
	st := &nodeState{n: n, started: started}
	data := map[string]any{"statement": statement, "index": index, "total": total}
	if status == "" {
		data["node_info"] = l.nodeInfo(st, "started", time.Time{})
		l.Fire(Event{Name: "LogHookStartLine", Code: "Q032", Level: "info", Msg: line, Data: data})
		return
	}
	data["status"] = status
	data["execution_time"] = elapsed.Seconds()
	data["node_info"] = l.nodeInfo(st, status, started.Add(elapsed))
	level := "info"
	if status == manifest.StatusError {
		level = "error"
	}
	l.Fire(Event{Name: "LogHookEndLine", Code: "Q033", Level: level, Msg: line, Data: data})
}

// Result writes a structured event whose console line was printed through
// Progress (source freshness results): JSON sinks only, with that line as
// msg when data carries its index.
func (l *Logger) Result(name, code, level, msg string, data map[string]any) {
	if l == nil {
		return
	}
	if i, ok := data["index"].(int); ok {
		l.mu.Lock()
		if line, ok := l.pending[i]; ok {
			msg = line
			delete(l.pending, i)
		}
		l.mu.Unlock()
	}
	l.Fire(Event{Name: name, Code: code, Level: level, Msg: msg, Data: data, jsonOnly: true})
}

func statusLevel(status string) string {
	switch {
	case strings.HasPrefix(status, "ERROR"), strings.HasPrefix(status, "FAIL"):
		return "error"
	case strings.HasPrefix(status, "WARN"):
		return "warn"
	}
	return "info"
}

func resultEventName(n *manifest.Node, status string) string {
	if strings.HasPrefix(status, "SKIP") {
		return "SkippingDetails"
	}
	switch n.ResourceType {
	case manifest.Test, manifest.UnitTest:
		return "LogTestResult"
	case manifest.Seed:
		return "LogSeedResult"
	case manifest.Snapshot:
		return "LogSnapshotResult"
	}
	return "LogModelResult"
}

// NodeFinished emits the node's result event — LogModelResult (Q012),
// LogSeedResult (Q016), LogSnapshotResult (Q015), LogTestResult (Q007,
// data and unit tests), LogNodeNoOpResult (Q019) or SkippingDetails
// (Q034) — and NodeFinished (Q025, debug) with the run result.
func (l *Logger) NodeFinished(n *manifest.Node, rr *manifest.RunResult, index, total int) {
	if l == nil || n == nil || rr == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	st := l.nodes[index]
	if st == nil || st.n != n {
		st = &nodeState{n: n, thread: rr.ThreadID}
	}
	delete(l.nodes, index)
	if st.line == "" {
		st.line = l.pending[index]
		delete(l.pending, index)
	}
	l.mu.Unlock()
	if st.thread == "" {
		st.thread = rr.ThreadID
	}
	msg := ""
	if rr.Message != nil {
		msg = *rr.Message
	}
	level := "info"
	switch rr.Status {
	case manifest.StatusError, manifest.StatusFail, "partial success":
		level = "error"
	case manifest.StatusWarn:
		level = "warn"
	}
	info := l.nodeInfo(st, rr.Status, now)
	desc := describe(n)
	line := st.line
	if line == "" {
		line = fmt.Sprintf("%d of %d %s %s", index, total, strings.ToUpper(rr.Status), desc)
	}
	ev := Event{Level: level, Msg: line, Thread: st.thread, jsonOnly: true}
	switch {
	case rr.Status == manifest.StatusSkipped:
		ev.Name, ev.Code, ev.Level = "SkippingDetails", "Q034", "info"
		ev.Data = map[string]any{"resource_type": n.ResourceType, "schema": n.Schema, "node_name": n.Name, "index": index, "total": total, "node_info": info}
	case rr.Status == manifest.StatusNoOp:
		ev.Name, ev.Code = "LogNodeNoOpResult", "Q019"
		ev.Data = map[string]any{"description": desc, "status": "", "index": index, "total": total, "execution_time": rr.ExecutionTime, "node_info": info}
	case n.ResourceType == manifest.Test || n.ResourceType == manifest.UnitTest:
		failures := int64(0)
		if rr.Failures != nil {
			failures = *rr.Failures
		}
		name := n.Name
		if n.UnitTest != nil {
			name = n.UnitTest.Model + "::" + n.Name
		}
		attached := n.AttachedNode
		ev.Name, ev.Code = "LogTestResult", "Q007"
		ev.Data = map[string]any{"name": name, "status": rr.Status, "index": index, "num_models": total, "attached_node": attached,
			"execution_time": rr.ExecutionTime, "num_failures": failures, "node_info": info}
	case n.ResourceType == manifest.Seed:
		ev.Name, ev.Code = "LogSeedResult", "Q016"
		ev.Data = map[string]any{"status": resultStatus(rr), "result_message": msg, "index": index, "total": total,
			"execution_time": rr.ExecutionTime, "schema": n.Schema, "relation": n.Alias, "node_info": info}
	case n.ResourceType == manifest.Snapshot:
		ev.Name, ev.Code = "LogSnapshotResult", "Q015"
		ev.Data = map[string]any{"description": desc, "status": resultStatus(rr), "index": index, "total": total,
			"execution_time": rr.ExecutionTime, "result_message": msg, "node_info": info}
	default:
		ev.Name, ev.Code = "LogModelResult", "Q012"
		ev.Data = map[string]any{"description": desc, "status": resultStatus(rr), "index": index, "total": total,
			"execution_time": rr.ExecutionTime, "node_info": info}
	}
	l.Fire(ev)
	timing := make([]map[string]any, 0, len(rr.Timing))
	for _, t := range rr.Timing {
		timing = append(timing, map[string]any{"name": t.Name, "started_at": t.StartedAt, "completed_at": t.CompletedAt})
	}
	failures := int64(0)
	if rr.Failures != nil {
		failures = *rr.Failures
	}
	l.Fire(Event{Name: "NodeFinished", Code: "Q025", Level: "debug", Msg: "Finished running node " + n.UniqueID, Thread: st.thread,
		Data: map[string]any{"node_info": info, "run_result": map[string]any{
			"status": rr.Status, "message": msg, "thread": rr.ThreadID, "execution_time": rr.ExecutionTime,
			"num_failures": failures, "adapter_response": nonNil(rr.AdapterResponse), "timing_info": timing,
		}}})
}

// resultStatus is the `status` field of model/seed/snapshot results: the
// adapter's message on success ("OK", "INSERT 30"), else the status.
func resultStatus(rr *manifest.RunResult) string {
	if rr.Status == manifest.StatusSuccess {
		if m, ok := rr.AdapterResponse["_message"].(string); ok && m != "" {
			return m
		}
		return "OK"
	}
	return rr.Status
}

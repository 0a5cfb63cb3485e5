package run

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/graph"
)

// Observer is told about node lifecycle events (the structured log uses
// them). Methods may be called from several workers at once.
type Observer interface {
	NodeStarted(n *manifest.Node, index, total int, thread string)
	NodeFinished(n *manifest.Node, rr *manifest.RunResult, index, total int)
}

func (r *Runner) started(nr *nodeRun) {
	r.mu.Lock()
	r.index[nr.n.UniqueID] = nr.index
	r.mu.Unlock()
	if r.opts.Observer != nil {
		r.opts.Observer.NodeStarted(nr.n, nr.index, r.total, nr.thread)
	}
}

// IsCancelled reports whether a result is a node that Ctrl-C stopped
// (or kept from starting).
func IsCancelled(rr manifest.RunResult) bool {
	return rr.Message != nil && (strings.HasPrefix(*rr.Message, "Cancelled: ") || *rr.Message == cancelledSkip)
}

const cancelledSkip = "Skipped: the run was cancelled"

// threadNames hands each running node a worker name, "Thread-N (worker)"
// as dbt's run_results.json and log events call them: the walker runs at
// most Threads nodes at once, so a name is always free.
type threadNames chan string

func newThreadNames(n int) threadNames {
	t := make(threadNames, n)
	for i := 1; i <= n; i++ {
		t <- fmt.Sprintf("Thread-%d (worker)", i)
	}
	return t
}

func (t threadNames) take() string {
	select {
	case s := <-t:
		return s
	default:
		return "Thread-1 (worker)"
	}
}

func (t threadNames) give(s string) {
	select {
	case t <- s:
	default:
	}
}

func (r *Runner) displayIndex(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.index[id]
}

// addUnitTestEdges orders each selected unit test after its model's parents
// and before the model: in build a model's unit tests run first and a
// failing one skips the model (dbt's BuildTask does the same).
func addUnitTestEdges(g, base *graph.Graph, m *manifest.Manifest, selected []string) {
	for _, id := range selected {
		n := m.Nodes[id]
		if n == nil || n.UnitTest == nil {
			continue
		}
		model := n.UnitTest.ModelID
		for _, p := range base.Parents(model) {
			g.AddEdge(p, id)
		}
		g.AddEdge(id, model)
	}
}

// WarnErrorOptions is dbt's --warn-error-options: warnings named in Error
// (or all, with ErrorAll) fail the run, unless also named in Warn.
type WarnErrorOptions struct {
	ErrorAll bool
	Error    []string
	Warn     []string
}

// ParseWarnErrorOptions reads '{"error": "all" | [names], "warn": [names]}'
// (YAML or JSON). dbt also accepts include/exclude, its older spellings.
func ParseWarnErrorOptions(s string, unmarshal func([]byte, any) error) (*WarnErrorOptions, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var raw map[string]any
	if err := unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("--warn-error-options is not a mapping: %v (example: '{\"error\": \"all\", \"warn\": [\"NoNodesForSelectionCriteria\"]}')", err)
	}
	o := &WarnErrorOptions{}
	list := func(key string, v any) ([]string, bool, error) {
		switch x := v.(type) {
		case string:
			if x == "all" || x == "*" {
				return nil, true, nil
			}
			return []string{x}, false, nil
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, fmt.Sprint(e))
			}
			return out, false, nil
		case nil:
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("--warn-error-options: %s must be \"all\" or a list of names", key)
	}
	for k, v := range raw {
		switch k {
		case "error", "include":
			l, all, err := list(k, v)
			if err != nil {
				return nil, err
			}
			o.Error, o.ErrorAll = l, all
		case "warn", "exclude":
			l, _, err := list(k, v)
			if err != nil {
				return nil, err
			}
			o.Warn = l
		case "silence":
		default:
			return nil, fmt.Errorf("--warn-error-options: unknown key '%s' (use error, warn or silence)", k)
		}
	}
	return o, nil
}

// Promotes reports whether a warning named name (a dbt event name such as
// "LogTestResult") becomes an error.
func (o *WarnErrorOptions) Promotes(name string) bool {
	if o == nil {
		return false
	}
	for _, w := range o.Warn {
		if w == name {
			return false
		}
	}
	if o.ErrorAll {
		return true
	}
	for _, e := range o.Error {
		if e == name {
			return true
		}
	}
	return false
}

// String renders the options back as JSON (for run_results args).
func (o *WarnErrorOptions) String() string {
	m := map[string]any{"warn": o.Warn}
	if o.ErrorAll {
		m["error"] = "all"
	} else {
		m["error"] = o.Error
	}
	b, _ := json.Marshal(m)
	return string(b)
}

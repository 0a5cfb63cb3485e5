package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// As dbt: a log() call names the node it runs in (node_info) — a model, or
// the operation node of an on-run-end hook, also when compile renders it —
// while run-operation's macro runs outside any node.
func TestLogEventsCarryNodeInfo(t *testing.T) {
	dir := copyDir(t, filepath.Join(repoRoot(t), "testdata", "features"))
	proj := filepath.Join(dir, "dbt_project.yml")
	b, err := os.ReadFile(proj)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "on-run-end:\n", "on-run-end:\n  - \"{{ log('from-end-hook', info=True) }}\"\n", 1))
	if err := os.WriteFile(proj, b, 0o644); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "models", "marts", "payment_stats.sql")
	mb, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, append([]byte("{{ log('from-model', info=True) }}\n"), mb...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "macros"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "macros", "say.sql"), []byte("{% macro say() %}{{ log('from-op', info=True) }}{% endmacro %}"), 0o644); err != nil {
		t.Fatal(err)
	}
	// logNodes maps each I062 message to the unique_id its event names.
	logNodes := func(args ...string) map[string]string {
		t.Helper()
		res := kiln(t, dir, nil, append([]string{"--log-format", "json"}, args...)...)
		out := map[string]string{}
		for _, line := range strings.Split(res.stdout, "\n") {
			var ev struct {
				Info struct{ Code, Msg string } `json:"info"`
				Data struct {
					NodeInfo struct {
						UniqueID string `json:"unique_id"`
					} `json:"node_info"`
				} `json:"data"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Code == "I062" {
				out[ev.Info.Msg] = ev.Data.NodeInfo.UniqueID
			}
		}
		return out
	}
	mustRun(t, dir, nil, "seed")
	hook := "operation.features.features-on-run-end-0"
	for _, cmd := range [][]string{{"build"}, {"compile"}} {
		got := logNodes(cmd...)
		if got["from-end-hook"] != hook || got["from-model"] != "model.features.payment_stats" {
			t.Errorf("%v: log events name %v, want the hook %s and the model", cmd, got, hook)
		}
	}
	if got := logNodes("run-operation", "say"); got["from-op"] != "" {
		t.Errorf("run-operation's log names a node: %v", got)
	}
}

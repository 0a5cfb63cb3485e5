package state

// state:, result: and source_status: selection methods.
//
// state:modified is the union of the sub-checks below, like dbt's, plus
// modified.vars (kiln): a node is modified when a var or env var it reads
// has a different value. New nodes count as modified for every sub-check;
// removed nodes are never selected (they are not in the current graph).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/graph/selector"
)

// Sub-checks of state:modified, by selector argument.
var modifiedChecks = map[string]func(c *comparer, old, cur *Node) bool{
	"body":                   (*comparer).bodyChanged,
	"configs":                (*comparer).configsChanged,
	"relation":               (*comparer).relationChanged,
	"persisted_descriptions": (*comparer).descriptionsChanged,
	"macros":                 (*comparer).macrosChanged,
	"contract":               (*comparer).contractChanged,
	"vars":                   (*comparer).varsChanged,
}

func modifiedNames() []string {
	out := make([]string, 0, len(modifiedChecks))
	for k := range modifiedChecks {
		out = append(out, "modified."+k)
	}
	sort.Strings(out)
	return out
}

// Statuses that result: accepts (run_results.json v6).
var resultStatuses = []string{"success", "error", "skipped", "partial success", "no-op", "pass", "fail", "warn", "runtime error"}

type comparer struct {
	old, cur  *Side
	macroMemo map[*Manifest]map[string]string // manifest -> node id -> closure hash
}

// Methods returns the state-dependent selection methods comparing cur with
// st. targetDir is the current run's target directory (for sources.json).
func (st *State) Methods(cur *Side, targetDir string) map[string]selector.MethodFunc {
	c := &comparer{old: &st.Side, cur: cur, macroMemo: map[*Manifest]map[string]string{}}
	return map[string]selector.MethodFunc{
		selector.MethodState: func(u *selector.Universe, args []string, value string) ([]string, error) {
			return c.stateMethod(u, args, value)
		},
		selector.MethodResult: func(u *selector.Universe, args []string, value string) ([]string, error) {
			return st.resultMethod(u, args, value)
		},
		selector.MethodSourceStatus: func(u *selector.Universe, args []string, value string) ([]string, error) {
			return st.sourceStatusMethod(u, value, targetDir)
		},
	}
}

func sortedIDs(u *selector.Universe, keep func(id string) bool) []string {
	var out []string
	for id := range u.Nodes {
		if keep(id) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (c *comparer) stateMethod(u *selector.Universe, args []string, value string) ([]string, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("selector 'state.%s:%s': state takes no dotted key; write state:%s", strings.Join(args, "."), value, value)
	}
	var keep func(old, cur *Node) bool
	switch value {
	case "new":
		keep = func(old, _ *Node) bool { return old == nil }
	case "old":
		keep = func(old, _ *Node) bool { return old != nil }
	case "modified":
		keep = func(old, cur *Node) bool { return old == nil || c.modified(old, cur) }
	case "unmodified":
		keep = func(old, cur *Node) bool { return old != nil && !c.modified(old, cur) }
	default:
		sub, ok := strings.CutPrefix(value, "modified.")
		check := modifiedChecks[sub]
		if !ok || check == nil {
			return nil, fmt.Errorf("unknown state selector 'state:%s' (expected new, old, modified, unmodified, %s)", value, strings.Join(modifiedNames(), ", "))
		}
		keep = func(old, cur *Node) bool { return old == nil || check(c, old, cur) }
	}
	return sortedIDs(u, func(id string) bool {
		cur := c.cur.Manifest.lookup(id)
		if cur == nil {
			return false
		}
		return keep(c.old.Manifest.lookup(id), cur)
	}), nil
}

func (c *comparer) modified(old, cur *Node) bool {
	for _, k := range []string{"body", "configs", "relation", "persisted_descriptions", "macros", "contract", "vars"} {
		if modifiedChecks[k](c, old, cur) {
			return true
		}
	}
	return false
}

// without returns a copy of m minus keys.
func without(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

// Keys of a source or exposure entry that are not its definition: volatile
// or environment-specific, or compared by another sub-check.
var rawIgnored = []string{"created_at", "database", "schema", "relation_name", "config", "unrendered_config", "columns", "description"}

func (c *comparer) bodyChanged(old, cur *Node) bool {
	if cur.raw != nil || old.raw != nil {
		return !reflect.DeepEqual(without(old.raw, rawIgnored...), without(cur.raw, rawIgnored...))
	}
	if old.Checksum != cur.Checksum {
		return true
	}
	return !reflect.DeepEqual(old.TestMetadata, cur.TestMetadata)
}

// Relation-naming configs are compared by relationChanged: the rendered
// schema differs between environments by design.
func (c *comparer) configsChanged(old, cur *Node) bool {
	return !reflect.DeepEqual(without(old.Config, "database", "schema", "alias"), without(cur.Config, "database", "schema", "alias"))
}

// relationChanged compares the configured database/schema/alias (what the
// project asks for), not the rendered relation, which legitimately differs
// between a production state and a development target. Sources compare
// their declared location.
func (c *comparer) relationChanged(old, cur *Node) bool {
	if cur.raw != nil || old.raw != nil {
		return old.Identifier != cur.Identifier || old.Schema != cur.Schema || !reflect.DeepEqual(old.Database, cur.Database)
	}
	for _, k := range []string{"database", "schema", "alias"} {
		if !reflect.DeepEqual(old.Config[k], cur.Config[k]) {
			return true
		}
	}
	return false
}

func persistDocs(n *Node) (relation, columns bool) {
	pd, _ := n.Config["persist_docs"].(map[string]any)
	relation, _ = pd["relation"].(bool)
	columns, _ = pd["columns"].(bool)
	return
}

func (c *comparer) descriptionsChanged(old, cur *Node) bool {
	if cur.raw != nil || old.raw != nil {
		return old.raw["description"] != cur.raw["description"] || !reflect.DeepEqual(old.raw["columns"], cur.raw["columns"])
	}
	or, oc := persistDocs(old)
	nr, nc := persistDocs(cur)
	if or != nr || oc != nc {
		return true
	}
	if nr && old.Description != cur.Description {
		return true
	}
	if nc {
		if len(old.Columns) != len(cur.Columns) {
			return true
		}
		for k, col := range cur.Columns {
			if o, ok := old.Columns[k]; !ok || o.Description != col.Description {
				return true
			}
		}
	}
	return false
}

func enforced(n *Node) bool {
	e, _ := n.Contract["enforced"].(bool)
	return e
}

func (c *comparer) contractChanged(old, cur *Node) bool {
	if enforced(old) != enforced(cur) {
		return true
	}
	if !enforced(cur) {
		return false
	}
	if !reflect.DeepEqual(old.Constraints, cur.Constraints) || len(old.Columns) != len(cur.Columns) {
		return true
	}
	for k, col := range cur.Columns {
		o, ok := old.Columns[k]
		if !ok || !reflect.DeepEqual(o.DataType, col.DataType) || !reflect.DeepEqual(o.Constraints, col.Constraints) {
			return true
		}
	}
	return false
}

// macrosChanged uses both sidecars when present (every reachable macro,
// internal ones included); otherwise it walks manifest.json's macros.
func (c *comparer) macrosChanged(old, cur *Node) bool {
	if c.old.Sidecar != nil && c.cur.Sidecar != nil {
		o, n := c.old.Sidecar.Nodes[old.UniqueID], c.cur.Sidecar.Nodes[cur.UniqueID]
		if o != nil && n != nil {
			return o.Macros != n.Macros
		}
	}
	return c.manifestClosure(c.old.Manifest, old) != c.manifestClosure(c.cur.Manifest, cur)
}

// manifestClosure hashes the manifest macros a node reaches through
// depends_on.macros (macros missing from the manifest hash as their ID).
func (c *comparer) manifestClosure(m *Manifest, n *Node) string {
	memo := c.macroMemo[m]
	if memo == nil {
		memo = map[string]string{}
		c.macroMemo[m] = memo
	}
	if h, ok := memo[n.UniqueID]; ok {
		return h
	}
	seen := map[string]bool{}
	queue := slices.Clone(n.DependsOn.Macros)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		if mc := m.Macros[id]; mc != nil {
			queue = append(queue, mc.DependsOn.Macros...)
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(id)
		if mc := m.Macros[id]; mc != nil {
			b.WriteString(hashString(mc.MacroSQL))
		}
		b.WriteByte('\n')
	}
	h := hashString(b.String())
	memo[n.UniqueID] = h
	return h
}

// varsChanged needs both sidecars; without one kiln cannot tell (as dbt).
func (c *comparer) varsChanged(old, cur *Node) bool {
	if c.old.Sidecar == nil || c.cur.Sidecar == nil {
		return false
	}
	o, n := c.old.Sidecar.Nodes[old.UniqueID], c.cur.Sidecar.Nodes[cur.UniqueID]
	if o == nil || n == nil {
		return false
	}
	return !sameMap(o.Vars, n.Vars) || !sameMap(o.EnvVars, n.EnvVars)
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (st *State) resultMethod(u *selector.Universe, args []string, value string) ([]string, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("selector 'result.%s:%s': result takes no dotted key", strings.Join(args, "."), value)
	}
	if !slices.Contains(resultStatuses, value) {
		return nil, fmt.Errorf("unknown result status 'result:%s' (expected one of: %s)", value, strings.Join(resultStatuses, ", "))
	}
	if st.Results == nil {
		return nil, fmt.Errorf("result:%s needs run_results.json in the --state directory %s", value, st.Dir)
	}
	return sortedIDs(u, func(id string) bool { return st.Results[id] == value }), nil
}

type freshness struct {
	maxLoaded map[string]time.Time
}

func loadSources(path string) (*freshness, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Results []struct {
			UniqueID     string `json:"unique_id"`
			Status       string `json:"status"`
			MaxLoadedAt  string `json:"max_loaded_at"`
			ErrorMessage any    `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s is not a sources.json file: %v", path, err)
	}
	f := &freshness{maxLoaded: map[string]time.Time{}}
	for _, r := range doc.Results {
		if r.Status == "runtime error" || r.MaxLoadedAt == "" {
			continue
		}
		t, err := parseTime(r.MaxLoadedAt)
		if err != nil {
			continue
		}
		f.maxLoaded[r.UniqueID] = t
	}
	return f, nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05.999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

// sourceStatusMethod implements source_status:fresher: sources whose
// max_loaded_at grew between the state's sources.json and the current one
// (or that have no earlier result).
func (st *State) sourceStatusMethod(u *selector.Universe, value, targetDir string) ([]string, error) {
	if value != "fresher" {
		return nil, fmt.Errorf("unknown source_status selector 'source_status:%s' (expected fresher)", value)
	}
	old, err := loadSources(filepath.Join(st.Dir, "sources.json"))
	if err != nil {
		return nil, fmt.Errorf("source_status:fresher needs sources.json in the --state directory (run `kiln source freshness` in that environment): %v", err)
	}
	cur, err := loadSources(filepath.Join(targetDir, "sources.json"))
	if err != nil {
		return nil, fmt.Errorf("source_status:fresher needs a current target/sources.json (run `kiln source freshness` first): %v", err)
	}
	return sortedIDs(u, func(id string) bool {
		t, ok := cur.maxLoaded[id]
		if !ok {
			return false
		}
		prev, had := old.maxLoaded[id]
		return !had || t.After(prev)
	}), nil
}

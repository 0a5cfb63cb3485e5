// Package state compares the current project with the artifacts of an
// earlier run (--state DIR): manifest.json, run_results.json, sources.json
// and kiln's own target/kiln_state.json sidecar. It implements the state:,
// result: and source_status: selection methods and supplies the relations
// --defer and `kiln clone` point at.
//
// Both sides are compared in the same form: the current manifest is
// serialized to manifest.json's JSON and read back through the same light
// structs as the state's, so a field that round-trips differently can never
// look like a change.
//
// The sidecar carries what manifest.json cannot hold schema-validly: per
// node, hashes of the values of the vars and env vars it reads and one hash
// over the source of every macro it can reach (internal macros included).
// Values are stored only as SHA-256 hashes, so secrets never reach disk.
// A state directory without a sidecar (e.g. written by dbt) still works:
// macros are then compared through manifest.json and var changes are not
// detectable, as in dbt.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// SidecarFile is the name of kiln's state sidecar next to manifest.json.
const SidecarFile = "kiln_state.json"

const sidecarVersion = 1

// Sidecar is target/kiln_state.json.
type Sidecar struct {
	Version int                   `json:"kiln_state_version"`
	Nodes   map[string]*NodePrint `json:"nodes"`
}

// NodePrint is what the sidecar knows about one node.
type NodePrint struct {
	Vars    map[string]string `json:"vars,omitempty"`     // var name -> hash of its value
	EnvVars map[string]string `json:"env_vars,omitempty"` // env var name -> hash of its value
	Macros  string            `json:"macros,omitempty"`   // hash over every reachable macro's source
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// hashValue hashes a var value through its JSON form (map keys sorted), so
// equal YAML values hash equally.
func hashValue(v any, ok bool) string {
	if !ok {
		return "undefined"
	}
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf("%#v", v))
	}
	return hashString(string(b))
}

// Compute fingerprints every node of a compiled project.
func Compute(res *compiler.Result) *Sidecar {
	sc := &Sidecar{Version: sidecarVersion, Nodes: make(map[string]*NodePrint, len(res.Manifest.Nodes))}
	memo := map[string]string{} // direct macro set -> closure hash
	for id, n := range res.Manifest.Nodes {
		np := &NodePrint{}
		for _, v := range n.UsedVars {
			if np.Vars == nil {
				np.Vars = map[string]string{}
			}
			np.Vars[v] = hashValue(res.VarValue(n.PackageName, v))
		}
		for _, e := range n.UsedEnvVars {
			if np.EnvVars == nil {
				np.EnvVars = map[string]string{}
			}
			val, ok := res.EnvValue(e)
			np.EnvVars[e] = hashValue(val, ok)
		}
		// The closure also holds the materialization, which is not among
		// depends_on.macros (as in dbt), so it is part of the memo key.
		key := n.PackageName + "|" + string(n.ResourceType) + "|" + n.Config.Materialized() + "|" + strings.Join(n.DependsOn.Macros, ",")
		h, ok := memo[key]
		if !ok {
			closure := res.MacroClosure(n)
			ids := make([]string, 0, len(closure))
			for mid := range closure {
				ids = append(ids, mid)
			}
			sort.Strings(ids)
			var b strings.Builder
			for _, mid := range ids {
				b.WriteString(mid)
				b.WriteByte(0)
				b.WriteString(hashString(closure[mid].SQL))
				b.WriteByte('\n')
			}
			if len(ids) > 0 {
				h = hashString(b.String())
			}
			memo[key] = h
		}
		np.Macros = h
		sc.Nodes[id] = np
	}
	return sc
}

// WriteSidecar writes the sidecar into targetDir.
func WriteSidecar(targetDir string, sc *Sidecar) error {
	return manifest.WriteJSONFile(filepath.Join(targetDir, SidecarFile), sc)
}

// Node is the part of a manifest.json entry (node, source, exposure) that
// state comparison reads.
type Node struct {
	UniqueID     string            `json:"unique_id"`
	ResourceType string            `json:"resource_type"`
	PackageName  string            `json:"package_name"`
	Name         string            `json:"name"`
	Database     *string           `json:"database"`
	Schema       string            `json:"schema"`
	Alias        string            `json:"alias"`
	Identifier   string            `json:"identifier"`
	RelationName *string           `json:"relation_name"`
	Checksum     manifest.FileHash `json:"checksum"`
	Config       map[string]any    `json:"config"`
	Description  string            `json:"description"`
	Columns      map[string]Column `json:"columns"`
	DependsOn    struct {
		Macros []string `json:"macros"`
		Nodes  []string `json:"nodes"`
	} `json:"depends_on"`
	Contract     map[string]any `json:"contract"`
	Constraints  []any          `json:"constraints"`
	TestMetadata any            `json:"test_metadata"`
	// raw is the whole entry, for resources compared field by field
	// (sources, exposures).
	raw map[string]any
}

// Column is a documented column.
type Column struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	DataType    *string `json:"data_type"`
	Constraints []any   `json:"constraints"`
}

// Macro is a manifest.json macro.
type Macro struct {
	MacroSQL  string `json:"macro_sql"`
	DependsOn struct {
		Macros []string `json:"macros"`
	} `json:"depends_on"`
}

// Manifest is the part of manifest.json state comparison reads.
type Manifest struct {
	Nodes     map[string]*Node  `json:"nodes"`
	Sources   map[string]*Node  `json:"sources"`
	Exposures map[string]*Node  `json:"exposures"`
	Macros    map[string]*Macro `json:"macros"`
}

func (m *Manifest) lookup(id string) *Node {
	if n := m.Nodes[id]; n != nil {
		return n
	}
	if n := m.Sources[id]; n != nil {
		return n
	}
	return m.Exposures[id]
}

// decodeManifest reads manifest JSON in one pass, keeping raw maps for
// sources and exposures.
func decodeManifest(b []byte) (*Manifest, error) {
	var doc struct {
		Nodes     map[string]*Node           `json:"nodes"`
		Sources   map[string]json.RawMessage `json:"sources"`
		Exposures map[string]json.RawMessage `json:"exposures"`
		Macros    map[string]*Macro          `json:"macros"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	m := &Manifest{Nodes: doc.Nodes, Macros: doc.Macros, Sources: map[string]*Node{}, Exposures: map[string]*Node{}}
	if m.Nodes == nil {
		m.Nodes = map[string]*Node{}
	}
	for _, part := range []struct {
		in  map[string]json.RawMessage
		out map[string]*Node
	}{{doc.Sources, m.Sources}, {doc.Exposures, m.Exposures}} {
		for id, r := range part.in {
			n, err := decodeRaw(r)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", id, err)
			}
			part.out[id] = n
		}
	}
	return m, nil
}

func decodeRaw(r []byte) (*Node, error) {
	var n Node
	if err := json.Unmarshal(r, &n); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(r, &n.raw); err != nil {
		return nil, err
	}
	return &n, nil
}

// viaJSON converts one artifact entry to its comparison form.
func viaJSON(v any) (*Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var n Node
	return &n, json.Unmarshal(b, &n)
}

// Side is one environment's artifacts, as compared.
type Side struct {
	Manifest *Manifest
	Sidecar  *Sidecar // nil when the directory has none
}

// Current prepares the running project for comparison. Each entry goes
// through its manifest.json form (so both sides compare alike) without the
// SQL text, which is compared by checksum and dominates the size.
func Current(res *compiler.Result, sc *Sidecar) (*Side, error) {
	mf := res.Manifest
	m := &Manifest{Nodes: make(map[string]*Node, len(mf.Nodes)), Sources: map[string]*Node{}, Exposures: map[string]*Node{}, Macros: map[string]*Macro{}}
	ids := make([]string, 0, len(mf.Nodes))
	for id := range mf.Nodes {
		ids = append(ids, id)
	}
	conv := make([]*Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(ids); i += workers {
				c := *mf.Nodes[ids[i]]
				c.RawCode, c.CompiledCode, c.ExtraCTEs = "", "", nil
				conv[i], errs[i] = viaJSON(c.JSON())
			}
		}(w)
	}
	wg.Wait()
	for i, id := range ids {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %v", id, errs[i])
		}
		m.Nodes[id] = conv[i]
	}
	for id, s := range mf.Sources {
		b, err := json.Marshal(s.JSON())
		if err == nil {
			m.Sources[id], err = decodeRaw(b)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", id, err)
		}
	}
	for id, e := range mf.Exposures {
		b, err := json.Marshal(e.JSON())
		if err == nil {
			m.Exposures[id], err = decodeRaw(b)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", id, err)
		}
	}
	for id, mc := range mf.Macros {
		lm := &Macro{MacroSQL: mc.MacroSQL}
		lm.DependsOn.Macros = mc.DependsOn
		m.Macros[id] = lm
	}
	return &Side{Manifest: m, Sidecar: sc}, nil
}

// State is an earlier run's target directory.
type State struct {
	Dir string
	Side
	// Results maps unique_id to status from run_results.json (nil when the
	// directory has none); Args is that file's args (the invocation).
	Results map[string]string
	Args    map[string]any
	// Order is the results' unique IDs in file order.
	Order []string
}

// ErrNoManifest is returned by Load when DIR holds no manifest.json.
var ErrNoManifest = errors.New("no manifest.json")

// Load reads a state directory. manifest.json is required; run_results.json
// and the sidecar are optional.
func Load(dir string) (*State, error) {
	st := &State{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--state %s: %w there (copy the target/ directory of the run to compare with, e.g. production's, into this directory)", dir, ErrNoManifest)
		}
		return nil, fmt.Errorf("--state %s: %v", dir, err)
	}
	m, err := decodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("--state %s: manifest.json is not a dbt manifest: %v", dir, err)
	}
	st.Manifest = m
	if b, err := os.ReadFile(filepath.Join(dir, SidecarFile)); err == nil {
		var sc Sidecar
		if json.Unmarshal(b, &sc) == nil && sc.Version == sidecarVersion && sc.Nodes != nil {
			st.Sidecar = &sc
		}
	}
	rr, err := LoadRunResults(filepath.Join(dir, "run_results.json"))
	switch {
	case err == nil:
		st.Results, st.Args, st.Order = rr.Status, rr.Args, rr.Order
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("--state %s: %v", dir, err)
	}
	return st, nil
}

// RunResults is what kiln reads back from a run_results.json.
type RunResults struct {
	Status map[string]string
	Order  []string
	Args   map[string]any
}

// LoadRunResults reads a run_results.json file.
func LoadRunResults(path string) (*RunResults, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rr struct {
		Results []struct {
			Status   string `json:"status"`
			UniqueID string `json:"unique_id"`
		} `json:"results"`
		Args map[string]any `json:"args"`
	}
	if err := json.Unmarshal(b, &rr); err != nil {
		return nil, fmt.Errorf("%s is not a run_results.json file: %v", path, err)
	}
	out := &RunResults{Status: map[string]string{}, Args: rr.Args}
	for _, r := range rr.Results {
		if _, dup := out.Status[r.UniqueID]; !dup {
			out.Order = append(out.Order, r.UniqueID)
		}
		out.Status[r.UniqueID] = r.Status
	}
	return out, nil
}

// Package manifest is the plain data model of a compiled project: nodes,
// sources, macros, docs and exposures, keyed by dbt-style unique IDs, plus the
// JSON artifacts (manifest v12, run_results v6) that tools reading dbt's
// output expect. It holds no behaviour beyond small accessors so every stage
// (compiler, graph, runner, docs) can share it without import cycles.
package manifest

import (
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/internal/diag"
)

// Resource types as dbt spells them in unique IDs and artifacts.
const (
	Model     = "model"
	Seed      = "seed"
	Test      = "test"
	Snapshot  = "snapshot"
	Analysis  = "analysis"
	Operation = "operation"
	Source    = "source"
	Exposure  = "exposure"
	Macro     = "macro"
	Doc       = "doc"
	UnitTest  = "unit_test"
)

// Config is a node's merged configuration, keyed as dbt writes it
// (`materialized`, `pre-hook`, ...).
type Config map[string]any

// String returns a string config value or def.
func (c Config) String(key, def string) string {
	if v, ok := c[key].(string); ok && v != "" {
		return v
	}
	return def
}

// Bool returns a boolean config value (accepting "true"/"false" strings).
func (c Config) Bool(key string, def bool) bool {
	switch v := c[key].(type) {
	case bool:
		return v
	case string:
		switch strings.ToLower(v) {
		case "true", "yes", "1":
			return true
		case "false", "no", "0":
			return false
		}
	}
	return def
}

// Materialized is the node's materialization (view by default for models).
func (c Config) Materialized() string { return c.String("materialized", "view") }

// Enabled reports config.enabled (default true).
func (c Config) Enabled() bool { return c.Bool("enabled", true) }

// Tags returns config.tags as a list.
func (c Config) Tags() []string { return StringList(c["tags"]) }

// Hooks returns the normalised pre-hook or post-hook list.
func (c Config) Hooks(key string) []Hook {
	list, _ := c[key].([]any)
	out := make([]Hook, 0, len(list))
	for _, h := range list {
		switch v := h.(type) {
		case string:
			out = append(out, Hook{SQL: v, Transaction: true})
		case map[string]any:
			hk := Hook{Transaction: true}
			hk.SQL, _ = v["sql"].(string)
			if t, ok := v["transaction"].(bool); ok {
				hk.Transaction = t
			}
			out = append(out, hk)
		case Hook:
			out = append(out, v)
		}
	}
	return out
}

// Hook is one pre/post hook before rendering.
type Hook struct {
	SQL         string
	Transaction bool
}

// StringList turns a string or a list of strings into a list.
func StringList(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// FileHash is dbt's checksum object.
type FileHash struct {
	Name     string `json:"name"`
	Checksum string `json:"checksum"`
}

// RefArgs is one captured ref() call.
type RefArgs struct {
	Name    string  `json:"name"`
	Package *string `json:"package"`
	Version any     `json:"version"`
}

// DependsOn lists upstream unique IDs.
type DependsOn struct {
	Macros []string `json:"macros"`
	Nodes  []string `json:"nodes"`
}

// Column is a documented column.
type Column struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Meta        map[string]any   `json:"meta"`
	DataType    *string          `json:"data_type"`
	Constraints []map[string]any `json:"constraints"`
	Quote       *bool            `json:"quote"`
	Tags        []string         `json:"tags"`
	DocBlocks   []any            `json:"doc_blocks"`
	Config      map[string]any   `json:"config"`      // dbt 1.10+: the column's meta and tags again
	Granularity *string          `json:"granularity"` // semantic layer time granularity
	// Tests attached to this column (unique IDs); not part of dbt's JSON.
	Tests []string `json:"-"`
	// DescPos is where the description is written (its Jinja's errors).
	DescPos diag.Pos `json:"-"`
}

// TestMetadata describes a generic test instance.
type TestMetadata struct {
	Name      string         `json:"name"`
	Kwargs    map[string]any `json:"kwargs"`
	Namespace *string        `json:"namespace"`
}

// CTE is an injected ephemeral model.
type CTE struct {
	ID  string `json:"id"`
	SQL string `json:"sql"`
}

// Node is anything that compiles to SQL: models, seeds, tests, snapshots,
// analyses and hooks (operations).
type Node struct {
	UniqueID         string
	ResourceType     string
	PackageName      string
	Name             string
	Path             string // relative to the package's resource path (dbt's `path`)
	OriginalFilePath string // relative to the package root
	Database         string
	Schema           string
	Alias            string
	FQN              []string
	Checksum         FileHash
	Config           Config
	UnrenderedConfig map[string]any
	Tags             []string
	Meta             map[string]any
	Description      string
	Columns          map[string]*Column
	ColumnOrder      []string
	Docs             map[string]any
	PatchPath        string
	RawCode          string
	Language         string
	Refs             []RefArgs
	Sources          [][]string
	DependsOn        DependsOn
	CompiledCode     string
	Compiled         bool
	ExtraCTEs        []CTE
	RelationName     string
	Access           string
	Version          any
	LatestVersion    any
	Constraints      []map[string]any
	PrimaryKey       []string // dbt's inferred primary key (constraints, else unique + not_null tests)
	DeprecationDate  any
	TimeSpine        map[string]any // semantic layer time spine (models)
	CreatedAt        float64
	ConfigCallDict   map[string]any

	// Generic tests.
	ColumnName   string
	FileKeyName  string
	AttachedNode string
	TestMetadata *TestMetadata

	// Seeds.
	RootPath string

	// Hooks (operations).
	Index int

	// Unit tests (ResourceType UnitTest): written under manifest `unit_tests`.
	UnitTest *UnitTestDef

	// Internal: not written to manifest.json.
	Pos         diag.Pos // where the node is defined (file; YAML line for tests)
	DescPos     diag.Pos // where the description is written (property YAML)
	AbsPath     string   // absolute path of the source file (seeds: the CSV)
	UsedVars    []string // var() names read while rendering (cache invalidation, state)
	UsedEnvVars []string
	MacroCalls  []string // macro names the SQL calls (static analysis)
	// CompileMacros join depends_on.macros once the node is compiled (dbt
	// renders not_null/unique tests only then, adding get_where_subquery).
	CompileMacros []string
	Template      any // the parsed template, owned by the compiler
}

// IsRunnable reports whether the node does work in the warehouse.
func (n *Node) IsRunnable() bool {
	switch n.ResourceType {
	case Model:
		return n.Config.Materialized() != "ephemeral"
	case Seed, Test, Snapshot, UnitTest:
		return true
	}
	return false
}

// SourceDef is a source table.
type SourceDef struct {
	UniqueID          string
	PackageName       string
	Name              string // table name
	SourceName        string
	SourceDescription string
	Loader            string
	Identifier        string
	Database          string
	Schema            string
	Path              string
	OriginalFilePath  string
	FQN               []string
	Description       string
	Columns           map[string]*Column
	ColumnOrder       []string
	Meta              map[string]any
	SourceMeta        map[string]any
	Tags              []string
	Config            Config
	Quoting           map[string]any
	Freshness         map[string]any
	LoadedAtField     string
	// FreshnessOff: `freshness: null` was written, so freshness is null
	// (unset, it is a policy with no thresholds).
	FreshnessOff bool
	// UnrenderedDatabase and UnrenderedSchema are database: and schema:
	// as written ("" when not written: null).
	UnrenderedDatabase string
	UnrenderedSchema   string
	// UnrenderedConfig is the source's config as written in YAML.
	UnrenderedConfig map[string]any
	RelationName     string
	CreatedAt        float64
	Pos              diag.Pos
	DescPos          diag.Pos // the table's description
	SourceDescPos    diag.Pos // the source's description
}

// MacroDef is a macro as written in a package.
type MacroDef struct {
	UniqueID         string
	PackageName      string
	Name             string
	Path             string
	OriginalFilePath string
	MacroSQL         string
	DependsOn        []string
	Description      string
	Meta             map[string]any
	Arguments        []map[string]any
	PatchPath        string
	CreatedAt        float64
}

// DocDef is a {% docs %} block.
type DocDef struct {
	UniqueID         string
	PackageName      string
	Name             string
	Path             string
	OriginalFilePath string
	BlockContents    string
}

// ExposureDef is a downstream use of the project.
type ExposureDef struct {
	UniqueID         string
	PackageName      string
	Name             string
	Label            string
	Type             string
	URL              string
	Maturity         string
	Description      string
	Owner            map[string]any
	Path             string
	OriginalFilePath string
	FQN              []string
	Meta             map[string]any
	Tags             []string
	Config           Config
	Refs             []RefArgs
	Sources          [][]string
	DependsOn        DependsOn
	CreatedAt        float64
	Pos              diag.Pos
	DescPos          diag.Pos // where the description is written
}

// Metadata is the artifact header.
type Metadata struct {
	DbtSchemaVersion    string            `json:"dbt_schema_version"`
	DbtVersion          string            `json:"dbt_version"`
	GeneratedAt         string            `json:"generated_at"`
	InvocationID        string            `json:"invocation_id"`
	InvocationStartedAt string            `json:"invocation_started_at,omitempty"`
	Env                 map[string]string `json:"env"`
	ProjectName         string            `json:"project_name,omitempty"`
	ProjectID           string            `json:"project_id,omitempty"`
	UserID              *string           `json:"user_id"`
	SendAnonymousStats  bool              `json:"send_anonymous_usage_stats"`
	AdapterType         string            `json:"adapter_type,omitempty"`
	Quoting             map[string]any    `json:"quoting,omitempty"`
	RunStartedAt        string            `json:"run_started_at,omitempty"`
}

// Manifest is the whole compiled project.
type Manifest struct {
	Metadata  Metadata
	Nodes     map[string]*Node
	Sources   map[string]*SourceDef
	Macros    map[string]*MacroDef
	Docs      map[string]*DocDef
	Exposures map[string]*ExposureDef
	Disabled  map[string][]*Node
	// Hooks are the projects' on-run-start/on-run-end statements as dbt's
	// operation nodes: written under manifest.json `nodes` and shown in
	// `graph.nodes`, but not part of the DAG.
	Hooks     map[string]*Node
	UnitTests map[string]map[string]any
	Selectors map[string]any
	Groups    map[string]map[string]any
	// The semantic layer, by unique_id.
	SemanticModels map[string]*SemanticNode
	Metrics        map[string]*SemanticNode
	SavedQueries   map[string]*SemanticNode
	// ParentMap/ChildMap are filled by Link.
	ParentMap map[string][]string
	ChildMap  map[string][]string
}

// New returns an empty manifest with every map allocated.
func New() *Manifest {
	return &Manifest{
		Nodes:          map[string]*Node{},
		Hooks:          map[string]*Node{},
		Sources:        map[string]*SourceDef{},
		Macros:         map[string]*MacroDef{},
		Docs:           map[string]*DocDef{},
		Exposures:      map[string]*ExposureDef{},
		Disabled:       map[string][]*Node{},
		UnitTests:      map[string]map[string]any{},
		Selectors:      map[string]any{},
		Groups:         map[string]map[string]any{},
		SemanticModels: map[string]*SemanticNode{},
		Metrics:        map[string]*SemanticNode{},
		SavedQueries:   map[string]*SemanticNode{},
		ParentMap:      map[string][]string{},
		ChildMap:       map[string][]string{},
	}
}

// Link fills ParentMap and ChildMap from every node's and exposure's
// depends_on.nodes. Every node, source and exposure gets an entry.
func (m *Manifest) Link() {
	parents := make(map[string][]string, len(m.Nodes)+len(m.Sources)+len(m.Exposures))
	children := make(map[string][]string, len(parents))
	for id := range m.Sources {
		parents[id] = []string{}
		children[id] = []string{}
	}
	add := func(id string, deps []string) {
		if _, ok := parents[id]; !ok {
			parents[id] = []string{}
		}
		if _, ok := children[id]; !ok {
			children[id] = []string{}
		}
		for _, d := range deps {
			parents[id] = append(parents[id], d)
			children[d] = append(children[d], id)
		}
	}
	for id, n := range m.Nodes {
		add(id, n.DependsOn.Nodes)
	}
	for id, e := range m.Exposures {
		add(id, e.DependsOn.Nodes)
	}
	for _, s := range m.AllSemantic() {
		add(s.UniqueID, s.DependsOn)
	}
	for _, l := range parents {
		sort.Strings(l)
	}
	for k, l := range children {
		sort.Strings(l)
		children[k] = dedupe(l)
	}
	m.ParentMap, m.ChildMap = parents, children
}

func dedupe(s []string) []string {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, x := range s[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// SortedNodeIDs returns node IDs sorted.
func (m *Manifest) SortedNodeIDs() []string {
	ids := make([]string, 0, len(m.Nodes))
	for id := range m.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Counts returns the number of resources per type (models, tests, sources,
// macros, ...) for the console's Found line.
func (m *Manifest) Counts() map[string]int {
	c := map[string]int{}
	for _, n := range m.Nodes {
		c[n.ResourceType]++
	}
	c[Source] = len(m.Sources)
	c[Exposure] = len(m.Exposures)
	c[Macro] = len(m.Macros)
	c[Metric] = len(m.Metrics)
	c[Group] = len(m.Groups)
	c[SemanticModel] = len(m.SemanticModels)
	c[SavedQuery] = len(m.SavedQueries)
	return c
}

// Shown is the path messages give for the node's file: from the root
// project, so a package's files read dbt_packages/<package>/... (Pos
// carries it), while OriginalFilePath stays relative to the package, as in
// dbt's manifest.
func (n *Node) Shown() string {
	if n.Pos.File != "" {
		return n.Pos.File
	}
	return n.OriginalFilePath
}

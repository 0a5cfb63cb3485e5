package manifest

// JSON artifacts. manifest.json nodes are written through one struct with
// omitempty on every key that some resource type must not carry: dbt's v12
// schema forbids additional properties per node type, so a key is set only
// for the types that allow it (see nodeJSON's field comments).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/internal/secret"
)

const (
	ManifestSchema   = "https://schemas.getdbt.com/dbt/manifest/v12.json"
	RunResultsSchema = "https://schemas.getdbt.com/dbt/run-results/v6.json"
	CatalogSchema    = "https://schemas.getdbt.com/dbt/catalog/v1.json"
	SourcesSchema    = "https://schemas.getdbt.com/dbt/sources/v3.json"
)

type nodeJSON struct {
	Database         *string            `json:"database"`
	Schema           string             `json:"schema"`
	Name             string             `json:"name"`
	ResourceType     string             `json:"resource_type"`
	PackageName      string             `json:"package_name"`
	Path             string             `json:"path"`
	OriginalFilePath string             `json:"original_file_path"`
	UniqueID         string             `json:"unique_id"`
	FQN              []string           `json:"fqn"`
	Alias            string             `json:"alias"`
	Checksum         FileHash           `json:"checksum"`
	Config           Config             `json:"config"`
	Tags             []string           `json:"tags"`
	Description      string             `json:"description"`
	Columns          map[string]*Column `json:"columns"`
	Meta             map[string]any     `json:"meta"`
	Group            *string            `json:"group"`
	Docs             map[string]any     `json:"docs"`
	PatchPath        *string            `json:"patch_path"`
	BuildPath        *string            `json:"build_path"`
	UnrenderedConfig map[string]any     `json:"unrendered_config"`
	CreatedAt        float64            `json:"created_at"`
	RelationName     *string            `json:"relation_name"`
	RawCode          string             `json:"raw_code"`
	DocBlocks        []any              `json:"doc_blocks"`
	RootPath         string             `json:"root_path,omitempty"` // seeds only
	DependsOn        any                `json:"depends_on"`
	// Not on seeds:
	*codeFields
	Language          string         `json:"language,omitempty"`
	CompiledPath      *string        `json:"compiled_path,omitempty"`
	Compiled          *bool          `json:"compiled,omitempty"`
	CompiledCode      *string        `json:"compiled_code,omitempty"`
	ExtraCTEsInjected *bool          `json:"extra_ctes_injected,omitempty"`
	ExtraCTEs         []CTE          `json:"extra_ctes,omitempty"`
	Contract          map[string]any `json:"contract,omitempty"`
	// Models only:
	*modelFields
	// Generic tests only:
	// ColumnName is a *string (null for a test on no column, as dbt
	// writes it) in an interface, so that only non-test nodes omit it.
	ColumnName   any           `json:"column_name,omitempty"`
	FileKeyName  *string       `json:"file_key_name,omitempty"`
	AttachedNode *string       `json:"attached_node,omitempty"`
	TestMetadata *TestMetadata `json:"test_metadata,omitempty"`
	// Hooks only:
	Index *int `json:"index,omitempty"`

	// lazy: Config and Columns are the node's own, completed with their
	// defaults by appendNode (manifestEntry; encoding/json never sees it).
	lazy bool
	// marks, when set, receives the offsets in the output of the checksum
	// and raw_code values (see Layout).
	marks *[4]int
}

// codeFields are the keys of every node with SQL (all but seeds).
type codeFields struct {
	Refs      []RefArgs  `json:"refs"`
	Sources   [][]string `json:"sources"`
	Functions []any      `json:"functions"`
	Metrics   []any      `json:"metrics"`
}

// modelFields are the keys only models have.
type modelFields struct {
	Access          string           `json:"access"`
	Constraints     []map[string]any `json:"constraints"`
	Version         any              `json:"version"`
	LatestVersion   any              `json:"latest_version"`
	DeprecationDate any              `json:"deprecation_date"`
	PrimaryKey      []string         `json:"primary_key"`
	TimeSpine       any              `json:"time_spine"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func columnsJSON(cols map[string]*Column) map[string]*Column {
	out := make(map[string]*Column, len(cols))
	for k, c := range cols {
		cc := *c
		cc.Meta = nonNilMap(cc.Meta)
		if cc.Constraints == nil {
			cc.Constraints = []map[string]any{}
		}
		cc.Tags = nonNilStrings(cc.Tags)
		if cc.DocBlocks == nil {
			cc.DocBlocks = []any{}
		}
		if cc.Config == nil {
			cc.Config = map[string]any{"meta": cc.Meta, "tags": cc.Tags}
		}
		out[k] = &cc
	}
	return out
}

// JSON returns the node as manifest.json writes it.
func (n *Node) JSON() any { return n.toJSON(false) }

// manifestEntry is JSON for the fast encoder only: config and columns are
// left raw and completed with their defaults while being encoded, instead
// of being copied into new maps for each node (appendNode).
func (n *Node) manifestEntry() nodeJSON { return n.toJSON(true) }

func (n *Node) toJSON(lazy bool) nodeJSON {
	j := nodeJSON{
		Database:         strPtr(n.Database),
		Schema:           n.Schema,
		Name:             n.Name,
		ResourceType:     n.ResourceType,
		PackageName:      n.PackageName,
		Path:             n.Path,
		OriginalFilePath: n.OriginalFilePath,
		UniqueID:         n.UniqueID,
		FQN:              nonNilStrings(n.FQN),
		Alias:            n.Alias,
		Checksum:         n.Checksum,
		Config:           n.Config,
		Tags:             nonNilStrings(n.Tags),
		Description:      n.Description,
		Columns:          n.Columns,
		Meta:             nonNilMap(n.Meta),
		Group:            nil,
		Docs:             nodeDocsJSON(n),
		PatchPath:        strPtr(n.PatchPath),
		UnrenderedConfig: nonNilMap(n.UnrenderedConfig),
		CreatedAt:        n.CreatedAt,
		RelationName:     strPtr(n.RelationName),
		RawCode:          strings.TrimSpace(n.RawCode), // dbt strips files as it reads them
		DocBlocks:        []any{},
	}
	if lazy {
		j.lazy = true
	} else {
		j.Config = hooksAsObjects(withConfigDefaults(n.ResourceType, j.Config))
		j.Columns = columnsJSON(n.Columns)
	}
	if g, ok := n.Config["group"].(string); ok && g != "" {
		j.Group = &g
	}
	nodes := nonNilStrings(n.DependsOn.Nodes)
	macros := nonNilStrings(n.DependsOn.Macros)
	if n.Compiled && len(n.CompileMacros) > 0 {
		macros = append(slices.Clone(macros), n.CompileMacros...)
	}
	if n.ResourceType == Seed {
		j.RootPath = n.RootPath
		j.DependsOn = map[string]any{"macros": macros}
		return j
	}
	j.DependsOn = DependsOn{Macros: macros, Nodes: nodes}
	j.Language = n.Language
	if j.Language == "" {
		j.Language = "sql"
	}
	j.codeFields = &codeFields{Refs: refsJSON(n.Refs), Sources: sourcesJSON(n.Sources), Functions: []any{}, Metrics: []any{}}
	compiled := n.Compiled
	j.Compiled = &compiled
	if n.Compiled {
		j.CompiledCode = &n.CompiledCode
		p := "target/compiled/" + n.PackageName + "/" + n.OriginalFilePath
		if n.ResourceType == Test && n.TestMetadata != nil {
			p = "target/compiled/" + n.PackageName + "/" + n.OriginalFilePath + "/" + n.Name + ".sql"
		}
		j.CompiledPath = &p
		inj := true
		j.ExtraCTEsInjected = &inj
		j.ExtraCTEs = n.ExtraCTEs
	}
	j.Contract = map[string]any{"enforced": false, "alias_types": true, "checksum": nil}
	if c, ok := n.Config["contract"].(map[string]any); ok {
		if e, ok := c["enforced"].(bool); ok {
			j.Contract["enforced"] = e
		}
	}
	switch n.ResourceType {
	case Model:
		mf := &modelFields{Access: n.Access, Constraints: n.Constraints, Version: n.Version, LatestVersion: n.LatestVersion,
			PrimaryKey: nonNilStrings(n.PrimaryKey), DeprecationDate: n.DeprecationDate}
		if n.TimeSpine != nil {
			mf.TimeSpine = n.TimeSpine
		}
		if mf.Access == "" {
			mf.Access = "protected"
		}
		if mf.Constraints == nil {
			mf.Constraints = []map[string]any{}
		}
		j.modelFields = mf
	case Test:
		if n.TestMetadata != nil {
			j.ColumnName = strPtr(n.ColumnName)
			j.FileKeyName = strPtr(n.FileKeyName)
			j.AttachedNode = strPtr(n.AttachedNode)
			j.TestMetadata = n.TestMetadata
			if j.TestMetadata.Kwargs == nil {
				j.TestMetadata.Kwargs = map[string]any{}
			}
		}
	case Operation:
		idx := n.Index
		j.Index = &idx
	}
	return j
}

// nodeDocsJSON is a node's docs: its docs config (from the project or a
// config block) with the properties' docs over it.
func nodeDocsJSON(n *Node) map[string]any {
	out := docsJSON(asMap(n.Config["docs"]))
	for k, v := range n.Docs {
		if k == "show" || k == "node_color" {
			out[k] = v
		}
	}
	return out
}

func docsJSON(d map[string]any) map[string]any {
	out := map[string]any{"show": true, "node_color": nil}
	for k, v := range d {
		if k == "show" || k == "node_color" {
			out[k] = v
		}
	}
	return out
}

// JSON returns the source as manifest.json writes it.
func (s *SourceDef) JSON() any {
	q := map[string]any{"database": nil, "schema": nil, "identifier": nil, "column": nil}
	for k, v := range s.Quoting {
		if _, ok := q[k]; ok {
			q[k] = v
		}
	}
	cfg := s.Config
	if cfg == nil {
		cfg = Config{}
	}
	out := map[string]any{
		"database":            strPtr(s.Database),
		"schema":              s.Schema,
		"name":                s.Name,
		"resource_type":       Source,
		"package_name":        s.PackageName,
		"path":                s.Path,
		"original_file_path":  s.OriginalFilePath,
		"unique_id":           s.UniqueID,
		"fqn":                 nonNilStrings(s.FQN),
		"source_name":         s.SourceName,
		"source_description":  s.SourceDescription,
		"loader":              s.Loader,
		"identifier":          s.Identifier,
		"quoting":             q,
		"loaded_at_field":     strPtr(s.LoadedAtField),
		"loaded_at_query":     nil,
		"freshness":           sourceFreshnessJSON(s),
		"external":            nil,
		"description":         s.Description,
		"columns":             columnsJSON(s.Columns),
		"meta":                nonNilMap(s.Meta),
		"source_meta":         nonNilMap(s.SourceMeta),
		"tags":                nonNilStrings(s.Tags),
		"config":              sourceConfigJSON(cfg),
		"patch_path":          nil,
		"unrendered_config":   sourceUnrenderedJSON(s.UnrenderedConfig),
		"unrendered_database": strPtr(s.UnrenderedDatabase),
		"unrendered_schema":   strPtr(s.UnrenderedSchema),
		"relation_name":       strPtr(s.RelationName),
		"created_at":          s.CreatedAt,
		"doc_blocks":          []any{},
	}
	return out
}

// sourceUnrenderedJSON is a source's unrendered config, its freshness
// policy in the same well-formed shape as config's.
func sourceUnrenderedJSON(un map[string]any) map[string]any {
	f, ok := un["freshness"].(map[string]any)
	if !ok {
		return nonNilMap(un)
	}
	out := make(map[string]any, len(un))
	for k, v := range un {
		out[k] = v
	}
	out["freshness"] = freshnessJSON(f)
	return out
}

// sourceFreshnessJSON is a source's freshness: null when switched off,
// else a policy (with no thresholds when none is set).
func sourceFreshnessJSON(s *SourceDef) any {
	if s.FreshnessOff {
		return nil
	}
	if s.Freshness == nil {
		return freshnessJSON(map[string]any{})
	}
	return freshnessJSON(s.Freshness)
}

// sourceConfigJSON is a source's config with dbt's unset fields at their
// defaults (freshness always a well-formed object).
func sourceConfigJSON(c Config) map[string]any {
	out := map[string]any{"enabled": c.Enabled(), "event_time": nil, "loaded_at_field": nil, "loaded_at_query": nil,
		"static_analysis": nil, "meta": map[string]any{}, "tags": []any{}, "freshness": freshnessJSON(map[string]any{})}
	for k, v := range c {
		switch k {
		case "enabled":
		case "freshness":
			if v == nil {
				out[k] = nil // switched off
			} else if f := asMap(v); f != nil {
				out[k] = freshnessJSON(f)
			}
		default:
			out[k] = v
		}
	}
	return out
}

func nonNilAnyList(v any) any {
	if v == nil {
		return []any{}
	}
	return v
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func freshnessJSON(f map[string]any) any {
	if f == nil {
		return nil
	}
	out := map[string]any{"warn_after": timeJSON(f["warn_after"]), "error_after": timeJSON(f["error_after"]), "filter": nil}
	if s, ok := f["filter"].(string); ok {
		out["filter"] = s
	}
	return out
}

func timeJSON(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{"count": nil, "period": nil}
	}
	out := map[string]any{"count": nil, "period": nil}
	switch c := m["count"].(type) {
	case int:
		out["count"] = c
	case int64:
		out["count"] = c
	case float64:
		out["count"] = int64(c)
	}
	if p, ok := m["period"].(string); ok && (p == "minute" || p == "hour" || p == "day") {
		out["period"] = p
	}
	return out
}

// JSON returns the macro as manifest.json writes it.
func (mc *MacroDef) JSON() any {
	return map[string]any{
		"name":                mc.Name,
		"resource_type":       Macro,
		"package_name":        mc.PackageName,
		"path":                mc.Path,
		"original_file_path":  mc.OriginalFilePath,
		"unique_id":           mc.UniqueID,
		"macro_sql":           mc.MacroSQL,
		"depends_on":          map[string]any{"macros": nonNilStrings(mc.DependsOn)},
		"description":         mc.Description,
		"meta":                nonNilMap(mc.Meta),
		"docs":                map[string]any{"show": true, "node_color": nil},
		"patch_path":          strPtr(mc.PatchPath),
		"arguments":           nonNilArgs(mc.Arguments),
		"created_at":          mc.CreatedAt,
		"supported_languages": nil,
	}
}

func nonNilArgs(a []map[string]any) []map[string]any {
	if a == nil {
		return []map[string]any{}
	}
	return a
}

// JSON returns the doc block as manifest.json writes it.
func (d *DocDef) JSON() any {
	return map[string]any{
		"name":               d.Name,
		"resource_type":      Doc,
		"package_name":       d.PackageName,
		"path":               d.Path,
		"original_file_path": d.OriginalFilePath,
		"unique_id":          d.UniqueID,
		"block_contents":     d.BlockContents,
	}
}

// JSON returns the exposure as manifest.json writes it.
func (e *ExposureDef) JSON() any {
	owner := map[string]any{"email": nil, "name": nil}
	for k, v := range e.Owner {
		owner[k] = v
	}
	cfg := e.Config
	if cfg == nil {
		cfg = Config{}
	}
	out := map[string]any{
		"name":               e.Name,
		"resource_type":      Exposure,
		"package_name":       e.PackageName,
		"path":               e.Path,
		"original_file_path": e.OriginalFilePath,
		"unique_id":          e.UniqueID,
		"fqn":                nonNilStrings(e.FQN),
		"type":               e.Type,
		"owner":              owner,
		"description":        e.Description,
		"label":              strPtr(e.Label),
		"maturity":           strPtr(e.Maturity),
		"meta":               nonNilMap(e.Meta),
		"tags":               nonNilStrings(e.Tags),
		"config":             map[string]any{"enabled": cfg.Enabled(), "meta": nonNilMap(asMap(cfg["meta"])), "tags": nonNilAnyList(cfg["tags"])},
		"unrendered_config":  map[string]any{},
		"url":                strPtr(e.URL),
		"depends_on":         DependsOn{Macros: []string{}, Nodes: nonNilStrings(e.DependsOn.Nodes)},
		"refs":               refsJSON(e.Refs),
		"sources":            sourcesJSON(e.Sources),
		"metrics":            []any{},
		"created_at":         e.CreatedAt,
	}
	return out
}

func refsJSON(r []RefArgs) []RefArgs {
	if r == nil {
		return []RefArgs{}
	}
	return r
}

func sourcesJSON(s [][]string) [][]string {
	if s == nil {
		return [][]string{}
	}
	return s
}

// JSON returns the whole manifest.json document.
func (m *Manifest) JSON() map[string]any {
	md := m.Metadata
	md.DbtSchemaVersion = ManifestSchema
	if md.Env == nil {
		md.Env = map[string]string{}
	}
	nodes := make(map[string]any, len(m.Nodes))
	unitTests := map[string]any{}
	for id, n := range m.Nodes {
		if n.UnitTest != nil {
			unitTests[id] = n.unitTestJSON()
			continue
		}
		nodes[id] = n.JSON()
	}
	for id, n := range m.Hooks {
		nodes[id] = n.JSON()
	}
	sources := make(map[string]any, len(m.Sources))
	for id, s := range m.Sources {
		sources[id] = s.JSON()
	}
	macros := make(map[string]any, len(m.Macros))
	for id, mc := range m.Macros {
		macros[id] = mc.JSON()
	}
	docs := make(map[string]any, len(m.Docs))
	for id, d := range m.Docs {
		docs[id] = d.JSON()
	}
	exposures := make(map[string]any, len(m.Exposures))
	for id, e := range m.Exposures {
		exposures[id] = e.JSON()
	}
	disabled := make(map[string]any, len(m.Disabled))
	for id, list := range m.Disabled {
		arr := make([]any, len(list))
		for i, n := range list {
			arr[i] = n.JSON()
		}
		disabled[id] = arr
	}
	groupMap := m.groupMap()
	return map[string]any{
		"metadata":        md,
		"nodes":           nodes,
		"sources":         sources,
		"macros":          macros,
		"docs":            docs,
		"exposures":       exposures,
		"metrics":         semanticJSON(m.Metrics),
		"groups":          groupsJSON(m.Groups),
		"selectors":       m.Selectors,
		"disabled":        disabled,
		"parent_map":      m.ParentMap,
		"child_map":       m.ChildMap,
		"group_map":       groupMap,
		"saved_queries":   semanticJSON(m.SavedQueries),
		"semantic_models": semanticJSON(m.SemanticModels),
		"unit_tests":      unitTests,
		"functions":       map[string]any{},
	}
}

// WriteJSONFile writes v as JSON to path atomically (temp file + rename), so
// a reader never sees a half-written artifact.
func WriteJSONFile(path string, v any) error {
	return writeAtomic(path, artifactBuffer, func(bw *bufio.Writer) error {
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	})
}

// writeAtomic writes path through a temporary file in the same directory
// and renames it into place; on any error the old file is left as it was.
// artifactBuffer is the write buffer of an artifact. Larger buffers save
// nothing measurable (a 53 MB manifest is ~200 writes of 256 KiB) but cost
// every small command: a 4 MiB buffer alone was ~1.5 ms of a 5-model
// manifest write (clearing it and faulting its pages in).
const artifactBuffer = 256 << 10

func writeAtomic(path string, bufSize int, write func(bw *bufio.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	// Secret values never reach disk (see internal/secret).
	sw := secret.NewWriter(tmp)
	bw := bufio.NewWriterSize(sw, bufSize)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = sw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// createTemp opens a new file next to path with mode 0644 minus the
// umask, as os.WriteFile would create it: os.CreateTemp's 0600 would make
// artifacts unreadable to the CI user or web server that publishes them.
func createTemp(path string) (*os.File, error) {
	for i := 0; ; i++ {
		name := fmt.Sprintf("%s/.tmp-%s-%d-%d", filepath.Dir(path), filepath.Base(path), os.Getpid(), time.Now().UnixNano()+int64(i))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if !os.IsExist(err) || i > 100 {
			return f, err
		}
	}
}

// WriteJSON writes v to w (for stdout use).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Sorted returns map keys sorted (helper for deterministic output).
func Sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hooksAsObjects returns cfg with pre-hook/post-hook as the {sql,
// transaction, index} objects the schema requires (configs may hold plain
// strings, as users write them).
func hooksAsObjects(cfg Config) Config {
	_, pre := cfg["pre-hook"]
	_, post := cfg["post-hook"]
	if !pre && !post {
		return cfg
	}
	out := make(Config, len(cfg))
	for k, v := range cfg {
		out[k] = v
	}
	for _, key := range []string{"pre-hook", "post-hook"} {
		if _, ok := cfg[key]; !ok {
			continue
		}
		hooks := cfg.Hooks(key)
		list := make([]any, len(hooks))
		for i, h := range hooks {
			list[i] = map[string]any{"sql": h.SQL, "transaction": h.Transaction, "index": nil}
		}
		out[key] = list
	}
	return out
}

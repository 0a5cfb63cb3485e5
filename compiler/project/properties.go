package project

// YAML property files (models:, sources:, seeds:, ... in any .yml under the
// resource paths). Parsing keeps positions for every entry and reports
// problems without stopping, so one run shows all of them. Descriptions
// are kept raw: `{{ doc('x') }}` is resolved by the compiler.

import (
	"fmt"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/diag"
)

// Properties is one parsed property file.
type Properties struct {
	Path string // as given to ParseProperties (relative to its project root)

	Models, Seeds, Snapshots, Analyses []NodePatch
	Sources                            []Source
	Macros                             []MacroPatch
	Exposures                          []Exposure
	UnitTests                          []UnitTest
	DataTests                          []NodePatch // singular test properties
	Groups                             []map[string]any
	GroupPos                           []diag.Pos // parallel to Groups
	// Semantic holds the semantic layer's entries (semantic_models,
	// metrics, saved_queries), as written, with their positions.
	Semantic map[string][]RawEntry
	// Other holds the top-level keys kiln reads but does not model
	// (semantic_models, metrics, saved_queries, functions, unknown keys),
	// as written. They are never an error.
	Other map[string]any
}

// RawEntry is one list entry kept as plain values, with its position.
type RawEntry struct {
	Value map[string]any
	Pos   diag.Pos
}

// NodePatch describes a model, seed, snapshot, analysis or singular test.
type NodePatch struct {
	Name           string
	Description    string // raw; may contain {{ doc('x') }}
	DescriptionPos diag.Pos
	Config         map[string]any      // `config:` as written
	ConfigPos      map[string]diag.Pos // position of each config key
	Columns        []ColumnPatch
	Tests          []TestDef // model-level data_tests/tests
	// Meta, Tags and Docs hold the top-level (pre-1.10) spellings only; the
	// config: ones are in Config. The compiler merges them.
	Meta            map[string]any
	Tags            []string
	Docs            map[string]any
	Access          string
	Group           string
	Versions        []ModelVersion
	LatestVersion   any
	Constraints     []map[string]any
	DeprecationDate string
	Relation        string // YAML snapshots (1.9+): ref('x') / source('s','t')
	Pos             diag.Pos
	// Raw holds the entry's keys that are not modelled above (time_spine,
	// semantic_model, ...), as written.
	Raw map[string]any
}

// ColumnPatch describes a column.
type ColumnPatch struct {
	Name           string
	Description    string
	DescriptionPos diag.Pos
	DataType       string
	Quote          *bool
	Tests          []TestDef
	Meta           map[string]any // top-level meta updated with config.meta
	Tags           []string       // top-level tags followed by config.tags
	Config         map[string]any
	Constraints    []map[string]any
	Granularity    string
	Pos            diag.Pos
	Raw            map[string]any
}

// TestDef is one generic test entry.
type TestDef struct {
	Name        string         // "unique", "accepted_values", "dbt_utils.expression_is_true"
	Args        map[string]any // from arguments: and/or legacy top-level kwargs
	Config      map[string]any // config: plus legacy config keys written on the entry
	CustomName  string         // name:
	Description string
	Column      string // the column the test is attached to, "" for model-level tests
	// ArgKeyOrder is, for each mapping-valued argument, its keys in the
	// order written (test names are built from them in that order).
	ArgKeyOrder map[string][]string
	Pos         diag.Pos
}

// Namespace splits "pkg.test" into ("pkg", "test"); ("", name) otherwise.
func (t TestDef) Namespace() (pkg, name string) {
	if i := strings.LastIndexByte(t.Name, '.'); i >= 0 {
		return t.Name[:i], t.Name[i+1:]
	}
	return "", t.Name
}

// Source is one entry under sources:.
type Source struct {
	Name, Description, Database, Schema, Loader string
	DescriptionPos                              diag.Pos
	Meta                                        map[string]any
	Tags                                        []string
	Config                                      map[string]any
	ConfigPos                                   map[string]diag.Pos
	Quoting                                     map[string]bool
	Freshness                                   map[string]any
	NoFreshness                                 bool // `freshness: null` was written (disables an inherited one)
	LoadedAtField, LoadedAtQuery                string
	Tables                                      []SourceTable
	Overrides                                   string
	Pos                                         diag.Pos
	Raw                                         map[string]any
}

// SourceTable is one table of a source.
type SourceTable struct {
	Name, Identifier, Description string
	DescriptionPos                diag.Pos
	Columns                       []ColumnPatch
	Tests                         []TestDef
	Meta                          map[string]any
	Tags                          []string
	Config                        map[string]any
	ConfigPos                     map[string]diag.Pos
	Freshness                     map[string]any
	NoFreshness                   bool
	LoadedAtField, LoadedAtQuery  string
	Quoting                       map[string]bool
	Pos                           diag.Pos
	Raw                           map[string]any
}

// Exposure is one entry under exposures:.
type Exposure struct {
	Name, Label, Type, URL, Maturity, Description string
	DescriptionPos                                diag.Pos
	Owner                                         map[string]any
	DependsOn                                     []string // raw strings: "ref('x')", "source('s','t')"
	Meta                                          map[string]any
	Tags                                          []string
	Config                                        map[string]any
	Pos                                           diag.Pos
	Raw                                           map[string]any
}

// MacroPatch documents a macro.
type MacroPatch struct {
	Name, Description string
	DescriptionPos    diag.Pos
	Arguments         []map[string]any
	Meta              map[string]any
	Docs              map[string]any
	Config            map[string]any
	Pos               diag.Pos
}

// UnitTest is one entry under unit_tests:, kept close to the YAML; the
// unit-test runner interprets given/expect.
type UnitTest struct {
	Name, Model, Description string
	Given                    []map[string]any
	Expect                   map[string]any
	Overrides                map[string]any
	Config                   map[string]any
	Versions                 map[string]any
	Pos                      diag.Pos
	GivenPos                 []diag.Pos // line of each given entry
	ExpectPos                diag.Pos
}

var (
	propTopKeys = []string{
		"version", "models", "sources", "seeds", "snapshots", "analyses", "macros", "exposures",
		"groups", "metrics", "semantic_models", "saved_queries", "unit_tests", "data_tests", "functions",
	}
	modelKeys = []string{
		"name", "description", "config", "columns", "data_tests", "tests", "constraints", "versions",
		"latest_version", "deprecation_date", "access", "meta", "tags", "docs", "group", "time_spine",
		"semantic_model", "metrics", "agg_time_dimension", "derived_semantics", "freshness",
	}
	seedPropKeys     = []string{"name", "description", "config", "columns", "data_tests", "tests", "meta", "tags", "docs", "group"}
	snapshotPropKeys = []string{"name", "description", "relation", "config", "columns", "data_tests", "tests", "meta", "tags", "docs", "group"}
	analysisPropKeys = []string{"name", "description", "config", "columns", "meta", "tags", "docs", "group"}
	dataTestPropKeys = []string{"name", "description", "config", "columns", "meta", "tags", "docs", "group"}
	columnKeys       = []string{
		"name", "description", "data_type", "quote", "constraints", "data_tests", "tests", "meta",
		"tags", "config", "granularity", "policy_tags", "dimension", "entity", "include", "exclude",
	}
	sourceEntryKeys = []string{
		"name", "description", "database", "catalog", "schema", "loader", "meta", "tags", "config",
		"quoting", "freshness", "loaded_at_field", "loaded_at_query", "tables", "overrides",
	}
	sourceTableKeys = []string{
		"name", "identifier", "description", "columns", "data_tests", "tests", "meta", "tags", "config",
		"freshness", "loaded_at_field", "loaded_at_query", "quoting", "external", "docs",
	}
	exposureKeys  = []string{"name", "label", "type", "url", "maturity", "description", "owner", "depends_on", "meta", "tags", "config", "enabled"}
	macroKeys     = []string{"name", "description", "arguments", "meta", "docs", "config"}
	unitTestKeys  = []string{"name", "model", "description", "given", "expect", "overrides", "config", "versions"}
	exposureTypes = []string{"dashboard", "notebook", "analysis", "ml", "application"}
	maturities    = []string{"high", "medium", "low"}
	// Config keys that may be written directly on a generic test entry.
	testConfigArgs = map[string]bool{
		"severity": true, "tags": true, "enabled": true, "where": true, "limit": true, "warn_if": true,
		"error_if": true, "fail_calc": true, "store_failures": true, "store_failures_as": true,
		"meta": true, "database": true, "schema": true, "alias": true,
	}
)

// ParseProperties parses one property file. path is the file's path
// relative to its project root and is used for positions.
func ParseProperties(path string, src []byte) (*Properties, diag.List) {
	return parseProperties(path, path, src)
}

func parseProperties(path, diagPath string, src []byte) (*Properties, diag.List) {
	d := newDoc(diagPath, src)
	props := &Properties{Path: path}
	root := d.parse()
	if root == nil {
		return props, d.diags
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "properties-not-mapping", "start the file with a key such as `models:` or `sources:`",
			"a property file must be a mapping of sections (models:, sources:, ...), not a %s", kindName(root))
		return props, d.diags
	}
	for _, e := range d.pairs(root) {
		switch e.Key {
		case "version":
			v := scalarValue(orNull(e.V))
			if e.V != nil && e.V.Kind == yaml.ScalarNode {
				if v == 2 || v == "2" {
					continue
				}
			}
			// dbt reads every property file the same way whatever its
			// version says, so kiln does too, and only points it out.
			d.warnf(e.V, "properties-version", "use `version: 2`, or remove the line (it is optional)",
				"property file version %s is not 2; the file is read as version 2", strings.TrimSpace(describe(e.V)))
		case "models":
			props.Models = d.nodePatches(e.V, "models", "model", modelKeys)
		case "seeds":
			props.Seeds = d.nodePatches(e.V, "seeds", "seed", seedPropKeys)
		case "snapshots":
			props.Snapshots = d.nodePatches(e.V, "snapshots", "snapshot", snapshotPropKeys)
		case "analyses":
			props.Analyses = d.nodePatches(e.V, "analyses", "analysis", analysisPropKeys)
		case "data_tests":
			props.DataTests = d.nodePatches(e.V, "data_tests", "data test", dataTestPropKeys)
		case "sources":
			props.Sources = d.sources(e.V)
		case "macros":
			props.Macros = d.macros(e.V)
		case "exposures":
			props.Exposures = d.exposures(e.V)
		case "unit_tests":
			props.UnitTests = d.unitTests(e.V)
		case "semantic_models", "metrics", "saved_queries":
			for _, it := range d.list(e.V, e.Key) {
				m := d.mapValue(it, "each "+e.Key+" entry")
				if m == nil {
					continue
				}
				if s, _ := m["name"].(string); s == "" {
					d.errorf(it, "missing-name", "add `name:`", "%s entry has no name", e.Key)
					continue
				}
				if props.Semantic == nil {
					props.Semantic = map[string][]RawEntry{}
				}
				props.Semantic[e.Key] = append(props.Semantic[e.Key], RawEntry{Value: m, Pos: d.pos(it)})
			}
		case "groups":
			for _, it := range d.list(e.V, "groups") {
				m := d.mapValue(it, "a group")
				if m == nil {
					continue
				}
				if s, _ := m["name"].(string); s == "" {
					d.errorf(it, "missing-name", "add `name:`", "group entry has no name")
				}
				props.Groups = append(props.Groups, m)
				props.GroupPos = append(props.GroupPos, d.pos(it))
			}
		default:
			if !keySet(propTopKeys)[e.Key] {
				d.warnf(e.K, "unknown-section", unknownSuggestion(e.Key, propTopKeys),
					"unknown top-level key '%s' in property file", e.Key)
			}
			if props.Other == nil {
				props.Other = map[string]any{}
			}
			props.Other[e.Key] = d.value(e.V)
		}
	}
	d.diags.Sort()
	return props, d.diags
}

func orNull(n *ynode) *ynode {
	if n == nil {
		return &ynode{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func describe(n *ynode) string {
	n = deref(n)
	if n != nil && n.Kind == yaml.ScalarNode && len(n.Value) < 40 {
		return "'" + n.Value + "'"
	}
	return "(a " + kindName(n) + ")"
}

func unknownSuggestion(key string, known []string) string {
	if s := diag.DidYouMean(key, known); s != "" {
		return s
	}
	return "it is ignored"
}

// owner names an entry in messages ("column 'id' of model 'orders'"); it is
// formatted only when a diagnostic is produced.
type owner struct {
	what, name string
	parent     *owner
}

func (o *owner) String() string {
	s := o.what + " '" + o.name + "'"
	if o.parent != nil {
		s += " of " + o.parent.String()
	}
	return s
}

// checkKeys warns about keys not in known.
func (d *ydoc) checkKeys(ps []kv, known []string, what fmt.Stringer) {
	set := knownKeySets(known)
	for _, e := range ps {
		if !set[e.Key] {
			d.warnf(e.K, "unknown-key", unknownSuggestion(e.Key, known), "unknown key '%s' in %s", e.Key, what)
		}
	}
}

var keySetCache sync.Map // *[]string → map[string]bool (the lists above are fixed)

func knownKeySets(known []string) map[string]bool {
	if len(known) == 0 {
		return nil
	}
	if m, ok := keySetCache.Load(&known[0]); ok {
		return m.(map[string]bool)
	}
	m := keySet(known)
	keySetCache.Store(&known[0], m)
	return m
}

// entries returns the mapping items of a section list; non-mappings are errors.
func (d *ydoc) entries(n *ynode, section, what string) []*ynode {
	var out []*ynode
	for _, it := range d.list(n, section) {
		if it.Kind != yaml.MappingNode {
			d.errorf(it, "entry-not-mapping", fmt.Sprintf("write `- name: my_%s` and its properties", strings.ReplaceAll(what, " ", "_")),
				"each entry under %s: must be a mapping, found a %s", section, kindName(it))
			continue
		}
		out = append(out, it)
	}
	return out
}

// name reads the required name of an entry.
func (d *ydoc) name(it *ynode, ps []kv, what string) (string, bool) {
	for _, e := range ps {
		if e.Key == "name" {
			s := d.str(e.V, what+" name")
			if s == "" {
				d.errorf(orNode(e.V, e.K), "missing-name", "give it a name", "%s name is empty", what)
				return "", false
			}
			return s, true
		}
	}
	d.errorf(it, "missing-name", fmt.Sprintf("add `name: <%s name>` to this entry", strings.ReplaceAll(what, " ", "_")),
		"%s entry has no name", what)
	return "", false
}

func orNode(a, b *ynode) *ynode {
	if a != nil && a.Line > 0 {
		return a
	}
	return b
}

func (d *ydoc) config(n *ynode, resourceKey string) (map[string]any, map[string]diag.Pos) {
	n = deref(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "yaml-type", "", "config must be a mapping, not a %s", kindName(n))
		return nil, nil
	}
	ps := d.pairs(n)
	cfg := make(map[string]any, len(ps))
	pos := make(map[string]diag.Pos, len(ps))
	for _, e := range ps {
		cfg[e.Key] = d.value(e.V)
		pos[e.Key] = d.pos(e.K)
		if problem, fix := CheckConfigValue(e.Key, cfg[e.Key]); problem != "" {
			d.errorf(orNode(e.V, e.K), "config-type", fix, "%s", problem)
		}
	}
	if resourceKey != "" {
		d.diags = append(d.diags, CheckConfigKeys(resourceKey, pos)...)
	}
	if h := HookSpellingConflict(cfg); h != "" {
		under := strings.Replace(h, "-", "_", 1)
		d.errorf(n, "hook-spelling", "keep one spelling ('"+h+"')", "both '%s' and '%s' are set in this config", h, under)
	}
	return cfg, pos
}

// tags reads a tags: list. A number or boolean is refused (as dbt does)
// rather than silently becoming the tag "5".
func (d *ydoc) tags(n *ynode) []string {
	items := []*ynode{deref(n)}
	if x := deref(n); x != nil && x.Kind == yaml.SequenceNode {
		items = x.Content
	}
	for _, it := range items {
		if it = deref(it); it != nil && it.Kind == yaml.ScalarNode {
			if k := kindName(it); k == "number" || k == "boolean" {
				d.errorf(it, "config-type", fmt.Sprintf("quote it (tags: ['%s'])", it.Value),
					"tags must be strings, not the %s %s", k, it.Value)
				return nil
			}
		}
	}
	return d.strList(n, "tags")
}

func (d *ydoc) mapList(n *ynode, what string) []map[string]any {
	var out []map[string]any
	for _, it := range d.list(n, what) {
		if m := d.mapValue(it, "each "+what+" entry"); m != nil {
			out = append(out, m)
		}
	}
	return out
}

func (d *ydoc) addRaw(raw *map[string]any, e kv) {
	if *raw == nil {
		*raw = map[string]any{}
	}
	(*raw)[e.Key] = d.value(e.V)
}

// testsKey handles tests:/data_tests: on one entry: both set is an error.
func (d *ydoc) testsKey(seen *kv, e kv, owner *owner) bool {
	if seen.K != nil {
		d.errorf(e.K, "tests-and-data-tests", "move every test under data_tests: (tests: is the old name)",
			"%s sets both '%s' and '%s' (line %d)", owner, seen.Key, e.Key, seen.K.Line)
		return false
	}
	*seen = e
	return true
}

func (d *ydoc) nodePatches(n *ynode, section, what string, known []string) []NodePatch {
	items := d.entries(n, section, what)
	out := make([]NodePatch, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, what)
		if !ok {
			continue
		}
		owner := &owner{what: what, name: name}
		np := NodePatch{Name: name, Pos: d.pos(it)}
		d.checkKeys(ps, known, owner)
		var testsSeen kv
		for _, e := range ps {
			switch e.Key {
			case "name":
			case "description":
				np.Description = d.str(e.V, "description")
				np.DescriptionPos = d.pos(e.V)
			case "config":
				np.Config, np.ConfigPos = d.config(e.V, section)
			case "columns":
				np.Columns = d.columns(e.V, owner)
			case "tests", "data_tests":
				if d.testsKey(&testsSeen, e, owner) {
					np.Tests = d.tests(e.V, "", owner)
				}
			case "meta":
				np.Meta = d.mapValue(e.V, "meta")
			case "tags":
				np.Tags = d.tags(e.V)
			case "docs":
				np.Docs = d.mapValue(e.V, "docs")
			case "access":
				np.Access = d.access(e.V)
			case "group":
				np.Group = d.str(e.V, "group")
			case "versions":
				np.Versions = d.modelVersions(e.V, owner)
			case "latest_version":
				np.LatestVersion = d.value(e.V)
			case "constraints":
				np.Constraints = d.mapList(e.V, "constraints")
			case "deprecation_date":
				np.DeprecationDate = d.str(e.V, "deprecation_date")
			case "relation":
				np.Relation = d.str(e.V, "relation")
			default:
				d.addRaw(&np.Raw, e)
			}
		}
		out = append(out, np)
	}
	return out
}

func (d *ydoc) columns(n *ynode, own *owner) []ColumnPatch {
	items := d.entries(n, "columns", "column")
	out := make([]ColumnPatch, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, "column")
		if !ok {
			continue
		}
		c := ColumnPatch{Name: name, Pos: d.pos(it)}
		cowner := &owner{what: "column", name: name, parent: own}
		d.checkKeys(ps, columnKeys, cowner)
		var testsSeen kv
		var cfgTags []string
		var cfgMeta map[string]any
		for _, e := range ps {
			switch e.Key {
			case "name":
			case "description":
				c.Description = d.str(e.V, "description")
				c.DescriptionPos = d.pos(e.V)
			case "data_type":
				c.DataType = d.str(e.V, "data_type")
			case "quote":
				if b, ok := scalarValue(orNull(e.V)).(bool); ok {
					c.Quote = &b
				} else if !isNull(e.V) {
					d.errorf(e.V, "yaml-type", "use true or false", "quote must be a boolean")
				}
			case "tests", "data_tests":
				if d.testsKey(&testsSeen, e, cowner) {
					c.Tests = d.tests(e.V, name, cowner)
				}
			case "meta":
				c.Meta = d.mapValue(e.V, "meta")
			case "tags":
				c.Tags = d.tags(e.V)
			case "config":
				c.Config = d.mapValue(e.V, "column config")
				for _, ce := range d.pairs(e.V) {
					switch ce.Key {
					case "meta":
						cfgMeta = d.mapValue(ce.V, "meta")
					case "tags":
						cfgTags = d.tags(ce.V)
					}
				}
			case "constraints":
				c.Constraints = d.mapList(e.V, "constraints")
			case "granularity":
				c.Granularity = d.str(e.V, "granularity")
			default:
				d.addRaw(&c.Raw, e)
			}
		}
		if cfgMeta != nil {
			c.Meta, _ = updateMap(c.Meta, cfgMeta).(map[string]any)
		}
		for _, t := range cfgTags {
			if !containsString(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
		out = append(out, c)
	}
	return out
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func (d *ydoc) freshness(n *ynode) (map[string]any, bool) {
	if isNull(deref(n)) {
		return nil, true
	}
	return d.mapValue(n, "freshness"), false
}

func (d *ydoc) sources(n *ynode) []Source {
	items := d.entries(n, "sources", "source")
	out := make([]Source, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, "source")
		if !ok {
			continue
		}
		owner := &owner{what: "source", name: name}
		s := Source{Name: name, Pos: d.pos(it)}
		d.checkKeys(ps, sourceEntryKeys, owner)
		for _, e := range ps {
			switch e.Key {
			case "name":
			case "description":
				s.Description = d.str(e.V, "description")
				s.DescriptionPos = d.pos(e.V)
			case "database", "catalog":
				s.Database = d.str(e.V, e.Key)
			case "schema":
				s.Schema = d.str(e.V, "schema")
			case "loader":
				s.Loader = d.str(e.V, "loader")
			case "meta":
				s.Meta = d.mapValue(e.V, "meta")
			case "tags":
				s.Tags = d.tags(e.V)
			case "config":
				s.Config, s.ConfigPos = d.config(e.V, "sources")
			case "quoting":
				s.Quoting = d.boolMap(e.V, "quoting")
			case "freshness":
				s.Freshness, s.NoFreshness = d.freshness(e.V)
			case "loaded_at_field":
				s.LoadedAtField = d.str(e.V, "loaded_at_field")
			case "loaded_at_query":
				s.LoadedAtQuery = d.str(e.V, "loaded_at_query")
			case "overrides":
				s.Overrides = d.str(e.V, "overrides")
			case "tables":
				s.Tables = d.sourceTables(e.V, name)
			default:
				d.addRaw(&s.Raw, e)
			}
		}
		out = append(out, s)
	}
	return out
}

func (d *ydoc) sourceTables(n *ynode, source string) []SourceTable {
	items := d.entries(n, "tables", "table")
	out := make([]SourceTable, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, "source table")
		if !ok {
			continue
		}
		owner := &owner{what: "source table", name: source + "." + name}
		t := SourceTable{Name: name, Pos: d.pos(it)}
		d.checkKeys(ps, sourceTableKeys, owner)
		var testsSeen kv
		for _, e := range ps {
			switch e.Key {
			case "name":
			case "identifier":
				t.Identifier = d.str(e.V, "identifier")
			case "description":
				t.Description = d.str(e.V, "description")
				t.DescriptionPos = d.pos(e.V)
			case "columns":
				t.Columns = d.columns(e.V, owner)
			case "tests", "data_tests":
				if d.testsKey(&testsSeen, e, owner) {
					t.Tests = d.tests(e.V, "", owner)
				}
			case "meta":
				t.Meta = d.mapValue(e.V, "meta")
			case "tags":
				t.Tags = d.tags(e.V)
			case "config":
				t.Config, t.ConfigPos = d.config(e.V, "sources")
			case "freshness":
				t.Freshness, t.NoFreshness = d.freshness(e.V)
			case "loaded_at_field":
				t.LoadedAtField = d.str(e.V, "loaded_at_field")
			case "loaded_at_query":
				t.LoadedAtQuery = d.str(e.V, "loaded_at_query")
			case "quoting":
				t.Quoting = d.boolMap(e.V, "quoting")
			default:
				d.addRaw(&t.Raw, e)
			}
		}
		out = append(out, t)
	}
	return out
}

func (d *ydoc) exposures(n *ynode) []Exposure {
	items := d.entries(n, "exposures", "exposure")
	out := make([]Exposure, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, "exposure")
		if !ok {
			continue
		}
		owner := &owner{what: "exposure", name: name}
		x := Exposure{Name: name, Pos: d.pos(it)}
		d.checkKeys(ps, exposureKeys, owner)
		for _, e := range ps {
			switch e.Key {
			case "name":
			case "label":
				x.Label = d.str(e.V, "label")
			case "type":
				x.Type = d.str(e.V, "type")
				if !containsString(exposureTypes, x.Type) {
					d.errorf(e.V, "exposure-type", unknownOr(x.Type, exposureTypes),
						"invalid type '%s' for %s", x.Type, owner)
				}
			case "url":
				x.URL = d.str(e.V, "url")
			case "maturity":
				x.Maturity = d.str(e.V, "maturity")
				if x.Maturity != "" && !containsString(maturities, x.Maturity) {
					d.errorf(e.V, "exposure-maturity", unknownOr(x.Maturity, maturities),
						"invalid maturity '%s' for %s", x.Maturity, owner)
				}
			case "description":
				x.Description = d.str(e.V, "description")
				x.DescriptionPos = d.pos(e.V)
			case "owner":
				x.Owner = d.mapValue(e.V, "owner")
			case "depends_on":
				x.DependsOn = d.strList(e.V, "depends_on")
			case "meta":
				x.Meta = d.mapValue(e.V, "meta")
			case "tags":
				x.Tags = d.tags(e.V)
			case "config":
				x.Config, _ = d.config(e.V, "exposures")
			default:
				d.addRaw(&x.Raw, e)
			}
		}
		if x.Type == "" {
			d.errorf(it, "exposure-type", "add `type:` (one of "+strings.Join(exposureTypes, ", ")+")", "%s has no type", owner)
		}
		if x.Owner == nil {
			d.errorf(it, "exposure-owner", "add `owner: {name: ..., email: ...}`", "%s has no owner", owner)
		} else if x.Owner["name"] == nil && x.Owner["email"] == nil {
			d.errorf(it, "exposure-owner", "give the owner a name or an email", "the owner of %s has neither name nor email", owner)
		}
		out = append(out, x)
	}
	return out
}

func unknownOr(v string, allowed []string) string {
	if s := diag.DidYouMean(v, allowed); s != "" {
		return s
	}
	return "use one of: " + strings.Join(allowed, ", ")
}

func (d *ydoc) macros(n *ynode) []MacroPatch {
	items := d.entries(n, "macros", "macro")
	out := make([]MacroPatch, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, "macro")
		if !ok {
			continue
		}
		m := MacroPatch{Name: name, Pos: d.pos(it)}
		d.checkKeys(ps, macroKeys, &owner{what: "macro", name: name})
		for _, e := range ps {
			switch e.Key {
			case "description":
				m.Description = d.str(e.V, "description")
				m.DescriptionPos = d.pos(e.V)
			case "arguments":
				m.Arguments = d.mapList(e.V, "arguments")
			case "meta":
				m.Meta = d.mapValue(e.V, "meta")
			case "docs":
				m.Docs = d.mapValue(e.V, "docs")
			case "config":
				m.Config = d.mapValue(e.V, "config")
			}
		}
		out = append(out, m)
	}
	return out
}

func (d *ydoc) unitTests(n *ynode) []UnitTest {
	items := d.entries(n, "unit_tests", "unit test")
	out := make([]UnitTest, 0, len(items))
	for _, it := range items {
		ps := d.pairs(it)
		name, ok := d.name(it, ps, "unit test")
		if !ok {
			continue
		}
		owner := &owner{what: "unit test", name: name}
		u := UnitTest{Name: name, Pos: d.pos(it)}
		d.checkKeys(ps, unitTestKeys, owner)
		hasGiven, hasExpect := false, false
		for _, e := range ps {
			switch e.Key {
			case "model":
				u.Model = d.str(e.V, "model")
			case "description":
				u.Description = d.str(e.V, "description")
			case "given":
				hasGiven = true
				for _, g := range d.list(e.V, "given") {
					m := d.mapValue(g, "each given entry")
					if m == nil {
						continue
					}
					if _, ok := m["input"]; !ok {
						d.errorf(g, "unit-test", "add `input: ref('...')`", "a given entry of %s has no input", owner)
					}
					u.Given = append(u.Given, m)
					u.GivenPos = append(u.GivenPos, d.pos(g))
				}
			case "expect":
				hasExpect = true
				u.Expect = d.mapValue(e.V, "expect")
				u.ExpectPos = d.pos(e.V)
			case "overrides":
				u.Overrides = d.mapValue(e.V, "overrides")
			case "config":
				u.Config, _ = d.config(e.V, "unit_tests")
			case "versions":
				u.Versions = d.mapValue(e.V, "versions")
			}
		}
		if u.Model == "" {
			d.errorf(it, "unit-test", "add `model: <model name>`", "%s has no model", owner)
		}
		if !hasGiven {
			d.errorf(it, "unit-test", "add `given: []` (or the inputs the model refs)", "%s has no given:", owner)
		}
		if !hasExpect {
			d.errorf(it, "unit-test", "add `expect: {rows: [...]}`", "%s has no expect:", owner)
		}
		out = append(out, u)
	}
	return out
}

// access reads a model's (or model version's) access:, which must be
// private, protected or public.
func (d *ydoc) access(n *ynode) string {
	a := d.str(n, "access")
	if a != "" && a != "private" && a != "protected" && a != "public" {
		d.errorf(n, "access", unknownSuggestion(a, []string{"private", "protected", "public"}),
			"access must be private, protected or public, not '%s'", a)
	}
	return a
}

package project

// Node configuration: the known config keys per resource type, dbt's merge
// rules, and the walk over dbt_project.yml config trees.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/internal/diag"
)

// ResourceKeys are the dbt_project.yml keys that hold config trees, in the
// spelling kiln stores them under (Project.Configs).
var ResourceKeys = []string{
	"models", "seeds", "snapshots", "sources", "data_tests", "unit_tests", "analyses",
	"exposures", "metrics", "semantic-models", "saved-queries", "functions",
}

// canonicalResourceKey maps accepted spellings onto ResourceKeys.
func canonicalResourceKey(k string) string {
	switch k {
	case "tests", "data-tests":
		return "data_tests"
	case "semantic_models":
		return "semantic-models"
	case "saved_queries":
		return "saved-queries"
	case "unit-tests":
		return "unit_tests"
	}
	return k
}

func keySet(groups ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, g := range groups {
		for _, k := range g {
			m[k] = true
		}
	}
	return m
}

var (
	generalKeys = []string{"enabled", "tags", "meta", "docs", "group"}
	// NodeConfig fields shared by models, seeds, snapshots, analyses.
	nodeKeys = []string{
		"alias", "schema", "database", "materialized", "persist_docs", "pre-hook", "post-hook",
		"pre_hook", "post_hook", "quoting", "column_types", "full_refresh", "unique_key",
		"on_schema_change", "on_configuration_change", "grants", "packages", "contract",
		"event_time", "incremental_strategy", "batch_size", "lookback", "begin",
		"concurrent_batches", "sql_header", "incremental_predicates", "predicates",
		"merge_update_columns", "merge_exclude_columns", "access", "freshness", "catalog",
		"catalog_name", "table_format", "static_analysis", "description", "submission_method",
		"python_version", "imports",
	}
	// Adapter keys: Postgres and DuckDB (which kiln runs) and the common
	// ones of other warehouses, so that a project written for them does not
	// drown in warnings.
	adapterKeys = []string{
		// postgres
		"indexes", "unlogged",
		// duckdb (external materialization, plugins)
		"location", "format", "delimiter", "options", "glue_register", "glue_database", "plugin",
		"overwrite", "partition_by", "per_thread_output", "use_tmp_file", "external_root",
		// others commonly seen
		"cluster_by", "transient", "copy_grants", "secure", "query_tag", "snowflake_warehouse",
		"automatic_clustering", "target_lag", "warehouse", "labels", "partition_expiration_days",
		"require_partition_filter", "hours_to_expiration", "kms_key_name", "dist", "sort",
		"sort_type", "bind", "backup", "file_format", "location_root", "clustered_by", "buckets",
		"tblproperties", "databricks_tags", "zorder", "liquid_clustered_by", "table_type",
		"s3_data_dir", "s3_data_naming", "on_table_exists", "grant_access_to", "as_columnstore",
		"dist_key", "sort_key", "include_full_name_in_path", "compression", "partitions",
	}
	testKeys = []string{
		"severity", "where", "limit", "fail_calc", "warn_if", "error_if", "store_failures",
		"store_failures_as", "schema", "database", "alias", "materialized", "sql_header",
	}
	snapshotKeys = []string{
		"strategy", "updated_at", "check_cols", "target_schema", "target_database",
		"snapshot_meta_column_names", "dbt_valid_to_current", "hard_deletes",
		"invalidate_hard_deletes",
	}
	seedKeys   = []string{"quote_columns", "delimiter", "column_types", "fast"}
	sourceKeys = []string{"freshness", "loaded_at_field", "loaded_at_query", "event_time", "quoting"}

	knownConfigKeys = map[string]map[string]bool{
		"models":          keySet(generalKeys, nodeKeys, adapterKeys),
		"seeds":           keySet(generalKeys, nodeKeys, adapterKeys, seedKeys),
		"snapshots":       keySet(generalKeys, nodeKeys, adapterKeys, snapshotKeys),
		"analyses":        keySet(generalKeys, nodeKeys, adapterKeys),
		"sources":         keySet(generalKeys, sourceKeys),
		"data_tests":      keySet(generalKeys, testKeys),
		"unit_tests":      keySet(generalKeys),
		"exposures":       keySet(generalKeys),
		"metrics":         keySet(generalKeys),
		"semantic-models": keySet(generalKeys),
		"saved-queries":   keySet(generalKeys, []string{"export_as", "schema", "cache", "exports"}),
		"functions": keySet(generalKeys, nodeKeys, []string{
			"type", "volatility", "runtime_version", "entry_point",
		}),
	}
)

// KnownConfigKeys returns the sorted config keys kiln knows for a resource
// type ("models", "seeds", ...; "tests" is accepted for "data_tests").
func KnownConfigKeys(resourceKey string) []string {
	set := knownConfigKeys[canonicalResourceKey(resourceKey)]
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsKnownConfigKey reports whether key (with or without a leading '+') is a
// config of the resource type.
func IsKnownConfigKey(resourceKey, key string) bool {
	set := knownConfigKeys[canonicalResourceKey(resourceKey)]
	return set[strings.TrimPrefix(key, "+")]
}

// CheckConfigKeys warns about config keys the resource type does not know,
// with a suggestion when one is close. Keys may carry a leading '+'.
// Unknown keys still reach the node config (custom materializations read
// their own), so these are warnings. Output is sorted by position.
func CheckConfigKeys(resourceKey string, keys map[string]diag.Pos) diag.List {
	rk := canonicalResourceKey(resourceKey)
	set, ok := knownConfigKeys[rk]
	if !ok {
		return nil
	}
	var out diag.List
	for raw, pos := range keys {
		k := strings.TrimPrefix(raw, "+")
		if set[k] {
			continue
		}
		d := diag.Warnf(pos, "unknown-config", "unknown config key '%s'", raw)
		if s := diag.Suggest(k, KnownConfigKeys(rk)); s != "" {
			if strings.HasPrefix(raw, "+") {
				s = "+" + s
			}
			d.Suggestion = fmt.Sprintf("did you mean '%s'?", s)
		} else {
			d.Message += " for " + rk
			d.Suggestion = "it is passed through unchanged; if your own macros read it, put it under meta: to silence this warning"
		}
		out = append(out, d)
	}
	out.Sort()
	return out
}

// Merge behaviour of config keys (dbt §1.2).
var (
	appendKeys = map[string]bool{"tags": true, "pre-hook": true, "post-hook": true}
	updateKeys = map[string]bool{
		"meta": true, "quoting": true, "column_types": true, "docs": true, "contract": true,
		"persist_docs": true,
	}
)

// normKey turns the underscore spellings of hooks into dbt's canonical
// hyphenated ones.
func normKey(k string) string {
	switch k {
	case "pre_hook":
		return "pre-hook"
	case "post_hook":
		return "post-hook"
	}
	return k
}

// HookSpellingConflict returns the hook name given in both spellings in cfg
// ("pre-hook" for pre_hook + pre-hook), or "". dbt rejects that; so should
// callers, with a positioned error.
func HookSpellingConflict(cfg map[string]any) string {
	if len(cfg) == 0 {
		return ""
	}
	has := func(a, b string) bool { _, x := cfg[a]; _, y := cfg[b]; return x || y }
	if has("pre_hook", "+pre_hook") && has("pre-hook", "+pre-hook") {
		return "pre-hook"
	}
	if has("post_hook", "+post_hook") && has("post-hook", "+post-hook") {
		return "post-hook"
	}
	return ""
}

// MergeConfig returns a new map: dst overlaid with src using dbt's merge
// rules. tags, pre-hook and post-hook append (tags deduplicated, hooks
// not); meta, quoting, column_types, docs, contract and persist_docs are
// dict-updated one level deep; grants update per privilege, where a
// "+privilege" key appends grantees instead of replacing them; everything
// else is replaced by src. pre_hook/post_hook are stored as pre-hook/
// post-hook, and hook and tag values become lists. Neither input is modified.
func MergeConfig(dst, src map[string]any) map[string]any {
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		k = normKey(k)
		if appendKeys[k] {
			out[k] = appendList(out[k], v, k == "tags")
			continue
		}
		out[k] = v
	}
	for k, v := range src {
		k = normKey(k)
		switch {
		case appendKeys[k]:
			out[k] = appendList(out[k], v, k == "tags")
		case updateKeys[k]:
			out[k] = updateMap(out[k], v)
		case k == "grants":
			out[k] = mergeGrants(out[k], v)
		default:
			out[k] = v
		}
	}
	return out
}

func listify(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

func appendList(a, b any, dedupe bool) []any {
	la, lb := listify(a), listify(b)
	out := make([]any, 0, len(la)+len(lb))
	out = append(out, la...)
	for _, x := range lb {
		if dedupe && containsValue(out, x) {
			continue
		}
		out = append(out, x)
	}
	return out
}

func containsValue(l []any, x any) bool {
	s, ok := x.(string)
	if !ok {
		return false
	}
	for _, y := range l {
		if t, ok := y.(string); ok && t == s {
			return true
		}
	}
	return false
}

func updateMap(a, b any) any {
	mb, ok := b.(map[string]any)
	if !ok {
		if b == nil {
			return a
		}
		return b
	}
	ma, _ := a.(map[string]any)
	out := make(map[string]any, len(ma)+len(mb))
	for k, v := range ma {
		out[k] = v
	}
	for k, v := range mb {
		out[k] = v
	}
	return out
}

func mergeGrants(a, b any) any {
	mb, ok := b.(map[string]any)
	if !ok {
		return b
	}
	ma, _ := a.(map[string]any)
	out := make(map[string]any, len(ma)+len(mb))
	for k, v := range ma {
		out[strings.TrimPrefix(k, "+")] = listify(v)
	}
	for k, v := range mb {
		if priv, ok := strings.CutPrefix(k, "+"); ok {
			out[priv] = appendList(out[priv], v, true)
		} else {
			out[k] = listify(v)
		}
	}
	return out
}

// ConfigFor resolves the dbt_project.yml config for a node of this project.
// fqn is [package, dirs..., name] (versioned models add "v2"). The walk
// starts at the tree's root and descends one fqn segment at a time while a
// matching mapping exists; at each level, keys with '+' are configs, and so
// are keys without '+' whose value is not a mapping (dbt's rule). Deeper
// levels merge over shallower ones with MergeConfig. The result never
// contains '+' prefixes.
//
// Callers resolving a package's node also apply the root project's tree
// afterwards (root beats package), then properties, then in-file config().
func (p *Project) ConfigFor(resourceKey string, fqn []string) map[string]any {
	tree := p.Configs[canonicalResourceKey(resourceKey)]
	out := map[string]any{}
	level := tree
	for i := 0; level != nil; i++ {
		// Most levels set nothing (the project's name, a plain folder):
		// merging them would only copy out again, once per level per node.
		if cfg := levelConfigs(level); cfg != nil {
			out = MergeConfig(out, cfg)
		}
		if i >= len(fqn) {
			break
		}
		next, _ := level[fqn[i]].(map[string]any)
		level = next
	}
	return out
}

// UnrenderedConfigFor is ConfigFor over the config trees as written, so
// Jinja in dbt_project.yml stays unrendered (dbt's unrendered_config).
// Projects loaded without them (built in code) fall back to ConfigFor.
func (p *Project) UnrenderedConfigFor(resourceKey string, fqn []string) map[string]any {
	if p.UnrenderedConfigs == nil {
		return p.ConfigFor(resourceKey, fqn)
	}
	q := &Project{Configs: p.UnrenderedConfigs}
	return q.ConfigFor(resourceKey, fqn)
}

// levelConfigs is the configs one level of a config tree sets, nil if none.
func levelConfigs(level map[string]any) map[string]any {
	var cfg map[string]any
	set := func(k string, v any) {
		if cfg == nil {
			cfg = make(map[string]any, 4)
		}
		cfg[k] = v
	}
	for k, v := range level {
		if name, ok := strings.CutPrefix(k, "+"); ok {
			set(strings.TrimSpace(name), v)
		} else if _, isMap := v.(map[string]any); !isMap && v != nil {
			set(k, v) // dbt: an un-prefixed non-mapping value is a config
		}
	}
	return cfg
}

// Hook is one on-run-start/on-run-end or pre-/post-hook statement.
type Hook struct {
	SQL         string
	Transaction bool // true unless written as {sql: ..., transaction: false}
	Pos         diag.Pos
}

// HooksOf converts a config hook value (a string, a {sql, transaction}
// mapping, or a list of those) into Hooks. Bad entries are reported in the
// error; the good ones are still returned.
func HooksOf(v any) ([]Hook, error) {
	var out []Hook
	var bad []string
	for _, h := range listify(v) {
		switch x := h.(type) {
		case string:
			out = append(out, Hook{SQL: x, Transaction: true})
		case map[string]any:
			sql, ok := x["sql"].(string)
			if !ok {
				bad = append(bad, "a hook mapping needs a string 'sql' key")
				continue
			}
			t := true
			if b, ok := x["transaction"].(bool); ok {
				t = b
			}
			out = append(out, Hook{SQL: sql, Transaction: t})
		case nil:
		default:
			bad = append(bad, fmt.Sprintf("a hook must be SQL text or {sql, transaction}, not %s", yamlValueKind(h)))
		}
	}
	if bad != nil {
		return out, fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return out, nil
}

// yamlValueKind names a decoded YAML value's kind for a message.
func yamlValueKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	}
	return "a value of another kind"
}

package manifest

import (
	"sort"
	"sync"
)

// dbt writes every node's config with all of its fields, unset ones at their
// defaults (None, {}, [] or a value). manifest.json and the Jinja `graph`
// object carry the same, so that packages reading `node.config.enabled` or
// `config.on_schema_change` from the graph see what dbt shows them. The
// values below are dbt 1.11's (read from its manifest); they are added
// when a node is serialized, never stored in Node.Config, so that "set in
// YAML" and "left at the default" stay distinguishable inside kiln.

// nodeConfigDefaults are the fields every non-test node config has.
var nodeConfigDefaults = map[string]func() any{
	"alias": nil, "batch_size": nil, "begin": nil, "concurrent_batches": nil, "database": nil,
	"event_time": nil, "full_refresh": nil, "group": nil, "incremental_strategy": nil,
	"schema": nil, "static_analysis": nil, "unique_key": nil,
	"column_types": emptyMap, "grants": emptyMap, "meta": emptyMap, "persist_docs": emptyMap, "quoting": emptyMap,
	"packages": emptyList, "post-hook": emptyList, "pre-hook": emptyList, "tags": emptyList,
	"contract":                func() any { return map[string]any{"alias_types": true, "enforced": false} },
	"docs":                    func() any { return map[string]any{"node_color": nil, "show": true} },
	"enabled":                 func() any { return true },
	"lookback":                func() any { return 1 },
	"materialized":            func() any { return "view" },
	"on_configuration_change": func() any { return "apply" },
	"on_schema_change":        func() any { return "ignore" },
}

// extraConfigDefaults are the fields one resource type adds.
var extraConfigDefaults = map[string]map[string]func() any{
	Model: {"access": func() any { return "protected" }, "freshness": nil},
	Seed:  {"delimiter": func() any { return "," }, "quote_columns": nil, "materialized": func() any { return "seed" }},
	Snapshot: {"check_cols": nil, "dbt_valid_to_current": nil, "strategy": nil, "target_database": nil,
		"target_schema": nil, "updated_at": nil, "materialized": func() any { return "snapshot" },
		"snapshot_meta_column_names": func() any {
			return map[string]any{"dbt_is_deleted": nil, "dbt_scd_id": nil, "dbt_updated_at": nil, "dbt_valid_from": nil, "dbt_valid_to": nil}
		}},
}

// testConfigDefaults are a data test's config fields.
var testConfigDefaults = map[string]func() any{
	"alias": nil, "database": nil, "group": nil, "limit": nil, "static_analysis": nil,
	"store_failures": nil, "store_failures_as": nil, "where": nil,
	"meta": emptyMap, "tags": emptyList,
	"enabled":      func() any { return true },
	"error_if":     func() any { return "!= 0" },
	"fail_calc":    func() any { return "count(*)" },
	"materialized": func() any { return "test" },
	"schema":       func() any { return "dbt_test__audit" },
	"severity":     func() any { return "ERROR" },
	"warn_if":      func() any { return "!= 0" },
}

func emptyMap() any  { return map[string]any{} }
func emptyList() any { return []any{} }

// withConfigDefaults returns cfg completed with the resource type's unset
// fields; cfg itself is not changed.
func withConfigDefaults(resourceType string, cfg Config) Config {
	out := make(Config, len(cfg)+len(nodeConfigDefaults)+4)
	fill := func(defs map[string]func() any) {
		for k, f := range defs {
			if _, set := out[k]; set {
				continue
			}
			if f == nil {
				out[k] = nil
			} else {
				out[k] = f()
			}
		}
	}
	for k, v := range cfg {
		out[k] = v
	}
	if _, ok := cfg["docs"]; ok {
		out["docs"] = configDocs(cfg)
	}
	if resourceType == Test {
		fill(testConfigDefaults)
		return out
	}
	fill(extraConfigDefaults[resourceType])
	fill(nodeConfigDefaults)
	return out
}

// encodedDefault is one default config field, encoded once.
type encodedDefault struct {
	key string
	val []byte
}

var (
	encodedDefaultsMu sync.Mutex
	encodedDefaults   = map[string][]encodedDefault{}
)

// configDefaultsEncoded returns the resource type's default fields sorted
// by key with their values already encoded (the same set and precedence
// as withConfigDefaults).
func configDefaultsEncoded(resourceType string) []encodedDefault {
	encodedDefaultsMu.Lock()
	defer encodedDefaultsMu.Unlock()
	if d, ok := encodedDefaults[resourceType]; ok {
		return d
	}
	full := withConfigDefaults(resourceType, nil)
	out := make([]encodedDefault, 0, len(full))
	for _, k := range sortedKeys(full) {
		v, _ := appendJSON(nil, full[k])
		out = append(out, encodedDefault{k, v})
	}
	encodedDefaults[resourceType] = out
	return out
}

// appendConfig writes what hooksAsObjects(withConfigDefaults(rt, cfg))
// encodes to, without building either map: the node's own keys merged
// with the encoded defaults in key order.
func appendConfig(b []byte, resourceType string, cfg Config) ([]byte, error) {
	defs := configDefaultsEncoded(resourceType)
	b = append(b, '{')
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var err error
	first := true
	sep := func(k string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
	}
	i, j := 0, 0
	for i < len(keys) || j < len(defs) {
		switch {
		case j == len(defs) || (i < len(keys) && keys[i] < defs[j].key):
			k := keys[i]
			sep(k)
			if b, err = appendConfigValue(b, cfg, k); err != nil {
				return b, err
			}
			i++
		case i == len(keys) || defs[j].key < keys[i]:
			sep(defs[j].key)
			b = append(b, defs[j].val...)
			j++
		default: // set on the node: its value wins
			k := keys[i]
			sep(k)
			if b, err = appendConfigValue(b, cfg, k); err != nil {
				return b, err
			}
			i++
			j++
		}
	}
	return append(b, '}'), nil
}

func appendConfigValue(b []byte, cfg Config, k string) ([]byte, error) {
	if k == "docs" {
		return appendJSON(b, configDocs(cfg))
	}
	if k != "pre-hook" && k != "post-hook" {
		return appendJSON(b, cfg[k])
	}
	hooks := cfg.Hooks(k)
	list := make([]any, len(hooks))
	for i, h := range hooks {
		list[i] = map[string]any{"sql": h.SQL, "transaction": h.Transaction, "index": nil}
	}
	return appendJSON(b, list)
}

// configDocs is config.docs completed as dbt writes it (show defaults to
// true, node_color to null).
func configDocs(cfg Config) any {
	d, ok := cfg["docs"].(map[string]any)
	if !ok {
		return cfg["docs"]
	}
	return docsJSON(d)
}

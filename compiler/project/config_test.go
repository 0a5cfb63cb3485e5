package project

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

func TestMergeConfig(t *testing.T) {
	cases := []struct {
		name     string
		dst, src map[string]any
		want     map[string]any
	}{
		{"clobber", map[string]any{"materialized": "view", "schema": "a"}, map[string]any{"materialized": "table"},
			map[string]any{"materialized": "table", "schema": "a"}},
		{"tags append dedupe", map[string]any{"tags": []any{"a", "b"}}, map[string]any{"tags": "b"},
			map[string]any{"tags": []any{"a", "b"}}},
		{"tags string + list", map[string]any{"tags": "a"}, map[string]any{"tags": []any{"c"}},
			map[string]any{"tags": []any{"a", "c"}}},
		{"hooks append, normalised", map[string]any{"pre-hook": "a"}, map[string]any{"pre_hook": []any{"b", map[string]any{"sql": "c", "transaction": false}}},
			map[string]any{"pre-hook": []any{"a", "b", map[string]any{"sql": "c", "transaction": false}}}},
		{"hooks not deduped", map[string]any{"post-hook": "a"}, map[string]any{"post-hook": "a"},
			map[string]any{"post-hook": []any{"a", "a"}}},
		{"meta update", map[string]any{"meta": map[string]any{"a": 1, "b": 2}}, map[string]any{"meta": map[string]any{"b": 3}},
			map[string]any{"meta": map[string]any{"a": 1, "b": 3}}},
		{"docs/persist_docs/contract update", map[string]any{"docs": map[string]any{"show": true}, "persist_docs": map[string]any{"relation": true}, "contract": map[string]any{"enforced": true}},
			map[string]any{"docs": map[string]any{"node_color": "red"}, "persist_docs": map[string]any{"columns": true}, "contract": map[string]any{"alias_types": false}},
			map[string]any{"docs": map[string]any{"show": true, "node_color": "red"}, "persist_docs": map[string]any{"relation": true, "columns": true}, "contract": map[string]any{"enforced": true, "alias_types": false}}},
		{"grants replace and +append", map[string]any{"grants": map[string]any{"select": []any{"a"}, "insert": "x"}},
			map[string]any{"grants": map[string]any{"+select": "b", "insert": []any{"y"}, "+update": "z"}},
			map[string]any{"grants": map[string]any{"select": []any{"a", "b"}, "insert": []any{"y"}, "update": []any{"z"}}}},
		{"nil dst", nil, map[string]any{"enabled": false}, map[string]any{"enabled": false}},
		{"quoting update", map[string]any{"quoting": map[string]any{"identifier": true}}, map[string]any{"quoting": map[string]any{"schema": false}},
			map[string]any{"quoting": map[string]any{"identifier": true, "schema": false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dstCopy := deepCopy(c.dst)
			got := MergeConfig(c.dst, c.src)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %#v\nwant %#v", got, c.want)
			}
			if !reflect.DeepEqual(dstCopy, deepCopy(c.dst)) {
				t.Fatal("dst modified")
			}
		})
	}
}

func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			out[k] = deepCopy(x)
		case []any:
			out[k] = append([]any(nil), x...)
		default:
			out[k] = v
		}
	}
	return out
}

func TestHookSpellingConflict(t *testing.T) {
	if h := HookSpellingConflict(map[string]any{"pre_hook": "a", "+pre-hook": "b"}); h != "pre-hook" {
		t.Fatal(h)
	}
	if h := HookSpellingConflict(map[string]any{"pre_hook": "a", "post-hook": "b"}); h != "" {
		t.Fatal(h)
	}
}

func TestHooksOf(t *testing.T) {
	hs, err := HooksOf([]any{"a", map[string]any{"sql": "b", "transaction": false}, 3})
	if err == nil || len(hs) != 2 || !hs[0].Transaction || hs[1].Transaction || hs[1].SQL != "b" {
		t.Fatalf("%+v %v", hs, err)
	}
}

func TestCheckConfigKeys(t *testing.T) {
	pos := func(l int) diag.Pos { return diag.Pos{File: "dbt_project.yml", Line: l, Col: 3} }
	cases := []struct {
		rk   string
		keys map[string]diag.Pos
		want []string
	}{
		{"models", map[string]diag.Pos{"materialised": pos(2), "+schema": pos(1), "indexes": pos(3), "unlogged": pos(4), "partition_by": pos(5)},
			[]string{"dbt_project.yml:2:3: warning: unknown config key 'materialised' — did you mean 'materialized'?"}},
		{"seeds", map[string]diag.Pos{"+column_type": pos(1), "quote_columns": pos(2)},
			[]string{"dbt_project.yml:1:3: warning: unknown config key '+column_type' — did you mean '+column_types'?"}},
		{"tests", map[string]diag.Pos{"severity": pos(1), "serverity": pos(2)},
			[]string{"dbt_project.yml:2:3: warning: unknown config key 'serverity' — did you mean 'severity'?"}},
		{"snapshots", map[string]diag.Pos{"strategy": pos(1), "updated_at": pos(2), "check_cols": pos(3), "unique_key": pos(4)}, nil},
		{"sources", map[string]diag.Pos{"freshness": pos(1), "materialized": pos(2)},
			[]string{"dbt_project.yml:2:3: warning: unknown config key 'materialized' for sources"}},
		{"exposures", map[string]diag.Pos{"zzz_custom": pos(1)}, []string{"unknown config key 'zzz_custom' for exposures — it is passed through unchanged"}},
		{"no_such_resource", map[string]diag.Pos{"x": pos(1)}, nil},
	}
	for _, c := range cases {
		got := CheckConfigKeys(c.rk, c.keys)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.rk, got, c.want)
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i].String(), w) || got[i].Severity != diag.Warning {
				t.Errorf("%s: got %q, want containing %q", c.rk, got[i].String(), w)
			}
		}
	}
}

func TestConfigForRules(t *testing.T) {
	p := &Project{Configs: map[string]map[string]any{
		"models": {
			"+tags":   "root",
			"enabled": true, // un-prefixed scalar: a config, as in dbt
			"staging": nil,  // empty folder entry: ignored
			"my_proj": map[string]any{
				"+tags": []any{"proj"},
				"marts": map[string]any{
					"+materialized": "table",
					"finance": map[string]any{
						"+materialized": "incremental",
						"+tags":         "fin",
						"revenue":       map[string]any{"+enabled": false},
					},
				},
			},
		},
	}}
	got := p.ConfigFor("models", []string{"my_proj", "marts", "finance", "revenue"})
	want := map[string]any{"tags": []any{"root", "proj", "fin"}, "enabled": false, "materialized": "incremental"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v want %#v", got, want)
	}
	got = p.ConfigFor("models", []string{"my_proj", "marts", "orders"})
	want = map[string]any{"tags": []any{"root", "proj"}, "enabled": true, "materialized": "table"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v want %#v", got, want)
	}
}

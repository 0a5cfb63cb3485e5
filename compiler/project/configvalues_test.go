package project

import (
	"strings"
	"testing"
)

func TestCheckConfigValue(t *testing.T) {
	for _, tc := range []struct {
		key  string
		v    any
		want string // "" when accepted
	}{
		{"enabled", true, ""},
		{"+enabled", false, ""},
		{"enabled", "True", ""}, // a rendered "{{ target.name == 'prod' }}"
		{"enabled", "{{ var('on') }}", ""},
		{"enabled", "maybe", "enabled must be true or false, not the string 'maybe'"},
		{"enabled", 1, "not the number 1"},
		{"tags", "nightly", ""},
		{"tags", []any{"a", "b"}, ""},
		{"tags", 5, "tags must be a string or a list of strings, not the number 5"},
		{"+tags", []any{"a", true}, "the list holds the boolean true"},
		{"tags", map[string]any{"a": 1}, "not a mapping"},
		{"materialized", "table", ""},
		{"materialized", []any{"table"}, "materialized must be the name of a materialization, not a list"},
		{"unique_key", 5, ""}, // other keys are not checked here
	} {
		got, _ := CheckConfigValue(tc.key, tc.v)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("CheckConfigValue(%q, %#v) = %q, want %q", tc.key, tc.v, got, tc.want)
		}
	}
}

package project

// Config value types. dbt validates node configs against a JSON schema
// after merging and reports only "at path ['enabled']: 'maybe' is not of
// type 'boolean'", without the file. kiln checks each value where it is
// written (dbt_project.yml, a property file's config:, a config() call),
// so the error names that file and line.

import (
	"fmt"
	"strings"
)

// CheckConfigValue returns what is wrong with value v of config key (with
// or without a leading '+'), or "" when it is acceptable. Strings holding
// Jinja are accepted: they are rendered later and checked as rendered.
func CheckConfigValue(key string, v any) (problem, fix string) {
	if s, ok := v.(string); ok && strings.Contains(s, "{{") {
		return "", ""
	}
	switch strings.TrimPrefix(key, "+") {
	case "enabled":
		switch x := v.(type) {
		case nil, bool:
			return "", ""
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "false":
				return "", "" // what a rendered "{{ ... }}" gives
			}
		}
		return fmt.Sprintf("enabled must be true or false, not %s", describeValue(v)), "write enabled: true or enabled: false"
	case "tags":
		switch x := v.(type) {
		case nil, string:
			return "", ""
		case []string:
			return "", ""
		case []any:
			for _, e := range x {
				if _, ok := e.(string); !ok {
					return fmt.Sprintf("tags must be strings, but the list holds %s", describeValue(e)),
						"quote the tag (tags: ['" + fmt.Sprint(e) + "'])"
				}
			}
			return "", ""
		}
		return fmt.Sprintf("tags must be a string or a list of strings, not %s", describeValue(v)),
			"quote it (tags: '" + fmt.Sprint(v) + "') or write a list (tags: ['a', 'b'])"
	case "materialized":
		switch v.(type) {
		case nil, string:
			return "", ""
		}
		return fmt.Sprintf("materialized must be the name of a materialization, not %s", describeValue(v)),
			"write e.g. materialized: table"
	}
	return "", ""
}

func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string '%s'", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int, int64, uint64, float64:
		return fmt.Sprintf("the number %v", x)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a mapping"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

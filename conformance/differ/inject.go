package differ

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// The dump macro runs as the last on-run-end hook of every command that runs
// hooks. It logs one line, "DBTDIFF <json>", holding target, graph and a
// projection of results that both tools can produce. Its names start with
// __dbtdiff so that comparisons can leave the injected nodes out.
// Every field is read defensively (a missing one dumps as null): a result
// object that lacks a field is one difference in the results check, not an
// on-run-end hook that fails and makes every command of the run differ.
const dumpMacro = `{% macro __dbtdiff_dump(results) %}
{%- if execute -%}
{%- set rs = [] -%}
{%- for r in results -%}
{%- set node = r.node if r.node is defined else none -%}
{%- do rs.append({
    'unique_id': node.unique_id if node is not none and node.unique_id is defined else none,
    'status': (r.status ~ '') if r.status is defined else none,
    'failures': r.failures if r.failures is defined else none,
    'message': r.message if r.message is defined else none,
    'thread_id': r.thread_id if r.thread_id is defined else none,
    'timing': (r.timing | map(attribute='name') | list) if r.timing is defined else none,
    'adapter_response': r.adapter_response if r.adapter_response is defined else none,
    'execution_time_positive': (r.execution_time >= 0) if r.execution_time is defined else none,
}) -%}
{%- endfor -%}
{{ log('DBTDIFF ' ~ tojson({'target': target, 'graph': graph, 'results': rs}), info=True) }}
{%- endif -%}
{% endmacro %}
`

const dumpHook = "{{ __dbtdiff_dump(results) }}"

// injectedName reports whether a unique_id belongs to what dbtdiff added.
func injectedName(id string) bool {
	return strings.Contains(id, "__dbtdiff")
}

func inject(projectDir, macroPath string) error {
	dir := filepath.Join(projectDir, macroPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "__dbtdiff__.sql"), []byte(dumpMacro), 0o644); err != nil {
		return err
	}
	path := filepath.Join(projectDir, "dbt_project.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: not a mapping", path)
	}
	m := doc.Content[0]
	hook := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: dumpHook, Style: yaml.DoubleQuotedStyle}
	found := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "on-run-end" {
			continue
		}
		found = true
		v := m.Content[i+1]
		switch v.Kind {
		case yaml.SequenceNode:
			v.Content = append(v.Content, hook)
		case yaml.ScalarNode:
			if v.Tag == "!!null" || v.Value == "" {
				m.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{hook}}
			} else {
				m.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{v, hook}}
			}
		default:
			return fmt.Errorf("%s: on-run-end is neither a string nor a list", path)
		}
	}
	if !found {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "on-run-end"},
			&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{hook}})
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// dump is what the injected macro logged during one command.
type dump struct {
	Target  map[string]any   `json:"target"`
	Graph   map[string]any   `json:"graph"`
	Results []map[string]any `json:"results"`
}

// findDump returns the last DBTDIFF payload in a command's output, whether
// the output is JSON log events or text lines.
func findDump(out string) (*dump, error) {
	var last string
	for _, line := range strings.Split(out, "\n") {
		msg := line
		if strings.HasPrefix(strings.TrimSpace(line), "{") {
			var ev struct {
				Info struct {
					Msg string `json:"msg"`
				} `json:"info"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Info.Msg != "" {
				msg = ev.Info.Msg
			}
		}
		if i := strings.Index(msg, "DBTDIFF {"); i >= 0 {
			last = msg[i+len("DBTDIFF "):]
		}
	}
	if last == "" {
		return nil, nil
	}
	var d dump
	if err := json.Unmarshal([]byte(last), &d); err != nil {
		return nil, fmt.Errorf("the DBTDIFF payload is not JSON: %v", err)
	}
	return &d, nil
}

package deps

// `kiln deps --add-package`: add or update one entry of packages.yml
// before installing, as dbt does. The file is edited as a YAML tree, so
// other entries and comments stay as they were.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// AddPackage writes the package named by arg into the project's
// packages.yml (dependencies.yml when only that one exists), creating the
// file when there is none, and returns the file's name. arg is
// "org/name@version" for the hub (source "hub" or ""), "url@revision"
// for git, and a path for local.
func AddPackage(projectDir, arg, source string) (string, error) {
	key, value, pin := "", arg, ""
	switch source {
	case "", "hub":
		key = "package"
		var ok bool
		if value, pin, ok = strings.Cut(arg, "@"); !ok || pin == "" || strings.Count(value, "/") != 1 {
			return "", fmt.Errorf("--add-package %q: a hub package is org/name@version, e.g. dbt-labs/dbt_utils@1.3.0", arg)
		}
	case "git":
		key = "git"
		if i := strings.LastIndex(arg, "@"); i > strings.LastIndex(arg, "/") {
			value, pin = arg[:i], arg[i+1:]
		}
	case "local":
		key = "local"
	default:
		return "", fmt.Errorf("--source must be hub, git or local, not '%s'", source)
	}
	name := "packages.yml"
	if _, err := os.Stat(filepath.Join(projectDir, name)); os.IsNotExist(err) {
		if _, err := os.Stat(filepath.Join(projectDir, "dependencies.yml")); err == nil {
			name = "dependencies.yml"
		}
	}
	path := filepath.Join(projectDir, name)
	var doc yaml.Node
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return "", fmt.Errorf("%s is not valid YAML: %v; fix it before adding a package", name, err)
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return "", fmt.Errorf("%s: the top level must be a mapping with packages:", name)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "packages" {
			list = root.Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		if list != nil && !(list.Kind == yaml.ScalarNode && (list.Tag == "!!null" || list.Value == "")) {
			return "", fmt.Errorf("%s: packages: must be a list", name)
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		if list != nil {
			*list = *seq
		} else {
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "packages"}, seq)
			list = seq
		}
	}
	pinKey := map[string]string{"package": "version", "git": "revision"}[key]
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode || lookup(item, key) != value {
			continue
		}
		if pinKey != "" && pin != "" {
			set(item, pinKey, pin)
		}
		return name, writeYAML(path, &doc)
	}
	entry := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(key), scalar(value)}}
	if pinKey != "" && pin != "" {
		entry.Content = append(entry.Content, scalar(pinKey), scalar(pin))
	}
	list.Content = append(list.Content, entry)
	return name, writeYAML(path, &doc)
}

func lookup(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1].Value
		}
	}
	return ""
}

func set(m *yaml.Node, key, value string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Value: value}
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &yaml.Node{Kind: yaml.ScalarNode, Value: value})
}

func writeYAML(path string, doc *yaml.Node) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	enc.Close()
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

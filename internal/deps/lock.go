package deps

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/kiln-dev/kiln/internal/secret"
)

type lockFile struct {
	Packages []Spec
	Hash     string
}

// readLock reads package-lock.yml; its packages are parsed (and their
// unrendered git URLs rendered) only when the lock matches the spec hash.
func readLock(root string, render project.RenderFunc, specHash string) (*lockFile, error) {
	src, err := os.ReadFile(filepath.Join(root, LockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var head struct {
		Hash string `yaml:"sha1_hash"`
	}
	if err := yaml.Unmarshal(src, &head); err != nil {
		return nil, diag.Diagnostic{Severity: diag.Error, Code: "bad-lock", Pos: diag.Pos{File: LockFile},
			Message: "package-lock.yml is not valid YAML: " + err.Error(), Suggestion: "delete it or run `kiln deps --upgrade`"}
	}
	if head.Hash != specHash {
		return &lockFile{Hash: head.Hash}, nil
	}
	sf, err := parseSpec(root, LockFile, src, false, render)
	if err != nil {
		return nil, err
	}
	return &lockFile{Packages: sf.Packages, Hash: head.Hash}, nil
}

// writeLock records the resolved packages: hub versions and git commits
// pinned, local paths relative to the project.
func writeLock(root, hash string, pkgs []*Package) error {
	var list []map[string]string
	var keys [][]string
	for _, p := range pkgs {
		m := map[string]string{}
		var order []string
		switch p.Spec.Kind {
		case Hub:
			m["package"], m["version"] = p.Spec.Source, p.Version
			order = []string{"package", "version"}
		case Git:
			m["git"], m["revision"] = p.Spec.Source, p.Revision
			if p.Spec.Unrendered != "" {
				m["git"] = p.Spec.Unrendered // as written: a rendered token must not reach the lock
			}
			order = []string{"git", "revision"}
			if p.Spec.Subdirectory != "" {
				m["subdirectory"] = p.Spec.Subdirectory
				order = append(order, "subdirectory")
			}
		case Tarball:
			m["tarball"] = p.Spec.Source
			order = []string{"tarball"}
		case Local:
			rel, err := filepath.Rel(root, p.dir)
			if err != nil {
				rel = p.dir
			}
			m["local"] = filepath.ToSlash(rel)
			order = []string{"local"}
		}
		m["name"] = p.Name
		list = append(list, m)
		keys = append(keys, append(order, "name"))
	}
	// Build the node tree by hand to keep a stable, readable key order.
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for i, m := range list {
		mn := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys[i] {
			mn.Content = append(mn.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: k},
				&yaml.Node{Kind: yaml.ScalarNode, Value: m[k], Style: quoteIfNeeded(m[k])})
		}
		seq.Content = append(seq.Content, mn)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "packages"}, seq,
		{Kind: yaml.ScalarNode, Value: "sha1_hash"}, {Kind: yaml.ScalarNode, Value: hash},
	}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, LockFile), []byte(secret.Scrub(buf.String())), 0o644)
}

// quoteIfNeeded keeps versions like 1.10 strings when read back.
func quoteIfNeeded(s string) yaml.Style {
	var v any
	if yaml.Unmarshal([]byte(s), &v) == nil {
		if _, ok := v.(string); ok {
			return 0
		}
	}
	return yaml.DoubleQuotedStyle
}

// Package deps implements `kiln deps`: it reads packages.yml (or the
// packages: list of dependencies.yml), resolves local, git and dbt hub
// packages with their transitive dependencies, writes package-lock.yml and
// installs every package into the project's packages-install-path.
package deps

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/kiln-dev/kiln/internal/secret"
)

// Kind of a package source.
type Kind string

const (
	Local   Kind = "local"
	Git     Kind = "git"
	Hub     Kind = "package"
	Tarball Kind = "tarball" // a .tar.gz at a URL
)

// Spec is one entry of a packages list.
type Spec struct {
	Kind Kind
	// Source is the local path, git URL or hub "org/name".
	Source string
	// Unrendered is Source as written when it holds Jinja (a git URL with
	// `{{ env_var('DBT_ENV_SECRET_TOKEN') }}`): the lock records it, and
	// messages show it, so the rendered token never reaches a file or the
	// console.
	Unrendered string
	// Hub: version ranges, one string per list item.
	Versions   []string
	Prerelease bool
	// Git:
	Revision     string
	Subdirectory string
	WarnUnpinned bool
	// Name is the package name recorded in a lock file ("" in packages.yml).
	Name string
	// Dir is the directory local paths are relative to.
	Dir string
	Pos diag.Pos
}

func (s Spec) String() string {
	switch s.Kind {
	case Hub:
		return s.Source
	case Git:
		if s.Subdirectory != "" {
			return s.Display() + "#" + s.Subdirectory
		}
		return s.Display()
	}
	return s.Source
}

// Display is the source as messages show it: the unrendered spec when it
// holds Jinja, else the URL with any password or token in it masked.
func (s Spec) Display() string {
	if s.Unrendered != "" {
		return s.Unrendered
	}
	return maskURL(s.Source)
}

// maskURL hides the credentials of scheme://user:token@host/... URLs.
func maskURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	at := strings.LastIndexByte(rest, '@')
	slash := strings.IndexByte(rest, '/')
	if at < 0 || (slash >= 0 && at > slash) {
		return u
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		// https://TOKEN@github.com/... is how tokens are usually passed
		if scheme == "ssh" || scheme == "git+ssh" {
			return u
		}
		return scheme + "://" + secret.Mask + rest[at:]
	}
	return scheme + "://" + user + ":" + secret.Mask + rest[at:]
}

// scrubbed masks, in a message from git or the network, the rendered
// source and every registered secret.
func (s Spec) scrubbed(msg string) string {
	if s.Source != "" && s.Display() != s.Source {
		msg = strings.ReplaceAll(msg, s.Source, s.Display())
	}
	return secret.Scrub(msg)
}

// SpecFile is the parsed packages list of a project.
type SpecFile struct {
	File     string // "packages.yml" or "dependencies.yml", "" when neither defines packages
	Packages []Spec
	// Hash is the sha1 of the packages spec text, recorded in the lock so
	// a later `kiln deps` sees that packages.yml changed.
	Hash string
}

// ReadSpec reads the packages a project declares. dir is the project
// directory; relFile prefixes positions (e.g. "dbt_packages/x/") for
// packages read transitively.
func ReadSpec(dir, relPrefix string, render project.RenderFunc) (*SpecFile, error) {
	var found []*SpecFile
	for _, name := range []string{"packages.yml", "dependencies.yml"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", filepath.Join(dir, name), err)
		}
		sf, err := parseSpec(dir, relPrefix+name, src, name == "dependencies.yml", render)
		if err != nil {
			return nil, err
		}
		if sf != nil {
			found = append(found, sf)
		}
	}
	switch len(found) {
	case 0:
		return &SpecFile{}, nil
	case 1:
		return found[0], nil
	}
	return nil, diag.Diagnostic{Severity: diag.Error, Code: "packages-twice",
		Pos:        diag.Pos{File: relPrefix + "dependencies.yml", Line: found[1].Packages[0].Pos.Line},
		Message:    "both packages.yml and dependencies.yml define packages",
		Suggestion: "keep the packages: list in only one of the two files"}
}

func parseSpec(dir, file string, src []byte, optional bool, render project.RenderFunc) (*SpecFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, diag.Errorf(diag.Pos{File: file}, "bad-yaml", "%s is not valid YAML: %v", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	pos := func(n *yaml.Node) diag.Pos { return diag.Pos{File: file, Line: n.Line, Col: n.Column} }
	if root.Kind != yaml.MappingNode {
		return nil, diag.Errorf(pos(root), "bad-packages", "%s must be a mapping with a packages: list", file)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "packages" {
			list = root.Content[i+1]
		}
	}
	if list == nil || list.Tag == "!!null" {
		if optional {
			return nil, nil // dependencies.yml may hold only projects:
		}
		return &SpecFile{File: file}, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, diag.Errorf(pos(list), "bad-packages", "packages: must be a list of packages")
	}
	sum := sha1.Sum(src)
	sf := &SpecFile{File: file, Hash: hex.EncodeToString(sum[:])}
	for _, item := range list.Content {
		s, err := parseEntry(dir, file, item, render)
		if err != nil {
			return nil, err
		}
		sf.Packages = append(sf.Packages, s)
	}
	return sf, nil
}

func parseEntry(dir, file string, item *yaml.Node, render project.RenderFunc) (Spec, error) {
	pos := func(n *yaml.Node) diag.Pos { return diag.Pos{File: file, Line: n.Line, Col: n.Column} }
	s := Spec{Dir: dir, Pos: pos(item), WarnUnpinned: true}
	if item.Kind != yaml.MappingNode {
		return s, diag.Diagnostic{Severity: diag.Error, Code: "bad-package", Pos: pos(item),
			Message:    "a package entry must be a mapping",
			Suggestion: "write `- package: org/name` with `version:`, `- git: <url>` or `- local: <path>`"}
	}
	str := func(n *yaml.Node) (string, error) {
		if n.Kind != yaml.ScalarNode {
			return "", diag.Errorf(pos(n), "bad-package", "expected a string")
		}
		v := n.Value
		if render != nil {
			r, err := render(file, n.Line, v)
			if err != nil {
				return "", diag.Errorf(pos(n), "bad-package", "%v", err)
			}
			v = r
		}
		return strings.TrimSpace(v), nil
	}
	boolean := func(n *yaml.Node) (bool, error) {
		v, err := str(n)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(v) {
		case "true", "yes", "on":
			return true, nil
		case "false", "no", "off":
			return false, nil
		}
		return false, diag.Errorf(pos(n), "bad-package", "expected true or false, got %q", v)
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		var err error
		setKind := func(kind Kind) {
			if s.Kind != "" && err == nil {
				err = diag.Errorf(pos(k), "bad-package", "a package entry has both %s: and %s:", s.Kind, kind)
			}
			s.Kind = kind
			if err == nil {
				s.Source, err = str(v)
			}
		}
		switch k.Value {
		case "local":
			setKind(Local)
		case "git":
			setKind(Git)
			if v.Kind == yaml.ScalarNode && (strings.Contains(v.Value, "{{") || strings.Contains(v.Value, "{%")) {
				s.Unrendered = strings.TrimSpace(v.Value)
			}
		case "package":
			setKind(Hub)
		case "version":
			if v.Kind == yaml.SequenceNode {
				for _, e := range v.Content {
					var r string
					if r, err = str(e); err != nil {
						break
					}
					s.Versions = append(s.Versions, r)
				}
			} else {
				var r string
				r, err = str(v)
				s.Versions = append(s.Versions, r)
			}
			for _, r := range s.Versions {
				if _, perr := ParseRange(r); perr != nil && err == nil {
					err = diag.Errorf(pos(v), "bad-version", "%v", perr)
				}
			}
		case "install-prerelease":
			s.Prerelease, err = boolean(v)
		case "revision":
			s.Revision, err = str(v)
			if err == nil && strings.HasPrefix(s.Revision, "-") {
				err = diag.Errorf(pos(v), "bad-package", "revision %q starts with '-', which git would read as an option; use the tag, branch or commit name", s.Revision)
			}
		case "subdirectory":
			s.Subdirectory, err = str(v)
		case "warn-unpinned":
			s.WarnUnpinned, err = boolean(v)
		case "name":
			s.Name, err = str(v)
		case "tarball":
			setKind(Tarball)
			s.Source, err = str(v)
		case "private":
			err = diag.Diagnostic{Severity: diag.Error, Code: "unsupported-package", Pos: pos(k),
				Message:    fmt.Sprintf("%s: packages are not supported by kiln yet", k.Value),
				Suggestion: "use a git: or package: entry for it"}
		default:
			err = diag.Diagnostic{Severity: diag.Error, Code: "bad-package", Pos: pos(k),
				Message:    fmt.Sprintf("unknown package key %q", k.Value),
				Suggestion: "valid keys are package, version, install-prerelease, git, revision, subdirectory, warn-unpinned, local"}
		}
		if err != nil {
			return s, err
		}
	}
	switch {
	case s.Kind == "":
		return s, diag.Diagnostic{Severity: diag.Error, Code: "bad-package", Pos: pos(item),
			Message:    "package entry has no source",
			Suggestion: "add `package: org/name`, `git: <url>` or `local: <path>`"}
	case s.Source == "":
		return s, diag.Errorf(pos(item), "bad-package", "%s: is empty", s.Kind)
	case s.Kind == Tarball && s.Name == "":
		return s, diag.Diagnostic{Severity: diag.Error, Code: "bad-package", Pos: pos(item),
			Message: "tarball: package " + s.Source + " has no name:", Suggestion: "add name: <the package's project name> (dbt requires it for tarballs)"}
	case s.Kind == Hub && len(s.Versions) == 0:
		return s, diag.Diagnostic{Severity: diag.Error, Code: "bad-package", Pos: pos(item),
			Message:    fmt.Sprintf("hub package %s has no version:", s.Source),
			Suggestion: `pin a range, e.g. version: [">=1.0.0", "<2.0.0"]`}
	case s.Kind == Hub && strings.Count(s.Source, "/") != 1:
		return s, diag.Diagnostic{Severity: diag.Error, Code: "bad-package", Pos: pos(item),
			Message:    fmt.Sprintf("hub package %q is not of the form org/name", s.Source),
			Suggestion: "e.g. package: dbt-labs/dbt_utils"}
	case s.Kind != Hub && len(s.Versions) > 0:
		return s, diag.Errorf(pos(item), "bad-package", "version: only applies to hub packages (package: org/name); use revision: for git")
	}
	return s, nil
}

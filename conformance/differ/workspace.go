package differ

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// side is one copy of the project, run by one tool.
type side struct {
	name        string // "dbt" or "kiln"
	exe         string
	dir         string // work/<name>
	root        string // the copied root (project plus local packages)
	project     string // the project directory inside root
	profilesDir string
	database    string // the warehouse database the profile points at
	dbPath      string // DuckDB file
	env         []string
}

// workspace is the two copies and what they share.
type workspace struct {
	o           Options
	project     string // the project's name in dbt_project.yml
	label       string // how differences name the project
	profile     string
	macroPath   string
	hasPackages bool
	dbt, kiln   *side
	pgDatabases []string
}

func (w *workspace) sides() []*side { return []*side{w.dbt, w.kiln} }

// skipDir lists what is never copied: build output and installed packages
// (deps re-installs them) and VCS metadata.
var skipDir = map[string]bool{".git": true, "target": true, "logs": true, "__pycache__": true, ".venv": true}

func prepare(ctx context.Context, o Options) (*workspace, error) {
	proj, err := readProject(o.ProjectDir)
	if err != nil {
		return nil, err
	}
	ws := &workspace{o: o, project: proj.Name, label: proj.Name, profile: proj.Profile, macroPath: proj.MacroPath}
	if ws.profile == "" {
		ws.profile = ws.project
	}
	root := o.ProjectDir
	for _, f := range []string{"packages.yml", "dependencies.yml"} {
		locals, declared, err := localPackages(filepath.Join(o.ProjectDir, f))
		if err != nil {
			return nil, err
		}
		ws.hasPackages = ws.hasPackages || declared
		for _, l := range locals {
			root = commonDir(root, l)
		}
	}
	rel, err := filepath.Rel(root, o.ProjectDir)
	if err != nil {
		return nil, err
	}
	suffix := randomSuffix()
	for _, name := range []string{"dbt", "kiln"} {
		s := &side{name: name, dir: filepath.Join(o.WorkDir, name)}
		s.exe = o.DBT
		if name == "kiln" {
			s.exe = o.Kiln
		}
		s.root = filepath.Join(s.dir, filepath.Base(root))
		s.project = filepath.Join(s.root, rel)
		s.profilesDir = filepath.Join(s.dir, "profiles")
		if err := copyTree(root, s.root, ws.hasPackages); err != nil {
			return nil, fmt.Errorf("copying %s: %w", root, err)
		}
		if len(o.HubPackages) > 0 {
			if err := useLocalPackages(s.root, o.HubPackages); err != nil {
				return nil, err
			}
		}
		if err := inject(s.project, ws.macroPath); err != nil {
			return nil, err
		}
		if o.Target == "postgres" {
			s.database = "dbtdiff_" + suffix + "_" + name
			ws.pgDatabases = append(ws.pgDatabases, s.database)
		} else {
			s.dbPath = filepath.Join(s.dir, "dbtdiff.duckdb")
			s.database = "dbtdiff"
		}
		if err := ws.writeProfile(s); err != nil {
			return nil, err
		}
		s.env = toolEnv()
		switch name {
		case "dbt":
			ws.dbt = s
		default:
			ws.kiln = s
		}
	}
	if o.Target == "postgres" {
		if err := o.PG.createDatabases(ctx, ws.pgDatabases); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

func (w *workspace) cleanup(ctx context.Context) {
	if w.o.Target == "postgres" && !w.o.Keep {
		w.o.PG.dropDatabases(ctx, w.pgDatabases)
	}
}

// writeProfile gives a side its own warehouse under the project's profile
// name, as a target named after the adapter (projects test target.name).
func (w *workspace) writeProfile(s *side) error {
	out := map[string]any{"type": w.o.Target, "threads": w.o.Threads}
	switch w.o.Target {
	case "postgres":
		pg := w.o.PG.withDefaults()
		out["host"], out["port"], out["user"], out["password"] = pg.Host, pg.Port, pg.User, pg.Password
		out["dbname"], out["schema"] = s.database, "dbtdiff"
	default:
		out["path"] = s.dbPath
	}
	doc := map[string]any{w.profile: map[string]any{"target": w.o.Target, "outputs": map[string]any{w.o.Target: out}}}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.profilesDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.profilesDir, "profiles.yml"), b, 0o644)
}

// toolEnv is the environment both tools run in: the caller's, without the
// variables that would point either tool elsewhere, and without telemetry.
func toolEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "DBT_") || strings.HasPrefix(k, "KILN_") && k != "KILN_PG_HOST" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "DBT_SEND_ANONYMOUS_USAGE_STATS=false", "DO_NOT_TRACK=1", "NO_COLOR=1")
}

type projectFile struct {
	Name      string
	Profile   string
	MacroPath string
}

func readProject(dir string) (projectFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, "dbt_project.yml"))
	if err != nil {
		return projectFile{}, err
	}
	var raw struct {
		Name       string   `yaml:"name"`
		Profile    string   `yaml:"profile"`
		MacroPaths []string `yaml:"macro-paths"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return projectFile{}, fmt.Errorf("%s: %w", filepath.Join(dir, "dbt_project.yml"), err)
	}
	p := projectFile{Name: raw.Name, Profile: raw.Profile, MacroPath: "macros"}
	if len(raw.MacroPaths) > 0 {
		p.MacroPath = raw.MacroPaths[0]
	}
	return p, nil
}

// localPackages returns the absolute directories of `local:` packages in a
// packages.yml or dependencies.yml, and whether the file declares any
// package at all.
func localPackages(path string) ([]string, bool, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var raw struct {
		Packages []map[string]any `yaml:"packages"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	var out []string
	for _, p := range raw.Packages {
		if l, ok := p["local"].(string); ok {
			out = append(out, filepath.Clean(filepath.Join(filepath.Dir(path), l)))
		}
	}
	return out, len(raw.Packages) > 0, nil
}

// commonDir is the deepest directory containing both a and b.
func commonDir(a, b string) string {
	for {
		if r, err := filepath.Rel(a, b); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return a
		}
		parent := filepath.Dir(a)
		if parent == a {
			return a
		}
		a = parent
	}
}

func copyTree(src, dst string, skipPackages bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if rel != "." && (skipDir[d.Name()] || skipPackages && d.Name() == "dbt_packages" || strings.HasPrefix(d.Name(), ".kiln")) {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(d.Name(), ".duckdb") || strings.HasSuffix(d.Name(), ".duckdb.wal") || strings.HasPrefix(d.Name(), ".user") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// useLocalPackages rewrites, in every packages.yml and dependencies.yml of
// a copied tree, each hub package that dirs names ("dbt-labs/dbt_utils")
// into a local package at that directory: for projects whose dependencies
// come from the hub when no hub is reachable (the shared corpus). Both
// sides get the same rewrite.
func useLocalPackages(root string, dirs map[string]string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "dbt_packages" || skipDir[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() != "packages.yml" && d.Name() != "dependencies.yml" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		changed := false
		if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
			m := doc.Content[0]
			for i := 0; i+1 < len(m.Content); i += 2 {
				if m.Content[i].Value != "packages" || m.Content[i+1].Kind != yaml.SequenceNode {
					continue
				}
				for _, pkg := range m.Content[i+1].Content {
					if pkg.Kind != yaml.MappingNode {
						continue
					}
					for j := 0; j+1 < len(pkg.Content); j += 2 {
						if pkg.Content[j].Value != "package" {
							continue
						}
						if dir, ok := dirs[pkg.Content[j+1].Value]; ok {
							pkg.Content = []*yaml.Node{{Kind: yaml.ScalarNode, Value: "local"}, {Kind: yaml.ScalarNode, Value: dir}}
							changed = true
						}
						break
					}
				}
			}
		}
		if !changed {
			return nil
		}
		out, err := yaml.Marshal(&doc)
		if err != nil {
			return err
		}
		return os.WriteFile(p, out, 0o644)
	})
}

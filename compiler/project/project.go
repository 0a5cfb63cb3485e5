// Package project reads a dbt project from disk into typed Go values with
// positions: dbt_project.yml, profiles.yml, the project's files, installed
// packages, and YAML property files. Every user mistake becomes a
// positioned diag.Diagnostic; Go errors are kept for operational failures
// (unreadable directories and the like).
//
// The package does not render Jinja. Where dbt renders Jinja while loading
// YAML (env_var/var in dbt_project.yml, the selected output of
// profiles.yml) the caller passes a RenderFunc, applied to string values
// that contain "{{" or "{%". dbt renders such values natively, so a result
// that reads as a number or boolean becomes one.
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/diag"
)

// RenderFunc renders one Jinja string found in YAML. path and line locate it
// for the renderer's own error messages.
type RenderFunc func(path string, line int, s string) (string, error)

// ProjectFile is the name of the project file.
const ProjectFile = "dbt_project.yml"

// Dispatch is one entry of dbt_project.yml `dispatch:`.
type Dispatch struct {
	MacroNamespace string
	SearchOrder    []string
	Pos            diag.Pos
}

// Project is a parsed dbt_project.yml. Paths are as written (relative to
// Dir, slash-separated), with dbt's defaults filled in.
type Project struct {
	Dir           string // absolute
	RelDir        string // "" for the root project; for a package, its dir from the root ("dbt_packages/dbt_utils")
	Name          string
	Version       string
	ConfigVersion int
	Profile       string

	ModelPaths, SeedPaths, MacroPaths, TestPaths, AnalysisPaths []string
	SnapshotPaths, DocsPaths, AssetPaths, FunctionPaths         []string

	TargetPath, LogPath, PackagesInstallPath string
	CleanTargets                             []string

	Vars              map[string]any // as written, not rendered (global keys + package-scoped dicts)
	OnRunStart        []Hook         // not rendered (rendered at run time)
	OnRunEnd          []Hook
	RequireDbtVersion []string
	Dispatch          []Dispatch
	Quoting           map[string]bool
	Flags             map[string]any
	QueryComment      any // not rendered
	RestrictAccess    bool

	// Configs holds the config trees keyed by ResourceKeys spelling
	// ("tests:" is stored as "data_tests"). Values are rendered except
	// pre-/post-hooks. Use ConfigFor to resolve a node's config.
	Configs map[string]map[string]any
	// UnrenderedConfigs are the same trees as written (Jinja not rendered),
	// for unrendered_config; see UnrenderedConfigFor.
	UnrenderedConfigs map[string]map[string]any

	// Raw is every top-level key as loaded (rendered where dbt renders),
	// including keys kiln does not act on.
	Raw map[string]any
	// KeyPos is the position of each top-level key.
	KeyPos map[string]diag.Pos
	// configPos is where each config of the trees is set (configPosKey),
	// so a bad value that reaches a node can point at its line.
	configPos map[string]diag.Pos
	// Content is the file's bytes (for hashing and state comparison).
	Content []byte
}

// Pos returns the position of a top-level key, or of the file.
func (p *Project) Pos(key string) diag.Pos {
	if pos, ok := p.KeyPos[key]; ok {
		return pos
	}
	return diag.Pos{File: ProjectFile}
}

var projectNameRe = regexp.MustCompile(`^[^\d\W]\w*$`)

var projectKeys = []string{
	"name", "version", "config-version", "profile", "model-paths", "source-paths", "seed-paths",
	"data-paths", "macro-paths", "test-paths", "analysis-paths", "snapshot-paths", "docs-paths",
	"asset-paths", "function-paths", "target-path", "log-path", "packages-install-path",
	"modules-path", "clean-targets", "vars", "on-run-start", "on-run-end", "quoting",
	"require-dbt-version", "dispatch", "query-comment", "restrict-access", "flags", "dbt-cloud",
	"catalogs", "models", "seeds", "snapshots", "sources", "data_tests", "tests", "unit_tests",
	"analyses", "exposures", "metrics", "semantic-models", "saved-queries", "functions",
	"semantic_models", "saved_queries",
}

// keys whose values dbt does not render while loading the project
var deferredProjectKeys = map[string]bool{
	"on-run-start": true, "on-run-end": true, "query-comment": true, "vars": true,
}

// FindProjectDir locates the project: flagDir (--project-dir), then envDir
// (DBT_PROJECT_DIR), then the nearest of cwd and its parents that contains
// dbt_project.yml. Relative dirs are taken from cwd. The error is a
// diag.Diagnostic that says what was looked for and where.
func FindProjectDir(flagDir, envDir, cwd string) (string, error) {
	check := func(dir, from string) (string, error) {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cwd, dir)
		}
		dir = filepath.Clean(dir)
		if fileExists(filepath.Join(dir, ProjectFile)) {
			return dir, nil
		}
		d := diag.Errorf(diag.Pos{}, "no-project", "no %s in %s (given by %s)", ProjectFile, dir, from)
		if !dirExists(dir) {
			d.Message = fmt.Sprintf("project directory %s (given by %s) does not exist", dir, from)
		}
		d.Suggestion = "point it at the directory that contains " + ProjectFile
		return "", d
	}
	if flagDir != "" {
		return check(flagDir, "--project-dir")
	}
	if envDir != "" {
		return check(envDir, "DBT_PROJECT_DIR")
	}
	dir := filepath.Clean(cwd)
	for {
		if fileExists(filepath.Join(dir, ProjectFile)) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	d := diag.Errorf(diag.Pos{}, "no-project", "no %s found in %s or any parent directory", ProjectFile, filepath.Clean(cwd))
	d.Suggestion = "run kiln inside a dbt project, or pass --project-dir (or set DBT_PROJECT_DIR)"
	return "", d
}

// FindProfilesDir picks the directory whose profiles.yml is used, in dbt's
// order: --profiles-dir, DBT_ENGINE_PROFILES_DIR / DBT_PROFILES_DIR, the cwd
// if it has a profiles.yml, then ~/.dbt. kiln improvement: when none of the
// implicit places (cwd, ~/.dbt) has a profiles.yml but the project directory
// does, the project directory is used, so a project that ships its own
// profiles.yml (jaffle_shop_duckdb) works from any cwd. It returns the
// chosen dir (a flag or env dir is returned even if it has no
// profiles.yml; ~/.dbt is the fallback) and the places looked, in order,
// for error messages. env nil means os.Getenv.
func FindProfilesDir(flagDir string, env func(string) string, cwd, projectDir, home string) (string, []string) {
	if env == nil {
		env = os.Getenv
	}
	abs := func(d string) string {
		if d == "" {
			return ""
		}
		if strings.HasPrefix(d, "~/") && home != "" {
			d = filepath.Join(home, d[2:])
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(cwd, d)
		}
		return filepath.Clean(d)
	}
	if flagDir != "" {
		d := abs(flagDir)
		return d, []string{d + " (--profiles-dir)"}
	}
	for _, name := range []string{"DBT_ENGINE_PROFILES_DIR", "DBT_PROFILES_DIR"} {
		if v := env(name); v != "" {
			d := abs(v)
			return d, []string{d + " (" + name + ")"}
		}
	}
	var looked []string
	if cwd != "" {
		d := filepath.Clean(cwd)
		looked = append(looked, d+" (current directory)")
		if fileExists(filepath.Join(d, ProfilesFile)) {
			return d, looked
		}
	}
	dotDbt := ""
	if home != "" {
		dotDbt = filepath.Join(home, ".dbt")
		looked = append(looked, dotDbt)
		if fileExists(filepath.Join(dotDbt, ProfilesFile)) {
			return dotDbt, looked
		}
	}
	if projectDir != "" {
		d := abs(projectDir)
		looked = append(looked, d+" (project directory)")
		if fileExists(filepath.Join(d, ProfilesFile)) {
			return d, looked
		}
	}
	if dotDbt == "" {
		dotDbt = filepath.Clean(cwd)
	}
	return dotDbt, looked
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// LoadProject reads dir/dbt_project.yml. Errors in the returned list mean
// the project cannot be used (the caller exits 2); warnings do not. The
// Project is non-nil whenever the file could be read.
func LoadProject(dir string, render RenderFunc) (*Project, diag.List) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		dir = abs
	}
	src, err := os.ReadFile(filepath.Join(dir, ProjectFile))
	if err != nil {
		d := diag.Errorf(diag.Pos{}, "no-project", "cannot read %s: %v", filepath.Join(dir, ProjectFile), rootCause(err))
		if errors.Is(err, fs.ErrNotExist) {
			d.Message = fmt.Sprintf("no %s in %s", ProjectFile, dir)
			d.Suggestion = "every dbt project (and package) needs a " + ProjectFile + " at its root"
			if fileExists(filepath.Join(dir, "dbt_project.yaml")) {
				d.Suggestion = "rename dbt_project.yaml to " + ProjectFile + " (dbt only reads the .yml name)"
			}
		}
		return nil, diag.List{d}
	}
	return ParseProject(dir, src, render)
}

func rootCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseProject parses the contents of a dbt_project.yml located in dir.
func ParseProject(dir string, src []byte, render RenderFunc) (*Project, diag.List) {
	d := newDoc(ProjectFile, src)
	p := &Project{
		Dir: dir, ConfigVersion: 2, Content: src,
		Configs: map[string]map[string]any{}, Raw: map[string]any{}, KeyPos: map[string]diag.Pos{}, configPos: map[string]diag.Pos{},
	}
	root := d.parse()
	if root == nil {
		if !d.diags.HasErrors() {
			d.errorf(nil, "project-name", "add `name: my_project` (letters, digits and underscores)", "%s is empty", ProjectFile)
		}
		return p, sorted(d.diags)
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "yaml-type", "", "%s must be a mapping of settings, not a %s", ProjectFile, kindName(root))
		return p, sorted(d.diags)
	}
	rd := &renderer{doc: d, fn: render}

	pairs := d.pairs(root)
	byKey := map[string]kv{}
	for _, e := range pairs {
		byKey[e.Key] = e
		p.KeyPos[e.Key] = d.pos(e.K)
	}
	known := keySet(projectKeys)
	for _, e := range pairs {
		if !known[e.Key] {
			d.warnf(e.K, "unknown-project-key", diag.DidYouMean(e.Key, projectKeys),
				"unknown key '%s' in %s", e.Key, ProjectFile)
		}
		if deferredProjectKeys[e.Key] || isResourceKey(e.Key) {
			p.Raw[e.Key] = d.value(e.V)
		} else {
			p.Raw[e.Key] = rd.valueKey(e.V, e.Key, nil, 0)
		}
	}
	str := func(key string) string {
		e, ok := byKey[key]
		if !ok || isNull(e.V) {
			return ""
		}
		if e.V.Kind != yaml.ScalarNode {
			d.errorf(e.V, "yaml-type", "", "%s must be a string, not a %s", key, kindName(e.V))
			return ""
		}
		if s, ok := p.Raw[key].(string); ok {
			return s
		}
		return e.V.Value
	}

	// name
	if e, ok := byKey["name"]; !ok || isNull(e.V) {
		d.errorf(root, "project-name", "add `name: my_project` (letters, digits and underscores; not starting with a digit)",
			"%s has no name", ProjectFile)
	} else {
		p.Name = str("name")
		if p.Name != "" && !projectNameRe.MatchString(p.Name) {
			sug := "use letters, digits and underscores only, not starting with a digit"
			if fixed := fixName(p.Name); fixed != "" {
				sug = fmt.Sprintf("did you mean '%s'? ", fixed) + sug
			}
			d.errorf(e.V, "project-name", sug, "invalid project name '%s'", p.Name)
		}
	}
	p.Version = str("version")
	if e, ok := byKey["config-version"]; ok && !isNull(e.V) {
		switch v := p.Raw["config-version"].(type) {
		case int:
			p.ConfigVersion = v
			if v != 2 {
				d.errorf(e.V, "config-version", "set config-version: 2 (or remove it) and use the version 2 layout",
					"config-version %d is not supported", v)
			}
		default:
			d.errorf(e.V, "config-version", "write config-version: 2", "config-version must be the number 2")
		}
	}
	p.Profile = str("profile")

	paths := func(key string, def []string) []string {
		e, ok := byKey[key]
		if !ok || isNull(e.V) {
			return def
		}
		return cleanPaths(d.strListValue(p.Raw[key], e.V, key))
	}
	p.ModelPaths = paths("model-paths", nil)
	if e, ok := byKey["source-paths"]; ok {
		if p.ModelPaths == nil {
			p.ModelPaths = paths("source-paths", nil)
			d.warnf(e.K, "deprecated-key", "rename it to model-paths", "source-paths is deprecated")
		} else {
			d.warnf(e.K, "deprecated-key", "remove it; model-paths is used", "source-paths is ignored because model-paths is set")
		}
	}
	if p.ModelPaths == nil {
		p.ModelPaths = []string{"models"}
	}
	p.SeedPaths = paths("seed-paths", nil)
	if e, ok := byKey["data-paths"]; ok {
		if p.SeedPaths == nil {
			p.SeedPaths = paths("data-paths", nil)
			d.warnf(e.K, "deprecated-key", "rename it to seed-paths", "data-paths is deprecated")
		} else {
			d.warnf(e.K, "deprecated-key", "remove it; seed-paths is used", "data-paths is ignored because seed-paths is set")
		}
	}
	if p.SeedPaths == nil {
		p.SeedPaths = []string{"seeds"}
	}
	p.MacroPaths = paths("macro-paths", []string{"macros"})
	p.TestPaths = paths("test-paths", []string{"tests"})
	p.AnalysisPaths = paths("analysis-paths", []string{"analyses"})
	p.SnapshotPaths = paths("snapshot-paths", []string{"snapshots"})
	p.FunctionPaths = paths("function-paths", []string{"functions"})
	p.AssetPaths = paths("asset-paths", []string{})
	p.DocsPaths = paths("docs-paths", nil)
	if p.DocsPaths == nil {
		p.DocsPaths = unionPaths(p.ModelPaths, p.SeedPaths, p.SnapshotPaths, p.AnalysisPaths,
			p.MacroPaths, p.TestPaths, p.FunctionPaths)
	}
	p.TargetPath = orDefault(cleanPath(str("target-path")), "target")
	p.LogPath = orDefault(cleanPath(str("log-path")), "logs")
	p.PackagesInstallPath = cleanPath(str("packages-install-path"))
	if p.PackagesInstallPath == "" {
		p.PackagesInstallPath = orDefault(cleanPath(str("modules-path")), "dbt_packages")
	}
	p.CleanTargets = paths("clean-targets", []string{p.TargetPath})

	if e, ok := byKey["vars"]; ok {
		p.Vars = d.mapValue(e.V, "vars")
	}
	for _, h := range []struct {
		key string
		dst *[]Hook
	}{{"on-run-start", &p.OnRunStart}, {"on-run-end", &p.OnRunEnd}} {
		if e, ok := byKey[h.key]; ok {
			*h.dst = d.hooks(e.V, h.key)
		}
	}
	if e, ok := byKey["require-dbt-version"]; ok {
		p.RequireDbtVersion = d.strListValue(p.Raw["require-dbt-version"], e.V, "require-dbt-version")
	}
	if e, ok := byKey["dispatch"]; ok {
		p.Dispatch = d.dispatch(e.V)
	}
	if e, ok := byKey["quoting"]; ok {
		p.Quoting = d.boolMap(e.V, "quoting")
	}
	if e, ok := byKey["flags"]; ok {
		if m, isMap := p.Raw["flags"].(map[string]any); isMap || isNull(e.V) {
			p.Flags = m
		} else {
			d.errorf(e.V, "yaml-type", "", "flags must be a mapping, not a %s", kindName(e.V))
		}
	}
	p.QueryComment = p.Raw["query-comment"]
	if e, ok := byKey["restrict-access"]; ok && !isNull(e.V) {
		b, isBool := p.Raw["restrict-access"].(bool)
		if !isBool {
			d.errorf(e.V, "yaml-type", "use true or false", "restrict-access must be a boolean")
		}
		p.RestrictAccess = b
	}

	// config trees
	if a, ok := byKey["tests"]; ok {
		if b, ok := byKey["data_tests"]; ok {
			d.errorf(a.K, "tests-and-data-tests", "move everything under data_tests: (tests: is the old name)",
				"both tests: and data_tests: are set (data_tests: is at line %d)", b.K.Line)
		}
	}
	for _, e := range pairs {
		if !isResourceKey(e.Key) {
			continue
		}
		rk := canonicalResourceKey(e.Key)
		if e.Key == "tests" {
			if _, both := byKey["data_tests"]; both {
				continue
			}
		}
		if isNull(e.V) {
			continue
		}
		if e.V.Kind != yaml.MappingNode {
			d.errorf(e.V, "yaml-type", "", "%s: must be a mapping of folders and +configs, not a %s", e.Key, kindName(e.V))
			continue
		}
		tree, _ := rd.valueKey(e.V, e.Key, hookKeys, 0).(map[string]any)
		p.Configs[rk] = tree
		if raw, ok := rd.doc.valueDepth(e.V, 0).(map[string]any); ok {
			if p.UnrenderedConfigs == nil {
				p.UnrenderedConfigs = map[string]map[string]any{}
			}
			p.UnrenderedConfigs[rk] = raw
		}
		p.Raw[e.Key] = tree
		d.checkTree(rk, e.V, 0, rk, p.configPos)
	}
	return p, sorted(rd.doc.diags)
}

func sorted(l diag.List) diag.List {
	l.Sort()
	return l
}

func isResourceKey(k string) bool {
	rk := canonicalResourceKey(k)
	for _, r := range ResourceKeys {
		if r == rk {
			return true
		}
	}
	return false
}

// fixName proposes a valid project name for an invalid one.
func fixName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '.':
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	if out == s || !projectNameRe.MatchString(out) {
		return ""
	}
	return out
}

func cleanPath(s string) string {
	if s == "" {
		return ""
	}
	s = strings.TrimSuffix(filepath.ToSlash(filepath.Clean(s)), "/")
	return s
}

func cleanPaths(l []string) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if c := cleanPath(s); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func unionPaths(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

var hookKeys = map[string]bool{"pre-hook": true, "post-hook": true, "pre_hook": true, "post_hook": true}

// dictConfigs are configs whose value is a mapping; written without '+'
// they look like a folder, which is almost always a mistake.
var dictConfigs = map[string]bool{
	"meta": true, "docs": true, "persist_docs": true, "quoting": true, "grants": true,
	"column_types": true, "contract": true, "freshness": true, "snapshot_meta_column_names": true,
}

// configPosKey names a config set at one level of a tree: the resource
// key and the folder path joined by NULs, then the config's name.
func configPosKey(path, name string) string { return path + "\x00\x00" + name }

// ConfigPos is where the resourceKey tree sets config key for a node at
// fqn: the deepest level that sets it, whose value ConfigFor returns.
// false when the tree does not set it.
func (p *Project) ConfigPos(resourceKey string, fqn []string, key string) (diag.Pos, bool) {
	path := canonicalResourceKey(resourceKey)
	var found diag.Pos
	ok := false
	level := p.Configs[path]
	for i := 0; level != nil; i++ {
		if pos, set := p.configPos[configPosKey(path, key)]; set {
			found, ok = pos, true
		}
		if i >= len(fqn) {
			break
		}
		level, _ = level[fqn[i]].(map[string]any)
		path += "\x00" + fqn[i]
	}
	return found, ok
}

// checkTree validates one level of a dbt_project.yml config tree and
// records where each config is set (under path, in pos).
func (d *ydoc) checkTree(rk string, n *ynode, depth int, path string, pos map[string]diag.Pos) {
	if depth > maxDepth {
		return
	}
	ps := d.pairs(n)
	keys := map[string]diag.Pos{}
	hasHook := map[string]*ynode{}
	for _, e := range ps {
		name := strings.TrimSpace(strings.TrimPrefix(e.Key, "+"))
		plus := strings.HasPrefix(e.Key, "+")
		isMap := e.V != nil && e.V.Kind == yaml.MappingNode
		switch {
		case plus:
			keys[e.Key] = d.pos(e.K)
		case isMap:
			if dictConfigs[e.Key] && !hasPlusKey(d, e.V) {
				d.warnf(e.K, "missing-plus-prefix", fmt.Sprintf("write '+%s' to set the config", e.Key),
					"'%s' is read as a folder name here, not as the %s config", e.Key, e.Key)
			}
			d.checkTree(rk, e.V, depth+1, path+"\x00"+e.Key, pos)
			continue
		case isNull(e.V):
			continue // an empty folder entry
		default:
			if !IsKnownConfigKey(rk, name) {
				keys[e.Key] = d.pos(e.K)
			}
		}
		pos[configPosKey(path, name)] = d.pos(orNode(e.V, e.K))
		if problem, fix := CheckConfigValue(name, d.value(e.V)); problem != "" {
			d.errorf(orNode(e.V, e.K), "config-type", fix, "%s", problem)
		}
		if h := normKey(name); h == "pre-hook" || h == "post-hook" {
			if prev, ok := hasHook[h]; ok {
				d.errorf(e.K, "hook-spelling", "keep one spelling ('"+h+"')",
					"%s is set twice here, as '%s' and '%s'", h, prev.Value, e.Key)
			}
			hasHook[h] = e.K
		}
	}
	d.diags = append(d.diags, CheckConfigKeys(rk, keys)...)
}

func hasPlusKey(d *ydoc, n *ynode) bool {
	for _, e := range d.pairs(n) {
		if strings.HasPrefix(e.Key, "+") {
			return true
		}
	}
	return false
}

// hooks reads on-run-start / on-run-end: a string or a list of strings (or
// {sql, transaction} mappings). They are rendered at run time, not here.
func (d *ydoc) hooks(n *ynode, what string) []Hook {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	items := []*ynode{n}
	if n.Kind == yaml.SequenceNode {
		items = d.list(n, what)
	}
	var out []Hook
	for _, it := range items {
		switch {
		case isNull(it):
		case it.Kind == yaml.ScalarNode:
			out = append(out, Hook{SQL: it.Value, Transaction: true, Pos: d.pos(it)})
		case it.Kind == yaml.MappingNode:
			hs, err := HooksOf(d.value(it))
			if err != nil {
				d.errorf(it, "hook", "", "%s: %v", what, err)
			}
			for _, h := range hs {
				h.Pos = d.pos(it)
				out = append(out, h)
			}
		default:
			d.errorf(it, "hook", "", "%s entries must be SQL strings, not a %s", what, kindName(it))
		}
	}
	return out
}

func (d *ydoc) dispatch(n *ynode) []Dispatch {
	var out []Dispatch
	for _, it := range d.list(n, "dispatch") {
		if it.Kind != yaml.MappingNode {
			d.errorf(it, "dispatch", "write `- macro_namespace: pkg` with `search_order: [...]`",
				"dispatch entries must be mappings, not a %s", kindName(it))
			continue
		}
		var ds Dispatch
		ds.Pos = d.pos(it)
		seenNS, seenSO := false, false
		for _, e := range d.pairs(it) {
			switch e.Key {
			case "macro_namespace":
				ds.MacroNamespace = d.str(e.V, "dispatch macro_namespace")
				seenNS = true
			case "search_order":
				ds.SearchOrder = d.strList(e.V, "dispatch search_order")
				seenSO = true
			default:
				d.warnf(e.K, "unknown-key", diag.DidYouMean(e.Key, []string{"macro_namespace", "search_order"}),
					"unknown key '%s' in dispatch entry", e.Key)
			}
		}
		if !seenNS || ds.MacroNamespace == "" {
			d.errorf(it, "dispatch", "", "dispatch entry needs a macro_namespace")
		}
		if !seenSO {
			d.errorf(it, "dispatch", "", "dispatch entry for '%s' needs a search_order list", ds.MacroNamespace)
		}
		out = append(out, ds)
	}
	return out
}

// renderer converts YAML to values, rendering Jinja strings.
type renderer struct {
	doc *ydoc
	fn  RenderFunc
	// keepString names keys whose rendered values stay strings (secrets,
	// names) instead of being converted natively.
	keepString map[string]bool
}

func hasJinja(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}

// value converts n like ydoc.value, rendering strings with Jinja. Keys in
// skip (compared without '+') are converted but not rendered.
func (r *renderer) value(n *ynode, skip map[string]bool) any {
	return r.valueKey(n, "", skip, 0)
}

func (r *renderer) valueKey(n *ynode, key string, skip map[string]bool, depth int) any {
	d := r.doc
	n = deref(n)
	if n == nil {
		return nil
	}
	if r.fn == nil {
		return d.valueDepth(n, depth)
	}
	d.budget--
	if depth > maxDepth || d.budget < 0 {
		d.tooDeep(n)
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		v := scalarValue(n)
		s, ok := v.(string)
		if !ok || !hasJinja(s) {
			return v
		}
		out, err := r.fn(d.file, int(n.Line), s)
		if err != nil {
			var in inValue
			if line, col, msg := 0, 0, ""; errors.As(err, &in) && !d.secret {
				if line, col, msg = in.ValuePlace(); line > 0 {
					d.errorAtValue(n, s, line, col, "cannot render %s: %s", orDefault(key, "value"), msg)
					return s
				}
			}
			d.errorf(n, "render", "", "cannot render %s: %v", orDefault(key, "value"), err)
			return s
		}
		if r.keepString[key] {
			return out
		}
		return nativeValue(out)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, r.valueKey(c, key, skip, depth+1))
		}
		return out
	case yaml.MappingNode:
		ps := d.pairsDepth(n, depth+1)
		out := make(map[string]any, len(ps))
		for _, p := range ps {
			if skip[strings.TrimSpace(strings.TrimPrefix(p.Key, "+"))] {
				out[p.Key] = d.valueDepth(p.V, depth+1)
			} else {
				out[p.Key] = r.valueKey(p.V, p.Key, skip, depth+1)
			}
		}
		return out
	}
	return nil
}

// strListValue reads a (rendered) string or list of strings; n is the
// node it came from, for positions.
func (d *ydoc) strListValue(v any, n *ynode, what string) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				at := n
				if n != nil && i < len(n.Content) {
					at = n.Content[i]
				}
				d.errorf(at, "yaml-type", "", "%s must contain only strings, found a %s", what, kindName(at))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	d.errorf(n, "yaml-type", "", "%s must be a string or a list of strings, not a %s", what, kindName(n))
	return nil
}

// nativeValue turns a rendered string into the value dbt's native Jinja
// rendering would give for the common cases: integers, floats, booleans
// and None. Anything else stays a string.
func nativeValue(s string) any {
	t := strings.TrimSpace(s)
	switch t {
	case "True", "true":
		return true
	case "False", "false":
		return false
	case "None":
		return nil
	case "":
		return s
	}
	if i, err := strconv.Atoi(t); err == nil {
		if len(t) > 1 && (t[0] == '0' || (t[0] == '-' && t[1] == '0')) {
			return s // keep leading zeros ("007")
		}
		return i
	}
	if strings.ContainsAny(t, ".eE") && !strings.ContainsAny(t, "xXnN") {
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return f
		}
	}
	return s
}

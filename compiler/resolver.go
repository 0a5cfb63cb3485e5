package compiler

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
)

// jinjaEnvOnce lazily builds one macro-less environment for rendering
// project and profile YAML values.
type jinjaEnvOnce struct {
	once sync.Once
	env  *jinja.Env
}

var staticEnv jinjaEnvOnce

func sharedStaticEnv() *jinjaEnvOnce { return &staticEnv }

func (j *jinjaEnvOnce) get() *jinja.Env {
	j.once.Do(func() { j.env = jinja.New(jinja.Config{AdapterType: "default"}) })
	return j.env
}

func newStaticContext(r jinja.Resolver) *jinja.Context {
	return &jinja.Context{Package: "", Execute: false, Globals: map[string]any{}, Resolver: r, Ctx: context.Background()}
}

// staticResolver serves env_var() and var() (CLI vars only) while rendering
// dbt_project.yml and profiles.yml.
type staticResolver struct {
	cli     map[string]any
	getenv  func(string) (string, bool)
	secrets bool
}

func (s *staticResolver) Ref([]string, any) (any, error) {
	return nil, fmt.Errorf("ref() is not available in project or profile YAML")
}
func (s *staticResolver) Source(string, string) (any, error) {
	return nil, fmt.Errorf("source() is not available in project or profile YAML")
}
func (s *staticResolver) Config(map[string]any) error  { return nil }
func (s *staticResolver) ConfigGet(string) (any, bool) { return nil, false }
func (s *staticResolver) Var(name string) (any, bool) {
	v, ok := s.cli[name]
	return v, ok
}
func (s *staticResolver) EnvVar(name string) (string, bool) { return s.getenv(name) }

// AllowsSecretEnvVars: only profiles.yml and packages.yml (see jinja.SecretEnvVarsAllowed).
func (s *staticResolver) AllowsSecretEnvVars() bool { return s.secrets }
func (s *staticResolver) Doc([]string) (string, error) {
	return "", fmt.Errorf("doc() is only available in descriptions")
}
func (s *staticResolver) Log(string, bool) {}
func (s *staticResolver) Warn(string)      {}

// parseResolver captures a node's ref/source/config calls during the parse
// render (execute=False).
type parseResolver struct {
	b       *builder
	pkg     string
	node    *manifest.Node
	config  map[string]any // in-file config() calls merged in order
	base    manifest.Config
	refs    []manifest.RefArgs
	sources [][]string
	vars    map[string]bool
	envs    map[string]bool
	errs    []error
}

func (p *parseResolver) Ref(args []string, version any) (any, error) {
	var ra manifest.RefArgs
	switch len(args) {
	case 1:
		ra.Name = args[0]
	case 2:
		pk := args[0]
		ra.Package = &pk
		ra.Name = args[1]
	default:
		return nil, fmt.Errorf("ref() takes 1 or 2 arguments (package, name), got %d", len(args))
	}
	ra.Version = version
	p.refs = append(p.refs, ra)
	// At parse time the relation is a placeholder named after the ref.
	return p.b.r.Env.NewRelation(adapters.Relation{Database: p.b.targetDatabase(), Schema: p.b.targetSchema(), Identifier: ra.Name}), nil
}

func (p *parseResolver) Source(src, table string) (any, error) {
	p.sources = append(p.sources, []string{src, table})
	return p.b.r.Env.NewRelation(adapters.Relation{Database: p.b.targetDatabase(), Schema: src, Identifier: table}), nil
}

func (p *parseResolver) Config(kwargs map[string]any) error {
	if p.config == nil {
		p.config = map[string]any{}
	}
	for k, v := range kwargs {
		if k == "pre_hook" || k == "post_hook" {
			k = strings.ReplaceAll(k, "_", "-")
		}
		if k == "pre-hook" || k == "post-hook" || k == "tags" {
			p.config = mergeOne(p.config, k, v)
			continue
		}
		p.config[k] = v
	}
	return nil
}

func (p *parseResolver) ConfigGet(key string) (any, bool) {
	if v, ok := p.config[key]; ok {
		return v, true
	}
	v, ok := p.base[key]
	return v, ok
}

func (p *parseResolver) Var(name string) (any, bool) {
	if p.vars == nil {
		p.vars = map[string]bool{}
	}
	p.vars[name] = true
	return p.b.r.vars.lookup(p.pkg, name)
}

func (p *parseResolver) EnvVar(name string) (string, bool) {
	if p.envs == nil {
		p.envs = map[string]bool{}
	}
	p.envs[name] = true
	return p.b.r.opts.Getenv(name)
}

func (p *parseResolver) Doc(args []string) (string, error) { return p.b.r.doc(p.pkg, args) }

// Print is print(): dbt shows it even with --quiet.
func (p *parseResolver) Print(msg string) {
	if o := p.b.r.opts; o.Print != nil {
		o.Print(msg)
	} else if o.Log != nil {
		o.Log(msg, true, nil)
	}
}

func (p *parseResolver) Log(msg string, info bool) {
	if p.b.r.opts.Log != nil {
		p.b.r.opts.Log(msg, info, nil)
	}
}

func (p *parseResolver) Warn(msg string) {
	p.b.addWarn(p.node.Pos, "jinja-warning", "%s", msg)
}

func mergeOne(cfg map[string]any, k string, v any) map[string]any {
	var list []any
	switch old := cfg[k].(type) {
	case []any:
		list = append(list, old...)
	case nil:
	default:
		list = append(list, old)
	}
	switch nv := v.(type) {
	case []any:
		list = append(list, nv...)
	case []string:
		for _, s := range nv {
			list = append(list, s)
		}
	default:
		list = append(list, nv)
	}
	cfg[k] = list
	return cfg
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// doc resolves doc('name') or doc('pkg', 'name').
func (r *Result) doc(pkg string, args []string) (string, error) {
	var p, name string
	switch len(args) {
	case 1:
		name = args[0]
		if d, ok := r.docs[pkg][name]; ok {
			return d, nil
		}
		if d, ok := r.docs[r.Project.Name][name]; ok {
			return d, nil
		}
		for _, m := range r.docs {
			if d, ok := m[name]; ok {
				return d, nil
			}
		}
	case 2:
		p, name = args[0], args[1]
		if d, ok := r.docs[p][name]; ok {
			return d, nil
		}
	default:
		return "", fmt.Errorf("doc() takes 1 or 2 arguments")
	}
	var names []string
	for _, m := range r.docs {
		for k := range m {
			names = append(names, k)
		}
	}
	msg := fmt.Sprintf("unknown doc block '%s'", name)
	if s := suggest(name, names); s != "" {
		msg += " — " + s
	} else {
		msg += fmt.Sprintf(" — define it in a .md file under a docs or model path: {%% docs %s %%}...{%% enddocs %%}", name)
	}
	return "", fmt.Errorf("%s", msg)
}

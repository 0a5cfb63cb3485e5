package compiler

import (
	"strings"

	"github.com/kiln-dev/kiln/compiler/project"
)

// varScope resolves var() with dbt's precedence: --vars, then the project's
// vars scoped to the node's package, then the project's global vars. Root
// project vars win over a package's own dbt_project.yml vars.
type varScope struct {
	cli    map[string]any
	global map[string]any
	scoped map[string]map[string]any // package -> vars
	pkgOwn map[string]map[string]any // vars a package declares for itself
}

func newVarScope(root *project.Project, pkgs []*project.Project, cli map[string]any) *varScope {
	v := &varScope{cli: cli, global: map[string]any{}, scoped: map[string]map[string]any{}, pkgOwn: map[string]map[string]any{}}
	names := map[string]bool{root.Name: true}
	for _, p := range pkgs {
		names[p.Name] = true
	}
	for k, val := range root.Vars {
		if m, ok := val.(map[string]any); ok && names[k] {
			v.scoped[k] = m
			continue
		}
		v.global[k] = val
	}
	for _, p := range pkgs {
		own := map[string]any{}
		for k, val := range p.Vars {
			if m, ok := val.(map[string]any); ok && names[k] {
				if k == p.Name {
					for kk, vv := range m {
						own[kk] = vv
					}
				}
				continue
			}
			own[k] = val
		}
		v.pkgOwn[p.Name] = own
	}
	return v
}

func (v *varScope) lookup(pkg, name string) (any, bool) {
	if val, ok := v.cli[name]; ok {
		return val, true
	}
	if m, ok := v.scoped[pkg]; ok {
		if val, ok := m[name]; ok {
			return val, true
		}
	}
	if val, ok := v.global[name]; ok {
		return val, true
	}
	if m, ok := v.pkgOwn[pkg]; ok {
		if val, ok := m[name]; ok {
			return val, true
		}
	}
	return nil, false
}

// staticRenderer renders dbt_project.yml and profiles.yml values, where only
// env_var() and --vars are available.
type staticRenderer struct {
	env    *jinjaEnvOnce
	cli    map[string]any
	getenv func(string) (string, bool)
	// secrets: env_var() may read DBT_ENV_SECRET* (profiles.yml, packages.yml)
	secrets bool
	// target is `target` while rendering dbt_project.yml files, once the
	// profile is known (dbt renders projects with the selected target).
	target map[string]any
}

func newStaticRenderer(cli map[string]any, getenv func(string) (string, bool)) *staticRenderer {
	return &staticRenderer{env: sharedStaticEnv(), cli: cli, getenv: getenv}
}

func (s *staticRenderer) render(path string, line int, src string) (string, error) {
	if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
		return src, nil
	}
	res := &staticResolver{cli: s.cli, getenv: s.getenv, secrets: s.secrets}
	ctx := newStaticContext(res)
	if s.target != nil {
		ctx.Globals["target"] = s.target
	}
	return s.env.get().RenderString(path, src, ctx)
}

package compiler

import "github.com/kiln-dev/kiln/compiler/project"

// StaticRender returns the renderer used for YAML outside the parse
// (packages.yml, dependencies.yml): env_var() only, no var(); secret env
// vars are allowed there, as in dbt (git URLs with tokens).
func StaticRender(getenv func(string) (string, bool)) project.RenderFunc {
	r := newStaticRenderer(nil, getenv)
	r.secrets = true
	return r.render
}

// StaticRenderVars is StaticRender with --vars, for files rendered before
// any project is parsed (packages.yml in `kiln deps --vars ...`).
func StaticRenderVars(cliVars map[string]any, getenv func(string) (string, bool)) project.RenderFunc {
	r := newStaticRenderer(cliVars, getenv)
	r.secrets = true
	return r.render
}

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

package compiler

import "github.com/kiln-dev/kiln/compiler/project"

// StaticRender returns the renderer used for YAML outside the parse
// (packages.yml, dependencies.yml): env_var() only, no var().
func StaticRender(getenv func(string) (string, bool)) project.RenderFunc {
	return newStaticRenderer(nil, getenv).render
}

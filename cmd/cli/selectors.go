package cli

import "github.com/kiln-dev/kiln/graph/selector/selectorfile"

// manifestSelectors is the manifest.json `selectors` object of a parsed
// selectors.yml: every definition as written, in JSON-ready values.
func manifestSelectors(sf *selectorfile.File) map[string]any {
	out := map[string]any{}
	for _, name := range sf.Order {
		d := sf.Defs[name]
		var def any
		_ = d.Definition.Decode(&def)
		out[name] = map[string]any{"name": name, "description": d.Description, "default": d.Default, "definition": normalizeYAML(def)}
	}
	return out
}

package compiler

// Generic tests whose macro calls config() (dbt_utils' equality sets its
// fail_calc so) get that config at parse time, as dbt renders every generic
// test but not_null and unique while parsing: ls, the graph and
// unrendered_config show it before anything compiles.

import (
	"sync"

	"github.com/kiln-dev/kiln/compiler/manifest"
)

// renderTestConfigs renders, with execute false, the generic tests whose
// macro can reach a config() call, and applies what they set where the
// test's own config left the default. A test that fails to render here is
// left alone: compiling it reports the error.
func (b *builder) renderTestConfigs() {
	var tests []*manifest.Node
	for _, n := range b.m.Nodes {
		if n.TestMetadata == nil || len(n.DependsOn.Macros) == 0 || !n.Config.Enabled() {
			continue
		}
		if id := n.DependsOn.Macros[0]; id == "macro.dbt.test_not_null" || id == "macro.dbt.test_unique" {
			continue // dbt does not render these at parse time
		}
		tests = append(tests, n)
	}
	var memo sync.Map // test macro unique_id -> bool
	parallel(len(tests), b.r.opts.Workers, func(i int) {
		n := tests[i]
		key := n.DependsOn.Macros[0]
		sets, ok := memo.Load(key)
		if !ok {
			sets = false
			for _, m := range b.r.MacroClosure(n) {
				if m.CallsConfig {
					sets = true
					break
				}
			}
			memo.Store(key, sets)
		}
		if !sets.(bool) {
			return
		}
		res := &parseResolver{b: b, pkg: n.PackageName, node: n, base: n.Config}
		if _, err := b.r.renderGenericTest(b.parseContext(n, res), n); err != nil || len(res.config) == 0 {
			return
		}
		cfg := make(manifest.Config, len(n.Config)+len(res.config))
		for k, v := range n.Config {
			cfg[k] = v
		}
		un := make(map[string]any, len(n.UnrenderedConfig)+len(res.config))
		for k, v := range n.UnrenderedConfig {
			un[k] = v
		}
		for k, v := range res.config {
			if cur, set := cfg[k]; !set || cur == singularKind.defaults[k] {
				cfg[k] = v
			}
			if _, set := un[k]; !set {
				un[k] = v
			}
		}
		n.Config, n.UnrenderedConfig = cfg, un
		n.Tags = cfg.Tags()
	})
}

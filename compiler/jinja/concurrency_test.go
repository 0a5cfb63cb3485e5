package jinja

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/adapters"
)

// TestConcurrentRender renders one parsed template from many goroutines,
// each with its own context, while macros are called and dispatched.
func TestConcurrentRender(t *testing.T) {
	e := newTestEnv(t)
	mustAdd(t, e, "proj", "macros/m.sql", `
{% macro cols(n) %}{% set out = [] %}{% for i in range(n) %}{% do out.append('c' ~ i) %}{% endfor %}{{ return(out) }}{% endmacro %}
{% macro default__fmt(x) %}<{{ x }}>{% endmacro %}`)
	tpl, err := e.Parse("models/m.sql", `{{ config(materialized='view') }}select {{ cols(var('n')) | join(', ') }}, {{ adapter.dispatch('fmt')(this.identifier) }} from {{ ref(var('src')) }} {{ dbt.type_string() }}`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				res := &fakeResolver{vars: map[string]any{"n": g%4 + 1, "src": fmt.Sprintf("src_%d", g)}}
				ctx := &Context{Package: "proj", Execute: i%2 == 0, Resolver: res, Globals: map[string]any{
					"this": NewRelation(adapters.Relation{Database: "db", Schema: "s", Identifier: fmt.Sprintf("m%d", g)}),
				}}
				out, err := tpl.Render(ctx)
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf(`<m%d> from "db"."main"."src_%d" varchar`, g, g)
				if !strings.HasSuffix(out, want) || strings.Count(out, ", c") != g%4 {
					errs <- fmt.Errorf("goroutine %d: got %q", g, out)
					return
				}
				if len(res.configs) != 1 || len(res.refs) != 1 {
					errs <- fmt.Errorf("goroutine %d: captured %v %v", g, res.configs, res.refs)
					return
				}
			}
		}(g)
	}
	// macros may be added while other templates render
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			if _, err := e.AddMacroFile("dbt_utils", fmt.Sprintf("macros/x%d.sql", i), fmt.Sprintf("{%% macro extra_%d() %%}x{%% endmacro %%}", i)); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !e.HasMacro("dbt_utils", "extra_19") {
		t.Error("macro added concurrently is missing")
	}
}

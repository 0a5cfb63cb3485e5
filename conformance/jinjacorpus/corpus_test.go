// Package jinjacorpus checks kiln's Jinja engine against goldens rendered by
// dbt itself (generate.py, run with the reference dbt's Python). The goldens
// are checked in, so this test runs anywhere.
package jinjacorpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/compiler/jinja"
)

type corpusCase struct {
	ID   string `json:"id"`
	Src  string `json:"src"`
	Mode string `json:"mode"` // text, native, parse
	// Macros are macro-file blocks the case calls (dbt calls them through
	// its MacroGenerator, as it calls a project's macros)
	Macros []string `json:"macros"`
	Out    string   `json:"out"`
	Type   string   `json:"type"` // native mode: Python type of the value
	Error  string   `json:"error"`
	Msg    string   `json:"message"`
}

type corpus struct {
	Vars   map[string]any `json:"vars"`
	Target map[string]any `json:"target"`
	Cases  []corpusCase   `json:"cases"`
}

func loadCorpus(t *testing.T) *corpus {
	t.Helper()
	f, err := os.Open("cases.json")
	if err != nil {
		t.Fatalf("cases.json: %v (regenerate with generate.py)", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.UseNumber()
	var c corpus
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	c.Vars = numbers(c.Vars).(map[string]any)
	c.Target = numbers(c.Target).(map[string]any)
	return &c
}

// numbers turns json.Number into int or float64, as YAML values arrive.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// loadAllowlist reads allowlist.txt: "case-id  reason" per line.
func loadAllowlist(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("allowlist.txt")
	if err != nil {
		t.Fatalf("allowlist.txt: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		id, reason, _ := strings.Cut(s, " ")
		if strings.TrimSpace(reason) == "" {
			t.Fatalf("allowlist.txt:%d: %s has no reason", line, id)
		}
		out[id] = strings.TrimSpace(reason)
	}
	return out
}

// resolver answers var() and env_var() like dbt's base context does for
// the generator (the same cli vars, no environment variables).
type resolver struct{ vars map[string]any }

func (r *resolver) Ref([]string, any) (any, error) { return nil, fmt.Errorf("ref is not available") }
func (r *resolver) Source(string, string) (any, error) {
	return nil, fmt.Errorf("source is not available")
}
func (r *resolver) Config(map[string]any) error  { return nil }
func (r *resolver) ConfigGet(string) (any, bool) { return nil, false }
func (r *resolver) Var(name string) (any, bool) {
	v, ok := r.vars[name]
	return v, ok
}
func (r *resolver) EnvVar(string) (string, bool) { return "", false }
func (r *resolver) Doc([]string) (string, error) { return "", fmt.Errorf("doc is not available") }
func (r *resolver) Log(string, bool)             {}
func (r *resolver) Warn(string)                  {}

// run renders one case with kiln; got is the text (or, in native mode, the
// Python repr of the value) and err the failure.
func run(env *jinja.Env, c *corpus, k corpusCase) (got, typ string, err error) {
	// every case gets fresh vars: cases may mutate them, as dbt's do not
	// outlive one render either
	vars := deepCopy(c.Vars).(map[string]any)
	ctx := &jinja.Context{
		Package:  "corpus",
		Execute:  k.Mode != "parse",
		Globals:  map[string]any{"target": deepCopy(c.Target)},
		Resolver: &resolver{vars: vars},
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	if len(k.Macros) > 0 {
		env = jinja.New(jinja.Config{AdapterType: "duckdb", RootPackage: "corpus"})
		if _, err := env.AddMacroFile("corpus", "macros/corpus.sql", strings.Join(k.Macros, "\n")); err != nil {
			return "", "", err
		}
	}
	if k.Mode == "native" {
		v, err := env.RenderNative("corpus.sql", k.Src, ctx)
		if err != nil {
			return "", "", err
		}
		typ := jinja.TypeName(v)
		return jinja.Repr(v), typ, nil
	}
	tpl, err := env.Parse("corpus.sql", k.Src)
	if err != nil {
		return "", "", err
	}
	out, err := tpl.Render(ctx)
	return out, "", err
}

// pyStrType folds dbt's str subclasses (the markers its native rendering
// hands back when a literal does not parse) into str.
func pyStrType(t string) string {
	switch t {
	case "NativeMarker", "TextMarker", "BoolMarker", "NumberMarker":
		return "str"
	}
	return t
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// TestCorpus renders every golden with kiln: outputs must match exactly and
// kiln must fail where dbt fails. Deliberate differences are listed with a
// reason in allowlist.txt; an entry that no longer differs must be removed.
// KILN_JINJA_CORPUS_REPORT=file writes every difference to file.
func TestCorpus(t *testing.T) {
	c := loadCorpus(t)
	allow := loadAllowlist(t)
	env := jinja.New(jinja.Config{AdapterType: "duckdb", RootPackage: "corpus"})
	var diffs []string
	passed := 0
	seen := map[string]bool{}
	for _, k := range c.Cases {
		seen[k.ID] = true
		got, typ, err := run(env, c, k)
		var problem string
		switch {
		case k.Error != "" && err == nil:
			problem = fmt.Sprintf("dbt raises %s (%s), kiln renders %q", k.Error, k.Msg, got)
		case k.Error == "" && err != nil:
			problem = fmt.Sprintf("dbt renders %q, kiln fails: %v", k.Out, err)
		case k.Error == "" && got != k.Out:
			problem = fmt.Sprintf("dbt renders %q, kiln %q", k.Out, got)
		case k.Error == "" && k.Mode == "native" && typ != pyStrType(k.Type):
			problem = fmt.Sprintf("dbt's value is a %s, kiln's a %s (%s)", k.Type, typ, got)
		}
		_, allowed := allow[k.ID]
		switch {
		case problem == "":
			passed++
			if allowed {
				t.Errorf("%s is in allowlist.txt but now matches dbt: remove the entry", k.ID)
			}
		case allowed:
		default:
			diffs = append(diffs, fmt.Sprintf("%s [%s] %s\n    %s", k.ID, k.Mode, k.Src, problem))
		}
	}
	for id := range allow {
		if !seen[id] {
			t.Errorf("allowlist.txt names %s, which is not in cases.json", id)
		}
	}
	sort.Strings(diffs)
	t.Logf("jinja corpus: %d cases, %d match dbt, %d allowlisted, %d differ", len(c.Cases), passed, len(allow), len(diffs))
	if p := os.Getenv("KILN_JINJA_CORPUS_REPORT"); p != "" {
		if err := os.WriteFile(p, []byte(strings.Join(diffs, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

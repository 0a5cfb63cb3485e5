package project

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/diag"
)

const profilesYML = `
config:
  send_anonymous_usage_stats: false
jaffle:
  target: "{{ env_var('DBT_TARGET', 'dev') }}"
  outputs:
    dev:
      type: duckdb
      path: jaffle.duckdb
      threads: "{{ env_var('THREADS') }}"
      schema: main
    prod:
      type: postgres
      host: db
      user: "{{ env_var('PGUSER') }}"
      password: "{{ env_var('DBT_ENV_SECRET_PW') }}"
      port: 5432
      dbname: analytics
      schema: prod
      threads: 8
    broken:
      type: postgres
      password: "{{ env_var('MISSING') }}"
other:
  outputs:
    default:
      type: duckdb
`

// profileRender fakes the Jinja renderer; MISSING fails, PW is a secret.
func profileRender(path string, line int, s string) (string, error) {
	switch {
	case strings.Contains(s, "DBT_TARGET"):
		return "dev", nil
	case strings.Contains(s, "THREADS"):
		return "4", nil
	case strings.Contains(s, "PGUSER"):
		return "007", nil
	case strings.Contains(s, "SECRET_PW"):
		return "12345", nil
	case strings.Contains(s, "MISSING"):
		return "", fmt.Errorf("Env var required but not provided: 'MISSING'")
	}
	return s, nil
}

func TestLoadProfile(t *testing.T) {
	dir := writeTree(t, map[string]string{"profiles.yml": profilesYML})
	p, diags := LoadProfile(dir, "jaffle", "", profileRender)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p.Target != "dev" || p.Type != "duckdb" || p.Threads != 4 || p.Output["path"] != "jaffle.duckdb" ||
		p.Path != filepath.ToSlash(filepath.Join(dir, "profiles.yml")) || strings.Join(p.Targets, ",") != "broken,dev,prod" {
		t.Fatalf("%+v", p)
	}
	p, diags = LoadProfile(dir, "jaffle", "prod", profileRender)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p.Threads != 8 || p.Output["port"] != 5432 || p.Output["user"] != "007" || p.Output["password"] != "12345" {
		t.Fatalf("%+v", p.Output)
	}
	// Other targets are not rendered: "broken" has an unset env var but dev loads fine (above).
	p, diags = LoadProfile(dir, "other", "", nil)
	if p == nil || p.Target != "default" || !hasDiag(diags, diag.Warning, "profile 'other' has no target: and none was given; using 'default'") {
		t.Fatalf("%+v %v", p, diags)
	}
	if p.Threads != 1 {
		t.Fatalf("default threads: %d", p.Threads)
	}
}

func TestLoadProfileErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{"profiles.yml": profilesYML})
	empty := t.TempDir()
	cases := []struct {
		name, dir, profile, target string
		looked                     []string
		parts                      []string
	}{
		{"not found", empty, "jaffle", "", []string{"/a (current directory)", "/home/.dbt"},
			[]string{"profiles.yml not found", "looked in /a (current directory)", "looked in /home/.dbt", "--profiles-dir"}},
		{"profile missing", dir, "jafle", "", nil,
			[]string{"profile 'jafle' not found in profiles.yml — did you mean 'jaffle'?", "available profiles: 'jaffle', 'other'"}},
		{"no profile name", dir, "", "", nil, []string{"no profile selected", "set `profile:`"}},
		{"target missing", dir, "jaffle", "prd", nil,
			[]string{"target 'prd' not found in profile 'jaffle' — did you mean 'prod'?", "available targets: 'broken', 'dev', 'prod'"}},
		{"render error of selected", dir, "jaffle", "broken", nil,
			[]string{"cannot render password: Env var required but not provided: 'MISSING'"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := LoadProfile(c.dir, c.profile, c.target, profileRender, c.looked...)
			if !hasDiag(diags, diag.Error, c.parts...) {
				t.Fatalf("want error with %q, got:\n%v", c.parts, diags)
			}
		})
	}
}

func TestParseProfileNoSecrets(t *testing.T) {
	src := "p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: hunter2\n      threads: many\n    x: [\n"
	_, diags := ParseProfile("profiles.yml", []byte(src), "p", "", nil)
	if !diags.HasErrors() || strings.Contains(diags.Error(), "hunter2") {
		t.Fatalf("syntax error must not quote the file: %v", diags)
	}
	src = "p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: hunter2\n      threads: many\n"
	_, diags = ParseProfile("profiles.yml", []byte(src), "p", "", nil)
	if !hasDiag(diags, diag.Error, "profiles.yml:7:7", "threads must be a positive integer") || strings.Contains(diags.Error(), "hunter2") || strings.Contains(diags.Error(), "many") {
		t.Fatalf("%v", diags)
	}
	src = "p:\n  target: dev\n  outputs:\n    dev:\n      password: x\n"
	_, diags = ParseProfile("profiles.yml", []byte(src), "p", "", nil)
	if !hasDiag(diags, diag.Error, "output 'dev' has no type") {
		t.Fatalf("%v", diags)
	}
}

// secretLineRe finds a password written on its own line, whose value the
// fuzz target then expects in no diagnostic.
var secretLineRe = regexp.MustCompile(`(?m)^[ \t]*password:[ \t]*([A-Za-z0-9]{6,})[ \t]*\r?$`)

// FuzzParseProfile: ParseProfile never panics; every diagnostic names the
// file, and all but "which profile" ones a line; a password never shows in
// a diagnostic; and an accepted profile is complete (type, threads >= 1,
// the selected target among the listed ones).
func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{
		profilesYML,
		"p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: hunter2\n      threads: many\n",
		"p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: hunter2\n    x: [\n",
		"p:\n  outputs:\n    default: {type: duckdb, threads: 0}\n",
		"p:\n  target: [a]\n  outputs: {a: {type: x}}\n",
		"p:\n  target: \"{{ fail }}\"\n  outputs: {a: {type: x, password: \"{{ fail }}\"}}\n",
		"p: &a\n  outputs:\n    dev: *a\n",
		"config: {}\np: 1\n", "- p\n", "p:\n\toutputs:\n", "",
	} {
		f.Add([]byte(s), "p", "")
		f.Add([]byte(s), "jaffle", "prod")
	}
	render := func(path string, line int, s string) (string, error) {
		if strings.Contains(s, "fail") {
			return "", fmt.Errorf("render failed")
		}
		return s, nil
	}
	f.Fuzz(func(t *testing.T, src []byte, profile, target string) {
		p, diags := ParseProfile("profiles.yml", src, profile, target, render)
		for _, d := range diags {
			if d.Pos.File != "profiles.yml" {
				t.Fatalf("diagnostic without the file: %v", d)
			}
			if d.Pos.Line < 1 && d.Code != "no-profile-name" && d.Code != "profile-not-found" && !strings.HasSuffix(d.Message, " is empty") {
				t.Fatalf("diagnostic without a line: %v", d)
			}
		}
		msg := diags.Error()
		for _, m := range secretLineRe.FindAllSubmatch(src, -1) {
			// Only a value that is nowhere else in the file (not also a
			// key, profile or target name) must be absent.
			if v := string(m[1]); bytes.Count(src, m[1]) == 1 && !strings.Contains(profile+" "+target, v) && strings.Contains(msg, v) {
				t.Fatalf("the password %q is in a diagnostic:\n%s", v, msg)
			}
		}
		if diags.HasErrors() || p == nil {
			return
		}
		if p.Type == "" || p.Threads < 1 || p.Name != profile || p.Path != "profiles.yml" || !slices.Contains(p.Targets, p.Target) {
			t.Fatalf("accepted an incomplete profile: %+v", p)
		}
	})
}

func TestParseProfileEmpty(t *testing.T) {
	_, diags := ParseProfile("profiles.yml", []byte("# only a comment\n"), "p", "", nil)
	if !hasDiag(diags, diag.Error, "profiles.yml is empty", "write `<profile name>:") {
		t.Fatalf("%v", diags)
	}
}

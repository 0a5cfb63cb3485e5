package selector

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	type want struct {
		method, value, args string
		implicit            bool
		pd, cd              int // -2 = operator absent
		cp                  bool
	}
	tests := []struct {
		in string
		w  want
	}{
		{"orders", want{"fqn", "orders", "", true, -2, -2, false}},
		{"+orders", want{"fqn", "orders", "", true, -1, -2, false}},
		{"orders+", want{"fqn", "orders", "", true, -2, -1, false}},
		{"2+orders+3", want{"fqn", "orders", "", true, 2, 3, false}},
		{"@orders", want{"fqn", "orders", "", true, -2, -2, true}},
		{"@+orders", want{"fqn", "orders", "", true, -1, -2, true}},
		{"tag:nightly", want{"tag", "nightly", "", false, -2, -2, false}},
		{"+tag:a:b+", want{"tag", "a:b", "", false, -1, -1, false}},
		{"config.materialized:table", want{"config", "table", "materialized", false, -2, -2, false}},
		{"config.meta.owner:alice", want{"config", "alice", "meta.owner", false, -2, -2, false}},
		{"models/staging", want{"path", "models/staging", "", true, -2, -2, false}},
		{`models\staging`, want{"path", `models\staging`, "", true, -2, -2, false}},
		{"stg_orders.sql", want{"file", "stg_orders.sql", "", true, -2, -2, false}},
		{"SEED.CSV", want{"file", "SEED.CSV", "", true, -2, -2, false}},
		{"staging.*", want{"fqn", "staging.*", "", true, -2, -2, false}},
		{"a+b", want{"fqn", "a+b", "", true, -2, -2, false}},
		{"x++", want{"fqn", "x+", "", true, -2, -1, false}},
		{"a+1+", want{"fqn", "a+1", "", true, -2, -1, false}},
		{"+2+x", want{"fqn", "2+x", "", true, -1, -2, false}},
		{"source:jaffle.*+", want{"source", "jaffle.*", "", false, -2, -1, false}},
		{"state:modified.body", want{"state", "modified.body", "", false, -2, -2, false}},
		{"0+x+0", want{"fqn", "x", "", true, 0, 0, false}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			s, err := ParseSpec(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			pd, cd := -2, -2
			if s.Parents {
				pd = s.ParentsDepth
			}
			if s.Children {
				cd = s.ChildrenDepth
			}
			got := want{s.Method, s.Value, strings.Join(s.Args, "."), s.Implicit, pd, cd, s.ChildrensParents}
			if got != tc.w {
				t.Fatalf("got %+v\nwant %+v", got, tc.w)
			}
			if s.String() != tc.in {
				t.Fatalf("String() = %q", s.String())
			}
		})
	}
}

func TestParseExpr(t *testing.T) {
	tests := []struct {
		sel, exc []string
		want     string
	}{
		{nil, nil, "*"},
		{[]string{"", "  "}, nil, "*"},
		{[]string{"a"}, nil, "a"},
		{[]string{" a  b\tc "}, nil, "a b c"},
		{[]string{"a b", "tag:x,config.materialized:table"}, nil, "a b tag:x,config.materialized:table"},
		{[]string{"a"}, []string{"b c"}, "a --exclude b c"},
		{nil, []string{"b"}, "* --exclude b"},
	}
	for _, tc := range tests {
		e, err := Parse(tc.sel, tc.exc)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.String(); got != tc.want {
			t.Errorf("Parse(%q, %q) = %q, want %q", tc.sel, tc.exc, got, tc.want)
		}
	}
	// Structure: union of an intersection, with Raw kept per term.
	e, _ := Parse([]string{"a tag:x,b"}, nil)
	if e.Op != OpUnion || len(e.Args) != 2 || e.Args[1].Op != OpIntersection || e.Args[1].Raw != "tag:x,b" || e.Args[0].Raw != "a" {
		t.Fatalf("structure: %+v", e)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"tag:a,,b", `invalid selector "tag:a,,b": empty selector at column 7
  tag:a,,b
        ^`},
		{"x ,a", `invalid selector "x ,a": empty selector at column 3
  x ,a
    ^`},
		{"a,", `invalid selector "a,": empty selector at column 3
  a,
    ^`},
		{"tagg:nightly", `invalid selector "tagg:nightly": unknown selector method 'tagg' at column 1 (did you mean 'tag'?)
  tagg:nightly
  ^`},
		{"a +sorce:x", `invalid selector "a +sorce:x": unknown selector method 'sorce' at column 4 (did you mean 'source'?)
  a +sorce:x
     ^`},
		{"zzzzzz:x", `invalid selector "zzzzzz:x": unknown selector method 'zzzzzz' at column 1
  zzzzzz:x
  ^`},
		{"@orders+", `invalid selector "@orders+": the '@' prefix and a trailing '+' cannot be combined at column 8
  @orders+
         ^`},
		{"tag:", `invalid selector "tag:": missing value after "tag:" at column 5
  tag:
      ^`},
		{"+", `invalid selector "+": missing node name at column 2
  +
   ^`},
		{"config:table", `invalid selector "config:table": method 'config' needs a key, e.g. 'config.materialized:table' at column 7
  config:table
        ^`},
		{"tag.x:y", `invalid selector "tag.x:y": method 'tag' takes no arguments at column 4
  tag.x:y
     ^`},
		{"config..x:y", `invalid selector "config..x:y": empty method argument at column 7
  config..x:y
        ^`},
		{"test_type:unitt", `invalid selector "test_type:unitt": invalid test type 'unitt' (expected generic, schema, singular, data, unit) at column 11
  test_type:unitt
            ^`},
		{"source:a.b.c.d", `invalid selector "source:a.b.c.d": too many dotted parts in 'a.b.c.d' (expected source, source.table or package.source.table) at column 8
  source:a.b.c.d
         ^`},
		{"99999999999999999999+x", `invalid selector "99999999999999999999+x": graph depth 99999999999999999999 is too large at column 1
  99999999999999999999+x
  ^`},
		{"é,,", `invalid selector "é,,": empty selector at column 3
  é,,
    ^`},
	}
	for _, tc := range tests {
		_, err := Parse([]string{tc.in}, nil)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: err = %v", tc.in, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%q:\n%s\nwant:\n%s", tc.in, err, tc.want)
		}
	}
	if _, err := Parse([]string{"a"}, []string{"b,,"}); err == nil {
		t.Error("exclude errors not reported")
	}
}

func TestFnmatch(t *testing.T) {
	tests := []struct {
		name, pat string
		want      bool
	}{
		{"stg_orders", "stg_*", true},
		{"a/b.c", "*", true},
		{"abc", "a?c", true},
		{"ac", "a?c", false},
		{"abc", "a[bx]c", true},
		{"abc", "a[!b]c", false},
		{"a]c", "a[]]c", true},
		{"a-c", "a[a-]c", true},
		{"a[c", "a[c", true},
		{"m5", "m[0-9]", true},
		{"aXb", "a*b*", true},
		{"mississippi", "m*iss*ppi", true},
		{"mississippi", "m*iss*x", false},
		{"Orders", "orders", false},
		{"", "*", true},
		{"é", "?", true},
	}
	for _, tc := range tests {
		if got := fnmatch(tc.name, tc.pat); got != tc.want {
			t.Errorf("fnmatch(%q, %q) = %v", tc.name, tc.pat, got)
		}
	}
	if levenshtein("kitten", "sitting") != 3 || levenshtein("", "ab") != 2 {
		t.Error("levenshtein")
	}
}

// FuzzParse checks that parsing never panics, that accepted input renders
// to a canonical form that parses back to itself, and that evaluating it
// never panics.
func FuzzParse(f *testing.F) {
	u := shop()
	for _, s := range []string{"a", "+a+", "2+tag:x+3", "@a", "a,b c", "config.k.j:v", "tag:a,,b",
		"models/x", "x.sql", "a++", "+2+x", ":", "@", "é:ü", "source:a.b.c", "a+b+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse([]string{s}, nil)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("non-syntax error %T", err)
			}
			_ = se.Error()
			return
		}
		first := e.String()
		e2, err := Parse([]string{first}, nil)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", first, s, err)
		}
		if again := e2.String(); again != first {
			t.Fatalf("round trip %q -> %q -> %q", s, first, again)
		}
		for _, m := range []IndirectMode{Eager, Cautious, Buildable, Empty} {
			_, _ = Select(u, e, Options{Indirect: m})
		}
	})
}

func TestGlobPath(t *testing.T) {
	tests := []struct {
		pat, path string
		want      bool
	}{
		{"models/**/*.sql", "models/a.sql", true},
		{"models/**/*.sql", "models/x/y/a.sql", true},
		{"models/**/*.sql", "seeds/a.sql", false},
		{"**", "a/b", true},
		{"models/**", "models", true},
		{"a/*/c", "a/b/c", true},
		{"a/*/c", "a/c", false},
		{"a/b", "a/b/c", false},
		{strings.Repeat("**/", 40) + "x", "a/b/c/d/e/f/g/h/y", false},
		{strings.Repeat("*/", 10) + "*", "a/b/c", false},
	}
	for _, tc := range tests {
		if got := compileGlob(tc.pat).match(strings.Split(tc.path, "/")); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pat, tc.path, got)
		}
	}
}

package adapters

import (
	"strings"
	"testing"
)

func TestTrimStatement(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"select 1", "select 1"},
		{"  select 1 ;  \n", "select 1"},
		{"select 1;\n-- end of model\n", "select 1"},
		{"select 1; -- done", "select 1"},
		{"select 1 -- trailing comment", "select 1"},
		{"select 1;;\n/* block\n comment */\n-- and a line\n", "select 1"},
		{"select 1 /* outer /* nested */ still */ ;", "select 1"},
		{"select '--not a comment;' as s;", "select '--not a comment;' as s"},
		{"select 'it''s' as s -- x", "select 'it''s' as s"},
		{`select "odd -- name;" from t;`, `select "odd -- name;" from t`},
		{`select E'a\'b;' as s;`, `select E'a\'b;' as s`},
		{"select $$ -- body; $$ as s;", "select $$ -- body; $$ as s"},
		{"select $fn$ a $$ b $fn$ as s ; -- c", "select $fn$ a $$ b $fn$ as s"},
		{"select $1 from t;", "select $1 from t"},
		{"select 1\n-- a\n-- b;\n", "select 1"},
		{"-- only a comment\n", ""},
		{"select 'unterminated", "select 'unterminated"},
		{"select 1 /* unterminated", "select 1 /* unterminated"},
		{"select 1 as \"a\"\"b\";", "select 1 as \"a\"\"b\""},
	} {
		if got := TrimStatement(c.in); got != c.want {
			t.Errorf("TrimStatement(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzTrimStatement(f *testing.F) {
	for _, s := range []string{"select 1; -- x", "select '--';", "select $$;$$", "/* a */ select 1 /* b */;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got := TrimStatement(q)
		if !strings.HasPrefix(strings.TrimSpace(q), got) {
			t.Fatalf("TrimStatement(%q) = %q is not a prefix of the query", q, got)
		}
		if TrimStatement(got) != got {
			t.Fatalf("TrimStatement is not idempotent on %q: %q then %q", q, got, TrimStatement(got))
		}
		// The splitter cuts with the same scanner: each statement is
		// trimmed, and splits no further.
		for _, st := range SplitStatements(q) {
			if TrimStatement(st) != st {
				t.Fatalf("SplitStatements(%q) gave %q, which TrimStatement changes to %q", q, st, TrimStatement(st))
			}
			if again := SplitStatements(st); len(again) != 1 || again[0] != st {
				t.Fatalf("SplitStatements(%q) gave %q, which splits into %q", q, st, again)
			}
		}
	})
}

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"select 1", []string{"select 1"}},
		{"select 1; select 2;", []string{"select 1", "select 2"}},
		{"  ;; -- only a comment\n ; ", nil},
		{"select ';' as a; select \"x;y\" from t -- trailing; comment\n", []string{"select ';' as a", "select \"x;y\" from t"}},
		{"select 1 /* a; b */ ; insert into t values ('it''s; fine')", []string{"select 1", "insert into t values ('it''s; fine')"}},
		{"select $$a;b$$; select 2", []string{"select $$a;b$$", "select 2"}},
		{"select 'unterminated; x", []string{"select 'unterminated; x"}},
	} {
		got := SplitStatements(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("SplitStatements(%q) = %q, want %q", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("SplitStatements(%q)[%d] = %q, want %q", tc.in, i, got[i], tc.want[i])
			}
		}
	}
}

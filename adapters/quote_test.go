package adapters

import (
	"strings"
	"testing"
)

type backtickDialect struct{ StandardSQL }

func (backtickDialect) Quote(id string) string   { return "`" + strings.ReplaceAll(id, "`", "``") + "`" }
func (backtickDialect) MaxIdentifierLength() int { return 0 }

func TestRenderWithTheDialectsQuoting(t *testing.T) {
	bt := backtickDialect{}.Quote
	r := Relation{Database: "db", Schema: "My Schema", Identifier: "t", NoQuoteDatabase: true}
	if got := r.RenderWith(bt); got != "db.`My Schema`.`t`" {
		t.Errorf("RenderWith(backtick) = %s", got)
	}
	if got, want := r.RenderWith(nil), r.Render(); got != want || want != `db."My Schema"."t"` {
		t.Errorf("RenderWith(nil) = %s, Render() = %s", got, want)
	}
	// The building blocks render relations and columns with their quoting.
	s := StandardSQL{Quote: bt}
	if got := s.InsertInto(r, Relation{Identifier: "tmp"}, []Column{{Name: "a"}}); strings.Contains(got, `"`) || !strings.Contains(got, "db.`My Schema`.`t` (`a`)") {
		t.Errorf("InsertInto: %s", got)
	}
}

func TestUnquote(t *testing.T) {
	bt := backtickDialect{}
	for _, c := range []struct {
		d        Dialect
		in, want string
	}{
		{nil, `"Col"`, "Col"},
		{nil, ` "a""b" `, `a"b`},
		{nil, "`Col`", "`Col`"},
		{nil, "plain", "plain"},
		{nil, `"`, `"`},
		{bt, "`Col`", "Col"},
		{bt, "`a``b`", "a`b"},
		{bt, `"Col"`, `"Col"`},
	} {
		if got := Unquote(c.d, c.in); got != c.want {
			t.Errorf("Unquote(%v, %q) = %q, want %q", c.d, c.in, got, c.want)
		}
	}
}

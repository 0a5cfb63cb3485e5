package project

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/internal/diag"
)

// ValuePos maps a place inside a YAML string value to its place in the YAML
// file. Jinja in a description, a config value or a test argument is
// rendered on its own, so its errors are positioned in the value's text
// (line 1 is the value's first line); the user needs the file's line.
//
// src is the YAML file, anchor the position of the value, its key or the
// entry it belongs to (the value is searched from there on), value the
// string as parsed, and line, col the 1-based place in value (col in
// characters). The value's lines are located in order, which is exact for
// plain and quoted one-line values and for literal (|) blocks; for folded
// (>) or multi-line plain values the text at the place is searched instead.
// When nothing matches (escapes in a quoted value) the anchor is returned.
func ValuePos(src []byte, anchor diag.Pos, value string, line, col int) diag.Pos {
	lines := strings.Split(string(src), "\n")
	vlines := strings.Split(value, "\n")
	if line < 1 || line > len(vlines) || anchor.Line < 1 || anchor.Line > len(lines) {
		return anchor
	}
	col = max(col, 1)
	first := anchor.Line - 1
	// Values start on the anchor's line or below it; a value is at most a
	// few lines longer in the file than in text (folding), plus the lines
	// between an entry's start and the key holding the value.
	limit := min(len(lines), first+2*len(vlines)+40)
	at := func(i int) (string, int) { // line i from where the value can start
		s := strings.TrimRight(lines[i], "\r")
		if i == first {
			off := min(max(anchor.Col-1, 0), len(s))
			return s[off:], off
		}
		return s, 0
	}
	pos := func(i, byteOff, runeCol int) diag.Pos {
		s := strings.TrimRight(lines[i], "\r")
		return diag.Pos{File: anchor.File, Line: i + 1, Col: utf8.RuneCountInString(s[:byteOff]) + runeCol}
	}

	// Exact: every value line up to the wanted one, in order.
	i := first
	for k := 0; k < line && i < limit; k++ {
		want := strings.TrimRight(vlines[k], " \t")
		if want == "" && k < line-1 {
			continue
		}
		found := false
		for ; i < limit; i++ {
			s, off := at(i)
			if j := strings.Index(s, want); j >= 0 {
				if k == line-1 {
					return pos(i, off+j, col)
				}
				found = true
				i++
				break
			}
		}
		if !found {
			break
		}
	}

	// Folded: the text from the place on, shortened word by word.
	rest := []rune(vlines[line-1])
	if col-1 >= len(rest) {
		return anchor
	}
	words := strings.Fields(string(rest[col-1:]))
	for n := len(words); n > 0; n-- {
		snippet := strings.Join(words[:n], " ")
		if len(snippet) < 2 {
			break
		}
		for i := first; i < limit; i++ {
			s, off := at(i)
			if j := strings.Index(s, snippet); j >= 0 {
				return pos(i, off+j, 1)
			}
		}
	}
	return anchor
}

// inValue is implemented by render errors that know their place in the
// rendered text (*jinja.Error, without importing it).
type inValue interface {
	ValuePlace() (line, col int, msg string)
}

// errorAtValue reports an error at a place inside the string value of n,
// mapped to the file's line and column, quoting that line.
func (d *ydoc) errorAtValue(n *ynode, value string, line, col int, format string, args ...any) {
	p := ValuePos(d.src, d.pos(n), value, line, col)
	x := diag.Errorf(p, "render", format, args...)
	if l, ok := sourceLine(d.src, p.Line); ok && strings.TrimSpace(l) != "" {
		x.Notes = []string{fmt.Sprintf("%4d | %s", p.Line, l)}
	}
	x.Suggestion = "fix the Jinja in this value"
	d.diags = append(d.diags, x)
}

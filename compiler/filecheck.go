package compiler

// Checks on a source file's bytes before it is parsed: kiln (like dbt)
// reads project files as UTF-8, and a file saved in another encoding
// otherwise fails later with a database parser error about the compiled
// query ("Invalid UTF-8 in query"), far from the file and line.

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// notUTF8 returns an error diagnostic at the first byte of f that is not
// UTF-8, or nil.
func notUTF8(p *project.Project, f project.File) *diag.Diagnostic {
	if utf8.Valid(f.Content) {
		return nil
	}
	c := f.Content
	off := 0
	for off < len(c) {
		r, size := utf8.DecodeRune(c[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	line := bytes.Count(c[:off], []byte("\n")) + 1
	col := utf8.RuneCount(c[bytes.LastIndexByte(c[:off], '\n')+1:off]) + 1
	shown := p.Shown(f.Path)
	d := diag.Errorf(diag.Pos{File: shown, Line: line, Col: col}, "encoding",
		"byte 0x%02x is not UTF-8; kiln reads project files as UTF-8", c[off])
	d.Suggestion = fmt.Sprintf("save %s as UTF-8 (e.g. iconv -f latin1 -t utf-8)", shown)
	return &d
}

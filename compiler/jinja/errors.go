package jinja

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/nikolalohinski/gonja/v2/parser"

	"github.com/kiln-dev/kiln/internal/diag"
)

// Error is a positioned template error: a syntax error, an error raised by
// the template (exceptions.raise_compiler_error), an undefined macro, or an
// error returned by a Resolver callback (kept in Err so errors.As/Is reach
// it).
type Error struct {
	Path       string
	Line, Col  int
	Msg        string
	SourceLine string
	// Err is the underlying error when the failure came from Go code (a
	// Resolver callback, the connection); nil for template-level errors.
	Err error
	// Trace lists the call sites the error propagated through, innermost
	// first, e.g. "in macro shop.cents, called from models/orders.sql:3:8".
	Trace []string
	// From is the outermost macro call site, in the template being
	// rendered (zero when the error is in that template itself): what a
	// caller names when it says which node was rendering.
	From diag.Pos
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if s := strings.TrimSpace(e.SourceLine); s != "" {
		b.WriteString("\n    ")
		b.WriteString(s)
	}
	for _, t := range e.Trace {
		b.WriteString("\n    ")
		b.WriteString(t)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ValuePlace is where in the rendered text the error is (1-based line and
// column, 0 when unknown) and its message without that place: what a
// caller that rendered a string from a YAML file needs to point at the
// file's own line (project.ValuePos).
func (e *Error) ValuePlace() (line, col int, msg string) { return e.Line, e.Col, e.Msg }

// lineOf returns the 1-based line of src (without the newline).
func lineOf(src string, line int) string {
	if line <= 0 {
		return ""
	}
	start := 0
	for i := 1; i < line; i++ {
		j := strings.IndexByte(src[start:], '\n')
		if j < 0 {
			return ""
		}
		start += j + 1
	}
	end := strings.IndexByte(src[start:], '\n')
	if end < 0 {
		return src[start:]
	}
	return src[start : start+end]
}

func newError(path, src string, line, col int, msg string, cause error) *Error {
	return &Error{Path: path, Line: line, Col: col, Msg: msg, SourceLine: lineOf(src, line), Err: cause}
}

// syntaxError converts a gonja parse failure to an *Error.
func syntaxError(path, src string, err error) *Error {
	var le *lexError
	if errors.As(err, &le) {
		return newError(path, src, le.line, le.col, "syntax error: "+le.msg, nil)
	}
	var pe *positionedErr
	if errors.As(err, &pe) {
		return newError(path, src, pe.line, pe.col, "syntax error: "+pe.msg, nil)
	}
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		msg := se.Message
		if m := unknownTagRE.FindStringSubmatch(msg); m != nil {
			msg = unknownTagMessage(m[1])
			return newError(path, src, se.Line, se.Column, "syntax error: "+msg, nil)
		}
		if se.Raw != "" && !strings.Contains(msg, se.Raw) {
			msg += fmt.Sprintf(" (near %q)", se.Raw)
		}
		return newError(path, src, se.Line, se.Column, "syntax error: "+msg, nil)
	}
	return newError(path, src, 0, 0, "syntax error: "+err.Error(), nil)
}

// positionedErr is raised by our own statement parsers.
type positionedErr struct {
	msg       string
	line, col int
}

func (e *positionedErr) Error() string { return e.msg }

// returnSignal carries a macro's return(x) value up to the macro call.
type returnSignal struct{ val any }

func (*returnSignal) Error() string { return "return() called outside of a macro" }

// loopSignal implements {% break %} / {% continue %}.
type loopSignal struct{ brk bool }

func (l *loopSignal) Error() string {
	if l.brk {
		return "'break' outside of a loop"
	}
	return "'continue' outside of a loop"
}

var unknownTagRE = regexp.MustCompile(`^ControlStructure '([^']*)' not found`)

// unknownTagMessage explains a tag kiln (and dbt) cannot run.
func unknownTagMessage(name string) string {
	switch name {
	case "include", "import", "from", "extends", "block":
		return fmt.Sprintf("'{%% %s %%}' is not supported: dbt renders every file on its own, without a template loader, so templates cannot include or import each other; put the shared Jinja in a macro under macros/ and call it (macros are visible from every file)", name)
	}
	if strings.HasPrefix(name, "end") {
		if _, ok := statements[strings.TrimPrefix(name, "end")]; ok {
			return fmt.Sprintf("'{%% %s %%}' has no matching '{%% %s %%}' before it", name, strings.TrimPrefix(name, "end"))
		}
	}
	if name == "elif" || name == "else" {
		return fmt.Sprintf("'{%% %s %%}' outside of an 'if' or 'for' block", name)
	}
	names := make([]string, 0, len(statements))
	for k := range statements {
		if k != outputTag {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	msg := fmt.Sprintf("unknown tag '{%% %s %%}'", name)
	if s := diag.Suggest(name, names); s != "" {
		msg += fmt.Sprintf(" — did you mean '%s'?", s)
	}
	return msg
}

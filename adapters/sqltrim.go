package adapters

import "strings"

// TrimStatement returns a query without what may follow its last token:
// whitespace, semicolons and comments (`-- ...`, `/* ... */`), so that it
// can be wrapped in parentheses (`create table t as (...)`, `select * from
// (...) limit 5`). "select 1; -- done" would otherwise leave a semicolon, or
// a comment swallowing the closing parenthesis, inside them. Strings,
// quoted identifiers and dollar-quoted bodies are skipped while scanning, so
// a `--` or `;` inside them is kept. Every adapter and every wrapper uses
// this one helper, so a model builds the same way on every warehouse.
func TrimStatement(q string) string {
	end := 0 // end of the last significant token
	scanSQL(q, func(k sqlSpan, _, e int) {
		if k == spanCode || k == spanOpen {
			end = e
		}
	})
	return strings.TrimSpace(q[:end])
}

// sqlSpan is the kind of a stretch of SQL text scanSQL reports.
type sqlSpan uint8

const (
	spanCode      sqlSpan = iota // significant text; a whole string, quoted identifier or dollar body is one span
	spanBlank                    // whitespace
	spanComment                  // `-- ...` (with its newline) or `/* ... */`
	spanSemicolon                // a statement separator
	spanOpen                     // a string, comment or body that never closes: the rest of the text, kept as is
)

// scanSQL is the one SQL scanner TrimStatement and SplitStatements share:
// it calls fn for consecutive spans [start, end) covering q, so a `--` or
// `;` inside a string, quoted identifier, comment or dollar-quoted body is
// never taken for a comment or a separator.
func scanSQL(q string, fn func(k sqlSpan, start, end int)) {
	for i := 0; i < len(q); {
		c := q[i]
		k, j := spanCode, i+1
		switch {
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			k, j = spanComment, len(q)
			if nl := strings.IndexByte(q[i:], '\n'); nl >= 0 {
				j = i + nl + 1
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			k, j = spanComment, skipBlockComment(q, i)
		case c == '\'' || c == '"':
			j = skipQuoted(q, i, c, c == '\'' && isEscapeString(q, i))
		case c == '$':
			if tag := dollarTag(q, i); tag != "" {
				if n := strings.Index(q[i+len(tag):], tag); n >= 0 {
					j = i + len(tag) + n + len(tag)
				} else {
					j = -1
				}
			}
		case c == ';':
			k = spanSemicolon
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			k = spanBlank
		}
		if j < 0 {
			fn(spanOpen, i, len(q)) // unterminated: let the warehouse say so
			return
		}
		fn(k, i, j)
		i = j
	}
}

// skipBlockComment returns the index after the comment opening at i
// (nested comments count, as in PostgreSQL), or -1 when it never closes.
func skipBlockComment(q string, i int) int {
	depth := 0
	for i < len(q)-1 {
		switch {
		case q[i] == '/' && q[i+1] == '*':
			depth++
			i += 2
		case q[i] == '*' && q[i+1] == '/':
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return -1
}

// skipQuoted returns the index after the string or identifier opening at i
// (a doubled quote continues it; with backslash, `\x` is one character).
func skipQuoted(q string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			if backslash {
				j++
			}
		case quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return -1
}

// isEscapeString reports PostgreSQL's E'...' strings, where backslash escapes.
func isEscapeString(q string, i int) bool {
	return i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !isIdentByte(q[i-2]))
}

// dollarTag returns `$tag$` (or `$$`) when a dollar-quoted body opens at i;
// a positional parameter such as `$1` is not one.
func dollarTag(q string, i int) string {
	if i > 0 && isIdentByte(q[i-1]) {
		return "" // part of an identifier (PostgreSQL allows $ inside names)
	}
	for j := i + 1; j < len(q); j++ {
		c := q[j]
		if c == '$' {
			return q[i : j+1]
		}
		if !isIdentByte(c) || (j == i+1 && c >= '0' && c <= '9') {
			return ""
		}
	}
	return ""
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// SplitStatements cuts a script into its statements at the semicolons
// outside strings, quoted identifiers, comments and dollar-quoted bodies,
// for warehouses whose protocol takes one statement per request (Trino).
// Each statement is trimmed as TrimStatement trims; empty ones (only
// comments or whitespace) are left out.
func SplitStatements(q string) []string {
	var out []string
	start, end := 0, 0 // the current statement, up to its last significant token
	flush := func() {
		if s := strings.TrimSpace(q[start:end]); s != "" {
			out = append(out, s)
		}
	}
	scanSQL(q, func(k sqlSpan, s, e int) {
		switch k {
		case spanCode, spanOpen:
			end = e
		case spanSemicolon:
			if end > start {
				flush()
			}
			start, end = e, e
		}
	})
	if end > start {
		flush()
	}
	return out
}

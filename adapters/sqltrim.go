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
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				i = len(q)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := skipBlockComment(q, i)
			if j < 0 {
				return strings.TrimSpace(q) // unterminated: let the warehouse say so
			}
			i = j
		case c == '\'' || c == '"':
			j := skipQuoted(q, i, c, c == '\'' && isEscapeString(q, i))
			if j < 0 {
				return strings.TrimSpace(q)
			}
			i, end = j, j
		case c == '$':
			if tag := dollarTag(q, i); tag != "" {
				j := strings.Index(q[i+len(tag):], tag)
				if j < 0 {
					return strings.TrimSpace(q)
				}
				i += len(tag) + j + len(tag)
				end = i
				continue
			}
			i++
			end = i
		case c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		default:
			i++
			end = i
		}
	}
	return strings.TrimSpace(q[:end])
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
	start := 0
	add := func(end int) {
		if s := TrimStatement(q[start:end]); s != "" {
			out = append(out, s)
		}
		start = end + 1
	}
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				i = len(q)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := skipBlockComment(q, i)
			if j < 0 {
				i = len(q)
			} else {
				i = j
			}
		case c == '\'' || c == '"':
			j := skipQuoted(q, i, c, c == '\'' && isEscapeString(q, i))
			if j < 0 {
				i = len(q)
			} else {
				i = j
			}
		case c == '$':
			if tag := dollarTag(q, i); tag != "" {
				if j := strings.Index(q[i+len(tag):], tag); j >= 0 {
					i += len(tag) + j + len(tag)
					continue
				}
				i = len(q)
				continue
			}
			i++
		case c == ';':
			add(i)
			i++
		default:
			i++
		}
	}
	if start < len(q) {
		add(len(q))
	}
	return out
}

package jinja

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/tokens"
)

// lexer turns template source into gonja tokens. gonja's own lexer compiles
// regular expressions and pre-allocates a large token slab for every
// template, which dominates the parse cost of small models; this one is a
// single pass that also applies Jinja whitespace control ("{%-", "-%}")
// directly to the data tokens and decodes Python string escapes, so the
// parser sees plain Data tokens and already-unescaped strings.
type lexer struct {
	src    string
	pos    int
	line   int
	col    int // 1-based column of pos
	toks   []*tokens.Token
	slab   []tokens.Token
	trimNx bool // strip leading whitespace of the next data chunk
}

const (
	splatArgs   = "__kiln_star_args__"
	splatKwargs = "__kiln_star_kwargs__"
)

// lexError is a positioned lexing failure.
type lexError struct {
	msg       string
	line, col int
}

func (e *lexError) Error() string { return e.msg }

// normalizeSource applies Jinja's newline handling: CRLF/CR become LF and a
// single trailing newline is dropped (keep_trailing_newline=False).
func normalizeSource(src string) string {
	if strings.IndexByte(src, '\r') >= 0 {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	if strings.HasSuffix(src, "\n") {
		src = src[:len(src)-1]
	}
	return src
}

// origOffset maps an offset in normalizeSource(src) back to src: a "\r\n"
// pair, one character after normalizing, starts at its '\r'.
func origOffset(src string, pos int) int {
	if strings.IndexByte(src, '\r') < 0 {
		return min(pos, len(src))
	}
	i := 0
	for j := 0; j < pos && i < len(src); j++ {
		if src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
			i++
		}
		i++
	}
	return i
}

func lex(src string) ([]*tokens.Token, error) {
	l := &lexer{src: src, line: 1, col: 1}
	est := 16 + len(src)/12
	l.slab = make([]tokens.Token, 0, est)
	l.toks = make([]*tokens.Token, 0, est)
	if err := l.run(); err != nil {
		return nil, err
	}
	l.emit(tokens.EOF, "", len(src), l.line, l.col)
	return l.toks, nil
}

func (l *lexer) emit(typ tokens.Type, val string, pos, line, col int) {
	if len(l.slab) == cap(l.slab) {
		l.slab = make([]tokens.Token, 0, 64)
	}
	l.slab = append(l.slab, tokens.Token{Type: typ, Val: val, Pos: pos, Line: line, Col: col})
	l.toks = append(l.toks, &l.slab[len(l.slab)-1])
}

// advance moves pos to p, keeping line and column up to date.
func (l *lexer) advance(p int) {
	for i := l.pos; i < p; i++ {
		if l.src[i] == '\n' {
			l.line++
			l.col = 1
		} else if l.src[i] < 0x80 || l.src[i] >= 0xC0 {
			l.col++
		}
	}
	l.pos = p
}

func (l *lexer) errorf(format string, args ...any) error {
	return &lexError{msg: fmt.Sprintf(format, args...), line: l.line, col: l.col}
}

// findTagStart returns the index of the next "{{", "{%" or "{#" at or after i.
func (l *lexer) findTagStart(i int) int {
	for {
		j := strings.IndexByte(l.src[i:], '{')
		if j < 0 {
			return -1
		}
		j += i
		if j+1 < len(l.src) {
			switch l.src[j+1] {
			case '{', '%', '#':
				return j
			}
		}
		i = j + 1
	}
}

func (l *lexer) run() error {
	for l.pos < len(l.src) {
		start := l.findTagStart(l.pos)
		end := start
		if start < 0 {
			end = len(l.src)
		}
		data := l.src[l.pos:end]
		dataLine, dataCol, dataPos := l.line, l.col, l.pos
		// whitespace control of the tag that follows
		if start >= 0 && start+2 < len(l.src) && l.src[start+2] == '-' {
			data = strings.TrimRight(data, " \t\n\r")
		}
		if l.trimNx {
			trimmed := strings.TrimLeft(data, " \t\n\r")
			l.trimNx = false
			if len(trimmed) != len(data) {
				// keep the reported position at the first kept character
				skip := len(data) - len(trimmed)
				l.advance(l.pos + skip)
				dataLine, dataCol, dataPos = l.line, l.col, l.pos
			}
			data = trimmed
		}
		if data != "" {
			l.emit(tokens.Data, data, dataPos, dataLine, dataCol)
		}
		l.advance(end)
		if start < 0 {
			return nil
		}
		var err error
		switch l.src[start+1] {
		case '#':
			err = l.lexComment()
		case '{':
			err = l.lexTag(tokens.VariableBegin, tokens.VariableEnd, "}}")
		case '%':
			if l.isRawStart() {
				err = l.lexRaw()
			} else {
				err = l.lexTag(tokens.BlockBegin, tokens.BlockEnd, "%}")
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *lexer) lexComment() error {
	line, col := l.line, l.col
	i := strings.Index(l.src[l.pos+2:], "#}")
	if i < 0 {
		return &lexError{msg: "unclosed comment: missing '#}'", line: line, col: col}
	}
	endPos := l.pos + 2 + i
	if endPos > l.pos+2 && l.src[endPos-1] == '-' {
		l.trimNx = true
	}
	l.advance(endPos + 2)
	return nil
}

// isRawStart reports whether the block at pos is "{% raw %}".
func (l *lexer) isRawStart() bool {
	i := l.pos + 2
	if i < len(l.src) && (l.src[i] == '-' || l.src[i] == '+') {
		i++
	}
	for i < len(l.src) && isBlank(l.src[i]) {
		i++
	}
	if !strings.HasPrefix(l.src[i:], "raw") {
		return false
	}
	i += 3
	for i < len(l.src) && isBlank(l.src[i]) {
		i++
	}
	if i < len(l.src) && (l.src[i] == '-' || l.src[i] == '+') {
		i++
	}
	return strings.HasPrefix(l.src[i:], "%}")
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (l *lexer) lexRaw() error {
	line, col := l.line, l.col
	open := strings.Index(l.src[l.pos:], "%}")
	trimAfterOpen := l.src[l.pos+open-1] == '-'
	l.advance(l.pos + open + 2)
	// find {% endraw %}
	search := l.pos
	for {
		j := strings.Index(l.src[search:], "{%")
		if j < 0 {
			return &lexError{msg: "unclosed raw block: missing '{% endraw %}'", line: line, col: col}
		}
		j += search
		k := j + 2
		trimBefore := false
		if k < len(l.src) && (l.src[k] == '-' || l.src[k] == '+') {
			trimBefore = l.src[k] == '-'
			k++
		}
		for k < len(l.src) && isBlank(l.src[k]) {
			k++
		}
		if !strings.HasPrefix(l.src[k:], "endraw") {
			search = j + 2
			continue
		}
		k += len("endraw")
		for k < len(l.src) && isBlank(l.src[k]) {
			k++
		}
		trimAfter := false
		if k < len(l.src) && (l.src[k] == '-' || l.src[k] == '+') {
			trimAfter = l.src[k] == '-'
			k++
		}
		if !strings.HasPrefix(l.src[k:], "%}") {
			search = j + 2
			continue
		}
		body := l.src[l.pos:j]
		if trimAfterOpen {
			body = strings.TrimLeft(body, " \t\n\r")
		}
		if trimBefore {
			body = strings.TrimRight(body, " \t\n\r")
		}
		if body != "" {
			l.emit(tokens.Data, body, l.pos, l.line, l.col)
		}
		l.advance(k + 2)
		l.trimNx = trimAfter
		return nil
	}
}

var twoCharOps = map[string]tokens.Type{
	"==": tokens.Equals,
	"!=": tokens.Ne,
	">=": tokens.GreaterThanOrEqual,
	"<=": tokens.LowerThanOrEqual,
	"//": tokens.FloorDivision,
	"**": tokens.Power,
}

var oneCharOps = [128]tokens.Type{
	'+': tokens.Addition,
	'-': tokens.Subtraction,
	'*': tokens.Multiply,
	'/': tokens.Division,
	'%': tokens.Modulo,
	'~': tokens.Tilde,
	'|': tokens.Pipe,
	'.': tokens.Dot,
	',': tokens.Comma,
	':': tokens.Colon,
	'=': tokens.Assign,
	'<': tokens.LowerThan,
	'>': tokens.GreaterThan,
	'(': tokens.LeftParenthesis,
	')': tokens.RightParenthesis,
	'[': tokens.LeftBracket,
	']': tokens.RightBracket,
	'{': tokens.LeftBrace,
	'}': tokens.RightBrace,
	';': tokens.Semicolon,
}

// lexTag lexes "{{ ... }}" or "{% ... %}" starting at pos.
func (l *lexer) lexTag(beginType, endType tokens.Type, closer string) error {
	openLine, openCol := l.line, l.col
	begin := l.src[l.pos : l.pos+2]
	if beginType == tokens.VariableBegin {
		// "{{ x }}" becomes the statement "{% __kiln_output__ x %}" so
		// that our expression parser (parseOutput), not gonja's, reads it.
		l.emit(tokens.BlockBegin, begin, l.pos, l.line, l.col)
		l.emit(tokens.Name, outputTag, l.pos, l.line, l.col)
	} else {
		l.emit(beginType, begin, l.pos, l.line, l.col)
	}
	p := l.pos + 2
	if p < len(l.src) && (l.src[p] == '-' || l.src[p] == '+') {
		p++
	}
	l.advance(p)
	var stack []byte // open brackets
	for {
		// skip whitespace: Python's \s, so Unicode spaces (a non-breaking
		// space pasted from a document) too
		for l.pos < len(l.src) {
			if isBlank(l.src[l.pos]) {
				l.advance(l.pos + 1)
				continue
			}
			if r, size := utf8.DecodeRuneInString(l.src[l.pos:]); r >= 0x80 && unicode.IsSpace(r) {
				l.advance(l.pos + size)
				continue
			}
			break
		}
		if l.pos >= len(l.src) {
			kind := "'{{'"
			if beginType == tokens.BlockBegin {
				kind = "'{%'"
			}
			return &lexError{msg: fmt.Sprintf("unexpected end of template: %s opened here was never closed with '%s'", kind, closer), line: openLine, col: openCol}
		}
		rest := l.src[l.pos:]
		atCloser := strings.HasPrefix(rest, closer) || ((rest[0] == '-' || rest[0] == '+') && strings.HasPrefix(rest[1:], closer))
		if atCloser && len(stack) > 0 && !(closer == "}}" && stack[len(stack)-1] == '{' && rest[0] == '}') {
			return &lexError{msg: fmt.Sprintf("unexpected '%s': '%c' was not closed", closer, stack[len(stack)-1]), line: l.line, col: l.col}
		}
		if len(stack) == 0 {
			if atCloser {
				n := 2
				if rest[0] == '-' || rest[0] == '+' {
					if rest[0] == '-' {
						l.trimNx = true
					}
					n = 3
				}
				if endType == tokens.VariableEnd {
					endType = tokens.BlockEnd
				}
				l.emit(endType, closer, l.pos, l.line, l.col)
				l.advance(l.pos + n)
				return nil
			}
		}
		c := rest[0]
		line, col, pos := l.line, l.col, l.pos
		switch {
		case c == '\'' || c == '"':
			val, n, err := decodePyString(rest)
			if err != nil {
				return &lexError{msg: err.Error(), line: line, col: col}
			}
			l.emit(tokens.String, val, pos, line, col)
			l.advance(pos + n)
		case c >= '0' && c <= '9':
			n, isFloat := scanNumber(rest)
			typ := tokens.Integer
			if isFloat {
				typ = tokens.Float
			}
			l.emit(typ, rest[:n], pos, line, col)
			l.advance(pos + n)
		case c == '_' || c >= 0x80 || unicode.IsLetter(rune(c)):
			n := 0
			for n < len(rest) {
				r, size := utf8.DecodeRuneInString(rest[n:])
				if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
					n += size
					continue
				}
				break
			}
			if n == 0 {
				return &lexError{msg: fmt.Sprintf("unexpected character %q", rest[:1]), line: line, col: col}
			}
			word := rest[:n]
			typ := tokens.Name
			switch word {
			case "and":
				typ = tokens.And
			case "or":
				typ = tokens.Or
			case "not":
				typ = tokens.Not
			case "in":
				typ = tokens.In
			case "is":
				typ = tokens.Is
			}
			l.emit(typ, word, pos, line, col)
			l.advance(pos + n)
		default:
			// f(*args, **kwargs): become the keyword arguments
			// splatArgs=args / splatKwargs=kwargs, expanded at call time.
			if c == '*' && len(l.toks) > 0 && len(stack) > 0 && stack[len(stack)-1] == '(' {
				if prev := l.toks[len(l.toks)-1].Type; prev == tokens.LeftParenthesis || prev == tokens.Comma {
					name, n := splatArgs, 1
					if strings.HasPrefix(rest, "**") {
						name, n = splatKwargs, 2
					}
					l.emit(tokens.Name, name, pos, line, col)
					l.emit(tokens.Assign, "=", pos, line, col)
					l.advance(pos + n)
					continue
				}
			}
			if len(rest) >= 2 {
				if typ, ok := twoCharOps[rest[:2]]; ok {
					l.emit(typ, rest[:2], pos, line, col)
					l.advance(pos + 2)
					continue
				}
			}
			if c < 128 && oneCharOps[c] != 0 {
				switch c {
				case '(', '[', '{':
					stack = append(stack, c)
				case ')', ']', '}':
					want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
					if len(stack) == 0 || stack[len(stack)-1] != want {
						return &lexError{msg: fmt.Sprintf("unexpected '%c'", c), line: line, col: col}
					}
					stack = stack[:len(stack)-1]
				}
				l.emit(oneCharOps[c], rest[:1], pos, line, col)
				l.advance(pos + 1)
				continue
			}
			return &lexError{msg: fmt.Sprintf("unexpected character %q inside tag", rest[:1]), line: line, col: col}
		}
	}
}

func scanNumber(s string) (int, bool) {
	if len(s) > 2 && s[0] == '0' && strings.IndexByte("xXoObB", s[1]) >= 0 {
		n := 2
		for n < len(s) && (hexVal(s[n]) >= 0 || s[n] == '_') {
			n++
		}
		return n, false
	}
	n := 0
	isFloat := false
	for n < len(s) && (s[n] >= '0' && s[n] <= '9' || s[n] == '_') {
		n++
	}
	if n+1 < len(s) && s[n] == '.' && s[n+1] >= '0' && s[n+1] <= '9' {
		isFloat = true
		n++
		for n < len(s) && (s[n] >= '0' && s[n] <= '9' || s[n] == '_') {
			n++
		}
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m < len(s) && s[m] >= '0' && s[m] <= '9' {
			for m < len(s) && s[m] >= '0' && s[m] <= '9' {
				m++
			}
			n = m
			isFloat = true
		}
	}
	return n, isFloat
}

// decodePyString decodes a Python string literal at the start of s and
// returns the value encoded for gonja's string parser (which re-interprets
// backslashes: every literal backslash is doubled), plus the literal length.
func decodePyString(s string) (string, int, error) {
	quote := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		if c == quote {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		e := s[i+1]
		i += 2
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '\\':
			b.WriteByte('\\')
		case '\'', '"':
			b.WriteByte(e)
		case '\n':
			// line continuation
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+n <= len(s) {
				var r rune
				ok := true
				for _, h := range s[i : i+n] {
					d := hexVal(byte(h))
					if d < 0 {
						ok = false
						break
					}
					r = r*16 + rune(d)
				}
				if ok {
					b.WriteRune(r)
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		default:
			// Python keeps unknown escapes verbatim, e.g. '\d' in regexes.
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return "", 0, fmt.Errorf("unterminated string literal")
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

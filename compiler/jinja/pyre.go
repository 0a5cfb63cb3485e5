package jinja

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// modules.re: Python's re on regexp2, a backtracking engine (look-around,
// backreferences, verbose mode, possessive-free Perl syntax). A thin layer
// translates the Python-only spellings ((?P<name>...), (?P=name), \Z) and
// implements Python's API: flags, Pattern and Match objects, findall,
// finditer, sub/subn with \1 and \g<name>, split with groups, escape.

// Python's flag values.
const (
	reIgnoreCase = 2
	reLocale     = 4
	reMultiline  = 8
	reDotAll     = 16
	reUnicode    = 32
	reVerbose    = 64
	reASCII      = 256
)

// reFlag is a re.RegexFlag: an int that prints as re.IGNORECASE|...
type reFlag int

var reFlagNames = []struct {
	v    int
	name string
}{{reASCII, "ASCII"}, {reIgnoreCase, "IGNORECASE"}, {reLocale, "LOCALE"}, {reMultiline, "MULTILINE"},
	{reDotAll, "DOTALL"}, {reUnicode, "UNICODE"}, {reVerbose, "VERBOSE"}}

func (f reFlag) String() string {
	if f == 0 {
		return "re.NOFLAG"
	}
	var parts []string
	rest := int(f)
	for _, n := range reFlagNames {
		if rest&n.v != 0 {
			parts = append(parts, "re."+n.name)
			rest &^= n.v
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatInt(int64(rest), 16))
	}
	return strings.Join(parts, "|")
}
func (f reFlag) pyType() string { return "RegexFlag" }

// reMatchTimeout bounds one match: a pathological pattern fails with an
// error instead of hanging the build.
const reMatchTimeout = 10 * time.Second

type regexObj struct {
	re      *regexp2.Regexp
	pattern string
	flags   int
	names   map[string]int
	ngroups int
}

var reCache sync.Map

func compileRe(pattern string, flags int) (*regexObj, error) {
	key := strconv.Itoa(flags) + "\x00" + pattern
	if v, ok := reCache.Load(key); ok {
		return v.(*regexObj), nil
	}
	translated, inline := translatePyRe(pattern)
	flags |= inline
	re, err := regexp2.Compile(translated, reOptions(flags), regexp2.OptionMaintainCaptureOrder())
	if err != nil {
		return nil, errorf("invalid regular expression %s: %v", repr(pattern), err)
	}
	re.MatchTimeout = reMatchTimeout
	o := &regexObj{re: re, pattern: pattern, flags: flags | reUnicode, names: map[string]int{}}
	for _, n := range re.GetGroupNumbers() {
		if n > o.ngroups {
			o.ngroups = n
		}
		if name := re.GroupNameFromNumber(n); name != strconv.Itoa(n) {
			o.names[name] = n
		}
	}
	reCache.Store(key, o)
	return o, nil
}

func reOptions(flags int) regexp2.RegexOptions {
	opts := regexp2.None
	if flags&reIgnoreCase != 0 {
		opts |= regexp2.IgnoreCase
	}
	if flags&reMultiline != 0 {
		opts |= regexp2.Multiline
	}
	if flags&reDotAll != 0 {
		opts |= regexp2.Singleline
	}
	if flags&reVerbose != 0 {
		opts |= regexp2.IgnorePatternWhitespace
	}
	return opts
}

// translatePyRe rewrites Python-only syntax for regexp2 and returns the
// global inline flags ((?x) at the start) so they become options: Python
// applies them to the whole pattern.
func translatePyRe(p string) (string, int) {
	flags := 0
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			if !inClass && p[i+1] == 'Z' {
				b.WriteString(`\z`)
			} else {
				b.WriteByte(c)
				b.WriteByte(p[i+1])
			}
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// a ']' right after '[' or '[^' is a literal
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
			continue
		case strings.HasPrefix(p[i:], "(?P<"):
			b.WriteString("(?<")
			i += 3
			continue
		case strings.HasPrefix(p[i:], "(?P="):
			end := strings.IndexByte(p[i:], ')')
			if end > 0 {
				b.WriteString(`\k<` + p[i+4:i+end] + `>`)
				i += end
				continue
			}
		case c == '(' && i+2 < len(p) && p[i+1] == '?':
			// (?aiLmsux) global flags, (?aiLmsux-imsx:...) scoped ones
			j := i + 2
			for j < len(p) && strings.IndexByte("aiLmsux", p[j]) >= 0 {
				j++
			}
			if j > i+2 && j < len(p) && p[j] == ')' {
				for _, f := range p[i+2 : j] {
					flags |= map[rune]int{'a': reASCII, 'i': reIgnoreCase, 'L': reLocale, 'm': reMultiline,
						's': reDotAll, 'u': reUnicode, 'x': reVerbose}[f]
				}
				i = j
				continue
			}
			if j > i+2 && j < len(p) && (p[j] == ':' || p[j] == '-') {
				// scoped flags: drop the ones regexp2 does not know
				b.WriteString("(?")
				for _, f := range p[i+2 : j] {
					if strings.ContainsRune("imsx", f) {
						b.WriteRune(f)
					}
				}
				i = j - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String(), flags
}

func reFlags(a *callArgs, i int) int {
	switch f := a.argOr(i, "flags", 0).(type) {
	case reFlag:
		return int(f)
	default:
		n, _ := toInt(f)
		return n
	}
}

func patternArg(a *callArgs, flagsAt int) (*regexObj, error) {
	p := a.argOr(0, "pattern", "")
	if ro, ok := p.(*regexObj); ok {
		return ro, nil
	}
	if _, ok := p.(string); !ok {
		return nil, errorf("first argument must be string or compiled pattern")
	}
	return compileRe(p.(string), reFlags(a, flagsAt))
}

// matchObj is a re.Match.
type matchObj struct {
	o     *regexObj
	s     string
	runes []rune
	m     *regexp2.Match
}

func (o *regexObj) newMatch(s string, m *regexp2.Match) *matchObj {
	return &matchObj{o: o, s: s, runes: []rune(s), m: m}
}

func (m *matchObj) groupIndex(g any) (int, error) {
	switch x := g.(type) {
	case int:
		if x < 0 || x > m.o.ngroups {
			return 0, errorf("no such group")
		}
		return x, nil
	case bool:
		return boolInt(x), nil
	case string:
		if n, ok := m.o.names[x]; ok {
			return n, nil
		}
	}
	return 0, errorf("no such group")
}

// span is the group's (start, end) in code points, (-1, -1) when it did
// not take part.
func (m *matchObj) span(i int) (int, int) {
	grp := m.m.GroupByNumber(i)
	if grp == nil || len(grp.Captures) == 0 {
		return -1, -1
	}
	return grp.RuneIndex, grp.RuneIndex + grp.RuneLength
}

func (m *matchObj) group(i int, def any) any {
	s, e := m.span(i)
	if s < 0 {
		return def
	}
	return string(m.runes[s:e])
}

func (m *matchObj) truth() bool    { return true }
func (m *matchObj) pyType() string { return "re.Match" }
func (m *matchObj) String() string {
	s, e := m.span(0)
	return "<re.Match object; span=(" + strconv.Itoa(s) + ", " + strconv.Itoa(e) + "), match=" + repr(m.group(0, nil)) + ">"
}

func (m *matchObj) getItem(key any) (any, bool) {
	i, err := m.groupIndex(key)
	if err != nil {
		return nil, false
	}
	return m.group(i, nil), true
}

func (m *matchObj) getAttr(name string) (any, bool) {
	groupArg := func(a *callArgs) (int, error) { return m.groupIndex(a.argOr(0, "group", 0)) }
	switch name {
	case "group":
		return fn("group", func(_ *renderer, a *callArgs) (any, error) {
			if len(a.pos) <= 1 {
				i, err := groupArg(a)
				if err != nil {
					return nil, err
				}
				return m.group(i, nil), nil
			}
			out := make([]any, len(a.pos))
			for k, g := range a.pos {
				i, err := m.groupIndex(g)
				if err != nil {
					return nil, err
				}
				out[k] = m.group(i, nil)
			}
			return newTuple(out...), nil
		}), true
	case "groups":
		return fn("groups", func(_ *renderer, a *callArgs) (any, error) {
			def := a.argOr(0, "default", nil)
			out := make([]any, m.o.ngroups)
			for i := range out {
				out[i] = m.group(i+1, def)
			}
			return newTuple(out...), nil
		}), true
	case "groupdict":
		return fn("groupdict", func(_ *renderer, a *callArgs) (any, error) {
			def := a.argOr(0, "default", nil)
			d := newDict(len(m.o.names))
			for i := 1; i <= m.o.ngroups; i++ {
				for n, gi := range m.o.names {
					if gi == i {
						d.Set(n, m.group(i, def))
					}
				}
			}
			return d, nil
		}), true
	case "start", "end", "span":
		return fn(name, func(_ *renderer, a *callArgs) (any, error) {
			i, err := groupArg(a)
			if err != nil {
				return nil, err
			}
			s, e := m.span(i)
			switch name {
			case "start":
				return s, nil
			case "end":
				return e, nil
			}
			return newTuple(s, e), nil
		}), true
	case "expand":
		return fn("expand", func(_ *renderer, a *callArgs) (any, error) {
			return expandTemplate(m, toStr(a.argOr(0, "template", "")))
		}), true
	case "string":
		return m.s, true
	case "re":
		return m.o, true
	case "pos":
		return 0, true
	case "endpos":
		return len(m.runes), true
	case "lastindex", "lastgroup":
		last, lastEnd := -1, -1
		for i := 1; i <= m.o.ngroups; i++ {
			if _, e := m.span(i); e >= 0 && e >= lastEnd {
				// the group that closed last
				if e > lastEnd || i > last {
					last, lastEnd = i, e
				}
			}
		}
		if last < 0 {
			return nil, true
		}
		if name == "lastindex" {
			return last, true
		}
		for n, gi := range m.o.names {
			if gi == last {
				return n, true
			}
		}
		return nil, true
	}
	return nil, false
}

// expandTemplate is Python's replacement-template expansion: \1..\99,
// \g<n>, \g<name>, and the escapes \n \t \\ etc.
func expandTemplate(m *matchObj, t string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '\\' || i+1 >= len(t) {
			b.WriteByte(c)
			continue
		}
		n := t[i+1]
		switch {
		case n >= '1' && n <= '9':
			j := i + 2
			if j < len(t) && t[j] >= '0' && t[j] <= '9' {
				j++
			}
			g, _ := strconv.Atoi(t[i+1 : j])
			if g > m.o.ngroups {
				return "", errorf("invalid group reference %d at position %d", g, i+1)
			}
			b.WriteString(toStrOrEmpty(m.group(g, "")))
			i = j - 1
		case n == 'g':
			end := strings.IndexByte(t[i:], '>')
			if i+2 >= len(t) || t[i+2] != '<' || end < 0 {
				return "", errorf("missing < at position %d", i+2)
			}
			ref := t[i+3 : i+end]
			var gi int
			if k, err := strconv.Atoi(ref); err == nil {
				gi = k
			} else if k, ok := m.o.names[ref]; ok {
				gi = k
			} else {
				return "", errorf("unknown group name '%s'", ref)
			}
			if gi > m.o.ngroups {
				return "", errorf("invalid group reference %d", gi)
			}
			b.WriteString(toStrOrEmpty(m.group(gi, "")))
			i += end
		case n == '0':
			b.WriteByte(0)
			i++
		default:
			esc := map[byte]string{'n': "\n", 't': "\t", 'r': "\r", 'f': "\f", 'v': "\v", 'a': "\a", 'b': "\b", '\\': `\`}
			if e, ok := esc[n]; ok {
				b.WriteString(e)
			} else if (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z') {
				return "", errorf("bad escape \\%c at position %d", n, i)
			} else {
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			i++
		}
	}
	return b.String(), nil
}

func toStrOrEmpty(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// matches returns every non-overlapping match, Python 3.7+'s way (an empty
// match may follow a non-empty one).
func (o *regexObj) matches(s string, limit int) ([]*matchObj, error) {
	var out []*matchObj
	m, err := o.re.FindStringMatch(s)
	for err == nil && m != nil && (limit <= 0 || len(out) < limit) {
		out = append(out, o.newMatch(s, m))
		m, err = o.re.FindNextMatch(m)
	}
	if err != nil {
		return nil, errorf("regular expression %s: %v", repr(o.pattern), err)
	}
	return out, nil
}

func (o *regexObj) search(s string, mode string) (any, error) {
	re := o.re
	if mode == "fullmatch" {
		full, err := o.anchored(`\A(?:`, `)\z`)
		if err != nil {
			return nil, err
		}
		re = full
	}
	m, err := re.FindStringMatch(s)
	if err != nil {
		return nil, errorf("regular expression %s: %v", repr(o.pattern), err)
	}
	if m == nil || (mode == "match" && m.RuneIndex != 0) {
		return nil, nil
	}
	return o.newMatch(s, m), nil
}

// anchored compiles the pattern wrapped in pre...post (for fullmatch); a
// verbose pattern's trailing comment must not swallow the wrapper.
func (o *regexObj) anchored(pre, post string) (*regexp2.Regexp, error) {
	key := pre + "\x00" + post
	if v, ok := o.variants().Load(key); ok {
		return v.(*regexp2.Regexp), nil
	}
	translated, _ := translatePyRe(o.pattern)
	if o.flags&reVerbose != 0 {
		post = "\n" + post
	}
	re, err := regexp2.Compile(pre+translated+post, reOptions(o.flags), regexp2.OptionMaintainCaptureOrder())
	if err != nil {
		return nil, errorf("invalid regular expression %s: %v", repr(o.pattern), err)
	}
	re.MatchTimeout = reMatchTimeout
	o.variants().Store(key, re)
	return re, nil
}

var reVariants sync.Map // *regexObj → *sync.Map

func (o *regexObj) variants() *sync.Map {
	v, _ := reVariants.LoadOrStore(o, &sync.Map{})
	return v.(*sync.Map)
}

func (o *regexObj) findall(s string) (any, error) {
	ms, err := o.matches(s, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(ms))
	for _, m := range ms {
		switch o.ngroups {
		case 0:
			out = append(out, m.group(0, ""))
		case 1:
			out = append(out, m.group(1, ""))
		default:
			t := make([]any, o.ngroups)
			for i := range t {
				t[i] = m.group(i+1, "")
			}
			out = append(out, newTuple(t...))
		}
	}
	return &List{Items: out}, nil
}

func (o *regexObj) finditer(s string) (any, error) {
	ms, err := o.matches(s, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return &List{Items: out}, nil
}

func (o *regexObj) sub(r *renderer, repl any, s string, count int) (string, int, error) {
	ms, err := o.matches(s, count)
	if err != nil {
		return "", 0, err
	}
	rs := []rune(s)
	var b strings.Builder
	last := 0
	for _, m := range ms {
		st, e := m.span(0)
		b.WriteString(string(rs[last:st]))
		switch f := repl.(type) {
		case string:
			out, err := expandTemplate(m, f)
			if err != nil {
				return "", 0, err
			}
			b.WriteString(out)
		default:
			if r == nil {
				return "", 0, errorf("a function replacement needs a template context")
			}
			v, err := r.callValue(repl, &callArgs{pos: []any{m}})
			if err != nil {
				return "", 0, err
			}
			b.WriteString(toStr(v))
		}
		last = e
	}
	b.WriteString(string(rs[last:]))
	return b.String(), len(ms), nil
}

func (o *regexObj) split(s string, maxsplit int) (any, error) {
	ms, err := o.matches(s, maxsplit)
	if err != nil {
		return nil, err
	}
	rs := []rune(s)
	var out []any
	last := 0
	for _, m := range ms {
		st, e := m.span(0)
		out = append(out, string(rs[last:st]))
		for i := 1; i <= o.ngroups; i++ {
			out = append(out, m.group(i, nil))
		}
		last = e
	}
	out = append(out, string(rs[last:]))
	return &List{Items: out}, nil
}

func (o *regexObj) pyType() string { return "re.Pattern" }
func (o *regexObj) String() string {
	f := reFlag(o.flags &^ reUnicode)
	if f == 0 {
		return "re.compile(" + repr(o.pattern) + ")"
	}
	return "re.compile(" + repr(o.pattern) + ", " + f.String() + ")"
}

// reCall adapts the module functions and the Pattern methods: the module
// takes the pattern first, a Pattern method does not.
func (o *regexObj) getAttr(name string) (any, bool) {
	switch name {
	case "pattern":
		return o.pattern, true
	case "flags":
		return o.flags, true
	case "groups":
		return o.ngroups, true
	case "groupindex":
		d := newDict(len(o.names))
		for i := 1; i <= o.ngroups; i++ {
			for n, gi := range o.names {
				if gi == i {
					d.Set(n, i)
				}
			}
		}
		return d, true
	}
	if _, ok := reFuncs[name]; !ok {
		return nil, false
	}
	return fn(name, func(r *renderer, a *callArgs) (any, error) {
		return reFuncs[name](r, o, &callArgs{pos: a.pos, kw: a.kw})
	}), true
}

// reFuncs take the compiled pattern and the remaining arguments (string
// first) as Python's Pattern methods do.
var reFuncs = map[string]func(r *renderer, o *regexObj, a *callArgs) (any, error){
	"search": func(_ *renderer, o *regexObj, a *callArgs) (any, error) {
		return o.search(strArgOf(a, 0, "string"), "search")
	},
	"match": func(_ *renderer, o *regexObj, a *callArgs) (any, error) {
		return o.search(strArgOf(a, 0, "string"), "match")
	},
	"fullmatch": func(_ *renderer, o *regexObj, a *callArgs) (any, error) {
		return o.search(strArgOf(a, 0, "string"), "fullmatch")
	},
	"findall":  func(_ *renderer, o *regexObj, a *callArgs) (any, error) { return o.findall(strArgOf(a, 0, "string")) },
	"finditer": func(_ *renderer, o *regexObj, a *callArgs) (any, error) { return o.finditer(strArgOf(a, 0, "string")) },
	"sub": func(r *renderer, o *regexObj, a *callArgs) (any, error) {
		c, _ := toInt(a.argOr(2, "count", 0))
		s, _, err := o.sub(r, a.argOr(0, "repl", ""), strArgOf(a, 1, "string"), c)
		return s, err
	},
	"subn": func(r *renderer, o *regexObj, a *callArgs) (any, error) {
		c, _ := toInt(a.argOr(2, "count", 0))
		s, n, err := o.sub(r, a.argOr(0, "repl", ""), strArgOf(a, 1, "string"), c)
		if err != nil {
			return nil, err
		}
		return newTuple(s, n), nil
	},
	"split": func(_ *renderer, o *regexObj, a *callArgs) (any, error) {
		m, _ := toInt(a.argOr(1, "maxsplit", 0))
		return o.split(strArgOf(a, 0, "string"), m)
	},
}

func strArgOf(a *callArgs, i int, name string) string { return toStr(a.argOr(i, name, "")) }

// reModuleFunc is re.<name>(pattern, *args, flags=0).
func reModuleFunc(name string, flagsAt int) *Func {
	return fn("re."+name, func(r *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, flagsAt)
		if err != nil {
			return nil, err
		}
		rest := &callArgs{kw: map[string]any{}}
		if len(a.pos) > 1 {
			rest.pos = a.pos[1:]
		}
		if len(rest.pos) > flagsAt-1 {
			rest.pos = rest.pos[:flagsAt-1]
		}
		for k, v := range a.kw {
			if k != "flags" && k != "pattern" {
				rest.kw[k] = v
			}
		}
		return reFuncs[name](r, o, rest)
	})
}

// reEscape is re.escape: Python 3.7+ escapes only the special characters.
func reEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var reModule = &objAttrs{name: "re", attrs: map[string]any{
	"A": reFlag(reASCII), "ASCII": reFlag(reASCII),
	"I": reFlag(reIgnoreCase), "IGNORECASE": reFlag(reIgnoreCase),
	"L": reFlag(reLocale), "LOCALE": reFlag(reLocale),
	"M": reFlag(reMultiline), "MULTILINE": reFlag(reMultiline),
	"S": reFlag(reDotAll), "DOTALL": reFlag(reDotAll),
	"U": reFlag(reUnicode), "UNICODE": reFlag(reUnicode),
	"X": reFlag(reVerbose), "VERBOSE": reFlag(reVerbose),
	"NOFLAG": reFlag(0),
	"compile": fn("re.compile", func(_ *renderer, a *callArgs) (any, error) {
		return patternArg(a, 1)
	}),
	"search":    reModuleFunc("search", 2),
	"match":     reModuleFunc("match", 2),
	"fullmatch": reModuleFunc("fullmatch", 2),
	"findall":   reModuleFunc("findall", 2),
	"finditer":  reModuleFunc("finditer", 2),
	"sub":       reModuleFunc("sub", 4),
	"subn":      reModuleFunc("subn", 4),
	"split":     reModuleFunc("split", 3),
	"escape": fn("re.escape", func(_ *renderer, a *callArgs) (any, error) {
		return reEscape(toStr(a.argOr(0, "pattern", ""))), nil
	}),
	"purge": fn("re.purge", func(_ *renderer, _ *callArgs) (any, error) { return nil, nil }),
}}

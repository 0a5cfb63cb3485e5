// Wildcard matching with Python fnmatch semantics (what dbt uses) and
// pathlib-style globbing for path: selectors.
//
// fnmatch: '*' matches any run (including '/' and '.'), '?' one character,
// '[seq]' / '[!seq]' a character class where a leading ']' is literal and
// ranges use '-'; an unterminated '[' is a literal. Backslash is not an
// escape. Matching is case-sensitive (POSIX normcase is the identity).

package selector

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokLit   tokKind = iota
	tokAny           // ?
	tokStar          // *
	tokClass         // [...]
)

type token struct {
	kind   tokKind
	r      rune
	neg    bool
	ranges []rune // pairs lo, hi
}

// pattern is a compiled fnmatch pattern. Patterns without wildcards compare
// by string equality.
type pattern struct {
	src     string
	literal bool
	toks    []token
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

func compile(p string) *pattern {
	pt := &pattern{src: p}
	if !hasWildcard(p) {
		pt.literal = true
		return pt
	}
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			if n := len(pt.toks); n == 0 || pt.toks[n-1].kind != tokStar {
				pt.toks = append(pt.toks, token{kind: tokStar})
			}
		case '?':
			pt.toks = append(pt.toks, token{kind: tokAny})
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) { // unterminated: literal '['
				pt.toks = append(pt.toks, token{kind: tokLit, r: '['})
				continue
			}
			t := token{kind: tokClass}
			k := i + 1
			if rs[k] == '!' {
				t.neg = true
				k++
			}
			for first := true; k < j; first = false {
				lo := rs[k]
				if lo == ']' && !first {
					break
				}
				if k+2 < j && rs[k+1] == '-' {
					t.ranges = append(t.ranges, lo, rs[k+2])
					k += 3
				} else {
					t.ranges = append(t.ranges, lo, lo)
					k++
				}
			}
			pt.toks = append(pt.toks, t)
			i = j
		default:
			pt.toks = append(pt.toks, token{kind: tokLit, r: rs[i]})
		}
	}
	return pt
}

func (t *token) one(r rune) bool {
	switch t.kind {
	case tokLit:
		return r == t.r
	case tokAny:
		return true
	case tokClass:
		in := false
		for k := 0; k < len(t.ranges); k += 2 {
			if t.ranges[k] <= r && r <= t.ranges[k+1] {
				in = true
				break
			}
		}
		return in != t.neg
	}
	return false
}

// match reports whether s matches the whole pattern. Single-star
// backtracking suffices because every other token consumes one rune.
func (p *pattern) match(s string) bool {
	if p.literal {
		return s == p.src
	}
	ti, si := 0, 0
	star, starS := -1, 0
	for si < len(s) || ti < len(p.toks) {
		if ti < len(p.toks) {
			t := &p.toks[ti]
			if t.kind == tokStar {
				star, starS = ti, si
				ti++
				continue
			}
			if si < len(s) {
				r, size := utf8.DecodeRuneInString(s[si:])
				if t.one(r) {
					ti++
					si += size
					continue
				}
			}
		}
		if star < 0 || starS >= len(s) {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starS:])
		starS += size
		ti, si = star+1, starS
	}
	return true
}

// fnmatch is a one-off convenience for tests.
func fnmatch(name, pat string) bool { return compile(pat).match(name) }

// globPath is a compiled slash-separated pattern where "**" matches zero or
// more directories (pathlib semantics) and other segments use fnmatch.
type globPath struct {
	segs []*pattern // nil entry = "**"
}

func compileGlob(p string) *globPath {
	g := &globPath{}
	for _, s := range strings.Split(p, "/") {
		if s == "**" {
			if n := len(g.segs); n > 0 && g.segs[n-1] == nil {
				continue // "**/**" is the same as "**"
			}
			g.segs = append(g.segs, nil)
		} else {
			g.segs = append(g.segs, compile(s))
		}
	}
	return g
}

// match runs a DP over (pattern segment, path part) so "**" cannot cause
// exponential backtracking: ok[j] means parts[j:] matches segs[i:].
func (g *globPath) match(parts []string) bool {
	n := len(parts)
	ok := make([]bool, n+1)
	ok[n] = true // empty pattern matches only the empty tail
	for i := len(g.segs) - 1; i >= 0; i-- {
		seg := g.segs[i]
		if seg == nil {
			// "**" matches zero or more parts: ok'[j] = ok[j] || ok'[j+1].
			for j := n - 1; j >= 0; j-- {
				ok[j] = ok[j] || ok[j+1]
			}
			continue
		}
		for j := 0; j < n; j++ {
			ok[j] = ok[j+1] && seg.match(parts[j])
		}
		ok[n] = false
	}
	return ok[0]
}

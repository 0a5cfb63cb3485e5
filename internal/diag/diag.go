// Package diag holds positioned user-facing diagnostics: problems in a
// project (bad YAML, unknown refs, cycles, ...) as opposed to operational Go
// errors. Diagnostics are collected, sorted and reported together so that
// one run shows every problem, in a stable order even when produced in
// parallel.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Pos is a place in a project file. Line and Col are 1-based; 0 means unknown.
type Pos struct {
	File string // path relative to the project root, slash-separated
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Diagnostic is one problem found in the user's project.
type Diagnostic struct {
	Severity   Severity
	Code       string // short stable identifier, e.g. "unknown-ref"
	Pos        Pos
	Message    string
	Notes      []string // extra lines: the offending source line, a cycle path, ...
	Suggestion string   // what to do, e.g. "did you mean 'orders'?"
}

func (d Diagnostic) Error() string { return d.String() }

// String renders "file:line:col: error: message — suggestion" plus notes.
func (d Diagnostic) String() string {
	var b strings.Builder
	if p := d.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Message)
	if d.Suggestion != "" {
		b.WriteString(" — ")
		b.WriteString(d.Suggestion)
	}
	for _, n := range d.Notes {
		b.WriteString("\n    ")
		b.WriteString(strings.ReplaceAll(n, "\n", "\n    "))
	}
	return b.String()
}

// Errorf builds an error diagnostic.
func Errorf(pos Pos, code, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Code: code, Pos: pos, Message: fmt.Sprintf(format, args...)}
}

// Warnf builds a warning diagnostic.
func Warnf(pos Pos, code, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Warning, Code: code, Pos: pos, Message: fmt.Sprintf(format, args...)}
}

// List is a collection of diagnostics. It implements error so a parse that
// failed can return all its problems at once.
type List []Diagnostic

func (l List) Error() string {
	parts := make([]string, len(l))
	for i, d := range l {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// Sort orders by file, line, column, then message, so output is deterministic.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Message < b.Message
	})
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (l List) Errors() List { return l.filter(Error) }

// Warnings returns only the warnings.
func (l List) Warnings() List { return l.filter(Warning) }

func (l List) filter(s Severity) List {
	var out List
	for _, d := range l {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Suggest returns the candidate closest to word, or "" when none is close
// enough to be a plausible typo (edit distance at most a third of the word,
// minimum 1, or a case-insensitive match).
func Suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	limit := len(word) / 3
	if limit < 1 {
		limit = 1
	}
	lw := strings.ToLower(word)
	for _, c := range candidates {
		if c == word {
			continue
		}
		if strings.ToLower(c) == lw {
			return c
		}
		d := levenshtein(lw, strings.ToLower(c))
		if d <= limit && (bestDist < 0 || d < bestDist || (d == bestDist && c < best)) {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean formats Suggest's result as "did you mean 'x'?" or "".
func DidYouMean(word string, candidates []string) string {
	if s := Suggest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean '%s'?", s)
	}
	return ""
}

// levenshtein is the edit distance with adjacent transpositions counting
// as one edit (optimal string alignment), so that the commonest typo,
// swapped letters ("tabel" for "table"), is one edit and not two.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

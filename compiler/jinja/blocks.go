package jinja

import (
	"fmt"
	"regexp"
	"strings"
)

// DocBlock is a {% docs name %}...{% enddocs %} block.
type DocBlock struct {
	Name     string
	Contents string
	Line     int
}

// SnapshotBlock is a {% snapshot name %}...{% endsnapshot %} block; Body is
// the raw Jinja between the tags (parse it with Env.Parse).
type SnapshotBlock struct {
	Name string
	Body string
	Line int
}

var (
	docsOpen     = regexp.MustCompile(`\{%-?\s*docs\s+([^\s%-][^%]*?)\s*-?%\}`)
	docsClose    = regexp.MustCompile(`\{%-?\s*enddocs\s*-?%\}`)
	snapshotOpen = regexp.MustCompile(`\{%-?\s*snapshot\s+([^\s%-][^%]*?)\s*-?%\}`)
	snapClose    = regexp.MustCompile(`\{%-?\s*endsnapshot\s*-?%\}`)
	identRe      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

type rawBlock struct {
	name, body string
	line       int
}

// scanBlocks finds top-level open/close tag pairs. Whitespace control on
// the tags trims the body as Jinja would.
func scanBlocks(path, src, kind string, open, close *regexp.Regexp) ([]rawBlock, error) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	var out []rawBlock
	pos := 0
	for {
		loc := open.FindStringSubmatchIndex(src[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		name := strings.TrimSpace(src[pos+loc[2] : pos+loc[3]])
		line := strings.Count(src[:start], "\n") + 1
		if !identRe.MatchString(name) {
			return nil, newError(path, src, line, 0, fmt.Sprintf("invalid %s block name %q: expected an identifier", kind, name), nil)
		}
		cl := close.FindStringIndex(src[end:])
		if cl == nil {
			return nil, newError(path, src, line, 0, fmt.Sprintf("unclosed '%s' block '%s': expected '{%% end%s %%}'", kind, name, kind), nil)
		}
		cStart, cEnd := end+cl[0], end+cl[1]
		body := src[end:cStart]
		if nested := open.FindStringIndex(body); nested != nil {
			nline := strings.Count(src[:end+nested[0]], "\n") + 1
			return nil, newError(path, src, nline, 0, fmt.Sprintf("'%s' blocks cannot be nested", kind), nil)
		}
		if strings.HasSuffix(src[start:end], "-%}") {
			body = strings.TrimLeft(body, " \t\n\r")
		}
		if strings.HasPrefix(src[cStart:cEnd], "{%-") {
			body = strings.TrimRight(body, " \t\n\r")
		}
		out = append(out, rawBlock{name: name, body: body, line: line})
		pos = cEnd
	}
	if loc := close.FindStringIndex(src[pos:]); loc != nil {
		line := strings.Count(src[:pos+loc[0]], "\n") + 1
		return nil, newError(path, src, line, 0, fmt.Sprintf("'end%s' without a matching '%s' block", kind, kind), nil)
	}
	return out, nil
}

// ParseDocs scans a docs file for {% docs name %}...{% enddocs %} blocks.
func ParseDocs(path, src string) ([]DocBlock, error) {
	raw, err := scanBlocks(path, src, "docs", docsOpen, docsClose)
	if err != nil {
		return nil, err
	}
	out := make([]DocBlock, len(raw))
	for i, b := range raw {
		out[i] = DocBlock{Name: b.name, Contents: strings.TrimSpace(b.body), Line: b.line}
	}
	return out, nil
}

// ParseSnapshots scans a snapshot file for {% snapshot name %}...{% endsnapshot %} blocks.
func ParseSnapshots(path, src string) ([]SnapshotBlock, error) {
	raw, err := scanBlocks(path, src, "snapshot", snapshotOpen, snapClose)
	if err != nil {
		return nil, err
	}
	out := make([]SnapshotBlock, len(raw))
	for i, b := range raw {
		out[i] = SnapshotBlock{Name: b.name, Body: b.body, Line: b.line}
	}
	return out, nil
}

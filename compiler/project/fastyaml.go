package project

// A fast parser for the plain, block-style YAML that dbt projects are made
// of. yaml.v3 parses at roughly 12 MB/s, which dominates loading a large
// project; this parser handles the common subset several times faster and
// builds the same yaml.Node trees (kinds, styles, values, lines and
// columns), so everything downstream is unchanged.
//
// Invariant: fastParse either returns exactly what yaml.v3 would, or gives
// up (ok=false) and the caller parses with yaml.v3, which also produces the
// error messages. It gives up on anything outside the subset: tabs, CR,
// control or special Unicode characters, anchors, aliases, tags,
// directives, multiple documents, complex keys, multi-line plain, quoted
// or flow scalars, explicit block-scalar indentation, and any syntax
// error. FuzzFastYAML checks the invariant against yaml.v3.

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

type fline struct {
	start, end int  // byte offsets; end excludes the '\n'
	indent     int  // leading spaces
	blank      bool // only spaces, or a comment
	spaces     bool // only spaces (block scalars treat comments as content)
	ascii      bool
	nl         bool // terminated by '\n'
}

type fparser struct {
	src   []byte
	str   string // src as one string: scalar values are substrings of it (one allocation)
	lines []fline
	depth int
	// Nodes and child slices are carved out of slabs to keep allocations
	// (and GC work) low; children are collected on stack first.
	nodes []ynode
	ptrs  []*ynode
	stack []*ynode
}

func (p *fparser) node() *ynode {
	if len(p.nodes) == 0 {
		p.nodes = make([]ynode, 128)
	}
	n := &p.nodes[0]
	p.nodes = p.nodes[1:]
	return n
}

// children moves stack[mark:] into a right-sized slice.
func (p *fparser) children(mark int) []*ynode {
	k := len(p.stack) - mark
	if k > len(p.ptrs) {
		p.ptrs = make([]*ynode, max(1024, k))
	}
	out := p.ptrs[:k:k]
	p.ptrs = p.ptrs[k:]
	copy(out, p.stack[mark:])
	clear(p.stack[mark:])
	p.stack = p.stack[:mark]
	return out
}

type bail struct{}

func (p *fparser) fail() { panic(bail{}) }

// fastParse returns the document's root node (nil for an empty document).
func fastParse(src []byte) (root *ynode, ok bool) {
	p := &fparser{src: src}
	if !p.scan() {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bail); !isBail {
				panic(r)
			}
			root, ok = nil, false
		}
	}()
	i := p.skipBlank(0)
	if i < len(p.lines) && p.isMarker(i, "---") {
		if p.restIsBlank(p.lines[i].start + 3) {
			i = p.skipBlank(i + 1)
			if i >= len(p.lines) {
				return nil, false // "---" alone is a null document
			}
		} else {
			return nil, false
		}
	}
	if i >= len(p.lines) {
		return nil, true
	}
	p.str = string(src)
	l := p.lines[i]
	off := l.start + l.indent
	var next int
	switch {
	case p.isSeqAt(i, off):
		root, next = p.sequence(i, l.indent)
	case p.isKeyAt(i, off):
		root, next = p.mapping(i, off, l.indent)
	default:
		return nil, false // a scalar document: not worth a fast path
	}
	if p.skipBlank(next) != len(p.lines) {
		return nil, false
	}
	return root, true
}

// scan splits lines and rejects input outside the subset.
func (p *fparser) scan() bool {
	src := p.src
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		return false
	}
	p.lines = make([]fline, 0, len(src)/24+1)
	start := 0
	for start < len(src) {
		l := fline{start: start, ascii: true}
		i := start
		for i < len(src) && src[i] == ' ' {
			i++
		}
		l.indent = i - start
		for ; i < len(src); i++ {
			c := src[i]
			if c == '\n' {
				break
			}
			if c < 0x20 || c == 0x7F {
				return false
			}
			if c >= 0x80 {
				l.ascii = false
				r, size := utf8.DecodeRune(src[i:])
				if r == utf8.RuneError || r == 0x85 || (r >= 0x80 && r <= 0x9F) || r == 0x2028 || r == 0x2029 ||
					r == 0xFEFF || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
					return false
				}
				i += size - 1
			}
		}
		l.end = i
		l.nl = i < len(src)
		first := start + l.indent
		l.spaces = first == l.end
		l.blank = l.spaces || src[first] == '#'
		if !l.blank && l.indent == 0 {
			// directives, document markers: not in the subset
			if src[first] == '%' || p.markerAt(first, l.end, "...") || (p.markerAt(first, l.end, "---") && len(p.lines) > 0 && !p.allBlank()) {
				return false
			}
		}
		p.lines = append(p.lines, l)
		start = i + 1
		if i >= len(src) {
			break
		}
	}
	return true
}

func (p *fparser) allBlank() bool {
	for _, l := range p.lines {
		if !l.blank {
			return false
		}
	}
	return true
}

func (p *fparser) markerAt(off, end int, m string) bool {
	return end-off >= 3 && string(p.src[off:off+3]) == m && (end-off == 3 || p.src[off+3] == ' ')
}

func (p *fparser) isMarker(i int, m string) bool {
	l := p.lines[i]
	return l.indent == 0 && p.markerAt(l.start, l.end, m)
}

func (p *fparser) skipBlank(i int) int {
	for i < len(p.lines) && p.lines[i].blank {
		i++
	}
	return i
}

// restIsBlank: only spaces, optionally then a comment, from off to EOL.
func (p *fparser) restIsBlank(off int) bool {
	l := p.lineOf(off)
	j := off
	for j < l.end && p.src[j] == ' ' {
		j++
	}
	return j == l.end || (p.src[j] == '#' && (j == off || p.src[j-1] == ' '))
}

// lineOf finds the line containing off (callers only use current lines).
func (p *fparser) lineOf(off int) fline {
	lo, hi := 0, len(p.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.lines[mid].start <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return p.lines[lo]
}

func (p *fparser) col(i, off int) int32 {
	l := p.lines[i]
	if l.ascii {
		return int32(off - l.start + 1)
	}
	return int32(utf8.RuneCount(p.src[l.start:off]) + 1)
}

func (p *fparser) enter() {
	p.depth++
	if p.depth > 200 {
		p.fail()
	}
}

func (p *fparser) isSeqAt(i, off int) bool {
	l := p.lines[i]
	return off < l.end && p.src[off] == '-' && (off+1 == l.end || p.src[off+1] == ' ')
}

// isKeyAt reports whether a simple key followed by ':' starts at off.
func (p *fparser) isKeyAt(i, off int) bool {
	_, after, ok := p.keyEnd(i, off)
	return ok && after > 0
}

// keyEnd scans a simple key at off: it returns the end of the key text,
// the offset just after ':' and ok; after == 0 means "not a key".
func (p *fparser) keyEnd(i, off int) (end, after int, ok bool) {
	l := p.lines[i]
	src := p.src
	if off >= l.end {
		return 0, 0, false
	}
	c := src[off]
	var j int
	switch c {
	case '\'', '"':
		_, j = p.quotedEnd(i, off)
		if j < 0 {
			return 0, 0, false
		}
		end = j
		for j < l.end && src[j] == ' ' {
			j++
		}
		if j < l.end && src[j] == ':' && (j+1 == l.end || src[j+1] == ' ') {
			return end, j + 1, true
		}
		return 0, 0, true
	}
	if !plainStart(src, off, l.end, false) {
		return 0, 0, true
	}
	for j = off; j < l.end; j++ {
		switch src[j] {
		case ':':
			if j+1 == l.end || src[j+1] == ' ' {
				end = j
				for end > off && src[end-1] == ' ' {
					end--
				}
				if end-off > 1000 {
					p.fail()
				}
				return end, j + 1, true
			}
		case '#':
			if src[j-1] == ' ' {
				return 0, 0, true
			}
		}
	}
	return 0, 0, true
}

// plainStart reports whether a plain scalar may start at off.
func plainStart(src []byte, off, end int, flow bool) bool {
	c := src[off]
	switch c {
	case '-', '?', ':':
		return off+1 < end && src[off+1] != ' ' && !(flow && strings.IndexByte(",[]{}", src[off+1]) >= 0) && c == '-'
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

func (p *fparser) scalarNode(i, off int, style yaml.Style, value string) *ynode {
	n := p.node()
	n.Kind, n.Style, n.Value, n.Line, n.Column = yaml.ScalarNode, style, value, int32(i+1), p.col(i, off)
	if style != 0 {
		n.Tag = "!!str"
	} else if value == "<<" {
		n.Tag = "!!merge"
	}
	return n
}

// mapping parses a block mapping whose first key is at (i, off), indented indent.
func (p *fparser) mapping(i, off, indent int) (*ynode, int) {
	p.enter()
	defer func() { p.depth-- }()
	m := p.node()
	m.Kind, m.Tag, m.Line, m.Column = yaml.MappingNode, "!!map", int32(i+1), p.col(i, off)
	mark := len(p.stack)
	for {
		key, after := p.key(i, off)
		p.stack = append(p.stack, key)
		val, next := p.value(i, after, indent, true)
		p.stack = append(p.stack, val)
		j := p.skipBlank(next)
		if j >= len(p.lines) || p.lines[j].indent < indent {
			m.Content = p.children(mark)
			return m, j
		}
		if p.lines[j].indent > indent {
			p.fail()
		}
		i, off = j, p.lines[j].start+indent
		if !p.isKeyAt(i, off) {
			p.fail()
		}
	}
}

func (p *fparser) key(i, off int) (*ynode, int) {
	end, after, ok := p.keyEnd(i, off)
	if !ok || after == 0 {
		p.fail()
	}
	c := p.src[off]
	if c == '\'' || c == '"' {
		v, _ := p.quotedEnd(i, off)
		return p.scalarNode(i, off, quoteStyle(c), v), after
	}
	return p.scalarNode(i, off, 0, p.str[off:end]), after
}

func quoteStyle(c byte) yaml.Style {
	if c == '"' {
		return yaml.DoubleQuotedStyle
	}
	return yaml.SingleQuotedStyle
}

// sequence parses a block sequence whose dashes sit at column indent.
func (p *fparser) sequence(i, indent int) (*ynode, int) {
	p.enter()
	defer func() { p.depth-- }()
	l := p.lines[i]
	s := p.node()
	s.Kind, s.Tag, s.Line, s.Column = yaml.SequenceNode, "!!seq", int32(i+1), p.col(i, l.start+indent)
	mark := len(p.stack)
	for {
		l = p.lines[i]
		dash := l.start + indent
		q := dash + 1
		for q < l.end && p.src[q] == ' ' {
			q++
		}
		var item *ynode
		var next int
		switch {
		case q == l.end || p.src[q] == '#':
			item, next = p.value(i, dash+1, indent, false)
		case p.isSeqAt(i, q):
			p.fail() // "- - x"
		case p.isKeyAt(i, q):
			item, next = p.mapping(i, q, q-l.start)
		default:
			item, next = p.value(i, dash+1, indent, false)
		}
		p.stack = append(p.stack, item)
		j := p.skipBlank(next)
		if j >= len(p.lines) || p.lines[j].indent < indent {
			s.Content = p.children(mark)
			return s, j
		}
		if p.lines[j].indent > indent {
			p.fail()
		}
		if !p.isSeqAt(j, p.lines[j].start+indent) {
			s.Content = p.children(mark)
			return s, j
		}
		i = j
	}
}

// value parses the node after a ':' or '-' indicator that ends at off on
// line i. owner is the indentation of the key or dash; isKey allows a
// sequence at the key's own indentation. It returns the node and the
// index of the first line after it.
func (p *fparser) value(i, off, owner int, isKey bool) (*ynode, int) {
	l := p.lines[i]
	src := p.src
	q := off
	for q < l.end && src[q] == ' ' {
		q++
	}
	if q == l.end || (src[q] == '#' && q > off) {
		// The value, if any, starts on a later line.
		j := p.skipBlank(i + 1)
		if j < len(p.lines) {
			lj := p.lines[j]
			first := lj.start + lj.indent
			switch {
			case lj.indent > owner:
				if p.isSeqAt(j, first) {
					return p.sequence(j, lj.indent)
				}
				if p.isKeyAt(j, first) {
					return p.mapping(j, first, lj.indent)
				}
				p.fail()
			case lj.indent == owner && isKey && p.isSeqAt(j, first):
				return p.sequence(j, lj.indent)
			}
		}
		n := p.scalarNode(i, off, 0, "")
		n.Tag = "!!null"
		return n, i + 1
	}
	switch c := src[q]; c {
	case '|', '>':
		return p.blockScalar(i, q, owner)
	case '[', '{':
		n, end := p.flow(i, q)
		if !p.restIsBlank(end) {
			p.fail()
		}
		return n, p.afterInline(i, owner)
	case '\'', '"':
		v, end := p.quotedEnd(i, q)
		if end < 0 || !p.restIsBlank(end) {
			p.fail()
		}
		return p.scalarNode(i, q, quoteStyle(c), v), p.afterInline(i, owner)
	}
	if !plainStart(src, q, l.end, false) {
		p.fail()
	}
	end := l.end
	for j := q; j < l.end; j++ {
		c := src[j]
		if c == '#' && src[j-1] == ' ' {
			end = j
			break
		}
		if c == ':' && (j+1 == l.end || src[j+1] == ' ') {
			p.fail() // "key: a: b"
		}
	}
	for end > q && src[end-1] == ' ' {
		end--
	}
	return p.scalarNode(i, q, 0, p.str[q:end]), p.afterInline(i, owner)
}

// afterInline returns the line after a single-line value, failing if the
// next line could continue it (a multi-line scalar) or is misindented.
func (p *fparser) afterInline(i, owner int) int {
	for j := i + 1; j < len(p.lines); j++ {
		if p.lines[j].spaces {
			continue
		}
		if p.lines[j].indent > owner {
			p.fail()
		}
		break
	}
	return i + 1
}

// quotedEnd reads a single-line quoted scalar at off; end is the offset
// after the closing quote, or -1.
func (p *fparser) quotedEnd(i, off int) (string, int) {
	l := p.lines[i]
	src := p.src
	q := src[off]
	if q == '\'' {
		if k := strings.IndexByte(p.str[off+1:l.end], '\''); k >= 0 && (off+1+k+1 >= l.end || src[off+1+k+1] != '\'') {
			return p.str[off+1 : off+1+k], off + 1 + k + 1
		}
		var b strings.Builder
		for j := off + 1; j < l.end; j++ {
			if src[j] == '\'' {
				if j+1 < l.end && src[j+1] == '\'' {
					b.WriteByte('\'')
					j++
					continue
				}
				return b.String(), j + 1
			}
			b.WriteByte(src[j])
		}
		return "", -1
	}
	// double-quoted
	j := off + 1
	simple := true
	for ; j < l.end; j++ {
		if src[j] == '"' {
			break
		}
		if src[j] == '\\' {
			simple = false
			j++
		}
	}
	if j >= l.end {
		return "", -1
	}
	if simple {
		return p.str[off+1 : j], j + 1
	}
	var b strings.Builder
	for k := off + 1; k < j; k++ {
		c := src[k]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		k++
		switch src[k] {
		case '\\', '"', '/':
			b.WriteByte(src[k])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'e':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte(0xc)
		case 'v':
			b.WriteByte(0xb)
		case ' ':
			b.WriteByte(' ')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[src[k]]
			if k+n >= j {
				p.fail()
			}
			v, err := strconv.ParseUint(string(src[k+1:k+1+n]), 16, 32)
			if err != nil || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF {
				p.fail()
			}
			b.WriteRune(rune(v))
			k += n
		default:
			p.fail()
		}
	}
	return b.String(), j + 1
}

// flow parses a single-line flow sequence or mapping at off.
func (p *fparser) flow(i, off int) (*ynode, int) {
	p.enter()
	defer func() { p.depth-- }()
	l := p.lines[i]
	src := p.src
	open := src[off]
	n := p.node()
	n.Kind, n.Tag, n.Style, n.Line, n.Column = yaml.SequenceNode, "!!seq", yaml.FlowStyle, int32(i+1), p.col(i, off)
	mark := len(p.stack)
	closer := byte(']')
	if open == '{' {
		n.Kind, n.Tag, closer = yaml.MappingNode, "!!map", '}'
	}
	j := off + 1
	skip := func() {
		for j < l.end && src[j] == ' ' {
			j++
		}
	}
	skip()
	if j < l.end && src[j] == closer {
		n.Content = p.children(mark)
		return n, j + 1
	}
	for {
		skip()
		if j >= l.end {
			p.fail()
		}
		if open == '{' {
			k, after := p.flowItem(i, j, true)
			j = after
			skip()
			if j >= l.end || src[j] != ':' || j+1 >= l.end || src[j+1] != ' ' {
				p.fail()
			}
			j++
			skip()
			p.stack = append(p.stack, k)
			v, after := p.flowItem(i, j, false)
			p.stack = append(p.stack, v)
			j = after
		} else {
			v, after := p.flowItem(i, j, false)
			p.stack = append(p.stack, v)
			j = after
		}
		skip()
		if j >= l.end {
			p.fail()
		}
		switch src[j] {
		case ',':
			j++
			skip()
			if j < l.end && src[j] == closer {
				p.fail() // trailing comma
			}
		case closer:
			n.Content = p.children(mark)
			return n, j + 1
		default:
			p.fail()
		}
	}
}

// flowItem parses one scalar or nested collection inside a flow collection.
func (p *fparser) flowItem(i, off int, isKey bool) (*ynode, int) {
	l := p.lines[i]
	src := p.src
	if off >= l.end {
		p.fail()
	}
	switch c := src[off]; c {
	case '[', '{':
		if isKey {
			p.fail()
		}
		return p.flow(i, off)
	case '\'', '"':
		v, end := p.quotedEnd(i, off)
		if end < 0 {
			p.fail()
		}
		return p.scalarNode(i, off, quoteStyle(c), v), end
	}
	if !plainStart(src, off, l.end, true) {
		p.fail()
	}
	j := off
	for ; j < l.end; j++ {
		c := src[j]
		if c == ',' || c == ']' || c == '}' || c == '[' || c == '{' {
			break
		}
		if c == ':' {
			if isKey && j+1 < l.end && src[j+1] == ' ' {
				break
			}
			p.fail()
		}
		if c == '#' && src[j-1] == ' ' {
			p.fail()
		}
	}
	end := j
	for end > off && src[end-1] == ' ' {
		end--
	}
	if end == off {
		p.fail()
	}
	return p.scalarNode(i, off, 0, p.str[off:end]), j
}

// blockScalar parses a literal (|) or folded (>) scalar whose indicator is
// at (i, off); owner is the parent's indentation.
func (p *fparser) blockScalar(i, off, owner int) (*ynode, int) {
	l := p.lines[i]
	src := p.src
	folded := src[off] == '>'
	chomp := byte(0)
	j := off + 1
	if j < l.end && (src[j] == '-' || src[j] == '+') {
		chomp = src[j]
		j++
	}
	if j < l.end && src[j] != ' ' {
		p.fail() // indentation indicator or junk
	}
	if !p.restIsBlank(j) {
		p.fail()
	}
	style := yaml.LiteralStyle
	if folded {
		style = yaml.FoldedStyle
	}
	// Find the content indentation: the first line that is not all spaces.
	k := i + 1
	for k < len(p.lines) && p.lines[k].spaces {
		k++
	}
	if k >= len(p.lines) || p.lines[k].indent <= owner {
		// empty scalar
		for m := i + 1; m < k; m++ {
			if p.lines[m].end-p.lines[m].start > 0 {
				p.fail()
			}
		}
		if chomp == '+' && k > i+1 {
			p.fail()
		}
		return p.scalarNode(i, off, style, ""), i + 1
	}
	ind := p.lines[k].indent
	var b strings.Builder
	end := k
	// leading empty lines
	for m := i + 1; m < k; m++ {
		if p.lines[m].end-p.lines[m].start > ind {
			p.fail()
		}
		b.WriteByte('\n')
	}
	pendingBlank := 0
	started := false
	lastNL := true
	for m := k; m < len(p.lines); m++ {
		lm := p.lines[m]
		if lm.spaces {
			if lm.end-lm.start > ind {
				p.fail()
			}
			if lm.nl {
				pendingBlank++
			}
			continue
		}
		if lm.indent < ind {
			break
		}
		if folded && lm.indent > ind {
			p.fail() // more-indented lines keep their breaks: not handled
		}
		text := src[lm.start+ind : lm.end]
		if started {
			if folded {
				if pendingBlank == 0 {
					b.WriteByte(' ')
				}
				for ; pendingBlank > 0; pendingBlank-- {
					b.WriteByte('\n')
				}
			} else {
				b.WriteByte('\n')
				for ; pendingBlank > 0; pendingBlank-- {
					b.WriteByte('\n')
				}
			}
		}
		b.Write(text)
		started = true
		lastNL = lm.nl
		pendingBlank = 0
		end = m + 1
	}
	// trailing breaks: the last content line's own break plus blank lines
	trailing := pendingBlank
	if lastNL {
		trailing++
	}
	switch chomp {
	case '-':
	case '+':
		if p.blankTailRunsToEOFWithoutNL(end) {
			p.fail()
		}
		for ; trailing > 0; trailing-- {
			b.WriteByte('\n')
		}
	default:
		if trailing > 0 {
			b.WriteByte('\n')
		}
	}
	next := end
	for next < len(p.lines) && p.lines[next].spaces {
		next++
	}
	return p.scalarNode(i, off, style, b.String()), next
}

// blankTailRunsToEOFWithoutNL: keep-chomping with a final space-only line
// lacking a newline is an edge case left to yaml.v3.
func (p *fparser) blankTailRunsToEOFWithoutNL(from int) bool {
	for m := from; m < len(p.lines); m++ {
		if !p.lines[m].spaces {
			return false
		}
		if !p.lines[m].nl && p.lines[m].end > p.lines[m].start {
			return true
		}
	}
	return false
}

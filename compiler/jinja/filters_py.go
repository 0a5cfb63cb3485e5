package jinja

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Jinja2 3.1's filters where their exact behaviour on unusual input
// (None, numbers, undefined values) matters; registered over the simpler
// ones in filters.go.

func init() {
	for name, f := range map[string]filterFn{
		"abs":            filterAbs,
		"int":            filterInt,
		"float":          filterFloat,
		"round":          filterRound,
		"title":          filterTitle,
		"wordcount":      filterWordcount,
		"indent":         filterIndent,
		"truncate":       filterTruncatePy,
		"format":         filterFormat,
		"urlencode":      filterURLEncode,
		"filesizeformat": filterFilesize,
		"wordwrap":       filterWordwrap,
		"xmlattr":        filterXMLAttr,
		"center":         filterCenter,
		"attr":           filterAttr,
		"is_list": func(r *renderer, v any, a *callArgs) (any, error) {
			l, ok := v.(*List)
			return ok && !l.tuple || isGoList(v), nil
		},
		"random": func(r *renderer, v any, a *callArgs) (any, error) {
			items, err := iterate(v)
			if err != nil || len(items) == 0 {
				return &Undefined{Name: "random", Hint: "No random item, sequence was empty."}, err
			}
			return items[0], nil
		},
		// text rendering: dbt's TEXT_FILTERS are the identity; native
		// rendering (RenderNative) turns them into markers
		"as_text":   filterAsText,
		"as_bool":   func(r *renderer, v any, a *callArgs) (any, error) { return r.nativeMark(v, markBool), nil },
		"as_number": func(r *renderer, v any, a *callArgs) (any, error) { return r.nativeMark(v, markNumber), nil },
		"as_native": func(r *renderer, v any, a *callArgs) (any, error) { return r.nativeMark(v, markNative), nil },
	} {
		filters[name] = f
	}
	for name, t := range map[string]testFn{
		"odd":         func(r *renderer, v any, _ []any) (bool, error) { return modTest(r, v, 2, 1) },
		"even":        func(r *renderer, v any, _ []any) (bool, error) { return modTest(r, v, 2, 0) },
		"divisibleby": func(r *renderer, v any, args []any) (bool, error) { return modTest(r, v, argAt(args, 0), 0) },
		"number": func(r *renderer, v any, _ []any) (bool, error) {
			switch v.(type) {
			case int, float64, bool, *big.Int:
				return true, nil
			}
			return false, nil
		},
		"integer": func(r *renderer, v any, _ []any) (bool, error) {
			switch v.(type) {
			case int, *big.Int:
				return true, nil
			}
			return false, nil
		},
		// str(value).islower() / isupper()
		"lower": func(r *renderer, v any, _ []any) (bool, error) {
			return casedTest(toStr(v), unicode.IsLower, unicode.IsUpper), nil
		},
		"upper": func(r *renderer, v any, _ []any) (bool, error) {
			return casedTest(toStr(v), unicode.IsUpper, unicode.IsLower), nil
		},
	} {
		jtests[name] = t
	}
	// an undefined value iterates (as empty) and can be called in Jinja
	for _, name := range []string{"iterable", "sequence", "callable"} {
		inner := jtests[name]
		jtests[name] = func(r *renderer, v any, args []any) (bool, error) {
			if _, u := v.(*Undefined); u {
				return true, nil
			}
			return inner(r, v, args)
		}
	}
	// Jinja's map/select/reject family iterate "if value": None and
	// undefined give an empty result
	for _, name := range []string{"map", "select", "reject", "selectattr", "rejectattr"} {
		inner := filters[name]
		filters[name] = func(r *renderer, v any, a *callArgs) (any, error) {
			if !truthy(v) {
				return &List{}, nil
			}
			return inner(r, v, a)
		}
	}
}

func isGoList(v any) bool {
	switch v.(type) {
	case []any, []string:
		return true
	}
	return false
}

// undefinedArg is Jinja's behaviour for filters that convert an undefined
// value: an error when rendering for real.
func (r *renderer) undefinedArg(v any) error {
	if u, ok := v.(*Undefined); ok {
		if _, err := r.undefinedUse(u); err != nil {
			return err
		}
	}
	return nil
}

func filterAbs(r *renderer, v any, a *callArgs) (any, error) {
	switch x := v.(type) {
	case int:
		if x < 0 {
			return intArithOr(0, "-", x)
		}
		return x, nil
	case bool:
		return boolInt(x), nil
	case *big.Int:
		return new(big.Int).Abs(x), nil
	case float64:
		return math.Abs(x), nil
	}
	return nil, errorf("bad operand type for abs(): '%s'", typeName(v))
}

func intArithOr(l any, sym string, rv any) (any, error) {
	v, _, err := intArith(sym, l, rv)
	return v, err
}

func filterInt(r *renderer, v any, a *callArgs) (any, error) {
	if err := r.undefinedArg(v); err != nil {
		return nil, err
	}
	def := a.argOr(0, "default", 0)
	base, _ := toInt(a.argOr(1, "base", 10))
	switch x := v.(type) {
	case int, *big.Int:
		return x, nil
	case bool:
		return boolInt(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return def, nil
		}
		b, _ := new(big.Float).SetFloat64(math.Trunc(x)).Int(nil)
		return normBig(b), nil
	case string:
		s := strings.TrimSpace(x)
		if n, ok := pyParseInt(s, base); ok {
			return n, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "_xX") {
			return filterInt(r, f, a)
		}
	}
	return def, nil
}

// pyParseInt is int(s, base): underscores between digits, a 0x/0o/0b
// prefix matching the base (or any prefix with base 0), no size limit.
func pyParseInt(s string, base int) (any, bool) {
	t := strings.ToLower(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) > 2 && t[0] == '0' {
		p := map[byte]int{'x': 16, 'o': 8, 'b': 2}[t[1]]
		if p != 0 && (base == 0 || base == p) {
			t, base = t[2:], p
		}
	}
	if base == 0 {
		base = 10
	}
	if t == "" || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.Contains(t, "__") {
		return nil, false
	}
	b, ok := new(big.Int).SetString(strings.ReplaceAll(t, "_", ""), base)
	if !ok {
		return nil, false
	}
	if neg {
		b.Neg(b)
	}
	return normBig(b), true
}

func filterFloat(r *renderer, v any, a *callArgs) (any, error) {
	if err := r.undefinedArg(v); err != nil {
		return nil, err
	}
	def := a.argOr(0, "default", 0.0)
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case *big.Int:
		return bigFloat(x), nil
	case bool:
		return float64(boolInt(x)), nil
	case string:
		s := strings.TrimSpace(x)
		switch strings.ToLower(s) {
		case "nan", "+nan", "-nan":
			return math.NaN(), nil
		case "inf", "+inf", "infinity", "+infinity":
			return math.Inf(1), nil
		case "-inf", "-infinity":
			return math.Inf(-1), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP") {
			return f, nil
		}
	}
	return def, nil
}

// filterRound is Jinja's round: Python's round() (half to even, on the
// exact binary value) for "common", floor/ceil scaled otherwise.
func filterRound(r *renderer, v any, a *callArgs) (any, error) {
	prec, _ := toInt(a.argOr(0, "precision", 0))
	method := toStr(a.argOr(1, "method", "common"))
	if method != "common" && method != "ceil" && method != "floor" {
		return nil, errorf("method must be common, ceil or floor")
	}
	if err := r.undefinedArg(v); err != nil && method != "common" {
		return nil, err
	}
	switch x := v.(type) {
	case int, *big.Int, bool:
		if method == "common" {
			if prec >= 0 {
				if b, ok := x.(bool); ok {
					return boolInt(b), nil
				}
				return x, nil
			}
			f, _ := toFloat(x)
			p := math.Pow(10, float64(-prec))
			return int(roundHalfEven(f/p) * p), nil
		}
	}
	f, ok := toFloat(v)
	if !ok {
		return nil, errorf("type %s doesn't define __round__ method", typeName(v))
	}
	p := math.Pow(10, float64(prec))
	switch method {
	case "ceil":
		return math.Ceil(f*p)/p + 0, nil // Python's ceil is an int: no -0.0
	case "floor":
		return math.Floor(f*p)/p + 0, nil
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f, nil
	}
	if prec >= 0 {
		out, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', prec, 64), 64)
		if out == 0 && math.Signbit(f) {
			return math.Copysign(0, -1), nil
		}
		return out, nil
	}
	q := math.Pow(10, float64(-prec))
	return roundHalfEven(f/q) * q, nil
}

func roundHalfEven(f float64) float64 { return math.RoundToEven(f) }

var titleSplit = regexp.MustCompile(`([-\s({\[<]+)`)

func filterTitle(r *renderer, v any, a *callArgs) (any, error) {
	s := toStr(v)
	var b strings.Builder
	last := 0
	parts := []string{}
	for _, m := range titleSplit.FindAllStringIndex(s, -1) {
		parts = append(parts, s[last:m[0]], s[m[0]:m[1]])
		last = m[1]
	}
	parts = append(parts, s[last:])
	for _, p := range parts {
		if p == "" {
			continue
		}
		first, size := utf8.DecodeRuneInString(p)
		b.WriteString(pyUpper(string(first)))
		b.WriteString(pyLower(p[size:]))
	}
	return b.String(), nil
}

// pyUpper and pyLower are str.upper()/lower(), with the special cases
// where Python's full case mapping differs from Go's simple one.
func pyUpper(s string) string {
	if strings.ContainsRune(s, 'ß') {
		s = strings.ReplaceAll(s, "ß", "SS")
	}
	return strings.ToUpper(s)
}

func pyLower(s string) string {
	if strings.ContainsRune(s, 'İ') {
		s = strings.ReplaceAll(s, "İ", "i̇")
	}
	return strings.ToLower(s)
}

var wordRe = regexp.MustCompile(`[\p{L}\p{N}_]+`)

func filterWordcount(r *renderer, v any, a *callArgs) (any, error) {
	return len(wordRe.FindAllString(toStr(v), -1)), nil
}

func filterIndent(r *renderer, v any, a *callArgs) (any, error) {
	if err := r.undefinedArg(v); err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		if _, u := v.(*Undefined); !u {
			return nil, errorf("unsupported operand type(s) for +=: '%s' and 'str'", typeName(v))
		}
	}
	w := a.argOr(0, "width", 4)
	pad := ""
	if ps, ok := w.(string); ok {
		pad = ps
	} else {
		n, _ := toInt(w)
		pad = strings.Repeat(" ", n)
	}
	first := truthy(a.argOr(1, "first", false))
	blank := truthy(a.argOr(2, "blank", false))
	s += "\n" // Jinja appends a newline and strips it after
	lines := strings.Split(s, "\n")
	lines = lines[:len(lines)-1]
	for i, l := range lines {
		if i == 0 && !first {
			continue
		}
		if strings.TrimSpace(l) == "" && !blank {
			continue
		}
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n"), nil
}

func filterTruncatePy(r *renderer, v any, a *callArgs) (any, error) {
	if _, u := v.(*Undefined); u {
		return "", nil
	}
	str, ok := v.(string)
	if !ok {
		n, err := length(v)
		if err != nil {
			return nil, errorf("object of type '%s' has no len()", typeName(v))
		}
		if lim, _ := toInt(a.argOr(0, "length", 255)); n <= lim {
			return v, nil
		}
		str = toStr(v)
	}
	s := []rune(str)
	n, _ := toInt(a.argOr(0, "length", 255))
	killwords := truthy(a.argOr(1, "killwords", false))
	end := []rune(toStr(a.argOr(2, "end", "...")))
	leeway, _ := toInt(a.argOr(3, "leeway", 5))
	if n < len(end) {
		return nil, errorf("expected length >= %d, got %d", len(end), n)
	}
	if leeway < 0 {
		return nil, errorf("expected leeway >= 0, got %d", leeway)
	}
	if len(s) <= n+leeway {
		return str, nil
	}
	head := string(s[:n-len(end)])
	if killwords {
		return head + string(end), nil
	}
	if i := strings.LastIndex(head, " "); i >= 0 {
		head = head[:i]
	}
	return head + string(end), nil
}

func filterFormat(r *renderer, v any, a *callArgs) (any, error) {
	if len(a.pos) > 0 && len(a.kw) > 0 {
		return nil, errorf("can't handle positional and keyword arguments at the same time")
	}
	if len(a.kw) > 0 {
		d := newDict(len(a.kw))
		keys := make([]string, 0, len(a.kw))
		for k := range a.kw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.Set(k, a.kw[k])
		}
		return percentFormat(toStr(v), d)
	}
	return percentFormat(toStr(v), newTuple(a.pos...))
}

func filterURLEncode(r *renderer, v any, a *callArgs) (any, error) {
	switch v.(type) {
	case string, *Undefined, nil, int, float64, bool, *big.Int:
		return urlEncode(toStr(v)), nil
	}
	var pairs []any
	if m, ok := asMapping(v); ok {
		pairs = dictItems(m)
	} else {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		pairs = items
	}
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		kv, ok := seqItems(p)
		if !ok {
			return nil, errorf("cannot unpack non-iterable %s object", typeName(p))
		}
		if len(kv) != 2 {
			return nil, errorf("not enough values to unpack (expected 2, got %d)", len(kv))
		}
		parts = append(parts, urlQuote(toStr(kv[0]), true)+"="+urlQuote(toStr(kv[1]), true))
	}
	return strings.Join(parts, "&"), nil
}

// urlQuote is Python's urllib quote (plus: quote_plus) with Jinja's safe set.
func urlQuote(s string, plus bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("_.-~", c) >= 0:
			b.WriteByte(c)
		case c == '/' && !plus:
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func filterFilesize(r *renderer, v any, a *callArgs) (any, error) {
	f, ok := toFloat(v)
	if !ok {
		s, isStr := v.(string)
		pf, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if !isStr || err != nil {
			return nil, errorf("could not convert %s to float", repr(v))
		}
		f = pf
	}
	binary := truthy(a.argOr(0, "binary", false))
	base := 1000.0
	prefixes := []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base = 1024
		prefixes = []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	switch {
	case f == 1:
		return "1 Byte", nil
	case f < base:
		return fmt.Sprintf("%d Bytes", int(f)), nil
	}
	unit := base
	for i, p := range prefixes {
		unit = math.Pow(base, float64(i+2))
		if f < unit || i == len(prefixes)-1 {
			return fmt.Sprintf("%.1f %s", base*f/unit, p), nil
		}
	}
	return "", nil
}

// filterWordwrap wraps like Python's textwrap with Jinja's defaults
// (break_long_words, break_on_hyphens).
func filterWordwrap(r *renderer, v any, a *callArgs) (any, error) {
	s := toStr(v)
	width, _ := toInt(a.argOr(0, "width", 79))
	breakLong := truthy(a.argOr(1, "break_long_words", true))
	wrapstring := toStr(a.argOr(2, "wrapstring", "\n"))
	var out []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		line := ""
		for _, w := range words {
			for breakLong && utf8.RuneCountInString(w) > width {
				room := width - utf8.RuneCountInString(line)
				if line != "" {
					room--
				}
				if room <= 0 {
					out = append(out, line)
					line = ""
					continue
				}
				rs := []rune(w)
				if line != "" {
					line += " "
				}
				out = append(out, line+string(rs[:room]))
				line, w = "", string(rs[room:])
			}
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
				line += " " + w
			default:
				out = append(out, line)
				line = w
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, wrapstring), nil
}

func filterXMLAttr(r *renderer, v any, a *callArgs) (any, error) {
	m, ok := asMapping(v)
	if !ok {
		return nil, errorf("xmlattr needs a mapping")
	}
	var b strings.Builder
	for _, kv := range dictItems(m) {
		p := kv.(*List).Items
		if p[1] == nil {
			continue
		}
		if _, u := p[1].(*Undefined); u {
			continue
		}
		key := toStr(p[0])
		if strings.ContainsAny(key, " />=") {
			return nil, errorf("invalid character in attribute name: %s", repr(key))
		}
		fmt.Fprintf(&b, ` %s="%s"`, htmlEscape(key), htmlEscape(toStr(p[1])))
	}
	if !truthy(a.argOr(0, "autospace", true)) {
		return strings.TrimPrefix(b.String(), " "), nil
	}
	return b.String(), nil
}

func filterCenter(r *renderer, v any, a *callArgs) (any, error) {
	if len(a.pos) > 1 {
		return nil, errorf("do_center() takes from 1 to 2 positional arguments but %d were given", len(a.pos)+1)
	}
	return strMethod(toStr(v), "center", &callArgs{pos: []any{a.argOr(0, "width", 80)}})
}

// filterAttr reads an attribute only (never a dict key), as Jinja's attr.
func filterAttr(r *renderer, v any, a *callArgs) (any, error) {
	name := toStr(a.argOr(0, "name", ""))
	switch v.(type) {
	case *Dict, map[string]any:
		if hasMethod(v, name) {
			return &boundMethod{obj: v, name: name}, nil
		}
		return &Undefined{Name: name, Hint: fmt.Sprintf("'dict object' has no attribute '%s'", name)}, nil
	}
	return r.getAttr(v, name)
}

func filterAsText(r *renderer, v any, a *callArgs) (any, error) {
	if r.native() {
		return &nativeMarker{s: toStr(v), kind: markText}, nil
	}
	return v, nil
}

// isPrintable is str.isprintable().
func isPrintable(s string) bool {
	for _, c := range s {
		if !unicode.IsPrint(c) && c != ' ' {
			return false
		}
	}
	return true
}

// pprint is pprint.pformat for the values templates print: dicts with
// sorted keys (and no line wrapping: templates print short values).
func pprint(v any) string {
	switch x := v.(type) {
	case *Dict:
		keys := append([]any(nil), x.keys...)
		sort.SliceStable(keys, func(i, j int) bool { c, _ := compare(keys[i], keys[j]); return c < 0 })
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			val, _ := x.Get(k)
			b.WriteString(repr(k) + ": " + pprint(val))
		}
		b.WriteByte('}')
		return b.String()
	case *List:
		parts := make([]string, len(x.Items))
		for i, e := range x.Items {
			parts[i] = pprint(e)
		}
		if x.tuple {
			if len(parts) == 1 {
				return "(" + parts[0] + ",)"
			}
			return "(" + strings.Join(parts, ", ") + ")"
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return repr(v)
}

// pyBytes is what str.encode() returns; it prints as Python prints bytes.
type pyBytes string

func (b pyBytes) pyType() string { return "bytes" }
func (b pyBytes) String() string {
	var sb strings.Builder
	sb.WriteString("b'")
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\\' || c == '\'':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}

func (b pyBytes) getAttr(name string) (any, bool) {
	if name == "decode" {
		return fn("decode", func(_ *renderer, _ *callArgs) (any, error) { return string(b), nil }), true
	}
	return nil, false
}

func strMethodMore(s, name string, a *callArgs) (any, error) {
	switch name {
	case "istitle":
		// every cased run starts upper and continues lower; at least one
		cased, prevCased := false, false
		for _, c := range s {
			switch {
			case unicode.IsUpper(c) || unicode.IsTitle(c):
				if prevCased {
					return false, nil
				}
				prevCased, cased = true, true
			case unicode.IsLower(c):
				if !prevCased {
					return false, nil
				}
				prevCased, cased = true, true
			default:
				prevCased = false
			}
		}
		return cased, nil
	case "isprintable":
		return isPrintable(s), nil
	case "isidentifier":
		if s == "" {
			return false, nil
		}
		for i, c := range s {
			if !(c == '_' || unicode.IsLetter(c) || (i > 0 && (unicode.IsDigit(c) || unicode.Is(unicode.Mn, c)))) {
				return false, nil
			}
		}
		return true, nil
	case "expandtabs":
		size, _ := toInt(a.argOr(0, "tabsize", 8))
		var b strings.Builder
		col := 0
		for _, c := range s {
			switch c {
			case '\t':
				if size > 0 {
					n := size - col%size
					b.WriteString(strings.Repeat(" ", n))
					col += n
				}
			case '\n', '\r':
				b.WriteRune(c)
				col = 0
			default:
				b.WriteRune(c)
				col++
			}
		}
		return b.String(), nil
	case "translate":
		table, ok := asMapping(a.argOr(0, "table", nil))
		if !ok {
			return nil, errorf("translate() needs a mapping of code points")
		}
		var b strings.Builder
		for _, c := range s {
			v, found := mapGet(table, int(c))
			switch {
			case !found:
				b.WriteRune(c)
			case v == nil:
			case isInt(v):
				b.WriteRune(rune(v.(int)))
			default:
				b.WriteString(toStr(v))
			}
		}
		return b.String(), nil
	}
	return nil, errorf("'str' object has no attribute '%s'", name)
}

func argAt(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// modTest is Jinja's odd/even/divisibleby: value % n == want, with
// Python's errors for values that do not support %.
func modTest(r *renderer, v, n any, want int) (bool, error) {
	if err := r.undefinedArg(v); err != nil {
		return false, err
	}
	if s, ok := v.(string); ok {
		if _, err := percentFormat(s, n); err != nil {
			return false, err
		}
		return false, nil
	}
	m, err := arith(tokensModulo, "%", v, n)
	if err != nil {
		return false, err
	}
	return equal(m, want), nil
}

// casedTest is str.islower()/isupper(): some cased character, none of the
// other case.
func casedTest(s string, want, other func(rune) bool) bool {
	found := false
	for _, c := range s {
		if other(c) {
			return false
		}
		found = found || want(c)
	}
	return found
}

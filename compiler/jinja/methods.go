package jinja

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Python methods of str, list and dict values.

var strMethods = map[string]bool{
	"upper": true, "lower": true, "strip": true, "lstrip": true, "rstrip": true, "split": true, "rsplit": true,
	"replace": true, "startswith": true, "endswith": true, "format": true, "join": true, "title": true,
	"capitalize": true, "find": true, "rfind": true, "index": true, "count": true, "isdigit": true, "isnumeric": true,
	"isalpha": true, "isalnum": true, "isupper": true, "islower": true, "isspace": true, "isdecimal": true, "partition": true,
	"rpartition": true, "zfill": true, "ljust": true, "rjust": true, "center": true, "splitlines": true,
	"casefold": true, "swapcase": true, "removeprefix": true, "removesuffix": true, "encode": true,
	"istitle": true, "isprintable": true, "isidentifier": true, "expandtabs": true, "translate": true,
}

var listMethods = map[string]bool{
	"append": true, "extend": true, "insert": true, "pop": true, "remove": true, "index": true, "count": true,
	"reverse": true, "sort": true, "copy": true, "clear": true,
}

var dictMethods = map[string]bool{
	"items": true, "keys": true, "values": true, "get": true, "update": true, "pop": true, "setdefault": true,
	"copy": true, "clear": true, "popitem": true,
}

func hasMethod(obj any, name string) bool {
	if m, ok := obj.(*nativeMarker); ok {
		obj = m.s
	}
	switch o := obj.(type) {
	case string:
		return strMethods[name]
	case *Set:
		return setMethods[name]
	case *List:
		if o.tuple {
			return name == "index" || name == "count"
		}
		return listMethods[name]
	case []any, []string:
		return listMethods[name]
	case *Dict, map[string]any:
		return dictMethods[name]
	}
	if _, ok := seqItems(obj); ok {
		return listMethods[name]
	}
	if _, ok := asMapping(obj); ok {
		return dictMethods[name]
	}
	return false
}

// boundMethod is obj.method accessed without calling it.
type boundMethod struct {
	obj  any
	name string
}

func (b *boundMethod) call(r *renderer, a *callArgs) (any, error) {
	return callMethod(r, b.obj, b.name, a)
}

func callMethod(r *renderer, obj any, name string, a *callArgs) (any, error) {
	if m, ok := obj.(*nativeMarker); ok {
		obj = m.s
	}
	switch o := obj.(type) {
	case string:
		return strMethod(o, name, a)
	case *List:
		return listMethod(o, name, a)
	case *Set:
		return setMethod(o, name, a)
	case *Dict:
		return dictMethod(o, name, a)
	case map[string]any:
		return goMapMethod(o, name, a, r.st.env.cfg.Quote)
	}
	if items, ok := seqItems(obj); ok {
		switch name {
		case "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear":
			return nil, errorf("cannot modify a read-only list with %s()", name)
		}
		return listMethod(&List{Items: items}, name, a)
	}
	if m, ok := asMapping(obj); ok {
		return callMethod(r, m, name, a)
	}
	return nil, errorf("'%s' object has no attribute '%s'", typeName(obj), name)
}

func strArg(a *callArgs, i int, name string) (string, bool, error) {
	v, ok := a.arg(i, name)
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr {
		return "", false, errorf("expected a string argument, got %s", typeName(v))
	}
	return s, true, nil
}

func strMethod(s, name string, a *callArgs) (any, error) {
	switch name {
	case "upper":
		return pyUpper(s), nil
	case "lower":
		return pyLower(s), nil
	case "casefold":
		return strings.ReplaceAll(pyLower(s), "ß", "ss"), nil
	case "istitle", "isprintable", "isidentifier", "expandtabs", "translate":
		return strMethodMore(s, name, a)
	case "strip", "lstrip", "rstrip":
		chars, has, err := strArg(a, 0, "chars")
		if err != nil {
			return nil, err
		}
		if !has {
			chars = " \t\n\r\v\f"
		}
		switch name {
		case "strip":
			return strings.Trim(s, chars), nil
		case "lstrip":
			return strings.TrimLeft(s, chars), nil
		}
		return strings.TrimRight(s, chars), nil
	case "split", "rsplit":
		sep, has, err := strArg(a, 0, "sep")
		if err != nil {
			return nil, err
		}
		maxsplit := -1
		if v, ok := a.arg(1, "maxsplit"); ok {
			if n, ok := v.(int); ok {
				maxsplit = n
			}
		}
		var parts []string
		switch {
		case !has:
			parts = strings.Fields(s)
			if maxsplit >= 0 && len(parts) > maxsplit+1 {
				if name == "split" {
					head := parts[:maxsplit]
					rest := strings.TrimLeft(s, " \t\n\r\v\f")
					for range maxsplit {
						rest = strings.TrimLeft(rest, " \t\n\r\v\f")
						if i := strings.IndexAny(rest, " \t\n\r\v\f"); i >= 0 {
							rest = rest[i:]
						}
					}
					parts = append(head, strings.TrimLeft(rest, " \t\n\r\v\f"))
				}
			}
		case sep == "":
			return nil, errorf("empty separator")
		case name == "rsplit" && maxsplit >= 0:
			all := strings.Split(s, sep)
			if len(all) > maxsplit+1 {
				head := strings.Join(all[:len(all)-maxsplit], sep)
				parts = append([]string{head}, all[len(all)-maxsplit:]...)
			} else {
				parts = all
			}
		default:
			n := -1
			if maxsplit >= 0 {
				n = maxsplit + 1
			}
			parts = strings.SplitN(s, sep, n)
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return &List{Items: out}, nil
	case "replace":
		old, _, err := strArg(a, 0, "old")
		if err != nil {
			return nil, err
		}
		nw, _, err := strArg(a, 1, "new")
		if err != nil {
			return nil, err
		}
		n := -1
		if v, ok := a.arg(2, "count"); ok {
			if c, ok := v.(int); ok {
				n = c
			}
		}
		return strings.Replace(s, old, nw, n), nil
	case "startswith", "endswith":
		v, _ := a.arg(0, "prefix")
		check := strings.HasPrefix
		if name == "endswith" {
			check = strings.HasSuffix
		}
		if items, ok := seqItems(v); ok {
			for _, it := range items {
				if check(s, toStr(it)) {
					return true, nil
				}
			}
			return false, nil
		}
		return check(s, toStr(v)), nil
	case "format":
		return pyFormat(s, a)
	case "join":
		items, err := iterate(a.argOr(0, "iterable", nil))
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = toStr(it)
		}
		return strings.Join(parts, s), nil
	case "title":
		return pyTitle(s), nil
	case "capitalize":
		if s == "" {
			return s, nil
		}
		rs := []rune(strings.ToLower(s))
		rs[0] = unicode.ToUpper(rs[0])
		return string(rs), nil
	case "swapcase":
		rs := []rune(s)
		for i, c := range rs {
			if unicode.IsUpper(c) {
				rs[i] = unicode.ToLower(c)
			} else {
				rs[i] = unicode.ToUpper(c)
			}
		}
		return string(rs), nil
	case "find", "index", "rfind":
		sub, _, err := strArg(a, 0, "sub")
		if err != nil {
			return nil, err
		}
		var i int
		if name == "rfind" {
			i = strings.LastIndex(s, sub)
		} else {
			i = strings.Index(s, sub)
		}
		if i >= 0 {
			i = len([]rune(s[:i]))
		} else if name == "index" {
			return nil, errorf("substring not found")
		}
		return i, nil
	case "count":
		sub, _, err := strArg(a, 0, "sub")
		if err != nil {
			return nil, err
		}
		return strings.Count(s, sub), nil
	case "isdigit", "isnumeric", "isdecimal":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0, nil
	case "isalpha":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0, nil
	case "isalnum":
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) < 0, nil
	case "isspace":
		return s != "" && strings.TrimSpace(s) == "", nil
	case "isupper":
		return strings.ToUpper(s) == s && strings.ToLower(s) != s, nil
	case "islower":
		return strings.ToLower(s) == s && strings.ToUpper(s) != s, nil
	case "partition", "rpartition":
		sep, _, err := strArg(a, 0, "sep")
		if err != nil {
			return nil, err
		}
		var i int
		if name == "partition" {
			i = strings.Index(s, sep)
		} else {
			i = strings.LastIndex(s, sep)
		}
		if i < 0 {
			if name == "partition" {
				return newTuple(s, "", ""), nil
			}
			return newTuple("", "", s), nil
		}
		return newTuple(s[:i], sep, s[i+len(sep):]), nil
	case "zfill":
		w, _ := toInt(a.argOr(0, "width", 0))
		n := len([]rune(s))
		if n >= w {
			return s, nil
		}
		sign := ""
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, s = s[:1], s[1:]
		}
		return sign + strings.Repeat("0", w-n) + s, nil
	case "ljust", "rjust", "center":
		w, _ := toInt(a.argOr(0, "width", 0))
		fill := toStr(a.argOr(1, "fillchar", " "))
		n := len([]rune(s))
		if n >= w || fill == "" {
			return s, nil
		}
		pad := w - n
		switch name {
		case "ljust":
			return s + strings.Repeat(fill, pad), nil
		case "rjust":
			return strings.Repeat(fill, pad) + s, nil
		}
		left := pad/2 + (pad & w & 1) // CPython's split of an odd margin
		return strings.Repeat(fill, left) + s + strings.Repeat(fill, pad-left), nil
	case "splitlines":
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		out := make([]any, len(lines))
		for i, l := range lines {
			out[i] = l
		}
		return &List{Items: out}, nil
	case "removeprefix":
		p, _, _ := strArg(a, 0, "prefix")
		return strings.TrimPrefix(s, p), nil
	case "removesuffix":
		p, _, _ := strArg(a, 0, "suffix")
		return strings.TrimSuffix(s, p), nil
	case "encode":
		return pyBytes(s), nil
	}
	return nil, errorf("'str' object has no attribute '%s'", name)
}

func pyTitle(s string) string {
	rs := []rune(s)
	prevLetter := false
	for i, c := range rs {
		if unicode.IsLetter(c) {
			if prevLetter {
				rs[i] = unicode.ToLower(c)
			} else {
				rs[i] = unicode.ToUpper(c)
			}
			prevLetter = true
		} else {
			prevLetter = false
		}
	}
	return string(rs)
}

// pyFormat implements str.format for {}, {0}, {name}, {name.attr} and
// simple format specs ({:>10}, {:.2f}, {:d}, {:,}).
func pyFormat(format string, a *callArgs) (any, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '}' {
			if i+1 < len(format) && format[i+1] == '}' {
				i++
			}
			b.WriteByte('}')
			continue
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		j := strings.IndexByte(format[i:], '}')
		if j < 0 {
			return nil, errorf("single '{' encountered in format string")
		}
		field := format[i+1 : i+j]
		i += j
		spec := ""
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field, spec = field[:k], field[k+1:]
		}
		conv := ""
		if k := strings.IndexByte(field, '!'); k >= 0 {
			field, conv = field[:k], field[k+1:]
		}
		var v any
		name, attr, _ := strings.Cut(field, ".")
		switch {
		case name == "":
			if auto >= len(a.pos) {
				return nil, errorf("replacement index %d out of range for positional args tuple", auto)
			}
			v = a.pos[auto]
			auto++
		default:
			if n, err := strconv.Atoi(name); err == nil {
				if n >= len(a.pos) {
					return nil, errorf("replacement index %d out of range for positional args tuple", n)
				}
				v = a.pos[n]
			} else {
				var ok bool
				if v, ok = a.kw[name]; !ok {
					return nil, errorf("KeyError: '%s'", name)
				}
			}
		}
		if attr != "" {
			if ag, ok := v.(attrGetter); ok {
				v, _ = ag.getAttr(attr)
			} else if mv, ok := mapGet(v, attr); ok {
				v = mv
			}
		}
		if conv == "r" {
			v = repr(v)
		}
		s, err := formatSpec(v, spec)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func formatSpec(v any, spec string) (string, error) {
	if spec == "" {
		return toStr(v), nil
	}
	// [[fill]align][sign][0][width][,][.precision][type]
	fill, align := " ", byte(0)
	if len(spec) >= 2 && strings.IndexByte("<>^=", spec[1]) >= 0 {
		fill, align, spec = spec[:1], spec[1], spec[2:]
	} else if len(spec) >= 1 && strings.IndexByte("<>^=", spec[0]) >= 0 {
		align, spec = spec[0], spec[1:]
	}
	sign := ""
	if spec != "" && (spec[0] == '+' || spec[0] == '-' || spec[0] == ' ') {
		sign, spec = spec[:1], spec[1:]
	}
	if strings.HasPrefix(spec, "0") && len(spec) > 1 {
		fill, spec = "0", spec[1:]
		if align == 0 {
			align = '='
		}
	}
	k := 0
	for k < len(spec) && spec[k] >= '0' && spec[k] <= '9' {
		k++
	}
	width, _ := strconv.Atoi(spec[:k])
	spec = spec[k:]
	comma := false
	if strings.HasPrefix(spec, ",") || strings.HasPrefix(spec, "_") {
		comma, spec = true, spec[1:]
	}
	prec := -1
	if strings.HasPrefix(spec, ".") {
		k = 1
		for k < len(spec) && spec[k] >= '0' && spec[k] <= '9' {
			k++
		}
		prec, _ = strconv.Atoi(spec[1:k])
		spec = spec[k:]
	}
	typ := spec
	var s string
	switch typ {
	case "d":
		n, ok := toInt(v)
		if !ok {
			return "", errorf("unknown format code 'd' for object of type '%s'", typeName(v))
		}
		s = strconv.Itoa(n)
	case "f", "F", "%", "e", "g":
		f, ok := toFloat(v)
		if !ok {
			return "", errorf("unknown format code '%s' for object of type '%s'", typ, typeName(v))
		}
		if prec < 0 {
			prec = 6
		}
		switch typ {
		case "%":
			s = strconv.FormatFloat(f*100, 'f', prec, 64) + "%"
		case "e":
			s = strconv.FormatFloat(f, 'e', prec, 64)
		case "g":
			s = strconv.FormatFloat(f, 'g', prec, 64)
		default:
			s = strconv.FormatFloat(f, 'f', prec, 64)
		}
	case "s", "":
		if f, ok := v.(float64); ok && prec >= 0 {
			s = strconv.FormatFloat(f, 'f', prec, 64)
		} else {
			s = toStr(v)
			if prec >= 0 && len([]rune(s)) > prec {
				s = string([]rune(s)[:prec])
			}
		}
	default:
		s = toStr(v)
	}
	if comma {
		s = groupThousands(s)
	}
	if sign == "+" && isNumber(v) && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	n := len([]rune(s))
	if n < width {
		pad := strings.Repeat(fill, width-n)
		if align == 0 {
			if isNumber(v) {
				align = '>'
			} else {
				align = '<'
			}
		}
		switch align {
		case '<':
			s += pad
		case '>':
			s = pad + s
		case '^':
			left := (width - n) / 2
			s = strings.Repeat(fill, left) + s + strings.Repeat(fill, width-n-left)
		case '=':
			if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				s = s[:1] + pad + s[1:]
			} else {
				s = pad + s
			}
		}
	}
	return s, nil
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func listMethod(l *List, name string, a *callArgs) (any, error) {
	switch name {
	case "append":
		v, ok := a.arg(0, "object")
		if !ok {
			return nil, errorf("append() takes exactly one argument")
		}
		l.Items = append(l.Items, v)
		return nil, nil
	case "extend":
		items, err := iterate(a.argOr(0, "iterable", nil))
		if err != nil {
			return nil, err
		}
		l.Items = append(l.Items, items...)
		return nil, nil
	case "insert":
		i, _ := toInt(a.argOr(0, "index", 0))
		v := a.argOr(1, "object", nil)
		if i < 0 {
			i += len(l.Items)
		}
		i = max(0, min(i, len(l.Items)))
		l.Items = append(l.Items, nil)
		copy(l.Items[i+1:], l.Items[i:])
		l.Items[i] = v
		return nil, nil
	case "pop":
		if len(l.Items) == 0 {
			return nil, errorf("pop from empty list")
		}
		i := len(l.Items) - 1
		if v, ok := a.arg(0, "index"); ok {
			i, _ = toInt(v)
			if i < 0 {
				i += len(l.Items)
			}
		}
		if i < 0 || i >= len(l.Items) {
			return nil, errorf("pop index out of range")
		}
		v := l.Items[i]
		l.Items = append(l.Items[:i], l.Items[i+1:]...)
		return v, nil
	case "remove":
		v := a.argOr(0, "value", nil)
		for i, it := range l.Items {
			if equal(it, v) {
				l.Items = append(l.Items[:i], l.Items[i+1:]...)
				return nil, nil
			}
		}
		return nil, errorf("list.remove(x): x not in list")
	case "index":
		v := a.argOr(0, "value", nil)
		for i, it := range l.Items {
			if equal(it, v) {
				return i, nil
			}
		}
		return nil, errorf("%s is not in list", repr(v))
	case "count":
		v := a.argOr(0, "value", nil)
		n := 0
		for _, it := range l.Items {
			if equal(it, v) {
				n++
			}
		}
		return n, nil
	case "reverse":
		for i, j := 0, len(l.Items)-1; i < j; i, j = i+1, j-1 {
			l.Items[i], l.Items[j] = l.Items[j], l.Items[i]
		}
		return nil, nil
	case "sort":
		var sortErr error
		rev := truthy(a.kw["reverse"])
		sort.SliceStable(l.Items, func(i, j int) bool {
			c, err := compare(l.Items[i], l.Items[j])
			if err != nil {
				sortErr = err
			}
			if rev {
				return c > 0
			}
			return c < 0
		})
		return nil, sortErr
	case "copy":
		return &List{Items: append([]any(nil), l.Items...)}, nil
	case "clear":
		l.Items = l.Items[:0]
		return nil, nil
	}
	return nil, errorf("'list' object has no attribute '%s'", name)
}

func dictItems(m any) []any {
	keys, _ := iterate(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		v, _ := mapGet(m, k)
		out[i] = newTuple(k, v)
	}
	return out
}

func dictMethod(d *Dict, name string, a *callArgs) (any, error) {
	switch name {
	case "items":
		return &dictView{kind: "dict_items", items: dictItems(d)}, nil
	case "keys":
		return &dictView{kind: "dict_keys", items: append([]any(nil), d.keys...)}, nil
	case "values":
		return &dictView{kind: "dict_values", items: append([]any(nil), d.vals...)}, nil
	case "get":
		k, _ := a.arg(0, "key")
		if v, ok := d.Get(k); ok {
			return v, nil
		}
		return a.argOr(1, "default", nil), nil
	case "update":
		if err := d.updateFrom(a, "dictionary update sequence element must be a pair"); err != nil {
			return nil, err
		}
		return nil, nil
	case "pop":
		k, _ := a.arg(0, "key")
		if v, ok := d.Get(k); ok {
			d.Delete(k)
			return v, nil
		}
		if def, ok := a.arg(1, "default"); ok {
			return def, nil
		}
		return nil, errorf("KeyError: %s", repr(k))
	case "setdefault":
		k, _ := a.arg(0, "key")
		if v, ok := d.Get(k); ok {
			return v, nil
		}
		def := a.argOr(1, "default", nil)
		d.Set(k, def)
		return def, nil
	case "copy":
		nd := newDict(d.Len())
		for i, k := range d.keys {
			nd.Set(k, d.vals[i])
		}
		return nd, nil
	case "clear":
		*d = *newDict(0)
		return nil, nil
	case "popitem":
		if d.Len() == 0 {
			return nil, errorf("popitem(): dictionary is empty")
		}
		k, v := d.keys[d.Len()-1], d.vals[d.Len()-1]
		d.Delete(k)
		return newTuple(k, v), nil
	}
	return nil, errorf("'dict' object has no attribute '%s'", name)
}

func goMapMethod(m map[string]any, name string, a *callArgs, quote func(string) string) (any, error) {
	switch name {
	case "update", "pop", "setdefault", "clear", "popitem":
		// Go maps from the context are shared: mutate the map itself
		switch name {
		case "update":
			for _, p := range a.pos {
				if mm, ok := asMapping(p); ok {
					keys, _ := iterate(mm)
					for _, k := range keys {
						v, _ := mapGet(mm, k)
						m[keyStr(k)] = v
					}
				}
			}
			for k, v := range a.kw {
				m[k] = v
			}
			return nil, nil
		case "pop":
			k := keyStr(a.argOr(0, "key", ""))
			if v, ok := m[k]; ok {
				delete(m, k)
				return wrapGoQ(v, quote), nil
			}
			if def, ok := a.arg(1, "default"); ok {
				return def, nil
			}
			return nil, errorf("KeyError: '%s'", k)
		case "setdefault":
			k := keyStr(a.argOr(0, "key", ""))
			if v, ok := m[k]; ok {
				return wrapGoQ(v, quote), nil
			}
			def := a.argOr(1, "default", nil)
			m[k] = def
			return def, nil
		case "clear":
			clear(m)
			return nil, nil
		}
		return nil, errorf("popitem() is not supported on this dict")
	case "get":
		k, _ := a.arg(0, "key")
		if s, ok := k.(string); ok {
			if v, ok := m[s]; ok {
				return wrapGoQ(v, quote), nil
			}
		}
		return a.argOr(1, "default", nil), nil
	case "items":
		return &dictView{kind: "dict_items", items: dictItems(m)}, nil
	case "keys":
		keys, _ := iterate(m)
		return &dictView{kind: "dict_keys", items: keys}, nil
	case "values":
		keys := sortedKeys(m)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = wrapGoQ(m[k], quote)
		}
		return &dictView{kind: "dict_values", items: out}, nil
	case "copy":
		nd := newDict(len(m))
		for _, k := range sortedKeys(m) {
			nd.Set(k, wrapGoQ(m[k], quote))
		}
		return nd, nil
	}
	return nil, errorf("'dict' object has no attribute '%s'", name)
}

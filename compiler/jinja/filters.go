package jinja

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

type filterFn func(r *renderer, v any, a *callArgs) (any, error)

var filters map[string]filterFn

type testFn func(r *renderer, v any, args []any) (bool, error)

var jtests map[string]testFn

func (r *renderer) applyFilter(f *nodes.FilterCall, v any) (any, error) {
	fn, ok := filters[f.Name]
	if !ok {
		return nil, errorf("no filter named '%s'", f.Name)
	}
	a := &callArgs{}
	if len(f.Args) > 0 {
		a.pos = make([]any, len(f.Args))
		for i, e := range f.Args {
			x, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			a.pos[i] = x
		}
	}
	if len(f.Kwargs) > 0 {
		a.kw = make(map[string]any, len(f.Kwargs))
		for k, e := range f.Kwargs {
			x, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			a.kw[k] = x
		}
	}
	return fn(r, v, a)
}

func (r *renderer) callFilter(name string, v any, args []any) (any, error) {
	fn, ok := filters[name]
	if !ok {
		return nil, errorf("no filter named '%s'", name)
	}
	return fn(r, v, &callArgs{pos: args})
}

func (r *renderer) evalTest(x *nodes.TestExpression) (any, error) {
	v, err := r.eval(x.Expression)
	if err != nil {
		return nil, err
	}
	var args []any
	if x.Test != nil {
		for _, e := range x.Test.Args {
			a, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
	}
	ok, err := r.runTest(x.Test.Name, v, args)
	if err != nil {
		return nil, err
	}
	return ok, nil
}

func (r *renderer) runTest(name string, v any, args []any) (bool, error) {
	t, ok := jtests[name]
	if !ok {
		return false, errorf("no test named '%s'", name)
	}
	return t(r, v, args)
}

// attrPath reads "a.b.0" from a value the way Jinja's attribute= arguments do.
func (r *renderer) attrPath(v any, path string) (any, error) {
	for _, part := range strings.Split(path, ".") {
		var err error
		if i, convErr := strconv.Atoi(part); convErr == nil {
			if v, err = r.getItem(v, i); err != nil {
				// Jinja's getitem: an item that cannot be read is undefined
				v, err = &Undefined{Name: part}, nil
			}
		} else {
			v, err = r.getAttr(v, part)
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

func init() {
	filters = map[string]filterFn{
		"abs": func(r *renderer, v any, a *callArgs) (any, error) {
			switch x := v.(type) {
			case int:
				if x < 0 {
					return -x, nil
				}
				return x, nil
			case float64:
				return math.Abs(x), nil
			}
			return nil, errorf("bad operand type for abs(): '%s'", typeName(v))
		},
		"attr": func(r *renderer, v any, a *callArgs) (any, error) {
			return r.getAttr(v, toStr(a.argOr(0, "name", "")))
		},
		"batch": func(r *renderer, v any, a *callArgs) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			n, _ := toInt(a.argOr(0, "linecount", 1))
			if n <= 0 {
				return nil, errorf("batch size must be positive")
			}
			fill, hasFill := a.arg(1, "fill_with")
			var out []any
			for i := 0; i < len(items); i += n {
				end := min(i+n, len(items))
				chunk := append([]any(nil), items[i:end]...)
				if hasFill && fill != nil {
					for len(chunk) < n {
						chunk = append(chunk, fill)
					}
				}
				out = append(out, &List{Items: chunk})
			}
			return &List{Items: out}, nil
		},
		"capitalize": func(r *renderer, v any, a *callArgs) (any, error) { return strMethod(toStr(v), "capitalize", a) },
		"center": func(r *renderer, v any, a *callArgs) (any, error) {
			return strMethod(toStr(v), "center", &callArgs{pos: []any{a.argOr(0, "width", 80)}})
		},
		"default":  filterDefault,
		"d":        filterDefault,
		"dictsort": filterDictsort,
		"escape":   func(r *renderer, v any, a *callArgs) (any, error) { return htmlEscape(toStr(v)), nil },
		"e":        func(r *renderer, v any, a *callArgs) (any, error) { return htmlEscape(toStr(v)), nil },
		"first": func(r *renderer, v any, a *callArgs) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				return &Undefined{Name: "first", Hint: "no first item, sequence was empty"}, nil
			}
			return items[0], nil
		},
		"last": func(r *renderer, v any, a *callArgs) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(items) == 0 {
				return &Undefined{Name: "last", Hint: "no last item, sequence was empty"}, nil
			}
			return items[len(items)-1], nil
		},
		"float": func(r *renderer, v any, a *callArgs) (any, error) {
			def := a.argOr(0, "default", 0.0)
			switch x := v.(type) {
			case float64:
				return x, nil
			case int:
				return float64(x), nil
			case bool:
				return float64(boolInt(x)), nil
			case string:
				if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
					return f, nil
				}
			}
			return def, nil
		},
		"int": func(r *renderer, v any, a *callArgs) (any, error) {
			def := a.argOr(0, "default", 0)
			switch x := v.(type) {
			case int:
				return x, nil
			case float64:
				return int(x), nil
			case bool:
				return boolInt(x), nil
			case string:
				s := strings.TrimSpace(x)
				base, _ := toInt(a.argOr(1, "base", 10))
				if i, err := strconv.ParseInt(s, base, 64); err == nil {
					return int(i), nil
				}
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					return int(f), nil
				}
			}
			return def, nil
		},
		"format": func(r *renderer, v any, a *callArgs) (any, error) {
			if len(a.kw) > 0 {
				return pyFormat(toStr(v), a)
			}
			return percentFormat(toStr(v), &List{Items: a.pos})
		},
		"groupby": filterGroupby,
		"indent": func(r *renderer, v any, a *callArgs) (any, error) {
			w := a.argOr(0, "width", 4)
			pad := ""
			if s, ok := w.(string); ok {
				pad = s
			} else {
				n, _ := toInt(w)
				pad = strings.Repeat(" ", n)
			}
			first := truthy(a.argOr(1, "first", false))
			blank := truthy(a.argOr(2, "blank", false))
			lines := strings.Split(toStr(v), "\n")
			for i, l := range lines {
				if i == 0 && !first {
					continue
				}
				if l == "" && !blank {
					continue
				}
				lines[i] = pad + l
			}
			return strings.Join(lines, "\n"), nil
		},
		"items": func(r *renderer, v any, a *callArgs) (any, error) {
			if _, ok := v.(*Undefined); ok {
				return &List{}, nil
			}
			m, ok := asMapping(v)
			if !ok {
				return nil, errorf("can only get items from a mapping")
			}
			return &List{Items: dictItems(m)}, nil
		},
		"join": func(r *renderer, v any, a *callArgs) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			sep := toStr(a.argOr(0, "d", ""))
			attr, hasAttr := a.arg(1, "attribute")
			parts := make([]string, len(items))
			for i, it := range items {
				if hasAttr && attr != nil {
					if it, err = r.attrPath(it, toStr(attr)); err != nil {
						return nil, err
					}
				}
				parts[i] = toStr(it)
			}
			return strings.Join(parts, sep), nil
		},
		"length": filterLength,
		"count":  filterLength,
		"list": func(r *renderer, v any, a *callArgs) (any, error) {
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			return &List{Items: append([]any(nil), items...)}, nil
		},
		"lower":  func(r *renderer, v any, a *callArgs) (any, error) { return pyLower(toStr(v)), nil },
		"upper":  func(r *renderer, v any, a *callArgs) (any, error) { return pyUpper(toStr(v)), nil },
		"map":    filterMap,
		"max":    func(r *renderer, v any, a *callArgs) (any, error) { return minMax(r, v, a, 1) },
		"min":    func(r *renderer, v any, a *callArgs) (any, error) { return minMax(r, v, a, -1) },
		"pprint": func(r *renderer, v any, a *callArgs) (any, error) { return pprint(v), nil },
		"reject": func(r *renderer, v any, a *callArgs) (any, error) { return selectReject(r, v, a, false, false) },
		"rejectattr": func(r *renderer, v any, a *callArgs) (any, error) {
			return selectReject(r, v, a, true, false)
		},
		"select": func(r *renderer, v any, a *callArgs) (any, error) { return selectReject(r, v, a, false, true) },
		"selectattr": func(r *renderer, v any, a *callArgs) (any, error) {
			return selectReject(r, v, a, true, true)
		},
		"replace": func(r *renderer, v any, a *callArgs) (any, error) {
			return strMethod(toStr(v), "replace", a)
		},
		"reverse": func(r *renderer, v any, a *callArgs) (any, error) {
			if s, ok := v.(string); ok {
				rs := []rune(s)
				for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
					rs[i], rs[j] = rs[j], rs[i]
				}
				return string(rs), nil
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(items))
			for i, it := range items {
				out[len(items)-1-i] = it
			}
			return &List{Items: out}, nil
		},
		"round": func(r *renderer, v any, a *callArgs) (any, error) {
			f, ok := toFloat(v)
			if !ok {
				return nil, errorf("round filter needs a number")
			}
			prec, _ := toInt(a.argOr(0, "precision", 0))
			method := toStr(a.argOr(1, "method", "common"))
			p := math.Pow(10, float64(prec))
			switch method {
			case "ceil":
				return math.Ceil(f*p) / p, nil
			case "floor":
				return math.Floor(f*p) / p, nil
			}
			return math.Round(f*p) / p, nil
		},
		"safe":         func(r *renderer, v any, a *callArgs) (any, error) { return v, nil },
		"forceescape":  func(r *renderer, v any, a *callArgs) (any, error) { return htmlEscape(toStr(v)), nil },
		"slice":        filterSlice,
		"sort":         filterSort,
		"string":       func(r *renderer, v any, a *callArgs) (any, error) { return toStr(v), nil },
		"striptags":    func(r *renderer, v any, a *callArgs) (any, error) { return stripTags(toStr(v)), nil },
		"sum":          filterSum,
		"title":        func(r *renderer, v any, a *callArgs) (any, error) { return pyTitle(toStr(v)), nil },
		"tojson":       func(r *renderer, v any, a *callArgs) (any, error) { return htmlSafeJSON(v, a.argOr(0, "indent", nil)) },
		"trim":         filterTrim,
		"truncate":     filterTruncate,
		"unique":       filterUnique,
		"wordcount":    func(r *renderer, v any, a *callArgs) (any, error) { return len(strings.Fields(toStr(v))), nil },
		"urlencode":    func(r *renderer, v any, a *callArgs) (any, error) { return urlEncode(toStr(v)), nil },
		"wordwrap":     func(r *renderer, v any, a *callArgs) (any, error) { return toStr(v), nil },
		"xmlattr":      func(r *renderer, v any, a *callArgs) (any, error) { return "", nil },
		"fromjson":     func(r *renderer, v any, a *callArgs) (any, error) { return fromJSON(toStr(v)) },
		"is_list":      func(r *renderer, v any, a *callArgs) (any, error) { _, ok := seqItems(v); return ok, nil },
		"default_none": func(r *renderer, v any, a *callArgs) (any, error) { return v, nil },
	}

	jtests = map[string]testFn{
		"defined": func(r *renderer, v any, _ []any) (bool, error) { _, u := v.(*Undefined); return !u, nil },
		"undefined": func(r *renderer, v any, _ []any) (bool, error) {
			_, u := v.(*Undefined)
			return u, nil
		},
		"none":    func(r *renderer, v any, _ []any) (bool, error) { return v == nil, nil },
		"boolean": func(r *renderer, v any, _ []any) (bool, error) { _, ok := v.(bool); return ok, nil },
		"true":    func(r *renderer, v any, _ []any) (bool, error) { b, ok := v.(bool); return ok && b, nil },
		"false":   func(r *renderer, v any, _ []any) (bool, error) { b, ok := v.(bool); return ok && !b, nil },
		"string":  func(r *renderer, v any, _ []any) (bool, error) { _, ok := v.(string); return ok, nil },
		"number": func(r *renderer, v any, _ []any) (bool, error) {
			switch v.(type) {
			case int, float64:
				return true, nil
			}
			return false, nil
		},
		"integer": func(r *renderer, v any, _ []any) (bool, error) { _, ok := v.(int); return ok, nil },
		"float":   func(r *renderer, v any, _ []any) (bool, error) { _, ok := v.(float64); return ok, nil },
		"mapping": func(r *renderer, v any, _ []any) (bool, error) {
			switch v.(type) {
			case *Dict, map[string]any, *Relation:
				return true, nil
			case *Undefined, nil, string:
				return false, nil
			}
			_, ok := asMapping(v)
			return ok, nil
		},
		"sequence": func(r *renderer, v any, args []any) (bool, error) {
			// a sequence has len() and [i]: sets and dict views do not
			switch v.(type) {
			case *Set, *dictView:
				return false, nil
			}
			return isIterable(r, v, args)
		},
		"iterable": isIterable,
		"callable": func(r *renderer, v any, _ []any) (bool, error) {
			switch v.(type) {
			case *Func, *macroVal, callable:
				return true, nil
			}
			return false, nil
		},
		"odd": func(r *renderer, v any, _ []any) (bool, error) { i, ok := v.(int); return ok && i%2 != 0, nil },
		"even": func(r *renderer, v any, _ []any) (bool, error) {
			i, ok := v.(int)
			return ok && i%2 == 0, nil
		},
		"divisibleby": func(r *renderer, v any, args []any) (bool, error) {
			i, ok1 := v.(int)
			if len(args) != 1 {
				return false, errorf("divisibleby needs one argument")
			}
			d, ok2 := args[0].(int)
			if !ok1 || !ok2 || d == 0 {
				return false, nil
			}
			return i%d == 0, nil
		},
		"sameas": func(r *renderer, v any, args []any) (bool, error) {
			if len(args) != 1 {
				return false, errorf("sameas needs one argument")
			}
			switch x := v.(type) {
			case nil, bool:
				return v == args[0], nil
			case *List:
				y, ok := args[0].(*List)
				return ok && x == y, nil
			case *Dict:
				y, ok := args[0].(*Dict)
				return ok && x == y, nil
			}
			return equal(v, args[0]), nil
		},
		"in": func(r *renderer, v any, args []any) (bool, error) {
			if len(args) != 1 {
				return false, errorf("'in' needs a container")
			}
			if _, ok := args[0].(*Undefined); ok {
				// Jinja's Undefined iterates as empty: never an error
				return false, nil
			}
			return contains(args[0], v)
		},
		"lower": func(r *renderer, v any, _ []any) (bool, error) {
			s, ok := v.(string)
			return ok && strings.ToLower(s) == s, nil
		},
		"upper": func(r *renderer, v any, _ []any) (bool, error) {
			s, ok := v.(string)
			return ok && strings.ToUpper(s) == s, nil
		},
		"escaped": func(r *renderer, v any, _ []any) (bool, error) { return false, nil },
		"filter":  func(r *renderer, v any, _ []any) (bool, error) { _, ok := filters[toStr(v)]; return ok, nil },
		"test":    func(r *renderer, v any, _ []any) (bool, error) { _, ok := jtests[toStr(v)]; return ok, nil },
	}
	cmp := func(pred func(int) bool) testFn {
		return func(r *renderer, v any, args []any) (bool, error) {
			if len(args) != 1 {
				return false, errorf("comparison test needs one argument")
			}
			c, err := compare(v, args[0])
			if err != nil {
				return false, err
			}
			return pred(c), nil
		}
	}
	eq := func(r *renderer, v any, args []any) (bool, error) {
		if len(args) != 1 {
			return false, errorf("comparison test needs one argument")
		}
		return equal(v, args[0]), nil
	}
	ne := func(r *renderer, v any, args []any) (bool, error) {
		ok, err := eq(r, v, args)
		return !ok, err
	}
	for _, n := range []string{"eq", "equalto", "=="} {
		jtests[n] = eq
	}
	for _, n := range []string{"ne", "!="} {
		jtests[n] = ne
	}
	for _, n := range []string{"lt", "lessthan", "<"} {
		jtests[n] = cmp(func(c int) bool { return c < 0 })
	}
	for _, n := range []string{"le", "<="} {
		jtests[n] = cmp(func(c int) bool { return c <= 0 })
	}
	for _, n := range []string{"gt", "greaterthan", ">"} {
		jtests[n] = cmp(func(c int) bool { return c > 0 })
	}
	for _, n := range []string{"ge", ">="} {
		jtests[n] = cmp(func(c int) bool { return c >= 0 })
	}
}

func filterDefault(r *renderer, v any, a *callArgs) (any, error) {
	def := a.argOr(0, "default_value", "")
	boolean := truthy(a.argOr(1, "boolean", false))
	if _, u := v.(*Undefined); u {
		return def, nil
	}
	if boolean && !truthy(v) {
		return def, nil
	}
	return v, nil
}

func filterLength(r *renderer, v any, a *callArgs) (any, error) {
	return length(v)
}

func filterTrim(r *renderer, v any, a *callArgs) (any, error) {
	s := toStr(v)
	if chars, ok := a.arg(0, "chars"); ok && chars != nil {
		return strings.Trim(s, toStr(chars)), nil
	}
	return strings.TrimSpace(s), nil
}

func filterTruncate(r *renderer, v any, a *callArgs) (any, error) {
	s := []rune(toStr(v))
	n, _ := toInt(a.argOr(0, "length", 255))
	end := toStr(a.argOr(2, "end", "..."))
	if len(s) <= n {
		return string(s), nil
	}
	cut := max(n-len([]rune(end)), 0)
	return string(s[:cut]) + end, nil
}

func filterUnique(r *renderer, v any, a *callArgs) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	caseSensitive := truthy(a.argOr(0, "case_sensitive", false))
	attr, hasAttr := a.arg(1, "attribute")
	var out []any
	seen := newSet(nil) // Python's set: tuples and relations hash too
	for _, it := range items {
		key := it
		if hasAttr && attr != nil {
			if key, err = r.attrPath(it, toStr(attr)); err != nil {
				return nil, err
			}
		}
		if s, ok := key.(string); ok && !caseSensitive {
			key = strings.ToLower(s)
		}
		if !hashableForSet(key) {
			return nil, errorf("unhashable type: '%s'", typeName(key))
		}
		if seen.has(key) {
			continue
		}
		seen.add(key)
		out = append(out, it)
	}
	return &List{Items: out}, nil
}

func sortKey(r *renderer, it any, attr string, caseSensitive bool) (any, error) {
	var err error
	if attr != "" {
		if it, err = r.attrPath(it, attr); err != nil {
			return nil, err
		}
	}
	if s, ok := it.(string); ok && !caseSensitive {
		return strings.ToLower(s), nil
	}
	return it, nil
}

func filterSort(r *renderer, v any, a *callArgs) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	reverse := truthy(a.argOr(0, "reverse", false))
	caseSensitive := truthy(a.argOr(1, "case_sensitive", false))
	attr := ""
	if at, ok := a.arg(2, "attribute"); ok && at != nil {
		attr = toStr(at)
	}
	out := append([]any(nil), items...)
	keys := make([]any, len(out))
	for i, it := range out {
		if !strings.Contains(attr, ",") {
			if keys[i], err = sortKey(r, it, attr, caseSensitive); err != nil {
				return nil, err
			}
			continue
		}
		// attribute='a,b' sorts by a tuple of attributes (Jinja 3.1)
		var parts []any
		for _, at := range strings.Split(attr, ",") {
			k, err := sortKey(r, it, strings.TrimSpace(at), caseSensitive)
			if err != nil {
				return nil, err
			}
			parts = append(parts, k)
		}
		keys[i] = &List{Items: parts}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sort.SliceStable(idx, func(i, j int) bool {
		c, err := compare(keys[idx[i]], keys[idx[j]])
		if err != nil {
			sortErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	if sortErr != nil {
		return nil, sortErr
	}
	sorted := make([]any, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return &List{Items: sorted}, nil
}

func filterDictsort(r *renderer, v any, a *callArgs) (any, error) {
	m, ok := asMapping(v)
	if !ok {
		return nil, errorf("dictsort needs a mapping")
	}
	items := dictItems(m)
	caseSensitive := truthy(a.argOr(0, "case_sensitive", false))
	by := toStr(a.argOr(1, "by", "key"))
	reverse := truthy(a.argOr(2, "reverse", false))
	pos := 0
	if by == "value" {
		pos = 1
	}
	var sortErr error
	sort.SliceStable(items, func(i, j int) bool {
		ki := items[i].(*List).Items[pos]
		kj := items[j].(*List).Items[pos]
		if !caseSensitive {
			if s, ok := ki.(string); ok {
				ki = strings.ToLower(s)
			}
			if s, ok := kj.(string); ok {
				kj = strings.ToLower(s)
			}
		}
		c, err := compare(ki, kj)
		if err != nil {
			sortErr = err
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return &List{Items: items}, sortErr
}

func filterMap(r *renderer, v any, a *callArgs) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	if attr, ok := a.kw["attribute"]; ok {
		def, hasDef := a.kw["default"]
		for _, it := range items {
			x, err := r.attrPath(it, toStr(attr))
			if err != nil {
				return nil, err
			}
			if _, u := x.(*Undefined); u && hasDef {
				x = def
			}
			out = append(out, x)
		}
		return &List{Items: out}, nil
	}
	if len(a.pos) == 0 {
		return nil, errorf("map() needs a filter name or attribute=")
	}
	name := toStr(a.pos[0])
	for _, it := range items {
		x, err := r.callFilter(name, it, a.pos[1:])
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return &List{Items: out}, nil
}

func selectReject(r *renderer, v any, a *callArgs, byAttr, keep bool) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	args := a.pos
	attr := ""
	if byAttr {
		if len(args) == 0 {
			return nil, errorf("selectattr/rejectattr need an attribute name")
		}
		attr = toStr(args[0])
		args = args[1:]
	}
	test := ""
	if len(args) > 0 {
		test = toStr(args[0])
		args = args[1:]
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		x := it
		if byAttr {
			if x, err = r.attrPath(it, attr); err != nil {
				return nil, err
			}
		}
		var ok bool
		if test == "" {
			ok = truthy(x)
		} else if ok, err = r.runTest(test, x, args); err != nil {
			return nil, err
		}
		if ok == keep {
			out = append(out, it)
		}
	}
	return &List{Items: out}, nil
}

func filterGroupby(r *renderer, v any, a *callArgs) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr := toStr(a.argOr(0, "attribute", ""))
	groups := newDict(0)
	for _, it := range items {
		k, err := r.attrPath(it, attr)
		if err != nil {
			return nil, err
		}
		g, ok := groups.Get(k)
		if !ok {
			g = &List{}
			groups.Set(k, g)
		}
		g.(*List).Items = append(g.(*List).Items, it)
	}
	keys := append([]any(nil), groups.keys...)
	sort.SliceStable(keys, func(i, j int) bool { c, _ := compare(keys[i], keys[j]); return c < 0 })
	out := make([]any, len(keys))
	for i, k := range keys {
		g, _ := groups.Get(k)
		out[i] = &groupTuple{grouper: k, list: g.(*List)}
	}
	return &List{Items: out}, nil
}

// groupTuple is groupby's (grouper, list) namedtuple.
type groupTuple struct {
	grouper any
	list    *List
}

func (g *groupTuple) getAttr(name string) (any, bool) {
	switch name {
	case "grouper":
		return g.grouper, true
	case "list", "items":
		return g.list, true
	}
	return nil, false
}

func (g *groupTuple) seq() []any     { return []any{g.grouper, g.list} }
func (g *groupTuple) pyType() string { return "tuple" }
func (g *groupTuple) String() string { return repr(newTuple(g.grouper, g.list)) }

func filterSlice(r *renderer, v any, a *callArgs) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	n, _ := toInt(a.argOr(0, "slices", 1))
	if n <= 0 {
		return nil, errorf("slice count must be positive")
	}
	per := len(items) / n
	extra := len(items) % n
	var out []any
	off := 0
	for i := 0; i < n; i++ {
		size := per
		if i < extra {
			size++
		}
		out = append(out, &List{Items: append([]any(nil), items[off:off+size]...)})
		off += size
	}
	return &List{Items: out}, nil
}

func filterSum(r *renderer, v any, a *callArgs) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	var total any = a.argOr(1, "start", 0)
	attr, hasAttr := a.arg(0, "attribute")
	for _, it := range items {
		if hasAttr && attr != nil {
			if it, err = r.attrPath(it, toStr(attr)); err != nil {
				return nil, err
			}
		}
		if total, err = arith(tokensAddition, "+", total, it); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func minMax(r *renderer, v any, a *callArgs, sign int) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return &Undefined{Name: "min/max", Hint: "no items in sequence"}, nil
	}
	caseSensitive := truthy(a.argOr(0, "case_sensitive", false))
	attr := ""
	if at, ok := a.arg(1, "attribute"); ok && at != nil {
		attr = toStr(at)
	}
	best := items[0]
	bestKey, err := sortKey(r, best, attr, caseSensitive)
	if err != nil {
		return nil, err
	}
	for _, it := range items[1:] {
		k, err := sortKey(r, it, attr, caseSensitive)
		if err != nil {
			return nil, err
		}
		c, err := compare(k, bestKey)
		if err != nil {
			return nil, err
		}
		if c*sign > 0 {
			best, bestKey = it, k
		}
	}
	return best, nil
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func urlEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 128 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || strings.IndexByte("-_.~/", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// isIterable is Jinja's `sequence` and `iterable` tests: strings and
// mappings count, as in Python.
func isIterable(_ *renderer, v any, _ []any) (bool, error) {
	switch v.(type) {
	case string, *Dict, map[string]any:
		return true, nil
	case *Undefined, nil:
		return false, nil
	}
	_, ok := seqItems(v)
	return ok, nil
}

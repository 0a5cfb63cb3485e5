package jinja

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Template values are plain Go values:
//
//	nil (None), bool, int, float64, string,
//	*List (template lists and tuples; mutable), []any / []string (read-only
//	lists from Go), *Dict (insertion-ordered dict), map[string]any (Go maps,
//	iterated in sorted key order), *Undefined, callables (*Func, *macroVal),
//	and objects implementing attrGetter (Relation, Column, loop, modules...).

// List is a template list, or a Python tuple when tuple is set (tuples
// print with parentheses, are immutable and never equal a list).
type List struct {
	Items []any
	tuple bool
}

func newList(items []any) *List { return &List{Items: items} }

func newTuple(items ...any) *List { return &List{Items: items, tuple: true} }

func isTuple(v any) bool { l, ok := v.(*List); return ok && l.tuple }

// Dict is an insertion-ordered dict with string, int, float, bool or None keys.
type Dict struct {
	keys  []any
	vals  []any
	index map[any]int // built once the dict grows past a few entries
}

func newDict(n int) *Dict { return &Dict{keys: make([]any, 0, n), vals: make([]any, 0, n)} }

func (d *Dict) find(k any) int {
	k = dictKey(k)
	if d.index != nil {
		if i, ok := d.index[k]; ok {
			return i
		}
		return -1
	}
	for i, kk := range d.keys {
		if dictKey(kk) == k {
			return i
		}
	}
	return -1
}

// relKey is how a relation is hashed as a dict key or set member: by its
// rendered name, as dbt's relations hash, but never equal to a string.
type relKey struct{ s string }

// dictKey is the comparable form of a key: numbers normalized (1 == 1.0
// == True), relations by name, other unhashable values by their string.
func dictKey(k any) any {
	switch x := k.(type) {
	case *Relation:
		return relKey{x.render()}
	case *big.Int:
		return "\x00int:" + x.String()
	case *List:
		if x.tuple {
			return "\x00tuple:" + repr(x)
		}
	}
	if !hashable(k) {
		return toStr(k)
	}
	return normKey(k)
}

func normKey(k any) any {
	switch x := k.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return int(x)
		}
	case bool:
		if x {
			return 1
		}
		return 0
	}
	return k
}

// Get returns the value for k.
func (d *Dict) Get(k any) (any, bool) {
	if i := d.find(k); i >= 0 {
		return d.vals[i], true
	}
	return nil, false
}

// Set sets k to v, keeping the original insertion position.
func (d *Dict) Set(k any, v any) {
	if i := d.find(k); i >= 0 {
		d.vals[i] = v
		return
	}
	if _, ok := k.(*Relation); !ok && !hashable(k) && !isTuple(k) && !isBig(k) {
		k = toStr(k)
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	if d.index != nil {
		d.index[dictKey(k)] = len(d.keys) - 1
	} else if len(d.keys) > 8 {
		d.index = make(map[any]int, len(d.keys)*2)
		for i, kk := range d.keys {
			d.index[dictKey(kk)] = i
		}
	}
}

// Delete removes k and reports whether it was present.
func (d *Dict) Delete(k any) bool {
	i := d.find(k)
	if i < 0 {
		return false
	}
	d.keys = append(d.keys[:i], d.keys[i+1:]...)
	d.vals = append(d.vals[:i], d.vals[i+1:]...)
	if d.index != nil {
		d.index = make(map[any]int, len(d.keys)*2)
		for j, kk := range d.keys {
			d.index[dictKey(kk)] = j
		}
	}
	return true
}

// Len is the number of entries.
func (d *Dict) Len() int { return len(d.keys) }

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []any { return d.keys }

func hashable(k any) bool {
	switch k.(type) {
	case nil, string, int, float64, bool:
		return true
	}
	return false
}

// Undefined is a missing variable or attribute. At parse time it is
// permissive (attributes and calls return another Undefined); at execute
// time rendering it yields "" but using it (attribute, call) is an error.
type Undefined struct {
	Name string
	// Hint replaces the default "'name' is undefined" message.
	Hint string
}

func (u *Undefined) message() string {
	if u.Hint != "" {
		return u.Hint
	}
	return fmt.Sprintf("'%s' is undefined", u.Name)
}

// Namespace is the mutable object returned by namespace().
type Namespace struct{ attrs *Dict }

// attrGetter is implemented by objects with attributes.
type attrGetter interface {
	getAttr(name string) (any, bool)
}

// itemGetter is implemented by objects supporting obj[key].
type itemGetter interface {
	getItem(key any) (any, bool)
}

// Func is a Go function callable from templates.
type Func struct {
	Name string
	Fn   func(r *renderer, a *callArgs) (any, error)
}

func (f *Func) String() string { return "<built-in function " + f.Name + ">" }

// callArgs are the arguments of one call.
type callArgs struct {
	pos    []any
	kw     map[string]any
	caller any // {% call %} body, when called through a call block
}

func (a *callArgs) arg(i int, name string) (any, bool) {
	if i >= 0 && i < len(a.pos) {
		return a.pos[i], true
	}
	if name != "" {
		if v, ok := a.kw[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (a *callArgs) argOr(i int, name string, def any) any {
	if v, ok := a.arg(i, name); ok {
		return v
	}
	return def
}

// ---------------------------------------------------------------------------
// Conversions

// wrapGo converts Go values from Globals and Resolver results to template
// values where needed (time.Time, adapters relations, typed numbers).
// Relations quote with double quotes; code that knows the environment uses
// wrapGoQ (renderer.wrap) so they take the adapter's quoting.
func wrapGo(v any) any { return wrapGoQ(v, nil) }

// wrapGoQ is wrapGo with the adapter's quote function (nil: double quotes):
// relations made from Go values, and template relations made without one
// (NewRelation), render with it.
func wrapGoQ(v any, quote func(string) string) any {
	switch x := v.(type) {
	case *Relation:
		if x != nil && x.Quote == nil && quote != nil && x.R.CTEName == "" && x.Limited == "" {
			c := x.copy()
			c.Quote = quote
			return c
		}
		return v
	case nil, string, bool, int, float64, *List, *Dict, map[string]any, []any, *Undefined, *Func, *macroVal:
		return v
	case int64:
		return int(x)
	case int32:
		return int(x)
	case int8:
		return int(x)
	case int16:
		return int(x)
	case uint:
		return int(x)
	case uint8:
		return int(x)
	case uint16:
		return int(x)
	case uint32:
		return int(x)
	case uint64:
		return int(x)
	case float32:
		return float64(x)
	case time.Time:
		return goTime(x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return goTime(*x)
	case time.Duration:
		return &TimeDelta{D: x}
	}
	if r, ok := relationFromGo(v, quote); ok {
		return r
	}
	return v
}

// fromGo converts plain Go data (YAML, vars, JSON: []any, map[string]any)
// into template lists and dicts, recursively, so templates can change it
// (append, update) as Python code changes dbt's values. Maps become dicts
// in sorted key order.
func fromGo(v any) any { return fromGoQ(v, nil) }

// fromGoQ is fromGo with the adapter's quote function for relations (see
// wrapGoQ).
func fromGoQ(v any, quote func(string) string) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromGoQ(e, quote)
		}
		return &List{Items: out}
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return &List{Items: out}
	case map[string]any:
		d := newDict(len(x))
		for _, k := range sortedKeys(x) {
			d.Set(k, fromGoQ(x[k], quote))
		}
		return d
	}
	return wrapGoQ(v, quote)
}

// goTime is a Go time as an aware Python datetime (dbt's run_started_at
// and friends are aware, in UTC).
func goTime(t time.Time) *DateTime {
	if t.Location() == time.UTC {
		return &DateTime{T: t, tz: utcTZ}
	}
	return (&tzObj{loc: t.Location(), name: t.Location().String()}).at(t)
}

// ToGo converts a template value to plain Go values: *List → []any,
// *Dict → map[string]any (keys stringified), Undefined → nil, datetimes →
// time.Time; other values are returned as they are.
func ToGo(v any) any {
	switch x := v.(type) {
	case *List:
		out := make([]any, len(x.Items))
		for i, e := range x.Items {
			out[i] = ToGo(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToGo(e)
		}
		return out
	case *Dict:
		out := make(map[string]any, x.Len())
		for i, k := range x.keys {
			out[keyStr(k)] = ToGo(x.vals[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ToGo(e)
		}
		return out
	case *Undefined:
		return nil
	case *DateTime:
		return x.T
	case *TimeDelta:
		return x.D
	case *Namespace:
		return ToGo(x.attrs)
	case *Set:
		return ToGo(&List{Items: x.seq()})
	}
	return v
}

func keyStr(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	return toStr(k)
}

// ---------------------------------------------------------------------------
// Python semantics

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case *List:
		return len(x.Items) > 0
	case []any:
		return len(x) > 0
	case *Dict:
		return x.Len() > 0
	case map[string]any:
		return len(x) > 0
	case *Undefined:
		return false
	case *Table:
		return true
	case *big.Int:
		return x.Sign() != 0
	case interface{ truth() bool }:
		return x.truth()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array, reflect.String:
		return rv.Len() > 0
	case reflect.Pointer, reflect.Interface:
		return !rv.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() != 0
	}
	return true
}

// toStr is Python's str().
func toStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloat(x)
	case *Undefined:
		return ""
	case *Relation:
		return x.render()
	case fmt.Stringer:
		return x.String()
	}
	return repr(v)
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	abs := math.Abs(f)
	if abs >= 1e16 || abs < 1e-4 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Python writes 1e-05 / 1e+16 with at least two exponent digits
		if i := strings.IndexAny(s, "e"); i >= 0 {
			mant, exp := s[:i], s[i+1:]
			sign := exp[:1]
			digits := exp[1:]
			if len(digits) < 2 {
				digits = "0" + digits
			}
			return mant + "e" + sign + digits
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// repr is Python's repr() for the value kinds templates use.
func repr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(pyQuote(x))
	case *List:
		if x.tuple {
			writeTupleRepr(b, x.Items)
			return
		}
		writeSeqRepr(b, x.Items)
	case []any:
		writeSeqRepr(b, x)
	case []string:
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(s))
		}
		b.WriteByte(']')
	case *Dict:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, k)
			b.WriteString(": ")
			writeRepr(b, x.vals[i])
		}
		b.WriteByte('}')
	case map[string]any:
		keys := sortedKeys(x)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(k))
			b.WriteString(": ")
			writeRepr(b, x[k])
		}
		b.WriteByte('}')
	case nil, bool, int, float64:
		b.WriteString(toStr(x))
	case *Undefined:
		b.WriteString("Undefined")
	case *Relation:
		b.WriteString(`<Relation ` + x.render() + `>`)
	case interface{ pyRepr() string }:
		b.WriteString(x.pyRepr())
	case fmt.Stringer:
		b.WriteString(x.String())
	default:
		if items, ok := seqItems(v); ok {
			writeSeqRepr(b, items)
			return
		}
		if d, ok := asMapping(v); ok {
			writeRepr(b, d)
			return
		}
		// never Go's %v of an internal value: Python's default repr
		b.WriteString("<" + typeName(v) + " object>")
	}
}

func writeTupleRepr(b *strings.Builder, items []any) {
	b.WriteByte('(')
	for i, e := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		writeRepr(b, e)
	}
	if len(items) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
}

func writeSeqRepr(b *strings.Builder, items []any) {
	b.WriteByte('[')
	for i, e := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		writeRepr(b, e)
	}
	b.WriteByte(']')
}

func pyQuote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r == rune(q) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// seqItems returns the items of a list-like value (not strings or dicts).
func seqItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case *List:
		return x.Items, true
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case string, nil, map[string]any, *Dict:
		return nil, false
	case seqLike:
		return x.seq(), true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = wrapGo(rv.Index(i).Interface())
		}
		return out, true
	}
	return nil, false
}

// seqLike is implemented by objects that iterate like lists (tables...).
type seqLike interface{ seq() []any }

// asMapping returns a dict-like view of v.
func asMapping(v any) (any, bool) {
	switch v.(type) {
	case *Dict, map[string]any:
		return v, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		d := newDict(rv.Len())
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			d.Set(k.String(), wrapGo(rv.MapIndex(k).Interface()))
		}
		return d, true
	}
	return nil, false
}

// iterate returns the items a for loop visits: list items, dict keys,
// string characters.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case *List:
		return x.Items, nil
	case []any:
		return x, nil
	case nil:
		return nil, fmt.Errorf("'NoneType' object is not iterable")
	case *Undefined:
		return nil, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *Dict:
		return append([]any(nil), x.keys...), nil
	case map[string]any:
		keys := sortedKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	}
	if items, ok := seqItems(v); ok {
		return items, nil
	}
	if m, ok := asMapping(v); ok {
		return iterate(m)
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

func length(v any) (int, error) {
	switch x := v.(type) {
	case string:
		return len([]rune(x)), nil
	case *List:
		return len(x.Items), nil
	case []any:
		return len(x), nil
	case *Dict:
		return x.Len(), nil
	case map[string]any:
		return len(x), nil
	case *Undefined:
		return 0, nil
	case interface{ length() int }:
		return x.length(), nil
	}
	if items, ok := seqItems(v); ok {
		return len(items), nil
	}
	if m, ok := asMapping(v); ok {
		return length(m)
	}
	return 0, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case *List:
		if v.(*List).tuple {
			return "tuple"
		}
		return "list"
	case []any, []string:
		return "list"
	case *Dict, map[string]any:
		return "dict"
	case *Set:
		return "set"
	case *big.Int:
		return "int"
	case *Undefined:
		return "Undefined"
	case *Func, *macroVal, *boundMethod:
		return "function"
	case *Relation:
		return "Relation"
	case interface{ pyType() string }:
		return v.(interface{ pyType() string }).pyType()
	}
	return goTypeToPy(v)
}

// mapGet reads a key from a dict-like value.
func mapGet(m any, key any) (any, bool) {
	switch x := m.(type) {
	case *Dict:
		return x.Get(key)
	case map[string]any:
		s, ok := key.(string)
		if !ok {
			return nil, false
		}
		v, ok := x[s]
		return wrapGo(v), ok
	}
	return nil, false
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, float64:
		return true
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case *big.Int:
		return bigFloat(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// equal is Python ==.
func equal(a, b any) bool {
	if m, ok := a.(*nativeMarker); ok {
		a = m.s
	}
	if m, ok := b.(*nativeMarker); ok {
		b = m.s
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		switch y := b.(type) {
		case string:
			return x == y
		case *Relation:
			return x == y.render()
		}
		return false
	case int:
		switch y := b.(type) {
		case int:
			return x == y
		case float64:
			return float64(x) == y
		case bool:
			return (x == 1 && y) || (x == 0 && !y)
		}
		return false
	case float64:
		if f, ok := toFloat(b); ok {
			return x == f
		}
		return false
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case int:
			return equal(y, x)
		}
		return false
	case *Undefined:
		_, ok := b.(*Undefined)
		return ok
	case *Relation:
		switch y := b.(type) {
		case *Relation:
			return x.render() == y.render()
		case string:
			return x.render() == y
		}
		return false
	case *Set:
		y, ok := b.(*Set)
		return ok && x.equal(y)
	case *big.Int:
		return bigEqual(x, b)
	case interface{ eq(any) (bool, bool) }:
		if r, ok := x.eq(b); ok {
			return r
		}
	}
	if _, ok := b.(*Set); ok {
		return false
	}
	if isTuple(a) != isTuple(b) {
		if _, ok := a.(*List); ok {
			if _, ok := b.(*List); ok {
				return false
			}
		}
	}
	if ai, ok := seqItems(a); ok {
		bi, ok := seqItems(b)
		if !ok || len(ai) != len(bi) {
			return false
		}
		for i := range ai {
			if !equal(ai[i], bi[i]) {
				return false
			}
		}
		return true
	}
	if am, ok := asMapping(a); ok {
		bm, ok := asMapping(b)
		if !ok {
			return false
		}
		ak, _ := iterate(am)
		bk, _ := iterate(bm)
		if len(ak) != len(bk) {
			return false
		}
		for _, k := range ak {
			av, _ := mapGet(am, k)
			bv, ok := mapGet(bm, k)
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	}
	defer func() { _ = recover() }()
	return a == b
}

// compare returns -1, 0, 1 for ordered values (numbers, strings, dates, lists).
func compare(a, b any) (int, error) {
	if c, ok, err := dtCompare(a, b); ok {
		return c, err
	}
	if isBig(a) || isBig(b) {
		if ab, ok := toBig(a); ok {
			if bb, ok := toBig(b); ok {
				return ab.Cmp(bb), nil
			}
		}
	}
	if isTuple(a) != isTuple(b) {
		if _, ok := a.(*List); ok {
			if _, ok := b.(*List); ok {
				return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
			}
		}
	}
	if af, ok := toFloat(a); ok {
		if bf, ok := toFloat(b); ok {
			switch {
			case af < bf:
				return -1, nil
			case af > bf:
				return 1, nil
			}
			return 0, nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case *DateTime:
		if y, ok := b.(*DateTime); ok {
			return x.T.Compare(y.T), nil
		}
	case *TimeDelta:
		if y, ok := b.(*TimeDelta); ok {
			switch {
			case x.D < y.D:
				return -1, nil
			case x.D > y.D:
				return 1, nil
			}
			return 0, nil
		}
	}
	if ai, ok := seqItems(a); ok {
		if bi, ok := seqItems(b); ok {
			for i := 0; i < len(ai) && i < len(bi); i++ {
				c, err := compare(ai[i], bi[i])
				if err != nil || c != 0 {
					return c, err
				}
			}
			return compareInt(len(ai), len(bi)), nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// contains is Python's "needle in haystack".
func contains(hay, needle any) (bool, error) {
	switch h := hay.(type) {
	case string:
		n, ok := needle.(string)
		if !ok {
			if _, isU := needle.(*Undefined); isU {
				return false, nil
			}
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(needle))
		}
		return strings.Contains(h, n), nil
	case *Dict:
		_, ok := h.Get(needle)
		return ok, nil
	case map[string]any:
		s, ok := needle.(string)
		if !ok {
			return false, nil
		}
		_, ok = h[s]
		return ok, nil
	case *Undefined:
		return false, nil
	case nil:
		return false, errorf("argument of type 'NoneType' is not iterable")
	case *Set:
		return h.has(needle), nil
	case zoneNames:
		return h.has(needle), nil
	}
	if items, ok := seqItems(hay); ok {
		for _, it := range items {
			if equal(it, needle) {
				return true, nil
			}
		}
		return false, nil
	}
	if m, ok := asMapping(hay); ok {
		return contains(m, needle)
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(hay))
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case float64:
		return int(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		s := strings.TrimSpace(x)
		if i, err := strconv.Atoi(s); err == nil {
			return i, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return int(f), true
		}
	}
	return 0, false
}

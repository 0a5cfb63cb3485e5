package jinja

import (
	"math/big"
	"strings"
)

// Set is Python's set (dbt's set() and set_strict()): unordered equality,
// the operators - | & ^ and the comparisons, membership, and the methods.
// It keeps insertion order internally and prints in CPython's order where
// that order is predictable (integers); other sets print in insertion order.
type Set struct{ d *Dict }

func newSet(items []any) *Set {
	s := &Set{d: newDict(len(items))}
	for _, it := range items {
		s.add(it)
	}
	return s
}

func (s *Set) add(v any) {
	if _, ok := s.d.Get(v); !ok {
		s.d.Set(v, v)
	}
}

func (s *Set) has(v any) bool { _, ok := s.d.Get(v); return ok }

func (s *Set) length() int { return s.d.Len() }

// members are the elements in insertion order.
func (s *Set) members() []any { return s.d.vals }

// seq is the iteration order: CPython's for integer sets.
func (s *Set) seq() []any { return pySetOrder(s.d.vals) }

func (s *Set) truth() bool { return s.d.Len() > 0 }

func (s *Set) String() string {
	if s.d.Len() == 0 {
		return "set()"
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range s.seq() {
		if i > 0 {
			b.WriteString(", ")
		}
		writeRepr(&b, v)
	}
	b.WriteByte('}')
	return b.String()
}

func (s *Set) copySet() *Set { return newSet(s.d.vals) }

// hashableForSet reports whether v can be a set element (Python refuses
// lists, dicts and sets).
func hashableForSet(v any) bool {
	switch x := v.(type) {
	case *List:
		if !x.tuple {
			return false
		}
		for _, e := range x.Items {
			if !hashableForSet(e) {
				return false
			}
		}
		return true
	case []any, []string, *Dict, map[string]any, *Set:
		return false
	}
	return true
}

func setFrom(v any) (*Set, error) {
	if s, ok := v.(*Set); ok {
		return s, nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if !hashableForSet(it) {
			return nil, errorf("unhashable type: '%s'", typeName(it))
		}
	}
	return newSet(items), nil
}

func (s *Set) union(o *Set) *Set {
	out := s.copySet()
	for _, v := range o.members() {
		out.add(v)
	}
	return out
}

func (s *Set) intersect(o *Set) *Set {
	out := newSet(nil)
	for _, v := range s.members() {
		if o.has(v) {
			out.add(v)
		}
	}
	return out
}

func (s *Set) minus(o *Set) *Set {
	out := newSet(nil)
	for _, v := range s.members() {
		if !o.has(v) {
			out.add(v)
		}
	}
	return out
}

func (s *Set) symDiff(o *Set) *Set { return s.minus(o).union(o.minus(s)) }

func (s *Set) subsetOf(o *Set) bool {
	for _, v := range s.members() {
		if !o.has(v) {
			return false
		}
	}
	return true
}

func (s *Set) equal(o *Set) bool { return s.length() == o.length() && s.subsetOf(o) }

// setOp is a binary operator with a set on the left or right.
func setOp(sym string, l, r any) (any, bool, error) {
	ls, lok := l.(*Set)
	rs, rok := r.(*Set)
	if !lok && !rok {
		return nil, false, nil
	}
	if !lok || !rok {
		return nil, true, errorf("unsupported operand type(s) for %s: '%s' and '%s'", sym, typeName(l), typeName(r))
	}
	switch sym {
	case "-":
		return ls.minus(rs), true, nil
	case "|":
		return ls.union(rs), true, nil
	case "&":
		return ls.intersect(rs), true, nil
	case "^":
		return ls.symDiff(rs), true, nil
	}
	return nil, true, errorf("unsupported operand type(s) for %s: 'set' and 'set'", sym)
}

// compareSets is <, <=, >, >= between sets (subset relations).
func compareSets(op string, a, b *Set) bool {
	switch op {
	case "<":
		return a.length() < b.length() && a.subsetOf(b)
	case "<=":
		return a.subsetOf(b)
	case ">":
		return b.length() < a.length() && b.subsetOf(a)
	}
	return b.subsetOf(a)
}

var setMethods = map[string]bool{
	"add": true, "remove": true, "discard": true, "pop": true, "clear": true, "update": true, "copy": true,
	"union": true, "intersection": true, "difference": true, "symmetric_difference": true,
	"issubset": true, "issuperset": true, "isdisjoint": true, "intersection_update": true, "difference_update": true,
}

func setMethod(s *Set, name string, a *callArgs) (any, error) {
	others := func() ([]*Set, error) {
		var out []*Set
		for _, p := range a.pos {
			o, err := setFrom(p)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
		return out, nil
	}
	one := func() (any, error) {
		if len(a.pos) != 1 {
			return nil, errorf("set.%s() takes exactly one argument (%d given)", name, len(a.pos))
		}
		return a.pos[0], nil
	}
	switch name {
	case "add":
		v, err := one()
		if err != nil {
			return nil, err
		}
		if !hashableForSet(v) {
			return nil, errorf("unhashable type: '%s'", typeName(v))
		}
		s.add(v)
		return nil, nil
	case "remove", "discard":
		v, err := one()
		if err != nil {
			return nil, err
		}
		if !s.d.Delete(v) && name == "remove" {
			return nil, errorf("KeyError: %s", repr(v))
		}
		return nil, nil
	case "pop":
		if s.length() == 0 {
			return nil, errorf("pop from an empty set")
		}
		v := s.seq()[0]
		s.d.Delete(v)
		return v, nil
	case "clear":
		s.d = newDict(0)
		return nil, nil
	case "copy":
		return s.copySet(), nil
	}
	os, err := others()
	if err != nil {
		return nil, err
	}
	out := s
	switch name {
	case "update", "union":
		if name == "union" {
			out = s.copySet()
		}
		for _, o := range os {
			for _, v := range o.members() {
				out.add(v)
			}
		}
		if name == "update" {
			return nil, nil
		}
		return out, nil
	case "intersection", "intersection_update":
		res := s.copySet()
		for _, o := range os {
			res = res.intersect(o)
		}
		if name == "intersection_update" {
			s.d = res.d
			return nil, nil
		}
		return res, nil
	case "difference", "difference_update":
		res := s.copySet()
		for _, o := range os {
			res = res.minus(o)
		}
		if name == "difference_update" {
			s.d = res.d
			return nil, nil
		}
		return res, nil
	}
	if len(os) != 1 {
		return nil, errorf("set.%s() takes exactly one argument (%d given)", name, len(os))
	}
	o := os[0]
	switch name {
	case "symmetric_difference":
		return s.symDiff(o), nil
	case "issubset":
		return s.subsetOf(o), nil
	case "issuperset":
		return o.subsetOf(s), nil
	case "isdisjoint":
		return s.intersect(o).length() == 0, nil
	}
	return nil, errorf("'set' object has no attribute '%s'", name)
}

// pySetOrder returns set members in the order CPython iterates them when
// every member is an integer (or bool): the hash-table slot order, with
// CPython's table sizes and probing. Other sets keep insertion order.
func pySetOrder(items []any) []any {
	if len(items) < 2 {
		return items
	}
	hashes := make([]uint64, len(items))
	for i, v := range items {
		h, ok := pyIntHash(v)
		if !ok {
			return items
		}
		hashes[i] = h
	}
	size := uint64(8)
	fill := 0
	table := make([]int, size)
	for i := range table {
		table[i] = -1
	}
	insert := func(tab []int, mask uint64, idx int) {
		h := hashes[idx]
		i := h & mask
		perturb := h
		for {
			if tab[i] < 0 {
				tab[i] = idx
				return
			}
			// CPython probes the next LINEAR_PROBES slots first
			if i+9 <= mask {
				for j := uint64(1); j <= 9; j++ {
					if tab[i+j] < 0 {
						tab[i+j] = idx
						return
					}
				}
			}
			perturb >>= 5
			i = (i*5 + 1 + perturb) & mask
		}
	}
	for idx := range items {
		insert(table, size-1, idx)
		fill++
		if uint64(fill)*5 >= (size-1)*3 {
			want := uint64(fill) * 4
			if fill > 50000 {
				want = uint64(fill) * 2
			}
			ns := uint64(8)
			for ns <= want {
				ns <<= 1
			}
			old := table
			size = ns
			table = make([]int, size)
			for i := range table {
				table[i] = -1
			}
			// a resize re-inserts in the old table's slot order
			for _, p := range old {
				if p >= 0 {
					insert(table, size-1, p)
				}
			}
		}
	}
	out := make([]any, 0, len(items))
	for _, idx := range table {
		if idx >= 0 {
			out = append(out, items[idx])
		}
	}
	return out
}

// pyIntHash is CPython's hash() of an int or bool.
func pyIntHash(v any) (uint64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		const modulus = (1 << 61) - 1
		n := x
		neg := n < 0
		if neg {
			n = -n
		}
		h := n % modulus
		if neg {
			h = -h
		}
		if h == -1 {
			h = -2
		}
		return uint64(h), true
	case *big.Int:
		m := new(big.Int).Mod(new(big.Int).Abs(x), big.NewInt((1<<61)-1)).Int64()
		if x.Sign() < 0 {
			m = -m
		}
		if m == -1 {
			m = -2
		}
		return uint64(m), true
	}
	return 0, false
}

// dictView is what dict.keys(), .values() and .items() return: iterable,
// sized, printed as Python prints views.
type dictView struct {
	kind  string // dict_keys, dict_values, dict_items
	items []any
}

func (v *dictView) seq() []any     { return v.items }
func (v *dictView) length() int    { return len(v.items) }
func (v *dictView) truth() bool    { return len(v.items) > 0 }
func (v *dictView) pyType() string { return v.kind }
func (v *dictView) String() string {
	var b strings.Builder
	b.WriteString(v.kind)
	b.WriteByte('(')
	writeSeqRepr(&b, v.items)
	b.WriteByte(')')
	return b.String()
}

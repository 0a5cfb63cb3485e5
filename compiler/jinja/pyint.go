package jinja

import (
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"strings"
	"unicode"
)

// Python integers have no size limit. Template ints are Go ints; a result
// that does not fit becomes a *big.Int, and a *big.Int that fits again
// becomes an int, so the common case stays allocation-free.

func normBig(b *big.Int) any {
	if b.IsInt64() {
		return int(b.Int64())
	}
	return b
}

func toBig(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case int:
		return big.NewInt(int64(x)), true
	case bool:
		return big.NewInt(int64(boolInt(x))), true
	case *big.Int:
		return x, true
	}
	return nil, false
}

func isBig(v any) bool { _, ok := v.(*big.Int); return ok }

func absInt(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func bigFloat(b *big.Int) float64 {
	f, _ := new(big.Float).SetInt(b).Float64()
	return f
}

func bigEqual(x *big.Int, b any) bool {
	switch y := b.(type) {
	case *big.Int:
		return x.Cmp(y) == 0
	case int:
		return x.Cmp(big.NewInt(int64(y))) == 0
	case float64:
		return bigFloat(x) == y
	}
	return false
}

// intArith is + - * // % ** on Python ints; ok is false when an operand is
// not an int (or bool), or the operator is not one of these.
func intArith(sym string, l, r any) (any, bool, error) {
	li, lok := l.(int)
	ri, rok := r.(int)
	if lb, ok := l.(bool); ok {
		li, lok = boolInt(lb), true
	}
	if rb, ok := r.(bool); ok {
		ri, rok = boolInt(rb), true
	}
	if lok && rok {
		switch sym {
		case "+":
			if res := li + ri; (li^res)&(ri^res) >= 0 {
				return res, true, nil
			}
		case "-":
			if res := li - ri; (li^ri)&(li^res) >= 0 {
				return res, true, nil
			}
		case "*":
			hi, lo := bits.Mul64(uint64(absInt(li)), uint64(absInt(ri)))
			if hi == 0 && lo <= math.MaxInt64 && li != math.MinInt && ri != math.MinInt {
				return li * ri, true, nil
			}
		case "//":
			if ri == 0 {
				return nil, true, errorf("integer division or modulo by zero")
			}
			if !(li == math.MinInt && ri == -1) {
				return floorDiv(li, ri), true, nil
			}
		case "%":
			if ri == 0 {
				return nil, true, errorf("integer division or modulo by zero")
			}
			m := li % ri
			if m != 0 && (m < 0) != (ri < 0) {
				m += ri
			}
			return m, true, nil
		case "**":
			if ri < 0 {
				return nil, false, nil // a float result
			}
		default:
			return nil, false, nil
		}
	}
	lb, lok2 := toBig(l)
	rb, rok2 := toBig(r)
	if !lok2 || !rok2 {
		return nil, false, nil
	}
	z := new(big.Int)
	switch sym {
	case "+":
		z.Add(lb, rb)
	case "-":
		z.Sub(lb, rb)
	case "*":
		z.Mul(lb, rb)
	case "//", "%":
		if rb.Sign() == 0 {
			return nil, true, errorf("integer division or modulo by zero")
		}
		q, m := new(big.Int), new(big.Int)
		q.DivMod(lb, rb, m) // Euclidean: m >= 0
		if m.Sign() != 0 && rb.Sign() < 0 {
			// Python's remainder takes the divisor's sign
			m.Add(m, rb)
			q.Add(q, big.NewInt(1))
		}
		if sym == "//" {
			return normBig(q), true, nil
		}
		return normBig(m), true, nil
	case "**":
		if rb.Sign() < 0 {
			return nil, false, nil
		}
		if rb.BitLen() > 20 {
			return nil, true, errorf("exponent too large")
		}
		z.Exp(lb, rb, nil)
	default:
		return nil, false, nil
	}
	return normBig(z), true, nil
}

// goTypeToPy names a Go value for a message without showing Go's type
// syntax: the value's own Python-ish name when it has one, else "object".
func goTypeToPy(v any) string {
	if v == nil {
		return "NoneType"
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map:
		return "dict"
	case reflect.String:
		return "str"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Func:
		return "function"
	}
	name := t.Name()
	if name == "" || !unicode.IsUpper(rune(name[0])) {
		return "object"
	}
	return strings.ToLower(name[:1]) + name[1:]
}

// Python type names of the engine's objects, for messages ("'module'
// object has no attribute ...").
func (o *objAttrs) pyType() string     { return "module" }
func (c *tableColumns) pyType() string { return "MappedSequence" }
func (tc *tableColumn) pyType() string { return "Column" }
func (r *responseObj) pyType() string  { return "AdapterResponse" }
func (n *Namespace) pyType() string    { return "Namespace" }
func (b *boundMethod) pyType() string  { return "builtin_function_or_method" }
func (p *pkgNamespace) pyType() string { return "module" }
func (c *contextObj) pyType() string   { return "dict" }

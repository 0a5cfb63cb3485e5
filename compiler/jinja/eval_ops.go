package jinja

// Operators: Python/Jinja semantics for arithmetic, comparison, membership
// and %-formatting.

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/kiln-dev/kiln/internal/diag"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

func (r *renderer) evalBinary(x *nodes.BinaryExpression) (any, error) {
	l, err := r.eval(x.Left)
	if err != nil {
		return nil, err
	}
	op := x.Operator.Token.Type
	switch op {
	case tokens.And:
		if !truthy(l) {
			return l, nil
		}
		return r.eval(x.Right)
	case tokens.Or:
		if truthy(l) {
			return l, nil
		}
		return r.eval(x.Right)
	}
	rv, err := r.eval(x.Right)
	if err != nil {
		return nil, err
	}
	return r.binaryOp(op, x.Operator.Token.Val, l, rv)
}

func (r *renderer) binaryOp(op tokens.Type, sym string, l, rv any) (any, error) {
	switch op {
	case tokens.Tilde:
		return toStr(l) + toStr(rv), nil
	case tokens.Equals:
		return equal(l, rv), nil
	case tokens.Ne:
		return !equal(l, rv), nil
	case tokens.LowerThan, tokens.LowerThanOrEqual, tokens.GreaterThan, tokens.GreaterThanOrEqual:
		if ul, ok := l.(*Undefined); ok {
			if _, err := r.undefinedUse(ul); err != nil {
				return nil, err
			}
			return false, nil
		}
		if ur, ok := rv.(*Undefined); ok {
			if _, err := r.undefinedUse(ur); err != nil {
				return nil, err
			}
			return false, nil
		}
		if ls, ok := l.(*Set); ok {
			if rs, ok := rv.(*Set); ok {
				return compareSets(sym, ls, rs), nil
			}
		}
		c, err := compare(l, rv)
		if err != nil {
			return nil, err
		}
		switch op {
		case tokens.LowerThan:
			return c < 0, nil
		case tokens.LowerThanOrEqual:
			return c <= 0, nil
		case tokens.GreaterThan:
			return c > 0, nil
		}
		return c >= 0, nil
	}
	if u, ok := l.(*Undefined); ok {
		return r.undefinedUse(u)
	}
	if u, ok := rv.(*Undefined); ok {
		return r.undefinedUse(u)
	}
	return arith(op, sym, l, rv)
}

func arith(op tokens.Type, sym string, l, rv any) (any, error) {
	if f, ok := l.(reFlag); ok {
		l = int(f)
	}
	if f, ok := rv.(reFlag); ok {
		rv = int(f)
	}
	if v, ok, err := intArith(sym, l, rv); ok || err != nil {
		return v, err
	}
	if v, ok, err := setOp(sym, l, rv); ok || err != nil {
		return v, err
	}
	if v, ok, err := dtArith(sym, l, rv); ok || err != nil {
		return v, err
	}
	if lb, ok := l.(*big.Int); ok {
		l = bigFloat(lb)
	}
	if rb, ok := rv.(*big.Int); ok {
		rv = bigFloat(rb)
	}
	li, lInt := l.(int)
	ri, rInt := rv.(int)
	if lb, ok := l.(bool); ok {
		li, lInt = boolInt(lb), true
	}
	if rb, ok := rv.(bool); ok {
		ri, rInt = boolInt(rb), true
	}
	lf, lNum := toFloat(l)
	rf, rNum := toFloat(rv)
	switch op {
	case tokens.Addition:
		switch {
		case lInt && rInt:
			return li + ri, nil
		case lNum && rNum:
			return lf + rf, nil
		}
		if ls, ok := l.(string); ok {
			if rs, ok := rv.(string); ok {
				return ls + rs, nil
			}
		}
		if isTuple(l) != isTuple(rv) {
			if _, ok := rv.(*List); ok {
				if _, ok := l.(*List); ok {
					return nil, errorf("can only concatenate %s (not \"%s\") to %s", typeName(l), typeName(rv), typeName(l))
				}
			}
		}
		if _, isSet := l.(*Set); !isSet {
			if lItems, ok := seqItems(l); ok {
				if rItems, ok := seqItems(rv); ok {
					out := make([]any, 0, len(lItems)+len(rItems))
					out = append(append(out, lItems...), rItems...)
					return &List{Items: out, tuple: isTuple(l)}, nil
				}
			}
		}
	case tokens.Subtraction:
		switch {
		case lInt && rInt:
			return li - ri, nil
		case lNum && rNum:
			return lf - rf, nil
		}
	case tokens.Multiply:
		switch {
		case lInt && rInt:
			return li * ri, nil
		case lNum && rNum:
			return lf * rf, nil
		}
		if lInt && !rInt {
			// 3 * 'ab' is 'ab' * 3
			l, rv, li, ri, lInt, rInt = rv, l, ri, li, rInt, lInt
		}
		if s, ok := l.(string); ok && rInt {
			if ri < 0 {
				ri = 0
			}
			return strings.Repeat(s, ri), nil
		}
		if _, isSet := l.(*Set); !isSet && rInt {
			if items, ok := seqItems(l); ok {
				out := []any{}
				for i := 0; i < ri; i++ {
					out = append(out, items...)
				}
				return &List{Items: out, tuple: isTuple(l)}, nil
			}
		}
	case tokens.Division:
		if lNum && rNum {
			if rf == 0 {
				return nil, errorf("division by zero")
			}
			return lf / rf, nil
		}
	case tokens.FloorDivision:
		if lInt && rInt {
			if ri == 0 {
				return nil, errorf("integer division or modulo by zero")
			}
			return floorDiv(li, ri), nil
		}
		if lNum && rNum {
			if rf == 0 {
				return nil, errorf("float floor division by zero")
			}
			return math.Floor(lf / rf), nil
		}
	case tokens.Modulo:
		if lInt && rInt {
			if ri == 0 {
				return nil, errorf("integer division or modulo by zero")
			}
			m := li % ri
			if m != 0 && (m < 0) != (ri < 0) {
				m += ri
			}
			return m, nil
		}
		if lNum && rNum {
			if rf == 0 {
				return nil, errorf("float modulo")
			}
			m := math.Mod(lf, rf)
			if m != 0 && (m < 0) != (rf < 0) {
				m += rf
			}
			return m, nil
		}
		if s, ok := l.(string); ok {
			return percentFormat(s, rv)
		}
	case tokens.Power:
		if lNum && rNum {
			if lf == 0 && rf < 0 {
				return nil, errorf("0.0 cannot be raised to a negative power")
			}
			return math.Pow(lf, rf), nil
		}
	}
	return nil, errorf("unsupported operand type(s) for %s: '%s' and '%s'", sym, typeName(l), typeName(rv))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// percentFormat implements "fmt" % args for %s, %d, %i, %f, %r and %%.
func percentFormat(format string, arg any) (any, error) {
	var args []any
	mapping, isMap := arg.(*Dict)
	if isTuple(arg) {
		args = arg.(*List).Items
	} else {
		args = []any{arg}
	}
	var b strings.Builder
	ai := 0
	var keyed any
	hasKey := false
	next := func() (any, error) {
		if hasKey {
			hasKey = false
			return keyed, nil
		}
		if ai >= len(args) {
			return nil, errorf("not enough arguments for format string")
		}
		ai++
		return args[ai-1], nil
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '(' {
			end := strings.IndexByte(format[j:], ')')
			if end < 0 {
				return nil, errorf("incomplete format key")
			}
			name := format[j+1 : j+end]
			j += end + 1
			var src any = arg
			if isMap {
				src = mapping
			}
			v, ok := mapGet(src, name)
			if !ok {
				if _, isDict := asMapping(src); !isDict {
					return nil, errorf("format requires a mapping")
				}
				return nil, errorf("KeyError: %s", repr(name))
			}
			keyed, hasKey = v, true
		}
		specStart := j
		for j < len(format) && strings.IndexByte("0123456789.-+ #", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			b.WriteString(format[i:])
			break
		}
		spec := format[specStart:j]
		verb := format[j]
		i = j
		switch verb {
		case '%':
			b.WriteByte('%')
		case 's':
			v, err := next()
			if err != nil {
				return nil, err
			}
			b.WriteString(fmt.Sprintf("%"+spec+"s", toStr(v)))
		case 'r':
			v, err := next()
			if err != nil {
				return nil, err
			}
			b.WriteString(repr(v))
		case 'd', 'i':
			v, err := next()
			if err != nil {
				return nil, err
			}
			n, ok := toInt(v)
			if !ok {
				return nil, errorf("%%d format: a number is required, not %s", typeName(v))
			}
			b.WriteString(fmt.Sprintf("%"+spec+"d", n))
		case 'x', 'X', 'o':
			v, err := next()
			if err != nil {
				return nil, err
			}
			n, ok := v.(int)
			if !ok {
				return nil, errorf("%%%c format: an integer is required, not %s", verb, typeName(v))
			}
			b.WriteString(fmt.Sprintf("%"+spec+string(verb), n))
		case 'f', 'F', 'e', 'E', 'g', 'G':
			v, err := next()
			if err != nil {
				return nil, err
			}
			f, ok := toFloat(v)
			if !ok {
				return nil, errorf("must be real number, not %s", typeName(v))
			}
			if spec == "" && verb == 'f' {
				spec = ".6"
			}
			b.WriteString(fmt.Sprintf("%"+spec+string(verb), f))
		default:
			return nil, errorf("unsupported format character '%c'", verb)
		}
	}
	// Python does not complain about unused arguments when the argument
	// is a mapping or another non-tuple, non-string sequence
	_, isMapping := asMapping(arg)
	_, isSeq := seqItems(arg)
	if ai < len(args) && !isMapping && (!isSeq || isTuple(arg)) {
		return nil, errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// suggest proposes a visible macro or builtin close to name.
func (r *renderer) suggest(name string) string {
	cands := make([]string, 0, len(r.st.lookup)+len(builtins))
	for k := range r.st.lookup {
		cands = append(cands, k)
	}
	for k := range builtins {
		cands = append(cands, k)
	}
	return diag.Suggest(name, cands)
}

package jinja

// Python module shims: modules.itertools here; modules.datetime and
// modules.pytz in pydatetime.go, modules.re in pyre.go.

var modulesObj = &objAttrs{name: "modules", attrs: map[string]any{
	"datetime":  datetimeModule,
	"re":        reModule,
	"itertools": itertoolsModule,
	"pytz":      pytzModule,
}}

// ---------------------------------------------------------------------------
// itertools

// itertools results are lists (Python's are iterators, which templates
// consume with |list or a for loop); their elements are tuples.

func iterArgs(a *callArgs) ([][]any, error) {
	var pools [][]any
	for _, p := range a.pos {
		items, err := iterate(p)
		if err != nil {
			return nil, err
		}
		pools = append(pools, items)
	}
	return pools, nil
}

const maxIterResult = 1_000_000

func itertoolsFn(name string, f func(r *renderer, a *callArgs) ([]any, error)) *Func {
	return fn("itertools."+name, func(r *renderer, a *callArgs) (any, error) {
		out, err := f(r, a)
		if err != nil {
			return nil, err
		}
		if len(out) > maxIterResult {
			return nil, errorf("itertools.%s: more than %d items", name, maxIterResult)
		}
		return &List{Items: out}, nil
	})
}

// choose yields index tuples: combinations (with or without replacement)
// and permutations, in Python's order.
func choose(items []any, k int, ordered, replace bool) []any {
	var out []any
	used := make([]bool, len(items))
	var rec func(start int, cur []any)
	rec = func(start int, cur []any) {
		if len(out) > maxIterResult {
			return
		}
		if len(cur) == k {
			out = append(out, newTuple(append([]any(nil), cur...)...))
			return
		}
		from := start
		if ordered {
			from = 0
		}
		for i := from; i < len(items); i++ {
			if ordered && used[i] {
				continue
			}
			used[i] = ordered
			next := i + 1
			if replace {
				next = i
			}
			rec(next, append(cur, items[i]))
			used[i] = false
		}
	}
	if k >= 0 && (replace || k <= len(items)) {
		rec(0, nil)
	}
	return out
}

var itertoolsModule = &objAttrs{name: "itertools", attrs: map[string]any{
	"chain": itertoolsFn("chain", func(_ *renderer, a *callArgs) ([]any, error) {
		pools, err := iterArgs(a)
		var out []any
		for _, p := range pools {
			out = append(out, p...)
		}
		return out, err
	}),
	"product": itertoolsFn("product", func(_ *renderer, a *callArgs) ([]any, error) {
		pools, err := iterArgs(a)
		if err != nil {
			return nil, err
		}
		repeat, _ := toInt(a.kw["repeat"])
		if _, ok := a.kw["repeat"]; !ok {
			repeat = 1
		}
		var all [][]any
		for range repeat {
			all = append(all, pools...)
		}
		result := [][]any{{}}
		for _, pool := range all {
			var next [][]any
			for _, prefix := range result {
				for _, it := range pool {
					next = append(next, append(append([]any(nil), prefix...), it))
				}
			}
			result = next
			if len(result) > maxIterResult {
				return nil, errorf("itertools.product: more than %d items", maxIterResult)
			}
		}
		out := make([]any, len(result))
		for i, t := range result {
			out[i] = newTuple(t...)
		}
		return out, nil
	}),
	"combinations": itertoolsFn("combinations", func(_ *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		k, _ := toInt(a.argOr(1, "r", 0))
		return choose(items, k, false, false), err
	}),
	"combinations_with_replacement": itertoolsFn("combinations_with_replacement", func(_ *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		k, _ := toInt(a.argOr(1, "r", 0))
		return choose(items, k, false, true), err
	}),
	"permutations": itertoolsFn("permutations", func(_ *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		k := len(items)
		if v, ok := a.arg(1, "r"); ok && v != nil {
			k, _ = toInt(v)
		}
		return choose(items, k, true, false), err
	}),
	"islice": itertoolsFn("islice", func(_ *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		if err != nil {
			return nil, err
		}
		bound := func(v any, def int) int {
			if v == nil {
				return def
			}
			n, _ := toInt(v)
			return n
		}
		start, stop, step := 0, len(items), 1
		switch len(a.pos) {
		case 2:
			stop = bound(a.pos[1], len(items))
		case 3, 4:
			start, stop = bound(a.pos[1], 0), bound(a.pos[2], len(items))
			if len(a.pos) == 4 {
				step = bound(a.pos[3], 1)
			}
		}
		if start < 0 || stop < 0 || step <= 0 {
			return nil, errorf("Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.")
		}
		var out []any
		for i := start; i < min(stop, len(items)); i += step {
			out = append(out, items[i])
		}
		return out, nil
	}),
	"zip_longest": itertoolsFn("zip_longest", func(_ *renderer, a *callArgs) ([]any, error) {
		pools, err := iterArgs(a)
		fill := a.kw["fillvalue"]
		n := 0
		for _, p := range pools {
			n = max(n, len(p))
		}
		out := make([]any, n)
		for i := range out {
			t := make([]any, len(pools))
			for j, p := range pools {
				t[j] = fill
				if i < len(p) {
					t[j] = p[i]
				}
			}
			out[i] = newTuple(t...)
		}
		return out, err
	}),
	"accumulate": itertoolsFn("accumulate", func(r *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		if err != nil {
			return nil, err
		}
		var out []any
		var acc any
		if v, ok := a.kw["initial"]; ok && v != nil {
			acc = v
			out = append(out, acc)
		}
		f := a.argOr(1, "func", nil)
		for i, it := range items {
			switch {
			case i == 0 && acc == nil:
				acc = it
			case f != nil:
				if acc, err = r.callValue(f, &callArgs{pos: []any{acc, it}}); err != nil {
					return nil, err
				}
			default:
				if acc, err = arith(tokensAddition, "+", acc, it); err != nil {
					return nil, err
				}
			}
			out = append(out, acc)
		}
		return out, nil
	}),
	"repeat": itertoolsFn("repeat", func(_ *renderer, a *callArgs) ([]any, error) {
		v, ok := a.arg(1, "times")
		if !ok {
			return nil, errorf("itertools.repeat() without times never ends")
		}
		n, _ := toInt(v)
		if n > maxIterResult {
			return nil, errorf("itertools.repeat: more than %d items", maxIterResult)
		}
		out := make([]any, max(n, 0))
		for i := range out {
			out[i] = a.argOr(0, "object", nil)
		}
		return out, nil
	}),
	"compress": itertoolsFn("compress", func(_ *renderer, a *callArgs) ([]any, error) {
		data, err := iterate(a.argOr(0, "data", nil))
		if err != nil {
			return nil, err
		}
		sel, err := iterate(a.argOr(1, "selectors", nil))
		var out []any
		for i := 0; i < len(data) && i < len(sel); i++ {
			if truthy(sel[i]) {
				out = append(out, data[i])
			}
		}
		return out, err
	}),
	"starmap": itertoolsFn("starmap", func(r *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(1, "iterable", nil))
		if err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			args, ok := seqItems(it)
			if !ok {
				return nil, errorf("starmap needs an iterable of argument tuples")
			}
			if out[i], err = r.callValue(a.argOr(0, "function", nil), &callArgs{pos: args}); err != nil {
				return nil, err
			}
		}
		return out, nil
	}),
	"tee": itertoolsFn("tee", func(_ *renderer, a *callArgs) ([]any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		n := 2
		if v, ok := a.arg(1, "n"); ok {
			n, _ = toInt(v)
		}
		out := make([]any, max(n, 0))
		for i := range out {
			out[i] = &List{Items: append([]any(nil), items...)}
		}
		return out, err
	}),
	"count": fn("itertools.count", func(_ *renderer, _ *callArgs) (any, error) {
		return nil, errorf("itertools.count() never ends: use range()")
	}),
	"cycle": fn("itertools.cycle", func(_ *renderer, _ *callArgs) (any, error) {
		return nil, errorf("itertools.cycle() never ends: use loop.cycle()")
	}),
}}

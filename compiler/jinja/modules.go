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

var itertoolsModule = &objAttrs{name: "itertools", attrs: map[string]any{
	"chain": fn("itertools.chain", func(_ *renderer, a *callArgs) (any, error) {
		var out []any
		for _, p := range a.pos {
			items, err := iterate(p)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
		return &List{Items: out}, nil
	}),
	"product": fn("itertools.product", func(_ *renderer, a *callArgs) (any, error) {
		var pools [][]any
		for _, p := range a.pos {
			items, err := iterate(p)
			if err != nil {
				return nil, err
			}
			pools = append(pools, items)
		}
		repeat, _ := toInt(a.argOr(-1, "repeat", 1))
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
			if len(result) > 1_000_000 {
				return nil, errorf("itertools.product result too large")
			}
		}
		out := make([]any, len(result))
		for i, t := range result {
			out[i] = &List{Items: t}
		}
		return &List{Items: out}, nil
	}),
	"combinations": fn("itertools.combinations", func(_ *renderer, a *callArgs) (any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		if err != nil {
			return nil, err
		}
		k, _ := toInt(a.argOr(1, "r", 0))
		var out []any
		var rec func(start int, cur []any)
		rec = func(start int, cur []any) {
			if len(cur) == k {
				out = append(out, &List{Items: append([]any(nil), cur...)})
				return
			}
			for i := start; i < len(items); i++ {
				rec(i+1, append(cur, items[i]))
			}
		}
		if k >= 0 && k <= len(items) {
			rec(0, nil)
		}
		return &List{Items: out}, nil
	}),
	"islice": fn("itertools.islice", func(_ *renderer, a *callArgs) (any, error) {
		items, err := iterate(a.argOr(0, "iterable", nil))
		if err != nil {
			return nil, err
		}
		start, stop := 0, len(items)
		if len(a.pos) == 2 {
			stop, _ = toInt(a.pos[1])
		} else if len(a.pos) >= 3 {
			start, _ = toInt(a.pos[1])
			stop, _ = toInt(a.pos[2])
		}
		stop = min(stop, len(items))
		start = min(max(start, 0), stop)
		return &List{Items: append([]any(nil), items[start:stop]...)}, nil
	}),
}}

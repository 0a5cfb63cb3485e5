package jinja

// override is the value of a name replaced through Context.Overrides. A
// macro or built-in function (is_incremental, current_timestamp) becomes a
// function that ignores its arguments and returns the value, so
// `{{ is_incremental() }}` keeps working; anything else (invocation_id) is
// the value itself.
func (r *renderer) override(name string, v any) any {
	isMacro := r.st.lookup[name] != nil
	if !isMacro {
		for _, pkg := range r.st.snap.byPkg {
			if pkg[name] != nil {
				isMacro = true
				break
			}
		}
	}
	_, isFunc := builtins[name].(*Func)
	val := r.wrap(v)
	if isMacro || isFunc {
		return &Func{Name: name, Fn: func(*renderer, *callArgs) (any, error) { return val, nil }}
	}
	return val
}

// overriddenNS is a package namespace whose macros a unit test may
// override by their qualified name ("audit_helper._get_bounds").
type overriddenNS struct {
	*pkgNamespace
	r *renderer
}

func (o *overriddenNS) getAttr(name string) (any, bool) {
	if v, ok := o.r.st.ctx.Overrides[o.pkg+"."+name]; ok {
		val := o.r.wrap(v)
		return &Func{Name: name, Fn: func(*renderer, *callArgs) (any, error) { return val, nil }}, true
	}
	return o.pkgNamespace.getAttr(name)
}

package jinja

// override is the value of a name replaced through Context.Overrides. A
// macro or built-in function (is_incremental, current_timestamp) becomes a
// function that ignores its arguments and returns the value, so
// `{{ is_incremental() }}` keeps working; anything else (invocation_id) is
// the value itself.
func (r *renderer) override(name string, v any) any {
	_, isMacro := r.st.lookup[name]
	b, isBuiltin := builtins[name]
	if _, fn := b.(*Func); isMacro || (isBuiltin && fn) || r.st.snap.hasMacroAnywhere(name) {
		val := wrapGo(v)
		return &Func{Name: name, Fn: func(*renderer, *callArgs) (any, error) { return val, nil }}
	}
	return wrapGo(v)
}

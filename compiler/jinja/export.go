package jinja

// Repr is Python's repr() of a template value or of the plain Go value
// ToGo made of one (tests compare kiln's values with dbt's through it).
func Repr(v any) string { return repr(wrapGo(v)) }

// TypeName is the Python type name of a template value or of its ToGo form.
func TypeName(v any) string { return typeName(wrapGo(v)) }

// Str is Python's str() of a template value or of the plain Go value ToGo
// made of one.
func Str(v any) string { return toStr(wrapGo(v)) }

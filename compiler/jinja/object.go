package jinja

import "sort"

// Object is a Python object with fixed attributes, for the dbt runtime
// objects callers build in Go (on-run-end's RunResult and its timing
// entries). Attributes read as `obj.name`; as with dbt's dataclasses,
// `obj['name']` works too (Jinja falls back to item lookup), and
// `obj.to_dict()` returns the attributes as a dict.
type Object struct {
	Class string
	Attrs map[string]any
}

// NewObject returns an object of the named class.
func NewObject(class string, attrs map[string]any) *Object {
	return &Object{Class: class, Attrs: attrs}
}

func (o *Object) getAttr(name string) (any, bool) {
	if v, ok := o.Attrs[name]; ok {
		return wrapGo(v), true
	}
	if name == "to_dict" {
		return &Func{Name: "to_dict", Fn: func(r *renderer, a *callArgs) (any, error) {
			return objectDict(o), nil
		}}, true
	}
	return nil, false
}

func (o *Object) getItem(key any) (any, bool) {
	s, ok := key.(string)
	if !ok {
		return nil, false
	}
	v, ok := o.Attrs[s]
	return wrapGo(v), ok
}

func objectDict(o *Object) *Dict {
	keys := make([]string, 0, len(o.Attrs))
	for k := range o.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d := newDict(len(keys))
	for _, k := range keys {
		v := o.Attrs[k]
		if inner, ok := v.(*Object); ok {
			v = objectDict(inner)
		}
		if list, ok := v.([]any); ok {
			items := make([]any, len(list))
			for i, e := range list {
				if inner, ok := e.(*Object); ok {
					e = objectDict(inner)
				}
				items[i] = e
			}
			v = &List{Items: items}
		}
		d.Set(k, fromGo(v))
	}
	return d
}

func (o *Object) String() string { return "<" + o.Class + ">" }
func (o *Object) pyType() string { return o.Class }

package jinja

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// tojson/fromjson/toyaml/fromyaml with Python's output conventions.

func builtinToJSON(r *renderer, a *callArgs) (any, error) {
	v := a.argOr(0, "value", nil)
	s, err := pyJSON(v, truthy(a.argOr(2, "sort_keys", false)), nil)
	if err != nil {
		// Python's json raises TypeError for a value it cannot write,
		// which dbt's tojson does not catch
		return nil, err
	}
	return s, nil
}

func builtinFromJSON(r *renderer, a *callArgs) (any, error) {
	v, err := fromJSON(toStr(a.argOr(0, "string", "")))
	if err != nil {
		return a.argOr(1, "default", nil), nil
	}
	return v, nil
}

func builtinToYAML(r *renderer, a *callArgs) (any, error) {
	n, err := toYAMLNode(a.argOr(0, "value", nil), truthy(a.argOr(2, "sort_keys", false)))
	if err != nil {
		return a.argOr(1, "default", nil), nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return a.argOr(1, "default", nil), nil
	}
	return b.String(), nil
}

func builtinFromYAML(r *renderer, a *callArgs) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(toStr(a.argOr(0, "value", ""))), &n); err != nil {
		return a.argOr(1, "default", nil), nil
	}
	if len(n.Content) == 0 {
		return nil, nil
	}
	return fromYAMLNode(n.Content[0]), nil
}

// pyJSON is json.dumps with Python's default separators (", ", ": ").
func pyJSON(v any, sortKeys bool, indent any) (string, error) {
	var b strings.Builder
	ind := ""
	if indent != nil {
		if n, ok := toInt(indent); ok {
			ind = strings.Repeat(" ", n)
		}
	}
	if err := writeJSON(&b, v, sortKeys, ind, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

// writeJSONString writes s as Python's json.dumps does (ensure_ascii:
// non-ASCII as \uXXXX escapes, surrogate pairs beyond the BMP).
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r > 127 && r <= 0xFFFF):
				fmt.Fprintf(b, `\u%04x`, r)
			case r > 0xFFFF:
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// htmlSafeJSON is Jinja's tojson filter: sorted keys, and <, >, & and '
// escaped so the result can sit inside HTML.
func htmlSafeJSON(v any, indent any) (string, error) {
	s, err := pyJSON(v, true, indent)
	if err != nil {
		return "", err
	}
	return strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "'", `\u0027`).Replace(s), nil
}

func writeJSON(b *strings.Builder, v any, sortKeys bool, ind, cur string) error {
	nl := func(level string) {
		if ind != "" {
			b.WriteString("\n" + level)
		}
	}
	sep := ", "
	if ind != "" {
		sep = ","
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case *Undefined, *Set:
		return errorf("Object of type %s is not JSON serializable", typeName(v))
	case *big.Int:
		b.WriteString(x.String())
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(x))
		}
	case string:
		writeJSONString(b, x)
	case *Relation:
		writeJSONString(b, x.render())
	case *DateTime:
		return errorf("Object of type %s is not JSON serializable", x.pyType())
	default:
		if items, ok := seqItems(v); ok {
			b.WriteByte('[')
			for i, it := range items {
				if i > 0 {
					b.WriteString(sep)
				}
				nl(cur + ind)
				if err := writeJSON(b, it, sortKeys, ind, cur+ind); err != nil {
					return err
				}
			}
			if len(items) > 0 {
				nl(cur)
			}
			b.WriteByte(']')
			return nil
		}
		if m, ok := asMapping(v); ok {
			keys, _ := iterate(m)
			if sortKeys {
				sort.SliceStable(keys, func(i, j int) bool { return keyStr(keys[i]) < keyStr(keys[j]) })
			}
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteString(sep)
				}
				nl(cur + ind)
				writeJSONString(b, keyStr(k))
				b.WriteString(": ")
				val, _ := mapGet(m, k)
				if err := writeJSON(b, val, sortKeys, ind, cur+ind); err != nil {
					return err
				}
			}
			if len(keys) > 0 {
				nl(cur)
			}
			b.WriteByte('}')
			return nil
		}
		if ns, ok := v.(*Namespace); ok {
			return writeJSON(b, ns.attrs, sortKeys, ind, cur)
		}
		if plain, ok := plainGo(v); ok {
			return writeJSON(b, plain, sortKeys, ind, cur)
		}
		return errorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

// plainGo turns the Go values kiln's context objects expose as they are (a
// named string type such as a status, a *string that may be nil, a named
// number) into the plain value Python would hold, so that tojson(graph) or
// tojson(results) serialises them as json.dumps does.
func plainGo(v any) (any, bool) {
	r := reflect.ValueOf(v)
	if r.Kind() == reflect.Pointer {
		if r.IsNil() {
			return nil, true
		}
		r = r.Elem()
	}
	switch r.Kind() {
	case reflect.String:
		return r.String(), true
	case reflect.Bool:
		return r.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(r.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int(r.Uint()), true
	case reflect.Float32, reflect.Float64:
		return r.Float(), true
	}
	return nil, false
}

// fromJSON decodes JSON keeping object key order.
func fromJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeJSONValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf("extra data after JSON value")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '[':
			l := &List{}
			for dec.More() {
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				l.Items = append(l.Items, v)
			}
			_, err := dec.Token()
			return l, err
		case '{':
			d := newDict(0)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeJSONValue(dec)
				if err != nil {
					return nil, err
				}
				d.Set(kt.(string), v)
			}
			_, err := dec.Token()
			return d, err
		}
	case json.Number:
		if i, err := strconv.Atoi(string(x)); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		return f, err
	case string, bool, nil:
		return x, nil
	}
	return nil, errorf("invalid JSON")
}

func toYAMLNode(v any, sortKeys bool) (*yaml.Node, error) {
	switch x := v.(type) {
	case nil, *Undefined:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}, nil
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}, nil
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: pyFloat(x)}, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}, nil
	case *Relation:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x.render()}, nil
	}
	if items, ok := seqItems(v); ok {
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range items {
			c, err := toYAMLNode(it, sortKeys)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	}
	if m, ok := asMapping(v); ok {
		n := &yaml.Node{Kind: yaml.MappingNode}
		keys, _ := iterate(m)
		if sortKeys {
			sort.SliceStable(keys, func(i, j int) bool { return keyStr(keys[i]) < keyStr(keys[j]) })
		}
		for _, k := range keys {
			val, _ := mapGet(m, k)
			c, err := toYAMLNode(val, sortKeys)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: keyStr(k)}, c)
		}
		return n, nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: toStr(v)}, nil
}

func fromYAMLNode(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return fromYAMLNode(n.Content[0])
		}
		return nil
	case yaml.AliasNode:
		return fromYAMLNode(n.Alias)
	case yaml.SequenceNode:
		l := &List{Items: make([]any, 0, len(n.Content))}
		for _, c := range n.Content {
			l.Items = append(l.Items, fromYAMLNode(c))
		}
		return l
	case yaml.MappingNode:
		d := newDict(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.Set(fromYAMLNode(n.Content[i]), fromYAMLNode(n.Content[i+1]))
		}
		return d
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	switch x := v.(type) {
	case int64:
		return int(x)
	case uint64:
		return int(x)
	}
	return wrapGo(v)
}

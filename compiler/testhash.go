package compiler

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// testHash is the suffix of a generic test's unique_id, computed as dbt
// does so that kiln's test ids are dbt's (state comparison against a dbt
// manifest, orchestrators and artifact readers key on them): the last 10
// hex digits of md5(name + repr(metadata)), where metadata is the test's
// test_metadata {kwargs, name, namespace} with every leaf turned into its
// Python str() and dict keys sorted, and repr is Python's.
func testHash(name, testName, namespace string, kwargs map[string]any) string {
	ns := any(nil)
	if namespace != "" {
		ns = namespace
	}
	md := map[string]any{"kwargs": kwargs, "name": testName, "namespace": ns}
	var sb strings.Builder
	sb.WriteString(name)
	writeHashableRepr(&sb, md)
	sum := md5.Sum([]byte(sb.String()))
	h := hex.EncodeToString(sum[:])
	return h[len(h)-10:]
}

// writeHashableRepr writes repr() of dbt's hashable form of v: dicts with
// sorted keys, lists, and str() of everything else.
func writeHashableRepr(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(pyReprStr(k))
			sb.WriteString(": ")
			writeHashableRepr(sb, x[k])
		}
		sb.WriteByte('}')
	case []any:
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeHashableRepr(sb, e)
		}
		sb.WriteByte(']')
	default:
		sb.WriteString(pyReprStr(pyStr(v)))
	}
}

// pyReprStr is Python's repr() of a str: single quotes unless the text
// holds a single quote and no double quote, with backslash escapes for the
// quote, backslash and control characters.
func pyReprStr(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

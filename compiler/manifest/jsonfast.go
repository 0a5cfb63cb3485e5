package manifest

// A reflection-free JSON encoder for manifest.json. encoding/json spends
// most of a 10,000-model parse's encoding time in reflection over the
// config maps (sorting keys through reflect.Value, boxing every value); this
// encoder writes the same bytes for the types manifest.json is built from —
// the node struct, dynamic YAML/Jinja values (maps, lists, scalars) — and
// hands any other type to encoding/json, so its output is byte-for-byte what
// encoding/json with SetEscapeHTML(false) writes (jsonfast_test.go checks it
// against encoding/json on every node of the testdata projects).

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends the JSON encoding of v to b.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return appendFloat(b, x)
	case *string:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendString(b, *x), nil
	case *bool:
		if x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendBool(b, *x), nil
	case map[string]any:
		return appendMap(b, x)
	case Config:
		return appendMap(b, x)
	case map[string]string:
		return appendObject(b, x, stringElem)
	case []any:
		return appendList(b, x, appendJSON)
	case []string:
		return appendStrings(b, x), nil
	case [][]string:
		return appendList(b, x, stringsElem)
	case []map[string]any:
		return appendList(b, x, appendMap)
	case nodeJSON:
		return appendNode(b, &x)
	case *MacroDef:
		return appendMacro(b, x)
	case DependsOn:
		b = append(b, `{"macros":`...)
		b = appendStrings(b, x.Macros)
		b = append(b, `,"nodes":`...)
		b = appendStrings(b, x.Nodes)
		return append(b, '}'), nil
	case []RefArgs:
		return appendList(b, x, appendRefArgs)
	case map[string]*Column:
		return appendColumns(b, x, false)
	case map[string][]string:
		return appendObject(b, x, stringsElem)
	}
	// Anything else (structs, named types, Marshalers) as encoding/json
	// writes it.
	enc, err := marshalNoEscape(v)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// appendList writes s as a JSON array (null when nil), each element by elem.
func appendList[E any](b []byte, s []E, elem func([]byte, E) ([]byte, error)) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, '[')
	for i, e := range s {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = elem(b, e); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendObject writes m as a JSON object (null when nil) with its keys
// sorted, as encoding/json orders them, each value by elem.
func appendObject[V any](b []byte, m map[string]V, elem func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		if b, err = elem(b, m[k]); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// stringElem and stringsElem adapt the error-free writers to the element
// signature appendList and appendObject take.
func stringElem(b []byte, s string) ([]byte, error) { return appendString(b, s), nil }

func stringsElem(b []byte, s []string) ([]byte, error) { return appendStrings(b, s), nil }

// appendMacro writes mc as encoding/json writes MacroDef.JSON(), without
// building the map: a small project's manifest is mostly the internal
// package's 240 macros (2/3 of a 5-model manifest's encoding time).
func appendMacro(b []byte, mc *MacroDef) ([]byte, error) {
	var err error
	b = append(b, `{"arguments":`...)
	if b, err = appendList(b, nonNilArgs(mc.Arguments), appendMap); err != nil {
		return b, err
	}
	b = append(b, `,"created_at":`...)
	if b, err = appendFloat(b, mc.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"depends_on":{"macros":`...)
	b = appendStrings(b, nonNilStrings(mc.DependsOn))
	b = append(b, `},"description":`...)
	b = appendString(b, mc.Description)
	b = append(b, `,"docs":{"node_color":null,"show":true},"macro_sql":`...)
	b = appendString(b, mc.MacroSQL)
	b = append(b, `,"meta":`...)
	if b, err = appendMap(b, nonNilMap(mc.Meta)); err != nil {
		return b, err
	}
	b = append(b, `,"name":`...)
	b = appendString(b, mc.Name)
	b = append(b, `,"original_file_path":`...)
	b = appendString(b, mc.OriginalFilePath)
	b = append(b, `,"package_name":`...)
	b = appendString(b, mc.PackageName)
	b = append(b, `,"patch_path":`...)
	if mc.PatchPath == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, mc.PatchPath)
	}
	b = append(b, `,"path":`...)
	b = appendString(b, mc.Path)
	b = append(b, `,"resource_type":`...)
	b = appendString(b, Macro)
	b = append(b, `,"supported_languages":null,"unique_id":`...)
	b = appendString(b, mc.UniqueID)
	return append(b, '}'), nil
}

func appendMap(b []byte, m map[string]any) ([]byte, error) {
	return appendObject(b, m, appendJSON)
}

func appendStrings(b []byte, s []string) []byte {
	b, _ = appendList(b, s, stringElem)
	return b
}

func appendRefArgs(b []byte, r RefArgs) ([]byte, error) {
	b = append(b, `{"name":`...)
	b = appendString(b, r.Name)
	b = append(b, `,"package":`...)
	b, _ = appendJSON(b, r.Package)
	b = append(b, `,"version":`...)
	b, err := appendJSON(b, r.Version)
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendColumns writes columns; with fill, unset fields as columnsJSON
// completes them (empty meta, constraints, tags, doc_blocks; config from
// meta and tags) and a nil map as {}.
func appendColumns(b []byte, cols map[string]*Column, fill bool) ([]byte, error) {
	if cols == nil && fill {
		return append(b, "{}"...), nil
	}
	return appendObject(b, cols, func(b []byte, c *Column) ([]byte, error) {
		return appendColumn(b, c, fill)
	})
}

// appendColumn writes one column of appendColumns.
func appendColumn(b []byte, c *Column, fill bool) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, `{"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"description":`...)
	b = appendString(b, c.Description)
	meta, constraints, tags, docBlocks, config := c.Meta, c.Constraints, c.Tags, c.DocBlocks, c.Config
	if fill {
		meta, tags = nonNilMap(meta), nonNilStrings(tags)
		if constraints == nil {
			constraints = []map[string]any{}
		}
		if docBlocks == nil {
			docBlocks = []any{}
		}
	}
	b = append(b, `,"meta":`...)
	if b, err = appendMap(b, meta); err != nil {
		return b, err
	}
	b = append(b, `,"data_type":`...)
	b, _ = appendJSON(b, c.DataType)
	b = append(b, `,"constraints":`...)
	if b, err = appendJSON(b, constraints); err != nil {
		return b, err
	}
	b = append(b, `,"quote":`...)
	b, _ = appendJSON(b, c.Quote)
	b = append(b, `,"tags":`...)
	b = appendStrings(b, tags)
	b = append(b, `,"doc_blocks":`...)
	if b, err = appendJSON(b, docBlocks); err != nil {
		return b, err
	}
	b = append(b, `,"config":`...)
	if config == nil && fill {
		b = append(b, `{"meta":`...)
		if b, err = appendMap(b, meta); err != nil {
			return b, err
		}
		b = append(b, `,"tags":`...)
		b = appendStrings(b, tags)
		b = append(b, '}')
	} else if b, err = appendMap(b, config); err != nil {
		return b, err
	}
	b = append(b, `,"granularity":`...)
	b, _ = appendJSON(b, c.Granularity)
	return append(b, '}'), nil
}

// appendNode writes nodeJSON in its struct field order, honouring the
// omitempty tags and the promoted fields of the embedded pointers.
func appendNode(b []byte, j *nodeJSON) ([]byte, error) {
	var err error
	str := func(key, v string) {
		b = append(b, key...)
		b = appendString(b, v)
	}
	val := func(key string, v any) {
		if err != nil {
			return
		}
		b = append(b, key...)
		b, err = appendJSON(b, v)
	}
	val(`{"database":`, j.Database)
	str(`,"schema":`, j.Schema)
	str(`,"name":`, j.Name)
	str(`,"resource_type":`, j.ResourceType)
	str(`,"package_name":`, j.PackageName)
	str(`,"path":`, j.Path)
	str(`,"original_file_path":`, j.OriginalFilePath)
	str(`,"unique_id":`, j.UniqueID)
	b = append(b, `,"fqn":`...)
	b = appendStrings(b, j.FQN)
	str(`,"alias":`, j.Alias)
	str(`,"checksum":{"name":`, j.Checksum.Name)
	b = append(b, `,"checksum":`...)
	if j.marks != nil {
		j.marks[0] = len(b)
	}
	b = appendString(b, j.Checksum.Checksum)
	if j.marks != nil {
		j.marks[1] = len(b)
	}
	b = append(b, '}')
	if j.lazy {
		b = append(b, `,"config":`...)
		if b, err = appendConfig(b, j.ResourceType, j.Config); err != nil {
			return b, err
		}
	} else {
		val(`,"config":`, j.Config)
	}
	b = append(b, `,"tags":`...)
	b = appendStrings(b, j.Tags)
	str(`,"description":`, j.Description)
	if err == nil {
		b = append(b, `,"columns":`...)
		b, err = appendColumns(b, j.Columns, j.lazy)
	}
	val(`,"meta":`, j.Meta)
	val(`,"group":`, j.Group)
	val(`,"docs":`, j.Docs)
	val(`,"patch_path":`, j.PatchPath)
	val(`,"build_path":`, j.BuildPath)
	val(`,"unrendered_config":`, j.UnrenderedConfig)
	val(`,"created_at":`, j.CreatedAt)
	val(`,"relation_name":`, j.RelationName)
	b = append(b, `,"raw_code":`...)
	if j.marks != nil {
		j.marks[2] = len(b)
	}
	b = appendString(b, j.RawCode)
	if j.marks != nil {
		j.marks[3] = len(b)
	}
	val(`,"doc_blocks":`, j.DocBlocks)
	if j.RootPath != "" {
		str(`,"root_path":`, j.RootPath)
	}
	val(`,"depends_on":`, j.DependsOn)
	if cf := j.codeFields; cf != nil {
		val(`,"refs":`, cf.Refs)
		val(`,"sources":`, cf.Sources)
		val(`,"functions":`, cf.Functions)
		val(`,"metrics":`, cf.Metrics)
	}
	if j.Language != "" {
		str(`,"language":`, j.Language)
	}
	if j.CompiledPath != nil {
		val(`,"compiled_path":`, j.CompiledPath)
	}
	if j.Compiled != nil {
		val(`,"compiled":`, j.Compiled)
	}
	if j.CompiledCode != nil {
		val(`,"compiled_code":`, j.CompiledCode)
	}
	if j.ExtraCTEsInjected != nil {
		val(`,"extra_ctes_injected":`, j.ExtraCTEsInjected)
	}
	if len(j.ExtraCTEs) > 0 {
		val(`,"extra_ctes":`, j.ExtraCTEs)
	}
	if len(j.Contract) > 0 {
		val(`,"contract":`, j.Contract)
	}
	if mf := j.modelFields; mf != nil {
		str(`,"access":`, mf.Access)
		val(`,"constraints":`, mf.Constraints)
		val(`,"version":`, mf.Version)
		val(`,"latest_version":`, mf.LatestVersion)
		val(`,"deprecation_date":`, mf.DeprecationDate)
		val(`,"primary_key":`, mf.PrimaryKey)
		val(`,"time_spine":`, mf.TimeSpine)
	}
	if j.ColumnName != nil {
		val(`,"column_name":`, j.ColumnName)
	}
	if j.FileKeyName != nil {
		val(`,"file_key_name":`, j.FileKeyName)
	}
	if j.AttachedNode != nil {
		val(`,"attached_node":`, j.AttachedNode)
	}
	if tm := j.TestMetadata; tm != nil && err == nil {
		str(`,"test_metadata":{"name":`, tm.Name)
		val(`,"kwargs":`, tm.Kwargs)
		val(`,"namespace":`, tm.Namespace)
		b = append(b, '}')
	}
	if j.Index != nil {
		b = append(b, `,"index":`...)
		b = strconv.AppendInt(b, int64(*j.Index), 10)
	}
	return append(b, '}'), err
}

// appendFloat formats as encoding/json does: shortest representation,
// exponent form outside [1e-6, 1e21), exponents without a leading zero.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		_, err := json.Marshal(f) // the same error encoding/json reports
		return b, err
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does without HTML escaping:
// control characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028
// and U+2029 escaped (JavaScript line terminators).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

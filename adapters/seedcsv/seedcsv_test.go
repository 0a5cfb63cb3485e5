package seedcsv

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func equal(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

func TestSeedTypeInference(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string // one column
		want   string
		force  string
	}{
		{"ints", []string{"1", "-2", " 3 ", "+4"}, "integer", ""},
		{"whole decimals are integer (agate MaxPrecision normalises)", []string{"1.0", "2.00", "3"}, "integer", ""},
		{"decimals", []string{"1", "2.5"}, "float8", ""},
		{"formatted numbers", []string{"$1,200", "50%", "-€3", "1_000"}, "integer", ""},
		{"exponent", []string{"1e3", "2E-1"}, "float8", ""},
		{"bigint", []string{"1", "3000000000"}, "bigint", ""},
		{"huge", []string{"123456789012345678901234567890"}, "float8", ""},
		{"nan", []string{"1", "NaN"}, "float8", ""},
		{"all null", []string{"", "null", " NULL "}, "integer", ""},
		{"dates", []string{"2024-01-31", "2024-2-5", ""}, "date", ""},
		{"invalid date is text", []string{"2024-02-30"}, "text", ""},
		{"datetimes", []string{"2024-01-31 10:00:00", "2024-01-31 1:2:3"}, "timestamp without time zone", ""},
		{"iso datetimes", []string{"2024-01-31T10:00:00Z", "2024-01-31T10:00:00.123+02:00", "20240131T1000"}, "timestamp without time zone", ""},
		{"date and datetime mixed is text", []string{"2024-01-31", "2024-01-31 10:00:00"}, "text", ""},
		{"booleans", []string{"true", "False", "TRUE", "null"}, "boolean", ""},
		{"0/1 are numbers, not booleans", []string{"0", "1"}, "integer", ""},
		{"yes/no are text", []string{"yes", "no"}, "text", ""},
		{"text", []string{"1", "abc"}, "text", ""},
		{"forced", []string{"001", "002"}, "varchar", "varchar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			csv := "col\n" + strings.Join(quoteAll(tc.values), "\n") + "\n"
			p := writeFile(t, t.TempDir(), "s.csv", csv)
			var ct map[string]string
			if tc.force != "" {
				ct = map[string]string{"col": tc.force}
			}
			tab, err := Infer(p, ',', ct)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "rows", tab.Rows, int64(len(tc.values)))
			equal(t, "type", tab.Columns[0].SQLType(), tc.want)
		})
	}
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return out
}

func TestSeedHeaderNames(t *testing.T) {
	p := writeFile(t, t.TempDir(), "s.csv", "\ufeffid,id,,name\n1,2,3,x\n4,5\n")
	tab, err := Infer(p, ',', nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tab.Columns {
		names = append(names, c.Name)
	}
	equal(t, "names", names, []string{"id", "id_2", "c", "name"})
	if _, err := Infer(writeFile(t, t.TempDir(), "s.csv", "a\n1,2\n"), ',', nil); err == nil || !strings.Contains(err.Error(), "2 values") {
		t.Fatalf("long row: %v", err)
	}
	// column_types for a column the header lacks is ignored, as in dbt
	// (parsing warns about it).
	if tab, err := Infer(writeFile(t, t.TempDir(), "s.csv", "a\n1\n"), ',', map[string]string{"b": "int", "a": "text"}); err != nil || len(tab.Columns) != 1 || tab.Columns[0].Forced != "text" {
		t.Fatalf("column_types with a missing column: %+v %v", tab, err)
	}
}

func TestSeedNumberCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"1.0": "1", "-0": "0", "1e3": "1000", "$1,200": "1200", "-$5": "-5", "50%": "50", "007": "7",
	} {
		n, ok := parseNumber(in)
		if !ok {
			t.Fatalf("%q not a number", in)
		}
		equal(t, in, n.canonical(true), want)
	}
	for _, in := range []string{"1.2.3", "abc", "1e", "--", "1__0", "_1", "$"} {
		if _, ok := parseNumber(in); ok {
			t.Errorf("%q should not be a number", in)
		}
	}
}

func TestEachCanonicalRows(t *testing.T) {
	p := writeFile(t, t.TempDir(), "s.csv", "n,d,b,s\n\"$1,200\",2024-1-5,TRUE,x\n2.50,,false\n")
	tab, err := Infer(p, ',', nil)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	err = Each(p, ',', tab, func(row []any) error {
		got = append(got, append([]any(nil), row...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rows", got, [][]any{{"12e2", "2024-01-05", "true", "x"}, {"25e-1", nil, "false", nil}})
}

func TestSeedNotUTF8NamesLineAndColumn(t *testing.T) {
	for _, tc := range []struct{ csv, want string }{
		{"id,name\n1,ok\n2,caf\xe9\n", `line 3, column 2 ("name"): byte 0xe9 is not UTF-8`},
		{"id,n\xffme\n1,2\n", "line 1, column 2: byte 0xff is not UTF-8"},
		// A quoted field spanning lines reports the line the field starts on.
		{"id,txt\n1,\"a\nb\xc3\"\n", `line 2, column 2 ("txt"): byte 0xc3 is not UTF-8`},
	} {
		_, err := Infer(writeFile(t, t.TempDir(), "s.csv", tc.csv), ',', nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.csv, err, tc.want)
		}
	}
}

func TestSeedHeaderDuplicatesReported(t *testing.T) {
	want := []Duplicate{{Name: "id", First: 1, Then: 3, LoadedAs: "id_2"}, {Name: "id", First: 1, Then: 4, LoadedAs: "id_3"}}
	tab, err := Infer(writeFile(t, t.TempDir(), "s.csv", "id,name,id,id\n1,a,2,3\n"), ',', nil)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Infer duplicates", tab.Duplicates, want)
	header, err := ReadHeader(strings.NewReader("\ufeffid;name;id;id\n1;a;2;3\n"), ';')
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Duplicates of ReadHeader", Duplicates(header), want)
	equal(t, "no duplicates", Duplicates([]string{"a", "b"}), []Duplicate(nil))
}

func TestNormalizeMeasuresTheLongestLine(t *testing.T) {
	p := writeFile(t, t.TempDir(), "s.csv", "a,b\n1,xy\n2,\"q\"\"\"\n")
	tab, err := Infer(p, ',', nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Normalize(p, ',', tab)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(out)
	b, _ := os.ReadFile(out)
	longest := 0
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		longest = max(longest, len(l)+1)
	}
	equal(t, "MaxLine", tab.MaxLine, longest)
}

// lineRe is how a seed error names its place in the file.
var lineRe = regexp.MustCompile(`\bline [1-9][0-9]*\b`)

// FuzzSeedCSV feeds arbitrary bytes through inference and normalisation:
// neither may panic, an error names its line, normalised values are a
// fixed point of normalisation, and a file Infer accepts must normalise to
// a CSV with one value per column on every row.
func FuzzSeedCSV(f *testing.F) {
	for _, s := range []string{
		"id,name\n1,a\n", "\ufeffa;b\n1;2\n", "id,id,\n1,2,3\n", "a\n\"x\ny\"\n", "a,b\n1\n",
		"n\n$1,200\n1e3\nnan\n", "a,b\n1,2,3\n", "d\n2024-01-05 10:00:00\nTRUE\n", "x\n-0.50\n+1\n", "t\n0001T00\n2024-W01-2T10:30.5Z\n", "0\n ", "d\n2024-1-5\n2024-01-05T10:00Z\n", "a\n\xff\n", "a,\"b\n", "",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, semicolon bool) {
		delim := ','
		if semicolon {
			delim = ';'
		}
		p := writeFile(t, t.TempDir(), "s.csv", string(data))
		if header, err := ReadHeader(strings.NewReader(string(data)), delim); err == nil {
			_ = Duplicates(header)
		}
		tab, err := Infer(p, delim, nil)
		if err != nil {
			// The caller adds the file; the error must say where in it.
			if msg := err.Error(); !lineRe.MatchString(msg) && !strings.HasPrefix(msg, "the seed file is empty") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		// The canonical form is a fixed point: loading a normalised value
		// again gives the same value (what a re-seed of exported data does);
		// ISO datetimes become plain timestamps, which must parse as such.
		if err := Each(p, delim, tab, func(row []any) error {
			for i, v := range row {
				if v == nil {
					continue
				}
				c := tab.Columns[i]
				if c.Kind == KindISODateTime && c.Forced == "" {
					// An ISO value is written in the plain timestamp form.
					if _, err := time.Parse("2006-01-02 15:04:05.999999", v.(string)); err != nil {
						t.Fatalf("column %d: ISO datetime normalised to %q, not a timestamp: %v", i+1, v, err)
					}
					continue
				}
				again, null := c.Value(v.(string))
				if null || again != v {
					t.Fatalf("column %d (%s): %q normalises to %q (null %v)", i+1, tab.Columns[i].SQLType(), v, again, null)
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("Infer accepted the file but Each failed: %v", err)
		}
		out, err := Normalize(p, delim, tab)
		if err != nil {
			t.Fatalf("Infer accepted the file but Normalize failed: %v", err)
		}
		defer os.Remove(out)
		fh, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		cr := NewReader(fh, ',')
		var n int64
		for {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			n++
			if len(rec) != len(tab.Columns) {
				t.Fatalf("normalised row %d has %d values, want %d", n, len(rec), len(tab.Columns))
			}
		}
		// A one-column row of null is an empty line, which DuckDB reads as
		// a row and encoding/csv skips; so here the count may be lower.
		if n > tab.Rows || len(tab.Columns) > 1 && n != tab.Rows {
			t.Fatalf("normalised %d rows, Infer counted %d", n, tab.Rows)
		}
		var each int64
		if err := Each(p, delim, tab, func(row []any) error {
			each++
			if len(row) != len(tab.Columns) {
				t.Fatalf("Each row has %d values, want %d", len(row), len(tab.Columns))
			}
			return nil
		}); err != nil {
			t.Fatalf("Infer accepted the file but Each failed: %v", err)
		}
		if each != tab.Rows {
			t.Fatalf("Each gave %d rows, Infer counted %d", each, tab.Rows)
		}
	})
}

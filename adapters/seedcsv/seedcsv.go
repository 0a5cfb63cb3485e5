// Package seedcsv is dbt's seed type inference and value normalisation,
// shared by every adapter. dbt infers each CSV column's type with agate
// (dbt-common's build_type_tester) and inserts agate's *parsed* values;
// seedcsv reproduces that in Go, streaming the file with encoding/csv:
//
//  1. Infer: per column, the first of Number, Date (%Y-%m-%d), DateTime
//     (%Y-%m-%d %H:%M:%S), ISO-8601 datetime, Boolean (true/false), Text that
//     accepts every value; "" and "null" (trimmed, any case) are null;
//     columns named in column_types are forced to text for inference.
//     (dbt-common lists an Integer type first, but it accepts only Python
//     ints, never CSV strings, so for seeds Number decides.) SQL types:
//     Number -> integer when no value has decimals after normalisation (so
//     "1.0" counts as whole, as agate's MaxPrecision says) else float8;
//     date; timestamp without time zone; boolean; text.
//  2. Column.Value / Normalize / Each: every value is rewritten in a
//     canonical form that both DuckDB and PostgreSQL cast exactly as agate
//     parsed it ("$1,200" -> 1200, "2020-1-5" -> 2020-01-05, nulls -> null).
//     Adapters load the canonical text into text columns and CAST to the
//     column type, so a bad value for a forced type fails with the
//     database's own conversion error.
//
// Deliberate differences from dbt: whole-number columns whose values do not
// fit a 32-bit integer become bigint (dbt declares integer and fails), and
// beyond 64 bits float8; NaN/Infinity make a number column float8; blank
// lines are skipped (Python's csv turns them into all-null rows); a blank
// header becomes a letter name (a, b, ...); fields of any length load (dbt's
// CSV reader stops at 128 KiB). Duplicate header names get agate's _2, _3
// suffixes and are listed in Table.Duplicates for a warning. A field that
// is not UTF-8 is an error naming its line and column (dbt stops with a
// Python traceback).
package seedcsv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is an inferred agate type.
type Kind int

const (
	KindNumber Kind = iota
	KindDate
	KindDateTime
	KindISODateTime
	KindBoolean
	KindText
	nKinds
)

// Column is one CSV column after inference.
type Column struct {
	Name   string
	Forced string // column_types override, "" if inferred
	Kind   Kind
	// Number details, for choosing integer / bigint / float8.
	decimals bool // some value has digits after the point (normalised)
	special  bool // NaN or Infinity seen
	wide     int  // 0: fits int32, 1: fits int64, 2: wider
}

// SQLType is the column's type in CREATE TABLE.
func (c Column) SQLType() string {
	if c.Forced != "" {
		return c.Forced
	}
	switch c.Kind {
	case KindNumber:
		switch {
		case c.decimals || c.special || c.wide > 1:
			return "float8"
		case c.wide == 1:
			return "bigint"
		}
		return "integer"
	case KindDate:
		return "date"
	case KindDateTime, KindISODateTime:
		return "timestamp without time zone"
	case KindBoolean:
		return "boolean"
	}
	return "text"
}

// Table is the result of inference.
type Table struct {
	Columns []Column
	Rows    int64
	// Duplicates lists header names that repeat (each once, in order of
	// their second appearance), so that the caller can warn: the repeated
	// column is loaded under agate's _2 name, which nobody meant to write.
	Duplicates []Duplicate
	// MaxLine is the longest line Normalize wrote, in bytes (0 before it
	// ran): DuckDB's CSV reader refuses lines over 2,000,000 bytes unless
	// told otherwise, and a seed's long text field must still load.
	MaxLine int
}

// Duplicate is a header name that appears more than once.
type Duplicate struct {
	Name        string
	First, Then int    // 1-based column numbers of the first and the repeated one
	LoadedAs    string // the name the repeated column is loaded under
}

// checkUTF8 reports the first field of rec that is not valid UTF-8, naming
// the file line and the column, since a database's reader names neither
// usefully (DuckDB counts lines of the normalised copy, not of the seed).
func checkUTF8(cr *csv.Reader, rec, header []string) error {
	for i, v := range rec {
		if utf8.ValidString(v) {
			continue
		}
		line, _ := cr.FieldPos(i)
		bad := v
		for len(bad) > 0 {
			r, size := utf8.DecodeRuneInString(bad)
			if r == utf8.RuneError && size <= 1 {
				break
			}
			bad = bad[size:]
		}
		col := strconv.Itoa(i + 1)
		if i < len(header) && header[i] != "" && utf8.ValidString(header[i]) {
			col += fmt.Sprintf(" (%q)", header[i])
		}
		return fmt.Errorf("line %d, column %s: byte 0x%02x is not UTF-8; seeds are read as UTF-8, so save the file with that encoding (e.g. iconv -f latin1 -t utf-8)",
			line, col, bad[0])
	}
	return nil
}

// NewReader is a lenient CSV reader (ragged rows, lazy quotes).
func NewReader(r io.Reader, delim rune) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return cr
}

// Open opens the file, skipping a UTF-8 byte order mark.
func Open(path string) (*os.File, *bufio.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	return f, br, nil
}

// Delimiter validates the seed delimiter config ("" means a comma).
func Delimiter(d string) (rune, error) {
	if d == "" {
		return ',', nil
	}
	r, size := utf8.DecodeRuneInString(d)
	if size != len(d) || r == '"' || r == '\n' || r == '\r' || r == utf8.RuneError {
		return 0, fmt.Errorf("seed delimiter must be a single character other than a quote or newline, got %q", d)
	}
	return r, nil
}

func letterName(i int) string {
	return strings.Repeat(string(rune('a'+i%26)), i/26+1)
}

// columnNames names the columns as agate does: a blank header becomes a
// letter name, a repeated one gets a _2, _3 suffix (and is reported).
func columnNames(header []string) ([]Column, []Duplicate) {
	var cols []Column
	var dups []Duplicate
	seen := map[string]int{} // final name -> 1-based column
	for i, h := range header {
		name := h
		if name == "" {
			name = letterName(i)
		}
		final := name
		for n := 2; seen[final] > 0; n++ {
			final = name + "_" + strconv.Itoa(n)
		}
		if first := seen[name]; first > 0 {
			dups = append(dups, Duplicate{Name: name, First: first, Then: i + 1, LoadedAs: final})
		}
		seen[final] = i + 1
		cols = append(cols, Column{Name: final})
	}
	return cols, dups
}

// ReadHeader reads only the header row of a seed (after a UTF-8 byte order
// mark), for parse-time checks that need no more of the file.
func ReadHeader(r io.Reader, delim rune) ([]string, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	header, err := NewReader(br, delim).Read()
	if err != nil {
		return nil, err
	}
	return append([]string(nil), header...), nil
}

// Duplicates returns the repeated names of a header (a parse-time check;
// the load itself renames them).
func Duplicates(header []string) []Duplicate {
	_, dups := columnNames(header)
	return dups
}

// Infer reads the CSV once and infers each column's type.
func Infer(path string, delim rune, columnTypes map[string]string) (*Table, error) {
	f, br, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := NewReader(br, delim)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("the seed file is empty (it needs at least a header row)")
	}
	if err != nil {
		return nil, err
	}
	header = append([]string(nil), header...) // the reader reuses its record
	if err := checkUTF8(cr, header, nil); err != nil {
		return nil, err
	}
	// A column_types key the header lacks is ignored, as dbt ignores it;
	// parsing already warned about it (compiler.checkSeedColumnTypes).
	t := &Table{}
	t.Columns, t.Duplicates = columnNames(header)
	for k, typ := range columnTypes {
		for i := range t.Columns {
			if t.Columns[i].Name == k {
				t.Columns[i].Forced = typ
			}
		}
	}
	// possible[i] is a bit set of kinds still consistent with column i.
	possible := make([]uint8, len(t.Columns))
	for i := range possible {
		possible[i] = 1<<nKinds - 1
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		t.Rows++
		if err := checkUTF8(cr, rec, header); err != nil {
			return nil, err
		}
		if len(rec) > len(t.Columns) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("line %d has %d values, but the header has %d columns", line, len(rec), len(t.Columns))
		}
		for i, v := range rec {
			col := &t.Columns[i]
			if col.Forced != "" {
				continue
			}
			p := possible[i]
			if p&(1<<KindNumber) != 0 {
				if n, ok := parseNumber(v); !ok {
					p &^= 1 << KindNumber
				} else if !n.null {
					col.noteNumber(n)
				}
			}
			if p&(1<<KindDate) != 0 {
				if _, _, ok := parseDate(v); !ok {
					p &^= 1 << KindDate
				}
			}
			if p&(1<<KindDateTime) != 0 {
				if _, _, ok := parseDateTime(v); !ok {
					p &^= 1 << KindDateTime
				}
			}
			if p&(1<<KindISODateTime) != 0 {
				if _, _, ok := parseISODateTime(v); !ok {
					p &^= 1 << KindISODateTime
				}
			}
			if p&(1<<KindBoolean) != 0 {
				if _, _, ok := parseBool(v); !ok {
					p &^= 1 << KindBoolean
				}
			}
			possible[i] = p
		}
	}
	for i := range t.Columns {
		t.Columns[i].Kind = KindText
		if t.Columns[i].Forced != "" {
			continue
		}
		for k := KindNumber; k < KindText; k++ {
			if possible[i]&(1<<k) != 0 {
				t.Columns[i].Kind = k
				break
			}
		}
	}
	return t, nil
}

// isNull is agate's null test for the seed null values "" and "null".
func isNull(v string) bool {
	s := strings.TrimSpace(v)
	return s == "" || strings.EqualFold(s, "null")
}

// number is a parsed agate Number: sign, coefficient digits and exponent,
// normalised (no trailing zeros in the coefficient).
type number struct {
	null    bool
	special string // "nan", "inf", "-inf"
	neg     bool
	coef    string // decimal digits without leading zeros ("0" for zero)
	exp     int
}

var currencySymbols = []string{"؋", "$", "ƒ", "៛", "¥", "₡", "₱", "£", "€", "¢", "﷼", "₪", "₩", "₭", "₮", "₦", "฿", "₤", "₫"}

// parseNumber follows agate's Number.cast for en_US: strip, nulls, strip
// '%', a leading '-', currency symbols, drop ',' group separators, then
// Python's Decimal syntax.
func parseNumber(v string) (number, bool) {
	d := strings.TrimSpace(v)
	if d == "" || strings.EqualFold(d, "null") {
		return number{null: true}, true
	}
	d = strings.Trim(d, "%")
	neg := false
	if strings.HasPrefix(d, "-") {
		d, neg = d[1:], true
	}
	for _, s := range currencySymbols {
		d = strings.Trim(d, s)
	}
	d = strings.ReplaceAll(d, ",", "")
	n, ok := parseDecimal(d)
	if !ok {
		return number{}, false
	}
	if neg {
		n.neg = !n.neg
		if n.special == "inf" {
			n.special = "-inf"
		} else if n.special == "-inf" {
			n.special = "inf"
		}
	}
	if n.coef == "0" {
		n.neg = false
	}
	return n, true
}

// parseDecimal accepts Python's Decimal string syntax (surrounding
// whitespace, sign, digits with single underscores between them, optional
// fraction and exponent, or Infinity/Inf/NaN/sNaN).
func parseDecimal(s string) (number, bool) {
	s = strings.TrimSpace(s)
	var n number
	if s != "" && (s[0] == '+' || s[0] == '-') {
		n.neg = s[0] == '-'
		s = s[1:]
	}
	switch strings.ToLower(s) {
	case "inf", "infinity":
		n.special = "inf"
		if n.neg {
			n.special = "-inf"
		}
		return n, true
	case "nan", "snan":
		n.special = "nan"
		return n, true
	}
	digits := func(s string) (string, bool) { // digits with '_' between digits
		if s == "" {
			return "", true
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= '0' && c <= '9':
				b.WriteByte(c)
			case c == '_' && i > 0 && i < len(s)-1 && isDigit(s[i-1]) && isDigit(s[i+1]):
			default:
				return "", false
			}
		}
		return b.String(), true
	}
	mant, expPart := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, expPart = s[:i], s[i+1:]
		if expPart == "" {
			return n, false
		}
	}
	intPart, fracPart := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, fracPart = mant[:i], mant[i+1:]
	}
	ip, ok1 := digits(intPart)
	fp, ok2 := digits(fracPart)
	if !ok1 || !ok2 || ip == "" && fp == "" {
		return n, false
	}
	exp := 0
	if expPart != "" {
		sign := 1
		if expPart[0] == '+' || expPart[0] == '-' {
			if expPart[0] == '-' {
				sign = -1
			}
			expPart = expPart[1:]
		}
		ed, ok := digits(expPart)
		if !ok || ed == "" || len(ed) > 9 {
			return n, false
		}
		e, _ := strconv.Atoi(ed)
		exp = sign * e
	}
	coef := strings.TrimLeft(ip+fp, "0")
	exp -= len(fp)
	if coef == "" {
		return number{coef: "0"}, true
	}
	trimmed := strings.TrimRight(coef, "0")
	exp += len(coef) - len(trimmed)
	n.coef, n.exp = trimmed, exp
	return n, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

var (
	minInt32 = big.NewInt(-1 << 31)
	maxInt32 = big.NewInt(1<<31 - 1)
)

// bigInt returns the integer value of a whole number.
func (n number) bigInt() *big.Int {
	v, _ := new(big.Int).SetString(n.coef, 10)
	if n.exp > 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.exp)), nil))
	}
	if n.neg {
		v.Neg(v)
	}
	return v
}

func (c *Column) noteNumber(n number) {
	switch {
	case n.special != "":
		c.special = true
	case n.exp < 0:
		c.decimals = true
	case c.wide < 2:
		if len(n.coef)+n.exp > 20 {
			c.wide = 2
			return
		}
		v := n.bigInt()
		switch {
		case !v.IsInt64():
			c.wide = 2
		case v.Cmp(minInt32) < 0 || v.Cmp(maxInt32) > 0:
			c.wide = max(c.wide, 1)
		}
	}
}

// canonical renders the number for the database's cast (DuckDB and PostgreSQL
// both read "123e-2", "nan", "inf").
func (n number) canonical(whole bool) string {
	switch n.special {
	case "nan":
		return "nan"
	case "inf":
		return "inf"
	case "-inf":
		return "-inf"
	}
	if whole && n.exp >= 0 {
		return n.bigInt().String()
	}
	s := n.coef + "e" + strconv.Itoa(n.exp)
	if n.neg {
		s = "-" + s
	}
	return s
}

// Python strptime patterns (case-insensitive; format whitespace is \s+).
var (
	datePart   = `(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])`
	reDate     = regexp.MustCompile(`^` + datePart + `$`)
	reDateTime = regexp.MustCompile(`^` + datePart + `\s+(2[0-3]|[0-1]\d|\d):([0-5]\d|\d):(6[0-1]|[0-5]\d|\d)$`)
)

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }

func validDate(y, m, d int) bool {
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseDate is agate's Date with date_format %Y-%m-%d. It returns the
// canonical text, whether the value is null, and whether it parsed.
func parseDate(v string) (string, bool, bool) {
	s := strings.TrimSpace(v)
	if s == "" || strings.EqualFold(s, "null") {
		return "", true, true
	}
	m := reDate.FindStringSubmatch(s)
	if m == nil {
		return "", false, false
	}
	y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
	if !validDate(y, mo, d) {
		return "", false, false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, mo, d), false, true
}

// parseDateTime is agate's DateTime with %Y-%m-%d %H:%M:%S.
func parseDateTime(v string) (string, bool, bool) {
	s := strings.TrimSpace(v)
	if s == "" || strings.EqualFold(s, "null") {
		return "", true, true
	}
	m := reDateTime.FindStringSubmatch(s)
	if m == nil {
		return "", false, false
	}
	y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
	h, mi, sec := atoi(m[4]), atoi(m[5]), atoi(m[6])
	if !validDate(y, mo, d) || sec > 59 {
		return "", false, false
	}
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, sec), false, true
}

// ISO 8601 as isodate.parse_datetime accepts it: <date>T<time>[zone], with
// extended or basic date forms (calendar, ordinal, week) and times of
// hh[:mm[:ss]] with an optional decimal fraction on the last part.
var (
	reISODateExt   = regexp.MustCompile(`^([+-]?\d{4})-(\d{2})(?:-(\d{2}))?$`)
	reISODateBasic = regexp.MustCompile(`^([+-]?\d{4})(?:(\d{2})(\d{2}))?$`)
	reISODateOrd   = regexp.MustCompile(`^([+-]?\d{4})-?(\d{3})$`)
	reISODateWeek  = regexp.MustCompile(`^([+-]?\d{4})-?W(\d{2})(?:-?(\d))?$`)
	reISOTime      = regexp.MustCompile(`^(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$`)
)

func parseISODate(s string) (time.Time, bool) {
	if m := reISODateOrd.FindStringSubmatch(s); m != nil {
		y, doy := atoi(m[1]), atoi(m[2])
		days := 365
		if validDate(y, 2, 29) {
			days = 366
		}
		if y < 1 || doy < 1 || doy > days {
			return time.Time{}, false
		}
		return time.Date(y, 1, doy, 0, 0, 0, 0, time.UTC), true
	}
	if m := reISODateWeek.FindStringSubmatch(s); m != nil {
		y, w, wd := atoi(m[1]), atoi(m[2]), 1
		if m[3] != "" {
			wd = atoi(m[3])
		}
		if y < 1 || w < 1 || w > 53 || wd < 1 || wd > 7 {
			return time.Time{}, false
		}
		// ISO week 1 contains January 4th.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
		return monday.AddDate(0, 0, (w-1)*7+wd-1), true
	}
	m := reISODateExt.FindStringSubmatch(s)
	if m == nil {
		if m = reISODateBasic.FindStringSubmatch(s); m == nil {
			return time.Time{}, false
		}
	}
	y, mo, d := atoi(m[1]), 1, 1
	if m[2] != "" {
		mo = atoi(m[2])
	}
	if m[3] != "" {
		d = atoi(m[3])
	}
	if !validDate(y, mo, d) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), true
}

// parseISODateTime is dbt's ISODateTime. The zone, if any, is dropped: the
// column is timestamp without time zone and DuckDB keeps the wall time of
// an offset timestamp cast to TIMESTAMP, so the loaded value is the same.
func parseISODateTime(v string) (string, bool, bool) {
	s := strings.TrimSpace(v)
	if s == "" || strings.EqualFold(s, "null") {
		return "", true, true
	}
	ds, ts, ok := strings.Cut(s, "T")
	if !ok || strings.Contains(ts, "T") {
		return "", false, false
	}
	day, ok := parseISODate(ds)
	if !ok {
		return "", false, false
	}
	m := reISOTime.FindStringSubmatch(ts)
	if m == nil {
		return "", false, false
	}
	h := atoi(m[1])
	var mi, sec, micro int
	frac := 0.0
	if m[4] != "" {
		frac, _ = strconv.ParseFloat("0."+m[4], 64)
	}
	switch {
	case m[2] == "": // hh.hh
		micro = int(frac * 3600e6)
	case m[3] == "": // hh:mm.mm
		mi = atoi(m[2])
		micro = int(frac * 60e6)
	default:
		mi, sec = atoi(m[2]), atoi(m[3])
		micro = int(frac*1e6 + 0.5)
		if micro >= 1e6 {
			micro = 999999
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return "", false, false
	}
	t := day.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(micro)*time.Microsecond)
	out := t.Format("2006-01-02 15:04:05.999999")
	return out, false, true
}

// parseBool is agate's Boolean with true_values ("true",) and false_values
// ("false",): commas removed, trimmed, case-insensitive.
func parseBool(v string) (string, bool, bool) {
	s := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(v, ",", "")))
	switch s {
	case "", "null":
		return "", true, true
	case "true", "false":
		return s, false, true
	}
	return "", false, false
}

// Value renders one CSV value of a column for the normalised file;
// null is reported separately.
func (c *Column) Value(v string) (out string, null bool) {
	if c.Forced != "" || c.Kind == KindText {
		if isNull(v) {
			return "", true
		}
		return v, false
	}
	switch c.Kind {
	case KindNumber:
		n, _ := parseNumber(v)
		if n.null {
			return "", true
		}
		return n.canonical(c.SQLType() != "float8"), false
	case KindDate:
		out, null, _ = parseDate(v)
	case KindDateTime:
		out, null, _ = parseDateTime(v)
	case KindISODateTime:
		out, null, _ = parseISODateTime(v)
	case KindBoolean:
		out, null, _ = parseBool(v)
	}
	return out, null
}

// Normalize writes the canonical CSV (no header, ',' delimited, nulls
// as empty unquoted fields) to a temporary file and returns its path.
func Normalize(path string, delim rune, t *Table) (string, error) {
	f, br, err := Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	out, err := os.CreateTemp("", "kiln-seed-*.csv")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	w := bufio.NewWriterSize(out, 64<<10)
	cr := NewReader(br, delim)
	if _, err := cr.Read(); err != nil { // header
		return "", err
	}
	t.MaxLine = 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		written := 0 // bytes of this line's fields
		for i := range t.Columns {
			if i > 0 {
				w.WriteByte(',')
			}
			if i >= len(rec) {
				continue // short row: null
			}
			v, null := t.Columns[i].Value(rec[i])
			if null {
				continue
			}
			written += writeCSVField(w, v)
		}
		w.WriteByte('\n')
		t.MaxLine = max(t.MaxLine, written+len(t.Columns))
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	ok = true
	return out.Name(), nil
}

// writeCSVField always quotes, so that a non-null value is never read as
// null (nulls are the only empty unquoted fields).
// It returns the number of bytes written.
func writeCSVField(w *bufio.Writer, v string) int {
	q := strings.ReplaceAll(v, `"`, `""`)
	w.WriteByte('"')
	w.WriteString(q)
	w.WriteByte('"')
	return len(q) + 2
}

// Each streams the file's data rows in canonical form: fn gets one value per
// column, nil for null (short rows are padded with nulls). The slice is
// reused between calls.
func Each(path string, delim rune, t *Table, fn func(row []any) error) error {
	f, br, err := Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := NewReader(br, delim)
	if _, err := cr.Read(); err != nil { // header
		return err
	}
	row := make([]any, len(t.Columns))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range t.Columns {
			row[i] = nil
			if i < len(rec) {
				if v, null := t.Columns[i].Value(rec[i]); !null {
					row[i] = v
				}
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

package jinja

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Python module shims: modules.datetime, modules.re, modules.itertools, modules.pytz.

var modulesObj = &objAttrs{name: "modules", attrs: map[string]any{
	"datetime":  datetimeModule,
	"re":        reModule,
	"itertools": itertoolsModule,
	"pytz":      pytzModule,
}}

// DateTime is a Python datetime (or date when DateOnly).
type DateTime struct {
	T        time.Time
	DateOnly bool
	Naive    bool
}

// TimeDelta is a Python timedelta.
type TimeDelta struct{ D time.Duration }

func (d *DateTime) add(x time.Duration) *DateTime {
	return &DateTime{T: d.T.Add(x), DateOnly: d.DateOnly, Naive: d.Naive}
}

func scaleDuration(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

func (d *DateTime) String() string {
	if d.DateOnly {
		return d.T.Format("2006-01-02")
	}
	s := d.T.Format("2006-01-02 15:04:05")
	if us := d.T.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if !d.Naive {
		s += d.T.Format("-07:00")
	}
	return s
}

func (d *DateTime) isoformat(sep string) string {
	if d.DateOnly {
		return d.T.Format("2006-01-02")
	}
	s := d.T.Format("2006-01-02") + sep + d.T.Format("15:04:05")
	if us := d.T.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	if !d.Naive {
		s += d.T.Format("-07:00")
	}
	return s
}

func (d *DateTime) getAttr(name string) (any, bool) {
	t := d.T
	switch name {
	case "year":
		return t.Year(), true
	case "month":
		return int(t.Month()), true
	case "day":
		return t.Day(), true
	case "hour":
		return t.Hour(), true
	case "minute":
		return t.Minute(), true
	case "second":
		return t.Second(), true
	case "microsecond":
		return t.Nanosecond() / 1000, true
	case "tzinfo":
		if d.Naive {
			return nil, true
		}
		return &tzObj{loc: t.Location()}, true
	case "strftime":
		return fn("strftime", func(_ *renderer, a *callArgs) (any, error) {
			return strftime(t, toStr(a.argOr(0, "format", ""))), nil
		}), true
	case "isoformat":
		return fn("isoformat", func(_ *renderer, a *callArgs) (any, error) {
			return d.isoformat(toStr(a.argOr(0, "sep", "T"))), nil
		}), true
	case "date":
		return fn("date", func(_ *renderer, _ *callArgs) (any, error) {
			y, m, dd := t.Date()
			return &DateTime{T: time.Date(y, m, dd, 0, 0, 0, 0, time.UTC), DateOnly: true, Naive: true}, nil
		}), true
	case "time":
		return fn("time", func(_ *renderer, _ *callArgs) (any, error) { return t.Format("15:04:05"), nil }), true
	case "timestamp":
		return fn("timestamp", func(_ *renderer, _ *callArgs) (any, error) {
			return float64(t.UnixNano()) / 1e9, nil
		}), true
	case "weekday":
		return fn("weekday", func(_ *renderer, _ *callArgs) (any, error) { return (int(t.Weekday()) + 6) % 7, nil }), true
	case "isoweekday":
		return fn("isoweekday", func(_ *renderer, _ *callArgs) (any, error) { return (int(t.Weekday())+6)%7 + 1, nil }), true
	case "replace":
		return fn("replace", func(_ *renderer, a *callArgs) (any, error) {
			get := func(k string, def int) int {
				if v, ok := a.kw[k]; ok {
					n, _ := toInt(v)
					return n
				}
				return def
			}
			loc := t.Location()
			naive := d.Naive
			if tz, ok := a.kw["tzinfo"]; ok {
				if tz == nil {
					naive, loc = true, time.UTC
				} else if z, ok := tz.(*tzObj); ok {
					naive, loc = false, z.loc
				}
			}
			nt := time.Date(get("year", t.Year()), time.Month(get("month", int(t.Month()))), get("day", t.Day()),
				get("hour", t.Hour()), get("minute", t.Minute()), get("second", t.Second()), get("microsecond", t.Nanosecond()/1000)*1000, loc)
			return &DateTime{T: nt, DateOnly: d.DateOnly, Naive: naive}, nil
		}), true
	case "astimezone":
		return fn("astimezone", func(_ *renderer, a *callArgs) (any, error) {
			z, ok := a.argOr(0, "tz", nil).(*tzObj)
			if !ok {
				return &DateTime{T: t.Local()}, nil
			}
			return &DateTime{T: t.In(z.loc)}, nil
		}), true
	}
	return nil, false
}

func (d *TimeDelta) String() string {
	total := d.D
	days := int(total / (24 * time.Hour))
	rest := total - time.Duration(days)*24*time.Hour
	if rest < 0 {
		days--
		rest += 24 * time.Hour
	}
	h := int(rest / time.Hour)
	m := int(rest % time.Hour / time.Minute)
	s := int(rest % time.Minute / time.Second)
	us := int(rest % time.Second / time.Microsecond)
	out := fmt.Sprintf("%d:%02d:%02d", h, m, s)
	if us != 0 {
		out += fmt.Sprintf(".%06d", us)
	}
	if days != 0 {
		unit := "days"
		if days == 1 || days == -1 {
			unit = "day"
		}
		out = fmt.Sprintf("%d %s, %s", days, unit, out)
	}
	return out
}

func (d *TimeDelta) getAttr(name string) (any, bool) {
	switch name {
	case "days":
		days := int(d.D / (24 * time.Hour))
		if d.D < 0 && d.D%(24*time.Hour) != 0 {
			days--
		}
		return days, true
	case "seconds":
		rest := d.D % (24 * time.Hour)
		if rest < 0 {
			rest += 24 * time.Hour
		}
		return int(rest / time.Second), true
	case "microseconds":
		return int(d.D % time.Second / time.Microsecond), true
	case "total_seconds":
		return fn("total_seconds", func(_ *renderer, _ *callArgs) (any, error) { return d.D.Seconds(), nil }), true
	}
	return nil, false
}

type tzObj struct{ loc *time.Location }

func (z *tzObj) String() string { return z.loc.String() }
func (z *tzObj) getAttr(name string) (any, bool) {
	if name == "zone" {
		return z.loc.String(), true
	}
	return nil, false
}

var strftimeCodes = map[byte]func(t time.Time) string{
	'Y': func(t time.Time) string { return fmt.Sprintf("%04d", t.Year()) },
	'y': func(t time.Time) string { return fmt.Sprintf("%02d", t.Year()%100) },
	'm': func(t time.Time) string { return fmt.Sprintf("%02d", int(t.Month())) },
	'd': func(t time.Time) string { return fmt.Sprintf("%02d", t.Day()) },
	'H': func(t time.Time) string { return fmt.Sprintf("%02d", t.Hour()) },
	'I': func(t time.Time) string {
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return fmt.Sprintf("%02d", h)
	},
	'M': func(t time.Time) string { return fmt.Sprintf("%02d", t.Minute()) },
	'S': func(t time.Time) string { return fmt.Sprintf("%02d", t.Second()) },
	'f': func(t time.Time) string { return fmt.Sprintf("%06d", t.Nanosecond()/1000) },
	'p': func(t time.Time) string {
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	},
	'b': func(t time.Time) string { return t.Format("Jan") },
	'B': func(t time.Time) string { return t.Format("January") },
	'a': func(t time.Time) string { return t.Format("Mon") },
	'A': func(t time.Time) string { return t.Format("Monday") },
	'j': func(t time.Time) string { return fmt.Sprintf("%03d", t.YearDay()) },
	'w': func(t time.Time) string { return strconv.Itoa(int(t.Weekday())) },
	'Z': func(t time.Time) string { n, _ := t.Zone(); return n },
	'z': func(t time.Time) string { return t.Format("-0700") },
	'U': func(t time.Time) string { return fmt.Sprintf("%02d", (t.YearDay()+6-int(t.Weekday()))/7) },
	'W': func(t time.Time) string { return fmt.Sprintf("%02d", (t.YearDay()+6-(int(t.Weekday())+6)%7)/7) },
	'V': func(t time.Time) string { _, w := t.ISOWeek(); return fmt.Sprintf("%02d", w) },
	'G': func(t time.Time) string { y, _ := t.ISOWeek(); return fmt.Sprintf("%04d", y) },
	'c': func(t time.Time) string { return t.Format("Mon Jan  2 15:04:05 2006") },
	'x': func(t time.Time) string { return t.Format("01/02/06") },
	'X': func(t time.Time) string { return t.Format("15:04:05") },
	'%': func(t time.Time) string { return "%" },
}

func strftime(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] == '%' && i+1 < len(f) {
			if fn, ok := strftimeCodes[f[i+1]]; ok {
				b.WriteString(fn(t))
				i++
				continue
			}
		}
		b.WriteByte(f[i])
	}
	return b.String()
}

// strptime parses with a Python format.
func strptime(s, f string) (time.Time, error) {
	layout := strings.NewReplacer("%Y", "2006", "%m", "01", "%d", "02", "%H", "15", "%M", "04", "%S", "05",
		"%f", "000000", "%y", "06", "%b", "Jan", "%B", "January", "%a", "Mon", "%A", "Monday", "%p", "PM",
		"%I", "03", "%z", "-0700", "%Z", "MST", "%j", "002", "%%", "%").Replace(f)
	return time.Parse(layout, s)
}

func dtArgs(a *callArgs) (time.Time, error) {
	get := func(i int, k string, def int) int {
		n, _ := toInt(a.argOr(i, k, def))
		return n
	}
	y := get(0, "year", 1)
	if y < 1 {
		return time.Time{}, errorf("year is out of range")
	}
	return time.Date(y, time.Month(get(1, "month", 1)), get(2, "day", 1), get(3, "hour", 0), get(4, "minute", 0),
		get(5, "second", 0), get(6, "microsecond", 0)*1000, time.UTC), nil
}

var datetimeClass = &classObj{name: "datetime", attrs: map[string]any{
	"now": fn("datetime.now", func(_ *renderer, a *callArgs) (any, error) {
		if z, ok := a.argOr(0, "tz", nil).(*tzObj); ok {
			return &DateTime{T: time.Now().In(z.loc)}, nil
		}
		return &DateTime{T: time.Now(), Naive: true}, nil
	}),
	"utcnow": fn("datetime.utcnow", func(_ *renderer, _ *callArgs) (any, error) {
		return &DateTime{T: time.Now().UTC(), Naive: true}, nil
	}),
	"today": fn("datetime.today", func(_ *renderer, _ *callArgs) (any, error) {
		return &DateTime{T: time.Now(), Naive: true}, nil
	}),
	"strptime": fn("datetime.strptime", func(_ *renderer, a *callArgs) (any, error) {
		t, err := strptime(toStr(a.argOr(0, "date_string", "")), toStr(a.argOr(1, "format", "")))
		if err != nil {
			return nil, errorf("time data %s does not match format %s", repr(a.argOr(0, "date_string", "")), repr(a.argOr(1, "format", "")))
		}
		return &DateTime{T: t, Naive: !strings.Contains(toStr(a.argOr(1, "format", "")), "%z")}, nil
	}),
	"fromisoformat": fn("datetime.fromisoformat", func(_ *renderer, a *callArgs) (any, error) {
		s := toStr(a.argOr(0, "date_string", ""))
		for _, l := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.Parse(l, s); err == nil {
				return &DateTime{T: t, Naive: !strings.Contains(l, "Z07")}, nil
			}
		}
		return nil, errorf("invalid isoformat string: %s", repr(s))
	}),
	"fromtimestamp": fn("datetime.fromtimestamp", func(_ *renderer, a *callArgs) (any, error) {
		f, _ := toFloat(a.argOr(0, "timestamp", 0))
		return &DateTime{T: time.Unix(0, int64(f*1e9)).UTC(), Naive: true}, nil
	}),
}, construct: func(_ *renderer, a *callArgs) (any, error) {
	t, err := dtArgs(a)
	if err != nil {
		return nil, err
	}
	naive := true
	loc := time.UTC
	if z, ok := a.kw["tzinfo"].(*tzObj); ok {
		naive, loc = false, z.loc
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	}
	return &DateTime{T: t, Naive: naive}, nil
}}

var dateClass = &classObj{name: "date", attrs: map[string]any{
	"today": fn("date.today", func(_ *renderer, _ *callArgs) (any, error) {
		y, m, d := time.Now().Date()
		return &DateTime{T: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), DateOnly: true, Naive: true}, nil
	}),
	"fromisoformat": fn("date.fromisoformat", func(_ *renderer, a *callArgs) (any, error) {
		t, err := time.Parse("2006-01-02", toStr(a.argOr(0, "date_string", "")))
		if err != nil {
			return nil, errorf("invalid isoformat string: %s", repr(a.argOr(0, "date_string", "")))
		}
		return &DateTime{T: t, DateOnly: true, Naive: true}, nil
	}),
}, construct: func(_ *renderer, a *callArgs) (any, error) {
	t, err := dtArgs(a)
	if err != nil {
		return nil, err
	}
	return &DateTime{T: t, DateOnly: true, Naive: true}, nil
}}

var timedeltaClass = &classObj{name: "timedelta", attrs: map[string]any{}, construct: func(_ *renderer, a *callArgs) (any, error) {
	units := []struct {
		name string
		d    time.Duration
	}{{"days", 24 * time.Hour}, {"seconds", time.Second}, {"microseconds", time.Microsecond}, {"milliseconds", time.Millisecond},
		{"minutes", time.Minute}, {"hours", time.Hour}, {"weeks", 7 * 24 * time.Hour}}
	var total time.Duration
	for i, u := range units {
		if v, ok := a.arg(i, u.name); ok {
			f, ok := toFloat(v)
			if !ok {
				return nil, errorf("unsupported type for timedelta %s component: %s", u.name, typeName(v))
			}
			total += time.Duration(f * float64(u.d))
		}
	}
	return &TimeDelta{D: total}, nil
}}

// classObj is a Python class: callable constructor plus class attributes.
type classObj struct {
	name      string
	attrs     map[string]any
	construct func(r *renderer, a *callArgs) (any, error)
}

func (c *classObj) getAttr(name string) (any, bool) { v, ok := c.attrs[name]; return v, ok }
func (c *classObj) call(r *renderer, a *callArgs) (any, error) {
	return c.construct(r, a)
}
func (c *classObj) String() string { return "<class '" + c.name + "'>" }

var utcTZ = &tzObj{loc: time.UTC}

var datetimeModule = &objAttrs{name: "datetime", attrs: map[string]any{
	"datetime":  datetimeClass,
	"date":      dateClass,
	"timedelta": timedeltaClass,
	"timezone":  &objAttrs{name: "timezone", attrs: map[string]any{"utc": utcTZ}},
	"MINYEAR":   1,
	"MAXYEAR":   9999,
}}

var pytzModule = &objAttrs{name: "pytz", attrs: map[string]any{
	"utc": utcTZ,
	"UTC": utcTZ,
	"timezone": fn("pytz.timezone", func(_ *renderer, a *callArgs) (any, error) {
		name := toStr(a.argOr(0, "zone", "UTC"))
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, errorf("unknown time zone %s", repr(name))
		}
		return &tzObj{loc: loc}, nil
	}),
}}

// ---------------------------------------------------------------------------
// re

const (
	reIgnoreCase = 2
	reMultiline  = 8
	reDotAll     = 16
	reVerbose    = 64
)

type regexObj struct {
	re      *regexp.Regexp
	pattern string
}

var reCache sync.Map

func compileRe(pattern string, flags int) (*regexObj, error) {
	key := strconv.Itoa(flags) + "\x00" + pattern
	if v, ok := reCache.Load(key); ok {
		return v.(*regexObj), nil
	}
	p := pattern
	if flags&reVerbose != 0 {
		p = stripVerbose(p)
	}
	prefix := ""
	if flags&reIgnoreCase != 0 {
		prefix += "i"
	}
	if flags&reMultiline != 0 {
		prefix += "m"
	}
	if flags&reDotAll != 0 {
		prefix += "s"
	}
	goPat := strings.ReplaceAll(p, `\Z`, `\z`)
	if prefix != "" {
		goPat = "(?" + prefix + ")" + goPat
	}
	re, err := regexp.Compile(goPat)
	if err != nil {
		return nil, errorf("invalid regular expression %s: %v", repr(pattern), err)
	}
	o := &regexObj{re: re, pattern: pattern}
	reCache.Store(key, o)
	return o, nil
}

func stripVerbose(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
		case c == '[':
			inClass = true
			b.WriteByte(c)
		case c == ']':
			inClass = false
			b.WriteByte(c)
		case !inClass && (c == ' ' || c == '\t' || c == '\n'):
		case !inClass && c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type matchObj struct {
	s    string
	idx  []int
	re   *regexp.Regexp
	base int
}

func (m *matchObj) group(g any) any {
	i := 0
	switch x := g.(type) {
	case int:
		i = x
	case string:
		i = m.re.SubexpIndex(x)
		if i < 0 {
			return nil
		}
	}
	if 2*i+1 >= len(m.idx) || m.idx[2*i] < 0 {
		return nil
	}
	return m.s[m.idx[2*i]:m.idx[2*i+1]]
}

func (m *matchObj) truth() bool { return true }
func (m *matchObj) String() string {
	return fmt.Sprintf("<re.Match object; span=(%d, %d), match=%s>", m.idx[0], m.idx[1], repr(m.group(0)))
}

func (m *matchObj) getAttr(name string) (any, bool) {
	switch name {
	case "group":
		return fn("group", func(_ *renderer, a *callArgs) (any, error) {
			if len(a.pos) <= 1 {
				return m.group(a.argOr(0, "group", 0)), nil
			}
			out := make([]any, len(a.pos))
			for i, g := range a.pos {
				out[i] = m.group(g)
			}
			return &List{Items: out}, nil
		}), true
	case "groups":
		return fn("groups", func(_ *renderer, _ *callArgs) (any, error) {
			var out []any
			for i := 1; i < len(m.idx)/2; i++ {
				out = append(out, m.group(i))
			}
			return &List{Items: out}, nil
		}), true
	case "groupdict":
		return fn("groupdict", func(_ *renderer, _ *callArgs) (any, error) {
			d := newDict(0)
			for i, n := range m.re.SubexpNames() {
				if n != "" {
					d.Set(n, m.group(i))
				}
			}
			return d, nil
		}), true
	case "start":
		return fn("start", func(_ *renderer, _ *callArgs) (any, error) { return m.idx[0], nil }), true
	case "end":
		return fn("end", func(_ *renderer, _ *callArgs) (any, error) { return m.idx[1], nil }), true
	case "span":
		return fn("span", func(_ *renderer, _ *callArgs) (any, error) { return &List{Items: []any{m.idx[0], m.idx[1]}}, nil }), true
	case "string":
		return m.s, true
	}
	return nil, false
}

// pyReplacement converts a Python replacement string (\1, \g<name>) to Go's.
func pyReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(s):
			n := s[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(s) && s[j] >= '0' && s[j] <= '9' && j < i+3 {
					j++
				}
				b.WriteString("${" + s[i+1:j] + "}")
				i = j - 1
			case n == 'g' && i+2 < len(s) && s[i+2] == '<':
				end := strings.IndexByte(s[i:], '>')
				if end < 0 {
					b.WriteByte(c)
					continue
				}
				b.WriteString("${" + s[i+3:i+end] + "}")
				i += end
			case n == 'n':
				b.WriteByte('\n')
				i++
			case n == 't':
				b.WriteByte('\t')
				i++
			case n == '\\':
				b.WriteByte('\\')
				i++
			default:
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func reFlags(a *callArgs, i int) int {
	n, _ := toInt(a.argOr(i, "flags", 0))
	return n
}

func patternArg(a *callArgs, flagsAt int) (*regexObj, error) {
	p := a.argOr(0, "pattern", "")
	if ro, ok := p.(*regexObj); ok {
		return ro, nil
	}
	return compileRe(toStr(p), reFlags(a, flagsAt))
}

func (o *regexObj) search(s string, anchored, full bool) any {
	idx := o.re.FindStringSubmatchIndex(s)
	if idx == nil {
		return nil
	}
	if anchored && idx[0] != 0 {
		// re.match: retry anchored at the start
		re := regexp.MustCompile(`^(?:` + o.re.String() + `)`)
		idx = re.FindStringSubmatchIndex(s)
		if idx == nil {
			return nil
		}
		return &matchObj{s: s, idx: idx, re: o.re}
	}
	if full {
		re := regexp.MustCompile(`^(?:` + o.re.String() + `)$`)
		idx = re.FindStringSubmatchIndex(s)
		if idx == nil {
			return nil
		}
	}
	return &matchObj{s: s, idx: idx, re: o.re}
}

func (o *regexObj) findall(s string) any {
	all := o.re.FindAllStringSubmatch(s, -1)
	out := make([]any, 0, len(all))
	for _, m := range all {
		switch n := len(m) - 1; {
		case n == 0:
			out = append(out, m[0])
		case n == 1:
			out = append(out, m[1])
		default:
			t := make([]any, n)
			for i := range t {
				t[i] = m[i+1]
			}
			out = append(out, &List{Items: t})
		}
	}
	return &List{Items: out}
}

func (o *regexObj) sub(repl any, s string, count int) (any, error) {
	if rs, ok := repl.(string); ok && count <= 0 {
		return o.re.ReplaceAllString(s, pyReplacement(rs)), nil
	}
	n := 0
	var err error
	res := o.re.ReplaceAllStringFunc(s, func(match string) string {
		if count > 0 && n >= count {
			return match
		}
		n++
		if f, ok := repl.(*Func); ok {
			idx := o.re.FindStringSubmatchIndex(match)
			v, e := f.Fn(nil, &callArgs{pos: []any{&matchObj{s: match, idx: idx, re: o.re}}})
			if e != nil {
				err = e
			}
			return toStr(v)
		}
		return o.re.ReplaceAllString(match, pyReplacement(toStr(repl)))
	})
	return res, err
}

func (o *regexObj) split(s string, max int) any {
	n := -1
	if max > 0 {
		n = max + 1
	}
	parts := o.re.Split(s, n)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return &List{Items: out}
}

func (o *regexObj) String() string { return "re.compile(" + repr(o.pattern) + ")" }

func (o *regexObj) getAttr(name string) (any, bool) {
	switch name {
	case "pattern":
		return o.pattern, true
	case "search", "match", "fullmatch":
		return fn(name, func(_ *renderer, a *callArgs) (any, error) {
			return o.search(toStr(a.argOr(0, "string", "")), name == "match", name == "fullmatch"), nil
		}), true
	case "findall":
		return fn(name, func(_ *renderer, a *callArgs) (any, error) { return o.findall(toStr(a.argOr(0, "string", ""))), nil }), true
	case "sub":
		return fn(name, func(_ *renderer, a *callArgs) (any, error) {
			c, _ := toInt(a.argOr(2, "count", 0))
			return o.sub(a.argOr(0, "repl", ""), toStr(a.argOr(1, "string", "")), c)
		}), true
	case "split":
		return fn(name, func(_ *renderer, a *callArgs) (any, error) {
			m, _ := toInt(a.argOr(1, "maxsplit", 0))
			return o.split(toStr(a.argOr(0, "string", "")), m), nil
		}), true
	}
	return nil, false
}

var reModule = &objAttrs{name: "re", attrs: map[string]any{
	"IGNORECASE": reIgnoreCase, "I": reIgnoreCase,
	"MULTILINE": reMultiline, "M": reMultiline,
	"DOTALL": reDotAll, "S": reDotAll,
	"VERBOSE": reVerbose, "X": reVerbose,
	"compile": fn("re.compile", func(_ *renderer, a *callArgs) (any, error) { return patternArg(a, 1) }),
	"search": fn("re.search", func(_ *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, 2)
		if err != nil {
			return nil, err
		}
		return o.search(toStr(a.argOr(1, "string", "")), false, false), nil
	}),
	"match": fn("re.match", func(_ *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, 2)
		if err != nil {
			return nil, err
		}
		return o.search(toStr(a.argOr(1, "string", "")), true, false), nil
	}),
	"fullmatch": fn("re.fullmatch", func(_ *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, 2)
		if err != nil {
			return nil, err
		}
		return o.search(toStr(a.argOr(1, "string", "")), false, true), nil
	}),
	"findall": fn("re.findall", func(_ *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, 2)
		if err != nil {
			return nil, err
		}
		return o.findall(toStr(a.argOr(1, "string", ""))), nil
	}),
	"sub": fn("re.sub", func(_ *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, 4)
		if err != nil {
			return nil, err
		}
		c, _ := toInt(a.argOr(3, "count", 0))
		return o.sub(a.argOr(1, "repl", ""), toStr(a.argOr(2, "string", "")), c)
	}),
	"split": fn("re.split", func(_ *renderer, a *callArgs) (any, error) {
		o, err := patternArg(a, 3)
		if err != nil {
			return nil, err
		}
		m, _ := toInt(a.argOr(2, "maxsplit", 0))
		return o.split(toStr(a.argOr(1, "string", "")), m), nil
	}),
	"escape": fn("re.escape", func(_ *renderer, a *callArgs) (any, error) {
		return regexp.QuoteMeta(toStr(a.argOr(0, "pattern", ""))), nil
	}),
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

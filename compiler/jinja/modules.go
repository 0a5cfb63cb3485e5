package jinja

import (
	"fmt"
	"strconv"
	"strings"
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

package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // pytz.timezone() works without the system's zoneinfo
)

// modules.datetime and modules.pytz as Python has them: naive and aware
// datetimes, dates, times, timedeltas, pytz's localize/normalize.
//
// An aware datetime's T carries a fixed-offset zone (the offset and the
// abbreviation in force), as a pytz datetime carries one tzinfo variant:
// adding a timedelta keeps the offset, normalize() and astimezone()
// recompute it. A naive datetime's T is in UTC with Naive set.

// DateTime is a Python datetime, date (DateOnly) or time (timeOnly).
type DateTime struct {
	T        time.Time
	DateOnly bool
	Naive    bool
	timeOnly bool
	tz       *tzObj // the tzinfo of an aware datetime
}

// TimeDelta is a Python timedelta.
type TimeDelta struct{ D time.Duration }

// tzObj is a tzinfo: pytz.utc, a pytz zone, pytz.FixedOffset or
// datetime.timezone.utc.
type tzObj struct {
	loc   *time.Location
	name  string // pytz zone name, "UTC"
	fixed *int   // FixedOffset minutes
	std   bool   // datetime.timezone.utc
}

var (
	utcTZ    = &tzObj{loc: time.UTC, name: "UTC"}
	stdUTCTZ = &tzObj{loc: time.UTC, name: "UTC", std: true}
)

func (z *tzObj) String() string {
	if z.fixed != nil {
		return fmt.Sprintf("pytz.FixedOffset(%d)", *z.fixed)
	}
	return z.name
}

func (z *tzObj) pyRepr() string {
	switch {
	case z.std:
		return "datetime.timezone.utc"
	case z.fixed != nil:
		return z.String()
	case z == utcTZ || z.name == "UTC":
		return "<UTC>"
	}
	return "<DstTzInfo '" + z.name + "'>"
}

func (z *tzObj) pyType() string {
	switch {
	case z.std:
		return "datetime.timezone"
	case z.fixed != nil:
		return "_FixedOffset"
	case z.name == "UTC":
		return "UTC"
	}
	return "DstTzInfo"
}

// at is the datetime for an instant in this zone.
func (z *tzObj) at(instant time.Time) *DateTime {
	if z.fixed != nil {
		return &DateTime{T: instant.In(time.FixedZone("", *z.fixed*60)), tz: z}
	}
	in := instant.In(z.loc)
	abbr, off := in.Zone()
	return &DateTime{T: in.In(time.FixedZone(abbr, off)), tz: z}
}

// first is the offset a pytz zone object carries before localize(): the
// zone's earliest one (local mean time, "LMT", rounded to the minute as pytz
// does), which is what datetime(..., tzinfo=zone) and replace(tzinfo=zone)
// attach — the well-known pytz pitfall, reproduced because dbt packages
// (dbt_date) render it into SQL.
func (z *tzObj) first() *time.Location {
	if z.loc == time.UTC || z.name == "UTC" {
		return time.UTC
	}
	abbr, off := time.Date(1, 1, 1, 0, 0, 0, 0, z.loc).Zone()
	rounded := (off + 30) / 60 * 60
	if off+30 < 0 && (off+30)%60 != 0 {
		rounded -= 60 // floor division, as Python's //
	}
	return time.FixedZone(abbr, rounded)
}

// localize attaches the zone to a naive wall time, pytz's way with
// is_dst=False: an ambiguous or missing wall time takes standard time.
func (z *tzObj) localize(d *DateTime) (*DateTime, error) {
	if !d.Naive {
		return nil, errorf("Not naive datetime (tzinfo is already set)")
	}
	wall := d.T
	if z.fixed != nil {
		return &DateTime{T: time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), time.FixedZone("", *z.fixed*60)), tz: z}, nil
	}
	type cand struct {
		off  int
		abbr string
		dst  bool
	}
	var cands []cand
	for _, probe := range []time.Duration{-36 * time.Hour, 36 * time.Hour} {
		p := wall.Add(probe).In(z.loc)
		abbr, off := p.Zone()
		c := cand{off, abbr, p.IsDST()}
		dup := false
		for _, o := range cands {
			dup = dup || o.off == off
		}
		if !dup {
			cands = append(cands, c)
		}
	}
	valid := []cand{}
	for _, c := range cands {
		inst := wall.Add(-time.Duration(c.off) * time.Second)
		if _, off := inst.In(z.loc).Zone(); off == c.off {
			valid = append(valid, c)
		}
	}
	pick := func(cs []cand) cand {
		for _, c := range cs {
			if !c.dst {
				return c
			}
		}
		return cs[0]
	}
	var c cand
	switch len(valid) {
	case 1:
		c = valid[0]
	case 0:
		c = pick(cands)
	default:
		c = pick(valid)
	}
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), time.FixedZone(c.abbr, c.off))
	return &DateTime{T: t, tz: z}, nil
}

func (z *tzObj) getAttr(name string) (any, bool) {
	switch name {
	case "zone":
		if z.fixed != nil {
			return nil, true
		}
		return z.name, true
	case "localize":
		return fn("localize", func(_ *renderer, a *callArgs) (any, error) {
			d, ok := a.argOr(0, "dt", nil).(*DateTime)
			if !ok || d.DateOnly || d.timeOnly {
				return nil, errorf("localize() needs a datetime")
			}
			return z.localize(d)
		}), true
	case "normalize":
		return fn("normalize", func(_ *renderer, a *callArgs) (any, error) {
			d, ok := a.argOr(0, "dt", nil).(*DateTime)
			if !ok || d.Naive {
				return nil, errorf("Naive time - no tzinfo set")
			}
			return z.at(d.T), nil
		}), true
	case "utcoffset":
		return fn("utcoffset", func(_ *renderer, a *callArgs) (any, error) {
			d, ok := a.argOr(0, "dt", nil).(*DateTime)
			if !ok {
				return nil, nil
			}
			l, err := z.localize(d)
			if err != nil {
				return nil, err
			}
			_, off := l.T.Zone()
			return &TimeDelta{D: time.Duration(off) * time.Second}, nil
		}), true
	}
	return nil, false
}

// ---------------------------------------------------------------------------
// datetime values

func naiveDT(t time.Time) *DateTime { return &DateTime{T: t, Naive: true} }

func newDate(y int, m time.Month, d int) *DateTime {
	return &DateTime{T: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), DateOnly: true, Naive: true}
}

func (d *DateTime) pyType() string {
	switch {
	case d.DateOnly:
		return "date"
	case d.timeOnly:
		return "time"
	}
	return "datetime"
}

func (d *DateTime) micro() int { return d.T.Nanosecond() / 1000 }

func (d *DateTime) offsetString(sep string) string {
	if d.Naive {
		return ""
	}
	_, off := d.T.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	s := fmt.Sprintf("%s%02d%s%02d", sign, off/3600, sep, off%3600/60)
	if off%60 != 0 {
		s += fmt.Sprintf("%s%02d", sep, off%60)
	}
	return s
}

func (d *DateTime) clock() string {
	s := d.T.Format("15:04:05")
	if us := d.micro(); us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

func (d *DateTime) String() string { return d.isoformat(" ") }

func (d *DateTime) isoformat(sep string) string {
	switch {
	case d.DateOnly:
		return fmt.Sprintf("%04d-%02d-%02d", d.T.Year(), int(d.T.Month()), d.T.Day())
	case d.timeOnly:
		return d.clock()
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.T.Year(), int(d.T.Month()), d.T.Day()) + sep + d.clock() + d.offsetString(":")
}

func (d *DateTime) pyRepr() string {
	t := d.T
	switch {
	case d.DateOnly:
		return fmt.Sprintf("datetime.date(%d, %d, %d)", t.Year(), int(t.Month()), t.Day())
	case d.timeOnly:
		parts := []string{strconv.Itoa(t.Hour()), strconv.Itoa(t.Minute())}
		if t.Second() != 0 || d.micro() != 0 {
			parts = append(parts, strconv.Itoa(t.Second()))
		}
		if d.micro() != 0 {
			parts = append(parts, strconv.Itoa(d.micro()))
		}
		return "datetime.time(" + strings.Join(parts, ", ") + ")"
	}
	parts := []string{strconv.Itoa(t.Year()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Day()), strconv.Itoa(t.Hour()), strconv.Itoa(t.Minute())}
	if t.Second() != 0 || d.micro() != 0 {
		parts = append(parts, strconv.Itoa(t.Second()))
	}
	if d.micro() != 0 {
		parts = append(parts, strconv.Itoa(d.micro()))
	}
	s := "datetime.datetime(" + strings.Join(parts, ", ")
	if !d.Naive && d.tz != nil {
		s += ", tzinfo=" + d.tz.pyRepr()
	}
	return s + ")"
}

func (d *DateTime) eq(b any) (bool, bool) {
	o, ok := b.(*DateTime)
	if !ok || o.DateOnly != d.DateOnly || o.timeOnly != d.timeOnly || o.Naive != d.Naive {
		return false, true
	}
	return d.T.Equal(o.T), true
}

func (d *TimeDelta) eq(b any) (bool, bool) {
	o, ok := b.(*TimeDelta)
	return ok && o.D == d.D, true
}

func (d *TimeDelta) pyType() string { return "timedelta" }

// dtCompare orders datetimes, dates and timedeltas as Python does.
func dtCompare(a, b any) (int, bool, error) {
	switch x := a.(type) {
	case *DateTime:
		y, ok := b.(*DateTime)
		if !ok || x.DateOnly != y.DateOnly || x.timeOnly != y.timeOnly {
			return 0, true, errorf("can't compare %s to %s", typeName(a), typeName(b))
		}
		if x.Naive != y.Naive {
			return 0, true, errorf("can't compare offset-naive and offset-aware datetimes")
		}
		return x.T.Compare(y.T), true, nil
	case *TimeDelta:
		y, ok := b.(*TimeDelta)
		if !ok {
			return 0, true, errorf("'<' not supported between instances of 'datetime.timedelta' and '%s'", typeName(b))
		}
		return compareInt(int(x.D), int(y.D)), true, nil
	}
	return 0, false, nil
}

// dtArith is + - * / // with datetimes and timedeltas.
func dtArith(sym string, l, r any) (any, bool, error) {
	ld, lDT := l.(*DateTime)
	rd, rDT := r.(*DateTime)
	lt, lTD := l.(*TimeDelta)
	rt, rTD := r.(*TimeDelta)
	if !lDT && !rDT && !lTD && !rTD {
		return nil, false, nil
	}
	switch sym {
	case "+":
		switch {
		case lDT && rTD && !ld.timeOnly:
			return ld.add(rt.D), true, nil
		case lTD && rDT && !rd.timeOnly:
			return rd.add(lt.D), true, nil
		case lTD && rTD:
			return &TimeDelta{D: lt.D + rt.D}, true, nil
		}
	case "-":
		switch {
		case lDT && rTD && !ld.timeOnly:
			return ld.add(-rt.D), true, nil
		case lDT && rDT && ld.DateOnly == rd.DateOnly && !ld.timeOnly && !rd.timeOnly:
			if ld.Naive != rd.Naive {
				return nil, true, errorf("can't subtract offset-naive and offset-aware datetimes")
			}
			return &TimeDelta{D: ld.T.Sub(rd.T)}, true, nil
		case lTD && rTD:
			return &TimeDelta{D: lt.D - rt.D}, true, nil
		}
	case "*":
		if rTD && !lTD {
			l, r, lt, lTD, rTD = r, l, rt, true, false
		}
		if lTD && !rTD {
			if f, ok := toFloat(r); ok && !isBool(r) || isInt(r) {
				if i, isI := r.(int); isI {
					return &TimeDelta{D: lt.D * time.Duration(i)}, true, nil
				}
				return &TimeDelta{D: roundMicro(float64(lt.D) * f)}, true, nil
			}
		}
	case "/":
		if lTD && rTD {
			if rt.D == 0 {
				return nil, true, errorf("division by zero")
			}
			return float64(lt.D) / float64(rt.D), true, nil
		}
		if lTD {
			f, ok := toFloat(r)
			if !ok || f == 0 {
				return nil, true, errorf("unsupported operand type(s) for /: 'datetime.timedelta' and '%s'", typeName(r))
			}
			return &TimeDelta{D: roundMicro(float64(lt.D) / f)}, true, nil
		}
	case "//":
		if lTD && rTD {
			if rt.D == 0 {
				return nil, true, errorf("integer division or modulo by zero")
			}
			return floorDiv(int(lt.D), int(rt.D)), true, nil
		}
		if i, ok := r.(int); ok && lTD {
			if i == 0 {
				return nil, true, errorf("integer division or modulo by zero")
			}
			us := floorDiv(int(lt.D/time.Microsecond), i)
			return &TimeDelta{D: time.Duration(us) * time.Microsecond}, true, nil
		}
	}
	return nil, true, errorf("unsupported operand type(s) for %s: '%s' and '%s'", sym, dtTypeName(l), dtTypeName(r))
}

func isBool(v any) bool { _, ok := v.(bool); return ok }
func isInt(v any) bool  { _, ok := v.(int); return ok }

func dtTypeName(v any) string {
	switch x := v.(type) {
	case *DateTime:
		return "datetime." + x.pyType()
	case *TimeDelta:
		return "datetime.timedelta"
	}
	return typeName(v)
}

// roundMicro rounds nanoseconds to whole microseconds, half to even.
func roundMicro(ns float64) time.Duration {
	return time.Duration(math.RoundToEven(ns/1000)) * time.Microsecond
}

func (d *DateTime) add(x time.Duration) *DateTime {
	n := *d
	if d.DateOnly {
		days := int(x / (24 * time.Hour))
		if x < 0 && x%(24*time.Hour) != 0 {
			days--
		}
		n.T = d.T.AddDate(0, 0, days)
		return &n
	}
	n.T = d.T.Add(x)
	return &n
}

func (d *DateTime) getAttr(name string) (any, bool) {
	t := d.T
	method := func(f func(a *callArgs) (any, error)) (any, bool) {
		return fn(name, func(_ *renderer, a *callArgs) (any, error) { return f(a) }), true
	}
	switch name {
	case "year", "month", "day":
		if d.timeOnly {
			return nil, false
		}
		return map[string]int{"year": t.Year(), "month": int(t.Month()), "day": t.Day()}[name], true
	case "hour", "minute", "second", "microsecond":
		if d.DateOnly {
			return nil, false
		}
		return map[string]int{"hour": t.Hour(), "minute": t.Minute(), "second": t.Second(), "microsecond": d.micro()}[name], true
	case "tzinfo":
		if d.DateOnly {
			return nil, false
		}
		if d.Naive || d.tz == nil {
			return nil, true
		}
		return d.tz, true
	case "strftime":
		return method(func(a *callArgs) (any, error) { return d.strftime(toStr(a.argOr(0, "format", ""))), nil })
	case "isoformat":
		return method(func(a *callArgs) (any, error) { return d.isoformat(toStr(a.argOr(0, "sep", "T"))), nil })
	case "date":
		return method(func(a *callArgs) (any, error) { return newDate(t.Date()), nil })
	case "time":
		return method(func(a *callArgs) (any, error) {
			return &DateTime{T: time.Date(1900, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), timeOnly: true, Naive: true}, nil
		})
	case "timestamp":
		return method(func(a *callArgs) (any, error) {
			inst := t
			if d.Naive {
				// Python reads a naive datetime as local time
				inst = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local)
			}
			return float64(inst.UnixMicro()) / 1e6, nil
		})
	case "weekday":
		return method(func(a *callArgs) (any, error) { return (int(t.Weekday()) + 6) % 7, nil })
	case "isoweekday":
		return method(func(a *callArgs) (any, error) { return (int(t.Weekday())+6)%7 + 1, nil })
	case "isocalendar":
		return method(func(a *callArgs) (any, error) {
			y, w := t.ISOWeek()
			return &isoCalendar{y, w, (int(t.Weekday())+6)%7 + 1}, nil
		})
	case "toordinal":
		return method(func(a *callArgs) (any, error) { return toOrdinal(t), nil })
	case "timetuple":
		return method(func(a *callArgs) (any, error) {
			return &objAttrs{name: "time.struct_time", attrs: map[string]any{
				"tm_year": t.Year(), "tm_mon": int(t.Month()), "tm_mday": t.Day(), "tm_hour": t.Hour(), "tm_min": t.Minute(),
				"tm_sec": t.Second(), "tm_wday": (int(t.Weekday()) + 6) % 7, "tm_yday": t.YearDay(), "tm_isdst": -1,
			}}, nil
		})
	case "utcoffset", "dst":
		return method(func(a *callArgs) (any, error) {
			if d.Naive {
				return nil, nil
			}
			if name == "dst" {
				return &TimeDelta{}, nil
			}
			_, off := t.Zone()
			return &TimeDelta{D: time.Duration(off) * time.Second}, nil
		})
	case "tzname":
		return method(func(a *callArgs) (any, error) {
			if d.Naive {
				return nil, nil
			}
			abbr, _ := t.Zone()
			return abbr, nil
		})
	case "replace":
		return method(func(a *callArgs) (any, error) { return d.replace(a) })
	case "astimezone":
		return method(func(a *callArgs) (any, error) {
			inst := t
			if d.Naive {
				inst = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local)
			}
			z, ok := a.argOr(0, "tz", nil).(*tzObj)
			if !ok {
				z = &tzObj{loc: time.Local, name: time.Local.String()}
			}
			return z.at(inst), nil
		})
	}
	return nil, false
}

func (d *DateTime) replace(a *callArgs) (any, error) {
	t := d.T
	get := func(k string, def int) int {
		if v, ok := a.kw[k]; ok {
			n, _ := toInt(v)
			return n
		}
		return def
	}
	y, mo, day := get("year", t.Year()), get("month", int(t.Month())), get("day", t.Day())
	h, mi, s, us := get("hour", t.Hour()), get("minute", t.Minute()), get("second", t.Second()), get("microsecond", d.micro())
	if err := checkDate(y, mo, day); err != nil {
		return nil, err
	}
	if err := checkClock(h, mi, s, us); err != nil {
		return nil, err
	}
	n := *d
	loc := t.Location()
	if tz, ok := a.kw["tzinfo"]; ok {
		switch z := tz.(type) {
		case nil:
			n.Naive, n.tz, loc = true, nil, time.UTC
		case *tzObj:
			// replace() attaches the zone's first offset (pytz's LMT) for
			// pytz zones; fixed zones and UTC are exact
			n.Naive, n.tz = false, z
			if z.fixed != nil {
				loc = time.FixedZone("", *z.fixed*60)
			} else {
				loc = z.first()
			}
		default:
			return nil, errorf("tzinfo argument must be None or of a tzinfo subclass, not type '%s'", typeName(tz))
		}
	}
	n.T = time.Date(y, time.Month(mo), day, h, mi, s, us*1000, loc)
	return &n, nil
}

// isoCalendar is date.isocalendar()'s named tuple.
type isoCalendar struct{ year, week, weekday int }

func (c *isoCalendar) seq() []any     { return []any{c.year, c.week, c.weekday} }
func (c *isoCalendar) pyType() string { return "IsoCalendarDate" }
func (c *isoCalendar) String() string {
	return fmt.Sprintf("datetime.IsoCalendarDate(year=%d, week=%d, weekday=%d)", c.year, c.week, c.weekday)
}
func (c *isoCalendar) getAttr(name string) (any, bool) {
	switch name {
	case "year":
		return c.year, true
	case "week":
		return c.week, true
	case "weekday":
		return c.weekday, true
	}
	return nil, false
}

var ordinalEpoch = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

func toOrdinal(t time.Time) int {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int(day.Unix()/86400) + 719163 // 1970-01-01 is day 719163
}

func checkDate(y, m, d int) error {
	if y < 1 || y > 9999 {
		return errorf("year %d is out of range", y)
	}
	if m < 1 || m > 12 {
		return errorf("month must be in 1..12")
	}
	if d < 1 || d > daysIn(y, time.Month(m)) {
		return errorf("day is out of range for month")
	}
	return nil
}

func checkClock(h, m, s, us int) error {
	switch {
	case h < 0 || h > 23:
		return errorf("hour must be in 0..23")
	case m < 0 || m > 59:
		return errorf("minute must be in 0..59")
	case s < 0 || s > 59:
		return errorf("second must be in 0..59")
	case us < 0 || us > 999999:
		return errorf("microsecond must be in 0..999999")
	}
	return nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ---------------------------------------------------------------------------
// timedelta

func (d *TimeDelta) parts() (days, secs, us int) {
	total := int(d.D / time.Microsecond)
	const day = 86400 * 1000000
	days = floorDiv(total, day)
	rest := total - days*day
	return days, rest / 1000000, rest % 1000000
}

func (d *TimeDelta) String() string {
	days, secs, us := d.parts()
	out := fmt.Sprintf("%d:%02d:%02d", secs/3600, secs%3600/60, secs%60)
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

func (d *TimeDelta) pyRepr() string {
	days, secs, us := d.parts()
	var parts []string
	if days != 0 {
		parts = append(parts, fmt.Sprintf("days=%d", days))
	}
	if secs != 0 {
		parts = append(parts, fmt.Sprintf("seconds=%d", secs))
	}
	if us != 0 {
		parts = append(parts, fmt.Sprintf("microseconds=%d", us))
	}
	if len(parts) == 0 {
		return "datetime.timedelta(0)"
	}
	return "datetime.timedelta(" + strings.Join(parts, ", ") + ")"
}

func (d *TimeDelta) truth() bool { return d.D != 0 }

func (d *TimeDelta) getAttr(name string) (any, bool) {
	days, secs, us := d.parts()
	switch name {
	case "days":
		return days, true
	case "seconds":
		return secs, true
	case "microseconds":
		return us, true
	case "total_seconds":
		return fn("total_seconds", func(_ *renderer, _ *callArgs) (any, error) {
			return float64(d.D/time.Microsecond) / 1e6, nil
		}), true
	}
	return nil, false
}

// ---------------------------------------------------------------------------
// strftime / strptime

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

func (d *DateTime) strftime(f string) string {
	t := d.T
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		c := f[i]
		pad := true
		if c == '-' && i+1 < len(f) {
			// glibc: %-d without padding
			pad = false
			i++
			c = f[i]
		}
		num := func(n, width int) {
			if pad {
				fmt.Fprintf(&b, "%0*d", width, n)
			} else {
				b.WriteString(strconv.Itoa(n))
			}
		}
		wd := (int(t.Weekday()) + 6) % 7
		switch c {
		case 'Y':
			num(t.Year(), 4)
		case 'y':
			num(t.Year()%100, 2)
		case 'm':
			num(int(t.Month()), 2)
		case 'd':
			num(t.Day(), 2)
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'H':
			num(t.Hour(), 2)
		case 'I':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			num(h, 2)
		case 'M':
			num(t.Minute(), 2)
		case 'S':
			num(t.Second(), 2)
		case 'f':
			fmt.Fprintf(&b, "%06d", d.micro())
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'b', 'h':
			b.WriteString(monthNames[t.Month()-1][:3])
		case 'B':
			b.WriteString(monthNames[t.Month()-1])
		case 'a':
			b.WriteString(dayNames[wd][:3])
		case 'A':
			b.WriteString(dayNames[wd])
		case 'j':
			num(t.YearDay(), 3)
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'u':
			b.WriteString(strconv.Itoa(wd + 1))
		case 'U':
			num((t.YearDay()+6-int(t.Weekday()))/7, 2)
		case 'W':
			num((t.YearDay()+6-wd)/7, 2)
		case 'V':
			_, w := t.ISOWeek()
			num(w, 2)
		case 'G':
			y, _ := t.ISOWeek()
			num(y, 4)
		case 'Z':
			if !d.Naive {
				abbr, _ := t.Zone()
				b.WriteString(abbr)
			}
		case 'z':
			b.WriteString(d.offsetString(""))
		case 'c':
			fmt.Fprintf(&b, "%s %s %2d %s %d", dayNames[wd][:3], monthNames[t.Month()-1][:3], t.Day(), t.Format("15:04:05"), t.Year())
		case 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'X', 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'D':
			b.WriteString(t.Format("01/02/06"))
		case 'F':
			fmt.Fprintf(&b, "%04d-%02d-%02d", t.Year(), int(t.Month()), t.Day())
		case 'R':
			b.WriteString(t.Format("15:04"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// strptime parses s with a Python format; Python accepts numbers without
// their leading zeros and names in any case.
func strptime(s, f string) (*DateTime, error) {
	fail := func() (*DateTime, error) {
		return nil, errorf("time data %s does not match format %s", repr(s), repr(f))
	}
	y, mo, d, h, mi, sec, us := 1900, 1, 1, 0, 0, 0, 0
	pm, hasAMPM, yday := false, false, 0
	var off *int
	i := 0
	readNum := func(maxDigits int) (int, bool) {
		j := i
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			return 0, false
		}
		for j < len(s) && j-i < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	readName := func(names []string, short bool) (int, bool) {
		for k, n := range names {
			cand := n
			if short {
				cand = n[:3]
			}
			if len(s)-i >= len(cand) && strings.EqualFold(s[i:i+len(cand)], cand) {
				i += len(cand)
				return k, true
			}
		}
		return 0, false
	}
	for k := 0; k < len(f); k++ {
		c := f[k]
		if c == ' ' || c == '\t' || c == '\n' {
			for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
				i++
			}
			continue
		}
		if c != '%' || k+1 >= len(f) {
			if i >= len(s) || s[i] != c {
				return fail()
			}
			i++
			continue
		}
		k++
		var ok bool
		switch f[k] {
		case 'Y':
			y, ok = readNum(4)
		case 'y':
			y, ok = readNum(2)
			if y < 69 {
				y += 2000
			} else {
				y += 1900
			}
		case 'm':
			mo, ok = readNum(2)
		case 'd':
			d, ok = readNum(2)
		case 'H':
			h, ok = readNum(2)
		case 'I':
			h, ok = readNum(2)
		case 'M':
			mi, ok = readNum(2)
		case 'S':
			sec, ok = readNum(2)
		case 'j':
			yday, ok = readNum(3)
		case 'f':
			j := i
			us, ok = readNum(6)
			for n := i - j; ok && n < 6; n++ {
				us *= 10
			}
		case 'b', 'h':
			var m int
			m, ok = readName(monthNames, true)
			mo = m + 1
		case 'B':
			var m int
			m, ok = readName(monthNames, false)
			mo = m + 1
		case 'a':
			_, ok = readName(dayNames, true)
		case 'A':
			_, ok = readName(dayNames, false)
		case 'p':
			var k2 int
			k2, ok = readName([]string{"AM", "PM"}, false)
			pm, hasAMPM = k2 == 1, true
		case 'z':
			if i < len(s) && (s[i] == 'Z' || s[i] == 'z') {
				i++
				z := 0
				off, ok = &z, true
				break
			}
			if i < len(s) && (s[i] == '+' || s[i] == '-') {
				sign := 1
				if s[i] == '-' {
					sign = -1
				}
				i++
				hh, ok1 := readNum(2)
				if i < len(s) && s[i] == ':' {
					i++
				}
				mm, ok2 := readNum(2)
				z := sign * (hh*3600 + mm*60)
				off, ok = &z, ok1 && ok2
			}
		case 'Z':
			for _, n := range []string{"UTC", "GMT"} {
				if strings.HasPrefix(s[i:], n) {
					i += len(n)
					ok = true
				}
			}
		case '%':
			ok = i < len(s) && s[i] == '%'
			i++
		default:
			return nil, errorf("'%c' is a bad directive in format %s", f[k], repr(f))
		}
		if !ok {
			return fail()
		}
	}
	if i != len(s) {
		return nil, errorf("unconverted data remains: %s", s[i:])
	}
	if hasAMPM {
		h %= 12
		if pm {
			h += 12
		}
	}
	if yday > 0 {
		t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, yday-1)
		mo, d = int(t.Month()), t.Day()
	}
	if err := checkDate(y, mo, d); err != nil {
		return nil, err
	}
	if err := checkClock(h, mi, sec, us); err != nil {
		return nil, err
	}
	if off != nil {
		z := &tzObj{loc: time.FixedZone("", *off), name: "UTC" + fmtOffset(*off), std: true}
		return &DateTime{T: time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.FixedZone(z.name, *off)), tz: z}, nil
	}
	return naiveDT(time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC)), nil
}

func fmtOffset(off int) string {
	if off == 0 {
		return ""
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)
}

// fromISO is datetime.fromisoformat (and date's, when dateOnly).
func fromISO(s string, dateOnly bool) (*DateTime, error) {
	bad := errorf("Invalid isoformat string: %s", repr(s))
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return nil, bad
	}
	y, e1 := strconv.Atoi(s[:4])
	m, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:10])
	if e1 != nil || e2 != nil || e3 != nil || checkDate(y, m, d) != nil {
		return nil, bad
	}
	if dateOnly {
		if len(s) != 10 {
			return nil, bad
		}
		return newDate(y, time.Month(m), d), nil
	}
	if len(s) == 10 {
		return naiveDT(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)), nil
	}
	if s[10] != 'T' && s[10] != ' ' {
		return nil, bad
	}
	rest := s[11:]
	var off *int
	if k := strings.LastIndexAny(rest, "+-Z"); k >= 0 {
		zone := rest[k:]
		rest = rest[:k]
		z := 0
		if zone != "Z" {
			sign := 1
			if zone[0] == '-' {
				sign = -1
			}
			parts := strings.Split(zone[1:], ":")
			hh, _ := strconv.Atoi(parts[0])
			mm := 0
			if len(parts) > 1 {
				mm, _ = strconv.Atoi(parts[1])
			}
			z = sign * (hh*3600 + mm*60)
		}
		off = &z
	}
	layouts := []string{"15:04:05.999999", "15:04:05", "15:04", "15"}
	for _, l := range layouts {
		if c, err := time.Parse(l, rest); err == nil {
			t := time.Date(y, time.Month(m), d, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
			if off == nil {
				return naiveDT(t), nil
			}
			z := &tzObj{name: "UTC" + fmtOffset(*off), std: true, loc: time.FixedZone("", *off)}
			return &DateTime{T: time.Date(y, time.Month(m), d, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.FixedZone("", *off)), tz: z}, nil
		}
	}
	return nil, bad
}

// ---------------------------------------------------------------------------
// the classes and modules

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
func (c *classObj) pyType() string { return "type" }

func intArgs(a *callArgs, names []string, defs []int) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		v, ok := a.arg(i, n)
		if !ok {
			if defs[i] < 0 {
				return nil, errorf("function missing required argument '%s' (pos %d)", n, i+1)
			}
			out[i] = defs[i]
			continue
		}
		k, isInt := v.(int)
		if !isInt {
			return nil, errorf("'%s' object cannot be interpreted as an integer", typeName(v))
		}
		out[i] = k
	}
	return out, nil
}

func tzArg(a *callArgs, i int, name string) (*tzObj, error) {
	switch z := a.argOr(i, name, nil).(type) {
	case nil:
		return nil, nil
	case *tzObj:
		return z, nil
	default:
		return nil, errorf("tzinfo argument must be None or of a tzinfo subclass, not type '%s'", typeName(z))
	}
}

func nowIn(a *callArgs) (any, error) {
	z, err := tzArg(a, 0, "tz")
	if err != nil {
		return nil, err
	}
	if z == nil {
		t := time.Now()
		return naiveDT(time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000*1000, time.UTC)), nil
	}
	return z.at(time.Now().Truncate(time.Microsecond)), nil
}

func fromTimestamp(a *callArgs, utc bool) (any, error) {
	f, ok := toFloat(a.argOr(0, "timestamp", 0))
	if !ok {
		return nil, errorf("an integer or float is required")
	}
	inst := time.UnixMicro(int64(math.RoundToEven(f * 1e6)))
	z, err := tzArg(a, 1, "tz")
	if err != nil {
		return nil, err
	}
	switch {
	case z != nil:
		return z.at(inst), nil
	case utc:
		return naiveDT(inst.UTC()), nil
	}
	l := inst.Local()
	return naiveDT(time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)), nil
}

var datetimeClass = &classObj{name: "datetime.datetime", attrs: map[string]any{
	"now":   fn("datetime.now", func(_ *renderer, a *callArgs) (any, error) { return nowIn(a) }),
	"today": fn("datetime.today", func(_ *renderer, a *callArgs) (any, error) { return nowIn(&callArgs{}) }),
	"utcnow": fn("datetime.utcnow", func(_ *renderer, _ *callArgs) (any, error) {
		return naiveDT(time.Now().UTC().Truncate(time.Microsecond)), nil
	}),
	"strptime": fn("datetime.strptime", func(_ *renderer, a *callArgs) (any, error) {
		return strptime(toStr(a.argOr(0, "date_string", "")), toStr(a.argOr(1, "format", "")))
	}),
	"fromisoformat": fn("datetime.fromisoformat", func(_ *renderer, a *callArgs) (any, error) {
		return fromISO(toStr(a.argOr(0, "date_string", "")), false)
	}),
	"fromtimestamp":    fn("datetime.fromtimestamp", func(_ *renderer, a *callArgs) (any, error) { return fromTimestamp(a, false) }),
	"utcfromtimestamp": fn("datetime.utcfromtimestamp", func(_ *renderer, a *callArgs) (any, error) { return fromTimestamp(a, true) }),
	"combine": fn("datetime.combine", func(_ *renderer, a *callArgs) (any, error) {
		dd, ok1 := a.argOr(0, "date", nil).(*DateTime)
		tt, ok2 := a.argOr(1, "time", nil).(*DateTime)
		if !ok1 || !ok2 {
			return nil, errorf("combine() argument must be a date and a time")
		}
		t := time.Date(dd.T.Year(), dd.T.Month(), dd.T.Day(), tt.T.Hour(), tt.T.Minute(), tt.T.Second(), tt.T.Nanosecond(), time.UTC)
		return naiveDT(t), nil
	}),
	"min": naiveDT(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)),
	"max": naiveDT(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)),
}, construct: func(_ *renderer, a *callArgs) (any, error) {
	v, err := intArgs(a, []string{"year", "month", "day", "hour", "minute", "second", "microsecond"}, []int{-1, -1, -1, 0, 0, 0, 0})
	if err != nil {
		return nil, err
	}
	if err := checkDate(v[0], v[1], v[2]); err != nil {
		return nil, err
	}
	if err := checkClock(v[3], v[4], v[5], v[6]); err != nil {
		return nil, err
	}
	d := naiveDT(time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], v[6]*1000, time.UTC))
	z, err := tzArg(a, 7, "tzinfo")
	if err != nil || z == nil {
		return d, err
	}
	return d.replace(&callArgs{kw: map[string]any{"tzinfo": z}})
}}

var dateClass = &classObj{name: "datetime.date", attrs: map[string]any{
	"today": fn("date.today", func(_ *renderer, _ *callArgs) (any, error) {
		return newDate(time.Now().Date()), nil
	}),
	"fromisoformat": fn("date.fromisoformat", func(_ *renderer, a *callArgs) (any, error) {
		return fromISO(toStr(a.argOr(0, "date_string", "")), true)
	}),
	"fromordinal": fn("date.fromordinal", func(_ *renderer, a *callArgs) (any, error) {
		n, ok := a.argOr(0, "ordinal", 1).(int)
		if !ok || n < 1 || n > 3652059 {
			return nil, errorf("ordinal must be >= 1")
		}
		return newDate(ordinalEpoch.AddDate(0, 0, n-1).Date()), nil
	}),
	"fromtimestamp": fn("date.fromtimestamp", func(_ *renderer, a *callArgs) (any, error) {
		v, err := fromTimestamp(a, false)
		if err != nil {
			return nil, err
		}
		return newDate(v.(*DateTime).T.Date()), nil
	}),
	"min": newDate(1, 1, 1),
	"max": newDate(9999, 12, 31),
}, construct: func(_ *renderer, a *callArgs) (any, error) {
	v, err := intArgs(a, []string{"year", "month", "day"}, []int{-1, -1, -1})
	if err != nil {
		return nil, err
	}
	if err := checkDate(v[0], v[1], v[2]); err != nil {
		return nil, err
	}
	return newDate(v[0], time.Month(v[1]), v[2]), nil
}}

var timeClass = &classObj{name: "datetime.time", attrs: map[string]any{}, construct: func(_ *renderer, a *callArgs) (any, error) {
	v, err := intArgs(a, []string{"hour", "minute", "second", "microsecond"}, []int{0, 0, 0, 0})
	if err != nil {
		return nil, err
	}
	if err := checkClock(v[0], v[1], v[2], v[3]); err != nil {
		return nil, err
	}
	return &DateTime{T: time.Date(1900, 1, 1, v[0], v[1], v[2], v[3]*1000, time.UTC), timeOnly: true, Naive: true}, nil
}}

var timedeltaClass = &classObj{name: "datetime.timedelta", attrs: map[string]any{
	"min":        &TimeDelta{D: math.MinInt64 / 1000 * 1000},
	"max":        &TimeDelta{D: math.MaxInt64 / 1000 * 1000},
	"resolution": &TimeDelta{D: time.Microsecond},
}, construct: func(_ *renderer, a *callArgs) (any, error) {
	units := []struct {
		name string
		us   float64
	}{{"days", 86400e6}, {"seconds", 1e6}, {"microseconds", 1}, {"milliseconds", 1e3},
		{"minutes", 60e6}, {"hours", 3600e6}, {"weeks", 7 * 86400e6}}
	var whole int64
	frac := 0.0
	for i, u := range units {
		v, ok := a.arg(i, u.name)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case int:
			whole += int64(x) * int64(u.us)
		case float64:
			frac += x * u.us
		default:
			return nil, errorf("unsupported type for timedelta %s component: %s", u.name, typeName(v))
		}
	}
	us := whole + int64(math.RoundToEven(frac))
	return &TimeDelta{D: time.Duration(us) * time.Microsecond}, nil
}}

var datetimeModule = &objAttrs{name: "datetime", attrs: map[string]any{
	"datetime":  datetimeClass,
	"date":      dateClass,
	"time":      timeClass,
	"timedelta": timedeltaClass,
	"tzinfo":    &classObj{name: "datetime.tzinfo", attrs: map[string]any{}, construct: func(*renderer, *callArgs) (any, error) { return nil, errorf("tzinfo is abstract") }},
}}

// zoneNames stands for pytz.all_timezones / common_timezones: membership
// asks the embedded zone database.
type zoneNames struct{}

func (zoneNames) has(v any) bool {
	s, ok := v.(string)
	if !ok || s == "" || s == "Local" {
		return false
	}
	_, err := time.LoadLocation(s)
	return err == nil
}
func (zoneNames) pyType() string { return "list" }

var pytzModule = &objAttrs{name: "pytz", attrs: map[string]any{
	"utc": utcTZ,
	"timezone": fn("pytz.timezone", func(_ *renderer, a *callArgs) (any, error) {
		name := toStr(a.argOr(0, "zone", ""))
		if strings.EqualFold(name, "utc") {
			return utcTZ, nil
		}
		if name == "" || name == "Local" {
			return nil, errorf("UnknownTimeZoneError: %s", repr(name))
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, errorf("UnknownTimeZoneError: %s", repr(name))
		}
		return &tzObj{loc: loc, name: name}, nil
	}),
	"FixedOffset": fn("pytz.FixedOffset", func(_ *renderer, a *callArgs) (any, error) {
		m, ok := a.argOr(0, "offset", 0).(int)
		if !ok {
			return nil, errorf("FixedOffset needs minutes as an integer")
		}
		if m == 0 {
			return utcTZ, nil
		}
		return &tzObj{fixed: &m, loc: time.FixedZone("", m*60)}, nil
	}),
	"all_timezones":        zoneNames{},
	"all_timezones_set":    zoneNames{},
	"common_timezones":     zoneNames{},
	"common_timezones_set": zoneNames{},
}}

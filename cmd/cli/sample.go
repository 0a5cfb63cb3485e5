package cli

// --sample (dbt 1.10): build on a window of recent data. Every ref() and
// source() whose target has an event_time config reads only rows inside
// the window; the rendering is the microbatch filter's.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/internal/run"
)

var relativeSample = regexp.MustCompile(`^\s*(\d+)\s*(minute|hour|day|month|year)s?\s*$`)

// parseSample reads "3 days" (the window ending now) or
// "{start: 2024-01-01, end: 2024-02-01}".
func parseSample(s string, now time.Time) (*compiler.Batch, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	now = now.UTC()
	if m := relativeSample.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, _ := strconv.Atoi(m[1])
		var start time.Time
		switch m[2] {
		case "minute":
			start = now.Add(-time.Duration(n) * time.Minute)
		case "hour":
			start = now.Add(-time.Duration(n) * time.Hour)
		case "day":
			start = now.AddDate(0, 0, -n)
		case "month":
			start = now.AddDate(0, -n, 0)
		case "year":
			start = now.AddDate(-n, 0, 0)
		}
		return &compiler.Batch{ID: "sample", Start: start, End: now}, nil
	}
	var win struct {
		Start, End string
	}
	if err := yaml.Unmarshal([]byte(s), &win); err != nil || win.Start == "" {
		return nil, fmt.Errorf("--sample %q is neither a relative window ('3 days', '6 hours'; units minute, hour, day, month, year) nor {start: ..., end: ...}", s)
	}
	start, err := run.ParseEventTime(win.Start)
	if err != nil {
		return nil, fmt.Errorf("--sample start %q is not a date or timestamp", win.Start)
	}
	end := now
	if win.End != "" {
		if end, err = run.ParseEventTime(win.End); err != nil {
			return nil, fmt.Errorf("--sample end %q is not a date or timestamp", win.End)
		}
	}
	if !start.Before(end) {
		return nil, fmt.Errorf("--sample: start (%s) must be before end (%s)", win.Start, firstNonEmpty(win.End, "now"))
	}
	return &compiler.Batch{ID: "sample", Start: start, End: end}, nil
}

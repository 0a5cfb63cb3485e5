package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// run1 is one run of one command.
type run1 struct {
	wall  time.Duration
	cpu   time.Duration // user + system time
	rssMB float64
	ok    bool
}

// stats summarizes the runs of one measurement.
type stats struct {
	n                int
	median, min, max time.Duration
	cpu              time.Duration // median CPU time (user + system)
	rssMB            float64       // the largest peak RSS of the runs
	ok               bool          // every run succeeded
}

// series runs fn n times, calling before (if set) ahead of each run.
func series(n int, before func(), fn func() run1) stats {
	runs := make([]run1, 0, n)
	for range n {
		if before != nil {
			before()
		}
		runs = append(runs, fn())
	}
	return summarize(runs)
}

func summarize(runs []run1) stats {
	s := stats{n: len(runs), ok: len(runs) > 0}
	walls := make([]time.Duration, 0, len(runs))
	cpus := make([]time.Duration, 0, len(runs))
	for _, r := range runs {
		walls = append(walls, r.wall)
		cpus = append(cpus, r.cpu)
		s.rssMB = max(s.rssMB, r.rssMB)
		s.ok = s.ok && r.ok
	}
	if len(walls) == 0 {
		return s
	}
	slices.Sort(walls)
	s.min, s.max = walls[0], walls[len(walls)-1]
	s.median = median(walls)
	s.cpu = median(cpus)
	return s
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

// target is what a measurement must stay under; zero fields do not apply.
type target struct {
	wall       time.Duration
	rssMB      float64
	floorRatio float64 // at most this many times the floor (checked by the caller)
	minRatio   float64 // at least this many times faster than dbt
}

func (t *target) String() string {
	if t == nil {
		return "—"
	}
	var parts []string
	if t.wall > 0 {
		parts = append(parts, "≤ "+dur(t.wall))
	}
	if t.rssMB > 0 {
		parts = append(parts, fmt.Sprintf("≤ %.0f GB", t.rssMB/1024))
	}
	if t.floorRatio > 0 {
		parts = append(parts, fmt.Sprintf("≤ %.1f× floor", t.floorRatio))
	}
	if t.minRatio > 0 {
		parts = append(parts, fmt.Sprintf("≥ %.0f× faster than dbt", t.minRatio))
	}
	return strings.Join(parts, ", ")
}

type row struct {
	label  string
	s      stats
	target *target
	note   string // e.g. the ratio to the floor or to dbt
	met    string
}

type table struct{ rows []row }

// add records a measurement, judging its target on the median.
func (t *table) add(s stats, label string, tg *target) {
	met := ""
	if tg != nil {
		ok := s.ok
		if tg.wall > 0 {
			ok = ok && s.median <= tg.wall
		}
		if tg.rssMB > 0 {
			ok = ok && s.rssMB <= tg.rssMB
		}
		met = yesNo(ok)
	}
	if !s.ok {
		met = "**failed**"
	}
	t.rows = append(t.rows, row{label: label, s: s, target: tg, met: met})
}

// addRatio records a measurement whose target is a ratio, with the ratio
// already computed by the caller (ratio) and shown in the note column.
func (t *table) addRatio(s stats, label string, tg *target, note string, ratio float64) {
	ok := s.ok
	switch {
	case tg.floorRatio > 0:
		ok = ok && ratio <= tg.floorRatio
	case tg.minRatio > 0:
		ok = ok && ratio >= tg.minRatio
	}
	met := yesNo(ok)
	if !s.ok {
		met = "**failed**"
	}
	t.rows = append(t.rows, row{label: label, s: s, target: tg, note: note, met: met})
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func (t *table) print(w io.Writer) {
	fmt.Fprintln(w, "| measurement | median | range | runs | CPU (median) | peak RSS | ratio | target | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range t.rows {
		rss := "—"
		if r.s.rssMB > 0 {
			rss = fmt.Sprintf("%.0f MB", r.s.rssMB)
		}
		note := r.note
		if note == "" {
			note = "—"
		}
		cpu := "—"
		if r.s.cpu > 0 {
			cpu = dur(r.s.cpu)
		}
		fmt.Fprintf(w, "| %s | %s | %s–%s | %d | %s | %s | %s | %s | %s |\n",
			r.label, dur(r.s.median), dur(r.s.min), dur(r.s.max), r.s.n, cpu, rss, note, r.target, r.met)
	}
}

// dur prints a duration in ms below one second, else in seconds.
func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

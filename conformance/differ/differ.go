// Package differ runs one dbt project with dbt itself and with kiln, side by
// side, and lists every observable difference: exit codes, ls selections,
// manifest fields, compiled SQL, the Jinja graph/results/target objects,
// run statuses, the rows of every relation built, the catalog and the JSON
// log events per node.
//
// The two runs never share state: the project (with every local package it
// points at) is copied twice into a work directory, each copy gets its own
// profiles.yml and its own warehouse (a DuckDB file each, or a PostgreSQL
// database each), and the only edits made to the copies are the same on
// both sides: a macro file and an on-run-end hook that dump the Jinja
// objects, and, at the end, one comment appended to a model for
// state:modified. Everything compared is normalised first (the two roots,
// the two PostgreSQL database names, whitespace in SQL), so that what is
// left is a real difference.
package differ

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options configure one comparison.
type Options struct {
	ProjectDir string
	// Name labels the project in differences (default: its dbt name).
	Name     string
	Target   string   // "duckdb" (default) or "postgres"
	Commands []string // e.g. "deps", "seed", "build", "compile", "ls", "docs generate"
	DBT      string   // the dbt executable
	Kiln     string   // the kiln executable
	WorkDir  string   // where the two copies go; a new temp dir when empty
	Keep     bool     // keep WorkDir afterwards
	Threads  int
	// MaxSelectors caps the ls battery (0: DefaultMaxSelectors).
	MaxSelectors int
	Allowlist    *Allowlist
	Known        *Known
	// Progress, when set, receives one line per step.
	Progress io.Writer
	PG       PGConfig
	// DBTSubprocess runs every dbt command as its own `dbt` process instead
	// of through one long-lived Python process per project (slower by
	// dbt's start-up per command; for when dbt's Python is not reachable
	// next to the executable).
	DBTSubprocess bool
	// HubPackages maps hub package names ("dbt-labs/dbt_utils") to local
	// directories that replace them in both copies (no hub reachable).
	HubPackages map[string]string
}

// DefaultCommands is the sequence run when Options.Commands is empty
// ("deps" only runs when the project declares packages).
var DefaultCommands = []string{"deps", "seed", "build", "compile", "ls", "docs generate"}

// DefaultMaxSelectors bounds the derived ls battery.
const DefaultMaxSelectors = 300

// Difference is one thing that differs between dbt and kiln.
type Difference struct {
	Target  string
	Project string
	Node    string // unique_id, or "" for project-level checks
	Check   string // e.g. "manifest.config.materialized", "ls[+orders]"
	DBT     string
	Kiln    string
	// Reason is set when the allowlist explains the difference; Known when
	// the known-differences file lists it.
	Reason string
	Known  bool
}

// Key identifies a difference independently of the values seen.
func (d Difference) Key() string {
	return d.Target + " " + d.Project + " " + orDash(d.Node) + " " + d.Check
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (d Difference) String() string {
	node := ""
	if d.Node != "" {
		node = " " + d.Node
	}
	return fmt.Sprintf("[%s] %s%s %s: dbt %s, kiln %s", d.Target, d.Project, node, d.Check, clip(d.DBT), clip(d.Kiln))
}

func clip(s string) string {
	const max = 300
	s = strings.ReplaceAll(s, "\n", `\n`)
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// Report is the outcome of one comparison.
type Report struct {
	Target  string
	Project string
	Checks  int
	Diffs   []Difference // every difference, explained or not
	Elapsed map[string]time.Duration
	// Steps lists what each tool did per command: exit codes and times.
	Steps []Step
}

// Step is one command run by both tools.
type Step struct {
	Command            string
	DBTExit, KilnExit  int
	DBTTime, KilnTime  time.Duration
	DBTError, KilnTail string
}

// Unexplained returns the differences neither the allowlist nor the known
// list accounts for.
func (r *Report) Unexplained() []Difference {
	var out []Difference
	for _, d := range r.Diffs {
		if d.Reason == "" && !d.Known {
			out = append(out, d)
		}
	}
	return out
}

// Count returns (unexplained, allowlisted, known).
func (r *Report) Count() (unexplained, allowed, known int) {
	for _, d := range r.Diffs {
		switch {
		case d.Reason != "":
			allowed++
		case d.Known:
			known++
		default:
			unexplained++
		}
	}
	return
}

// Print writes every difference and the summary line.
func (r *Report) Print(w io.Writer, verbose bool) {
	for _, s := range r.Steps {
		fmt.Fprintf(w, "dbtdiff: [%s] %s: %-14s dbt exit %d in %.1fs, kiln exit %d in %.2fs\n", r.Target, r.Project, s.Command, s.DBTExit, s.DBTTime.Seconds(), s.KilnExit, s.KilnTime.Seconds())
	}
	sort.SliceStable(r.Diffs, func(i, j int) bool { return r.Diffs[i].Key() < r.Diffs[j].Key() })
	for _, d := range r.Diffs {
		switch {
		case d.Reason != "":
			if verbose {
				fmt.Fprintf(w, "allowed: %s (%s)\n", d, d.Reason)
			}
		case d.Known:
			fmt.Fprintf(w, "known: %s\n", d)
		default:
			fmt.Fprintf(w, "%s\n", d)
		}
	}
	un, al, kn := r.Count()
	if un > 20 {
		r.printSummary(w)
	}
	extra := ""
	if al > 0 || kn > 0 {
		extra = fmt.Sprintf(" (%d more allowlisted, %d known)", al, kn)
	}
	fmt.Fprintf(w, "dbtdiff: %d checks, %d differences%s\n", r.Checks, un, extra)
}

// Run compares dbt and kiln on one project.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Target == "" {
		o.Target = "duckdb"
	}
	if o.Target != "duckdb" && o.Target != "postgres" {
		return nil, fmt.Errorf("-target must be duckdb or postgres, not %q", o.Target)
	}
	if len(o.Commands) == 0 {
		o.Commands = DefaultCommands
	}
	if o.Threads == 0 {
		o.Threads = 4
	}
	if o.MaxSelectors == 0 {
		o.MaxSelectors = DefaultMaxSelectors
	}
	if o.Allowlist == nil {
		o.Allowlist = &Allowlist{}
	}
	abs, err := filepath.Abs(o.ProjectDir)
	if err != nil {
		return nil, err
	}
	o.ProjectDir = abs
	if _, err := os.Stat(filepath.Join(abs, "dbt_project.yml")); err != nil {
		return nil, fmt.Errorf("%s has no dbt_project.yml: point dbtdiff at a dbt project directory", abs)
	}
	if o.WorkDir == "" {
		dir, err := os.MkdirTemp("", "dbtdiff-")
		if err != nil {
			return nil, err
		}
		o.WorkDir = dir
	}
	if !o.Keep {
		defer os.RemoveAll(o.WorkDir)
	}
	ws, err := prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	defer ws.cleanup(ctx)
	if o.Name != "" {
		ws.label = o.Name
	}
	rep := &Report{Target: o.Target, Project: ws.label, Elapsed: map[string]time.Duration{}}
	c := &comparison{o: o, ws: ws, rep: rep}
	if err := c.run(ctx); err != nil {
		return rep, err
	}
	for i := range rep.Diffs {
		d := &rep.Diffs[i]
		if reason, ok := o.Allowlist.Explain(*d); ok {
			d.Reason = reason
		} else if o.Known != nil && o.Known.Has(*d) {
			d.Known = true
		}
	}
	return rep, nil
}

// comparison holds one run's state.
type comparison struct {
	o     Options
	ws    *workspace
	rep   *Report
	steps []*stepRecord
	srv   *dbtServer // nil: dbt runs as a process per command
	// graphCompared is set once the Jinja graph and target are compared.
	graphCompared bool
}

func (c *comparison) progress(format string, args ...any) {
	if c.o.Progress != nil {
		fmt.Fprintf(c.o.Progress, "dbtdiff: [%s] %s: %s\n", c.o.Target, c.ws.label, fmt.Sprintf(format, args...))
	}
}

// diff records a difference found by one check.
func (c *comparison) diff(node, check, dbt, kiln string) {
	c.rep.Checks++
	c.rep.Diffs = append(c.rep.Diffs, Difference{Target: c.o.Target, Project: c.ws.label, Node: node, Check: check, DBT: dbt, Kiln: kiln})
}

// check counts one comparison and records it when the values differ.
func (c *comparison) check(node, check, dbt, kiln string) {
	if dbt != kiln {
		c.diff(node, check, dbt, kiln)
		return
	}
	c.rep.Checks++
}

func (c *comparison) run(ctx context.Context) error {
	if !c.o.DBTSubprocess {
		c.startServer(ctx)
	}
	defer func() { c.srv.close() }()
	for _, cmd := range c.o.Commands {
		cmd = strings.TrimSpace(cmd)
		switch cmd {
		case "":
			continue
		case "deps":
			if !c.ws.hasPackages {
				continue
			}
		case "ls":
			if err := c.lsBattery(ctx); err != nil {
				return err
			}
			continue
		}
		if err := c.step(ctx, cmd); err != nil {
			return err
		}
	}
	// The relations are read from dbt's warehouse: let go of it first.
	c.srv.close()
	c.srv = nil
	c.compareArtifacts(ctx)
	return nil
}

// printSummary counts the unexplained differences by check, so that a long
// list reads as a few causes.
func (r *Report) printSummary(w io.Writer) {
	by := map[string]int{}
	for _, d := range r.Unexplained() {
		by[checkFamily(d.Check)]++
	}
	type kv struct {
		k string
		n int
	}
	var l []kv
	for k, n := range by {
		l = append(l, kv{k, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n || l[i].n == l[j].n && l[i].k < l[j].k })
	fmt.Fprintf(w, "dbtdiff: [%s] %s: differences by check:\n", r.Target, r.Project)
	for i, x := range l {
		if i == 25 {
			fmt.Fprintf(w, "  … %d more checks\n", len(l)-i)
			break
		}
		fmt.Fprintf(w, "  %5d  %s\n", x.n, x.k)
	}
}

// checkFamily drops the per-selection and per-column detail of a check name.
func checkFamily(c string) string {
	if i := strings.Index(c, "["); i >= 0 && strings.HasPrefix(c, "ls") {
		return "ls[...]" + c[strings.LastIndex(c, "]")+1:]
	}
	if strings.Contains(c, ".columns.") {
		return c[:strings.Index(c, ".columns.")] + ".columns.*"
	}
	return c
}

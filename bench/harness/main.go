// Command harness measures kiln end to end on generated projects and prints
// a Markdown table (median and range over -repeat runs, peak memory, the
// target and whether it is met), ready for BENCHMARKS.md:
//
//	go run ./bench/harness [-sections parse,small,docs,build,dbt] [-sizes 1000,10000] [-repeat 5]
//
// Sections:
//
//   - parse: cold, unchanged and one-model-changed parses, `ls`, `compile`
//     for each of -sizes (bench/gen projects);
//   - small: every everyday command on a 5-model project;
//   - docs: `docs generate` on a -docs-model project;
//   - build: `kiln build` of -build views and -build-tests tests on DuckDB at
//     each of -threads, interleaved run by run with the DuckDB floor (the
//     same compiled statements sent straight to DuckDB, see floor.go);
//   - dbt: dbt-core side by side (-dbt, the oracle's install): cold parse of
//     -dbt-sizes, and build of -pg-build views on PostgreSQL, kiln and dbt
//     interleaved run by run.
//
// The binaries are built once; projects are generated under -dir and kept
// between harness runs. Run it on a machine as quiet as you can get: the load
// average at start and end is printed with the table.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	sections             map[string]bool
	sizes                []int
	repeat               int
	buildN, buildTests   int
	threads              []string
	docsN                int
	dbt                  string
	dbtSizes             []int
	dbtRepeat            int
	pgBuild              int
	pgHost, pgUser, pgDB string
	dir, kiln, gen       string
}

func main() {
	var o options
	sections := flag.String("sections", "parse,small,docs,build,dbt", "which measurements to take")
	sizes := flag.String("sizes", "1000,10000", "project sizes (models) for the parse section")
	flag.IntVar(&o.repeat, "repeat", 5, "runs per measurement (median and range are reported)")
	flag.IntVar(&o.buildN, "build", 1000, "views in the DuckDB build project")
	flag.IntVar(&o.buildTests, "build-tests", 200, "generic tests in the DuckDB build project")
	threads := flag.String("threads", "1,4", "thread counts for the DuckDB build")
	flag.IntVar(&o.docsN, "docs-models", 5000, "models in the docs generate project")
	flag.StringVar(&o.dbt, "dbt", "/root/.cache/kiln/dbt-venv/bin/dbt", "dbt-core executable (conformance/setup-dbt.sh installs it)")
	dbtSizes := flag.String("dbt-sizes", "1000,10000", "project sizes for kiln vs dbt parse")
	flag.IntVar(&o.dbtRepeat, "dbt-repeat", 3, "runs per dbt measurement (dbt is slow)")
	flag.IntVar(&o.pgBuild, "pg-build", 200, "views in the PostgreSQL build project (kiln vs dbt)")
	flag.StringVar(&o.pgHost, "pg-host", envOr("KILN_PG_HOST", "127.0.0.1"), "PostgreSQL host for the dbt section")
	flag.StringVar(&o.pgUser, "pg-user", envOr("KILN_PG_USER", "postgres"), "PostgreSQL user")
	flag.StringVar(&o.pgDB, "pg-database", envOr("KILN_PG_DATABASE", "test"), "PostgreSQL database")
	flag.StringVar(&o.dir, "dir", filepath.Join(os.TempDir(), "kiln-bench"), "work directory")
	flag.Parse()
	o.sections = map[string]bool{}
	for _, s := range splitList(*sections) {
		o.sections[s] = true
	}
	o.sizes = atois(*sizes)
	o.dbtSizes = atois(*dbtSizes)
	o.threads = splitList(*threads)
	if o.repeat < 1 || o.dbtRepeat < 1 {
		fail(fmt.Errorf("-repeat and -dbt-repeat must be at least 1"))
	}

	must(os.MkdirAll(o.dir, 0o755))
	o.kiln = filepath.Join(o.dir, "bin", "kiln")
	o.gen = filepath.Join(o.dir, "bin", "gen")
	must(run("", "go", "build", "-o", o.kiln, "./cmd/kiln"))
	must(run("", "go", "build", "-o", o.gen, "./bench/gen"))

	loadStart := loadAvg()
	var t table
	if o.sections["parse"] {
		parseSection(&o, &t)
	}
	if o.sections["small"] {
		smallSection(&o, &t)
	}
	if o.sections["docs"] {
		docsSection(&o, &t)
	}
	if o.sections["build"] {
		buildSection(&o, &t)
	}
	if o.sections["dbt"] {
		dbtSection(&o, &t)
	}
	fmt.Printf("%s, %d CPUs, %s; load average %s at start, %s at end; %d runs per kiln measurement\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.Version(), loadStart, loadAvg(), o.repeat)
	t.print(os.Stdout)
}

func parseSection(o *options, t *table) {
	for _, n := range o.sizes {
		proj := generate(o, fmt.Sprintf("p%d", n), "-models", strconv.Itoa(n))
		reps := o.repeat
		if n >= 100000 {
			reps = min(reps, 3) // a cold parse at 100k takes seconds and gigabytes
		}
		cold := func() { os.RemoveAll(filepath.Join(proj, "target")) }
		t.add(series(reps, cold, func() run1 { return kilnRun(o, proj, "parse") }),
			fmt.Sprintf("`kiln parse`, %s models, cold (no target/)", thousands(n)), coldTarget(n))
		t.add(series(reps, nil, func() run1 { return kilnRun(o, proj, "parse") }),
			fmt.Sprintf("`kiln parse`, %s models, unchanged", thousands(n)), nil)
		model := firstModelFile(proj)
		var changedTarget *target
		if n == 10000 {
			changedTarget = &target{wall: 200 * time.Millisecond}
		}
		t.add(series(reps, func() { touch(model) }, func() run1 { return kilnRun(o, proj, "parse") }),
			fmt.Sprintf("`kiln parse`, %s models, one model changed", thousands(n)), changedTarget)
		t.add(series(reps, nil, func() run1 { return kilnRun(o, proj, "ls", "-s", firstModel(proj)+"+") }),
			fmt.Sprintf("`kiln ls -s <model>+`, %s models", thousands(n)), nil)
	}
}

func coldTarget(n int) *target {
	switch n {
	case 10000:
		return &target{wall: 500 * time.Millisecond}
	case 100000:
		return &target{wall: 5 * time.Second, rssMB: 2048}
	}
	return nil
}

// smallSection runs every everyday command on a 5-model project: each must
// feel instant (≤ 30 ms), including process start.
func smallSection(o *options, t *table) {
	proj := generate(o, "p5", "-models", "5")
	must(kilnOK(o, proj, "build"))
	small := &target{wall: 30 * time.Millisecond}
	for _, args := range [][]string{
		{"parse"}, {"ls"}, {"compile"}, {"run"}, {"test"}, {"build"}, {"docs", "generate"},
	} {
		t.add(series(o.repeat, nil, func() run1 { return kilnRun(o, proj, args...) }),
			fmt.Sprintf("`kiln %s`, 5 models", strings.Join(args, " ")), small)
	}
	cold := func() { os.RemoveAll(filepath.Join(proj, "target")) }
	t.add(series(o.repeat, cold, func() run1 { return kilnRun(o, proj, "parse") }),
		"`kiln parse`, 5 models, cold", small)
}

func docsSection(o *options, t *table) {
	proj := generate(o, fmt.Sprintf("p%d", o.docsN), "-models", strconv.Itoa(o.docsN))
	must(kilnOK(o, proj, "build", "--threads", "4"))
	cold := func() { os.RemoveAll(filepath.Join(proj, "target")) }
	t.add(series(o.repeat, cold, func() run1 { return kilnRun(o, proj, "docs", "generate") }),
		fmt.Sprintf("`kiln docs generate`, %s models (cold)", thousands(o.docsN)), &target{wall: 2 * time.Second})
	t.add(series(o.repeat, nil, func() run1 { return kilnRun(o, proj, "docs", "generate") }),
		fmt.Sprintf("`kiln docs generate`, %s models (parse cached)", thousands(o.docsN)), nil)
}

// buildSection measures `kiln build` of a view-only project against the
// DuckDB floor, alternating kiln and floor run by run so load affects both.
// Seeds are loaded once beforehand and excluded (the floor has no CSV
// loader); kiln builds with its parse cache warm, the floor does not parse.
func buildSection(o *options, t *table) {
	name := fmt.Sprintf("pv%d_%d", o.buildN, o.buildTests)
	proj := generate(o, name, "-models", strconv.Itoa(o.buildN), "-views", "-tests", strconv.Itoa(o.buildTests))
	must(kilnOK(o, proj, "seed"))
	must(kilnOK(o, proj, "compile"))
	plan, err := loadFloorPlan(proj)
	must(err)
	db := filepath.Join(proj, "bench.duckdb")
	label := fmt.Sprintf("%s views + %s tests", thousands(plan.views), thousands(plan.tests))
	floor := make([]run1, 0, o.repeat)
	kiln := map[string][]run1{}
	for i := 0; i < o.repeat; i++ {
		for _, th := range o.threads {
			kiln[th] = append(kiln[th], kilnRun(o, proj, "build", "--exclude", "resource_type:seed", "--threads", th))
		}
		r, err := runFloor(db, plan)
		must(err)
		fmt.Fprintf(os.Stderr, "%-50s %8.3fs %8.3fs CPU\n", "floor", r.wall.Seconds(), r.cpu.Seconds())
		floor = append(floor, r)
	}
	fs := summarize(floor)
	t.add(fs, "DuckDB floor: "+label+", statements sent directly (1 connection)", nil)
	for _, th := range o.threads {
		s := summarize(kiln[th])
		ratio := s.median.Seconds() / fs.median.Seconds()
		t.addRatio(s, fmt.Sprintf("`kiln build`, %s, %s thread(s)", label, th),
			&target{floorRatio: 1.5}, fmt.Sprintf("%.2f× floor (CPU %.2f×)", ratio, s.cpu.Seconds()/fs.cpu.Seconds()), ratio)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func atois(s string) []int {
	var out []int
	for _, p := range splitList(s) {
		n, err := strconv.Atoi(p)
		must(err)
		out = append(out, n)
	}
	return out
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// generate writes a bench/gen project under o.dir/name unless it is there.
func generate(o *options, name string, args ...string) string {
	proj := filepath.Join(o.dir, name)
	if _, err := os.Stat(filepath.Join(proj, "dbt_project.yml")); err == nil {
		return proj
	}
	must(run("", o.gen, append(args, "-out", proj)...))
	return proj
}

// firstModelFile is the path of one staging model, to edit between runs.
func firstModelFile(proj string) string {
	var path string
	filepath.WalkDir(filepath.Join(proj, "models", "staging"), func(p string, d os.DirEntry, err error) error {
		if err == nil && path == "" && strings.HasSuffix(p, ".sql") {
			path = p
		}
		return nil
	})
	return path
}

var touches int

// touch appends a comment, so the file's content (and hash) changes.
func touch(path string) {
	touches++
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(err)
	fmt.Fprintf(f, "\n-- harness edit %d\n", touches)
	must(f.Close())
}

// firstModel names a staging model of the project (the root of a subtree).
func firstModel(proj string) string {
	return strings.TrimSuffix(filepath.Base(firstModelFile(proj)), ".sql")
}

func kilnRun(o *options, dir string, args ...string) run1 {
	return measure(dir, nil, o.kiln, args...)
}

func kilnOK(o *options, dir string, args ...string) error {
	if r := kilnRun(o, dir, args...); !r.ok {
		return fmt.Errorf("kiln %s failed in %s", strings.Join(args, " "), dir)
	}
	return nil
}

// measure runs one command and records its wall time and the child's peak
// resident memory (rusage.Maxrss).
func measure(dir string, env []string, bin string, args ...string) run1 {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	r := run1{wall: time.Since(start), ok: err == nil}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rssMB = float64(ru.Maxrss) / 1024
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	label := filepath.Base(bin) + " " + strings.Join(args, " ")
	if err != nil {
		tail := string(out)
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		fmt.Fprintf(os.Stderr, "%s (in %s) failed: %v\n%s\n", label, dir, err, tail)
	}
	fmt.Fprintf(os.Stderr, "%-50s %8.3fs %8.3fs CPU %6.0f MB\n", trunc(label, 50), r.wall.Seconds(), r.cpu.Seconds(), r.rssMB)
	return r
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "harness:", err)
	os.Exit(1)
}

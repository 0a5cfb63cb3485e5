// Command harness measures kiln end to end on generated projects: it builds
// the kiln and generator binaries, generates N-model projects, and reports
// wall time and peak memory (the child's max RSS from rusage) per command.
//
//	go run ./bench/harness -sizes 1000,10000 [-build 1000] [-threads 1,2,4] [-dir /tmp/kiln-bench]
//
// Results print as a Markdown table, ready for BENCHMARKS.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type measurement struct {
	label string
	wall  time.Duration
	rssMB float64
	ok    bool
}

func main() {
	sizes := flag.String("sizes", "1000,10000", "project sizes (models) for parse/compile/ls")
	buildN := flag.Int("build", 1000, "project size for `kiln build` on DuckDB (0 to skip)")
	threads := flag.String("threads", "1,2,4", "thread counts for the build measurement")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "kiln-bench"), "work directory")
	repeat := flag.Int("repeat", 3, "runs per measurement; the median is reported")
	flag.Parse()

	must(os.MkdirAll(*dir, 0o755))
	bin := filepath.Join(*dir, "bin")
	kiln := filepath.Join(bin, "kiln")
	gen := filepath.Join(bin, "gen")
	must(run("", "go", "build", "-o", kiln, "./cmd/kiln"))
	must(run("", "go", "build", "-o", gen, "./bench/gen"))

	var rows []measurement
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		must(err)
		proj := generate(gen, *dir, n)
		cold := func() { os.RemoveAll(filepath.Join(proj, "target")) }
		rows = append(rows, median(*repeat, cold, func() measurement {
			return measure(fmt.Sprintf("parse %d models (cold: no target/)", n), proj, kiln, "parse")
		}))
		rows = append(rows, median(*repeat, nil, func() measurement {
			return measure(fmt.Sprintf("parse %d models (unchanged, cached)", n), proj, kiln, "parse")
		}))
		model := firstModelFile(proj)
		rows = append(rows, median(*repeat, func() { touch(model) }, func() measurement {
			return measure(fmt.Sprintf("parse %d models (one model changed)", n), proj, kiln, "parse")
		}))
		rows = append(rows, median(*repeat, nil, func() measurement {
			return measure(fmt.Sprintf("ls -s <one model>+ on %d models", n), proj, kiln, "ls", "-s", firstModel(proj)+"+")
		}))
		if n <= 10000 {
			rows = append(rows, measure(fmt.Sprintf("compile %d models", n), proj, kiln, "compile"))
		}
	}
	if *buildN > 0 {
		proj := generate(gen, *dir, *buildN)
		for _, t := range strings.Split(*threads, ",") {
			os.Remove(filepath.Join(proj, "bench.duckdb"))
			os.Remove(filepath.Join(proj, "bench.duckdb.wal"))
			rows = append(rows, measure(fmt.Sprintf("build %d models, %s threads", *buildN, t), proj, kiln, "build", "--threads", strings.TrimSpace(t)))
		}
	}
	fmt.Println("| command | wall | peak RSS | ok |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %.3f s | %.0f MB | %v |\n", r.label, r.wall.Seconds(), r.rssMB, r.ok)
	}
}

func generate(gen, dir string, n int) string {
	proj := filepath.Join(dir, fmt.Sprintf("p%d", n))
	if _, err := os.Stat(filepath.Join(proj, "dbt_project.yml")); err == nil {
		return proj
	}
	must(run("", gen, "-models", strconv.Itoa(n), "-out", proj))
	return proj
}

// median runs fn n times (calling before ahead of each run) and returns the
// run with the median wall time.
func median(n int, before func(), fn func() measurement) measurement {
	var ms []measurement
	for i := 0; i < n; i++ {
		if before != nil {
			before()
		}
		ms = append(ms, fn())
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].wall < ms[j].wall })
	return ms[len(ms)/2]
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
	var name string
	filepath.WalkDir(filepath.Join(proj, "models", "staging"), func(p string, d os.DirEntry, err error) error {
		if err == nil && name == "" && strings.HasSuffix(p, ".sql") {
			name = strings.TrimSuffix(filepath.Base(p), ".sql")
		}
		return nil
	})
	return name
}

func measure(label, dir, bin string, args ...string) measurement {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = nil, nil
	start := time.Now()
	out, err := cmd.CombinedOutput()
	m := measurement{label: label, wall: time.Since(start), ok: err == nil}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssMB = float64(ru.Maxrss) / 1024
	}
	if err != nil {
		tail := string(out)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		fmt.Fprintf(os.Stderr, "%s failed: %v\n%s\n", label, err, tail)
	}
	fmt.Fprintf(os.Stderr, "%-45s %8.3fs %6.0f MB\n", label, m.wall.Seconds(), m.rssMB)
	return m
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

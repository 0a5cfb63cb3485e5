// Command dbtdiff runs a dbt project with dbt and with kiln and prints every
// difference: "will my project run on kiln?".
//
//	go run ./conformance/dbtdiff [-target duckdb|postgres] [-commands deps,seed,build,...] PROJECT_DIR
//
// It ends with the line "dbtdiff: N checks, M differences" and exits 1 when
// M > 0 (differences explained by the allowlist do not count), 2 on a usage
// or setup error.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kiln-dev/kiln/conformance/differ"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("dbtdiff", flag.ContinueOnError)
	target := fs.String("target", "duckdb", "warehouse: duckdb (a file per side) or postgres (a database per side; KILN_PG_* env)")
	commands := fs.String("commands", strings.Join(differ.DefaultCommands, ","), "comma-separated commands run by both tools, in order (deps only runs when packages are declared)")
	dbt := fs.String("dbt", "", "the dbt executable (default $KILN_DBT, else dbt on PATH)")
	kiln := fs.String("kiln", "", "the kiln executable (default: built from this module)")
	allow := fs.String("allowlist", "", "allowlist of intended differences (default conformance/allowlist.yml of this module)")
	known := fs.String("known", "", "file of known, not yet fixed differences (they are listed but do not count)")
	writeKnown := fs.String("write-known", "", "write the unexplained differences' keys to this file")
	work := fs.String("work", "", "work directory for the two copies (default: a temp dir)")
	keep := fs.Bool("keep", false, "keep the work directory (and PostgreSQL databases) afterwards")
	maxSel := fs.Int("max-selectors", differ.DefaultMaxSelectors, "cap on the derived ls selections")
	threads := fs.Int("threads", 4, "threads for both tools")
	verbose := fs.Bool("v", false, "also print allowlisted differences and progress")
	subprocess := fs.Bool("dbt-subprocess", false, "run dbt as a process per command instead of one Python process per project (slower)")
	hub := map[string]string{}
	fs.Func("local-package", "`NAME=DIR`: use the package in DIR for hub package NAME (e.g. dbt-labs/dbt_utils=../dbt-utils) on both sides, when no hub is reachable; repeatable", func(v string) error {
		name, dir, ok := strings.Cut(v, "=")
		if !ok || name == "" || dir == "" {
			return fmt.Errorf("want NAME=DIR, e.g. dbt-labs/dbt_utils=../dbt-utils")
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(abs, "dbt_project.yml")); err != nil {
			return fmt.Errorf("%s has no dbt_project.yml", abs)
		}
		hub[name] = abs
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: dbtdiff [flags] PROJECT_DIR\n\nRuns the project with dbt and with kiln and prints every difference.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dbtPath, err := findDBT(*dbt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtdiff:", err)
		return 2
	}
	kilnPath := *kiln
	if kilnPath == "" {
		if kilnPath, err = buildKiln(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "dbtdiff:", err)
			return 2
		}
		defer os.RemoveAll(filepath.Dir(kilnPath))
	}
	o := differ.Options{ProjectDir: fs.Arg(0), Target: *target, DBT: dbtPath, Kiln: kilnPath, WorkDir: *work, Keep: *keep,
		MaxSelectors: *maxSel, Threads: *threads, PG: differ.PGFromEnv(), DBTSubprocess: *subprocess, HubPackages: hub}
	for _, c := range strings.Split(*commands, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.Commands = append(o.Commands, c)
		}
	}
	if *allow == "" {
		*allow = defaultAllowlist()
	}
	if *allow != "" {
		if o.Allowlist, err = differ.LoadAllowlist(*allow); err != nil {
			fmt.Fprintln(os.Stderr, "dbtdiff:", err)
			return 2
		}
	}
	if *known != "" {
		if o.Known, err = differ.LoadKnown(*known); err != nil {
			fmt.Fprintln(os.Stderr, "dbtdiff:", err)
			return 2
		}
	}
	if *verbose {
		o.Progress = os.Stderr
	}
	rep, err := differ.Run(ctx, o)
	if rep != nil {
		rep.Print(os.Stdout, *verbose)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtdiff:", err)
		return 2
	}
	if *writeKnown != "" {
		if err := differ.WriteKnown(*writeKnown, "", rep); err != nil {
			fmt.Fprintln(os.Stderr, "dbtdiff:", err)
			return 2
		}
	}
	if len(rep.Unexplained()) > 0 {
		return 1
	}
	return 0
}

func findDBT(flagValue string) (string, error) {
	for _, c := range []string{flagValue, os.Getenv("KILN_DBT")} {
		if c != "" {
			return c, nil
		}
	}
	if p, err := exec.LookPath("dbt"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no dbt found: pass -dbt, set KILN_DBT, or install the reference with conformance/setup-dbt.sh")
}

// moduleRoot is this module's directory (dbtdiff is run with go run from it).
func moduleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

func defaultAllowlist() string {
	p := filepath.Join(moduleRoot(), "conformance", "allowlist.yml")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

func buildKiln(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "dbtdiff-kiln-")
	if err != nil {
		return "", err
	}
	exe := filepath.Join(dir, "kiln")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", exe, "./cmd/kiln")
	cmd.Dir = moduleRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building kiln: %v\n%s", err, b)
	}
	return exe, nil
}

// Command gen writes a deterministic, realistic dbt project of N models for
// kiln's benchmarks:
//
//	go run ./bench/gen -models 1000 -out /tmp/bench1000 [-seed 1]
//
// The project has seeds and a source over them, staging / intermediate /
// marts folders split about 30/40/30 across a number of domains, Jinja loops,
// macro calls, vars and in-file configs, and a properties YAML per folder
// with unique/not_null tests on about half of the models. Every model
// outputs the same four columns (id, amount, created_at, category), so any
// model can ref any earlier one and the whole project builds on DuckDB.
// The same -models and -seed always produce byte-identical output.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

func main() {
	var cfg Config
	flag.IntVar(&cfg.Models, "models", 100, "number of models to generate")
	flag.StringVar(&cfg.Out, "out", "", "output directory (created if missing)")
	flag.Int64Var(&cfg.Seed, "seed", 1, "random seed; the same seed gives the same project")
	flag.BoolVar(&cfg.Views, "views", false, "make every model a view (marts and in-file table configs included)")
	flag.IntVar(&cfg.Tests, "tests", 0, "cap the generic tests at N (unique+not_null on N/2 models); 0: about one model in two is tested")
	force := flag.Bool("force", false, "overwrite a non-empty output directory (removes its models/, seeds/, macros/ and target/ first)")
	flag.Parse()
	if cfg.Out == "" || cfg.Models < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -models N -out DIR [-seed S] [-force]")
		os.Exit(2)
	}
	if err := prepareOut(cfg.Out, *force); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	p := Generate(cfg)
	if err := p.Write(cfg.Out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d models (%d staging, %d intermediate, %d marts), %d seeds, %d domains to %s\n",
		len(p.Models), p.LayerCount(Staging), p.LayerCount(Intermediate), p.LayerCount(Marts),
		len(p.Seeds), len(p.Domains), cfg.Out)
}

// prepareOut makes sure dir exists and holds no previous project, unless
// force is set, in which case the generated sub-trees are removed.
func prepareOut(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("%s is not empty (use -force to overwrite)", dir)
	}
	for _, sub := range []string{"models", "seeds", "macros", "target"} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return err
		}
	}
	return nil
}

// Write writes every file of the project under dir, using a few goroutines
// because file creation dominates the run time for large projects.
func (p *Project) Write(dir string) error {
	dirs := map[string]bool{}
	for _, f := range p.Files {
		dirs[filepath.Dir(filepath.Join(dir, f.Path))] = true
	}
	for d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	jobs := make(chan File, 256)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	workers := min(runtime.GOMAXPROCS(0)*2, 16)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				if err := os.WriteFile(filepath.Join(dir, f.Path), f.Data, 0o644); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, f := range p.Files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

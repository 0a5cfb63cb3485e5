package project

// Parsing many property files at once, and checks across files.

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/kiln-dev/kiln/internal/diag"
)

// ParsePropertyFiles parses files concurrently (bounded by GOMAXPROCS).
// prefix is prepended to positions (a package's RelDir, "" for the root),
// while Properties.Path stays relative to the project. Results are in the
// order of files; diagnostics are sorted.
func ParsePropertyFiles(files []File, prefix string) ([]*Properties, diag.List) {
	out := make([]*Properties, len(files))
	diags := make([]diag.List, len(files))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(files)))
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], diags[i] = parseProperties(files[i].Path, prefixPath(prefix, files[i].Path), files[i].Content)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	var all diag.List
	for _, l := range diags {
		all = append(all, l...)
	}
	all.Sort()
	return out, all
}

// CheckDuplicatePatches reports a resource described more than once, in
// the same file or across files (models, seeds, snapshots, analyses, data
// tests, macros, source tables, exposures, groups, unit tests). Each error
// sits on the later entry and names the first.
func CheckDuplicatePatches(all []*Properties) diag.List {
	seen := map[string]diag.Pos{}
	var out diag.List
	check := func(kind, key, label string, pos diag.Pos) {
		k := kind + "\x00" + key
		if prev, ok := seen[k]; ok {
			where := prev.String()
			if prev.File == pos.File {
				where = fmt.Sprintf("line %d of the same file", prev.Line)
			}
			out = append(out, diag.Diagnostic{
				Severity: diag.Error, Code: "duplicate-patch", Pos: pos,
				Message:    fmt.Sprintf("%s '%s' is described twice: here and at %s", kind, label, where),
				Suggestion: "merge the two entries into one",
			})
			return
		}
		seen[k] = pos
	}
	for _, p := range all {
		if p == nil {
			continue
		}
		for _, l := range []struct {
			kind string
			ps   []NodePatch
		}{{"model", p.Models}, {"seed", p.Seeds}, {"snapshot", p.Snapshots}, {"analysis", p.Analyses}, {"data test", p.DataTests}} {
			for _, np := range l.ps {
				check(l.kind, np.Name, np.Name, np.Pos)
			}
		}
		for _, m := range p.Macros {
			check("macro", m.Name, m.Name, m.Pos)
		}
		for _, s := range p.Sources {
			for _, t := range s.Tables {
				check("source table", s.Name+"."+t.Name, s.Name+"."+t.Name, t.Pos)
			}
		}
		for _, x := range p.Exposures {
			check("exposure", x.Name, x.Name, x.Pos)
		}
		for i, g := range p.Groups {
			if n, _ := g["name"].(string); n != "" {
				check("group", n, n, p.GroupPos[i])
			}
		}
		for _, u := range p.UnitTests {
			check("unit test", u.Model+"."+u.Name, u.Name+"' of model '"+u.Model, u.Pos)
		}
	}
	out.Sort()
	return out
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var (
	refRe    = regexp.MustCompile(`\bref\('([^']+)'\)`)
	sourceRe = regexp.MustCompile(`\bsource\('([^']+)', '([^']+)'\)`)
	callRe   = regexp.MustCompile(`\{\{-?\s*(\w+)\(`)
	macroRe  = regexp.MustCompile(`\{%-?\s*macro\s+(\w+)\(`)
)

type propsFile struct {
	Models []struct {
		Name    string `yaml:"name"`
		Columns []struct {
			Name      string `yaml:"name"`
			DataTests []any  `yaml:"data_tests"`
		} `yaml:"columns"`
	} `yaml:"models"`
	Sources []struct {
		Name   string `yaml:"name"`
		Tables []struct {
			Name string `yaml:"name"`
		} `yaml:"tables"`
	} `yaml:"sources"`
}

func readProps(t *testing.T, path string) propsFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p propsFile
	if err := yaml.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// TestGenerate50 writes a 50-model project and checks it from the files
// alone: layer split, folders, every ref/source/macro exists, the ref graph
// is acyclic, and each folder's YAML describes exactly its models.
func TestGenerate50(t *testing.T) {
	dir := t.TempDir()
	p := Generate(Config{Models: 50, Seed: 1})
	if err := p.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"dbt_project.yml", "profiles.yml", "macros/bench_helpers.sql", "models/staging/_sources.yml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}

	seeds := map[string]bool{}
	csvs, _ := filepath.Glob(filepath.Join(dir, "seeds", "*.csv"))
	for _, c := range csvs {
		seeds[strings.TrimSuffix(filepath.Base(c), ".csv")] = true
	}
	if len(seeds) < 3 {
		t.Fatalf("want a handful of seeds, got %d", len(seeds))
	}

	sourceTables := map[string]bool{}
	for _, s := range readProps(t, filepath.Join(dir, "models/staging/_sources.yml")).Sources {
		for _, tb := range s.Tables {
			sourceTables[s.Name+"."+tb.Name] = true
			if !seeds[tb.Name] {
				t.Errorf("source table %s.%s has no seed", s.Name, tb.Name)
			}
		}
	}

	macroSrc, err := os.ReadFile(filepath.Join(dir, "macros/bench_helpers.sql"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"ref": true, "source": true, "config": true, "var": true}
	for _, m := range macroRe.FindAllStringSubmatch(string(macroSrc), -1) {
		known[m[1]] = true
	}

	type node struct {
		layer, folder string
		refs          []string
	}
	models := map[string]*node{}
	folderModels := map[string][]string{}
	layerCount := map[string]int{}
	tables := 0
	err = filepath.WalkDir(filepath.Join(dir, "models"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".sql") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 4 {
			t.Errorf("%s: want models/<layer>/<domain>/<model>.sql", rel)
			return nil
		}
		name := strings.TrimSuffix(parts[3], ".sql")
		if models[name] != nil {
			t.Errorf("duplicate model name %s", name)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := &node{layer: parts[1], folder: filepath.Dir(path)}
		for _, m := range refRe.FindAllStringSubmatch(string(src), -1) {
			n.refs = append(n.refs, m[1])
		}
		for _, m := range sourceRe.FindAllStringSubmatch(string(src), -1) {
			if !sourceTables[m[1]+"."+m[2]] {
				t.Errorf("%s: unknown source %s.%s", rel, m[1], m[2])
			}
		}
		for _, m := range callRe.FindAllStringSubmatch(string(src), -1) {
			if !known[m[1]] {
				t.Errorf("%s: call to undefined macro %s", rel, m[1])
			}
		}
		if bytes.Contains(src, []byte("materialized='table'")) {
			tables++
		}
		models[name] = n
		folderModels[n.folder] = append(folderModels[n.folder], name)
		layerCount[n.layer]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if len(models) != 50 {
		t.Fatalf("got %d models, want 50", len(models))
	}
	if layerCount["staging"] != 15 || layerCount["intermediate"] != 20 || layerCount["marts"] != 15 {
		t.Errorf("layer split = %v, want 15/20/15", layerCount)
	}
	if tables == 0 || tables > 25 {
		t.Errorf("%d models with an in-file table config, want about 20%%", tables)
	}

	for name, n := range models {
		modelRefs := 0
		for _, r := range n.refs {
			switch {
			case models[r] != nil:
				modelRefs++
				if n.layer == "staging" {
					t.Errorf("staging model %s refs model %s", name, r)
				}
			case seeds[r]:
				if n.layer != "staging" {
					t.Errorf("%s model %s refs seed %s", n.layer, name, r)
				}
			default:
				t.Errorf("%s refs unknown %q", name, r)
			}
		}
		if n.layer != "staging" && (modelRefs < 1 || modelRefs > 3) {
			t.Errorf("%s has %d model refs, want 1-3", name, modelRefs)
		}
	}

	// Kahn's algorithm over model->model edges: everything must be ordered.
	indeg := map[string]int{}
	children := map[string][]string{}
	for name, n := range models {
		indeg[name] += 0
		for _, r := range n.refs {
			if models[r] != nil {
				indeg[name]++
				children[r] = append(children[r], name)
			}
		}
	}
	var queue []string
	for name, d := range indeg {
		if d == 0 {
			queue = append(queue, name)
		}
	}
	visited := 0
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		visited++
		for _, c := range children[cur] {
			if indeg[c]--; indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if visited != len(models) {
		t.Errorf("ref graph has a cycle: ordered %d of %d models", visited, len(models))
	}

	// One properties file per folder, describing exactly that folder's models.
	tested := 0
	for folder, names := range folderModels {
		ymls, _ := filepath.Glob(filepath.Join(folder, "*.yml"))
		if len(ymls) != 1 {
			t.Errorf("%s: %d YAML files, want 1", folder, len(ymls))
			continue
		}
		var described []string
		for _, m := range readProps(t, ymls[0]).Models {
			described = append(described, m.Name)
			if len(m.Columns) != 4 {
				t.Errorf("%s: %d columns described, want 4", m.Name, len(m.Columns))
			}
			for _, c := range m.Columns {
				if c.Name == "id" && len(c.DataTests) > 0 {
					tested++
				}
			}
		}
		slices.Sort(described)
		slices.Sort(names)
		if !slices.Equal(described, names) {
			t.Errorf("%s: YAML describes %v, folder has %v", folder, described, names)
		}
	}
	if tested < 10 || tested > 40 {
		t.Errorf("%d of 50 models have tests, want about half", tested)
	}
}

func TestDeterministic(t *testing.T) {
	a := Generate(Config{Models: 300, Seed: 42})
	b := Generate(Config{Models: 300, Seed: 42})
	c := Generate(Config{Models: 300, Seed: 43})
	if !sameFiles(a, b) {
		t.Error("same seed produced different projects")
	}
	if sameFiles(a, c) {
		t.Error("different seeds produced identical projects")
	}
}

func sameFiles(a, b *Project) bool {
	if len(a.Files) != len(b.Files) {
		return false
	}
	for i := range a.Files {
		if a.Files[i].Path != b.Files[i].Path || !bytes.Equal(a.Files[i].Data, b.Files[i].Data) {
			return false
		}
	}
	return true
}

func TestSmallCounts(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 10, 99, 1000} {
		p := Generate(Config{Models: n, Seed: 1})
		if len(p.Models) != n {
			t.Errorf("n=%d: got %d models", n, len(p.Models))
		}
		seen := map[string]bool{}
		for _, m := range p.Models {
			for _, r := range m.Refs {
				if !seen[r] && !slices.Contains(p.Seeds, r) {
					t.Errorf("n=%d: %s refs %s, which is not an earlier model or seed", n, m.Name, r)
				}
			}
			seen[m.Name] = true
		}
	}
}

func BenchmarkGenerate10k(b *testing.B) {
	for b.Loop() {
		Generate(Config{Models: 10000, Seed: 1})
	}
}

// TestViewsAndTestCap checks the build-benchmark variant: every model is a
// view (no table config anywhere), exactly Tests generic tests are declared,
// and the models and their SQL are otherwise those of the default project.
func TestViewsAndTestCap(t *testing.T) {
	base := Generate(Config{Models: 400, Seed: 1})
	p := Generate(Config{Models: 400, Seed: 1, Views: true, Tests: 40})
	tests := 0
	for _, f := range p.Files {
		s := string(f.Data)
		if strings.Contains(s, "materialized='table'") || strings.Contains(s, "+materialized: table") {
			t.Errorf("%s still configures a table", f.Path)
		}
		tests += strings.Count(s, "          - unique\n") + strings.Count(s, "          - not_null\n")
	}
	if tests != 40 {
		t.Errorf("got %d generic tests, want 40", tests)
	}
	for i, m := range p.Models {
		b := base.Models[i]
		if m.Name != b.Name || !slices.Equal(m.Refs, b.Refs) || m.Table {
			t.Fatalf("model %d: %+v differs from the default project's %+v beyond materialization", i, m, b)
		}
	}
}

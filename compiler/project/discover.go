package project

// File discovery. Each project root is walked once (configured paths that
// overlap are not walked twice), each file is classified into every
// category whose paths contain it, and file contents are read concurrently
// and shared between categories. Output order is sorted by path, so it is
// deterministic regardless of scheduling.

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/internal/diag"
)

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// MaxSeedContent is the largest seed whose content Discover reads. Larger
// seeds are streamed by the loader from File.Abs (dbt also stops hashing
// seeds above 1 MiB, using the path as their checksum).
var MaxSeedContent int64 = 1 << 20

// File is one file of a project.
type File struct {
	Path    string // relative to the project root (for a package, its own root), slash-separated
	Abs     string // absolute OS path
	Content []byte // nil only for seeds larger than MaxSeedContent
	Size    int64
}

// Pos is the position of the whole file (for diagnostics without a line).
func (f File) Pos() diag.Pos { return diag.Pos{File: f.Path} }

// Ext returns the file's extension without the dot ("sql", "py", "csv").
func (f File) Ext() string { return strings.TrimPrefix(path.Ext(f.Path), ".") }

// Files are a project's files by kind. A file can appear in several kinds
// when configured paths overlap (docs-paths defaults to all source paths).
type Files struct {
	Models        []File // .sql and .py (Python models: check Ext; kiln may not run them)
	Seeds         []File // .csv
	Macros        []File // .sql under macro-paths
	SingularTests []File // .sql under test-paths, outside generic/ and fixtures/
	GenericTests  []File // .sql under <test-path>/generic/
	Snapshots     []File // .sql under snapshot-paths
	Analyses      []File // .sql under analysis-paths
	Functions     []File // .sql and .py under function-paths (UDFs, dbt 1.11)
	Docs          []File // .md under docs-paths
	Properties    []File // .yml/.yaml under model/seed/snapshot/analysis/test/macro/function paths
	Fixtures      []File // unit-test fixtures (.csv, .sql) under <test-path>/fixtures/
	// Diags are positioned problems found while walking: symbolic links
	// that loop (dbt follows them until Python gives up with a traceback).
	Diags diag.List
}

type kind uint16

const (
	kModel kind = 1 << iota
	kSeed
	kMacro
	kSingular
	kGeneric
	kSnapshot
	kAnalysis
	kFunction
	kDoc
	kProps
	kFixture
)

// Discover lists and reads the files of project p. Missing configured
// directories are fine (dbt ignores them). Hidden files and directories
// (".name") are skipped, and so are the project's target, log and
// packages directories when a configured path contains them.
func Discover(p *Project) (*Files, error) {
	type root struct {
		dir  string
		kind kind
	}
	var roots []root
	add := func(paths []string, k kind) {
		for _, d := range paths {
			roots = append(roots, root{d, k})
		}
	}
	add(p.ModelPaths, kModel|kProps)
	add(p.SeedPaths, kSeed|kProps)
	add(p.MacroPaths, kMacro|kProps)
	add(p.TestPaths, kSingular|kProps)
	add(p.SnapshotPaths, kSnapshot|kProps)
	add(p.AnalysisPaths, kAnalysis|kProps)
	add(p.FunctionPaths, kFunction|kProps)
	add(p.DocsPaths, kDoc)

	// Walk each distinct top-most directory once.
	dirs := make([]string, 0, len(roots))
	for _, r := range roots {
		dirs = append(dirs, r.dir)
	}
	sort.Strings(dirs)
	var walk []string
	for _, d := range dirs {
		if len(walk) > 0 && (walk[len(walk)-1] == d || under(d, walk[len(walk)-1])) {
			continue
		}
		walk = append(walk, d)
	}
	skip := map[string]bool{p.TargetPath: true, p.LogPath: true, p.PackagesInstallPath: true}

	classify := func(rel string) kind {
		var k kind
		ext := strings.ToLower(path.Ext(rel))
		for _, r := range roots {
			if !under(rel, r.dir) {
				continue
			}
			rk := r.kind
			switch ext {
			case ".yml", ".yaml":
				k |= rk & kProps
			case ".md":
				k |= rk & kDoc
			case ".sql":
				switch {
				case rk&kSingular != 0:
					sub := strings.TrimPrefix(strings.TrimPrefix(rel, r.dir), "/")
					if r.dir == "." {
						sub = rel
					}
					switch {
					case strings.HasPrefix(sub, "generic/"):
						k |= kGeneric
					case strings.HasPrefix(sub, "fixtures/"):
						k |= kFixture
					default:
						k |= kSingular
					}
				default:
					k |= rk & (kModel | kMacro | kSnapshot | kAnalysis | kFunction)
				}
			case ".py":
				k |= rk & (kModel | kFunction)
			case ".csv":
				k |= rk & kSeed
				if rk&kSingular != 0 {
					sub := strings.TrimPrefix(strings.TrimPrefix(rel, r.dir), "/")
					if r.dir == "." {
						sub = rel
					}
					if strings.HasPrefix(sub, "fixtures/") {
						k |= kFixture
					}
				}
			}
		}
		return k
	}

	type found struct {
		kinds kind
		f     File
	}
	var (
		mu      sync.Mutex
		results []found
		errOnce error
		visited = map[devIno]bool{}
		wg      sync.WaitGroup
		sem     = make(chan struct{}, min(4*runtime.GOMAXPROCS(0), 16))
	)
	setErr := func(err error) {
		mu.Lock()
		if errOnce == nil {
			errOnce = err
		}
		mu.Unlock()
	}
	// visit lists one directory, reads its files, and fans out to its
	// subdirectories; at most cap(sem) directories are worked on at once.
	var walkDiags diag.List
	addLoop := func(rel, msg string) {
		d := diag.Errorf(diag.Pos{File: rel}, "symlink-loop", "%s", msg)
		d.Suggestion = "remove the link or point it outside the project's folders"
		mu.Lock()
		walkDiags = append(walkDiags, d)
		mu.Unlock()
	}
	// ancestors holds the ids of the directories above rel on this walk,
	// so that a link back to one of them is told from a directory that is
	// merely reachable twice.
	var visit func(rel string, depth int, ancestors []devIno)
	visit = func(rel string, depth int, ancestors []devIno) {
		defer wg.Done()
		if depth > 64 {
			return
		}
		sem <- struct{}{}
		abs := filepath.Join(p.Dir, filepath.FromSlash(rel))
		ds, err := openDirScan(abs)
		if err != nil {
			<-sem
			if depth > 0 || !os.IsNotExist(err) {
				setErr(fmt.Errorf("reading %s: %w", rel, err))
			}
			return
		}
		defer ds.close()
		var self devIno
		if id, err := ds.id(); err == nil {
			self = id
			for i, a := range ancestors {
				if a == id {
					up := rel
					for range len(ancestors) - i {
						up = path.Dir(up)
					}
					<-sem
					addLoop(rel, fmt.Sprintf("symbolic link loop: %s leads back to %s, a folder that contains it", rel, up))
					return
				}
			}
			mu.Lock()
			seen := visited[id]
			visited[id] = true
			mu.Unlock()
			if seen { // a symlink loop, or a directory reached twice
				<-sem
				return
			}
		}
		var subdirs []string
		var local []found
		scratch := scratchPool.Get().(*[]byte)
		err = ds.entries(func(name string, isDir bool) {
			if strings.HasPrefix(name, ".") {
				return
			}
			child := name
			if rel != "." {
				child = rel + "/" + name
			}
			if isDir {
				if !skip[child] {
					subdirs = append(subdirs, child)
				}
				return
			}
			k := classify(child)
			if k == 0 {
				return
			}
			limit := int64(-1)
			if k == kSeed {
				limit = MaxSeedContent
			}
			content, size, rerr := ds.read(name, limit, scratch)
			if rerr != nil {
				setErr(rerr)
				return
			}
			local = append(local, found{k, File{Path: child, Abs: filepath.Join(abs, name), Content: content, Size: size}})
		}, func(name string, err error) {
			child := name
			if rel != "." {
				child = rel + "/" + name
			}
			addLoop(child, fmt.Sprintf("symbolic link %s cannot be followed: %v", child, err))
		})
		scratchPool.Put(scratch)
		<-sem
		if err != nil {
			setErr(err)
			return
		}
		mu.Lock()
		results = append(results, local...)
		mu.Unlock()
		below := append(append(make([]devIno, 0, len(ancestors)+1), ancestors...), self)
		for _, sd := range subdirs {
			wg.Add(1)
			go visit(sd, depth+1, below)
		}
	}
	for _, w := range walk {
		wg.Add(1)
		go visit(w, 0, nil)
	}
	wg.Wait()
	if errOnce != nil {
		return nil, errOnce
	}
	sort.Slice(results, func(i, j int) bool { return results[i].f.Path < results[j].f.Path })

	walkDiags.Sort()
	out := &Files{Diags: walkDiags}
	for _, r := range results {
		f := r.f
		k := r.kinds
		put := func(bit kind, dst *[]File) {
			if k&bit != 0 {
				*dst = append(*dst, f)
			}
		}
		put(kModel, &out.Models)
		put(kSeed, &out.Seeds)
		put(kMacro, &out.Macros)
		put(kSingular, &out.SingularTests)
		put(kGeneric, &out.GenericTests)
		put(kSnapshot, &out.Snapshots)
		put(kAnalysis, &out.Analyses)
		put(kFunction, &out.Functions)
		put(kDoc, &out.Docs)
		put(kProps, &out.Properties)
		put(kFixture, &out.Fixtures)
	}
	return out, nil
}

// under reports whether slash path p is dir or inside it.
func under(p, dir string) bool {
	if dir == "." || dir == "" {
		return true
	}
	return p == dir || (len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir)
}

// LoadPackages loads every installed package: each directory under the
// root's packages-install-path with a dbt_project.yml. They are returned
// sorted by project name, with RelDir set. Diagnostic positions carry the
// package's path from the root project (dbt_packages/dbt_utils/dbt_project.yml).
func LoadPackages(root *Project, render RenderFunc) ([]*Project, diag.List) {
	base := filepath.Join(root.Dir, filepath.FromSlash(root.PackagesInstallPath))
	des, err := os.ReadDir(base)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, diag.List{diag.Errorf(diag.Pos{File: root.PackagesInstallPath}, "packages",
			"cannot read packages directory: %v", rootCause(err))}
	}
	var out []*Project
	var diags diag.List
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		dir := filepath.Join(base, name)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		rel := path.Join(root.PackagesInstallPath, name)
		if !fileExists(filepath.Join(dir, ProjectFile)) {
			diags = append(diags, diag.Diagnostic{Severity: diag.Warning, Code: "not-a-package",
				Pos:        diag.Pos{File: rel},
				Message:    fmt.Sprintf("%s has no %s and is ignored", rel, ProjectFile),
				Suggestion: "run `kiln deps` again, or delete the directory"})
			continue
		}
		pkg, ds := LoadProject(dir, render)
		for i := range ds {
			ds[i].Pos.File = prefixPath(rel, ds[i].Pos.File)
		}
		diags = append(diags, ds...)
		if pkg != nil {
			pkg.RelDir = rel
			out = append(out, pkg)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	seen := map[string]*Project{}
	for _, pkg := range out {
		if pkg.Name == "" {
			continue
		}
		if pkg.Name == root.Name {
			diags = append(diags, diag.Diagnostic{Severity: diag.Error, Code: "duplicate-package",
				Pos:        withFile(pkg.Pos("name"), prefixPath(pkg.RelDir, ProjectFile)),
				Message:    fmt.Sprintf("installed package '%s' has the same name as the root project", pkg.Name),
				Suggestion: "rename the root project or remove the package from packages.yml"})
		}
		if prev, ok := seen[pkg.Name]; ok {
			diags = append(diags, diag.Diagnostic{Severity: diag.Error, Code: "duplicate-package",
				Pos:        withFile(pkg.Pos("name"), prefixPath(pkg.RelDir, ProjectFile)),
				Message:    fmt.Sprintf("two installed packages are named '%s' (also %s)", pkg.Name, prev.RelDir),
				Suggestion: "remove one of the directories and run `kiln deps`"})
		}
		seen[pkg.Name] = pkg
	}
	diags.Sort()
	return out, diags
}

// Shown is how messages name a file of this project: its path from the
// root project ("dbt_packages/dbt_utils/macros/x.sql" for a package file),
// so the user can open it. Manifest paths stay relative to the package.
func (p *Project) Shown(path string) string { return prefixPath(p.RelDir, path) }

func prefixPath(dir, p string) string {
	if dir == "" {
		return p
	}
	if p == "" {
		return dir
	}
	return dir + "/" + p
}

func withFile(p diag.Pos, file string) diag.Pos {
	p.File = file
	return p
}

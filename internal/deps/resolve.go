package deps

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// Options configure one `kiln deps`.
type Options struct {
	ProjectDir  string
	InstallPath string // packages-install-path, relative to ProjectDir
	Render      project.RenderFunc
	HubURL      string // default https://hub.getdbt.com
	HTTP        *http.Client
	Upgrade     bool // ignore package-lock.yml
	LockOnly    bool // write package-lock.yml, install nothing
	Warn, Info  func(string)
}

// Package is one resolved package.
type Package struct {
	Spec     Spec   // where it came from
	Name     string // project name from its dbt_project.yml
	Version  string // hub version
	Revision string // git commit
	dir      string // fetched files
	tarball  string
}

// Result is what Run did.
type Result struct {
	Packages []*Package
	FromLock bool
	NoSpec   bool // the project declares no packages
}

// LockFile is the lock's file name, next to dbt_project.yml.
const LockFile = "package-lock.yml"

// Run resolves, locks and installs the project's packages.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.HubURL == "" {
		o.HubURL = "https://hub.getdbt.com"
	}
	if o.HTTP == nil {
		// generous, but a hub that stops answering must not hang deps forever
		o.HTTP = &http.Client{Timeout: 5 * time.Minute}
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Info == nil {
		o.Info = func(string) {}
	}
	spec, err := ReadSpec(o.ProjectDir, "", o.Render)
	if err != nil {
		return nil, err
	}
	if len(spec.Packages) == 0 {
		return &Result{NoSpec: true}, nil
	}
	work, err := os.MkdirTemp("", "kiln-deps-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	r := &resolver{o: o, ctx: ctx, work: work, hubIdx: map[string]*hubIndex{}, hub: map[string]*hubReq{}, seen: map[string]*Package{}}

	res := &Result{}
	specs := spec.Packages
	lock, lerr := readLock(o.ProjectDir, o.Render, spec.Hash)
	if lerr != nil {
		return nil, lerr
	}
	if lock != nil && !o.Upgrade && lock.Hash == spec.Hash {
		specs, res.FromLock = lock.Packages, true
		o.Info("Installing packages from " + LockFile)
	} else if lock != nil && !o.Upgrade {
		o.Info(spec.File + " changed since " + LockFile + " was written: resolving again")
	}
	r.transitive = !res.FromLock
	if err := r.resolve(specs); err != nil {
		return nil, err
	}
	res.Packages = r.order
	if err := checkNames(r.order); err != nil {
		return nil, err
	}
	if o.LockOnly {
		return res, writeLock(o.ProjectDir, spec.Hash, r.order)
	}
	for _, p := range r.order {
		if p.Spec.Kind == Hub && p.dir == "" {
			if err := r.downloadHub(p); err != nil {
				return nil, err
			}
		}
	}
	if err := install(o.ProjectDir, o.InstallPath, r.order); err != nil {
		return nil, err
	}
	// The lock is written only once the packages are in place, so a failed
	// install leaves both the old packages and the old lock.
	if !res.FromLock {
		if err := writeLock(o.ProjectDir, spec.Hash, r.order); err != nil {
			return nil, err
		}
	}
	return res, nil
}

type origin struct {
	text string
	cs   []Constraint
	from string
}

type hubReq struct {
	name       string
	ranges     []origin
	prerelease bool
	pkg        *Package
}

type resolver struct {
	o          Options
	ctx        context.Context
	work       string
	transitive bool
	hubIdx     map[string]*hubIndex
	hub        map[string]*hubReq
	hubOrder   []string
	seen       map[string]*Package // local path or git url#subdir
	order      []*Package
}

func (r *resolver) resolve(queue []Spec) error {
	for {
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			more, err := r.add(s)
			if err != nil {
				return err
			}
			queue = append(queue, more...)
		}
		// Pick hub versions now that every known range is in; a newly
		// chosen version can bring its own requirements, so loop.
		for _, name := range r.hubOrder {
			more, err := r.pickHub(r.hub[name])
			if err != nil {
				return err
			}
			queue = append(queue, more...)
		}
		if len(queue) == 0 {
			return nil
		}
	}
}

func (r *resolver) add(s Spec) ([]Spec, error) {
	switch s.Kind {
	case Hub:
		h := r.hub[s.Source]
		if h == nil {
			h = &hubReq{name: s.Source}
			r.hub[s.Source] = h
			r.hubOrder = append(r.hubOrder, s.Source)
		}
		from := s.Pos.String()
		for _, v := range s.Versions {
			cs, err := ParseRange(v)
			if err != nil {
				return nil, diag.Errorf(s.Pos, "bad-version", "%v", err)
			}
			h.ranges = append(h.ranges, origin{text: v, cs: cs, from: from})
		}
		h.prerelease = h.prerelease || s.Prerelease
		return nil, nil
	case Local:
		path := s.Source
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.Dir, filepath.FromSlash(path))
		}
		path = filepath.Clean(path)
		if _, ok := r.seen["local:"+path]; ok {
			return nil, nil
		}
		if st, err := os.Stat(path); err != nil || !st.IsDir() {
			return nil, diag.Diagnostic{Severity: diag.Error, Code: "package-not-found", Pos: s.Pos,
				Message:    fmt.Sprintf("local package %s: directory %s does not exist", s.Source, path),
				Suggestion: "local: paths are relative to the project that declares them"}
		}
		p := &Package{Spec: s, dir: path}
		r.seen["local:"+path] = p
		return r.finish(p)
	case Git:
		key := "git:" + s.Source + "#" + s.Subdirectory
		if prev, ok := r.seen[key]; ok {
			if prev.Spec.Revision != s.Revision && prev.Revision != s.Revision {
				return nil, diag.Errorf(s.Pos, "package-conflict",
					"git package %s is required at revision %q here and at %q (%s)", s, s.Revision, prev.Spec.Revision, prev.Spec.Pos)
			}
			return nil, nil
		}
		if s.Revision == "" && s.WarnUnpinned {
			r.o.Warn(fmt.Sprintf("%s: git package %s is not pinned to a revision; its default branch is installed — add revision: (or warn-unpinned: false)", s.Pos, s.Display()))
		}
		dir, sha, err := r.clone(s)
		if err != nil {
			return nil, err
		}
		p := &Package{Spec: s, dir: dir, Revision: sha}
		r.seen[key] = p
		return r.finish(p)
	case Tarball:
		key := "tarball:" + s.Source
		if _, ok := r.seen[key]; ok {
			return nil, nil
		}
		b, err := r.get(s.Source)
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp(r.work, "tarball-")
		if err != nil {
			return nil, err
		}
		if err := extract(b, dir); err != nil {
			return nil, diag.Errorf(s.Pos, "bad-package", "tarball %s: %v", s.Source, err)
		}
		p := &Package{Spec: s, dir: dir}
		r.seen[key] = p
		return r.finish(p)
	}
	return nil, fmt.Errorf("unknown package kind %q", s.Kind)
}

// finish reads a fetched package's name and, when resolving, its own
// packages.
func (r *resolver) finish(p *Package) ([]Spec, error) {
	if _, err := os.Stat(filepath.Join(p.dir, project.ProjectFile)); err != nil {
		where, sugg := "at its root", "a package is a dbt project: point at the directory holding its dbt_project.yml"
		if p.Spec.Kind == Git {
			sugg = "set subdirectory: to the folder of the repository that holds dbt_project.yml"
			if p.Spec.Subdirectory != "" {
				where = "in subdirectory " + p.Spec.Subdirectory
			}
		}
		return nil, diag.Diagnostic{Severity: diag.Error, Code: "not-a-package", Pos: p.Spec.Pos,
			Message: fmt.Sprintf("package %s has no %s %s", p.Spec, project.ProjectFile, where), Suggestion: sugg}
	}
	proj, ds := project.LoadProject(p.dir, r.o.Render)
	if ds.HasErrors() {
		return nil, fmt.Errorf("package %s (%s): %w", p.Spec, p.Spec.Pos, ds.Errors())
	}
	p.Name = proj.Name
	if p.Spec.Name != "" && p.Spec.Name != p.Name {
		r.o.Warn(fmt.Sprintf("%s: package %s is now named %s (was %s)", p.Spec.Pos, p.Spec, p.Name, p.Spec.Name))
	}
	r.order = append(r.order, p)
	if !r.transitive {
		return nil, nil
	}
	sf, err := ReadSpec(p.dir, p.Name+"/", r.o.Render)
	if err != nil {
		return nil, err
	}
	return sf.Packages, nil
}

func (r *resolver) pickHub(h *hubReq) ([]Spec, error) {
	idx, err := r.index(h.name)
	if err != nil {
		return nil, err
	}
	var best *hubVersion
	var bestV Version
	for vs, hv := range idx.Versions {
		v, err := ParseVersion(vs)
		if err != nil {
			continue
		}
		ok := true
		pinned := false
		for _, o := range h.ranges {
			for _, c := range o.cs {
				ok = ok && c.Allows(v)
			}
			pinned = pinned || pinsPrerelease(o.cs, v)
		}
		if !ok || (v.Pre != "" && !h.prerelease && !pinned) {
			continue
		}
		if best == nil || v.Compare(bestV) > 0 {
			best, bestV = hv, v
		}
	}
	if best == nil {
		return nil, r.noVersion(h, idx)
	}
	if h.pkg != nil && h.pkg.Version == bestV.String() {
		return nil, nil
	}
	if h.pkg == nil {
		h.pkg = &Package{Spec: Spec{Kind: Hub, Source: h.name, Pos: diag.Pos{File: h.ranges[0].from}}}
		r.order = append(r.order, h.pkg)
	}
	h.pkg.Version, h.pkg.tarball, h.pkg.Name = bestV.String(), best.Downloads.Tarball, best.Name
	if h.pkg.Name == "" {
		h.pkg.Name = h.name[strings.IndexByte(h.name, '/')+1:]
	}
	if !r.transitive {
		return nil, nil
	}
	from := fmt.Sprintf("%s %s", h.name, bestV)
	var out []Spec
	for _, d := range best.Packages {
		s := Spec{Kind: Hub, Source: d.Package, Versions: d.Version.list, Pos: diag.Pos{File: "required by " + from}, WarnUnpinned: true}
		if d.Package == "" {
			continue // hub metadata only lists hub dependencies
		}
		out = append(out, s)
	}
	return out, nil
}

// noVersion explains why no version fits: conflicting ranges are named
// with where each came from.
func (r *resolver) noVersion(h *hubReq, idx *hubIndex) error {
	var reqs []string
	for _, o := range h.ranges {
		reqs = append(reqs, fmt.Sprintf("%q (%s)", o.text, o.from))
	}
	var avail []string
	for v := range idx.Versions {
		avail = append(avail, v)
	}
	sort.Slice(avail, func(i, j int) bool {
		a, _ := ParseVersion(avail[i])
		b, _ := ParseVersion(avail[j])
		return a.Compare(b) < 0
	})
	if len(avail) > 8 {
		avail = append([]string{"..."}, avail[len(avail)-8:]...)
	}
	msg := fmt.Sprintf("no version of %s satisfies %s", h.name, strings.Join(reqs, " and "))
	if len(h.ranges) > 1 {
		msg = fmt.Sprintf("conflicting requirements for %s: %s", h.name, strings.Join(reqs, " and "))
	}
	sugg := "available versions: " + strings.Join(avail, ", ")
	if !h.prerelease {
		sugg += " (prereleases need install-prerelease: true)"
	}
	return diag.Diagnostic{Severity: diag.Error, Code: "package-version", Message: msg, Suggestion: sugg}
}

// checkNames rejects two different sources installing the same directory.
func checkNames(pkgs []*Package) error {
	seen := map[string]*Package{}
	for _, p := range pkgs {
		if prev, ok := seen[p.Name]; ok {
			return diag.Diagnostic{Severity: diag.Error, Code: "duplicate-package", Pos: p.Spec.Pos,
				Message:    fmt.Sprintf("%s and %s (%s) are both named %q", p.Spec, prev.Spec, prev.Spec.Pos, p.Name),
				Suggestion: "two packages cannot share a name; remove one of them"}
		}
		seen[p.Name] = p
	}
	return nil
}

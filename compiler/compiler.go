// Package compiler turns a dbt project on disk into a linked manifest: it
// loads the project and its packages, registers macros, renders every node
// once with execute=False to capture ref/source/config (in parallel), applies
// property YAML, synthesizes generic tests, names relations and checks the
// graph. Runtime rendering (execute=True, with a warehouse connection) lives
// in runtime.go and is driven by the runner and the compile command.
//
// Every user mistake becomes a positioned diagnostic; Compile reports them
// all at once. Operational failures (unreadable files) are Go errors.
package compiler

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler/jinja"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/graph"
	"github.com/kiln-dev/kiln/internal/diag"
)

// Version is the kiln version and DbtVersion the dbt-core version kiln
// claims compatibility with (what `dbt_version` and require-dbt-version see).
const (
	Version    = "0.1.0"
	DbtVersion = "1.11.0"
)

// Options configure one compilation.
type Options struct {
	ProjectDir string
	// Profile and target are resolved by the caller (cmd/cli) because the
	// adapter type decides dispatch; Target is the Jinja `target` object.
	Profile     *project.Profile
	Project     *project.Project // optional: already loaded
	Target      map[string]any
	AdapterType string
	// Dialect is the adapter's SQL dialect (quoting for adapter.quote,
	// {{ this }}, relation names); nil: the registered adapter's, if it
	// provides one, else double quotes.
	Dialect      adapters.Dialect
	CLIVars      map[string]any
	Getenv       func(string) (string, bool)
	InvocationID string
	RunStartedAt time.Time
	// Workers bounds parse parallelism (default: GOMAXPROCS).
	Workers int
	// Flags is the Jinja `flags` object.
	Flags map[string]any
	// CacheDir, when set, holds the parse cache (the target directory).
	CacheDir string
	// SkipIfUnchanged lets Compile return early (Result.UpToDate) when no
	// input changed since the cached compile: `kiln parse` then has nothing
	// to do.
	SkipIfUnchanged bool
	// Incremental lets Compile take the incremental manifest's fast path
	// (incremental.go): then only Result.WriteManifest may be used.
	Incremental bool
	// Log receives log()/print() output (may be nil); node is the node
	// being rendered at run time (a model, test, hook operation), nil at
	// parse time, so its events can carry dbt's node_info.
	Log func(msg string, info bool, node *manifest.Node)
	// Empty is --empty: refs and sources render as zero-row subqueries.
	Empty bool
	// Sample is --sample: refs and sources with an event_time read only
	// this window, as a microbatch does (nil: everything).
	Sample *Batch
	// Print receives print() output (nil: it goes to Log as info).
	Print func(msg string)
}

// Result is a compiled project.
// AdapterType is the type of the target the project was compiled for
// ("duckdb", "postgres", ...; "" when none).
func (r *Result) AdapterType() string { return r.opts.AdapterType }

type Result struct {
	Project  *project.Project
	Packages []*project.Project
	Manifest *manifest.Manifest
	Env      *jinja.Env
	Graph    *graph.Graph
	Diags    diag.List // warnings (and errors when Err is set)
	// Refs maps (package, name) lookups to unique IDs for runtime ref().
	index *nameIndex
	opts  Options
	// docs by package then name
	docs  map[string]map[string]string
	vars  *varScope
	cache *parseCache
	incr  *incrementalPlan
	// Flags is the Jinja `flags` object (FULL_REFRESH, WHICH, ...).
	Flags map[string]any
	// UpToDate is set when SkipIfUnchanged found nothing changed; only
	// Project and Counts are filled then.
	UpToDate bool
	// Counts are resource counts (resource type -> n) for the Found line.
	Counts map[string]int
	// InputsUnchanged reports that every input equals the previous
	// compile's (so artifacts derived only from the parse are current).
	InputsUnchanged bool
	// Defer maps unique IDs of nodes that are not being built to the
	// relation another environment holds for them (--defer): runtime ref()
	// returns that relation instead of the node's own. Set before executing.
	Defer map[string]adapters.Relation
}

// Error is returned when the project has errors; it carries every diagnostic.
type Error struct{ Diags diag.List }

func (e *Error) Error() string { return e.Diags.Errors().Error() }

// LoadProject finds and reads dbt_project.yml, rendering env_var()/var() in it.
func LoadProject(dir string, cliVars map[string]any, getenv func(string) (string, bool)) (*project.Project, diag.List) {
	r := newStaticRenderer(cliVars, getenv)
	return project.LoadProject(dir, r.render)
}

// LoadProjectForTarget reads dbt_project.yml again once the profile's
// target is known, so that `target` renders in it as in dbt (the first
// read only serves to find the profile's name).
func LoadProjectForTarget(dir string, cliVars map[string]any, getenv func(string) (string, bool), target map[string]any) (*project.Project, diag.List) {
	r := newStaticRenderer(cliVars, getenv)
	r.target = target
	return project.LoadProject(dir, r.render)
}

// LoadProfile reads profiles.yml, rendering only the selected output.
func LoadProfile(dir, profile, target string, cliVars map[string]any, getenv func(string) (string, bool)) (*project.Profile, diag.List) {
	r := newStaticRenderer(cliVars, getenv)
	r.secrets = true
	return project.LoadProfile(dir, profile, target, r.render)
}

// Compile parses the whole project.
func Compile(ctx context.Context, opts Options) (*Result, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.LookupEnv
	}
	if opts.RunStartedAt.IsZero() {
		opts.RunStartedAt = time.Now().UTC()
	}
	var diags diag.List
	proj := opts.Project
	if proj == nil {
		p, d := LoadProject(opts.ProjectDir, opts.CLIVars, opts.Getenv)
		diags = append(diags, d...)
		if d.HasErrors() {
			return nil, &Error{Diags: diags}
		}
		proj = p
	}
	diags = append(diags, project.CheckRequiredVersion(proj, DbtVersion)...)
	var cache *parseCache
	if opts.CacheDir != "" {
		cache = loadParseCache(opts.CacheDir)
		opts.Getenv = cache.recordingGetenv(opts.Getenv)
	}
	r := &Result{Project: proj, opts: opts, Manifest: manifest.New(), Flags: opts.Flags}
	pkgRender := newStaticRenderer(opts.CLIVars, opts.Getenv)
	pkgRender.target = opts.Target
	pkgs, d := project.LoadPackages(proj, pkgRender.render)
	diags = append(diags, d...)
	r.Packages = pkgs
	r.vars = newVarScope(proj, pkgs, opts.CLIVars)

	dispatch := map[string][]string{}
	for _, dsp := range proj.Dispatch {
		dispatch[dsp.MacroNamespace] = dsp.SearchOrder
	}
	var pkgNames []string
	for _, p := range pkgs {
		pkgNames = append(pkgNames, p.Name)
	}
	var quote func(string) string
	if d := opts.dialect(); d != nil {
		quote = d.Quote
	}
	newEnv := func() *jinja.Env {
		return jinja.New(jinja.Config{
			Quote:          quote,
			AdapterType:    opts.AdapterType,
			RootPackage:    proj.Name,
			Packages:       pkgNames,
			DispatchOrders: dispatch,
		})
	}
	r.Env = newEnv()

	b := newBuilder(ctx, r)
	all := append([]*project.Project{proj}, pkgs...)
	for _, p := range all {
		if err := b.discover(p); err != nil {
			return nil, err
		}
	}
	if cache != nil {
		r.cache = cache
		r.cache.setGlobal(r, b.pkgs)
		r.cache.fingerprint = r.cache.inputFingerprint(r, b.pkgs)
		r.InputsUnchanged = r.cache.unchanged(r)
		if opts.SkipIfUnchanged && r.InputsUnchanged {
			r.UpToDate = true
			r.Counts = r.cache.counts
			return r, nil
		}
		if !r.InputsUnchanged && opts.Incremental {
			pkgFiles, found := b.pkgs, append(diag.List{}, b.diags...)
			if r.tryIncremental(b) {
				return r, nil
			}
			// Start again from a clean slate: the attempt loaded macros
			// and rendered.
			r.Env, r.docs, r.Manifest, r.incr = newEnv(), nil, manifest.New(), nil
			r.cache.reset()
			b = newBuilder(ctx, r)
			b.pkgs, b.diags = pkgFiles, found
		}
	}
	for _, pf := range b.pkgs {
		if err := b.loadPackage(pf); err != nil {
			return nil, err
		}
	}
	b.addInternalPackage()
	b.fillMacroMacroDeps()
	b.finish()
	diags = append(diags, b.diags...)
	diags.Sort()
	r.Diags = diags
	if diags.HasErrors() {
		return r, &Error{Diags: diags}
	}
	r.Counts = r.Manifest.Counts()
	r.cache.save(r.Counts)
	return r, nil
}

// testHash is the suffix of a generic test's unique_id, computed as dbt
// 1.11 does so unique_ids (and everything keyed by them: state, selectors,
// run_results) match dbt's: the last 10 hex digits of the md5 of the test
// name followed by Python's repr() of the test metadata with dict keys
// sorted and every leaf value replaced by its str().
func testHash(name string, meta map[string]any) string {
	var sb strings.Builder
	sb.WriteString(name)
	writeHashable(&sb, meta)
	h := md5sum(sb.String())
	return h[len(h)-10:]
}

func writeHashable(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(jinja.Repr(k))
			sb.WriteString(": ")
			writeHashable(sb, x[k])
		}
		sb.WriteByte('}')
	case []any:
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeHashable(sb, e)
		}
		sb.WriteByte(']')
	default:
		sb.WriteString(jinja.Repr(jinja.Str(x)))
	}
}

func md5sum(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// dialect is Options.Dialect, else the registered adapter's (nil: none).
func (o Options) dialect() adapters.Dialect {
	if o.Dialect != nil {
		return o.Dialect
	}
	if a, ok := adapters.Lookup(o.AdapterType); ok {
		if dp, ok := a.(adapters.DialectProvider); ok {
			return dp.Dialect()
		}
	}
	return nil
}

package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/adapters"
	"github.com/kiln-dev/kiln/compiler"
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/graph/selector/selectorfile"
	"github.com/kiln-dev/kiln/internal/deps"
	"github.com/kiln-dev/kiln/internal/report"
	"github.com/kiln-dev/kiln/internal/run"
	"github.com/kiln-dev/kiln/internal/state"
)

// commonFlags are accepted by every project command.
type commonFlags struct {
	projectDir    string
	profilesDir   string
	profile       string
	target        string
	vars          string
	targetPath    string
	threads       int
	selects       []string
	excludes      []string
	fullRefresh   bool
	failFast      bool
	warnError     bool
	noColor       bool
	quiet         bool // the command's output is data (ls): keep the log off stdout
	resourceTypes []string
	indirect      string
	// Selection by state and named selectors (see statectl.go).
	stateDir             string
	deferState           string
	deferOn              bool
	favorState           bool
	selectorName         string
	excludeResourceTypes []string
	// CI flags: --store-failures, --junit-xml, --log-format, ... (ci.go).
	ci ciFlags

	// --event-time-start/--event-time-end (run, build): microbatch range.
	eventTimeStart, eventTimeEnd string
	// seed --show: print a sample of each seed.
	show bool
	// --sample: an event-time window for refs and sources (sample.go).
	sample string
	// --empty: refs and sources read no rows (schema-only builds).
	empty, noEmpty bool
	// --no-store-failures undoes --store-failures / DBT_STORE_FAILURES.
	noStoreFailures bool
	// openEarly: the command will open the target whatever it selects, so
	// it opens while the project compiles (earlyopen.go).
	openEarly bool
}

// registerEmpty adds --empty/--no-empty (run, build, compile, snapshot, test).
func (f *commonFlags) registerEmpty(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.empty, "empty", false, "refs and sources read no rows: build and test every relation's SQL and schema without data (default: DBT_EMPTY)")
	cmd.Flags().BoolVar(&f.noEmpty, "no-empty", false, "undo --empty / DBT_EMPTY")
}

func (f *commonFlags) register(cmd *cobra.Command, selection bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.projectDir, "project-dir", "", "directory holding dbt_project.yml (default: DBT_PROJECT_DIR, else the nearest parent of the working directory that has one)")
	fl.StringVar(&f.profilesDir, "profiles-dir", "", "directory holding profiles.yml (default: DBT_PROFILES_DIR, the working directory, ~/.dbt, then the project directory)")
	fl.StringVar(&f.profile, "profile", "", "profile to use (default: the project's `profile:`)")
	fl.StringVarP(&f.target, "target", "t", "", "target within the profile (default: the profile's `target:`)")
	fl.StringVar(&f.vars, "vars", "", "variables as a YAML mapping, e.g. '{start_date: 2024-01-01}'")
	fl.StringVar(&f.targetPath, "target-path", "", "where artifacts go (default: the project's target-path, `target`)")
	if selection {
		fl.StringArrayVarP(&f.selects, "select", "s", nil, "nodes to include (dbt selection syntax; repeatable)")
		fl.StringArrayVarP(&f.selects, "models", "m", nil, "legacy alias of --select")
		_ = fl.MarkHidden("models")
		fl.StringArrayVar(&f.excludes, "exclude", nil, "nodes to leave out (dbt selection syntax; repeatable)")
		fl.StringSliceVar(&f.resourceTypes, "resource-type", nil, "only these resource types (model, seed, test, snapshot, source, analysis, exposure)")
		fl.StringSliceVar(&f.resourceTypes, "resource-types", nil, "alias of --resource-type")
		fl.StringVar(&f.indirect, "indirect-selection", "eager", "how tests of selected nodes are pulled in: eager, cautious, buildable, empty")
		f.registerState(cmd)
	}
}

func (f *commonFlags) registerExec(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&f.threads, "threads", 0, "parallel workers (default: the profile's threads)")
	fl.BoolVarP(&f.fullRefresh, "full-refresh", "f", false, "rebuild seeds (drop and recreate) and incremental models from scratch")
	f.registerCI(cmd, true)
	f.registerEmpty(cmd)
}

// session is a loaded project ready for a command.
type session struct {
	e         *env
	flags     *commonFlags
	dir       string
	proj      *project.Project
	profile   *project.Profile
	adapter   adapters.Adapter
	creds     adapters.Credentials
	target    map[string]any
	res       *compiler.Result
	targetDir string
	p         *run.Printer
	invID     string
	started   time.Time
	// --state, selectors.yml and the current fingerprints (statectl.go).
	state     *state.State
	selectors *selectorfile.File
	sidecar   *state.Sidecar
	// early is the target being opened while the project compiles
	// (earlyopen.go); openDB takes it, discardEarly closes it unused.
	// earlyMu guards it: docs generate opens from a worker (LazyDB).
	early   *earlyOpen
	earlyMu sync.Mutex
}

func (e *env) lookup(k string) string {
	v, _ := e.getenv(k)
	return v
}

// mergeGlobals fills the command's flags from the global ones (given
// before the subcommand, or flags only the root defines).
func (f *commonFlags) mergeGlobals(g *globalFlags) {
	if g == nil {
		return
	}
	f.failFast = pick(f.failFast || g.failFast, g.noFailFast, false)
	f.warnError = f.warnError || g.warnError
	f.noColor = f.noColor || g.noUseColors
	f.ci.debug = f.ci.debug || g.debug
	f.ci.warnErrorOptions = firstNonEmpty(f.ci.warnErrorOptions, g.warnErrorOptions)
	f.ci.logFormat = firstNonEmpty(f.ci.logFormat, g.logFormat)
	f.target = firstNonEmpty(f.target, g.target)
	f.profile = firstNonEmpty(f.profile, g.profile)
	f.profilesDir = firstNonEmpty(f.profilesDir, g.profilesDir)
	f.projectDir = firstNonEmpty(f.projectDir, g.projectDir)
	f.stateDir = firstNonEmpty(f.stateDir, g.state)
	f.deferState = firstNonEmpty(f.deferState, g.deferState)
	if f.indirect == "" || f.indirect == "eager" {
		f.indirect = firstNonEmpty(g.indirect, f.indirect)
	}
	f.deferOn = pick(f.deferOn || g.deferOn, g.noDefer, false)
	f.favorState = pick(f.favorState || g.favorState, g.noFavorState, false)
}

func newInvocationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// load finds and compiles the project; needProfile is false for commands
// that never touch the warehouse and can fall back to defaults.
func (e *env) load(ctx context.Context, f *commonFlags, which string) (*session, error) {
	return e.loadOpts(ctx, f, which, false)
}

// loadOpts is load; skipUnchanged lets the compile stop early when nothing
// changed since the last one (see compiler.Options.SkipIfUnchanged).
func (e *env) loadOpts(ctx context.Context, f *commonFlags, which string, skipUnchanged bool) (_ *session, err error) {
	f.mergeGlobals(e.g)
	s := &session{e: e, flags: f, invID: e.invID, started: e.started.UTC()}
	if s.invID == "" {
		s.invID, s.started = newInvocationID(), time.Now().UTC()
	}
	s.p = e.printer()
	if f.quiet && e.format != report.FormatJSON && e.log != nil {
		e.log.SetConsoleLevel(report.LevelWarn)
	}
	if err := s.applyCI(); err != nil {
		return nil, err
	}
	cliVars := map[string]any{}
	if strings.TrimSpace(f.vars) != "" {
		if err := yaml.Unmarshal([]byte(f.vars), &cliVars); err != nil {
			return nil, exitWith(ExitUsage, fmt.Errorf("--vars is not a YAML mapping: %v (example: --vars '{key: value}')", err))
		}
		cliVars = normalizeYAML(cliVars).(map[string]any)
	}
	dir, err := project.FindProjectDir(f.projectDir, e.lookup("DBT_PROJECT_DIR"), e.cwd)
	if err != nil {
		return nil, exitWith(ExitUsage, err)
	}
	s.dir = dir
	e.attachLogFile(dir)
	s.mainReport(which)
	proj, diags := compiler.LoadProject(dir, cliVars, e.getenv)
	if diags.HasErrors() {
		e.printDiags(diags)
		return nil, exitWith(ExitUsage, fmt.Errorf("could not load %s", filepath.Join(dir, "dbt_project.yml")))
	}
	e.printDiags(diags)
	if err := checkPackagesInstalled(dir, proj, e.getenv); err != nil {
		return nil, exitWith(ExitUsage, err)
	}
	s.proj = proj
	s.targetDir = proj.TargetPath
	if f.targetPath != "" {
		s.targetDir = f.targetPath
	} else if v := e.lookup("DBT_TARGET_PATH"); v != "" {
		s.targetDir = v
	}
	if s.targetDir == "" {
		s.targetDir = "target"
	}
	if !filepath.IsAbs(s.targetDir) {
		s.targetDir = filepath.Join(dir, s.targetDir)
	}

	profilesDir, looked := project.FindProfilesDir(f.profilesDir, e.lookup, e.cwd, dir, homeDir(e))
	profName := firstNonEmpty(f.profile, e.lookup("DBT_PROFILE"), proj.Profile)
	targetName := firstNonEmpty(f.target, e.lookup("DBT_TARGET"))
	prof, pd := compiler.LoadProfile(profilesDir, profName, targetName, cliVars, e.getenv)
	if pd.HasErrors() {
		e.printDiags(pd)
		if path := filepath.Join(profilesDir, "profiles.yml"); fileExists(path) {
			return nil, exitWith(ExitUsage, fmt.Errorf("could not use %s (see above); nothing was run", path))
		}
		return nil, exitWith(ExitUsage, fmt.Errorf("no profiles.yml found: looked in %s; create one, or pass --profiles-dir", strings.Join(looked, ", ")))
	}
	e.printDiags(pd)
	s.profile = prof
	typ, _ := prof.Output["type"].(string)
	a, ok := adapters.Lookup(typ)
	if !ok {
		return nil, exitWith(ExitUsage, fmt.Errorf("%s: target '%s' of profile '%s' has type '%s', which kiln does not support (available: %s)", prof.Path, prof.Target, prof.Name, typ, strings.Join(adapters.Types(), ", ")))
	}
	s.adapter = a
	s.creds = adapters.Credentials{Profile: prof.Name, Target: prof.Target, Fields: prof.Output, Dir: filepath.Dir(prof.Path)}
	s.target = a.TargetInfo(s.creds)
	threads := prof.Threads
	if f.threads > 0 {
		threads = f.threads
	}
	if threads <= 0 {
		threads = 1
	}
	s.target["name"] = prof.Target
	s.target["target_name"] = prof.Target
	s.target["profile_name"] = prof.Name
	s.target["threads"] = threads
	s.target["type"] = typ
	f.threads = threads
	if s.early = s.openEarly(ctx, which, threads); s.early != nil {
		defer func() {
			if err != nil {
				s.discardEarly()
			}
		}()
	}
	// dbt renders dbt_project.yml with the profile's target: read it again
	// now that the target is known, when it mentions target at all.
	if bytes.Contains(proj.Content, []byte("target")) {
		p2, d2 := compiler.LoadProjectForTarget(dir, cliVars, e.getenv, s.target)
		if d2.HasErrors() {
			e.printDiags(d2)
			return nil, exitWith(ExitUsage, fmt.Errorf("could not load %s", filepath.Join(dir, "dbt_project.yml")))
		}
		proj, s.proj = p2, p2
	}

	sample, err := parseSample(f.sample, time.Now())
	if err != nil {
		return nil, exitWith(ExitUsage, err)
	}
	opts := compiler.Options{
		ProjectDir: dir, Profile: prof, Project: proj, Target: s.target, AdapterType: typ,
		CLIVars: cliVars, Getenv: e.getenv, InvocationID: s.invID, RunStartedAt: s.started,
		CacheDir: s.cacheDir(), SkipIfUnchanged: skipUnchanged && s.cacheDir() != "",
		Incremental: which == "parse" && skipUnchanged && s.cacheDir() != "" && s.writeJSON(),
		Empty:       pick(f.empty, f.noEmpty, false), Sample: sample,
		Flags: map[string]any{"FULL_REFRESH": f.fullRefresh, "STORE_FAILURES": f.ci.storeFailures, "WHICH": which, "EMPTY": pick(f.empty, f.noEmpty, false), "WARN_ERROR": f.warnError},
		Log: func(msg string, info bool) {
			if info {
				s.p.Event("JinjaLogInfo", "I062", "info", msg, map[string]any{"msg": msg})
			} else {
				s.p.Event("JinjaLogDebug", "I063", "debug", msg, map[string]any{"msg": msg})
			}
		},
		Print: func(msg string) {
			if !e.g.noPrint {
				s.p.Print(msg)
			}
		},
	}
	res, err := compiler.Compile(ctx, opts)
	if err != nil {
		var ce *compiler.Error
		if errors.As(err, &ce) {
			e.printDiags(ce.Diags.Warnings())
			e.printDiags(ce.Diags.Errors())
			n := len(ce.Diags.Errors())
			return nil, exitWith(ExitUsage, fmt.Errorf("kiln found %d error%s in the project; nothing was run", n, map[bool]string{true: "", false: "s"}[n == 1]))
		}
		return nil, exitWith(ExitUsage, err)
	}
	e.printDiags(res.Diags)
	s.res = res
	if err := s.prepareSelection(); err != nil {
		return nil, err
	}
	return s, nil
}

// printer is a console printer whose lines go through the logger.
func (e *env) printer() *run.Printer {
	color := e.isTerminal
	if e.g != nil {
		color = pick(e.g.useColors, e.g.noUseColors, e.isTerminal)
	}
	p := run.NewPrinter(e.stdout, color && e.format != report.FormatJSON)
	if e.g != nil && e.g.printerWidth > 0 {
		p.Width = e.g.printerWidth
	}
	if e.log != nil {
		p.Events = e.log
	}
	return p
}

func homeDir(e *env) string {
	if h := e.lookup("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// normalizeYAML converts yaml.v3 decoded values to JSON-like Go values.
func normalizeYAML(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeYAML(x)
		}
		return t
	case map[any]any:
		out := map[string]any{}
		for k, x := range t {
			out[fmt.Sprint(k)] = normalizeYAML(x)
		}
		return out
	case []any:
		for i, x := range t {
			t[i] = normalizeYAML(x)
		}
		return t
	case int:
		return int64(t)
	}
	return v
}

// cacheDir is where the parse cache lives; "" with --no-partial-parse.
func (s *session) cacheDir() string {
	if s.e.g != nil && pick(s.e.g.partialParse, s.e.g.noPartialParse, true) == false {
		return ""
	}
	return s.targetDir
}

// writeJSON is --write-json/--no-write-json (DBT_WRITE_JSON): whether the
// JSON artifacts are written.
func (s *session) writeJSON() bool {
	return s.e.g == nil || pick(s.e.g.writeJSON, s.e.g.noWriteJSON, true)
}

// writeManifest writes target/manifest.json.
func (s *session) writeManifest() error {
	if !s.writeJSON() {
		return nil
	}
	if err := s.res.WriteManifest(filepath.Join(s.targetDir, "manifest.json")); err != nil {
		return err
	}
	if s.res.Incremental() {
		// Only models that render as before were rewritten: their
		// fingerprints (vars, env vars, macros) are the sidecar's already.
		return nil
	}
	return state.WriteSidecar(s.targetDir, s.fingerprints())
}

// writeManifestIfChanged skips rewriting manifest.json when no input changed
// since the compile that wrote it (ls, compile-less commands): at 10k
// models that write is most of the command's time.
func (s *session) writeManifestIfChanged() error {
	if _, err := os.Stat(filepath.Join(s.targetDir, "manifest.json")); err == nil && s.res.InputsUnchanged {
		return nil
	}
	return s.writeManifest()
}

// openDB connects to the target. Every command goes through it so a locked
// DuckDB file or an unreachable server reads the same everywhere (exit 2,
// nothing changed, no secret in the message).
func (s *session) openDB(ctx context.Context, threads int) (adapters.DB, error) {
	db, err, early := s.takeEarly(threads)
	if !early {
		db, err = s.adapter.Open(ctx, s.creds, threads)
	}
	if err == nil {
		return db, nil
	}
	if ctx.Err() != nil {
		// Ctrl-C while connecting (a slow or frozen server): an interrupt,
		// not a connection problem to fix in profiles.yml.
		return nil, exitWith(ExitInterrupt, fmt.Errorf("interrupted while connecting to target '%s'; nothing was changed", s.profile.Target))
	}
	var le *adapters.LockedError
	if errors.As(err, &le) {
		return nil, exitWith(ExitUsage, fmt.Errorf("%v\nClose the other program (or wait for the other kiln run) and try again; nothing was changed", le))
	}
	var ce *adapters.ConnectError
	if errors.As(err, &ce) {
		return nil, exitWith(ExitUsage, fmt.Errorf("%v\nCheck target '%s' in %s; nothing was changed", ce, s.profile.Target, s.profile.Path))
	}
	return nil, exitWith(ExitUsage, fmt.Errorf("could not open target '%s' (%s): %v", s.profile.Target, s.adapter.Type(), err))
}

// openLazy returns the target unopened: it connects (through openDB, so
// failures read the same) when a statement first needs it. compile and
// docs generate use it, as most projects compile without querying the
// warehouse and opening DuckDB costs more than the rest of a small compile.
// After a failure, lazy.OpenErr() is the error the command should return.
func (s *session) openLazy(ctx context.Context, threads int) *adapters.LazyDB {
	var d adapters.Dialect
	if dp, ok := s.adapter.(adapters.DialectProvider); ok {
		d = dp.Dialect()
	}
	return adapters.NewLazyDB(func(ctx context.Context) (adapters.DB, error) { return s.openDB(ctx, threads) }, d)
}

// openConn opens the target with one connection, for commands that run
// statements one at a time; close releases both.
func (s *session) openConn(ctx context.Context) (conn adapters.Conn, db adapters.DB, close func(), err error) {
	if db, err = s.openDB(ctx, 1); err != nil {
		return nil, nil, nil, err
	}
	if conn, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, nil, nil, exitWith(ExitUsage, err)
	}
	return conn, db, func() { conn.Close(); db.Close() }, nil
}

// found prints "Found 5 models, 3 seeds, ..." like dbt.
// concurrencyLine is dbt's ConcurrencyLine (Q027) after found()'s blank
// line: "Concurrency: 4 threads (target='dev')", before the nodes run.
func (s *session) concurrencyLine(nodes int) {
	s.p.Event("ConcurrencyLine", "Q027", "info", fmt.Sprintf("Concurrency: %d threads (target='%s')", s.flags.threads, s.profile.Target),
		map[string]any{"num_threads": s.flags.threads, "target_name": s.profile.Target, "node_count": nodes})
	s.p.Line("")
}

func (s *session) found() {
	counts := s.res.Counts
	if counts == nil {
		counts = s.res.Manifest.Counts()
	}
	var parts []string
	add := func(n int, singular, pluralS string) {
		if n == 0 {
			return
		}
		w := pluralS
		if n == 1 {
			w = singular
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, w))
	}
	add(counts[manifest.Model], "model", "models")
	add(counts[manifest.Snapshot], "snapshot", "snapshots")
	add(counts[manifest.Analysis], "analysis", "analyses")
	add(counts[manifest.Seed], "seed", "seeds")
	add(counts[manifest.Test], "data test", "data tests")
	add(counts[manifest.UnitTest], "unit test", "unit tests")
	add(counts[manifest.Source], "source", "sources")
	add(counts[manifest.Exposure], "exposure", "exposures")
	add(counts[manifest.Metric], "metric", "metrics")
	add(counts[manifest.Macro], "macro", "macros")
	add(counts[manifest.Group], "group", "groups")
	add(counts[manifest.SemanticModel], "semantic model", "semantic models")
	add(counts[manifest.SavedQuery], "saved query", "saved queries")
	s.p.Event("FoundStats", "W006", "info", "Found "+strings.Join(parts, ", "), map[string]any{"stat_line": strings.Join(parts, ", ")})
	s.p.Line("")
}

// adapterRegistered prints "Registered adapter: duckdb=1.4.1"
// (AdapterRegistered E034).
func (s *session) adapterRegistered(db adapters.DB) {
	s.p.Event("AdapterRegistered", "E034", "info", fmt.Sprintf("Registered adapter: %s=%s", s.adapter.Type(), db.Version()),
		map[string]any{"adapter_name": s.adapter.Type(), "adapter_version": "=" + db.Version()})
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// checkPackagesInstalled stops early, as dbt does, when packages.yml declares
// packages that are not in the packages folder: without them the project's
// macros are undefined, and the real cause would surface far from here.
func checkPackagesInstalled(dir string, proj *project.Project, getenv func(string) (string, bool)) error {
	sf, err := deps.ReadSpec(dir, "", compiler.StaticRender(getenv))
	if err != nil || len(sf.Packages) == 0 {
		return nil // a bad packages.yml is reported by `kiln deps`
	}
	installDir := proj.PackagesInstallPath
	if installDir == "" {
		installDir = "dbt_packages"
	}
	if !filepath.IsAbs(installDir) {
		installDir = filepath.Join(dir, installDir)
	}
	installed := 0
	entries, _ := os.ReadDir(installDir)
	for _, ent := range entries {
		// os.Stat follows a symlink: `local:` packages are installed as one.
		if st, err := os.Stat(filepath.Join(installDir, ent.Name())); err == nil && st.IsDir() && fileExists(filepath.Join(installDir, ent.Name(), "dbt_project.yml")) {
			installed++
		}
	}
	if installed < len(sf.Packages) {
		return fmt.Errorf("%s declares %d package%s but %d %s installed in %s; run `kiln deps` to install them",
			sf.File, len(sf.Packages), pl(len(sf.Packages)), installed, map[bool]string{true: "is", false: "are"}[installed == 1], installDir)
	}
	return nil
}

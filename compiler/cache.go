package compiler

// The parse cache remembers, per SQL file, what its parse render captured
// (refs, sources, config() calls) together with every input that render
// read, so an unchanged file is not rendered again on the next invocation.
//
// An entry is reused only when all of these are unchanged:
//   - the file's content and its base config (project tree + property YAML),
//   - the global key: kiln version and build (buildVersion), adapter type, target, package names,
//     dispatch orders and parse-time flags,
//   - the macros the file can reach: the text of every macro in the closure
//     of its (static) macro calls, and what each called name resolves to —
//     so editing one macro re-renders exactly the files that can call it,
//     and adding an override of a name they call re-renders them too,
//   - the value of every var() and env_var() the render read.
// Anything else (patches, tests, naming, linking) is recomputed each time
// from the cached render results, so the cache cannot make them stale.
// invocation_id and run_started_at are not part of the key: a model whose
// ref()/config() depend on the current time is cached like dbt's partial
// parsing does.

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/secret"
)

const cacheFile = "kiln_parse_cache.gob"

// cacheVersion changes whenever the entry format or render semantics change.
const cacheVersion = "kiln-" + Version + "-cache-5" // 5: every env var the compile read

type renderEntry struct {
	Key     string   // content + base config + global key
	Calls   []string // macro names the template calls (static)
	Macros  string   // hash of the macro closure of Calls
	Refs    []manifest.RefArgs
	Sources [][]string
	Config  map[string]any
	Vars    map[string]string // var name -> hash of its JSON value when rendered ("" = unset)
	Envs    map[string]string // env var -> hash of its value ("\x00" = unset)
}

type cacheData struct {
	Version     string
	Entries     map[string]*renderEntry // "package/path" -> entry
	Fingerprint string                  // every input of the compile that wrote this cache
	Counts      map[string]int
	// Envs are the env vars the compile read anywhere (property YAML,
	// packages, renders) -> hash of the value ("\x00" = unset).
	Envs map[string]string
}

// parseCache is the loaded cache plus what this run writes back.
type parseCache struct {
	path   string
	global string
	old    map[string]*renderEntry
	mu     sync.Mutex
	new    map[string]*renderEntry
	hits   int
	misses int

	closures sync.Map // "pkg\x00name" -> []string (resolution lines)

	oldFingerprint string
	fingerprint    string
	counts         map[string]int
	oldEnvs        map[string]string
	// baseFingerprint is the cache file's own; oldFingerprint is the
	// delta's when one applied (oldDelta: its entries).
	baseFingerprint string
	oldDelta        map[string]*renderEntry
	saved           bool // this run's entries were written

	// For the incremental manifest (incremental.go):
	frame      string                   // fingerprint of every input but model files' text
	modelFiles []modelFile              // every model file, with its content hash
	models     map[string]*indexedModel // how each model's base config was built
	envs       map[string]string        // env vars read by this compile -> value hash
}

func init() {
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register([]string{})
	gob.Register(map[string]string{})
	gob.Register(time.Time{})
}

func loadParseCache(dir string) *parseCache {
	c := &parseCache{path: filepath.Join(dir, cacheFile), new: map[string]*renderEntry{}}
	f, err := os.Open(c.path)
	if err != nil {
		return c
	}
	defer f.Close()
	var d cacheData
	if gob.NewDecoder(f).Decode(&d) == nil && d.Version == cacheVersion {
		c.old = d.Entries
		c.oldFingerprint = d.Fingerprint
		c.baseFingerprint = d.Fingerprint
		c.counts = d.Counts
		c.oldEnvs = d.Envs
		c.applyDelta()
	}
	return c
}

// The incremental manifest's fast path changes a few entries: instead of
// rewriting the whole cache (tens of ms at 10k files) it writes them to a
// delta file beside it, which applies to the cache it was based on.
const deltaFile = "kiln_parse_cache_delta.gob"

// maxDelta bounds the entries kept in the delta before the whole cache is
// written again.
const maxDelta = 256

type cacheDelta struct {
	Version     string
	Base        string // the fingerprint of the cache file it applies to
	Fingerprint string
	Counts      map[string]int
	Envs        map[string]string
	Entries     map[string]*renderEntry
}

func (c *parseCache) deltaPath() string { return filepath.Join(filepath.Dir(c.path), deltaFile) }

func (c *parseCache) applyDelta() {
	f, err := os.Open(c.deltaPath())
	if err != nil {
		return
	}
	defer f.Close()
	var d cacheDelta
	if gob.NewDecoder(f).Decode(&d) != nil || d.Version != cacheVersion || d.Base != c.baseFingerprint {
		return
	}
	for k, e := range d.Entries {
		c.old[k] = e
	}
	c.oldDelta = d.Entries
	c.oldFingerprint, c.counts, c.oldEnvs = d.Fingerprint, d.Counts, d.Envs
}

// saveDelta records this run's changed entries (keys) in the delta file,
// or writes the whole cache when the delta has grown large.
func (c *parseCache) saveDelta(keys []string) {
	entries := map[string]*renderEntry{}
	for k, e := range c.oldDelta {
		entries[k] = e
	}
	for _, k := range keys {
		entries[k] = c.new[k]
	}
	if len(entries) > maxDelta || c.baseFingerprint == "" {
		c.save(c.counts)
		return
	}
	var buf bytes.Buffer
	d := cacheDelta{Version: cacheVersion, Base: c.baseFingerprint, Fingerprint: c.fingerprint, Counts: c.counts, Envs: c.readEnvs(), Entries: entries}
	if gob.NewEncoder(&buf).Encode(d) != nil || secret.Contains(buf.Bytes()) {
		c.save(c.counts)
		return
	}
	tmp := c.deltaPath() + ".tmp"
	if os.WriteFile(tmp, buf.Bytes(), 0o644) == nil && os.Rename(tmp, c.deltaPath()) == nil {
		c.saved = true
	} else {
		os.Remove(tmp)
		c.save(c.counts)
	}
}

// setGlobal computes the key shared by every entry.
func (c *parseCache) setGlobal(r *Result, pkgs []*pkgFiles) {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(cacheVersion)
	w(buildVersion())
	w(r.opts.AdapterType)
	tj, _ := json.Marshal(r.opts.Target)
	w(string(tj))
	fl := map[string]any{}
	for k, v := range r.Flags {
		if k != "WHICH" {
			fl[k] = v
		}
	}
	fj, _ := json.Marshal(fl)
	w(string(fj))
	dj, _ := json.Marshal(r.Project.Dispatch)
	w(string(dj))
	for _, pf := range pkgs {
		w(pf.proj.Name)
	}
	c.global = hex.EncodeToString(h.Sum(nil))
}

func (c *parseCache) entryKey(content []byte, baseJSON []byte) string {
	h := sha256.New()
	h.Write([]byte(c.global))
	h.Write(content)
	h.Write(baseJSON)
	return hex.EncodeToString(h.Sum(nil))
}

// lookup returns a reusable entry for a file, or nil.
func (c *parseCache) lookup(r *Result, pkg, path, key string) *renderEntry {
	if c == nil || c.old == nil {
		return nil
	}
	e := c.old[pkg+"/"+path]
	if e == nil || e.Key != key || c.macroHash(r, pkg, e.Calls) != e.Macros {
		return nil
	}
	for name, val := range e.Vars {
		if varJSON(r, pkg, name) != val {
			return nil
		}
	}
	for name, val := range e.Envs {
		if envValue(r, name) != val {
			return nil
		}
	}
	return e
}

func varJSON(r *Result, pkg, name string) string {
	v, ok := r.vars.lookup(pkg, name)
	if !ok {
		return ""
	}
	b, _ := json.Marshal(v)
	return "=" + valueHash(string(b))
}

func envValue(r *Result, name string) string {
	v, ok := r.opts.Getenv(name)
	if !ok {
		return "\x00"
	}
	return valueHash(v)
}

// valueHash stands for a var or env var value in the cache file, which
// must never hold the value itself (a token, a password).
func valueHash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func (c *parseCache) store(pkg, path string, e *renderEntry, hit bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.new[pkg+"/"+path] = e
	if hit {
		c.hits++
	} else {
		c.misses++
	}
	c.mu.Unlock()
}

// reset forgets what this run stored (the incremental attempt's renders).
func (c *parseCache) reset() {
	c.mu.Lock()
	c.new, c.hits, c.misses, c.models = map[string]*renderEntry{}, 0, 0, nil
	c.mu.Unlock()
	c.closures = sync.Map{}
}

// save writes the entries of this run (dropping files that disappeared).
func (c *parseCache) save(counts map[string]int) {
	if c == nil {
		return
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cacheData{Version: cacheVersion, Entries: c.new, Fingerprint: c.fingerprint, Counts: counts, Envs: c.readEnvs()}); err != nil {
		return // an unencodable config value: run without a cache rather than a wrong one
	}
	// A delta applies to the cache it was based on: gone with it. A delta
	// that cannot be removed must not meet the new cache (it could carry
	// a fingerprint of inputs this cache does not describe).
	if err := os.Remove(c.deltaPath()); err != nil && !os.IsNotExist(err) {
		os.Remove(c.path)
		return
	}
	if secret.Contains(buf.Bytes()) {
		// A secret reached a captured value (e.g. --vars given a token):
		// the binary cache cannot be masked, so it is not kept at all.
		os.Remove(c.path)
		return
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return
	}
	tmp := c.path + ".tmp"
	// The cache only saves time: a failed write (a full disk) leaves the
	// old cache or none, never a truncated one, and the next parse renders.
	if os.WriteFile(tmp, buf.Bytes(), 0o644) == nil && os.Rename(tmp, c.path) == nil {
		c.saved = true
	} else {
		os.Remove(tmp)
	}
}

// CacheStats reports how many SQL files were rendered and reused.
type CacheStats struct{ Rendered, Reused int }

// CacheStats returns this compile's parse-cache counts.
func (r *Result) CacheStats() CacheStats {
	if r.cache == nil {
		return CacheStats{}
	}
	return CacheStats{Rendered: r.cache.misses, Reused: r.cache.hits}
}

func sortedMapKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// inputFingerprint hashes everything a compile reads: the global key, every
// discovered file of every package, the project files, CLI vars and the
// profile target (inside the global key). It also sets the frame, the same
// hash without the text of model files, and lists the model files with
// their content hashes (the incremental manifest compares those).
func (c *parseCache) inputFingerprint(r *Result, pkgs []*pkgFiles) string {
	h, fr := sha256.New(), sha256.New()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}); fr.Write([]byte(s)); fr.Write([]byte{0}) }
	w(c.global)
	cv, _ := json.Marshal(r.opts.CLIVars)
	w(string(cv))
	c.modelFiles = c.modelFiles[:0]
	for _, pf := range pkgs {
		w(pf.proj.Dir)
		pj, _ := json.Marshal(pf.proj) // rendered values too: env_var() in dbt_project.yml
		w(string(pj))
		for li, list := range [][]project.File{pf.files.Models, pf.files.Seeds, pf.files.Macros, pf.files.SingularTests,
			pf.files.GenericTests, pf.files.Snapshots, pf.files.Analyses, pf.files.Docs, pf.files.Properties, pf.files.Fixtures} {
			for _, f := range list {
				w(f.Path)
				if f.Content == nil {
					w(f.Abs) // large seeds: not read; their checksum is the path, as dbt's
					continue
				}
				sum := sha256.Sum256(f.Content)
				h.Write(sum[:])
				h.Write([]byte{0})
				if li == 0 {
					c.modelFiles = append(c.modelFiles, modelFile{key: pf.proj.Name + "/" + f.Path, pf: pf, file: f, hash: string(sum[:])})
				} else {
					fr.Write(sum[:])
					fr.Write([]byte{0})
				}
			}
		}
	}
	// selectors.yml is copied into manifest.json (selectors).
	sel, err := os.ReadFile(filepath.Join(r.Project.Dir, "selectors.yml"))
	if err != nil {
		sel = []byte("\x00none")
	}
	fr.Write(sel)
	c.frame = hex.EncodeToString(fr.Sum(nil))
	return hex.EncodeToString(h.Sum(nil))
}

// unchanged reports whether the last compile saw exactly these inputs,
// including the values of every env var any render read.
func (c *parseCache) unchanged(r *Result) bool {
	if c.oldFingerprint == "" || c.oldFingerprint != c.fingerprint || c.counts == nil {
		return false
	}
	for _, e := range c.old {
		for name, val := range e.Envs {
			if envValue(r, name) != val {
				return false
			}
		}
	}
	for name, val := range c.oldEnvs {
		if envValue(r, name) != val {
			return false
		}
	}
	return true
}

// readEnvs copies the env vars this compile has read so far.
func (c *parseCache) readEnvs() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.envs))
	for k, v := range c.envs {
		out[k] = v
	}
	return out
}

// macroHash hashes what a file's macro calls can reach from package pkg.
func (c *parseCache) macroHash(r *Result, pkg string, calls []string) string {
	if len(calls) == 0 {
		return ""
	}
	set := map[string]bool{}
	for _, name := range calls {
		for _, l := range c.closure(r, pkg, name) {
			set[l] = true
		}
	}
	lines := sortedMapKeys(set)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// closure lists, for one call, every name resolution and macro body it can
// reach (including any adapter.dispatch implementation), memoised.
func (c *parseCache) closure(r *Result, pkg, name string) []string {
	key := pkg + "\x00" + name
	if v, ok := c.closures.Load(key); ok {
		return v.([]string)
	}
	var lines []string
	seen := map[string]bool{}
	var visit func(fromPkg, name string)
	visit = func(fromPkg, name string) {
		k := fromPkg + ":" + name
		if seen[k] {
			return
		}
		seen[k] = true
		m, ok := r.Env.ResolveMacro(fromPkg, name)
		if !ok {
			lines = append(lines, k+"->none")
		} else {
			lines = append(lines, k+"->"+m.Package+"."+m.Name, "sql:"+m.Package+"."+m.Name+"\x00"+m.SQL)
			for _, d := range m.DependsOn {
				visit(m.Package, d)
			}
		}
		base := name
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			base = name[i+1:]
		}
		for _, d := range r.Env.DispatchImplementations(base) {
			id := d.Package + "." + d.Name
			if !seen["impl:"+id] {
				seen["impl:"+id] = true
				lines = append(lines, "sql:"+id+"\x00"+d.SQL)
				for _, dd := range d.DependsOn {
					visit(d.Package, dd)
				}
			}
		}
	}
	visit(pkg, name)
	c.closures.Store(key, lines)
	return lines
}

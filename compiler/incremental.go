package compiler

// The incremental manifest: when the only inputs that changed since the
// last parse are the SQL text of a few models, and each of them renders to
// exactly what it rendered before (the same refs, sources, config() calls,
// macro calls, vars and env vars), then every byte of manifest.json except
// those models' raw_code and checksum is what a full parse would write
// again: nothing else in the manifest reads a model's text. `kiln parse`
// then renders only those files and rewrites only those bytes of the
// previous manifest.json (manifest.SpliceManifest), instead of parsing the
// property YAML, building the tests, linking and encoding 50 MB again.
//
// target/kiln_manifest_index.bin holds what that needs: where each model's
// entry lies in manifest.json, each model file's content hash and what its
// base config came from, and a hash of every other input (the frame); the
// parse cache holds the env vars the compile read. Any other change — a
// property file, a macro, dbt_project.yml, vars, an env var, a profile, a
// file added or removed, a model whose refs or config() change — takes the
// full path, which writes the index again. The index keeps the full parse's
// warnings, which the fast path reports again (it falls back when one is
// about a changed file), and is trusted only while manifest.json has the
// size and modification time it was written with. Masked secrets can move
// bytes: the layout is kept only when the file has the size it predicts,
// and a splice first checks the bytes around every edit.

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

const indexFile = "kiln_manifest_index.bin"

// maxIncremental bounds the changed models the fast path takes on; beyond
// it the full parse is as cheap.
const maxIncremental = 64

type manifestIndex struct {
	CacheFingerprint string // the parse cache's, when manifest.json was written
	Frame            string // every input but the text of model files
	ManifestSize     int64
	ManifestModTime  int64
	MetaEnd          int64          // where manifest.json's metadata object ends
	Models           []indexedModel // every model file
	// Diags are the full parse's warnings: the fast path reports them
	// again, unless one is about a file it re-renders.
	Diags diag.List
	byKey map[string]int
}

// indexedModel is one model file. ID is empty for a file the fast path
// cannot take (a versioned model, one that did not become a node); Span is
// where its entry lies in manifest.json.
type indexedModel struct {
	Key      string // "package/path"
	Hash     string
	ID       string
	Patch    []byte // gob of modelPatch; nil when no property entry adds config
	BaseHash string // hash of the base config's JSON, to check the rebuilt one
	Span     manifest.Span
}

func (idx *manifestIndex) model(key string) *indexedModel {
	if idx.byKey == nil {
		idx.byKey = make(map[string]int, len(idx.Models))
		for i := range idx.Models {
			idx.byKey[idx.Models[i].Key] = i
		}
	}
	if i, ok := idx.byKey[key]; ok {
		return &idx.Models[i]
	}
	return nil
}

// modelPatch is what a property-file entry adds to a model's base config
// (see configFor), kept so the base can be rebuilt without the YAML.
type modelPatch struct {
	Legacy map[string]any
	Config map[string]any
}

// modelFile is one model file as this compile found it.
type modelFile struct {
	key  string // "package/path"
	pf   *pkgFiles
	file project.File
	hash string
}

// recordModel notes how a model file's base config was built.
func (c *parseCache) recordModel(pkg, path, id string, patch *project.NodePatch, baseJSON []byte) {
	if c == nil {
		return
	}
	im := &indexedModel{ID: id, BaseHash: valueHash(string(baseJSON))}
	if patch != nil {
		legacy := patchLegacy(patch)
		if len(legacy) > 0 || len(patch.Config) > 0 {
			var buf bytes.Buffer
			if gob.NewEncoder(&buf).Encode(modelPatch{Legacy: legacy, Config: patch.Config}) != nil {
				im.ID = "" // cannot be rebuilt: never take the fast path for it
			}
			im.Patch = buf.Bytes()
		}
	}
	c.mu.Lock()
	if c.models == nil {
		c.models = map[string]*indexedModel{}
	}
	c.models[pkg+"/"+path] = im
	c.mu.Unlock()
}

// patchLegacy is the config a property entry sets through its top-level
// keys (tags, meta, docs, access, group).
func patchLegacy(patch *project.NodePatch) map[string]any {
	legacy := map[string]any{}
	if len(patch.Tags) > 0 {
		legacy["tags"] = toAnyList(patch.Tags)
	}
	if len(patch.Meta) > 0 {
		legacy["meta"] = patch.Meta
	}
	if len(patch.Docs) > 0 {
		legacy["docs"] = patch.Docs
	}
	if patch.Access != "" {
		legacy["access"] = patch.Access
	}
	if patch.Group != "" {
		legacy["group"] = patch.Group
	}
	return legacy
}

// recordingGetenv wraps getenv so the cache learns every env var the
// compile reads, wherever it is read (YAML, hooks, renders).
func (c *parseCache) recordingGetenv(getenv func(string) (string, bool)) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := getenv(name)
		h := "\x00"
		if ok {
			h = valueHash(v)
		}
		c.mu.Lock()
		if c.envs == nil {
			c.envs = map[string]string{}
		}
		c.envs[name] = h
		c.mu.Unlock()
		return v, ok
	}
}

// The index is read on every parse after an edit and written after it: a
// flat binary form (tens of thousands of short strings) instead of gob,
// which spent ~15 ms each way on it at 10k models.
const indexMagic = "kiln-manifest-index\x00"

func (idx *manifestIndex) encode() []byte {
	b := make([]byte, 0, 256*len(idx.Models))
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	num := func(x int64) { b = binary.AppendVarint(b, x) }
	str(indexMagic + cacheVersion)
	str(idx.CacheFingerprint)
	str(idx.Frame)
	num(idx.ManifestSize)
	num(idx.ManifestModTime)
	num(idx.MetaEnd)
	num(int64(len(idx.Diags)))
	for _, d := range idx.Diags {
		num(int64(d.Severity))
		str(d.Code)
		str(d.Pos.File)
		num(int64(d.Pos.Line))
		num(int64(d.Pos.Col))
		str(d.Message)
		str(d.Suggestion)
		num(int64(len(d.Notes)))
		for _, n := range d.Notes {
			str(n)
		}
	}
	num(int64(len(idx.Models)))
	for _, m := range idx.Models {
		str(m.Key)
		str(m.Hash)
		str(m.ID)
		str(string(m.Patch))
		str(m.BaseHash)
		for _, x := range [6]int64{m.Span.Start, m.Span.End, m.Span.Checksum, m.Span.ChecksumEnd, m.Span.Raw, m.Span.RawEnd} {
			num(x)
		}
	}
	return b
}

func decodeIndex(b []byte) *manifestIndex {
	bad := false
	num := func() int64 {
		x, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return x
	}
	str := func() string {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			bad = true
			return ""
		}
		s := string(b[n : n+int(l)])
		b = b[n+int(l):]
		return s
	}
	if str() != indexMagic+cacheVersion || bad {
		return nil
	}
	idx := &manifestIndex{CacheFingerprint: str(), Frame: str()}
	idx.ManifestSize, idx.ManifestModTime, idx.MetaEnd = num(), num(), num()
	nd := num()
	if bad || nd < 0 || nd > int64(len(b)) {
		return nil
	}
	for i := int64(0); i < nd; i++ {
		d := diag.Diagnostic{Severity: diag.Severity(num()), Code: str()}
		d.Pos = diag.Pos{File: str(), Line: int(num()), Col: int(num())}
		d.Message, d.Suggestion = str(), str()
		nn := num()
		if bad || nn < 0 || nn > int64(len(b)) {
			return nil
		}
		for j := int64(0); j < nn; j++ {
			d.Notes = append(d.Notes, str())
		}
		idx.Diags = append(idx.Diags, d)
	}
	n := num()
	if bad || n < 0 || n > int64(len(b)) {
		return nil
	}
	idx.Models = make([]indexedModel, n)
	for i := range idx.Models {
		m := &idx.Models[i]
		m.Key, m.Hash, m.ID = str(), str(), str()
		if p := str(); p != "" {
			m.Patch = []byte(p)
		}
		m.BaseHash = str()
		m.Span = manifest.Span{Start: num(), End: num(), Checksum: num(), ChecksumEnd: num(), Raw: num(), RawEnd: num()}
		if bad {
			return nil
		}
	}
	if len(b) != 0 {
		return nil
	}
	return idx
}

func loadIndex(dir string) *manifestIndex {
	b, err := os.ReadFile(filepath.Join(dir, indexFile))
	if err != nil {
		return nil
	}
	return decodeIndex(b)
}

func saveIndex(dir string, idx *manifestIndex) {
	path := filepath.Join(dir, indexFile)
	tmp := path + ".tmp"
	if os.WriteFile(tmp, idx.encode(), 0o644) == nil && os.Rename(tmp, path) == nil {
		return
	}
	os.Remove(tmp)
	os.Remove(path)
}

// incrementalPlan is what the fast path found: the models to rewrite.
type incrementalPlan struct {
	idx     *manifestIndex
	patches []manifest.CodePatch
	changed []modelFile
}

// tryIncremental takes the fast path when it can: it renders the changed
// model files and, when each renders as before, plans the splice and
// saves the parse cache. false: compile in full (nothing was changed).
func (r *Result) tryIncremental(b *builder) bool {
	c := r.cache
	if !r.opts.Incremental || c == nil || c.old == nil {
		return false
	}
	idx := loadIndex(r.opts.CacheDir)
	if idx == nil || idx.CacheFingerprint != c.oldFingerprint || idx.Frame != c.frame {
		return false
	}
	st, err := os.Stat(filepath.Join(r.opts.CacheDir, "manifest.json"))
	if err != nil || st.Size() != idx.ManifestSize || st.ModTime().UnixNano() != idx.ManifestModTime {
		return false
	}
	for name, h := range c.oldEnvs {
		if envValue(r, name) != h {
			return false
		}
	}
	var changed []modelFile
	for _, mf := range c.modelFiles {
		im := idx.model(mf.key)
		if im == nil {
			return false
		}
		if im.Hash == mf.hash {
			continue
		}
		if im.ID == "" || len(changed) == maxIncremental {
			return false
		}
		changed = append(changed, mf)
	}
	if len(changed) == 0 || !diagsSpare(idx.Diags, changed) {
		return false
	}
	// Macros and docs are all a model's render can reach besides its own
	// config; property files are not read.
	for _, pf := range b.pkgs {
		b.loadMacros(pf)
		b.loadDocs(pf)
	}
	if len(b.diags) > 0 {
		return false
	}
	plan := &incrementalPlan{idx: idx, changed: changed}
	for _, mf := range changed {
		p, f, im := mf.pf.proj, mf.file, idx.model(mf.key)
		if strings.HasSuffix(f.Path, ".py") || notUTF8(p, f) != nil || len(bytes.TrimSpace(f.Content)) == 0 {
			return false
		}
		fqn, rel := fqnFor(p.Name, f.Path, p.ModelPaths)
		n := newSQLNode(p, modelKind, f, fqn, rel)
		if n.UniqueID != im.ID {
			return false
		}
		base := b.configFor(p, modelKind, fqn, nil)
		if im.Patch != nil {
			var mp modelPatch
			if gob.NewDecoder(bytes.NewReader(im.Patch)).Decode(&mp) != nil {
				return false
			}
			base = project.MergeConfig(project.MergeConfig(base, mp.Legacy), mp.Config)
		}
		bj, _ := json.Marshal(base)
		if valueHash(string(bj)) != im.BaseHash {
			return false
		}
		res, d := b.renderSQL(p, n, f, base, bj)
		if d != nil || len(b.diags) > 0 {
			return false
		}
		if res.config != nil && len(b.checkInFileConfig(modelKind, n, res.config)) > 0 {
			return false
		}
		c.mu.Lock()
		before, after := c.old[mf.key], c.new[mf.key]
		c.mu.Unlock()
		if before == nil || after == nil || !sameRender(before, after) {
			return false
		}
		plan.patches = append(plan.patches, manifest.CodePatch{ID: im.ID, Span: im.Span, Checksum: n.Checksum, RawCode: n.RawCode})
	}
	// Every other entry of the cache stays as it is.
	for k, e := range c.old {
		if _, ok := c.new[k]; !ok {
			c.new[k] = e
			c.hits++
		}
	}
	// The previous compile's env var reads (property YAML among them) are
	// still this one's: carry them over for the next check.
	c.mu.Lock()
	if c.envs == nil {
		c.envs = map[string]string{}
	}
	for k, v := range c.oldEnvs {
		if _, ok := c.envs[k]; !ok {
			c.envs[k] = v
		}
	}
	c.mu.Unlock()
	b.fillMetadata()
	r.Counts = c.counts
	r.Diags = idx.Diags
	r.incr = plan
	keys := make([]string, len(changed))
	for i, mf := range changed {
		keys[i] = mf.key
	}
	c.saveDelta(keys)
	return c.saved
}

// sameRender reports whether two renders of a file captured the same
// things. Both go through gob so that nil and empty compare alike, as
// they would after the cache is read back.
func sameRender(a, b *renderEntry) bool {
	norm := func(e *renderEntry) *renderEntry {
		x := *e
		x.Key = ""
		var buf bytes.Buffer
		if gob.NewEncoder(&buf).Encode(&x) != nil {
			return nil
		}
		var y renderEntry
		if gob.NewDecoder(&buf).Decode(&y) != nil {
			return nil
		}
		return &y
	}
	x, y := norm(a), norm(b)
	return x != nil && y != nil && reflect.DeepEqual(x, y)
}

// Incremental reports whether this compile took the fast path: only
// WriteManifest may be called then (Manifest holds no nodes).
func (r *Result) Incremental() bool { return r.incr != nil }

// WriteManifest writes manifest.json at path. After a full compile with
// the parse cache it also writes the index the next parse's fast path
// reads; after the fast path it rewrites the changed models' bytes.
func (r *Result) WriteManifest(path string) error {
	if r.incr != nil {
		return r.writeSpliced(path)
	}
	c := r.cache
	if c == nil || !r.indexable(path) {
		if c == nil {
			return r.Manifest.WriteManifest(path)
		}
		os.Remove(filepath.Join(r.opts.CacheDir, indexFile))
		if err := r.Manifest.WriteManifest(path); err != nil {
			r.writeFailed()
			return err
		}
		return nil
	}
	ids := map[string]bool{}
	for _, im := range c.models {
		if im.ID != "" {
			ids[im.ID] = true
		}
	}
	layout, err := r.Manifest.WriteManifestLayout(path, func(n *manifest.Node) bool {
		return n.ResourceType == manifest.Model && ids[n.UniqueID]
	})
	if err != nil {
		r.writeFailed()
		return err
	}
	idx := &manifestIndex{CacheFingerprint: c.fingerprint, Frame: c.frame, MetaEnd: layout.MetaEnd, Diags: r.Diags,
		Models: make([]indexedModel, len(c.modelFiles))}
	for i, mf := range c.modelFiles {
		im := indexedModel{Key: mf.key, Hash: mf.hash}
		// The node must be this file's: a disabled model can share the
		// unique_id of the enabled one laid out.
		if rec := c.models[mf.key]; rec != nil && ids[rec.ID] && ownNode(r.Manifest.Nodes[rec.ID], mf) {
			if sp, laid := layout.Nodes[rec.ID]; laid {
				im.ID, im.Patch, im.BaseHash, im.Span = rec.ID, rec.Patch, rec.BaseHash, sp
			}
		}
		idx.Models[i] = im
	}
	r.finishIndex(path, idx, layout.Size)
	return nil
}

// diagsSpare reports whether no warning of the full parse is about one of
// the changed files (its position, notes or text name the file): those
// could move or go away, the others stand.
func diagsSpare(ds diag.List, changed []modelFile) bool {
	for _, d := range ds {
		for _, mf := range changed {
			p := mf.file.Path
			if strings.Contains(d.Pos.File, p) || strings.Contains(d.Message, p) || strings.Contains(d.Suggestion, p) {
				return false
			}
			for _, n := range d.Notes {
				if strings.Contains(n, p) {
					return false
				}
			}
		}
	}
	return true
}

func ownNode(n *manifest.Node, mf modelFile) bool {
	return n != nil && n.PackageName == mf.pf.proj.Name && n.OriginalFilePath == mf.file.Path
}

// writeFailed forgets the index and the parse cache after manifest.json
// could not be written: the cache was saved by the compile and would
// otherwise tell the next parse that the old manifest.json is up to date.
func (r *Result) writeFailed() {
	os.Remove(filepath.Join(r.opts.CacheDir, indexFile))
	os.Remove(r.cache.deltaPath())
	os.Remove(r.cache.path)
}

// indexable: a manifest the fast path may start from.
func (r *Result) indexable(path string) bool {
	c := r.cache
	if !c.saved || r.Diags.HasErrors() || filepath.Clean(path) != filepath.Join(r.opts.CacheDir, "manifest.json") {
		return false
	}
	for _, n := range r.Manifest.Nodes {
		if n.Compiled {
			return false // compile's manifest holds compiled code, a parse's does not
		}
	}
	return true
}

func (r *Result) writeSpliced(path string) error {
	p := r.incr
	idx := p.idx
	sp, err := manifest.SpliceManifest(path, idx.ManifestSize, idx.MetaEnd, r.Manifest.HeaderMetadata(), p.patches)
	if err != nil {
		r.writeFailed()
		return err
	}
	idx.CacheFingerprint = r.cache.fingerprint
	idx.MetaEnd = sp.MetaEnd
	for i := range idx.Models {
		if m := &idx.Models[i]; m.ID != "" {
			m.Span = sp.ShiftSpan(m.Span)
		}
	}
	for _, mf := range p.changed {
		idx.model(mf.key).Hash = mf.hash
	}
	r.finishIndex(path, idx, sp.Size)
	return nil
}

// finishIndex stamps the index with the written manifest.json, which must
// have the size its layout predicts, and saves it.
func (r *Result) finishIndex(path string, idx *manifestIndex, size int64) {
	st, err := os.Stat(path)
	if err != nil || st.Size() != size {
		os.Remove(filepath.Join(r.opts.CacheDir, indexFile))
		return
	}
	idx.ManifestSize, idx.ManifestModTime = st.Size(), st.ModTime().UnixNano()
	saveIndex(r.opts.CacheDir, idx)
}

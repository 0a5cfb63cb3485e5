package docs

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// siteFS is the part of target/ that `kiln docs serve` may hand out: the
// pages and data kiln docs generate writes (index.html, static_index.html,
// kiln-docs/), the artifacts dbt-docs reads (manifest.json, catalog.json)
// and the copied asset-paths. target/ also holds the parse cache,
// kiln_state.json, run_results.json and compiled SQL, which are not the
// site's business; a symlink is followed only when it stays inside target/
// and lands on a served file.
type siteFS struct {
	dir   string
	roots map[string]bool // first path segments served as trees
	files map[string]bool // top-level files served
}

func newSiteFS(dir string, assetRoots []string) *siteFS {
	s := &siteFS{dir: dir,
		roots: map[string]bool{AssetDir: true},
		files: map[string]bool{"index.html": true, "static_index.html": true, "manifest.json": true, "catalog.json": true}}
	for _, a := range assetRoots {
		first := strings.Split(path.Clean(filepath.ToSlash(a)), "/")[0]
		if first != "" && first != "." && first != ".." {
			s.roots[first] = true
		}
	}
	return s
}

// allowed reports whether a slash-separated path relative to dir is served.
func (s *siteFS) allowed(rel string) bool {
	if rel == "" || rel == "." {
		return true // the root directory: serves index.html
	}
	first, rest, nested := strings.Cut(rel, "/")
	if !nested {
		return s.files[first] || s.roots[first]
	}
	return s.roots[first] && rest != ""
}

func (s *siteFS) Open(name string) (http.File, error) {
	rel := strings.TrimPrefix(path.Clean("/"+name), "/")
	if !s.allowed(rel) {
		return nil, os.ErrNotExist
	}
	full := filepath.Join(s.dir, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return nil, os.ErrNotExist
	}
	base, err := filepath.EvalSymlinks(s.dir)
	if err != nil {
		return nil, os.ErrNotExist
	}
	realRel, err := filepath.Rel(base, real)
	if err != nil || realRel == ".." || strings.HasPrefix(realRel, ".."+string(filepath.Separator)) || !s.allowed(filepath.ToSlash(realRel)) {
		return nil, os.ErrNotExist // a symlink leaving target/, or onto a file that is not served
	}
	return os.Open(real)
}

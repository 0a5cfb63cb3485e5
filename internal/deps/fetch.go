package deps

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// hubIndex is the hub's per-package document, <hub>/api/v1/<org>/<name>.json.
type hubIndex struct {
	Versions map[string]*hubVersion `json:"versions"`
}

type hubVersion struct {
	Name      string `json:"name"`
	Downloads struct {
		Tarball string `json:"tarball"`
	} `json:"downloads"`
	Packages []struct {
		Package string     `json:"package"`
		Version stringList `json:"version"`
	} `json:"packages"`
}

// stringList accepts a string or a list of strings.
type stringList struct{ list []string }

func (s *stringList) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		return json.Unmarshal(b, &s.list)
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	s.list = []string{one}
	return nil
}

func (r *resolver) get(url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.o.HTTP.Do(req)
	if err != nil {
		return nil, &NetError{URL: url, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &NetError{URL: url, Status: resp.Status}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &NetError{URL: url, Err: err}
	}
	return b, nil
}

// NetError is a failed download.
type NetError struct {
	URL    string
	Status string
	Err    error
}

func (e *NetError) Error() string {
	if e.Status != "" {
		return fmt.Sprintf("GET %s: the server answered %s", e.URL, e.Status)
	}
	err := e.Err
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error repeats the URL
	}
	return fmt.Sprintf("kiln could not reach %s: %v — check the network connection (or set DBT_PACKAGE_HUB_URL to a reachable package hub)", e.URL, err)
}

func (r *resolver) index(name string) (*hubIndex, error) {
	if idx, ok := r.hubIdx[name]; ok {
		return idx, nil
	}
	url := strings.TrimRight(r.o.HubURL, "/") + "/api/v1/" + name + ".json"
	b, err := r.get(url)
	var ne *NetError
	if errors.As(err, &ne) && strings.HasPrefix(ne.Status, "404") {
		return nil, fmt.Errorf("package %s is not on the package hub (%s answered 404) — check the org/name spelling", name, url)
	}
	if err != nil {
		return nil, err
	}
	idx := &hubIndex{}
	if err := json.Unmarshal(b, idx); err != nil {
		return nil, fmt.Errorf("%s is not a package hub document: %v", url, err)
	}
	r.hubIdx[name] = idx
	return idx, nil
}

func (r *resolver) downloadHub(p *Package) error {
	if p.tarball == "" {
		return fmt.Errorf("the package hub lists no tarball for %s %s", p.Spec.Source, p.Version)
	}
	b, err := r.get(p.tarball)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(r.work, "hub-")
	if err != nil {
		return err
	}
	if err := extract(b, dir); err != nil {
		return fmt.Errorf("%s %s (%s): %v", p.Spec.Source, p.Version, p.tarball, err)
	}
	proj, ds := project.LoadProject(dir, r.o.Render)
	if ds.HasErrors() {
		return fmt.Errorf("package %s %s: %w", p.Spec.Source, p.Version, ds.Errors())
	}
	p.dir, p.Name = dir, proj.Name
	return nil
}

// extract unpacks a .tar.gz whose entries sit under one top-level
// directory (as GitHub archives do) into dir, without that directory.
func extract(b []byte, dir string) error {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("not a gzip archive: %v", err)
	}
	tr := tar.NewReader(gz)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("bad tar archive: %v", err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		i := strings.IndexByte(name, '/')
		if i < 0 {
			continue // the top-level directory itself (or pax headers)
		}
		rel := name[i+1:]
		if rel == "" || strings.HasPrefix(rel, "../") || rel == ".." || path.IsAbs(rel) {
			return fmt.Errorf("archive entry %q escapes the package directory", h.Name)
		}
		out := filepath.Join(dir, filepath.FromSlash(rel))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(out, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(out), 0o755); err == nil {
				var f *os.File
				if f, err = os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644); err == nil {
					_, err = io.Copy(f, tr)
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
			}
			n++
		default:
			// links and devices are never needed by a dbt package
		}
		if err != nil {
			return err
		}
	}
	if n == 0 {
		return fmt.Errorf("the archive holds no files")
	}
	return nil
}

// clone fetches a git package with the git binary and returns the package
// directory (the subdirectory, if any) and the checked-out commit.
func (r *resolver) clone(s Spec) (string, string, error) {
	dir, err := os.MkdirTemp(r.work, "git-")
	if err != nil {
		return "", "", err
	}
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(r.ctx, "git", args...)
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(errb.String())
			if msg == "" {
				msg = err.Error()
			}
			return "", fmt.Errorf("%s", msg)
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := exec.LookPath("git"); err != nil {
		return "", "", diag.Diagnostic{Severity: diag.Error, Code: "no-git", Pos: s.Pos,
			Message: "git packages need the git program, which is not on PATH", Suggestion: "install git, or use a hub or local package"}
	}
	// Every argument that comes from the project goes after "--" (the
	// revision, which git checkout cannot take there, is refused by
	// parseEntry when it starts with "-"), so a URL is never read as an
	// option (`--upload-pack=...` would run a program).
	if _, err := git("clone", "--quiet", "--", s.Source, dir); err != nil {
		return "", "", diag.Diagnostic{Severity: diag.Error, Code: "git-clone", Pos: s.Pos,
			Message:    fmt.Sprintf("kiln could not clone %s: %s", s.Display(), s.scrubbed(err.Error())),
			Suggestion: "check the URL, your access to the repository and the network connection"}
	}
	if s.Revision != "" {
		if _, err := git("-C", dir, "checkout", "--quiet", s.Revision, "--"); err != nil {
			return "", "", diag.Diagnostic{Severity: diag.Error, Code: "git-revision", Pos: s.Pos,
				Message:    fmt.Sprintf("revision %q of %s: %s", s.Revision, s.Display(), s.scrubbed(err.Error())),
				Suggestion: "use a tag, branch or commit that exists in the repository"}
		}
	}
	sha, err := git("-C", dir, "rev-parse", "HEAD")
	if err != nil {
		return "", "", diag.Errorf(s.Pos, "git-clone", "%s: %s", s.Display(), s.scrubbed(err.Error()))
	}
	pkg := dir
	if s.Subdirectory != "" {
		pkg = filepath.Join(dir, filepath.FromSlash(s.Subdirectory))
		rel, err := filepath.Rel(dir, pkg)
		if err != nil || strings.HasPrefix(rel, "..") {
			return "", "", diag.Errorf(s.Pos, "git-subdirectory", "subdirectory %q leaves the repository", s.Subdirectory)
		}
		if st, err := os.Stat(pkg); err != nil || !st.IsDir() {
			return "", "", diag.Errorf(s.Pos, "git-subdirectory", "%s has no subdirectory %q at commit %s", s.Display(), s.Subdirectory, sha[:min(12, len(sha))])
		}
	}
	return pkg, sha, nil
}

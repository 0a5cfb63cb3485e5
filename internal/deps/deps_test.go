package deps

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/compiler"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func proj(name string) string { return "name: " + name + "\nversion: '1.0'\nconfig-version: 2\n" }

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func opts(dir string, env map[string]string) Options {
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	return Options{ProjectDir: dir, InstallPath: "dbt_packages", Render: compiler.StaticRender(getenv)}
}

func run(t *testing.T, o Options) (*Result, string) {
	t.Helper()
	var warns []string
	o.Warn = func(s string) { warns = append(warns, s) }
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("deps: %v", err)
	}
	return res, strings.Join(warns, "\n")
}

func runErr(t *testing.T, o Options) string {
	t.Helper()
	_, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("deps succeeded, want an error")
	}
	return err.Error()
}

func TestDepsLocalTransitive(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	write(t, root, map[string]string{
		"dbt_project.yml": proj("root"),
		"packages.yml":    "packages:\n  - local: \"{{ env_var('PKG_DIR') }}\"\n",
	})
	write(t, base, map[string]string{
		"libs/a/dbt_project.yml": proj("pkg_a"),
		"libs/a/macros/a.sql":    "{% macro a() %}1{% endmacro %}",
		"libs/a/packages.yml":    "packages:\n  - local: ../b\n",
		"libs/b/dbt_project.yml": proj("pkg_b"),
		"libs/b/.git/HEAD":       "ref",
	})
	res, _ := run(t, opts(root, map[string]string{"PKG_DIR": "../libs/a"}))
	if len(res.Packages) != 2 {
		t.Fatalf("packages %+v", res.Packages)
	}
	if got := read(t, filepath.Join(root, "dbt_packages", "pkg_a", "macros", "a.sql")); !strings.Contains(got, "macro a") {
		t.Errorf("a.sql = %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "dbt_packages", "pkg_b", "dbt_project.yml")); err != nil {
		t.Errorf("transitive package not installed: %v", err)
	}
	// Local packages are linked, as dbt links them.
	for _, name := range []string{"pkg_a", "pkg_b"} {
		if fi, err := os.Lstat(filepath.Join(root, "dbt_packages", name)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is not a symlink: %v %v", name, fi, err)
		}
	}
	if dest, _ := os.Readlink(filepath.Join(root, "dbt_packages", "pkg_b")); dest != filepath.Join(base, "libs", "b") {
		t.Errorf("pkg_b links to %q", dest)
	}
	lock := read(t, filepath.Join(root, LockFile))
	for _, want := range []string{"local: ../libs/a", "local: ../libs/b", "name: pkg_b", "sha1_hash: "} {
		if !strings.Contains(lock, want) {
			t.Errorf("lock lacks %q:\n%s", want, lock)
		}
	}
	// Reinstall from the lock (no env var needed now: the lock is pinned).
	res, _ = run(t, opts(root, map[string]string{"PKG_DIR": "../libs/a"}))
	if !res.FromLock || len(res.Packages) != 2 {
		t.Errorf("second run: from lock %v, %d packages", res.FromLock, len(res.Packages))
	}
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// makeRepo builds a bare repository holding a package in sub/ with tag
// v1 (macro returns 1) and a later commit on the default branch (2).
func makeRepo(t *testing.T) (url, tagSHA string) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	base := t.TempDir()
	work := filepath.Join(base, "work")
	write(t, work, map[string]string{
		"README.md":              "repo",
		"sub/dbt_project.yml":    proj("gitpkg"),
		"sub/macros/version.sql": "{% macro gitpkg_version() %}1{% endmacro %}",
	})
	gitRun(t, work, "init", "--quiet", "-b", "main")
	gitRun(t, work, "add", ".")
	gitRun(t, work, "commit", "--quiet", "-m", "one")
	gitRun(t, work, "tag", "v1")
	tagSHA = gitRun(t, work, "rev-parse", "HEAD")
	write(t, work, map[string]string{"sub/macros/version.sql": "{% macro gitpkg_version() %}2{% endmacro %}"})
	gitRun(t, work, "commit", "--quiet", "-am", "two")
	bare := filepath.Join(base, "repo.git")
	gitRun(t, base, "clone", "--quiet", "--bare", work, bare)
	return "file://" + filepath.ToSlash(bare), tagSHA
}

func TestDepsGit(t *testing.T) {
	url, sha := makeRepo(t)
	root := t.TempDir()
	write(t, root, map[string]string{
		"dbt_project.yml": proj("root"),
		"packages.yml":    "packages:\n  - git: \"" + url + "\"\n    revision: v1\n    subdirectory: sub\n",
	})
	res, warns := run(t, opts(root, nil))
	if warns != "" {
		t.Errorf("unexpected warnings: %s", warns)
	}
	if res.Packages[0].Revision != sha {
		t.Errorf("revision %s, want %s", res.Packages[0].Revision, sha)
	}
	if got := read(t, filepath.Join(root, "dbt_packages", "gitpkg", "macros", "version.sql")); !strings.Contains(got, "%}1{%") {
		t.Errorf("installed the wrong revision: %s", got)
	}
	if lock := read(t, filepath.Join(root, LockFile)); !strings.Contains(lock, "revision: "+sha) || !strings.Contains(lock, "subdirectory: sub") {
		t.Errorf("lock:\n%s", lock)
	}

	// Unpinned: the default branch, with a warning.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"" + url + "\"\n    subdirectory: sub\n"})
	_, warns = run(t, opts(root, nil))
	if !strings.Contains(warns, "not pinned") {
		t.Errorf("no unpinned warning: %q", warns)
	}
	if got := read(t, filepath.Join(root, "dbt_packages", "gitpkg", "macros", "version.sql")); !strings.Contains(got, "%}2{%") {
		t.Errorf("default branch not installed: %s", got)
	}

	// The same repository at two revisions is a conflict.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"" + url + "\"\n    revision: v1\n    subdirectory: sub\n  - git: \"" + url + "\"\n    revision: main\n    subdirectory: sub\n"})
	if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, `packages.yml:5:5: error: git package `+url+`#sub is required at revision "main" here and at "v1" (packages.yml:2:5)`) {
		t.Errorf("revision conflict: %s", msg)
	}

	// A repository without dbt_project.yml at the root needs subdirectory:.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"" + url + "\"\n    revision: v1\n"})
	if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, "packages.yml:2:5: error: package "+url+" has no dbt_project.yml at its root — set subdirectory:") {
		t.Errorf("no project: %s", msg)
	}

	// A bad revision and an unreachable repository fail clearly.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"" + url + "\"\n    revision: nope\n"})
	if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, `packages.yml:2:5: error: revision "nope"`) {
		t.Errorf("bad revision: %s", msg)
	}
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"file:///nonexistent/repo.git\"\n    revision: v1\n"})
	if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, "kiln could not clone file:///nonexistent/repo.git") {
		t.Errorf("unreachable repo: %s", msg)
	}
}

// hub is a fake package hub: packages[name][version] = dependencies.
type hub struct {
	mu       sync.Mutex
	srv      *httptest.Server
	packages map[string]map[string][]map[string]any
	failTar  bool
}

func newHub(t *testing.T) *hub {
	h := &hub{packages: map[string]map[string][]map[string]any{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hub) add(name, version string, deps ...map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.packages[name] == nil {
		h.packages[name] = map[string][]map[string]any{}
	}
	h.packages[name][version] = deps
}

func (h *hub) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if name, ok := strings.CutPrefix(r.URL.Path, "/api/v1/"); ok {
		name = strings.TrimSuffix(name, ".json")
		vs, ok := h.packages[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		short := name[strings.IndexByte(name, '/')+1:]
		versions := map[string]any{}
		for v, deps := range vs {
			versions[v] = map[string]any{"name": short, "version": v, "packages": deps,
				"downloads": map[string]any{"tarball": h.srv.URL + "/tar/" + name + "/" + v + ".tar.gz"}}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"name": short, "namespace": "org", "versions": versions})
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/tar/"); ok && !h.failTar {
		rest = strings.TrimSuffix(rest, ".tar.gz")
		i := strings.LastIndexByte(rest, '/')
		name, v := rest[:i], rest[i+1:]
		short := name[strings.IndexByte(name, '/')+1:]
		w.Write(tarball(short+"-"+v, map[string]string{
			"dbt_project.yml":        proj(short),
			"macros/version.sql":     "{% macro " + short + "_version() %}" + v + "{% endmacro %}",
			"integration_tests/x.md": "not installed separately",
		}))
		return
	}
	http.Error(w, "boom", http.StatusInternalServerError)
}

func tarball(top string, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: top + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func hubOpts(root string, h *hub) Options {
	o := opts(root, nil)
	o.HubURL = h.srv.URL
	return o
}

func installedVersion(t *testing.T, root, name string) string {
	t.Helper()
	s := read(t, filepath.Join(root, "dbt_packages", name, "macros", "version.sql"))
	s = s[strings.Index(s, "%}")+2:]
	return s[:strings.Index(s, "{%")]
}

func TestDepsHubResolution(t *testing.T) {
	h := newHub(t)
	for _, v := range []string{"0.9.0", "1.0.0", "1.0.1", "1.2.0", "2.0.0", "2.1.0-rc1"} {
		h.add("org/util", v)
	}
	h.add("org/app", "1.0.0", map[string]any{"package": "org/util", "version": []string{">=1.0.0", "<1.1.0"}})
	h.add("org/app", "0.5.0")
	root := t.TempDir()
	write(t, root, map[string]string{
		"dbt_project.yml": proj("root"),
		"packages.yml": `packages:
  - package: org/util
    version: [">=1.0.0", "<2.0.0"]
  - package: org/app
    version: ">0.5.0"
`,
	})
	run(t, hubOpts(root, h))
	// app 1.0.0 narrows util to <1.1.0: the highest in both ranges is 1.0.1
	if v := installedVersion(t, root, "util"); v != "1.0.1" {
		t.Errorf("util %s, want 1.0.1", v)
	}
	if v := installedVersion(t, root, "app"); v != "1.0.0" {
		t.Errorf("app %s", v)
	}
	if _, err := os.Stat(filepath.Join(root, "dbt_packages", "util", "integration_tests", "x.md")); err != nil {
		t.Errorf("tarball not fully extracted: %v", err)
	}

	// Conflict: both requirements are named.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - package: org/util\n    version: '>=2.0.0'\n  - package: org/app\n    version: 1.0.0\n"})
	msg := runErr(t, hubOpts(root, h))
	for _, want := range []string{"conflicting requirements for org/util", `">=2.0.0" (packages.yml:2:5)`, `"<1.1.0" (required by org/app 1.0.0)`} {
		if !strings.Contains(msg, want) {
			t.Errorf("conflict error lacks %q:\n%s", want, msg)
		}
	}
	if v := installedVersion(t, root, "util"); v != "1.0.1" {
		t.Errorf("a failed deps changed dbt_packages: util %s", v)
	}

	// Prereleases only with install-prerelease.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - package: org/util\n    version: '>2.0.0'\n"})
	if msg := runErr(t, hubOpts(root, h)); !strings.Contains(msg, "install-prerelease") {
		t.Errorf("prerelease hint missing: %s", msg)
	}
	write(t, root, map[string]string{"packages.yml": "packages:\n  - package: org/util\n    version: '>2.0.0'\n    install-prerelease: true\n"})
	run(t, hubOpts(root, h))
	if v := installedVersion(t, root, "util"); v != "2.1.0-rc1" {
		t.Errorf("util %s, want 2.1.0-rc1", v)
	}

	// Unknown package.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - package: org/nope\n    version: 1.0.0\n"})
	if msg := runErr(t, hubOpts(root, h)); !strings.Contains(msg, "org/nope is not on the package hub") {
		t.Errorf("unknown package: %s", msg)
	}
}

func TestDepsLockFile(t *testing.T) {
	h := newHub(t)
	h.add("org/util", "1.0.0")
	h.add("org/util", "1.2.0")
	root := t.TempDir()
	spec := "packages:\n  - package: org/util\n    version: [\">=1.0.0\", \"<2.0.0\"]\n"
	write(t, root, map[string]string{"dbt_project.yml": proj("root"), "packages.yml": spec})
	run(t, hubOpts(root, h))
	if v := installedVersion(t, root, "util"); v != "1.2.0" {
		t.Fatalf("util %s", v)
	}
	if lock := read(t, filepath.Join(root, LockFile)); !strings.Contains(lock, "version: 1.2.0") {
		t.Errorf("lock:\n%s", lock)
	}

	// A newer release: the lock keeps 1.2.0 ...
	h.add("org/util", "1.5.0")
	res, _ := run(t, hubOpts(root, h))
	if !res.FromLock || installedVersion(t, root, "util") != "1.2.0" {
		t.Errorf("lock not used: from lock %v, util %s", res.FromLock, installedVersion(t, root, "util"))
	}
	// ... until --upgrade
	o := hubOpts(root, h)
	o.Upgrade = true
	run(t, o)
	if v := installedVersion(t, root, "util"); v != "1.5.0" {
		t.Errorf("--upgrade: util %s", v)
	}

	// --lock writes the lock only.
	h.add("org/util", "1.6.0")
	o = hubOpts(root, h)
	o.LockOnly, o.Upgrade = true, true
	run(t, o)
	if !strings.Contains(read(t, filepath.Join(root, LockFile)), "version: 1.6.0") || installedVersion(t, root, "util") != "1.5.0" {
		t.Errorf("--lock: installed %s, lock\n%s", installedVersion(t, root, "util"), read(t, filepath.Join(root, LockFile)))
	}

	// Changing packages.yml invalidates the lock.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - package: org/util\n    version: '<1.1.0'\n"})
	res, _ = run(t, hubOpts(root, h))
	if res.FromLock || installedVersion(t, root, "util") != "1.0.0" {
		t.Errorf("spec change: from lock %v, util %s", res.FromLock, installedVersion(t, root, "util"))
	}
}

func TestDepsFailedInstallKeepsOldPackages(t *testing.T) {
	h := newHub(t)
	h.add("org/util", "1.0.0")
	h.add("org/util", "1.1.0")
	root := t.TempDir()
	write(t, root, map[string]string{"dbt_project.yml": proj("root"), "packages.yml": "packages:\n  - package: org/util\n    version: 1.0.0\n"})
	run(t, hubOpts(root, h))
	h.failTar = true
	write(t, root, map[string]string{"packages.yml": "packages:\n  - package: org/util\n    version: 1.1.0\n"})
	if msg := runErr(t, hubOpts(root, h)); !strings.Contains(msg, "500") {
		t.Errorf("tarball failure: %s", msg)
	}
	if v := installedVersion(t, root, "util"); v != "1.0.0" {
		t.Errorf("old package lost: %s", v)
	}
	if lock := read(t, filepath.Join(root, LockFile)); !strings.Contains(lock, "version: 1.0.0") {
		t.Errorf("a failed install changed the lock:\n%s", lock)
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".kiln-deps") {
			t.Errorf("staging directory left behind: %s", e.Name())
		}
	}
}

func TestDepsUnreachableHub(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	root := t.TempDir()
	write(t, root, map[string]string{"dbt_project.yml": proj("root"), "packages.yml": "packages:\n  - package: org/util\n    version: 1.0.0\n"})
	o := opts(root, nil)
	o.HubURL = url
	msg := runErr(t, o)
	if !strings.Contains(msg, "kiln could not reach "+url+"/api/v1/org/util.json") {
		t.Errorf("network error: %s", msg)
	}
}

func TestDepsSpecErrors(t *testing.T) {
	for _, c := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"packages.yml": "packages:\n  - package: org/util\n"}, "packages.yml:2:5: error: hub package org/util has no version:"},
		{map[string]string{"packages.yml": "packages:\n  - package: org/util\n    version: '>=x'\n"}, "packages.yml:3:14: error: invalid version specifier"},
		{map[string]string{"packages.yml": "packages:\n  - local: a\n    revison: x\n"}, `packages.yml:3:5: error: unknown package key "revison"`},
		{map[string]string{"packages.yml": "packages:\n  - name: x\n"}, "packages.yml:2:5: error: package entry has no source"},
		{map[string]string{"packages.yml": "packages:\n  - private: org/repo\n"}, "packages.yml:2:5: error: private: packages are not supported"},
		{map[string]string{"packages.yml": "packages:\n  - tarball: http://127.0.0.1:1/x.tar.gz\n"}, "packages.yml:2:5: error: tarball: package http://127.0.0.1:1/x.tar.gz has no name:"},
		{map[string]string{"packages.yml": "packages: x\n"}, "packages.yml:1:11: error: packages: must be a list"},
		{map[string]string{"packages.yml": "packages:\n  - local: missing\n"}, "packages.yml:2:5: error: local package missing: directory"},
		{map[string]string{"packages.yml": "packages:\n  - local: a\n", "dependencies.yml": "projects: []\npackages:\n  - local: b\n"}, "dependencies.yml:3: error: both packages.yml and dependencies.yml define packages"},
		{map[string]string{"packages.yml": "packages:\n  - local: \"{{ env_var('NOPE') }}\"\n"}, "packages.yml:2:12: error:"},
	} {
		root := t.TempDir()
		c.files["dbt_project.yml"] = proj("root")
		write(t, root, c.files)
		if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, c.want) {
			t.Errorf("got %s\nwant %s", msg, c.want)
		}
	}
}

func TestDepsDependenciesYMLAndNoPackages(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	write(t, base, map[string]string{
		"root/dbt_project.yml":  proj("root"),
		"root/dependencies.yml": "projects:\n  - name: other\npackages:\n  - local: ../lib\n",
		"lib/dbt_project.yml":   proj("lib"),
	})
	run(t, opts(root, nil))
	if _, err := os.Stat(filepath.Join(root, "dbt_packages", "lib", "dbt_project.yml")); err != nil {
		t.Error(err)
	}
	empty := t.TempDir()
	write(t, empty, map[string]string{"dbt_project.yml": proj("root")})
	if res, _ := run(t, opts(empty, nil)); !res.NoSpec {
		t.Error("no packages: NoSpec not set")
	}
}

func TestDepsSemver(t *testing.T) {
	cs, err := ParseRange(">= 1.0.0, <2")
	if err != nil || len(cs) != 2 {
		t.Fatal(cs, err)
	}
	for v, want := range map[string]bool{"1.0.0": true, "1.9.9": true, "2.0.0": false, "0.9.9": false, "2.0.0-rc1": true, "1.0.0-rc1": false} { // prereleases are filtered by the resolver, not here
		pv, _ := ParseVersion(v)
		ok := cs[0].Allows(pv) && cs[1].Allows(pv)
		if ok != want {
			t.Errorf("%s: %v", v, ok)
		}
	}
	a, _ := ParseVersion("1.0.0-rc.2")
	b, _ := ParseVersion("1.0.0-rc.10")
	if a.Compare(b) >= 0 {
		t.Error("numeric prerelease order")
	}
}

func TestDepsTarball(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pkgs/tools-1.2.tar.gz" {
			http.NotFound(w, r)
			return
		}
		w.Write(tarball("tools-1.2", map[string]string{"dbt_project.yml": proj("tools"), "macros/version.sql": "{% macro tools_version() %}1.2{% endmacro %}"}))
	}))
	defer srv.Close()
	root := t.TempDir()
	write(t, root, map[string]string{
		"dbt_project.yml": proj("app"),
		"packages.yml":    "packages:\n  - tarball: " + srv.URL + "/pkgs/tools-1.2.tar.gz\n    name: tools\n",
	})
	res, _ := run(t, opts(root, nil))
	if len(res.Packages) != 1 || res.Packages[0].Name != "tools" || installedVersion(t, root, "tools") != "1.2" {
		t.Fatalf("installed %+v", res.Packages)
	}
	if lock := read(t, filepath.Join(root, LockFile)); !strings.Contains(lock, "tarball: "+srv.URL+"/pkgs/tools-1.2.tar.gz") || !strings.Contains(lock, "name: tools") {
		t.Errorf("lock file:\n%s", lock)
	}
	// reinstalling from the lock file downloads the same tarball
	os.RemoveAll(filepath.Join(root, "dbt_packages"))
	if res, _ := run(t, opts(root, nil)); !res.FromLock || installedVersion(t, root, "tools") != "1.2" {
		t.Errorf("from lock: %+v", res)
	}
	// a tarball without name: and one that is not there are clear errors
	write(t, root, map[string]string{"packages.yml": "packages:\n  - tarball: " + srv.URL + "/pkgs/tools-1.2.tar.gz\n"})
	if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, "packages.yml:2:5") || !strings.Contains(msg, "has no name:") {
		t.Errorf("missing name: %s", msg)
	}
	write(t, root, map[string]string{"packages.yml": "packages:\n  - tarball: " + srv.URL + "/pkgs/gone.tar.gz\n    name: gone\n"})
	if msg := runErr(t, Options{ProjectDir: root, InstallPath: "dbt_packages", Render: opts(root, nil).Render, Upgrade: true}); !strings.Contains(msg, "gone.tar.gz") || !strings.Contains(msg, "404") {
		t.Errorf("missing tarball: %s", msg)
	}
	if installedVersion(t, root, "tools") != "1.2" {
		t.Error("a failed install removed the installed package")
	}
}

func TestAddPackage(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{"dbt_project.yml": proj("app")})
	if _, err := AddPackage(root, "dbt-labs/dbt_utils@1.1.0", "hub"); err != nil {
		t.Fatal(err)
	}
	write(t, root, map[string]string{"packages.yml": "# our packages\n" + read(t, filepath.Join(root, "packages.yml"))})
	for _, a := range [][2]string{{"dbt-labs/dbt_utils@1.3.0", "hub"}, {"https://example.com/x.git@v2", "git"}, {"../shared", "local"}} {
		if _, err := AddPackage(root, a[0], a[1]); err != nil {
			t.Fatal(err)
		}
	}
	got := read(t, filepath.Join(root, "packages.yml"))
	want := "# our packages\npackages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n  - git: https://example.com/x.git\n    revision: v2\n  - local: ../shared\n"
	if got != want {
		t.Errorf("packages.yml:\n%s\nwant:\n%s", got, want)
	}
	if _, err := AddPackage(root, "dbt_utils", "hub"); err == nil || !strings.Contains(err.Error(), "org/name@version") {
		t.Errorf("bad hub spec: %v", err)
	}
	if _, err := AddPackage(root, "x", "ftp"); err == nil {
		t.Error("bad --source accepted")
	}
}

// Integration tests of a package sit inside it and install it with
// `local: ../`: the copy must not descend into its own staging directory
// or the packages it installs into.
func TestDepsLocalParentContainingTheProject(t *testing.T) {
	pkg := t.TempDir()
	write(t, pkg, map[string]string{
		"dbt_project.yml":                   proj("the_pkg"),
		"macros/m.sql":                      "{% macro m() %}1{% endmacro %}",
		"integration_tests/dbt_project.yml": proj("the_pkg_tests"),
		"integration_tests/packages.yml":    "packages:\n  - local: ../\n",
	})
	root := filepath.Join(pkg, "integration_tests")
	for i := 0; i < 2; i++ { // the second run finds dbt_packages already there
		res, _ := run(t, opts(root, nil))
		if len(res.Packages) != 1 {
			t.Fatalf("packages %+v", res.Packages)
		}
	}
	if got := read(t, filepath.Join(root, "dbt_packages", "the_pkg", "macros", "m.sql")); !strings.Contains(got, "macro m") {
		t.Errorf("m.sql = %q", got)
	}
	// As dbt: the package is linked, not copied (a copy of `../` would
	// hold the project itself, dbt_packages included).
	link := filepath.Join(root, "dbt_packages", "the_pkg")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("dbt_packages/the_pkg is not a link: %v %v", fi, err)
	}
	if dst, _ := os.Readlink(link); !filepath.IsAbs(dst) || filepath.Clean(dst) != filepath.Clean(pkg) {
		t.Errorf("dbt_packages/the_pkg links to %q, want %q", dst, pkg)
	}
}

package deps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/secret"
)

// TestDepsSecretGitURL: a git URL built from a DBT_ENV_SECRET_ variable is
// recorded unrendered in package-lock.yml, reinstalls from the lock, and a
// failing clone never prints the token.
func TestDepsSecretGitURL(t *testing.T) {
	url, sha := makeRepo(t)
	root := t.TempDir()
	write(t, root, map[string]string{
		"dbt_project.yml": proj("root"),
		"packages.yml":    "packages:\n  - git: \"{{ env_var('DBT_ENV_SECRET_REPO_URL') }}\"\n    revision: v1\n    subdirectory: sub\n",
	})
	env := map[string]string{"DBT_ENV_SECRET_REPO_URL": url}
	run(t, opts(root, env))
	lock := read(t, filepath.Join(root, LockFile))
	if strings.Contains(lock, url) || !strings.Contains(lock, `git: "{{ env_var('DBT_ENV_SECRET_REPO_URL') }}"`) || !strings.Contains(lock, sha) {
		t.Errorf("the lock must keep the unrendered spec and the commit:\n%s", lock)
	}
	os.RemoveAll(filepath.Join(root, "dbt_packages"))
	res, _ := run(t, opts(root, env))
	if !res.FromLock {
		t.Error("second run did not install from the lock")
	}
	if got := read(t, filepath.Join(root, "dbt_packages", "gitpkg", "macros", "version.sql")); !strings.Contains(got, "%}1{%") {
		t.Errorf("reinstall from the lock: %s", got)
	}

	const token = "ghp_kilnTestToken0123456789"
	secret.Register(token)
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"https://x-access-token:{{ env_var('DBT_ENV_SECRET_TOKEN') }}@127.0.0.1:1/org/repo.git\"\n    revision: v1\n"})
	msg := runErr(t, opts(root, map[string]string{"DBT_ENV_SECRET_TOKEN": token}))
	if strings.Contains(msg, token) || !strings.Contains(msg, "kiln could not clone https://x-access-token:{{ env_var('DBT_ENV_SECRET_TOKEN') }}@127.0.0.1:1/org/repo.git") {
		t.Errorf("clone error must show the unrendered URL, never the token:\n%s", msg)
	}
	// A token written into the URL itself is masked too.
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"https://x-access-token:plainTok987@127.0.0.1:1/org/repo.git\"\n    revision: v1\n"})
	if msg := runErr(t, opts(root, nil)); strings.Contains(msg, "plainTok987") || !strings.Contains(msg, "https://x-access-token:*****@127.0.0.1:1/org/repo.git") {
		t.Errorf("clone error shows the URL's token:\n%s", msg)
	}
}

// TestDepsGitArgumentsAreNotOptions: a URL or revision that starts with "-"
// is never taken by git as an option.
func TestDepsGitArgumentsAreNotOptions(t *testing.T) {
	url, _ := makeRepo(t)
	root := t.TempDir()
	marker := filepath.Join(t.TempDir(), "pwned")
	write(t, root, map[string]string{
		"dbt_project.yml": proj("root"),
		"packages.yml":    "packages:\n  - git: \"--upload-pack=touch " + marker + "\"\n    revision: v1\n",
	})
	runErr(t, opts(root, nil))
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the git URL was run as an option")
	}
	write(t, root, map[string]string{"packages.yml": "packages:\n  - git: \"" + url + "\"\n    revision: \"--orphan=x\"\n    subdirectory: sub\n"})
	if msg := runErr(t, opts(root, nil)); !strings.Contains(msg, `packages.yml:3:15: error: revision "--orphan=x" starts with '-'`) {
		t.Errorf("revision starting with '-': %s", msg)
	}
}

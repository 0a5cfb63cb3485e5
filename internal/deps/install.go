package deps

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// install copies every package into a fresh directory next to the install
// path and then swaps it in, so a failure leaves the old packages intact.
func install(root, installPath string, pkgs []*Package) error {
	target := filepath.Join(root, filepath.FromSlash(installPath))
	parent := filepath.Dir(target)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(parent, ".kiln-deps-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	for _, p := range pkgs {
		dst := filepath.Join(stage, p.Name)
		if p.Spec.Kind == Local {
			// As dbt: a local package is linked, not copied, so edits show
			// at once and `local: ../` (a package's integration tests)
			// does not copy the tests into themselves.
			abs, err := filepath.Abs(p.dir)
			if err == nil {
				err = os.Symlink(abs, dst)
			}
			if err != nil {
				return fmt.Errorf("installing %s: %v", p.Name, err)
			}
			continue
		}
		if err := copyTree(p.dir, dst); err != nil {
			return fmt.Errorf("installing %s: %v", p.Name, err)
		}
	}
	old := ""
	if _, err := os.Lstat(target); err == nil {
		old = stage + ".old"
		if err := os.Rename(target, old); err != nil {
			return fmt.Errorf("cannot replace %s: %v", target, err)
		}
	}
	if err := os.Rename(stage, target); err != nil {
		if old != "" {
			_ = os.Rename(old, target)
		}
		return fmt.Errorf("cannot install into %s: %v", target, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// copyTree copies regular files and directories, following symlinks and
// skipping .git and the directories in skip.
func copyTree(src, dst string, skip ...string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() && info.Name() == ".git" {
			return filepath.SkipDir
		}
		if info.IsDir() && len(skip) > 0 {
			abs, _ := filepath.Abs(p)
			for _, s := range skip {
				if abs == s {
					return filepath.SkipDir
				}
			}
		}
		out := filepath.Join(dst, rel)
		if info.Mode()&os.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil || st.IsDir() {
				return nil // dangling or directory links are not followed
			}
			info = st
		}
		if info.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

//go:build !linux

package project

// Portable discovery primitives (see readdir_linux.go for the fast path).

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

type dirScan struct{ abs string }

func openDirScan(abs string) (*dirScan, error) {
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, &os.PathError{Op: "open", Path: abs, Err: fs.ErrInvalid}
	}
	return &dirScan{abs: abs}, nil
}

func (s *dirScan) close() {}

type devIno struct{ path string }

func (s *dirScan) id() (devIno, error) {
	real, err := filepath.EvalSymlinks(s.abs)
	return devIno{real}, err
}

func (s *dirScan) entries(fn func(name string, isDir bool), broken func(name string, err error)) error {
	des, err := os.ReadDir(s.abs)
	if err != nil {
		return err
	}
	for _, de := range des {
		if de.Type()&fs.ModeSymlink != 0 {
			st, err := os.Stat(filepath.Join(s.abs, de.Name()))
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					broken(de.Name(), err)
				}
				continue
			}
			if st.IsDir() {
				fn(de.Name(), true)
			} else if st.Mode().IsRegular() {
				fn(de.Name(), false)
			}
			continue
		}
		if de.IsDir() {
			fn(de.Name(), true)
		} else if de.Type().IsRegular() {
			fn(de.Name(), false)
		}
	}
	return nil
}

func (s *dirScan) read(name string, limit int64, _ *[]byte) ([]byte, int64, error) {
	f, err := os.Open(filepath.Join(s.abs, name))
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	if limit >= 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, 0, err
		}
		if st.Size() > limit {
			return nil, st.Size(), nil
		}
	}
	b, err := io.ReadAll(f)
	return b, int64(len(b)), err
}

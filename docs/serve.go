package docs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// ErrPortInUse is returned (wrapped) by Listen when the address is taken.
var ErrPortInUse = errors.New("port in use")

// Listen binds host:port for Serve. A port another program holds is
// reported as ErrPortInUse with the address, so the CLI can say what to do.
func Listen(host string, port int) (net.Listener, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%w: %s is already taken by another program", ErrPortInUse, addr)
		}
		return nil, err
	}
	return l, nil
}

// Serve serves the docs site in dir over l until ctx is cancelled. Only the
// site's own files are reachable (see siteFS): not the parse cache, compiled
// SQL, run results or anything a symlink points at outside dir. assetRoots
// are the project's asset-paths, copied next to the site by generate.
// Directory listings are off and responses say not to sniff content types.
func Serve(ctx context.Context, l net.Listener, dir string, assetRoots ...string) error {
	fs := http.FileServer(noListing{newSiteFS(dir, assetRoots)})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Cache-Control", "no-cache")
			fs.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// noListing hides directory listings (a directory serves its index.html
// or 404s).
type noListing struct{ fs http.FileSystem }

func (n noListing) Open(name string) (http.File, error) {
	f, err := n.fs.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		idx, err := n.fs.Open(filepath.ToSlash(filepath.Join(name, "index.html")))
		if err != nil {
			f.Close()
			return nil, os.ErrNotExist
		}
		idx.Close()
	}
	return f, nil
}

// OpenBrowser opens url in the desktop's browser. It reports false, doing
// nothing, where no opener exists (servers, containers, CI).
func OpenBrowser(url string) bool {
	var cmd string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		cmd = "open"
	case "windows":
		cmd, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return false
		}
		cmd = "xdg-open"
	}
	path, err := exec.LookPath(cmd)
	if err != nil {
		return false
	}
	c := exec.Command(path, append(args, url)...)
	if err := c.Start(); err != nil {
		return false
	}
	go func() { _ = c.Wait() }()
	return true
}

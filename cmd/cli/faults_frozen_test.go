package cli

// A frozen PostgreSQL server — it accepts TCP connections but never answers,
// before or in the middle of a statement — must neither hang a run forever
// nor keep Ctrl-C waiting.

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/adapters/postgres/pgtest"
)

// freezer is a TCP proxy in front of a PostgreSQL server that can freeze:
// from then on it forwards nothing, in either direction, and connections it
// accepts are held open without an answer (the cancel requests kiln sends
// included) — a server that hangs without closing its sockets.
type freezer struct {
	l        net.Listener
	upstream string // "" for a server that never answers at all

	mu     sync.Mutex
	frozen bool
	thaw   chan struct{} // closed by Close
	conns  []net.Conn
}

func startFreezer(t *testing.T, upstream string) *freezer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{l: l, upstream: upstream, frozen: upstream == "", thaw: make(chan struct{})}
	go f.serve()
	t.Cleanup(f.Close)
	return f
}

func (f *freezer) port() int { return f.l.Addr().(*net.TCPAddr).Port }

func (f *freezer) Freeze() {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
}

func (f *freezer) isFrozen() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frozen
}

func (f *freezer) hold(c net.Conn) {
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
}

// Close stops the proxy and closes every connection (the server's backends
// see their client go away and end).
func (f *freezer) Close() {
	f.mu.Lock()
	select {
	case <-f.thaw:
	default:
		close(f.thaw)
	}
	for _, c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.l.Close()
}

func (f *freezer) serve() {
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		f.hold(c)
		if f.isFrozen() {
			continue // accepted, never answered
		}
		up, err := net.Dial("tcp", f.upstream)
		if err != nil {
			c.Close()
			continue
		}
		f.hold(up)
		go f.pipe(up, c)
		go f.pipe(c, up)
	}
}

// pipe copies src to dst until the proxy freezes; a frozen pipe waits for
// Close without forwarding anything more.
func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if f.isFrozen() {
				<-f.thaw
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
	}
}

// frozenProject writes a project whose postgres target is 127.0.0.1:port.
func frozenProject(t *testing.T, srv pgtest.Server, port int, schema string, connectTimeout int, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "dbt_project.yml"), "name: faults\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: faults\n")
	writeFile(t, filepath.Join(dir, "profiles.yml"), "faults:\n  target: frozen\n  outputs:\n    frozen:\n"+
		"      type: postgres\n      host: 127.0.0.1\n      port: "+strconv.Itoa(port)+"\n"+
		"      user: \""+srv.User+"\"\n      password: \""+srv.Password+"\"\n      dbname: \""+srv.Database+"\"\n"+
		"      schema: "+schema+"\n      threads: 2\n      retries: 0\n      connect_timeout: "+strconv.Itoa(connectTimeout)+"\n")
	for name, body := range files {
		writeFile(t, filepath.Join(dir, name), body)
	}
	return dir
}

// startKiln starts the kiln binary in dir with extra environment entries.
func startKiln(t *testing.T, dir string, env []string, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(builtKiln(t), args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir()), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, out
}

// interruptWithin sends SIGINT and waits at most limit for the exit.
func interruptWithin(t *testing.T, cmd *exec.Cmd, out *lockedBuffer, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("kiln did not exit within %v of Ctrl-C:\n%s", limit, out.String())
	}
	t.Logf("exited %v after Ctrl-C", time.Since(sent).Round(time.Millisecond))
	return cmd.ProcessState.ExitCode()
}

func waitFor(t *testing.T, out *lockedBuffer, text string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q:\n%s", text, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFrozenServerWhileConnecting: a server that accepts and never answers
// fails the command after connect_timeout with a message saying so (exit
// 2), and Ctrl-C while kiln waits exits within 2 s with 130. No PostgreSQL
// needed: the server is a listener that never speaks.
func TestFrozenServerWhileConnecting(t *testing.T) {
	f := startFreezer(t, "")
	srv := pgtest.FromEnv()
	dir := frozenProject(t, srv, f.port(), "frozen", 1, map[string]string{"models/m.sql": "select 1 as id"})
	profile := filepath.Join(dir, "profiles.yml")
	b, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, profile, strings.Replace(string(b), "retries: 0", "retries: 1", 1))
	res := kiln(t, dir, nil, "run")
	if res.code != ExitUsage || !strings.Contains(res.all(), "no answer within connect_timeout (1s) (2 attempts; the profile's retries: 1)") {
		t.Fatalf("a server that never answers: exit %d, want 2 naming connect_timeout\n%s", res.code, res.all())
	}

	dir = frozenProject(t, srv, f.port(), "frozen", 600, map[string]string{"models/m.sql": "select 1 as id"})
	cmd, out := startKiln(t, dir, nil, "run")
	waitFor(t, out, "Found 1 model")
	time.Sleep(300 * time.Millisecond) // connecting
	if code := interruptWithin(t, cmd, out, 2*time.Second); code != ExitInterrupt ||
		!strings.Contains(out.String(), "interrupted while connecting to target 'frozen'; nothing was changed") {
		t.Errorf("Ctrl-C while connecting: exit %d, want 130 and a message saying so\n%s", code, out.String())
	}
}

// TestFrozenServerMidStatement: the server freezes while a model's statement
// runs (and answers neither the cancel request nor anything after it) — a
// table rebuild, and an incremental model's merge, which rolls back on its
// own. Ctrl-C still ends kiln within 2 s, exit 130, with run_results.json
// written.
func TestFrozenServerMidStatement(t *testing.T) {
	srv := pgtest.Require(t)
	upstream := net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port))
	files := map[string]string{
		"models/slow.sql": "{{ config(materialized='table') }}\nselect 1 as id{% if env_var('KILN_TEST_SLOW', '') %}, pg_sleep(30) is null as slept{% endif %}\n",
		"models/slow_inc.sql": "{{ config(materialized='incremental') }}\nselect 1 as id\n" +
			"{% if is_incremental() and env_var('KILN_TEST_SLOW', '') %} where pg_sleep(30) is not null {% endif %}\n",
	}
	for _, model := range []string{"slow", "slow_inc"} {
		t.Run(model, func(t *testing.T) {
			// A schema each: the previous subtest's frozen session may still hold
			// that target's run lock until the server notices it is gone.
			schema := pgtest.Schema(t, srv)
			f := startFreezer(t, upstream)
			dir := frozenProject(t, srv, f.port(), schema, 5, files)
			mustRun(t, dir, nil, "run", "-s", model) // through the proxy, before it freezes
			cmd, out := startKiln(t, dir, []string{"KILN_TEST_SLOW=1"}, "run", "-s", model)
			waitFor(t, out, "START sql ")
			time.Sleep(300 * time.Millisecond)
			f.Freeze()
			time.Sleep(300 * time.Millisecond)
			code := interruptWithin(t, cmd, out, 2*time.Second)
			if code != ExitInterrupt {
				t.Errorf("Ctrl-C against a frozen server: exit %d, want 130\n%s", code, out.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "target", "run_results.json")); err != nil {
				t.Errorf("run_results.json after Ctrl-C: %v\n%s", err, out.String())
			}
		})
	}
}

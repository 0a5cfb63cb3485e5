package differ

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

//go:embed dbt_server.py
var dbtServerPy []byte

// dbtServer is one long-lived Python process that runs dbt commands through
// dbt's programmatic API (see dbt_server.py). Starting dbt costs about 3 s of
// CPU; a comparison runs a dozen commands and an ls battery of up to
// hundreds of selections, so paying that once per project is what makes a
// corpus run fit in CI.
type dbtServer struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	answers *bufio.Reader
	log     *os.File
	mu      sync.Mutex
	dead    error
	closed  sync.Once
}

// pythonFor returns the interpreter that has dbt installed: the python next
// to the dbt executable (a virtualenv's bin/), else python3 on PATH.
func pythonFor(dbt string) string {
	if dbt != "" {
		// A venv's bin/dbt may be a symlink into the venv; resolve it
		// only if the sibling python is missing.
		for _, d := range []string{filepath.Dir(dbt), dirOfLink(dbt)} {
			for _, n := range []string{"python", "python3"} {
				p := filepath.Join(d, n)
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					return p
				}
			}
		}
	}
	return "python3"
}

func dirOfLink(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return filepath.Dir(r)
	}
	return filepath.Dir(p)
}

// startDBTServer starts the server in dir (which receives the script and
// the process's own log) with env, and checks that it imports dbt.
func startDBTServer(ctx context.Context, python, dir string, env []string) (*dbtServer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "dbt_server.py")
	if err := os.WriteFile(script, dbtServerPy, 0o644); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "dbt_server.log"))
	if err != nil {
		return nil, err
	}
	ar, aw, err := os.Pipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	cmd := exec.Command(python, script)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.ExtraFiles = []*os.File{aw} // fd 3: answers
	dieWithParent(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		ar.Close()
		aw.Close()
		return nil, fmt.Errorf("starting %s: %w", python, err)
	}
	aw.Close()
	s := &dbtServer{cmd: cmd, in: in, answers: bufio.NewReaderSize(ar, 1<<20), log: log}
	return s, nil
}

type serverAnswer struct {
	Exit    int                 `json:"exit"`
	Stdout  string              `json:"stdout"`
	Stderr  string              `json:"stderr"`
	Seconds float64             `json:"seconds"`
	Results map[string]lsResult `json:"results"`
	Error   string              `json:"error"`
}

// request sends one request and waits for its answer, for at most timeout;
// on a timeout or a broken pipe the process is killed and every later
// request fails at once.
func (s *dbtServer) request(ctx context.Context, req map[string]any, timeout time.Duration) (*serverAnswer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead != nil {
		return nil, s.dead
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		if _, err := s.in.Write(append(b, '\n')); err != nil {
			done <- result{err: err}
			return
		}
		line, err := s.answers.ReadBytes('\n')
		done <- result{line, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			s.dead = fmt.Errorf("the dbt process stopped (%v); its output is in %s", r.err, s.log.Name())
			_ = s.cmd.Process.Kill()
			return nil, s.dead
		}
		var a serverAnswer
		if err := json.Unmarshal(r.line, &a); err != nil {
			return nil, fmt.Errorf("the dbt process answered %q: %v", clip(string(r.line)), err)
		}
		if a.Error != "" {
			return nil, fmt.Errorf("the dbt process failed: %s", a.Error)
		}
		return &a, nil
	case <-timer.C:
		s.dead = fmt.Errorf("dbt did not finish within %s", timeout)
	case <-ctx.Done():
		s.dead = ctx.Err()
	}
	_ = s.cmd.Process.Kill()
	return nil, s.dead
}

// close ends the process (closing stdin makes it leave its loop) and
// waits for it, so that it lets go of the warehouse.
func (s *dbtServer) close() {
	if s == nil {
		return
	}
	s.closed.Do(s.shutdown)
}

func (s *dbtServer) shutdown() {
	_ = s.in.Close()
	done := make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}

// startServer starts the comparison's dbt process; when it cannot import
// dbt, dbt runs as a process per command instead (and the progress says so).
func (c *comparison) startServer(ctx context.Context) {
	py := pythonFor(c.o.DBT)
	srv, err := startDBTServer(ctx, py, filepath.Join(c.ws.dbt.dir, "server"), c.ws.dbt.env)
	if err == nil {
		if _, err = srv.request(ctx, map[string]any{"op": "ping"}, 2*time.Minute); err != nil {
			srv.close()
		}
	}
	if err != nil {
		c.progress("dbt runs as a process per command: %s cannot run dbt in-process: %v", py, err)
		return
	}
	c.srv = srv
}

// invoke runs one dbt command in the comparison's dbt process.
func (c *comparison) invoke(ctx context.Context, s *side, args []string) *output {
	a, err := c.srv.request(ctx, map[string]any{"op": "invoke", "cwd": s.project, "args": args}, commandTimeout)
	if err != nil {
		return &output{exit: -1, stderr: err.Error()}
	}
	return &output{exit: a.Exit, stdout: a.Stdout, stderr: a.Stderr, elapsed: time.Duration(a.Seconds * float64(time.Second))}
}

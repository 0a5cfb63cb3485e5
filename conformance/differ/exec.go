package differ

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// commandTimeout bounds one command of one tool.
const commandTimeout = 20 * time.Minute

// output is what one tool printed and wrote for one command.
type output struct {
	exit      int
	stdout    string
	stderr    string
	elapsed   time.Duration
	artifacts map[string]map[string]any // "manifest", "run_results", "catalog": decoded JSON written by this command
}

// stepRecord keeps both sides' outputs of one command for later checks.
type stepRecord struct {
	cmd       string
	dbt, kiln *output
}

func (c *comparison) args(s *side, cmd string, extra ...string) []string {
	args := strings.Fields(cmd)
	args = append(args, "--project-dir", s.project)
	if cmd != "deps" {
		args = append(args, "--profiles-dir", s.profilesDir, "--target", c.o.Target)
	}
	if cmd != "deps" && cmd != "ls" && !strings.HasPrefix(cmd, "ls ") {
		args = append(args, "--log-format", "json")
	}
	return append(args, extra...)
}

// exec runs one tool with args in the side's project directory.
func (c *comparison) exec(ctx context.Context, s *side, args []string) *output {
	if s == c.ws.dbt && c.srv != nil {
		return c.invoke(ctx, s, args)
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, s.exe, args...)
	cmd.Dir = s.project
	cmd.Env = s.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := &output{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		o.exit = ee.ExitCode()
	default:
		o.exit = -1
		o.stderr += "\n" + err.Error()
	}
	return o
}

// step runs one command with both tools and compares what can be compared
// right away (exit codes, run results, log events, the dumped objects).
func (c *comparison) step(ctx context.Context, cmd string) error {
	rec := &stepRecord{cmd: cmd}
	for _, s := range c.ws.sides() {
		start := time.Now()
		o := c.exec(ctx, s, c.args(s, cmd))
		o.artifacts = collectArtifacts(filepath.Join(s.project, "target"), start)
		n := len(c.steps) + 1
		logDir := filepath.Join(s.dir, "logs")
		_ = os.MkdirAll(logDir, 0o755)
		base := fmt.Sprintf("%02d-%s", n, strings.ReplaceAll(cmd, " ", "_"))
		_ = os.WriteFile(filepath.Join(logDir, base+".stdout"), []byte(o.stdout), 0o644)
		_ = os.WriteFile(filepath.Join(logDir, base+".stderr"), []byte(o.stderr), 0o644)
		if s.name == "dbt" {
			rec.dbt = o
		} else {
			rec.kiln = o
		}
		c.progress("%s with %s: exit %d in %.2fs", cmd, s.name, o.exit, o.elapsed.Seconds())
	}
	c.steps = append(c.steps, rec)
	c.rep.Steps = append(c.rep.Steps, Step{Command: cmd, DBTExit: rec.dbt.exit, KilnExit: rec.kiln.exit,
		DBTTime: rec.dbt.elapsed, KilnTime: rec.kiln.elapsed, KilnTail: tail(rec.kiln.stdout+rec.kiln.stderr, 20)})
	c.check("", "exit["+cmd+"]", fmt.Sprint(rec.dbt.exit), fmt.Sprint(rec.kiln.exit))
	if rec.dbt.exit != rec.kiln.exit {
		c.diff("", "output["+cmd+"]", tail(rec.dbt.stdout+rec.dbt.stderr, 6), tail(rec.kiln.stdout+rec.kiln.stderr, 6))
	}
	c.compareNodes(cmd, rec)
	return nil
}

// compareNodes compares what a command did per node: run results, log
// events and the on-run-end dump. When both tools stopped the command with
// an error (exit 2: dbt's compile and docs generate stop at the first node
// that fails to compile, kiln's compile every node and report every
// error), dbt's partial results depend on which node its threads reached
// first, so only the exit code and the output above are compared.
func (c *comparison) compareNodes(cmd string, rec *stepRecord) {
	if rec.dbt.exit == 2 && rec.kiln.exit == 2 {
		return
	}
	c.compareRunResults(cmd, rec)
	c.compareEvents(cmd, rec)
	c.compareDumps(cmd, rec)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		// JSON events: keep the message only.
		var ev struct {
			Info struct {
				Msg string `json:"msg"`
			} `json:"info"`
		}
		if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &ev) == nil && ev.Info.Msg != "" {
			lines[i] = ev.Info.Msg
		}
	}
	return strings.Join(lines, "\n")
}

// collectArtifacts decodes the JSON artifacts written since start.
func collectArtifacts(targetDir string, start time.Time) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, name := range []string{"manifest", "run_results", "catalog", "sources"} {
		p := filepath.Join(targetDir, name+".json")
		st, err := os.Stat(p)
		if err != nil || st.ModTime().Before(start.Add(-time.Second)) {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var v map[string]any
		if json.Unmarshal(b, &v) == nil {
			out[name] = v
		}
	}
	return out
}

// event is one JSON log line, reduced to what is compared.
type event struct {
	Name, Code, Level, Node string
}

func parseEvents(stdout string) []event {
	var out []event
	for _, line := range strings.Split(stdout, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var ev struct {
			Info struct {
				Name, Code, Level string
			} `json:"info"`
			Data struct {
				NodeInfo struct {
					UniqueID string `json:"unique_id"`
				} `json:"node_info"`
			} `json:"data"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Info.Name == "" {
			continue
		}
		out = append(out, event{Name: ev.Info.Name, Code: ev.Info.Code, Level: ev.Info.Level, Node: ev.Data.NodeInfo.UniqueID})
	}
	return out
}

// compareEvents compares, per node, the set of event names and codes; and
// for the command as a whole the set of node-less events.
func (c *comparison) compareEvents(cmd string, rec *stepRecord) {
	group := func(evs []event) map[string]string {
		sets := map[string]map[string]bool{}
		for _, e := range evs {
			if injectedName(e.Node) || e.Level == "debug" {
				continue
			}
			if sets[e.Node] == nil {
				sets[e.Node] = map[string]bool{}
			}
			sets[e.Node][e.Name+" "+e.Code] = true
		}
		out := map[string]string{}
		for n, s := range sets {
			var l []string
			for k := range s {
				l = append(l, k)
			}
			sort.Strings(l)
			out[n] = strings.Join(l, ", ")
		}
		return out
	}
	d, k := group(parseEvents(rec.dbt.stdout)), group(parseEvents(rec.kiln.stdout))
	for _, node := range unionKeys(d, k) {
		if node == "" {
			// Command-level events differ by design in places (deprecation
			// notices, partial-parse messages): compare the ones consumers
			// read.
			c.check("", "events["+cmd+"]", filterEvents(d[node]), filterEvents(k[node]))
			continue
		}
		c.check(node, "events["+cmd+"]", orNone(d[node]), orNone(k[node]))
	}
}

// consumerEvents are the node-less events orchestrators rely on.
var consumerEvents = []string{"MainReportVersion", "FoundStats", "ConcurrencyLine", "HooksRunning", "FinishedRunningStats",
	"EndOfRunSummary", "StatsLine", "CommandCompleted", "NoNodesForSelectionCriteria", "RunResultError", "RunResultFailure"}

func filterEvents(s string) string {
	var keep []string
	for _, e := range strings.Split(s, ", ") {
		name, _, _ := strings.Cut(e, " ")
		for _, c := range consumerEvents {
			if name == c {
				keep = append(keep, e)
			}
		}
	}
	return orNone(strings.Join(keep, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for k := range a {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for k := range b {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

package cli

// kiln as a drop-in `dbt` executable: dbt's structured log events, the
// log file, global flags before the subcommand, DBT_* variables, warnings
// that fail CI under --warn-error, --empty and --sample, Ctrl-C, file
// modes. testdata/orchestrators is the project.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/internal/report"
)

func orchDir(t *testing.T) string {
	return copyDir(t, filepath.Join(repoRoot(t), "testdata", "orchestrators"))
}

// jsonEvents parses stdout as one dbt event per line; every line must be
// one, with the whole info header.
func jsonEvents(t *testing.T, out string) []report.JSONEvent {
	t.Helper()
	var evs []report.JSONEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var raw map[string]map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("not a JSON event: %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"name", "code", "msg", "level", "invocation_id", "pid", "thread", "ts", "category", "extra"} {
			if _, ok := raw["info"][k]; !ok {
				t.Errorf("info.%s missing: %s", k, sc.Text())
			}
		}
		var ev report.JSONEvent
		_ = json.Unmarshal(sc.Bytes(), &ev)
		evs = append(evs, ev)
	}
	return evs
}

func byName(evs []report.JSONEvent) map[string][]report.JSONEvent {
	m := map[string][]report.JSONEvent{}
	for _, e := range evs {
		m[e.Info.Name] = append(m[e.Info.Name], e)
	}
	return m
}

func TestJSONLogEventsAsDbt(t *testing.T) {
	dir := orchDir(t)
	res := kiln(t, dir, nil, "--log-format", "json", "--log-level", "debug", "build")
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	evs := jsonEvents(t, res.stdout)
	names := byName(evs)
	codes := map[string]string{"MainReportVersion": "A001", "MainReportArgs": "A002", "FoundStats": "W006", "AdapterRegistered": "E034",
		"ConcurrencyLine": "Q027", "NodeStart": "Q024", "LogStartLine": "Q011", "LogSeedResult": "Q016", "LogModelResult": "Q012",
		"LogTestResult": "Q007", "NodeFinished": "Q025", "FinishedRunningStats": "E047", "EndOfRunSummary": "Z030", "StatsLine": "Z023",
		"PrintEvent": "Z052", "CommandCompleted": "Q039", "Formatting": "Z017"}
	for name, code := range codes {
		if len(names[name]) == 0 || names[name][0].Info.Code != code {
			t.Errorf("no %s (%s) event", name, code)
		}
	}
	inv := evs[0].Info.InvocationID
	for _, e := range evs {
		if e.Info.InvocationID != inv {
			t.Errorf("two invocation ids: %s, %s", inv, e.Info.InvocationID)
		}
	}
	// dagster-dbt reads data.node_info of the result events.
	for _, e := range append(names["LogModelResult"], names["LogTestResult"]...) {
		info, _ := e.Data["node_info"].(map[string]any)
		if info == nil || info["unique_id"] == "" || !strings.HasPrefix(e.Info.Thread, "Thread-") ||
			(info["node_status"] != "success" && info["node_status"] != "pass") || info["node_started_at"] == "" || info["node_finished_at"] == "" {
			t.Errorf("result event without node_info/thread: %+v", e)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000000", info["node_finished_at"].(string)); err != nil {
			t.Errorf("node_finished_at: %v", err)
		}
	}
	if p := names["PrintEvent"]; len(p) == 0 || p[0].Info.Msg != "building recent" {
		t.Errorf("print(): %+v", p)
	}
	if c := names["CommandCompleted"]; len(c) != 1 || c[0].Data["success"] != true {
		t.Errorf("CommandCompleted: %+v", c)
	}
	// dagster-dbt fails a run on any error-level event: a clean build has none.
	for _, e := range evs {
		if e.Info.Level == "error" {
			t.Errorf("error event in a clean build: %+v", e.Info)
		}
	}

	// failures: RunResultFailure/RunResultError and SkippingDetails with its index
	writeFile(t, filepath.Join(dir, "models", "recent.sql"), "select * from missing_table")
	res = kiln(t, dir, nil, "run", "--log-format", "json")
	if res.code != 1 {
		t.Fatalf("exit %d\n%s", res.code, res.all())
	}
	names = byName(jsonEvents(t, res.stdout))
	skip := names["SkippingDetails"]
	if len(skip) != 1 || skip[0].Info.Code != "Q034" || skip[0].Data["index"] != float64(2) || skip[0].Data["node_name"] != "orders_only" {
		t.Errorf("SkippingDetails: %+v", skip)
	}
	if f, e := names["RunResultFailure"], names["RunResultError"]; len(f) != 1 || f[0].Info.Code != "Z022" || len(e) != 1 || e[0].Info.Code != "Z024" ||
		!strings.Contains(e[0].Info.Msg, "missing_table") || e[0].Info.Level != "error" {
		t.Errorf("failure events: %+v %+v", f, e)
	}
	// As dbt: the end-of-run failure events name their node, and where its
	// compiled SQL is comes as SQLCompiledPath (Z026), not in the message.
	for _, e := range append(append(names["RunResultFailure"], names["RunResultError"]...), names["SQLCompiledPath"]...) {
		if info, _ := e.Data["node_info"].(map[string]any); info == nil || info["unique_id"] != "model.orch.recent" {
			t.Errorf("%s without the failed node's node_info: %+v", e.Info.Name, e.Data)
		}
	}
	if p := names["SQLCompiledPath"]; len(p) != 1 || !strings.Contains(fmt.Sprint(p[0].Data["path"]), "recent.sql") ||
		strings.Contains(names["RunResultError"][0].Info.Msg, "compiled code at") {
		t.Errorf("SQLCompiledPath: %+v; RunResultError: %q", p, names["RunResultError"][0].Info.Msg)
	}

	// so is a usage error
	res = kiln(t, dir, map[string]string{"DBT_LOG_FORMAT": "json"}, "run", "--no-such-flag")
	if res.code != 2 || res.stderr != "" || !strings.Contains(res.stdout, `"name":"MainEncounteredError"`) {
		t.Errorf("usage error in JSON mode: exit %d\n%s", res.code, res.all())
	}
	// a parse error is a JSON event too, on stdout
	writeFile(t, filepath.Join(dir, "models", "recent.sql"), "select * from {{ ref('nope') }}")
	res = kiln(t, dir, map[string]string{"DBT_LOG_FORMAT": "json"}, "parse")
	if res.code != 2 || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	names = byName(jsonEvents(t, res.stdout))
	if m := names["MainEncounteredError"]; len(m) != 1 || m[0].Info.Code != "Z002" || m[0].Info.Level != "error" {
		t.Errorf("MainEncounteredError: %+v", m)
	}
	found := false
	for _, n := range names["Note"] {
		found = found || (n.Info.Level == "error" && strings.Contains(n.Info.Msg, "nope") && n.Data["file"] == "models/recent.sql")
	}
	if !found {
		t.Errorf("the unknown ref is not an error event naming its file:\n%s", res.stdout)
	}
}

func TestLogFile(t *testing.T) {
	dir := orchDir(t)
	mustRun(t, dir, nil, "build")
	log, err := os.ReadFile(filepath.Join(dir, "logs", "dbt.log"))
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(log), "[debug] [Thread-1 (worker)]: Began running node seed.orch.events", "[info ] [MainThread]: Running with kiln=",
		"OK created sql table model main.recent", "Command `kiln build` succeeded")
	if strings.Contains(string(log), "\x1b[") {
		t.Error("colour codes in the log file")
	}
	// --log-path, --log-format-file json, and DBT_LOG_LEVEL_FILE=none
	other := t.TempDir()
	mustRun(t, dir, nil, "run", "--log-path", other, "--log-format-file", "json")
	f, err := os.ReadFile(filepath.Join(other, "dbt.log"))
	if err != nil {
		t.Fatal(err)
	}
	if evs := byName(jsonEvents(t, string(f))); len(evs["NodeStart"]) != 2 {
		t.Errorf("JSON log file lacks the debug events: %v", evs)
	}
	os.RemoveAll(filepath.Join(dir, "logs"))
	mustRun(t, dir, map[string]string{"DBT_LOG_LEVEL_FILE": "none"}, "run")
	if _, err := os.Stat(filepath.Join(dir, "logs")); err == nil {
		t.Error("--log-level-file none wrote a log file")
	}
	// dagster-dbt sets DBT_LOG_PATH and DBT_TARGET_PATH per invocation
	mustRun(t, dir, map[string]string{"DBT_LOG_PATH": "inv1", "DBT_TARGET_PATH": "inv1"}, "run")
	for _, p := range []string{"inv1/dbt.log", "inv1/run_results.json", "inv1/manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestGlobalFlagsAndEnvironment(t *testing.T) {
	dir := orchDir(t)
	mustRun(t, dir, nil, "seed")
	// global flags before the subcommand
	res := kiln(t, dir, nil, "--debug", "--printer-width", "60", "run")
	if res.code != 0 || !strings.Contains(res.stdout, "Began running node model.orch.recent") {
		t.Errorf("--debug before run: exit %d\n%s", res.code, res.all())
	}
	res = kiln(t, dir, nil, "-q", "ls", "-s", "recent", "orders_only", "--resource-type", "model")
	if res.code != 0 || res.stdout != "orch.orders_only\norch.recent\n" {
		t.Errorf("-q ls -s a b: exit %d %q %q", res.code, res.stdout, res.stderr)
	}
	res = kiln(t, dir, nil, "ls", "--select", "recent orders_only", "--exclude", "orders_only", "--output", "name", "--resource-types", "model")
	if res.stdout != "recent\n" {
		t.Errorf("--select 'a b' --exclude: %q", res.stdout)
	}
	// DBT_QUIET: nothing but print() and errors
	res = kiln(t, dir, map[string]string{"DBT_QUIET": "true"}, "run")
	if res.code != 0 || res.stdout != "building recent\n" {
		t.Errorf("DBT_QUIET run: exit %d %q", res.code, res.stdout)
	}
	res = kiln(t, dir, map[string]string{"DBT_QUIET": "1", "DBT_PRINT": "false"}, "run")
	if res.stdout != "" {
		t.Errorf("DBT_PRINT=false still prints: %q", res.stdout)
	}
	// colours on request, off by default when not a terminal
	if res = mustRun(t, dir, map[string]string{"DBT_USE_COLORS": "true"}, "run"); !strings.Contains(res.stdout, "\x1b[32m") {
		t.Errorf("DBT_USE_COLORS=true: no colour\n%s", res.stdout)
	}
	if res = mustRun(t, dir, map[string]string{"DBT_USE_COLORS": "true"}, "--no-use-colors", "run"); strings.Contains(res.stdout, "\x1b[") {
		t.Error("--no-use-colors wins over DBT_USE_COLORS")
	}
	// DBT_FULL_REFRESH and DBT_FAIL_FAST reach run_results.json's args
	mustRun(t, dir, map[string]string{"DBT_FULL_REFRESH": "1", "DBT_FAIL_FAST": "true"}, "run")
	var rr struct {
		Args map[string]any `json:"args"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "target", "run_results.json"))
	if json.Unmarshal(b, &rr) != nil || rr.Args["full_refresh"] != true || rr.Args["fail_fast"] != true {
		t.Errorf("args: %v", rr.Args)
	}
	if res = kiln(t, dir, map[string]string{"DBT_QUIET": "maybe"}, "run"); res.code != 2 || !strings.Contains(res.stderr, "DBT_QUIET") {
		t.Errorf("bad DBT_QUIET: exit %d %s", res.code, res.all())
	}
	// DBT_ENGINE_ wins over DBT_
	res = kiln(t, dir, map[string]string{"DBT_ENGINE_LOG_FORMAT": "json", "DBT_LOG_FORMAT": "text"}, "parse")
	if !strings.HasPrefix(res.stdout, "{") {
		t.Errorf("DBT_ENGINE_LOG_FORMAT: %q", res.stdout)
	}
	// -q still prints errors
	writeFile(t, filepath.Join(dir, "models", "orders_only.sql"), "select * from nowhere")
	res = kiln(t, dir, nil, "-q", "run")
	if res.code != 1 || !strings.Contains(res.stdout, "ERROR creating sql view model main.orders_only") || !strings.Contains(res.stdout, "nowhere") ||
		strings.Contains(res.stdout, "OK created") {
		t.Errorf("-q with a failure: exit %d\n%s", res.code, res.all())
	}
}

func TestSelectionMatchingNothing(t *testing.T) {
	dir := orchDir(t)
	mustRun(t, dir, nil, "seed")
	res := kiln(t, dir, nil, "run", "-s", "recent", "no_such_model")
	if res.code != 0 || !strings.Contains(res.stderr, "The selection criterion 'no_such_model' does not match any enabled nodes") {
		t.Errorf("exit %d\n%s", res.code, res.all())
	}
	for _, args := range [][]string{
		{"--warn-error", "run", "-s", "no_such_model"},
		{"run", "-s", "no_such_model", "--warn-error-options", `{"error": ["NoNodesForSelectionCriteria"]}`},
		{"ls", "--exclude", "nothing_here"},
	} {
		env := map[string]string{}
		if args[0] == "ls" {
			env["DBT_WARN_ERROR"] = "true"
		}
		res = kiln(t, dir, env, args...)
		if res.code != 2 || !strings.Contains(res.stderr, "does not match any enabled nodes") {
			t.Errorf("%v: exit %d\n%s", args, res.code, res.all())
		}
	}
	res = kiln(t, dir, nil, "run", "-s", "no_such_model", "--warn-error-options", `{"error": "all", "warn": ["NoNodesForSelectionCriteria"]}`)
	if res.code != 0 {
		t.Errorf("warn: list keeps it a warning: exit %d\n%s", res.code, res.all())
	}
}

func TestEmptyAndSample(t *testing.T) {
	dir := orchDir(t)
	mustRun(t, dir, nil, "build", "--empty")
	db := filepath.Join(dir, "orch.duckdb")
	if got := querySQL(t, db, "select count(*) from main.recent")[0][0]; toInt64(got) != 0 {
		t.Errorf("--empty built %v rows", got)
	}
	if got := querySQL(t, db, "select count(*) from main.events")[0][0]; toInt64(got) != 5 {
		t.Errorf("seeds still load under --empty: %v rows", got)
	}
	sql, _ := os.ReadFile(filepath.Join(dir, "target", "compiled", "orch", "models", "recent.sql"))
	if !strings.Contains(string(sql), `from (select * from "orch"."main"."events" where false limit 0)`) {
		t.Errorf("compiled --empty SQL:\n%s", sql)
	}
	mustRun(t, dir, nil, "run", "--sample", "{start: 2024-01-02, end: 2024-01-04}")
	if got := querySQL(t, db, "select string_agg(id::varchar, ',' order by id) from main.recent")[0][0]; got != "2,3" {
		t.Errorf("--sample window: ids %v", got)
	}
	mustRun(t, dir, map[string]string{"DBT_SAMPLE": "3 days"}, "run")
	if got := querySQL(t, db, "select count(*) from main.recent")[0][0]; toInt64(got) != 0 {
		t.Errorf("a 3-day sample of 2024 data: %v rows", got)
	}
	if res := kiln(t, dir, nil, "run", "--sample", "lots"); res.code != 2 || !strings.Contains(res.stderr, "--sample \"lots\"") {
		t.Errorf("bad --sample: exit %d %s", res.code, res.all())
	}
}

func TestMoreDbtFlags(t *testing.T) {
	dir := orchDir(t)
	res := mustRun(t, dir, nil, "seed", "--show")
	mustContain(t, res.stdout, "Random sample of table: main.events", "| id |")
	res = mustRun(t, dir, nil, "compile", "-s", "orders_only", "--output", "json")
	var out struct{ Node, Compiled string }
	i := strings.Index(res.stdout, "{\n")
	if i < 0 || json.Unmarshal([]byte(res.stdout[i:]), &out) != nil || out.Node != "orders_only" || !strings.Contains(out.Compiled, `"orch"."main"."recent"`) {
		t.Errorf("compile --output json:\n%s", res.stdout)
	}
	mustRun(t, dir, nil, "run")
	mustRun(t, dir, nil, "docs", "generate", "--empty-catalog")
	var cat struct {
		Nodes map[string]any `json:"nodes"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "target", "catalog.json"))
	if json.Unmarshal(b, &cat) != nil || cat.Nodes == nil || len(cat.Nodes) != 0 {
		t.Errorf("--empty-catalog: %s", b)
	}
	res = mustRun(t, dir, nil, "debug", "--connection")
	if !strings.Contains(res.stdout, "Connection test: [OK connection ok]") || strings.Contains(res.stdout, "kiln version") {
		t.Errorf("debug --connection:\n%s", res.stdout)
	}
	os.RemoveAll(filepath.Join(dir, "target"))
	mustRun(t, dir, nil, "--no-write-json", "run")
	for _, a := range []string{"manifest.json", "run_results.json"} {
		if _, err := os.Stat(filepath.Join(dir, "target", a)); err == nil {
			t.Errorf("--no-write-json wrote %s", a)
		}
	}
	mustRun(t, dir, nil, "parse")
	if _, err := os.Stat(filepath.Join(dir, "target", "kiln_parse_cache.gob")); err != nil {
		t.Fatalf("no parse cache: %v", err)
	}
	os.Remove(filepath.Join(dir, "target", "kiln_parse_cache.gob"))
	mustRun(t, dir, nil, "--no-partial-parse", "parse")
	if _, err := os.Stat(filepath.Join(dir, "target", "kiln_parse_cache.gob")); err == nil {
		t.Error("--no-partial-parse wrote the parse cache")
	}
	res = mustRun(t, t.TempDir(), nil, "init", "fresh", "--skip-profile-setup")
	if !strings.Contains(res.stdout, "without a profile") {
		t.Errorf("init --skip-profile-setup: %s", res.stdout)
	}
}

// TestArtifactModes runs the kiln binary under umask 027: artifacts and
// the log file are 0640, i.e. 0644 minus the umask, never 0600.
func TestArtifactModes(t *testing.T) {
	bin := builtKiln(t)
	dir := orchDir(t)
	cmd := exec.Command("sh", "-c", "umask 027 && exec \"$0\" build", bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, p := range []string{"target/manifest.json", "target/run_results.json", "logs/dbt.log"} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil || st.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v (%v), want -rw-r-----", p, st.Mode().Perm(), err)
		}
	}
}

// TestInterruptSummary sends SIGINT to a kiln process during a slow model:
// dbt's interrupt summary, one CANCEL line, no SKIP line per node, exit 130.
func TestInterruptSummary(t *testing.T) {
	bin := builtKiln(t)
	dir := orchDir(t)
	writeFile(t, filepath.Join(dir, "models", "recent.sql"), "{{ config(materialized='table') }} select count(*) as id, 'x' as kind from range(100000000000) a")
	for i := 0; i < 3; i++ {
		writeFile(t, filepath.Join(dir, "models", "down_"+string(rune('a'+i))+".sql"), "select * from {{ ref('orders_only') }}")
	}
	cmd := exec.Command(bin, "run")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	sent := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if !sent && strings.Contains(sc.Text(), "START sql table model main.recent") {
			time.Sleep(300 * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGINT)
			sent = true
		}
	}
	err := cmd.Wait()
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	got := out.String()
	if code != ExitInterrupt || !strings.Contains(got, "Exited because of keyboard interrupt") || !strings.Contains(got, "CANCEL query model.orch.recent") ||
		strings.Contains(got, "SKIP") {
		t.Errorf("exit %d (err %v)\n%s", code, err, got)
	}
}

package differ

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// selection is one `ls` invocation of the battery.
type selection struct {
	Key  string   `json:"key"`
	Args []string `json:"args"`
}

type lsResult struct {
	OK    bool     `json:"ok"`
	Lines []string `json:"lines"`
	Error string   `json:"error"`
}

// battery derives the selections to compare from the reference manifest:
// every model name with its graph operators, then each tag, path,
// materialization, resource type, test type, source and package, some
// intersections and exclusions, and every selectors.yml entry.
func battery(m map[string]any, project string, max int) []selection {
	var out []selection
	add := func(args ...string) {
		out = append(out, selection{Key: strings.Join(args, " "), Args: args})
	}
	add() // everything, compared line by line
	nodes, _ := m["nodes"].(map[string]any)
	var models []string
	tags, paths, mats, types := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for id, v := range nodes {
		n, _ := v.(map[string]any)
		if injectedName(id) {
			continue
		}
		rt, _ := n["resource_type"].(string)
		types[rt] = true
		for _, t := range asStrings(n["tags"]) {
			tags[t] = true
		}
		if pkg, _ := n["package_name"].(string); pkg != project {
			continue
		}
		if rt == "model" {
			name, _ := n["name"].(string)
			models = append(models, name)
			if p, _ := n["original_file_path"].(string); p != "" {
				paths[path.Dir(p)] = true
			}
			cfg, _ := n["config"].(map[string]any)
			if mat, ok := cfg["materialized"].(string); ok {
				mats[mat] = true
			}
		}
	}
	sort.Strings(models)
	models = dedupe(models)
	for _, name := range spread(models, max/5) {
		add("-s", name)
		add("-s", "+"+name)
		add("-s", name+"+")
		add("-s", "@"+name)
	}
	for _, t := range sortedSet(tags) {
		add("-s", "tag:"+t)
	}
	for _, p := range sortedSet(paths) {
		add("-s", "path:"+p)
	}
	for _, mat := range sortedSet(mats) {
		add("-s", "config.materialized:"+mat)
	}
	for _, rt := range sortedSet(types) {
		add("-s", "resource_type:"+rt)
	}
	for _, tt := range []string{"generic", "singular", "unit"} {
		add("-s", "test_type:"+tt)
	}
	sources, _ := m["sources"].(map[string]any)
	srcNames := map[string]bool{}
	for _, v := range sources {
		s, _ := v.(map[string]any)
		if n, ok := s["source_name"].(string); ok {
			srcNames[n] = true
		}
	}
	for _, s := range sortedSet(srcNames) {
		add("-s", "source:"+s+"+")
	}
	add("-s", "package:"+project)
	for _, name := range spread(models, 5) {
		add("-s", name+"+,resource_type:test")
		add("-s", "+"+name, "--exclude", name)
	}
	if t := sortedSet(tags); len(t) > 0 {
		add("-s", "resource_type:model", "--exclude", "tag:"+t[0])
		if mt := sortedSet(mats); len(mt) > 0 {
			add("-s", "tag:"+t[0]+",config.materialized:"+mt[0])
		}
	}
	add("--resource-type", "model")
	add("--resource-type", "test", "--exclude", "test_type:singular")
	sels, _ := m["selectors"].(map[string]any)
	for _, name := range sortedSet(keysOf(sels)) {
		add("--selector", name)
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func keysOf(m map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	var out []string
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func dedupe(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// spread picks up to n elements evenly from s.
func spread(s []string, n int) []string {
	if n <= 0 || len(s) <= n {
		return s
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, s[i*len(s)/n])
	}
	return out
}

// lsBattery runs the battery with both tools and compares, per selection,
// the set of unique_ids (and for the full listing every JSON line), then
// the state:modified selection after a generated edit.
func (c *comparison) lsBattery(ctx context.Context) error {
	m := c.finalArtifact("manifest", func(r *stepRecord) *output { return r.dbt })
	if m == nil {
		m = c.finalArtifact("manifest", func(r *stepRecord) *output { return r.kiln })
	}
	if m == nil {
		start := time.Now()
		// Nothing parsed yet: parse with dbt first.
		o := c.exec(ctx, c.ws.dbt, c.args(c.ws.dbt, "parse"))
		m = collectArtifacts(filepath.Join(c.ws.dbt.project, "target"), start)["manifest"]
		if m == nil {
			// No battery without dbt's manifest. Both refusing the project
			// is agreement (their messages are compared with each command);
			// kiln parsing what dbt cannot is a difference.
			ko := c.exec(ctx, c.ws.kiln, c.args(c.ws.kiln, "parse"))
			dbtSays := "parse fails"
			kilnSays := "parse fails"
			if ko.exit == 0 {
				kilnSays = "parse succeeds"
				dbtSays = "parse fails: " + tail(o.stdout+o.stderr, 4)
			}
			c.check("", "ls", dbtSays, kilnSays)
			return nil
		}
	}
	sels := battery(m, c.ws.project, c.o.MaxSelectors)
	start := time.Now()
	dres, err := c.dbtLs(ctx, sels, true)
	if err != nil {
		return err
	}
	dt := time.Since(start)
	start = time.Now()
	kres := c.kilnLs(ctx, sels, nil)
	c.progress("ls battery of %d selections: dbt %.1fs, kiln %.1fs", len(sels), dt.Seconds(), time.Since(start).Seconds())
	c.rep.Steps = append(c.rep.Steps, Step{Command: fmt.Sprintf("ls ×%d", len(sels)), DBTTime: dt, KilnTime: time.Since(start)})
	for i, s := range sels {
		c.compareLs(s, dres[s.Key], kres[s.Key], i == 0)
	}
	return c.stateModified(ctx, m)
}

func (c *comparison) compareLs(s selection, d, k lsResult, full bool) {
	check := "ls[" + s.Key + "]"
	if s.Key == "" {
		check = "ls"
	}
	c.check("", check+" ok", fmt.Sprint(d.OK), fmt.Sprint(k.OK))
	if !d.OK || !k.OK {
		if !d.OK && k.OK || d.OK && !k.OK {
			c.diff("", check+" error", d.Error, k.Error)
		}
		return
	}
	dl, kl := lsLines(d.Lines, c.normalizer(c.ws.dbt)), lsLines(k.Lines, c.normalizer(c.ws.kiln))
	c.check("", check, strings.Join(sortedSet(keysOfLines(dl)), " "), strings.Join(sortedSet(keysOfLines(kl)), " "))
	if !full {
		return
	}
	for _, id := range unionKeys(dl, kl) {
		de, dok := dl[id]
		ke, kok := kl[id]
		if !dok || !kok {
			continue
		}
		c.compareEntity("ls", id, de, ke)
	}
}

func keysOfLines(m map[string]map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// lsLines decodes `ls --output json` lines by unique_id.
func lsLines(lines []string, r *strings.Replacer) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var v map[string]any
		if json.Unmarshal([]byte(l), &v) != nil {
			continue
		}
		id, _ := v["unique_id"].(string)
		if id == "" || injectedName(id) {
			continue
		}
		out[id] = normalize(v, r).(map[string]any)
	}
	return out
}

// dbtLs runs selections through dbt's Python API in one process: the
// comparison's dbt process, or a process of its own when dbt runs as a
// process per command.
func (c *comparison) dbtLs(ctx context.Context, sels []selection, preload bool, extra ...string) (map[string]lsResult, error) {
	s := c.ws.dbt
	withExtra := make([]selection, len(sels))
	for i, sel := range sels {
		withExtra[i] = selection{Key: sel.Key, Args: append(append([]string{}, sel.Args...), extra...)}
	}
	req := map[string]any{"op": "ls", "cwd": s.project, "battery": withExtra, "preload": preload,
		"common": []string{"--project-dir", s.project, "--profiles-dir", s.profilesDir, "--target", c.o.Target}}
	srv := c.srv
	if srv == nil {
		var err error
		if srv, err = startDBTServer(ctx, pythonFor(c.o.DBT), filepath.Join(s.dir, "ls"), s.env); err != nil {
			return nil, fmt.Errorf("dbt ls battery: %w", err)
		}
		defer srv.close()
	}
	a, err := srv.request(ctx, req, commandTimeout)
	if err != nil {
		return nil, fmt.Errorf("dbt ls battery: %w", err)
	}
	return a.Results, nil
}

// kilnLs runs each selection as one kiln invocation.
func (c *comparison) kilnLs(ctx context.Context, sels []selection, extra []string) map[string]lsResult {
	s := c.ws.kiln
	out := map[string]lsResult{}
	for _, sel := range sels {
		args := append(append([]string{"ls"}, sel.Args...), extra...)
		args = append(args, "--output", "json", "--project-dir", s.project, "--profiles-dir", s.profilesDir, "--target", c.o.Target)
		o := c.exec(ctx, s, args)
		r := lsResult{OK: o.exit == 0}
		if r.OK {
			for _, l := range strings.Split(o.stdout, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "{") {
					r.Lines = append(r.Lines, l)
				}
			}
		} else {
			r.Error = tail(o.stdout+o.stderr, 3)
		}
		out[sel.Key] = r
	}
	return out
}

// stateModified saves each side's manifest as a state directory, appends a
// comment to one model of the project, and compares `ls -s state:modified`
// and `state:modified+`; the edit is reverted afterwards.
func (c *comparison) stateModified(ctx context.Context, m map[string]any) error {
	nodes, _ := m["nodes"].(map[string]any)
	var target string
	for _, id := range sortedSet(keysOf(nodes)) {
		n, _ := nodes[id].(map[string]any)
		if n["resource_type"] == "model" && n["package_name"] == c.ws.project && n["language"] != "python" && !injectedName(id) {
			target, _ = n["original_file_path"].(string)
			break
		}
	}
	if target == "" {
		return nil
	}
	var restore []func()
	defer func() {
		for _, f := range restore {
			f()
		}
	}()
	for _, s := range c.ws.sides() {
		stateDir := filepath.Join(s.dir, "state")
		if err := os.MkdirAll(stateDir, 0o755); err != nil {
			return err
		}
		for _, f := range []string{"manifest.json", "kiln_state.json"} {
			if _, err := os.Stat(filepath.Join(s.project, "target", f)); err == nil {
				if err := copyFile(filepath.Join(s.project, "target", f), filepath.Join(stateDir, f)); err != nil {
					return err
				}
			}
		}
		p := filepath.Join(s.project, target)
		orig, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		restore = append(restore, func() { _ = os.WriteFile(p, orig, 0o644) })
		if err := os.WriteFile(p, append(append([]byte{}, orig...), []byte("\n-- edited by dbtdiff\n")...), 0o644); err != nil {
			return err
		}
	}
	sels := []selection{{Key: "state:modified", Args: []string{"-s", "state:modified"}}, {Key: "state:modified+", Args: []string{"-s", "state:modified+"}}}
	dres, err := c.dbtLs(ctx, sels, false, "--state", filepath.Join(c.ws.dbt.dir, "state"))
	if err != nil {
		return err
	}
	kres := c.kilnLs(ctx, sels, []string{"--state", filepath.Join(c.ws.kiln.dir, "state")})
	for _, s := range sels {
		c.compareLs(selection{Key: s.Key + " after editing " + target, Args: s.Args}, dres[s.Key], kres[s.Key], false)
	}
	return nil
}

package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/diag"
)

// ProfilesFile is the name of the profiles file.
const ProfilesFile = "profiles.yml"

// Profile is the selected output of a profile in profiles.yml.
type Profile struct {
	Name    string         // profile name
	Target  string         // selected target (output) name
	Output  map[string]any // the rendered output, including type and threads
	Type    string         // Output["type"]
	Threads int            // Output["threads"], default 1
	Path    string         // the profiles.yml used
	Targets []string       // every output name of the profile, sorted
}

// Keys whose rendered values stay strings even if they look like numbers:
// "12345" is a valid password and "007" a valid user.
var profileStringKeys = map[string]bool{
	"password": true, "pass": true, "user": true, "username": true, "dbname": true,
	"database": true, "schema": true, "host": true, "role": true, "search_path": true,
	"path": true, "token": true, "sslmode": true, "sslcert": true, "sslkey": true,
	"sslrootcert": true, "sslpassword": true, "application_name": true, "account": true,
	"warehouse": true, "target": true, "type": true, "private_key": true,
	"private_key_passphrase": true, "motherduck_token": true,
}

// LoadProfile reads dir/profiles.yml and returns the output selected by
// profileName and targetName. profileName comes from --profile,
// DBT_PROFILE or the project's `profile:`; targetName from --target or
// DBT_TARGET, and when empty from the profile's `target:` (rendered first),
// else "default" with a warning. Only the selected output is rendered, so
// env vars used by other targets need not be set. looked lists the places
// searched for profiles.yml (from FindProfilesDir), shown when it is
// missing. No diagnostic ever contains a value from the file.
func LoadProfile(dir, profileName, targetName string, render RenderFunc, looked ...string) (*Profile, diag.List) {
	path := filepath.Join(dir, ProfilesFile)
	src, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			d := diag.Errorf(diag.Pos{}, "no-profiles", "%s not found", ProfilesFile)
			if len(looked) == 0 {
				looked = []string{dir}
			}
			for _, l := range looked {
				d.Notes = append(d.Notes, "looked in "+l)
			}
			d.Suggestion = "create ~/.dbt/profiles.yml, or pass --profiles-dir (or set DBT_PROFILES_DIR) to the directory that has one"
			return nil, diag.List{d}
		}
		return nil, diag.List{diag.Errorf(diag.Pos{File: filepath.ToSlash(path)}, "no-profiles", "cannot read %s: %v", ProfilesFile, rootCause(err))}
	}
	return ParseProfile(filepath.ToSlash(path), src, profileName, targetName, render)
}

// ParseProfile is LoadProfile on the contents of a profiles.yml at path.
func ParseProfile(path string, src []byte, profileName, targetName string, render RenderFunc) (*Profile, diag.List) {
	d := newDoc(path, src)
	d.secret = true
	root := d.parse()
	if d.diags.HasErrors() {
		return nil, d.diags
	}
	if root == nil {
		d.errorf(nil, "profile", "write `<profile name>: {target: dev, outputs: {dev: {type: ...}}}`",
			"%s is empty", ProfilesFile)
		return nil, d.diags
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "profile", "write `<profile name>: {target: dev, outputs: {dev: {type: ...}}}`",
			"%s must be a mapping of profile names", ProfilesFile)
		return nil, d.diags
	}
	var names []string
	var prof *kv
	all := d.pairs(root)
	for i, e := range all {
		if e.Key == "config" { // legacy user config block, not a profile
			continue
		}
		names = append(names, e.Key)
		if e.Key == profileName {
			prof = &all[i]
		}
	}
	sort.Strings(names)
	avail := "available profiles: " + listOrNone(names)
	if profileName == "" {
		x := diag.Errorf(diag.Pos{File: path}, "no-profile-name", "no profile selected")
		x.Suggestion = "set `profile:` in dbt_project.yml or pass --profile"
		x.Notes = []string{avail}
		return nil, append(d.diags, x)
	}
	if prof == nil {
		x := diag.Errorf(diag.Pos{File: path}, "profile-not-found", "profile '%s' not found in %s", profileName, ProfilesFile)
		x.Suggestion = diag.DidYouMean(profileName, names)
		if x.Suggestion == "" {
			x.Suggestion = "add it to profiles.yml, or change `profile:` in dbt_project.yml / --profile"
		}
		x.Notes = []string{avail}
		return nil, append(d.diags, x)
	}
	pn := prof.V
	if pn == nil || pn.Kind != yaml.MappingNode {
		d.errorf(prof.K, "profile", "", "profile '%s' must be a mapping with target: and outputs:", profileName)
		return nil, d.diags
	}
	r := &renderer{doc: d, fn: render, keepString: profileStringKeys}
	var outputs *ynode
	var targetNode *ynode
	for _, e := range d.pairs(pn) {
		switch e.Key {
		case "outputs":
			outputs = e.V
		case "target":
			targetNode = e.V
		default:
			d.warnf(e.K, "unknown-key", diag.DidYouMean(e.Key, []string{"outputs", "target"}),
				"unknown key '%s' in profile '%s'", e.Key, profileName)
		}
	}
	if outputs == nil || outputs.Kind != yaml.MappingNode {
		d.errorf(prof.K, "profile", "add `outputs:` with one entry per target", "profile '%s' has no outputs", profileName)
		return nil, d.diags
	}
	var targets []string
	var out *kv
	ops := d.pairs(outputs)
	if targetName == "" && targetNode != nil && !isNull(targetNode) {
		if targetNode.Kind != yaml.ScalarNode {
			d.errorf(targetNode, "profile", "", "target: must be a string")
		} else {
			v := r.valueKey(targetNode, "target", nil, 0)
			targetName, _ = v.(string)
		}
	}
	if targetName == "" {
		targetName = "default"
		d.warnf(prof.K, "no-target", "set `target:` in the profile or pass --target",
			"profile '%s' has no target: and none was given; using 'default'", profileName)
	}
	for i, e := range ops {
		targets = append(targets, e.Key)
		if e.Key == targetName {
			out = &ops[i]
		}
	}
	sort.Strings(targets)
	if out == nil {
		x := diag.Errorf(d.pos(outputs), "target-not-found", "target '%s' not found in profile '%s'", targetName, profileName)
		x.Suggestion = diag.DidYouMean(targetName, targets)
		if x.Suggestion == "" {
			x.Suggestion = "pass --target with one of the available targets, or add it under outputs:"
		}
		x.Notes = []string{"available targets: " + listOrNone(targets)}
		return nil, append(d.diags, x)
	}
	if out.V == nil || out.V.Kind != yaml.MappingNode {
		d.errorf(out.K, "profile", "", "output '%s' must be a mapping of connection settings", targetName)
		return nil, d.diags
	}
	outMap, _ := r.value(out.V, nil).(map[string]any)
	p := &Profile{Name: profileName, Target: targetName, Output: outMap, Path: path, Targets: targets, Threads: 1}
	keyPos := map[string]*ynode{}
	for _, e := range d.pairs(out.V) {
		keyPos[e.Key] = e.K
	}
	switch t := outMap["type"].(type) {
	case string:
		p.Type = strings.TrimSpace(t)
	}
	if p.Type == "" {
		d.errorf(out.K, "profile", "add e.g. `type: duckdb` or `type: postgres`", "output '%s' has no type", targetName)
	}
	if v, ok := outMap["threads"]; ok && v != nil {
		n, ok := asInt(v)
		if !ok || n < 1 {
			d.errorf(keyPos["threads"], "profile", "", "threads must be a positive integer")
		} else {
			p.Threads = n
		}
	}
	d.diags.Sort()
	return p, d.diags
}

func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case float64:
		if x == float64(int(x)) {
			return int(x), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("'%s'", s)
	}
	return strings.Join(q, ", ")
}

package differ

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Allowlist holds the intended differences: where kiln deliberately differs
// from dbt, each with its reason. Patterns are globs where * matches any
// run of characters.
type Allowlist struct {
	Entries []AllowEntry
}

// AllowEntry explains a family of differences.
type AllowEntry struct {
	Target  string `yaml:"target"`
	Project string `yaml:"project"`
	Node    string `yaml:"node"`
	Check   string `yaml:"check"`
	// DBT and Kiln, when set, must match the two values too.
	DBT    string `yaml:"dbt"`
	Kiln   string `yaml:"kiln"`
	Reason string `yaml:"reason"`

	line int
	re   [6]*regexp.Regexp
}

// LoadAllowlist reads an allowlist file; every entry needs a check and a
// reason.
func LoadAllowlist(path string) (*Allowlist, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var entries []AllowEntry
	if err := doc.Decode(&entries); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) > 0 {
		for i, n := range doc.Content[0].Content {
			if i < len(entries) {
				entries[i].line = n.Line
			}
		}
	}
	for i := range entries {
		e := &entries[i]
		if e.Check == "" || strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%s:%d: an allowlist entry needs a check and a reason", path, e.line)
		}
		for j, p := range []string{e.Target, e.Project, e.Node, e.Check, e.DBT, e.Kiln} {
			if p == "" {
				p = "*"
			}
			e.re[j] = glob(p)
		}
	}
	return &Allowlist{Entries: entries}, nil
}

func glob(p string) *regexp.Regexp {
	parts := strings.Split(p, "*")
	for i, s := range parts {
		parts[i] = regexp.QuoteMeta(s)
	}
	return regexp.MustCompile("(?s)^" + strings.Join(parts, ".*") + "$")
}

// Explain returns the reason of the first entry matching d.
func (a *Allowlist) Explain(d Difference) (string, bool) {
	if a == nil {
		return "", false
	}
	for _, e := range a.Entries {
		vals := []string{d.Target, d.Project, d.Node, d.Check, d.DBT, d.Kiln}
		ok := true
		for j, v := range vals {
			if !e.re[j].MatchString(v) {
				ok = false
				break
			}
		}
		if ok {
			return strings.TrimSpace(e.Reason), true
		}
	}
	return "", false
}

// Known is the list of differences not fixed yet (a to-do list, not an
// excuse): CI fails on any difference outside it and the allowlist, so
// nothing regresses while the list shrinks.
type Known struct {
	keys map[string]bool
}

// LoadKnown reads one difference key per line (# comments allowed). A
// missing file is an empty list.
func LoadKnown(path string) (*Known, error) {
	k := &Known{keys: map[string]bool{}}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return k, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k.keys[l] = true
	}
	return k, sc.Err()
}

// Has reports whether the list names d.
func (k *Known) Has(d Difference) bool { return k != nil && k.keys[d.Key()] }

// Len is the number of listed differences.
func (k *Known) Len() int {
	if k == nil {
		return 0
	}
	return len(k.keys)
}

// WriteKnown writes the keys of the unexplained differences of reports, one
// per line, sorted.
func WriteKnown(path, header string, reports ...*Report) error {
	seen := map[string]bool{}
	for _, r := range reports {
		for _, d := range r.Diffs {
			if d.Reason == "" {
				seen[d.Key()] = true
			}
		}
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(header)
	for _, k := range keys {
		b.WriteString(k + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// Gone returns the listed differences of the runs in reports (same target
// and project) that none of them found any more: fixed, so the list can
// shrink. Projects not run are not judged.
func (k *Known) Gone(reports ...*Report) []string {
	if k == nil {
		return nil
	}
	ran, seen := map[string]bool{}, map[string]bool{}
	for _, r := range reports {
		ran[r.Target+" "+r.Project] = true
		for _, d := range r.Diffs {
			seen[d.Key()] = true
		}
	}
	var out []string
	for key := range k.keys {
		f := strings.SplitN(key, " ", 3)
		if len(f) == 3 && ran[f[0]+" "+f[1]] && !seen[key] {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

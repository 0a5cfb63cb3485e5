package deps

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a semantic version as the dbt hub publishes them (1.2.3,
// 1.0.0-rc1, 0.9.0-b2). Build metadata is ignored.
type Version struct {
	Major, Minor, Patch int
	Pre                 string
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// ParseVersion parses "1.2.3", "v1.2", "1.0.0-rc.1+build".
func ParseVersion(s string) (Version, error) {
	orig := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	var v Version
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.Pre, s = s[i+1:], s[:i]
		if v.Pre == "" {
			return v, fmt.Errorf("invalid version %q", orig)
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return v, fmt.Errorf("invalid version %q", orig)
	}
	nums := []*int{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("invalid version %q", orig)
		}
		*nums[i] = n
	}
	return v, nil
}

// Compare orders versions by semver precedence: a prerelease sorts before
// its release, prerelease identifiers compare numerically when both are
// numbers and lexically otherwise.
func (v Version) Compare(o Version) int {
	for _, d := range []int{v.Major - o.Major, v.Minor - o.Minor, v.Patch - o.Patch} {
		if d != 0 {
			return sign(d)
		}
	}
	switch {
	case v.Pre == o.Pre:
		return 0
	case v.Pre == "":
		return 1
	case o.Pre == "":
		return -1
	}
	a, b := strings.Split(v.Pre, "."), strings.Split(o.Pre, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		na, ea := strconv.Atoi(a[i])
		nb, eb := strconv.Atoi(b[i])
		switch {
		case ea == nil && eb == nil:
			if na != nb {
				return sign(na - nb)
			}
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		default:
			if c := strings.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
	}
	return sign(len(a) - len(b))
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Constraint is one comparison: ">=1.0.0", "<2", "==1.2.3" or a bare version.
type Constraint struct {
	Op string // "=", ">=", ">", "<=", "<"
	V  Version
}

func (c Constraint) String() string {
	if c.Op == "=" {
		return c.V.String()
	}
	return c.Op + c.V.String()
}

// Allows reports whether v satisfies the constraint.
func (c Constraint) Allows(v Version) bool {
	d := v.Compare(c.V)
	switch c.Op {
	case ">=":
		return d >= 0
	case ">":
		return d > 0
	case "<=":
		return d <= 0
	case "<":
		return d < 0
	}
	return d == 0
}

// ParseRange parses one version specifier string, which may hold several
// comparisons separated by commas or spaces (">=1.0.0, <2.0.0").
func ParseRange(s string) ([]Constraint, error) {
	var out []Constraint
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	// Re-join an operator written apart from its version (">= 1.0.0").
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Trim(f, "<>=!") == "" && i+1 < len(fields) {
			f += fields[i+1]
			i++
		}
		op := "="
		for _, p := range []string{">=", "<=", "==", ">", "<", "="} {
			if strings.HasPrefix(f, p) {
				op, f = p, f[len(p):]
				break
			}
		}
		if op == "==" {
			op = "="
		}
		v, err := ParseVersion(f)
		if err != nil {
			return nil, fmt.Errorf("invalid version specifier %q: use a version (1.2.3) or a comparison (>=1.0.0, <2.0.0)", s)
		}
		out = append(out, Constraint{Op: op, V: v})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty version specifier")
	}
	return out, nil
}

// pinsPrerelease reports whether a constraint names v's prerelease exactly,
// which allows that prerelease even without install-prerelease.
func pinsPrerelease(cs []Constraint, v Version) bool {
	for _, c := range cs {
		if c.V.Pre != "" && c.V.Major == v.Major && c.V.Minor == v.Minor && c.V.Patch == v.Patch {
			return true
		}
	}
	return false
}

package project

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/internal/diag"
)

// CheckRequiredVersion compares require-dbt-version with the dbt version
// kiln is compatible with. dbt stops when its version is outside the range;
// kiln is not dbt, so it warns and carries on — a project pinned to an older
// dbt usually still builds, and the warning says where the pin is.
func CheckRequiredVersion(p *Project, version string) diag.List {
	if len(p.RequireDbtVersion) == 0 {
		return nil
	}
	have, ok := parseVersion(version)
	if !ok {
		return nil
	}
	pos := p.Pos("require-dbt-version")
	var out diag.List
	for _, spec := range p.RequireDbtVersion {
		for _, part := range strings.Split(spec, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			match, err := versionMatches(have, part)
			if err != nil {
				out = append(out, diag.Warnf(pos, "require-dbt-version", "require-dbt-version: %v", err))
				continue
			}
			if !match {
				out = append(out, diag.Warnf(pos, "require-dbt-version",
					"require-dbt-version %q excludes dbt %s, the version kiln is compatible with; kiln continues, but check the project's assumptions", part, version))
			}
		}
	}
	return out
}

func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+abrc"); i > 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func compareVersions(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// versionMatches evaluates one specifier such as ">=1.5.0", "<2.0.0",
// "1.11.0" or "==1.11.0".
func versionMatches(have [3]int, spec string) (bool, error) {
	ops := []string{">=", "<=", "==", "!=", ">", "<", "="}
	op := ""
	for _, o := range ops {
		if strings.HasPrefix(spec, o) {
			op = o
			break
		}
	}
	want, ok := parseVersion(strings.TrimPrefix(spec, op))
	if !ok {
		return false, fmt.Errorf("cannot read version specifier %q (use e.g. \">=1.5.0\")", spec)
	}
	c := compareVersions(have, want)
	switch op {
	case ">=":
		return c >= 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	case "<":
		return c < 0, nil
	case "!=":
		return c != 0, nil
	default:
		return c == 0, nil
	}
}

package compiler

import (
	"testing"

	"github.com/kiln-dev/kiln/compiler/project"
)

func TestLatestVersionAndCompare(t *testing.T) {
	np := &project.NodePatch{Versions: []project.ModelVersion{{V: 2}, {V: 10}, {V: 9.5}}}
	if got := latestVersion(np); got != 10 { // numeric, not string order
		t.Errorf("latest %v, want 10", got)
	}
	np.LatestVersion = 2
	if got := latestVersion(np); got != 2 {
		t.Errorf("latest_version given: %v", got)
	}
	if compareVersion("beta", "alpha") <= 0 || compareVersion(1, "1") != 0 || compareVersion("2", 10) >= 0 {
		t.Error("compareVersion: strings compare as strings, numbers as numbers")
	}
}

func TestNormalizeDate(t *testing.T) {
	for in, want := range map[string]string{
		"2025-06-01":                "2025-06-01T00:00:00+00:00",
		"2025-06-01 12:30:00":       "2025-06-01T12:30:00+00:00",
		"2025-06-01T12:30:00+02:00": "2025-06-01T12:30:00+02:00",
		"next year":                 "next year",
	} {
		if got := normalizeDate(in); got != want {
			t.Errorf("normalizeDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVersionColumns(t *testing.T) {
	np := &project.NodePatch{Columns: []project.ColumnPatch{{Name: "id"}, {Name: "name"}, {Name: "country"}}}
	names := func(cs []project.ColumnPatch) (out []string) {
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	got := names(versionColumns(np, &project.ModelVersion{IncludeAll: true, Exclude: []string{"country"}, Columns: []project.ColumnPatch{{Name: "extra"}}}))
	if len(got) != 3 || got[0] != "id" || got[1] != "name" || got[2] != "extra" {
		t.Errorf("include all, exclude country, plus extra: %v", got)
	}
	got = names(versionColumns(np, &project.ModelVersion{Include: []string{"country"}}))
	if len(got) != 1 || got[0] != "country" {
		t.Errorf("include [country]: %v", got)
	}
}

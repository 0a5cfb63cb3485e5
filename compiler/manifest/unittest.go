package manifest

import "github.com/kiln-dev/kiln/internal/diag"

// UnitTestDef is the definition of a unit test (dbt 1.8+). A unit test is a
// Node with ResourceType UnitTest whose UnitTest field is set; manifest.json
// writes it under `unit_tests`, not `nodes`.
type UnitTestDef struct {
	Model     string // the tested model's name (as dbt writes it)
	ModelID   string // the tested model's unique_id
	Given     []UnitTestFixture
	Expect    UnitTestFixture
	Overrides map[string]any // macros, vars, env_vars
	Versions  map[string]any
	// VersionSuffix is "_v<version>" when the tested model is versioned:
	// dbt makes one unit test per tested version, its unique_id, console
	// label and SQL file name carry the suffix, its name does not.
	VersionSuffix string
}

// UnitTestFixture is one `given` input or the `expect` output, as written.
type UnitTestFixture struct {
	Input   string // given only: ref('x'), source('s','t') or this
	Rows    any    // []any of maps (dict), a string (csv, sql) or nil
	Format  string // dict (default), csv, sql
	Fixture string // name of a file under tests/fixtures (without extension)
	Pos     diag.Pos
	// FixturePath and FixtureContent are the resolved fixture file (internal).
	FixturePath, FixtureContent string
}

func (f UnitTestFixture) json(input bool) map[string]any {
	out := map[string]any{"rows": f.Rows, "format": f.Format, "fixture": strPtr(f.Fixture)}
	if out["format"] == "" {
		out["format"] = "dict"
	}
	if input {
		out["input"] = f.Input
	}
	return out
}

// UnitTestJSON is a unit test node's manifest.json entry (under unit_tests).
func (n *Node) UnitTestJSON() any { return n.unitTestJSON() }

// unitTestJSON writes a unit test node as dbt's UnitTestDefinition.
func (n *Node) unitTestJSON() any {
	u := n.UnitTest
	given := make([]any, 0, len(u.Given))
	for _, g := range u.Given {
		given = append(given, g.json(true))
	}
	cfg := map[string]any{"enabled": n.Config.Enabled(), "tags": nonNilStrings(n.Config.Tags()), "meta": nonNilMap(asMap(n.Config["meta"])),
		"static_analysis": n.Config["static_analysis"]}
	out := map[string]any{
		"model":              u.Model,
		"given":              given,
		"expect":             u.Expect.json(false),
		"name":               n.Name,
		"resource_type":      UnitTest,
		"package_name":       n.PackageName,
		"path":               n.Path,
		"original_file_path": n.OriginalFilePath,
		"unique_id":          n.UniqueID,
		"fqn":                nonNilStrings(n.FQN),
		"description":        n.Description,
		"overrides":          nil,
		"depends_on":         DependsOn{Macros: nonNilStrings(n.DependsOn.Macros), Nodes: nonNilStrings(n.DependsOn.Nodes)},
		"config":             cfg,
		"checksum":           strPtr(n.Checksum.Checksum),
		"schema":             strPtr(n.Schema),
		"created_at":         n.CreatedAt,
		"versions":           nil,
		"version":            n.Version,
	}
	if len(u.Overrides) > 0 {
		// dbt writes all three kinds once any is given
		ov := map[string]any{}
		for _, k := range []string{"macros", "vars", "env_vars"} {
			ov[k] = map[string]any{}
			if m, ok := u.Overrides[k].(map[string]any); ok {
				ov[k] = m
			}
		}
		out["overrides"] = ov
	}
	if len(u.Versions) > 0 {
		out["versions"] = map[string]any{"include": u.Versions["include"], "exclude": u.Versions["exclude"]}
	}
	return out
}

// nodeAndUnitTestIDs splits the sorted node IDs into those written under
// `nodes` and the unit tests written under `unit_tests`.
func (m *Manifest) nodeAndUnitTestIDs() (nodes, unitTests []string) {
	for _, id := range Sorted(m.Nodes) {
		if m.Nodes[id].UnitTest != nil {
			unitTests = append(unitTests, id)
		} else {
			nodes = append(nodes, id)
		}
	}
	return nodes, unitTests
}

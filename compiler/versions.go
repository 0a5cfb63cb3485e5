package compiler

// Model versions. A model entry with `versions:` does not patch a file
// named after the model: each version patches its own file (`<name>_v<v>`,
// or `defined_in:`; the latest version may also live in `<name>.sql`), and
// becomes the node model.<pkg>.<name>.v<v>, named <name>, with fqn
// [..., name, v<v>], relation <name>_v<v> and the model's properties merged
// with the version's. ref('name') resolves to the latest version, as dbt.

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/compiler/project"
	"github.com/kiln-dev/kiln/internal/diag"
)

// versionRef is what one versioned model file is patched with.
type versionRef struct {
	model  *project.NodePatch    // the model entry, as written
	ver    *project.ModelVersion // this version
	patch  *project.NodePatch    // model and version merged
	file   string                // the property file
	latest any
}

// latestVersion is latest_version when set, else the greatest version
// (numerically when every version is a number, as dbt compares them).
func latestVersion(np *project.NodePatch) any {
	if np.LatestVersion != nil {
		return np.LatestVersion
	}
	var best any
	for _, v := range np.Versions {
		if best == nil || compareVersion(v.V, best) > 0 {
			best = v.V
		}
	}
	return best
}

// compareVersion orders two versions as dbt does: as floats when both
// parse as numbers, else as strings.
func compareVersion(a, b any) int {
	as, bs := project.FormatVersion(a), project.FormatVersion(b)
	af, errA := strconv.ParseFloat(as, 64)
	bf, errB := strconv.ParseFloat(bs, 64)
	if errA == nil && errB == nil {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	return strings.Compare(as, bs)
}

func sameVersion(a, b any) bool {
	return a != nil && b != nil && compareVersion(a, b) == 0
}

// indexVersions maps the model files of one package to the versions they
// define. It runs before the package's models are parsed (in parallel), so
// parseSQLFile only reads the map.
func (b *builder) indexVersions(pf *pkgFiles, files []project.File) {
	names := map[string]bool{}
	for _, f := range files {
		base := path.Base(f.Path)
		names[strings.TrimSuffix(base, path.Ext(base))] = true
	}
	if b.versionFiles == nil {
		b.versionFiles = map[patchKey]*versionRef{}
	}
	for k, pr := range b.patches {
		if k.pkg != pf.proj.Name || k.kind != "models" || len(pr.patch.Versions) == 0 {
			continue
		}
		np := pr.patch
		latest := latestVersion(np)
		if np.LatestVersion != nil && !slices.ContainsFunc(np.Versions, func(v project.ModelVersion) bool { return sameVersion(v.V, latest) }) {
			vs := make([]string, len(np.Versions))
			for i, v := range np.Versions {
				vs[i] = project.FormatVersion(v.V)
			}
			b.addDiag(diag.Diagnostic{Severity: diag.Error, Code: "latest-version", Pos: np.Pos,
				Message:    fmt.Sprintf("latest_version %s of model '%s' is not one of its versions (%s)", project.FormatVersion(latest), np.Name, strings.Join(vs, ", ")),
				Suggestion: "set latest_version to one of the v: values, or add that version"})
		}
		for i := range np.Versions {
			v := &np.Versions[i]
			file := v.DefinedIn
			if file == "" {
				file = np.Name + "_" + v.VersionName()
			}
			if !names[file] && v.DefinedIn == "" && sameVersion(v.V, latest) && names[np.Name] {
				file = np.Name // the latest version may be defined without a suffix
			}
			if !names[file] {
				b.addDiag(diag.Diagnostic{Severity: diag.Warning, Code: "unused-patch", Pos: v.Pos,
					Message:    fmt.Sprintf("version %s of model '%s' in %s matches no model file: expected %s.sql", project.FormatVersion(v.V), np.Name, pr.file, file),
					Suggestion: "create the file, or name it with defined_in:"})
				continue
			}
			pr.used = true
			b.versionFiles[patchKey{k.pkg, "models", file}] = &versionRef{model: np, ver: v, patch: mergeVersion(np, v), file: pr.file, latest: latest}
		}
	}
}

// mergeVersion is the model's entry with one version's properties over it.
func mergeVersion(np *project.NodePatch, v *project.ModelVersion) *project.NodePatch {
	out := *np
	out.Versions = nil
	out.Description = firstNonEmpty(v.Description, np.Description)
	out.Config = deepMerge(np.Config, v.Config)
	if len(v.Docs) > 0 {
		out.Docs = v.Docs
	}
	if v.Access != "" {
		out.Access = v.Access
	}
	if len(v.Constraints) > 0 {
		out.Constraints = v.Constraints
	}
	if v.Tests != nil {
		out.Tests = v.Tests
	}
	out.Columns = versionColumns(np, v)
	out.DeprecationDate = v.DeprecationDate
	return &out
}

// versionColumns: the model's columns the version includes, then the
// version's own column entries.
func versionColumns(np *project.NodePatch, v *project.ModelVersion) []project.ColumnPatch {
	var out []project.ColumnPatch
	for _, c := range np.Columns {
		if slices.Contains(v.Exclude, c.Name) {
			continue
		}
		if v.IncludeAll || slices.Contains(v.Include, c.Name) {
			out = append(out, c)
		}
	}
	return append(out, v.Columns...)
}

// deepMerge merges mappings recursively; anything else in src replaces
// dst (dbt's deep_merge of a model's and a version's config).
func deepMerge(dst, src map[string]any) map[string]any {
	if len(src) == 0 {
		return dst
	}
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = deepMerge(dm, sm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// applyVersion turns a node parsed from a version's file into that version.
func applyVersion(n *manifest.Node, vr *versionRef) {
	n.Name = vr.model.Name
	n.UniqueID = manifest.Model + "." + n.PackageName + "." + vr.model.Name + "." + vr.ver.VersionName()
	n.FQN = append(append(append([]string{}, n.FQN[:len(n.FQN)-1]...), vr.model.Name), vr.ver.VersionName())
	n.Version = vr.ver.V
	n.LatestVersion = vr.latest
	if vr.ver.DeprecationDate != "" {
		n.DeprecationDate = normalizeDate(vr.ver.DeprecationDate)
	}
}

// normalizeDate writes a deprecation_date as dbt does: an ISO datetime
// with an offset (UTC when none is written).
func normalizeDate(s string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			out := t.Format("2006-01-02T15:04:05")
			if t.Nanosecond() != 0 {
				out += fmt.Sprintf(".%06d", t.Nanosecond()/1000)
			}
			_, off := t.Zone()
			sign := "+"
			if off < 0 {
				sign, off = "-", -off
			}
			return out + fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60)
		}
	}
	return s
}

// versionsOf lists the versions of a model name that exist in a package,
// for messages.
func (idx *nameIndex) versionsOf(name string) []string {
	var out []string
	for _, n := range idx.byName[name] {
		if n.Version != nil {
			out = append(out, project.FormatVersion(n.Version))
		}
	}
	slices.SortFunc(out, func(a, b string) int { return compareVersion(a, b) })
	return out
}

// versionOf is the version a node was built as (nil for other nodes).
func (b *builder) versionOf(n *manifest.Node) *versionRef {
	if n.Version == nil || n.ResourceType != manifest.Model {
		return nil
	}
	base := path.Base(n.OriginalFilePath)
	return b.versionFiles[patchKey{n.PackageName, "models", strings.TrimSuffix(base, path.Ext(base))}]
}

// warnVersionedRef warns, as dbt does when it compiles, about a ref that
// resolves to a deprecated version, and about an unpinned ref while a
// newer (prerelease) version exists, which the ref will silently move to.
func (b *builder) warnVersionedRef(n *manifest.Node, r manifest.RefArgs, t *manifest.Node) {
	pos := n.Pos
	if l, c := findLine(n.RawCode, "ref", r.Name); l > 0 {
		pos.Line, pos.Col = l, c
	}
	ver := project.FormatVersion(t.Version)
	if d, _ := t.DeprecationDate.(string); d != "" {
		if when, err := time.Parse(time.RFC3339, d); err == nil && when.Before(b.r.opts.RunStartedAt) {
			b.addDiag(diag.Diagnostic{Severity: diag.Warning, Code: "deprecated-ref", Pos: pos,
				Message:    fmt.Sprintf("%s '%s' refers to %s.v%s, which was deprecated on %s", n.ResourceType, n.Name, t.Name, ver, when.Format("2006-01-02")),
				Suggestion: fmt.Sprintf("move to the latest version: ref('%s')", t.Name)})
		}
	}
	if r.Version != nil {
		return
	}
	var newer []string
	for _, o := range b.r.index.byName[r.Name] {
		if o.PackageName == t.PackageName && o.Version != nil && compareVersion(o.Version, t.Version) > 0 {
			newer = append(newer, project.FormatVersion(o.Version))
		}
	}
	if len(newer) == 0 {
		return
	}
	slices.SortFunc(newer, func(a, b string) int { return compareVersion(a, b) })
	b.addDiag(diag.Diagnostic{Severity: diag.Warning, Code: "unpinned-ref", Pos: pos,
		Message: fmt.Sprintf("%s '%s' refers to versioned model '%s' without a version: it resolves to the latest, v%s; prerelease v%s is not yet the latest, and the ref will move to it when it is",
			n.ResourceType, n.Name, r.Name, ver, newer[len(newer)-1]),
		Suggestion: fmt.Sprintf("pin it: ref('%s', v=%s), or try ref('%s', v=%s)", r.Name, ver, r.Name, newer[len(newer)-1])})
}

// Package dbtpkg embeds kiln's internal "dbt" macro package: the naming
// macros, the built-in generic tests, is_incremental and the
// cross-database macros, written as Jinja so that projects and packages can
// override them exactly as in dbt.
package dbtpkg

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed macros/*.sql
var macros embed.FS

// File is one embedded macro file.
type File struct {
	Path   string // e.g. "macros/naming.sql"
	Source string
}

// Files returns the embedded macro files in a stable order.
func Files() []File {
	paths, err := fs.Glob(macros, "macros/*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(paths)
	out := make([]File, 0, len(paths))
	for _, p := range paths {
		b, err := macros.ReadFile(p)
		if err != nil {
			panic(err)
		}
		out = append(out, File{Path: "dbt/" + p, Source: string(b)})
	}
	return out
}

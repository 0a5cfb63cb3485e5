package jinja

// The internal dbt package (dbtpkg) is registered without being parsed.
// Parsing its ten files is ~4.5 ms of CPU, a quarter of a small project's
// `kiln parse` and paid by every command that loads a project, while a
// typical command calls few of its 240 macros (often none: the parse cache,
// and the Go fast paths for naming and materializations). dbtpkg.Index,
// generated from the parser's own output, checked by TestInternalIndexCurrent
// and ignored for a file whose hash it does not match, holds what
// registering and the manifest need —
// each macro's registered name, line, span and the macros it calls — and a
// file is parsed the first time one of its macros is called. Overrides are
// unaffected: lookup works on names, as before.

import (
	"fmt"
	"sync"

	"github.com/kiln-dev/kiln/compiler/jinja/dbtpkg"
)

// lazyFile is an internal macro file parsed on first use.
type lazyFile struct {
	once      sync.Once
	path, src string // src normalized
	defs      []*macroDef
}

// parse parses the file once and gives every macro of it its tree.
func (f *lazyFile) parse() {
	f.once.Do(func() {
		parsed, err := parseMacroFile("dbt", f.path, f.src)
		if err != nil {
			panic(fmt.Sprintf("internal dbt package: %v", err))
		}
		nodes := make(map[string]*macroNode, len(parsed))
		for _, d := range parsed {
			nodes[d.name] = d.node
		}
		for _, d := range f.defs {
			if d.node = nodes[d.name]; d.node == nil {
				// Cannot happen: the index entry's hash matched the file.
				panic(fmt.Sprintf("internal dbt package: %s: macro %q is in dbtpkg.Index but not in the file", f.path, d.name))
			}
		}
	})
}

var (
	internalOnce sync.Once
	internal     []*macroDef
)

// internalDefs are the internal package's macros in file order, built once
// per process and shared by every Env (they are immutable once parsed).
func internalDefs() []*macroDef {
	internalOnce.Do(func() {
		for _, f := range dbtpkg.Files() {
			internal = append(internal, indexedFile(f)...)
		}
	})
	return internal
}

// indexedFile registers f's macros from the index; a file the index does
// not list, or lists with another hash (edited without regenerating the
// index), is parsed right away.
func indexedFile(f dbtpkg.File) []*macroDef {
	ix, ok := dbtpkg.Index[f.Path]
	if !ok || ix.Sum != dbtpkg.Sum(f.Source) {
		defs, err := parseMacroFile("dbt", f.Path, f.Source)
		if err != nil {
			panic(fmt.Sprintf("internal dbt package: %v", err))
		}
		return defs
	}
	lf := &lazyFile{path: f.Path, src: normalizeSource(f.Source)}
	for _, x := range ix.Macros {
		d := &macroDef{pkg: "dbt", name: x.Name, path: f.Path, src: lf.src, lazy: lf}
		d.val = &macroVal{def: d}
		d.meta = &Macro{Package: "dbt", Name: x.Name, Path: f.Path, Line: x.Line, SQL: f.Source[x.Start:x.End], DependsOn: x.DependsOn,
			Calls: x.Calls, CallsConfig: x.CallsConfig}
		lf.defs = append(lf.defs, d)
	}
	return lf.defs
}

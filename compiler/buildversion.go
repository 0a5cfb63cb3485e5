package compiler

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
)

// buildVersion identifies the kiln binary for the parse cache: a cache
// written by another build (a release, or a development build of other
// source) may hold render results that build computed differently, so it
// must not be reused. The module version and VCS revision name releases
// and clean builds; a development build of a modified tree has the same
// revision before and after an edit, so the executable's size and
// modification time are part of it too. A variable so tests can change it.
var buildVersion = sync.OnceValue(func() string {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " " + bi.Main.Version + " " + bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				v += " " + s.Value
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			v += fmt.Sprintf(" %d %d", st.Size(), st.ModTime().UnixNano())
		}
	}
	return v
})

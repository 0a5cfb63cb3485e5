package compiler

import (
	"github.com/kiln-dev/kiln/compiler/manifest"
	"github.com/kiln-dev/kiln/internal/diag"
)

func diagPos(file string) diag.Pos { return diag.Pos{File: file} }

// shownFile is the path messages give for a node's file (manifest.Node.Shown).
func shownFile(n *manifest.Node) string { return n.Shown() }

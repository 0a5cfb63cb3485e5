package compiler

import "github.com/kiln-dev/kiln/internal/diag"

func diagPos(file string) diag.Pos { return diag.Pos{File: file} }

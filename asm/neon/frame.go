package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"strings"
)

// argFrame is the ABI0 argument frame of a Go signature on arm64: the
// offset from FP of every argument word as the assembler names it (x_base,
// x_len, x_cap for a slice x; n for a scalar n; ret for the one unnamed
// result) and the size of the frame, arguments and results together.
type argFrame struct {
	offset map[string]int
	size   int
}

// typeSize gives the size (also the alignment) of each type a kernel
// signature may use; a slice is three words.
var typeSize = map[string]int{
	"int": 8, "*float32": 8, "float32": 4, "uint32": 4, "bool": 1,
	"[]float32": 24, "[]uint16": 24, "[]int8": 24,
}

// layoutFrame computes the frame of sig, a parameter list and optional
// result as written after the function's name, e.g.
// "(x, y []float32) float32". Arguments are aligned to their size;
// results start at the next 8-byte boundary after the arguments, as Go's
// ABI0 lays them out (go vet's asmdecl checks the result).
func layoutFrame(sig string) argFrame {
	expr, err := parser.ParseExpr("func" + sig)
	if err != nil {
		panic(fmt.Sprintf("frame: signature %q: %v", sig, err))
	}
	ft := expr.(*ast.FuncType)
	fr := argFrame{offset: map[string]int{}}
	place := func(fields *ast.FieldList, unnamed string) {
		if fields == nil {
			return
		}
		for _, field := range fields.List {
			typ := typeString(field.Type)
			size, ok := typeSize[typ]
			if !ok {
				panic(fmt.Sprintf("frame: signature %q: type %s", sig, typ))
			}
			names := field.Names
			if len(names) == 0 {
				names = []*ast.Ident{{Name: unnamed}}
			}
			for _, name := range names {
				off := (fr.size + min(size, 8) - 1) &^ (min(size, 8) - 1)
				if strings.HasPrefix(typ, "[]") {
					fr.offset[name.Name+"_base"] = off
					fr.offset[name.Name+"_len"] = off + 8
					fr.offset[name.Name+"_cap"] = off + 16
				} else {
					fr.offset[name.Name] = off
				}
				fr.size = off + size
			}
		}
	}
	place(ft.Params, "")
	if ft.Results != nil {
		fr.size = (fr.size + 7) &^ 7
		place(ft.Results, "ret")
	}
	return fr
}

func typeString(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return "*" + typeString(t.X)
	case *ast.ArrayType:
		if t.Len == nil {
			return "[]" + typeString(t.Elt)
		}
	}
	panic(fmt.Sprintf("frame: unsupported type %T", e))
}

// arg returns the assembler operand of the named argument word, e.g.
// arg("x_len") is "x_len+8(FP)" in (x, y []float32).
func (f *function) arg(name string) string {
	off, ok := f.args.offset[name]
	if !ok {
		panic(fmt.Sprintf("%s: no argument %s in %s", f.name, name, f.signature))
	}
	return fmt.Sprintf("%s+%d(FP)", name, off)
}

package core_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The engine must run natively, under wazero and in a browser, with the
// host passing the clock and the randomness. These tests hold core to it.

// forbiddenAnywhere may not appear anywhere in core's dependency graph,
// standard library included.
var forbiddenAnywhere = []string{"net", "os/exec", "os/signal", "plugin", "crypto/rand"}

// forbiddenDirect may not be imported by core, nor by any non-standard
// package core depends on.
var forbiddenDirect = []string{"os", "syscall", "net", "os/exec", "time", "fmt"}

// corePackages are core's packages: all of ./core/... (the store test
// suite, which imports testing, lives in internal/storetest).
var corePackages = []string{"./..."}

// forbiddenDeps may not appear anywhere in the dependency graph of
// corePackages, standard library included: no operating system, no clock,
// no fmt (which brings os and syscall). The engine gets time and randomness
// from its host.
var forbiddenDeps = []string{"os", "syscall", "net", "os/exec", "time", "fmt"}

// allowedVia names standard packages whose own dependencies would be
// tolerated; none are: core's whole graph is free of the forbidden ones.
var allowedVia = map[string]string{}

// forbiddenCalls are package-level functions core may not call: the clock,
// timers and global randomness belong to the host.
var forbiddenCalls = map[string][]string{
	"time": {"Now", "Sleep", "Since", "Until", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker"},
	"math/rand": {"Int", "Intn", "Int31", "Int31n", "Int63", "Int63n", "Uint32", "Uint64",
		"Float32", "Float64", "Perm", "Shuffle", "Seed", "Read", "ExpFloat64", "NormFloat64"},
	"math/rand/v2": {"Int", "IntN", "Int32", "Int32N", "Int64", "Int64N", "Uint", "UintN", "Uint32", "Uint32N",
		"Uint64", "Uint64N", "Float32", "Float64", "Perm", "Shuffle", "N", "ExpFloat64", "NormFloat64"},
}

type pkgInfo struct {
	path     string
	standard bool
	dir      string
	files    []string
	imports  []string
}

func listDeps(t *testing.T, patterns ...string) []pkgInfo {
	t.Helper()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "list", "-deps", "-f",
		"{{.ImportPath}}\t{{.Standard}}\t{{.Dir}}\t{{join .GoFiles \",\"}}\t{{join .Imports \",\"}}")
	cmd.Args = append(cmd.Args, patterns...)
	cmd.Dir = "." // core/
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Skipf("go list unavailable: %v", err)
	}
	var pkgs []pkgInfo
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 5 {
			t.Fatalf("go list: odd line %q", sc.Text())
		}
		p := pkgInfo{path: f[0], standard: f[1] == "true", dir: f[2]}
		if f[3] != "" {
			p.files = strings.Split(f[3], ",")
		}
		if f[4] != "" {
			p.imports = strings.Split(f[4], ",")
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestCoreDependsOnNoOS(t *testing.T) {
	pkgs := listDeps(t, corePackages...)
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.path] = true
	}
	if !seen["github.com/foliodb/folio/core"] {
		t.Fatalf("go list -deps ./... from core did not list core itself: %d packages", len(pkgs))
	}
	for _, bad := range forbiddenAnywhere {
		if seen[bad] {
			t.Errorf("core depends on %q (go list -deps ./core/...)", bad)
		}
	}
	for _, p := range pkgs {
		if p.standard {
			continue
		}
		if msg := checkImports(p.path, p.imports); msg != "" {
			t.Error(msg)
		}
	}
}

func checkImports(pkg string, imports []string) string {
	for _, imp := range imports {
		for _, bad := range forbiddenDirect {
			if imp == bad {
				return fmt.Sprintf("package %s imports %q: core must stay pure (see DESIGN.md)", pkg, imp)
			}
		}
	}
	return ""
}

func TestCoreSourceIsPure(t *testing.T) {
	n := 0
	for _, p := range listDeps(t) {
		if !strings.HasPrefix(p.path, "github.com/foliodb/folio/core") {
			continue
		}
		for _, name := range p.files {
			path := filepath.Join(p.dir, name)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range checkSource(path, src) {
				t.Error(v)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no core source files checked")
	}
}

// checkSource reports go statements and calls of forbidden functions in
// one file.
func checkSource(filename string, src []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return []string{err.Error()}
	}
	// Local names of the watched imports.
	local := map[string]string{} // local name -> import path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if _, watched := forbiddenCalls[path]; !watched {
			continue
		}
		name := path[strings.LastIndex(path, "/")+1:]
		if path == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = path
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			out = append(out, fmt.Sprintf("%s: go statement: core never starts goroutines", fset.Position(n.Pos())))
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			path, ok := local[id.Name]
			if !ok {
				return true
			}
			for _, fn := range forbiddenCalls[path] {
				if n.Sel.Name == fn {
					out = append(out, fmt.Sprintf("%s: %s.%s: the host owns the clock and randomness", fset.Position(n.Pos()), path, fn))
				}
			}
		}
		return true
	})
	return out
}

func TestPurityCheckerCatchesViolations(t *testing.T) {
	bad := `package x

import (
	"math/rand/v2"
	clock "time"
)

func f() {
	_ = clock.Now()
	clock.Sleep(1)
	_ = rand.IntN(3)
	go func() {}()
	_ = clock.Duration(1) // a type, allowed
	r := rand.New(rand.NewPCG(1, 2)) // seeded by the caller, allowed
	_ = r.IntN(3)
}
`
	got := checkSource("bad.go", []byte(bad))
	want := []string{"time.Now", "time.Sleep", "math/rand/v2.IntN", "go statement"}
	if len(got) != len(want) {
		t.Fatalf("checker found %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("violation %d = %q, want it to name %s", i, got[i], w)
		}
	}
	if msg := checkImports("x", []string{"fmt", "os"}); msg == "" {
		t.Error("checkImports accepted an import of os")
	}
	if msg := checkImports("x", []string{"fmt"}); msg == "" {
		t.Error("checkImports accepted an import of fmt")
	}
	if msg := checkImports("x", []string{"strings", "strconv"}); msg != "" {
		t.Errorf("checkImports rejected clean imports: %s", msg)
	}
}

// TestCoreDependsOnNoClockNoFmt holds core's whole dependency graph,
// standard library included, free of forbiddenDeps. A package reached only
// through an allowedVia package is tolerated (and logged); any other is an
// error naming the import chain that brings it.
func TestCoreDependsOnNoClockNoFmt(t *testing.T) {
	pkgs := listDeps(t, corePackages...)
	imports := map[string][]string{}
	var roots []string
	for _, p := range pkgs {
		imports[p.path] = p.imports
		if strings.HasPrefix(p.path, "github.com/foliodb/folio/core") {
			roots = append(roots, p.path)
		}
	}
	if len(roots) == 0 {
		t.Fatal("go list found no core packages")
	}
	for _, bad := range forbiddenDeps {
		if chain := importChain(roots, imports, bad, allowedVia); chain != nil {
			t.Errorf("core depends on %q: %s", bad, strings.Join(chain, " -> "))
		} else if chain := importChain(roots, imports, bad, nil); chain != nil {
			via := ""
			for _, p := range chain {
				if why, ok := allowedVia[p]; ok {
					via = p + " (" + why + ")"
					break
				}
			}
			t.Logf("tolerated: %q only through %s: %s", bad, via, strings.Join(chain, " -> "))
		}
	}
}

// importChain returns the shortest import path from one of roots to target,
// not passing through any package in skip, or nil when there is none.
func importChain(roots []string, imports map[string][]string, target string, skip map[string]string) []string {
	parent := map[string]string{}
	queue := []string{}
	for _, r := range roots {
		parent[r] = ""
		queue = append(queue, r)
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == target {
			var chain []string
			for ; p != ""; p = parent[p] {
				chain = append([]string{p}, chain...)
			}
			return chain
		}
		for _, imp := range imports[p] {
			if _, seen := parent[imp]; seen {
				continue
			}
			if _, skipped := skip[imp]; skipped {
				continue
			}
			parent[imp] = p
			queue = append(queue, imp)
		}
	}
	return nil
}

func TestImportChain(t *testing.T) {
	imports := map[string][]string{
		"core":     {"strings", "math/big"},
		"math/big": {"fmt"},
		"fmt":      {"os"},
	}
	if got := strings.Join(importChain([]string{"core"}, imports, "os", nil), " -> "); got != "core -> math/big -> fmt -> os" {
		t.Errorf("chain = %q", got)
	}
	if got := importChain([]string{"core"}, imports, "os", map[string]string{"math/big": ""}); got != nil {
		t.Errorf("chain through a skipped package = %q", got)
	}
}

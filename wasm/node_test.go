package wasm_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// node returns the node binary, or skips (fails with FOLIO_REQUIRE_NODE=1).
func node(t *testing.T) string {
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("FOLIO_REQUIRE_NODE") == "1" {
			t.Fatal("node not found and FOLIO_REQUIRE_NODE=1")
		}
		t.Skip("node not found: skipping the Node WASI runner")
	}
	return p
}

func runNode(t *testing.T, files ...string) (string, error) {
	cmd := exec.Command(node(t), append([]string{"--no-warnings", "node/run.mjs", "--wasm", "folio.wasm"}, files...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestNodeRunner plays transcripts on folio.wasm in Node's WASI with a
// JavaScript store. FOLIO_NODE_ALL=1 adds every conformance transcript.
func TestNodeRunner(t *testing.T) {
	files := []string{"node/testdata/smoke.txt"}
	if os.Getenv("FOLIO_NODE_ALL") == "1" {
		more, _ := filepath.Glob("../conformance/testdata/*.txt")
		files = append(files, more...)
	}
	out, err := runNode(t, files...)
	if err != nil {
		t.Fatalf("node run.mjs: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(out))
}

// TestNodeRunnerFails checks that a wrong recorded reply makes the runner
// fail, so that TestNodeRunner can fail.
func TestNodeRunnerFails(t *testing.T) {
	node(t)
	b, err := os.ReadFile("node/testdata/smoke.txt")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), "hello world", "hello there", 1)
	p := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(p, []byte(bad), 0o644)
	out, err := runNode(t, p)
	if err == nil || !strings.Contains(out, "want:") {
		t.Fatalf("a wrong transcript passed:\n%s", out)
	}
}

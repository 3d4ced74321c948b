package wasm_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/wasm"
)

// TestCorpusNoDiff plays every conformance transcript on native and on the
// plugin, side by side, and fails where the plugin does worse than native
// against the recorded reply, or where both miss it but differently.
func TestCorpusNoDiff(t *testing.T) {
	files, _ := filepath.Glob("../conformance/testdata/*.txt")
	if len(files) == 0 {
		t.Skip("no conformance transcripts")
	}
	skipIfStale(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			steps, err := transcript.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			n, err := native.Open(":memory:", native.WithSeed(1))
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			w, err := wasm.Open(":memory:", wasm.WithSeed(1))
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			ns := n.NewSession()
			ws, _ := w.NewSession()
			for _, st := range steps {
				as := make([]any, len(st.Cmd))
				for i, a := range st.Cmd {
					as[i] = a
				}
				nr, err1 := ns.Raw(ctx, as...)
				wr, err2 := ws.Exec(st.Args())
				if err1 != nil || err2 != nil {
					t.Fatalf("line %d %s: native %v, wasm %v", st.Line, st.Text, err1, err2)
				}
				if st.Mode == transcript.NoReply {
					continue
				}
				nerr, werr := st.Check(nr), st.Check(wr)
				if nerr == nil && werr != nil || nerr != nil && werr != nil && st.Mode == transcript.Exact && !bytes.Equal(nr, wr) {
					t.Errorf("line %d %s\nnative: %q\nwasm:   %q", st.Line, st.Text, nr, wr)
				}
			}
		})
	}
}

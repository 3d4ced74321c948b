package conformance

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
)

// corpus is one parsed transcript file.
type corpus struct {
	path  string
	steps []transcript.Step
}

// loadCorpus parses every testdata/*.txt; a file that does not parse fails
// the test.
func loadCorpus(t testing.TB) []corpus {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		t.Fatal("no transcripts in testdata/")
	}
	var out []corpus
	for _, p := range paths {
		steps, err := transcript.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpus{path: p, steps: steps})
	}
	return out
}

// play runs one transcript on c and fails at its first difference: the
// steps after it depend on state the difference may have changed.
func play(t *testing.T, who string, c conn, f corpus) {
	t.Helper()
	for _, st := range f.steps {
		if st.Want == "" && st.Mode != transcript.NoReply {
			t.Errorf("%s:%d: %s: no reply recorded: run go run ./conformance/cmd/record %s", f.path, st.Line, st.Text, f.path)
			return
		}
		got, err := c.Do(st.Args())
		if err != nil {
			t.Errorf("%s:%d: %s\n%s: %v", f.path, st.Line, st.Text, who, err)
			return
		}
		if err := st.Check(got); err != nil {
			t.Errorf("%s:%d: %s: %v\nredis: %s\n%s: %s", f.path, st.Line, st.Text, err, clip(st.Want), who, clip(transcript.Text(got)))
			return
		}
	}
}

// TestTranscripts plays the corpus against every Folio target.
func TestTranscripts(t *testing.T) {
	files := loadCorpus(t)
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			for _, f := range files {
				t.Run(filepath.Base(f.path), func(t *testing.T) {
					c, skip := tg.open(t)
					if skip != "" {
						t.Skip(skip)
					}
					defer c.Close()
					c.Do(argsOf("FLUSHALL"))
					play(t, tg.name, c, f)
				})
			}
		})
	}
}

// TestTranscriptsAgainstRedis plays the corpus against a real redis-server:
// it proves every recorded reply is Redis's (and catches a file recorded
// with a bad hand edit, or replies that depend on timing).
func TestTranscriptsAgainstRedis(t *testing.T) {
	files := loadCorpus(t)
	redisAddr(t)
	for _, f := range files {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			c := dialRedis(t)
			defer c.Close()
			play(t, "redis now", c, f)
		})
	}
}

// clip quotes a reply for a failure message, eliding the middle of a long
// one.
func clip(s string) string {
	const max = 1500
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q ... (%d bytes) ... %q", s[:max*2/3], len(s), s[len(s)-max/3:])
}

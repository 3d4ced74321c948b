package sqlitestore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/ncruces/go-sqlite3"
)

// The tests below re-execute this test binary as child processes; the
// environment variable childEnv selects what the child does.
const childEnv = "FOLIO_SQLITE_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := child(mode, os.Getenv("FOLIO_SQLITE_PATH"), os.Getenv("FOLIO_SQLITE_ARG")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(mode, path, arg string) error {
	switch mode {
	case "counter":
		n, _ := strconv.Atoi(arg)
		s, err := sqlitestore.Open(path, sqlitestore.Options{})
		if err != nil {
			return err
		}
		defer s.Close()
		for range n {
			if err := increment(s); err != nil {
				return err
			}
		}
		return nil
	case "incr":
		n, _ := strconv.Atoi(arg)
		db, err := native.Open(path)
		if err != nil {
			return err
		}
		defer db.Close()
		for range n {
			if _, err := db.Do(context.Background(), "INCR", "k"); err != nil {
				return err
			}
		}
		return nil
	case "watch":
		n, _ := strconv.Atoi(arg)
		db, err := native.Open(path)
		if err != nil {
			return err
		}
		defer db.Close()
		for range n {
			if err := watchIncrement(db); err != nil {
				return err
			}
		}
		return nil
	case "crashnative":
		round, _ := strconv.Atoi(arg)
		db, err := native.Open(path)
		if err != nil {
			return err
		}
		ctx := context.Background()
		for i := 0; ; i++ {
			for _, args := range [][]any{
				{"MULTI"},
				{"SET", pairKey(round, i, 'a'), pairValue(round, i)},
				{"SET", pairKey(round, i, 'b'), pairValue(round, i)},
			} {
				if _, err := db.Do(ctx, args...); err != nil {
					return err
				}
			}
			v, err := db.Do(ctx, "EXEC")
			if err != nil {
				return err
			}
			if r, ok := v.([]any); !ok || len(r) != 2 || r[0] != "OK" || r[1] != "OK" {
				return fmt.Errorf("EXEC = %v", v)
			}
			fmt.Fprintf(os.Stdout, "%d\n", i)
		}
	case "crash", "crashlog":
		round, _ := strconv.Atoi(arg)
		base, err := sqlitestore.Open(path, sqlitestore.Options{WALLimit: 1 << 20})
		if err != nil {
			return err
		}
		var s store.Store = base
		var ls *logstore.Store
		if mode == "crashlog" {
			// Through logstore, merging every 128 transactions and at a
			// pretended pause every 50: kills land inside merges too.
			ls = logstore.New(base, logstore.Options{MergeEntries: 256})
			s = ls
		}
		for i := 0; ; i++ {
			tx, err := s.Begin(true)
			if err != nil {
				return err
			}
			if err := tx.Put(pairKey(round, i, 'a'), pairValue(round, i)); err != nil {
				return err
			}
			if err := tx.Put(pairKey(round, i, 'b'), pairValue(round, i)); err != nil {
				return err
			}
			if err := tx.Commit(); err != nil {
				return err
			}
			// os.Stdout is unbuffered: the line is out once Write returns.
			fmt.Fprintf(os.Stdout, "%d\n", i)
			if ls != nil && i%50 == 49 {
				if err := ls.Idle(); err != nil {
					return err
				}
			}
		}
	}
	return fmt.Errorf("unknown child mode %q", mode)
}

// increment adds one to the counter "n" in one transaction.
func increment(s *sqlitestore.Store) error {
	tx, err := s.Begin(true)
	if err != nil {
		return err
	}
	v, _, err := tx.Get([]byte("n"))
	if err != nil {
		tx.Rollback()
		return err
	}
	n, _ := strconv.Atoi(string(v))
	if err := tx.Put([]byte("n"), []byte(strconv.Itoa(n+1))); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// watchIncrement adds one to "w" with WATCH/GET/MULTI/SET/EXEC, retrying
// when another process changed it in between (EXEC replies nil).
func watchIncrement(db *native.DB) error {
	ctx := context.Background()
	s := db.NewSession()
	defer s.Close()
	for {
		if _, err := s.Do(ctx, "WATCH", "w"); err != nil {
			return err
		}
		v, err := s.Do(ctx, "GET", "w")
		if err != nil {
			return err
		}
		n := 0
		if v != nil {
			n, _ = strconv.Atoi(v.(string))
		}
		if _, err := s.Do(ctx, "MULTI"); err != nil {
			return err
		}
		if _, err := s.Do(ctx, "SET", "w", n+1); err != nil {
			return err
		}
		r, err := s.Do(ctx, "EXEC")
		if err != nil {
			return err
		}
		if r != nil {
			return nil
		}
	}
}

func startChild(t *testing.T, mode, path, arg string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "FOLIO_SQLITE_PATH="+path, "FOLIO_SQLITE_ARG="+arg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// runCounters runs procs child processes of mode, each doing n
// increments, and returns when all are done.
func runCounters(t *testing.T, procs int, mode, path string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range procs {
		cmd, stderr := startChild(t, mode, path, strconv.Itoa(n))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Wait(); err != nil {
				t.Errorf("child %s: %v: %s", mode, err, stderr.Bytes())
			}
		}()
	}
	wg.Wait()
}

func counterN() int {
	if testing.Short() {
		return 1000
	}
	return 10000
}

// TestTwoProcessCounter: two processes increment one counter in
// read-modify-write transactions; no update is lost and no "database is
// locked" reaches them.
func TestTwoProcessCounter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "counter.db")
	n := counterN()
	start := time.Now()
	runCounters(t, 2, "counter", path, n)
	t.Logf("2 processes x %d increments in %v", n, time.Since(start))
	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	if v, _ := get(t, s, "n"); v != strconv.Itoa(2*n) {
		t.Fatalf("counter = %q, want %d", v, 2*n)
	}
}

// TestConcurrentCreate: processes that open a file that does not exist yet
// at the same moment all get a working store (the schema and WAL mode are
// set up once, the others wait).
func TestConcurrentCreate(t *testing.T) {
	for round := range 3 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("fresh%d.db", round))
		runCounters(t, 4, "counter", path, 100)
		s := open(t, path, sqlitestore.Options{})
		v, _ := get(t, s, "n")
		s.Close()
		if v != "400" {
			t.Fatalf("counter = %q, want 400", v)
		}
	}
}

// TestTwoProcessWatch: two processes increment one key with optimistic
// WATCH/MULTI/EXEC through native.Open: a write by the other process breaks
// the WATCH, so no increment is lost.
func TestTwoProcessWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.db")
	n := counterN() / 5
	start := time.Now()
	runCounters(t, 2, "watch", path, n)
	t.Logf("2 processes x %d WATCH/MULTI/EXEC increments in %v", n, time.Since(start))
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := mustDo(t, db, "GET", "w"); v != strconv.Itoa(2*n) {
		t.Fatalf("w = %v, want %d", v, 2*n)
	}
}

// TestTwoProcessIncr: two processes x 10,000 INCR through native.Open end
// at exactly 20,000, and no error ("database is locked") reaches them.
func TestTwoProcessIncr(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incr.db")
	n := counterN()
	start := time.Now()
	runCounters(t, 2, "incr", path, n)
	t.Logf("2 processes x %d INCR in %v", n, time.Since(start))
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := mustDo(t, db, "GET", "k"); v != strconv.Itoa(2*n) {
		t.Fatalf("k = %v, want %d", v, 2*n)
	}
}

func pairKey(round, i int, side byte) []byte {
	return fmt.Appendf(nil, "r%03d/%c/%08d", round, side, i)
}

func pairValue(round, i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "%d/%d;", round, i), 20+i%200)
}

// TestCrash: a child commits pairs of keys as fast as it can, printing each
// one after its commit, and is killed with SIGKILL at a random moment; after
// every kill the file opens, holds every acknowledged pair, holds no half
// pair, and passes PRAGMA integrity_check.
func TestCrash(t *testing.T) {
	t.Parallel()
	crashTest(t, "crash", func(t *testing.T, path string, acked map[int]int) {
		checkCrash(t, path, acked, false)
	})
}

// TestCrashLog: the same through the write log (logstore), with merges
// every 128 transactions and idle merges.
func TestCrashLog(t *testing.T) {
	t.Parallel()
	crashTest(t, "crashlog", func(t *testing.T, path string, acked map[int]int) {
		checkCrash(t, path, acked, true)
	})
}

// TestCrashNative: the same through native.Open, each pair written by
// MULTI/SET/SET/EXEC.
func TestCrashNative(t *testing.T) {
	t.Parallel()
	crashTest(t, "crashnative", checkCrashNative)
}

func crashTest(t *testing.T, mode string, check func(*testing.T, string, map[int]int)) {
	rounds := 20
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	acked := map[int]int{} // round -> highest acknowledged i (-1: none)
	total := 0
	for round := range rounds {
		cmd, stderr := startChild(t, mode, path, strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan int, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				i, err := strconv.Atoi(sc.Text())
				if err == nil {
					lines <- i
				}
			}
		}()
		acked[round] = -1
		// Wait for the first acknowledgement, so it dies under load.
		select {
		case i, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("round %d: child ended before writing: %s", round, stderr.Bytes())
			}
			acked[round] = i
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: child wrote nothing in 30s", round)
		}
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for i := range lines {
			acked[round] = i
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child did not die of SIGKILL: %v: %s", round, err, stderr.Bytes())
		}
		total += acked[round] + 1
		check(t, path, map[int]int{round: acked[round]})
	}
	check(t, path, acked)
	t.Logf("%d kills, %d acknowledged transactions, all present, no half pair", rounds, total)
}

// checkCrashNative reads the pairs back through the engine: every
// acknowledged pair is there, and the ones just after (committed, perhaps,
// but not yet acknowledged when the child died) are whole or absent.
func checkCrashNative(t *testing.T, path string, acked map[int]int) {
	t.Helper()
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for round, max := range acked {
		for i := 0; i <= max+3; i++ {
			a := mustDo(t, db, "GET", pairKey(round, i, 'a'))
			b := mustDo(t, db, "GET", pairKey(round, i, 'b'))
			if i <= max && a == nil {
				t.Fatalf("acknowledged transaction %d/%d is missing", round, i)
			}
			if (a == nil) != (b == nil) {
				t.Fatalf("transaction %d/%d is half applied: %v, %v", round, i, a != nil, b != nil)
			}
			if a != nil && (a != string(pairValue(round, i)) || b != a) {
				t.Fatalf("transaction %d/%d holds wrong values", round, i)
			}
		}
	}
	db.Close()
	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	integrityCheck(t, s)
}

func checkCrash(t *testing.T, path string, acked map[int]int, viaLog bool) {
	t.Helper()
	s := open(t, path, sqlitestore.Options{})
	var st store.Store = s
	if viaLog {
		st = logstore.New(s, logstore.Options{}) // replays the log
	}
	defer st.Close()
	tx, err := st.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]int{}
	err = tx.Scan(nil, nil, false, func(k, p []byte) bool {
		var round, i int
		var side byte
		if _, err := fmt.Sscanf(string(k), "r%03d/%c/%08d", &round, &side, &i); err != nil {
			return true // engine pages
		}
		if !bytes.Equal(p, pairValue(round, i)) {
			t.Errorf("%s holds a wrong page (%d bytes)", k, len(p))
		}
		pairs[fmt.Sprintf("%d/%d", round, i)]++
		return true
	})
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range pairs {
		if n != 2 {
			t.Fatalf("transaction %s is half applied (%d of 2 keys)", id, n)
		}
	}
	for round, max := range acked {
		for i := 0; i <= max; i++ {
			if pairs[fmt.Sprintf("%d/%d", round, i)] != 2 {
				t.Fatalf("acknowledged transaction %d/%d is missing", round, i)
			}
		}
	}
	integrityCheck(t, s)
}

func integrityCheck(t *testing.T, s *sqlitestore.Store) {
	t.Helper()
	err := s.Conn(func(c *sqlite3.Conn) error {
		st, _, err := c.Prepare("PRAGMA integrity_check")
		if err != nil {
			return err
		}
		defer st.Close()
		var res []string
		for st.Step() {
			res = append(res, st.ColumnText(0))
		}
		if err := st.Err(); err != nil {
			return err
		}
		if len(res) != 1 || res[0] != "ok" {
			return fmt.Errorf("integrity_check: %q", res)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

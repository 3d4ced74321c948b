package memstore

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"testing"
)

// check verifies the tree's invariants: keys in order and within their
// separators' bounds, each node's prefix shared by its keys, abbreviations
// equal to a fresh computation, node fill, equal leaf depth and the count.
func check(t *testing.T, tr *tree) {
	t.Helper()
	leafDepth := -1
	count := 0
	var walk func(x *node, lo, hi []byte, depth int, root bool)
	walk = func(x *node, lo, hi []byte, depth int, root bool) {
		n := int(x.n)
		if !root && !x.leaf() && n < minSlots {
			t.Fatalf("internal node with %d separators", n)
		}
		p := int(x.plen)
		for i := 0; i < n; i++ {
			k := x.s[i].it.key()
			if len(k) < p || !bytes.Equal(k[:p], x.pfx[:p]) {
				t.Fatalf("key %q lacks the node's prefix %q", k, x.pfx[:p])
			}
			if x.s[i].a != abbrev(k, p) {
				t.Fatalf("key %q: abbreviation %x, want %x", k, x.s[i].a, abbrev(k, p))
			}
			if i > 0 && bytes.Compare(x.s[i-1].it.key(), k) >= 0 {
				t.Fatalf("keys out of order: %q then %q", x.s[i-1].it.key(), k)
			}
			if lo != nil && bytes.Compare(k, lo) < 0 || hi != nil && bytes.Compare(k, hi) >= 0 {
				t.Fatalf("key %q outside [%q, %q)", k, lo, hi)
			}
		}
		for i := 0; i < n; i += 8 {
			if x.sum[i/8] != x.s[i].a {
				t.Fatalf("summary %d: %x, abbreviation %x", i/8, x.sum[i/8], x.s[i].a)
			}
		}
		for i := n; i < maxSlots; i++ {
			if x.s[i].it.p != nil {
				t.Fatalf("slot %d of %d not cleared", i, n)
			}
		}
		if x.leaf() {
			count += n
			if leafDepth < 0 {
				leafDepth = depth
			} else if leafDepth != depth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			return
		}
		for i := 0; i <= n; i++ {
			clo, chi := lo, hi
			if i > 0 {
				clo = x.s[i-1].it.key()
			}
			if i < n {
				chi = x.s[i].it.key()
			}
			if x.kids[i] == nil {
				t.Fatalf("child %d of %d missing", i, n)
			}
			walk(x.kids[i], clo, chi, depth+1, false)
		}
		for i := n + 1; i <= maxSlots; i++ {
			if x.kids[i] != nil {
				t.Fatalf("child slot %d of %d not cleared", i, n)
			}
		}
	}
	walk(tr.root, nil, nil, 0, true)
	if count != tr.count {
		t.Fatalf("count %d, leaves hold %d", tr.count, count)
	}
}

// randKey returns keys that share long prefixes, as collection elements
// do, with some short and empty ones and some that are prefixes of others.
func randKey(r *rand.Rand) []byte {
	switch r.Intn(10) {
	case 0:
		return []byte(strconv.Itoa(r.Intn(50)))
	case 1:
		return []byte{}
	case 2:
		b := make([]byte, r.Intn(60))
		for i := range b {
			b[i] = byte(r.Intn(3)) // zero bytes: padding must not confuse order
		}
		return b
	}
	k := []byte("e\x00\x00\x00\x00\x00\x00\x00\x07m")
	k = append(k, []byte("member:")...)
	k = strconv.AppendInt(k, int64(r.Intn(200000)), 10)
	if r.Intn(4) == 0 {
		k = append(k, bytes.Repeat([]byte{'x'}, r.Intn(50))...)
	}
	return k
}

func TestTreeModel(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	tr := newTree()
	model := map[string]string{}
	var keys []string // model's keys, to pick one at random
	pos := map[string]int{}
	add := func(k string) {
		if _, ok := pos[k]; !ok {
			pos[k] = len(keys)
			keys = append(keys, k)
		}
	}
	drop := func(k string) {
		if i, ok := pos[k]; ok {
			last := keys[len(keys)-1]
			keys[i], pos[last] = last, i
			keys = keys[:len(keys)-1]
			delete(pos, k)
		}
	}
	sorted := func() []string {
		ks := make([]string, 0, len(model))
		for k := range model {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for round := 0; round < 6; round++ {
		// Grow (mostly inserts), then shrink (mostly deletes) to exercise
		// splits, merges and rotations at every level.
		setP := 8 // in 10
		if round%2 == 1 {
			setP = 3
		}
		for op := 0; op < 150000; op++ {
			k := randKey(r)
			// Gets leave hints that later gets and sets may use (see tree.hints):
			// some to keys the deletes below may move or drop.
			if len(keys) > 0 && r.Intn(2) == 0 {
				k := keys[r.Intn(len(keys))]
				if it, ok := tr.get([]byte(k)); !ok || string(it.page()) != model[k] {
					t.Fatalf("get %q: %q %v, want %q", k, it.page(), ok, model[k])
				}
			}
			switch x := r.Intn(10); {
			case x < setP:
				if r.Intn(2) == 0 {
					tr.get(k)
				}
				v := strconv.Itoa(r.Int())
				old, existed := tr.set(makeItem(k, []byte(v)))
				mv, mok := model[string(k)]
				if existed != mok || existed && string(old.page()) != mv {
					t.Fatalf("set %q: old %q %v, model %q %v", k, old.page(), existed, mv, mok)
				}
				model[string(k)] = v
				add(string(k))
			default:
				// Delete an existing key most of the time.
				if len(model) > 0 && r.Intn(4) != 0 {
					k = []byte(keys[r.Intn(len(keys))])
				}
				old, existed := tr.delete(k)
				mv, mok := model[string(k)]
				if existed != mok || existed && string(old.page()) != mv {
					t.Fatalf("delete %q: old %q %v, model %q %v", k, old.page(), existed, mv, mok)
				}
				delete(model, string(k))
				drop(string(k))
			}
			if op%30000 == 0 {
				check(t, tr)
			}
		}
		check(t, tr)
		ks := sorted()
		for _, k := range ks {
			it, ok := tr.get([]byte(k))
			if !ok || string(it.page()) != model[k] {
				t.Fatalf("get %q: %q %v, want %q", k, it.page(), ok, model[k])
			}
		}
		for i := 0; i < 2000; i++ {
			k := randKey(r)
			if _, ok := tr.get(k); ok != hasKey(model, k) {
				t.Fatalf("get %q: %v", k, ok)
			}
		}
		// Ascend and descend from random bounds, in full or stopped early.
		for i := 0; i < 300; i++ {
			b := randKey(r)
			var got []string
			limit := r.Intn(200)
			if i%2 == 0 {
				tr.ascend(b, func(it item) bool {
					got = append(got, string(it.key()))
					return len(got) < limit
				})
				j := sort.SearchStrings(ks, string(b))
				want := ks[j:min(len(ks), j+max(limit, 1))]
				if !equal(got, want) {
					t.Fatalf("ascend from %q: %d keys, want %d", b, len(got), len(want))
				}
			} else {
				var end []byte
				if i%4 == 1 {
					end = b
				}
				tr.descend(end, func(it item) bool {
					got = append(got, string(it.key()))
					return len(got) < limit
				})
				j := len(ks)
				if end != nil {
					j = sort.SearchStrings(ks, string(end))
				}
				var want []string
				for q := j - 1; q >= 0 && len(want) < max(limit, 1); q-- {
					want = append(want, ks[q])
				}
				if !equal(got, want) {
					t.Fatalf("descend below %q: %d keys, want %d", end, len(got), len(want))
				}
			}
		}
		t.Logf("round %d: %d keys, depth %d", round, len(model), depth(tr))
	}
	// Empty the tree completely.
	for _, k := range sorted() {
		if _, ok := tr.delete([]byte(k)); !ok {
			t.Fatalf("delete %q: missing", k)
		}
	}
	check(t, tr)
	if tr.len() != 0 || !tr.root.leaf() {
		t.Fatalf("emptied tree: %d keys, leaf root %v", tr.len(), tr.root.leaf())
	}
}

// TestTreeOrderedFills fills in ascending and descending order (leaves
// split at their end) and checks the leaves are packed.
func TestTreeOrderedFills(t *testing.T) {
	for _, desc := range []bool{false, true} {
		tr := newTree()
		const n = 20000
		for i := 0; i < n; i++ {
			j := i
			if desc {
				j = n - 1 - i
			}
			k := []byte("e\x00\x00\x00\x00\x00\x00\x00\x01" + strconv.Itoa(1000000+j))
			tr.set(makeItem(k, nil))
		}
		check(t, tr)
		leaves := 0
		var walk func(x *node)
		walk = func(x *node) {
			if x.leaf() {
				leaves++
				return
			}
			for i := 0; i <= int(x.n); i++ {
				walk(x.kids[i])
			}
		}
		walk(tr.root)
		if leaves > n/maxSlots+2 {
			t.Fatalf("desc %v: %d leaves for %d keys", desc, leaves, n)
		}
	}
}

func hasKey(m map[string]string, k []byte) bool {
	_, ok := m[string(k)]
	return ok
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func depth(tr *tree) int {
	d := 1
	for x := tr.root; !x.leaf(); x = x.kids[0] {
		d++
	}
	return d
}

// TestTreeRotateRight makes the last internal node of a level underflow
// next to a nearly full sibling, so that keys rotate right through the
// parent, then empties the tree from the top.
func TestTreeRotateRight(t *testing.T) {
	tr := newTree()
	key := func(i int) []byte { return []byte("e\x00\x00\x00\x00\x00\x00\x00\x01" + strconv.Itoa(1000000+i)) }
	for i := 0; i < 20000; i += 2 {
		tr.set(makeItem(key(i), nil))
	}
	if depth(tr) != 3 {
		t.Fatalf("depth %d", depth(tr))
	}
	// Fill the second-to-last internal node by inserting odd keys in its range.
	root := tr.root
	prev := root.kids[root.n-1]
	lo := root.s[root.n-2].it.key()
	hi := root.s[root.n-1].it.key()
	for i := 1; i < 20000 && prev.n < maxSlots-8; i += 2 {
		if k := key(i); bytes.Compare(k, lo) > 0 && bytes.Compare(k, hi) < 0 {
			tr.set(makeItem(k, nil))
		}
		prev = tr.root.kids[tr.root.n-1]
	}
	check(t, tr)
	for i := 19999; i >= 0; i-- {
		tr.delete(key(i))
		if i%97 == 0 {
			check(t, tr)
		}
	}
	check(t, tr)
	if tr.len() != 0 {
		t.Fatalf("%d keys left", tr.len())
	}
}

// leafFill returns the number of leaves and how full they are on average.
func leafFill(tr *tree) (int, float64) {
	leaves, slots := 0, 0
	var walk func(x *node)
	walk = func(x *node) {
		if x.leaf() {
			leaves++
			slots += int(x.n)
			return
		}
		for i := 0; i <= int(x.n); i++ {
			walk(x.kids[i])
		}
	}
	walk(tr.root)
	return leaves, float64(slots) / float64(leaves*maxSlots)
}

// TestTreeFill checks that leaves stay well filled for fills in numeric
// order of names (field:0, field:1, ...: lexicographically, each long
// name goes one key after the previous), as HSET and ZADD of numbered
// elements do, and for random fills (about 69%, a B-tree's usual).
func TestTreeFill(t *testing.T) {
	const n = 300000
	key := func(i int) []byte { return []byte("e\x00\x00\x00\x00\x00\x00\x00\x01field:" + strconv.Itoa(i)) }
	tr := newTree()
	for i := 0; i < n; i++ {
		tr.set(makeItem(key(i), nil))
	}
	check(t, tr)
	if l, f := leafFill(tr); f < 0.62 {
		t.Errorf("numbered fill: %d leaves %.0f%% full", l, 100*f)
	}
	tr = newTree()
	for _, i := range rand.New(rand.NewSource(1)).Perm(n) {
		tr.set(makeItem(key(i), nil))
	}
	check(t, tr)
	if l, f := leafFill(tr); f < 0.62 {
		t.Errorf("random fill: %d leaves %.0f%% full", l, 100*f)
	}
}

// TestTreeHintAfterMerge: a get leaves a hint to its leaf; when a delete
// then merges that leaf into its sibling, a set of the key must not write
// into the dropped leaf.
func TestTreeHintAfterMerge(t *testing.T) {
	for _, target := range []int{5, 70, 120, 250} {
		tr := newTree()
		key := func(i int) []byte { return []byte(fmt.Sprintf("k%04d", i)) }
		for i := 0; i < 256; i++ {
			tr.set(makeItem(key(i), []byte("v")))
		}
		order := rand.New(rand.NewSource(int64(target))).Perm(256)
		for n, j := range order {
			if j == target {
				continue
			}
			tr.get(key(target))
			tr.delete(key(j))
			v := []byte(strconv.Itoa(n))
			tr.set(makeItem(key(target), v))
			if it, ok := tr.get(key(target)); !ok || !bytes.Equal(it.page(), v) {
				t.Fatalf("target %d, after deleting %d: get = %q, %v; want %q", target, j, it.page(), ok, v)
			}
			check(t, tr)
		}
	}
}

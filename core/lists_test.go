package core

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestListsModel runs random list operations against the engine and a
// slice model; it exercises the shifting paths of LINSERT and LREM from
// both ends and pushes at both ends past sequence number zero.
func TestListsModel(t *testing.T) {
	e, s := testEngine(t)
	rng := rand.New(rand.NewPCG(7, 11))
	var model []string
	val := func() string { return strconv.Itoa(rng.IntN(6)) }
	check := func(step int, op string) {
		t.Helper()
		want := "*" + strconv.Itoa(len(model)) + "\r\n"
		for _, v := range model {
			want += "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"
		}
		if got := string(e.Do(s, "LRANGE", "k", "0", "-1")); got != want {
			t.Fatalf("step %d after %s:\n got %q\nwant %q", step, op, got, want)
		}
		if len(model) == 0 {
			if got := string(e.Do(s, "GET", "k")); got != "$-1\r\n" {
				t.Fatalf("step %d after %s: emptied list not deleted: GET %q", step, op, got)
			}
		}
	}
	for step := 0; step < 3000; step++ {
		var op string
		switch rng.IntN(20) {
		case 0, 1, 2, 3, 4:
			v := val()
			op = "LPUSH " + v
			e.Do(s, "LPUSH", "k", v)
			model = append([]string{v}, model...)
		case 5, 6, 7, 8, 9:
			v := val()
			op = "RPUSH " + v
			e.Do(s, "RPUSH", "k", v)
			model = append(model, v)
		case 10, 11:
			n := rng.IntN(3)
			op = "LPOP/RPOP " + strconv.Itoa(n)
			if rng.IntN(2) == 0 {
				e.Do(s, "LPOP", "k", strconv.Itoa(n))
				model = model[min(n, len(model)):]
			} else {
				e.Do(s, "RPOP", "k", strconv.Itoa(n))
				model = model[:len(model)-min(n, len(model))]
			}
		case 12, 13, 14:
			pivot, v := val(), val()
			where := []string{"BEFORE", "AFTER"}[rng.IntN(2)]
			op = "LINSERT " + where + " " + pivot + " " + v
			e.Do(s, "LINSERT", "k", where, pivot, v)
			for i, x := range model {
				if x == pivot {
					if where == "AFTER" {
						i++
					}
					model = append(model[:i], append([]string{v}, model[i:]...)...)
					break
				}
			}
		case 15, 16:
			count, v := rng.IntN(5)-2, val()
			op = "LREM " + strconv.Itoa(count) + " " + v
			e.Do(s, "LREM", "k", strconv.Itoa(count), v)
			limit := count
			if limit < 0 {
				limit = -limit
			}
			idx := []int{}
			for j := range model {
				i := j
				if count < 0 {
					i = len(model) - 1 - j
				}
				if model[i] == v && (limit == 0 || len(idx) < limit) {
					idx = append(idx, i)
				}
			}
			gone := map[int]bool{}
			for _, i := range idx {
				gone[i] = true
			}
			var next []string
			for i, x := range model {
				if !gone[i] {
					next = append(next, x)
				}
			}
			model = next
		case 17:
			a, b := rng.IntN(8)-4, rng.IntN(8)-4
			op = "LTRIM " + strconv.Itoa(a) + " " + strconv.Itoa(b)
			e.Do(s, "LTRIM", "k", strconv.Itoa(a), strconv.Itoa(b))
			n := len(model)
			if a < 0 {
				a += n
			}
			if b < 0 {
				b += n
			}
			if a < 0 {
				a = 0
			}
			if a > b || a >= n {
				model = nil
			} else {
				model = model[a:min(b+1, n)]
			}
		default:
			if len(model) > 0 {
				i := rng.IntN(len(model))
				v := val()
				op = "LSET " + strconv.Itoa(i) + " " + v
				e.Do(s, "LSET", "k", strconv.Itoa(i-len(model)*rng.IntN(2)), v)
				model[i] = v
			}
		}
		check(step, op)
	}
}


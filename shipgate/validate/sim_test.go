package validate

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// sim is an idealised cycle: 8 procs drive the chaos workload against one
// LWW store that all three nodes share, each call taking effect when it
// completes. Its histories are correct by construction, so every check must
// stay green on them, at the size of a real cycle.
type sim struct {
	rng     *rand.Rand
	f       fixture
	store   map[string]history.Item // live id → item
	ids     map[string]string       // key → id
	retired map[string]bool
	links   map[[2]string]bool
	clock   map[string]int64
	skew    map[string]int64
	observe bool // false plants hlc-ignore-remote
	seq     int
}

// simulate runs n calls. With observe false a node's clock ignores the
// stamps it did not issue and node c's wall clock runs behind.
func simulate(seed uint64, n int, observe bool) ([]history.Op, []Dump) {
	s := &sim{rng: rand.New(rand.NewPCG(seed, 1)), store: map[string]history.Item{}, ids: map[string]string{},
		retired: map[string]bool{}, links: map[[2]string]bool{}, clock: map[string]int64{},
		skew: map[string]int64{"c": -400}, observe: observe}
	queue := map[int][]history.Op{}
	flying := map[int]history.Op{}
	for calls := 0; calls < n || len(flying) > 0; {
		p := s.rng.IntN(8)
		if o, ok := flying[p]; ok {
			delete(flying, p)
			s.complete(o)
			continue
		}
		if calls >= n {
			continue
		}
		if len(queue[p]) == 0 {
			queue[p] = s.task(p)
		}
		o := queue[p][0]
		queue[p] = queue[p][1:]
		if (o.Kind == history.Put || o.Kind == history.Update) && s.retired[o.Key] {
			o = get(p, o.Node, o.ID) // the key was retired after this was planned
		}
		if o.Kind == history.Delete {
			s.retired[o.Key] = true
		}
		s.f.invoke(o)
		flying[p] = o
		calls++
	}
	var dumps []Dump
	for _, n := range all {
		d := Dump{Node: n, Items: slices.Collect(maps.Values(s.store))}
		for l := range s.links {
			_, src := s.store[l[0]]
			_, dst := s.store[l[1]]
			if src && dst {
				d.Links = append(d.Links, Link{Source: l[0], Target: l[1]})
			}
		}
		dumps = append(dumps, d)
	}
	return s.f.ops, dumps
}

// task plans a proc's next calls, read-then-write where the workload does.
func (s *sim) task(p int) []history.Op {
	node := all[s.rng.IntN(3)]
	live := slices.Sorted(maps.Keys(s.store))
	pick := func() history.Item { return s.store[live[s.rng.IntN(len(live))]] }
	s.seq++
	value := fmt.Sprintf("v%d", s.seq)
	switch r := s.rng.IntN(100); {
	case r < 35 || len(live) < 2:
		key := fmt.Sprintf("k%d", s.seq)
		if r < 8 && len(live) > 0 {
			key = pick().Key // an upsert
		}
		return []history.Op{put(p, all[len(key)%3], key, value)} // a key's home node
	case r < 60:
		it := pick()
		u := update(p, node, it.ID, value)
		u.Key = it.Key
		return []history.Op{get(p, node, it.ID), u}
	case r < 68:
		it := pick()
		d := del(p, node, it.ID)
		d.Key = it.Key
		return []history.Op{get(p, node, it.ID), d}
	case r < 78:
		return []history.Op{link(p, node, pick().ID, pick().ID)}
	case r < 90:
		return []history.Op{get(p, node, pick().ID)}
	default:
		return []history.Op{list(p, node)}
	}
}

func (s *sim) complete(o history.Op) {
	p, out := o.Proc, history.OK
	switch o.Kind {
	case history.Put, history.Update:
		id := o.ID
		if o.Kind == history.Put {
			id = s.ids[o.Key]
			if id == "" {
				id = "id-" + o.Key
			}
		}
		if _, ok := s.store[id]; !ok && o.Kind == history.Update {
			s.f.complete(p, history.Fail, status(404))
			return
		}
		switch r := s.rng.IntN(100); {
		case r < 5:
			s.f.complete(p, history.Fail, status(507))
			return
		case r < 10:
			out = history.Unknown
			if r < 7 {
				break // not applied
			}
			fallthrough
		default:
			v := s.tick(o.Node)
			if cur, ok := s.store[id]; !ok || v > cur.Version {
				s.store[id], s.ids[o.Key] = item(id, o.Key, o.Value, v), id
				s.seen(v)
			}
			if out == history.OK {
				s.f.complete(p, out, acked(id, v))
				return
			}
		}
		s.f.complete(p, out, status(503))
	case history.Delete:
		if _, ok := s.store[o.ID]; !ok {
			s.f.complete(p, history.Fail, status(404))
			return
		}
		delete(s.store, o.ID)
		s.f.complete(p, out, history.Op{Version: s.tick(o.Node)})
	case history.Link:
		_, src := s.store[o.ID]
		_, dst := s.store[o.Target]
		if !src || !dst {
			s.f.complete(p, history.Fail, status(404))
			return
		}
		s.links[[2]string{o.ID, o.Target}] = true
		s.f.complete(p, out, history.Op{})
	case history.Get:
		it, ok := s.store[o.ID]
		if !ok {
			s.f.complete(p, history.Fail, status(404))
			return
		}
		s.f.complete(p, out, read(it.Value, it.Version))
	case history.List:
		s.f.complete(p, out, listed(slices.Collect(maps.Values(s.store))...))
	}
}

// tick stamps a write through node: after its last stamp and its wall
// clock (a step of the simulation is 4 ticks).
func (s *sim) tick(node string) int64 {
	v := max(s.clock[node]+1, int64(len(s.f.ops))*4+s.skew[node]+1000)
	s.clock[node] = v
	return v
}

// seen lets every node's clock observe a stamp the store applied, as
// replication does; hlc-ignore-remote skips it.
func (s *sim) seen(v int64) {
	if s.observe {
		for _, n := range all {
			s.clock[n] = max(s.clock[n], v)
		}
	}
}

func TestSimulatedCyclesAreGreen(t *testing.T) {
	for seed := range uint64(20) {
		ops, dumps := simulate(seed, 500, true)
		if err := history.Check(ops); err != nil {
			t.Fatal(err)
		}
		r := Check(ops, dumps)
		if r.Violations() != 0 || r.AckedWrites < 100 || r.Reads < 100 || r.AckedDeletes == 0 || r.AckedLinks == 0 {
			t.Fatalf("seed %d: %+v", seed, r)
		}
	}
}

// The planted bug hlc-ignore-remote: node c stamps writes below versions
// it already showed, and LWW silently keeps the older version.
func TestSimulatedHLCIgnoreRemoteIsCaught(t *testing.T) {
	ops, dumps := simulate(1, 500, false)
	r := Check(ops, dumps)
	if r.Causal == 0 {
		t.Fatalf("hlc-ignore-remote not caught: %+v", r)
	}
	t.Logf("causal %d of %d acknowledged writes; e.g. %s", r.Causal, r.AckedWrites, r.Findings[slices.IndexFunc(r.Findings, func(f Finding) bool { return f.Check == CheckCausal })].Detail)
}

// A class: 30 cycles of 500 calls.
func BenchmarkCheckClass(b *testing.B) {
	type cycle struct {
		ops   []history.Op
		dumps []Dump
	}
	var cycles []cycle
	for seed := range uint64(30) {
		ops, dumps := simulate(seed, 500, true)
		cycles = append(cycles, cycle{ops, dumps})
	}
	for b.Loop() {
		var class Report
		for _, c := range cycles {
			class.Add(Check(c.ops, c.dumps))
		}
	}
}

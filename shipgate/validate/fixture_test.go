package validate

import (
	"reflect"
	"slices"
	"testing"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// fixture builds a cycle: a history whose clock ticks once per line, and
// the three nodes' final dumps.
type fixture struct {
	ops   []history.Op
	dumps []Dump
	now   float64
}

func (f *fixture) invoke(o history.Op) {
	f.now++
	o.Op, o.TMS = history.Invoke, f.now
	f.ops = append(f.ops, o)
}

func (f *fixture) complete(proc int, outcome string, o history.Op) {
	f.now++
	o.Op, o.Proc, o.TMS = outcome, proc, f.now
	f.ops = append(f.ops, o)
}

// call is a request with nothing concurrent to it on its proc.
func (f *fixture) call(inv history.Op, outcome string, res history.Op) {
	f.invoke(inv)
	f.complete(inv.Proc, outcome, res)
}

func put(proc int, node, key, value string) history.Op {
	return history.Op{Kind: history.Put, Proc: proc, Node: node, Key: key, Value: value}
}

func update(proc int, node, id, value string) history.Op {
	return history.Op{Kind: history.Update, Proc: proc, Node: node, ID: id, Value: value}
}

func del(proc int, node, id string) history.Op {
	return history.Op{Kind: history.Delete, Proc: proc, Node: node, ID: id}
}

func get(proc int, node, id string) history.Op {
	return history.Op{Kind: history.Get, Proc: proc, Node: node, ID: id}
}

func list(proc int, node string) history.Op {
	return history.Op{Kind: history.List, Proc: proc, Node: node}
}

func link(proc int, node, source, target string) history.Op {
	return history.Op{Kind: history.Link, Proc: proc, Node: node, ID: source, Target: target}
}

// acked is a write's answer; read a get's.
func acked(id string, v int64) history.Op   { return history.Op{ID: id, Version: v} }
func read(value string, v int64) history.Op { return history.Op{Value: value, Version: v} }
func listed(its ...history.Item) history.Op { return history.Op{Items: its} }
func status(code int) history.Op            { return history.Op{Status: code} }
func item(id, key, value string, v int64) history.Item {
	return history.Item{ID: id, Key: key, Value: value, Version: v}
}

// node is the dump of the named node.
func (f *fixture) node(name string) *Dump {
	i := slices.IndexFunc(f.dumps, func(d Dump) bool { return d.Node == name })
	return &f.dumps[i]
}

// hold makes every named node hold it (replacing its id).
func (f *fixture) hold(it history.Item, nodes ...string) {
	for _, n := range nodes {
		f.drop(it.ID, n)
		d := f.node(n)
		d.Items = append(d.Items, it)
	}
}

// drop removes id from the named nodes.
func (f *fixture) drop(id string, nodes ...string) {
	for _, n := range nodes {
		d := f.node(n)
		d.Items = slices.DeleteFunc(d.Items, func(it history.Item) bool { return it.ID == id })
	}
}

var all = []string{"a", "b", "c"}

// healthy is a cycle a correct cluster could produce: writes, a read that
// lags on another node, a retried unknown put, an unknown put never seen,
// one that was, a failed put, a delete after its get, a link and a list.
func healthy() *fixture {
	f := &fixture{}
	f.call(put(1, "a", "k1", "v1"), history.OK, acked("id1", 100))
	f.call(put(2, "b", "k2", "v2"), history.OK, acked("id2", 110))
	f.call(get(1, "c", "id1"), history.Fail, status(404)) // not replicated to c yet
	f.call(get(3, "a", "id1"), history.OK, read("v1", 100))
	f.call(update(3, "a", "id1", "v1b"), history.OK, acked("", 120))
	f.call(put(4, "c", "k3", "v3"), history.Unknown, status(503))
	f.ops = append(f.ops, history.Op{Op: history.Fault, Proc: -1, TMS: f.now, Node: "b", Note: "partition"})
	f.call(history.Op{Kind: history.Put, Proc: 4, Node: "c", Key: "k3", Value: "v3", Retry: 1}, history.OK, acked("id3", 130))
	f.call(put(5, "a", "k4", "v4"), history.Unknown, status(504))
	f.call(put(5, "b", "k5", "v5"), history.Fail, status(507))
	f.call(get(6, "b", "id2"), history.OK, read("v2", 110))
	f.call(del(6, "b", "id2"), history.OK, history.Op{})
	f.call(link(7, "a", "id1", "id3"), history.OK, history.Op{})
	f.call(list(8, "a"), history.OK, listed(item("id1", "k1", "v1b", 120), item("id3", "k3", "v3", 130)))
	f.call(put(2, "c", "k6", "v6"), history.Unknown, status(503))
	for _, n := range all {
		f.dumps = append(f.dumps, Dump{Node: n, Links: []Link{{Source: "id1", Target: "id3", Relation: "related"}}})
	}
	f.hold(item("id1", "k1", "v1b", 120), all...)
	f.hold(item("id3", "k3", "v3", 130), all...)
	f.hold(item("id6", "k6", "v6", 150), all...)
	return f
}

func TestHealthyCycleIsGreen(t *testing.T) {
	f := healthy()
	if err := history.Check(f.ops); err != nil {
		t.Fatal(err)
	}
	r := Check(f.ops, f.dumps)
	want := Report{AckedWrites: 3, AckedDeletes: 1, AckedLinks: 1, Reads: 4, Unknown: 2, UnknownRecovered: 1}
	got := r
	got.Findings = nil
	if !reflect.DeepEqual(got, want) || r.Violations() != 0 {
		t.Fatalf("got %+v\nwant %+v\nfindings %v", got, want, r.Findings)
	}
}

// plant is one edit of the healthy cycle and the counters it must set.
type plant struct {
	name string
	edit func(*fixture)
	want map[string]int // by check; every counter not named keeps its healthy value
}

// runPlants checks each row's counters exactly, so a plant proves its check
// goes red and that no other check fires along with it unless named, and
// that every red check left an example.
func runPlants(t *testing.T, rows []plant) {
	t.Helper()
	h := healthy()
	base := Check(h.ops, h.dumps)
	for _, p := range rows {
		t.Run(p.name, func(t *testing.T) {
			f := healthy()
			p.edit(f)
			r := Check(f.ops, f.dumps)
			for _, c := range counters {
				if c.check == "" {
					continue
				}
				want, ok := p.want[c.check]
				if !ok {
					want = *c.of(&base)
				}
				if got := *c.of(&r); got != want {
					t.Errorf("%s = %d, want %d", c.check, got, want)
				}
				if ok && want > 0 && !slices.ContainsFunc(r.Findings, func(g Finding) bool { return g.Check == c.check && g.Detail != "" }) {
					t.Errorf("%s counted without an example", c.check)
				}
			}
			if t.Failed() {
				t.Logf("findings: %+v", r.Findings)
			}
		})
	}
}

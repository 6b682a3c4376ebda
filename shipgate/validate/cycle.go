package validate

import (
	"cmp"
	"maps"
	"math"
	"slices"

	"github.com/aimemory/ai-memory/shipgate/history"
)

// call is one request: what was sent comes from its invoke line, what came
// back from its completion, which need not repeat what was sent.
type call struct {
	kind    string
	outcome string // history.OK, Fail or Unknown
	proc    int
	node    string
	key     string
	id      string // sent (update, delete, get, link source) or acknowledged (put)
	value   string // sent (put, update) or read (get)
	version int64  // written (put, update), read (get) or the tombstone's (delete), when answered
	target  string
	items   []history.Item
	absent  bool // a get answered 404: the node did not hold the id
	inv     float64
	done    float64
}

// write is one logical write: every call that sent one value (a retry of
// an unknown outcome repeats the value).
type write struct {
	kind    string
	key     string
	id      string
	node    string
	outcome string // OK if any attempt was acknowledged, else Unknown if any may have happened, else Fail
	// unstamped: some attempt ended unknown, so the write may also hold a
	// version nobody was told (a retried put whose first answer was lost).
	unstamped bool
}

// cycle indexes one cycle's history and dumps for the checks.
type cycle struct {
	calls    []call
	undumped []Dump
	nodes    []string                  // the dumped nodes
	final    []map[string]history.Item // per dumped node: live id → item
	byKey    []map[string][]history.Item
	links    []map[[2]string]bool // per dumped node: source, target
	keyOf    map[string]string    // id → key, from every line or item naming both
	values   []string             // every value sent, in the order first sent
	writes   map[string]*write    // value → its write
	deleted  map[string]float64   // id → first invoke of a delete that may have happened
	retired  map[string]bool      // keys with such a delete: no client writes them again
}

func newCycle(ops []history.Op, dumps []Dump) *cycle {
	c := &cycle{calls: pair(ops), keyOf: map[string]string{}, writes: map[string]*write{},
		deleted: map[string]float64{}, retired: map[string]bool{}}
	for _, d := range dumps {
		if d.Err != "" {
			c.undumped = append(c.undumped, d)
			continue
		}
		ids, keys, links := map[string]history.Item{}, map[string][]history.Item{}, map[[2]string]bool{}
		for _, it := range d.Items {
			ids[it.ID] = it
			keys[it.Key] = append(keys[it.Key], it)
			c.name(it.ID, it.Key)
		}
		for _, l := range d.Links {
			links[[2]string{l.Source, l.Target}] = true
		}
		c.nodes = append(c.nodes, d.Node)
		c.final, c.byKey, c.links = append(c.final, ids), append(c.byKey, keys), append(c.links, links)
	}
	for _, k := range c.calls {
		c.name(k.id, k.key)
		for _, it := range k.items {
			c.name(it.ID, it.Key)
		}
	}
	for _, k := range c.calls {
		switch k.kind {
		case history.Put, history.Update:
			c.sent(k)
		case history.Delete:
			if t, ok := c.deleted[k.id]; k.outcome != history.Fail && (!ok || k.inv < t) {
				c.deleted[k.id] = k.inv
			}
		}
	}
	for id := range c.deleted {
		if key := c.keyOf[id]; key != "" {
			c.retired[key] = true
		}
	}
	return c
}

func (c *cycle) name(id, key string) {
	if id != "" && key != "" {
		c.keyOf[id] = key
	}
}

// keyFor is the key a call or item is about: its own, or its id's.
func (c *cycle) keyFor(id, key string) string {
	if key != "" {
		return key
	}
	return c.keyOf[id]
}

// isRetired says a delete of the id, or of another id of its key, may have
// happened: the key is then no longer owed on every node.
func (c *cycle) isRetired(id, key string) bool {
	_, d := c.deleted[id]
	return d || c.retired[key]
}

// sent folds one put or update attempt into the write its value names.
func (c *cycle) sent(k call) {
	w, ok := c.writes[k.value]
	if !ok {
		w = &write{kind: k.kind, node: k.node, outcome: history.Fail}
		c.writes[k.value] = w
		c.values = append(c.values, k.value)
	}
	w.key, w.id = cmp.Or(w.key, c.keyFor(k.id, k.key)), cmp.Or(w.id, k.id)
	switch {
	case k.outcome == history.OK:
		w.outcome = history.OK
	case k.outcome == history.Unknown && w.outcome == history.Fail:
		w.outcome = history.Unknown
	}
	if k.outcome == history.Unknown {
		w.unstamped = true
	}
}

// item is what dumped node i holds for a write: its id, or when the id
// was never learned (a put with no answer) the greatest version of its key.
func (c *cycle) item(i int, id, key string) (history.Item, bool) {
	if id != "" {
		it, ok := c.final[i][id]
		return it, ok
	}
	its := c.byKey[i][key]
	if len(its) == 0 {
		return history.Item{}, false
	}
	return slices.MaxFunc(its, func(a, b history.Item) int { return cmp.Compare(a.Version, b.Version) }), true
}

// pair merges each completion with its proc's open invoke. An invoke the
// history never completes is an unknown outcome that may take effect at any
// time, so it completes at +Inf.
func pair(ops []history.Op) []call {
	open := map[int]history.Op{}
	calls := make([]call, 0, len(ops)/2+1)
	for _, o := range ops {
		switch o.Op {
		case history.Invoke:
			open[o.Proc] = o
		case history.OK, history.Fail, history.Unknown:
			if in, ok := open[o.Proc]; ok {
				delete(open, o.Proc)
				calls = append(calls, merge(in, o))
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(open)) {
		calls = append(calls, merge(open[p], history.Op{Op: history.Unknown, TMS: math.Inf(1)}))
	}
	return calls
}

func merge(in, out history.Op) call {
	k := call{kind: cmp.Or(in.Kind, out.Kind, history.Put), outcome: out.Op, proc: in.Proc,
		node: cmp.Or(in.Node, out.Node), key: cmp.Or(in.Key, out.Key), id: cmp.Or(in.ID, out.ID),
		version: out.Version, target: cmp.Or(in.Target, out.Target), items: out.Items, inv: in.TMS, done: out.TMS}
	switch k.kind {
	case history.Put:
		k.id = cmp.Or(out.ID, in.ID) // the server names the id a put wrote
		k.value = cmp.Or(in.Value, out.Value)
	case history.Update:
		k.value = cmp.Or(in.Value, out.Value)
	case history.Get:
		k.value, k.absent = out.Value, out.Status == 404
	}
	return k
}

func isWrite(kind string) bool { return kind == history.Put || kind == history.Update }

package validate

import "github.com/aimemory/ai-memory/shipgate/history"

// The chaos checker judges one cycle (a fresh cluster, one namespace) from
// its client history and the nodes' final dumps, taken after the faults
// were healed and the cluster settled. It is pure: data in, a Report out,
// so a planted bug can be tested against it without a cluster.

// Link is one stored link as a node's dump shows it.
type Link struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	Relation string `json:"relation,omitempty"`
}

// Dump is one node's live memories and links in the cycle's namespace.
// Err says the node could not be dumped; such a node is counted undumped,
// because a node nobody could read cannot be certified.
type Dump struct {
	Node  string         `json:"node"`
	Items []history.Item `json:"items"`
	Links []Link         `json:"links"`
	Err   string         `json:"err,omitempty"`
}

// Finding is one example of a check going red (or, for the informational
// checks, of what they counted).
type Finding struct {
	Check  string `json:"check"`
	Key    string `json:"key,omitempty"`
	ID     string `json:"id,omitempty"`
	Node   string `json:"node,omitempty"`
	Detail string `json:"detail"`
}

// Check names, as Finding.Check spells them.
const (
	CheckLost                = "lost"
	CheckDiverged            = "diverged"
	CheckDeleteNotPropagated = "delete_not_propagated"
	CheckCorrupt             = "corrupt"
	CheckPhantom             = "phantom"
	CheckFailedPresent       = "failed_present"
	CheckDuplicates          = "duplicates"
	CheckResurrected         = "resurrected"
	CheckDeleteSuperseded    = "delete_superseded"
	CheckStaleRead           = "stale_read"
	CheckCausal              = "causal"
	CheckLostLink            = "lost_link"
	CheckUndumped            = "undumped"
	CheckUnknown             = "unknown"
)

// MaxFindings bounds the examples kept per check: enough to debug from,
// few enough that a broken cluster does not bloat the evidence.
const MaxFindings = 10

// Report is what Check found in one cycle, or the sum over a class's
// cycles. The violation counters are zero on a healthy system; the rest
// are tallies and informational counts.
type Report struct {
	AckedWrites  int `json:"acked_writes"` // acknowledged puts and updates judged for loss (keys never deleted)
	AckedDeletes int `json:"acked_deletes"`
	AckedLinks   int `json:"acked_links"`
	Reads        int `json:"reads"` // gets (404 included) and lists that answered

	Lost                int `json:"lost"`
	Diverged            int `json:"diverged"`
	DeleteNotPropagated int `json:"delete_not_propagated"`
	Corrupt             int `json:"corrupt"`
	Phantoms            int `json:"phantoms"`
	FailedPresent       int `json:"failed_present"`
	Duplicates          int `json:"duplicates"`
	Resurrected         int `json:"resurrected"`
	StaleReads          int `json:"stale_reads"`
	Causal              int `json:"causal"`
	LostLinks           int `json:"lost_links"`
	Undumped            int `json:"undumped"`

	DeleteSuperseded int `json:"delete_superseded"` // a delete beaten by a concurrent write with a greater version: LWW, not a bug
	Unknown          int `json:"unknown"`           // writes never acknowledged, at least one attempt of which may have happened
	UnknownRecovered int `json:"unknown_recovered"` // the part of Unknown whose value a read or a dump showed

	Findings []Finding `json:"findings,omitempty"`
}

// counters lists every counter once, so Add, Violations and the counting
// of findings cannot drift apart. check is the Finding.Check that counts
// into it ("" for a tally counted directly).
var counters = []struct {
	check     string
	violation bool
	of        func(*Report) *int
}{
	{"", false, func(r *Report) *int { return &r.AckedWrites }},
	{"", false, func(r *Report) *int { return &r.AckedDeletes }},
	{"", false, func(r *Report) *int { return &r.AckedLinks }},
	{"", false, func(r *Report) *int { return &r.Reads }},
	{CheckLost, true, func(r *Report) *int { return &r.Lost }},
	{CheckDiverged, true, func(r *Report) *int { return &r.Diverged }},
	{CheckDeleteNotPropagated, true, func(r *Report) *int { return &r.DeleteNotPropagated }},
	{CheckCorrupt, true, func(r *Report) *int { return &r.Corrupt }},
	{CheckPhantom, true, func(r *Report) *int { return &r.Phantoms }},
	{CheckFailedPresent, true, func(r *Report) *int { return &r.FailedPresent }},
	{CheckDuplicates, true, func(r *Report) *int { return &r.Duplicates }},
	{CheckResurrected, true, func(r *Report) *int { return &r.Resurrected }},
	{CheckStaleRead, true, func(r *Report) *int { return &r.StaleReads }},
	{CheckCausal, true, func(r *Report) *int { return &r.Causal }},
	{CheckLostLink, true, func(r *Report) *int { return &r.LostLinks }},
	{CheckUndumped, true, func(r *Report) *int { return &r.Undumped }},
	{CheckDeleteSuperseded, false, func(r *Report) *int { return &r.DeleteSuperseded }},
	{CheckUnknown, false, func(r *Report) *int { return &r.Unknown }},
	{"", false, func(r *Report) *int { return &r.UnknownRecovered }},
}

// Check judges one cycle: ops is its history, well formed as history.Check
// requires, with t_ms ordering real time (fault lines are ignored); dumps
// has one entry per node of the cycle.
func Check(ops []history.Op, dumps []Dump) Report {
	var r Report
	c := newCycle(ops, dumps)
	c.checkUndumped(&r)
	c.checkLost(&r)
	c.checkDiverged(&r)
	c.checkDuplicates(&r)
	c.checkLinks(&r)
	obs := c.observations()
	c.checkValues(&r, obs)
	c.checkCorrupt(&r, obs)
	f := c.floors()
	c.checkResurrected(&r, f)
	c.checkStaleReads(&r, f)
	c.checkCausal(&r, f)
	return r
}

// Add sums o into r, as a class total sums its cycles. Findings stay
// bounded per check, the earliest kept.
func (r *Report) Add(o Report) {
	for _, c := range counters {
		*c.of(r) += *c.of(&o)
	}
	for _, f := range o.Findings {
		r.keep(f)
	}
}

// Violations sums the counters that must be zero on a healthy system.
func (r Report) Violations() int {
	n := 0
	for _, c := range counters {
		if c.violation {
			n += *c.of(&r)
		}
	}
	return n
}

// flag counts f under its check and keeps it as an example.
func (r *Report) flag(f Finding) {
	for _, c := range counters {
		if c.check == f.Check {
			*c.of(r)++
			r.keep(f)
			return
		}
	}
	panic("validate: no counter for check " + f.Check)
}

// keep appends f unless its check already has MaxFindings examples.
func (r *Report) keep(f Finding) {
	n := 0
	for _, g := range r.Findings {
		if g.Check == f.Check {
			n++
		}
	}
	if n < MaxFindings {
		r.Findings = append(r.Findings, f)
	}
}

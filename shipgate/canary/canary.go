// Package canary proves the gate can fail: it runs the whole campaign,
// every phase, once per planted bug (an ai-memory fault-injection switch
// on every node) and scores each phase red or green. A bug is caught only
// when every phase declared to catch it goes red through one of the
// declared checks and every phase declared quiet stays green. A bug the
// campaign lets through is a failure of the gate, never of the canary.
package canary

import (
	"slices"

	"github.com/aimemory/ai-memory/faults"
	"github.com/aimemory/ai-memory/shipgate/config"
)

// Canary is one planted bug and what must catch it.
type Canary struct {
	Fault string // the serve --fault switch
	// Catch lists every phase that must catch the bug, each through at
	// least one of its checks (report check IDs).
	Catch []Catch
	// Quiet lists phases that must stay green: a bug only chaos can catch
	// leaves phases 1-3 green, or phase 4 would prove nothing new.
	Quiet []int
	// Faults restricts phase 4 to the classes relevant to the bug, for
	// speed (nil: every class). Such a phase 4 fails its every-class
	// check; that check alone does not count as red.
	Faults []string
	// MinCycles is the fewest phase-4 cycles per class that can show the
	// bug (a canary run with fewer uses this many).
	MinCycles int
	Why       string
}

// Catch is one phase that must go red and the checks that may show it.
type Catch struct {
	Phase  int      `json:"phase"`
	Checks []string `json:"checks"`
}

// chaosOnly are the phases a bug only chaos can catch leaves green.
var chaosOnly = []int{1, 2, 3}

// killClasses are the classes that crash nodes mid-writes.
var killClasses = []string{config.KillNode, config.KillMajority, config.PowerLoss}

// All lists the planted bugs, in the order they run.
var All = []Canary{
	{Fault: faults.CancelFanoutAfterQuorum, Faults: []string{config.KillNode},
		Catch: []Catch{{2, []string{"federation.acked_present"}}, {4, []string{"chaos.kill_node.lost", "chaos.kill_node.diverged"}}},
		Why:   "pushes still owed to peers are cancelled once W acks arrive (and anti-entropy is off): acknowledged writes never reach some nodes"},
	{Fault: faults.DoubleCountAck, Faults: []string{config.KillNode},
		Catch: []Catch{{2, []string{"federation.probe2"}}},
		Why:   "every ack counts twice, so W=2 is reported with one real copy: a write with both peers down succeeds"},
	{Fault: faults.SkipReplicateConsolidate, Faults: []string{config.KillNode},
		Catch: []Catch{{2, []string{"federation.consolidation"}}},
		Why:   "a pushed consolidation is answered 2xx but not applied: silent divergence between nodes"},
	{Fault: faults.AckBeforeDurable, Faults: []string{config.KillNode},
		Catch: []Catch{{2, []string{"federation.crash_after_ack"}}},
		Why:   "a peer acknowledges every copy before it is durable: a crash right after the ack loses acknowledged writes"},
	{Fault: faults.ListCap20, Faults: []string{config.KillNode},
		Catch: []Catch{{2, []string{"federation.list_complete"}}},
		Why:   "the list endpoint silently stops at 20 rows: the gate must see the cap, not report a bogus 0.2"},
	// power_loss cuts one node, then two, then all three in turn: only a
	// cut of a majority can lose what no node fsynced.
	{Fault: faults.SkipFsync, Faults: []string{config.PowerLoss}, Quiet: chaosOnly, MinCycles: 3,
		Catch: []Catch{{4, []string{"chaos.power_loss.lost"}}},
		Why:   "SQLite commits without fsync: a process kill keeps the page cache, a power cut loses acknowledged writes"},
	{Fault: faults.HLCIgnoreRemote, Faults: []string{config.ClockSkew}, Quiet: chaosOnly,
		Catch: []Catch{{4, []string{"chaos.clock_skew.causal"}}},
		Why:   "the clock ignores versions it receives or reads: behind a skewed peer, a later write gets an older version and loses"},
	{Fault: faults.RetryDuplicates, Faults: []string{config.DropAcks}, Quiet: chaosOnly,
		Catch: []Catch{{4, []string{"chaos.drop_acks.duplicates"}}},
		Why:   "a retried write (after a lost answer) is stored as a second copy under a new id"},
	// A delete must meet the cut node in the fault window.
	{Fault: faults.TombstoneSkipOnSync, Faults: []string{config.PartitionMinority, config.PartitionAsymmetric}, Quiet: chaosOnly, MinCycles: 3,
		Catch: []Catch{{4, []string{
			"chaos.partition_minority.resurrected", "chaos.partition_minority.delete_not_propagated",
			"chaos.partition_asymmetric.resurrected", "chaos.partition_asymmetric.delete_not_propagated"}}},
		Why: "deletes are left out of anti-entropy: a node cut off during a delete keeps the memory for good"},
	{Fault: faults.SyncMarkBeforeApply, Faults: killClasses,
		Catch: []Catch{{2, []string{"federation.rejoin"}}},
		Why:   "a node records how far it pulled before the rows are durable: killed during catch-up, it never pulls them again"},
	{Fault: faults.RareAckBeforeDurable, Faults: killClasses,
		Catch: []Catch{{2, []string{"federation.crash_after_ack"}}},
		Why:   "one received push in 50 is acknowledged before it is durable: a rare loss the campaign must still meet"},
}

// Find returns the canary named name.
func Find(name string) (Canary, bool) {
	i := slices.IndexFunc(All, func(c Canary) bool { return c.Fault == name })
	if i < 0 {
		return Canary{}, false
	}
	return All[i], true
}

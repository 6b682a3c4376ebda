// Package faults names every fault-injection switch of ai-memory in one
// place. The switches plant known durability, replication and clock
// defects (and a clock skew) into a real node so that the release gate can
// prove it turns red. They are off unless `serve --unsafe-fault-injection`
// is also given, and are installed at startup as strategies and wrappers
// (see where each constant says), never as branches in the normal path.
// docs/upstream-history.md names the upstream defect each one replays.
package faults

import (
	"strings"
	"time"

	memory "github.com/aimemory/ai-memory"
)

// Switch names, as given to `serve --fault`.
const (
	// CancelFanoutAfterQuorum drops the pushes still owed to peers once the
	// write quorum is met, so acknowledged writes go missing on peers.
	// Pushes go to one peer after another so the drop is certain even on
	// loopback. The anti-entropy loop is off too, or it would heal
	// the loss within a second and hide the defect.
	CancelFanoutAfterQuorum = "cancel-fanout-after-quorum"
	// DoubleCountAck counts every acknowledgement twice, the coordinator's
	// own durable commit included, so W copies are reported after about W/2
	// real ones (W=2 is met with one real copy).
	DoubleCountAck = "double-count-ack"
	// SkipReplicateConsolidate makes a receiving node answer 2xx to a pushed
	// consolidation without applying it, and skip those rows in sync too:
	// the nodes diverge silently.
	SkipReplicateConsolidate = "skip-replicate-consolidate"
	// AckBeforeDurable makes a receiving node acknowledge a push before the
	// batch is durable: it is applied later from memory, so a crash soon
	// after the ack loses an acknowledged copy.
	AckBeforeDurable = "ack-before-durable"
	// ListCap20 silently caps GET /api/v1/memories at 20 rows with
	// has_more=false, so a client paging to the end misses the rest.
	ListCap20 = "list-cap-20"
	// ClockSkew shifts this node's clock source by a duration
	// ("clock-skew=-90s"); hybrid logical clocks must tolerate it. With
	// --unsafe-fault-injection the skew can also be changed at run time
	// through /api/v1/fault/clock.
	ClockSkew = "clock-skew"
	// SkipFsync makes the SQLite store commit without any fsync
	// (synchronous=OFF): a process crash keeps acknowledged writes (they
	// are in the page cache), a power cut loses them.
	SkipFsync = "skip-fsync"
	// HLCIgnoreRemote makes the clock ignore every version it receives or
	// reads (Observe is a no-op): a write following a read of version v
	// can get a version below v, and last-writer-wins keeps the older value.
	HLCIgnoreRemote = "hlc-ignore-remote"
	// RetryDuplicates stores a retried write as a second copy: a store
	// whose title is taken in its namespace by a memory with identical
	// content (a client retry after a lost answer) creates a new memory
	// instead of updating it, and a pushed memory this node already holds
	// at the same version (a retried push) is stored again under a new id.
	RetryDuplicates = "retry-duplicates"
	// TombstoneSkipOnSync leaves deletes out of anti-entropy: tombstones
	// pulled from peers are dropped (pushes still carry them).
	TombstoneSkipOnSync = "tombstone-skip-on-sync"
	// SyncMarkBeforeApply records a peer's sync high-water mark before the
	// pulled rows are durable (they are applied ApplyDelay later), so a
	// kill during catch-up loses them for good: they are never pulled again.
	SyncMarkBeforeApply = "sync-mark-before-apply"
	// RareAckBeforeDurable is AckBeforeDurable for one received push in
	// RareAckEvery only: a loss the gate must catch from few samples.
	RareAckBeforeDurable = "rare-ack-before-durable"
)

// Names lists every switch, for help texts and errors.
var Names = []string{CancelFanoutAfterQuorum, DoubleCountAck, SkipReplicateConsolidate, AckBeforeDurable, ListCap20,
	ClockSkew + "=<duration>", SkipFsync, HLCIgnoreRemote, RetryDuplicates, TombstoneSkipOnSync, SyncMarkBeforeApply,
	RareAckBeforeDurable}

// ListCap is the row cap that ListCap20 imposes.
const ListCap = 20

// ApplyDelay is how long AckBeforeDurable and RareAckBeforeDurable keep an
// acknowledged batch, and SyncMarkBeforeApply a pulled one, in memory
// before applying it: long enough that a SIGKILL right after a burst
// reliably catches batches that are not on disk.
const ApplyDelay = 2 * time.Second

// RareAckEvery is how many received pushes RareAckBeforeDurable lets pass
// durably for each one it acknowledges early.
const RareAckEvery = 50

// Set is the parsed switches of one node; the zero Set injects nothing.
type Set struct {
	CancelFanoutAfterQuorum  bool
	DoubleCountAck           bool
	SkipReplicateConsolidate bool
	AckBeforeDurable         bool
	ListCap20                bool
	ClockSkew                time.Duration
	SkipFsync                bool
	HLCIgnoreRemote          bool
	RetryDuplicates          bool
	TombstoneSkipOnSync      bool
	SyncMarkBeforeApply      bool
	RareAckBeforeDurable     bool
}

// Parse reads `--fault` values. Any fault without unsafe is refused, so a
// stray flag can never weaken a production node.
func Parse(values []string, unsafe bool) (Set, error) {
	var s Set
	if len(values) > 0 && !unsafe {
		return s, memory.Errorf(memory.CodeInvalid, "--fault %s needs --unsafe-fault-injection: fault switches plant data-loss bugs", strings.Join(values, ","))
	}
	for _, v := range values {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(v), "=")
		if hasArg != (name == ClockSkew) {
			return Set{}, memory.Errorf(memory.CodeInvalid, "fault %q: only %s takes a value (known: %s)", v, ClockSkew, strings.Join(Names, ", "))
		}
		switch name {
		case CancelFanoutAfterQuorum:
			s.CancelFanoutAfterQuorum = true
		case DoubleCountAck:
			s.DoubleCountAck = true
		case SkipReplicateConsolidate:
			s.SkipReplicateConsolidate = true
		case AckBeforeDurable:
			s.AckBeforeDurable = true
		case ListCap20:
			s.ListCap20 = true
		case SkipFsync:
			s.SkipFsync = true
		case HLCIgnoreRemote:
			s.HLCIgnoreRemote = true
		case RetryDuplicates:
			s.RetryDuplicates = true
		case TombstoneSkipOnSync:
			s.TombstoneSkipOnSync = true
		case SyncMarkBeforeApply:
			s.SyncMarkBeforeApply = true
		case RareAckBeforeDurable:
			s.RareAckBeforeDurable = true
		case ClockSkew:
			d, err := time.ParseDuration(arg)
			if err != nil || d == 0 {
				return Set{}, memory.Errorf(memory.CodeInvalid, "fault %q: want a non-zero duration such as clock-skew=-90s", v)
			}
			s.ClockSkew = d
		default:
			return Set{}, memory.Errorf(memory.CodeInvalid, "unknown fault %q (known: %s)", v, strings.Join(Names, ", "))
		}
	}
	return s, nil
}

// Active lists the switches that are on, as they were given, for the
// startup log and GET /api/v1/sync/status.
func (s Set) Active() []string {
	out := []string{}
	add := func(on bool, name string) {
		if on {
			out = append(out, name)
		}
	}
	add(s.CancelFanoutAfterQuorum, CancelFanoutAfterQuorum)
	add(s.DoubleCountAck, DoubleCountAck)
	add(s.SkipReplicateConsolidate, SkipReplicateConsolidate)
	add(s.AckBeforeDurable, AckBeforeDurable)
	add(s.ListCap20, ListCap20)
	if s.ClockSkew != 0 {
		out = append(out, ClockSkew+"="+s.ClockSkew.String())
	}
	add(s.SkipFsync, SkipFsync)
	add(s.HLCIgnoreRemote, HLCIgnoreRemote)
	add(s.RetryDuplicates, RetryDuplicates)
	add(s.TombstoneSkipOnSync, TombstoneSkipOnSync)
	add(s.SyncMarkBeforeApply, SyncMarkBeforeApply)
	add(s.RareAckBeforeDurable, RareAckBeforeDurable)
	return out
}

// Any reports whether at least one switch is on.
func (s Set) Any() bool { return len(s.Active()) > 0 }

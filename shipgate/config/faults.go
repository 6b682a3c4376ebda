package config

// Fault class names. Each is named for what it does to the cluster.
const (
	KillNode            = "kill_node"
	KillMajority        = "kill_majority"
	PartitionMinority   = "partition_minority"
	PartitionAsymmetric = "partition_asymmetric"
	PauseNode           = "pause_node"
	DropAcks            = "drop_acks"
	Latency             = "latency"
	ClockSkew           = "clock_skew"
	PowerLoss           = "power_loss"
	DiskFull            = "disk_full"
	DiskError           = "disk_error"
)

// FaultClass documents one fault class for the methodology: what the
// harness does, what a cycle must show to count as effective, what the
// class can catch and what it cannot. The injection itself lives in package
// failpoint, keyed by the same name.
type FaultClass struct {
	Name    string
	Does    string
	Effect  string
	Catches string
	Misses  string
	// NeedsDisk: the nodes' data dirs must sit on the harness's FUSE layer
	// (root and /dev/fuse); without it the class is skipped with a reason.
	NeedsDisk bool
}

// FaultClasses is every fault class, in the order they run and are reported.
var FaultClasses = []FaultClass{
	{Name: KillNode,
		Does:    "SIGKILL one node while writes are in flight; it restarts once the fault's duration has passed.",
		Effect:  "an operation through the victim failed or ended unknown.",
		Catches: "acknowledged writes that were not durable on W nodes, coordinators that lose in-flight fan-out, restart that loses the clock.",
		Misses:  "missing fsyncs (the page cache survives a process kill)."},
	{Name: KillMajority,
		Does:    "SIGKILL two nodes at once (all three in every third cycle) mid-writes; restart them after the fault's duration.",
		Effect:  "operations failed or ended unknown on at least two nodes.",
		Catches: "an acknowledgement counted before W copies were durable (W=2: every acknowledged write must survive losing any majority of processes).",
		Misses:  "missing fsyncs, as kill_node."},
	{Name: PartitionMinority,
		Does:    "cut one node from both peers, both directions (proxies; nftables with netns), for the fault's duration.",
		Effect:  "a write ended 503/unknown or waited at least half the fault, or the victim fell behind.",
		Catches: "quorum counting, acknowledgement without W copies, anti-entropy that does not heal, deletes that never arrive.",
		Misses:  "faults inside one node."},
	{Name: PartitionAsymmetric,
		Does:    "drop only the victim's own requests to its peers (its pushes and pulls); its peers still reach it.",
		Effect:  "a write through the victim ended 503/unknown or waited at least half the fault.",
		Catches: "a node that counts copies it could not confirm, sync that needs both directions to heal.",
		Misses:  "the same as partition_minority."},
	{Name: PauseNode,
		Does:    "SIGSTOP one node for the fault's duration, then SIGCONT (a long GC pause or a stalled VM).",
		Effect:  "an operation through the victim took at least half the pause or ended unknown.",
		Catches: "timeouts that give up on writes which then complete, stale answers after a pause.",
		Misses:  "data loss on disk."},
	{Name: DropAcks,
		Does:    "forward requests on the victim's peer and client links, then lose the answer with a probability (the connection is reset after the far side has done the work); the workload retries an unknown put once.",
		Effect:  "at least one answer was dropped.",
		Catches: "retries that store a second copy under a new id, pushes counted as failed that did land (and the reverse).",
		Misses:  "loss that needs a crash."},
	{Name: Latency,
		Does:    "delay every chunk on the victim's peer links by a random amount up to 3x the quorum timeout, with jitter.",
		Effect:  "a write waited at least a quarter of the drawn round-trip delay (the least the proxies add) or ended 503/unknown.",
		Catches: "quorum timeouts that acknowledge late copies wrongly or lose them, reordering under delay.",
		Misses:  "loss that needs a crash."},
	{Name: ClockSkew,
		Does:    "move one live node's clock forward or back (seconds to hours) at run time while clients upsert, update and delete the same keys through different nodes; every third cycle the node is also restarted with its clock set back.",
		Effect:  "a version issued by the victim was off real time by at least half the skew.",
		Catches: "a clock that ignores versions it has seen (causal last-writer-wins), a restart that issues versions below earlier ones.",
		Misses:  "concurrent writes without a causal link may resolve either way; that is last-writer-wins, not a bug."},
	{Name: PowerLoss, NeedsDisk: true,
		Does:    "SIGKILL nodes, drop every byte their filesystems had not fsynced (the harness's FUSE layer, like LazyFS), keep them down for the fault's duration and restart them: one node, then two, then all three, in turn (a rack losing power).",
		Effect:  "the cut dropped unsynced bytes.",
		Catches: "commits acknowledged without fsync, torn WAL or checkpoint handling.",
		Misses:  "a missing directory fsync (the layer makes create, rename and unlink synchronous)."},
	{Name: DiskFull, NeedsDisk: true,
		Does:    "make one node's filesystem answer ENOSPC to every write for the fault's duration, then free it.",
		Effect:  "a write through the victim was refused.",
		Catches: "a 201 for a write that could not be made durable, a node that dies or stays read-only after the disk recovers.",
		Misses:  "partial writes (the layer refuses whole calls)."},
	{Name: DiskError, NeedsDisk: true,
		Does:    "make one node's filesystem answer EIO to every fsync for the fault's duration (data written meanwhile is not made durable), then clear it; the node is power-cut at the end of the fault, so any write it acknowledged without a durable fsync is lost.",
		Effect:  "a write through the victim was refused.",
		Catches: "an acknowledgement after a failed fsync (fsyncgate), a node that cannot recover without a restart.",
		Misses:  "silent corruption (the layer never returns wrong bytes)."},
}

// AllFaults is every fault class name, in FaultClasses order.
var AllFaults = func() []string {
	var out []string
	for _, f := range FaultClasses {
		out = append(out, f.Name)
	}
	return out
}()

// Class returns the documentation of a fault class.
func Class(name string) (FaultClass, bool) {
	for _, f := range FaultClasses {
		if f.Name == name {
			return f, true
		}
	}
	return FaultClass{}, false
}

package traffic

import "testing"

// With a fault, one delete per node is kept out of the clients' share for
// the fault deleters; without one, the clients' deletes are only spaced.
func TestClientsLeaveTheFaultItsDeletes(t *testing.T) {
	targets := make([]Target, 3)
	w := &Workload{cfg: WorkloadConfig{Keys: 12, FaultAfter: 100, Targets: targets}} // cap 4
	w.ops.Store(10_000)                                                              // spacing no obstacle
	if !w.deleteAllowed(0) || w.deleteAllowed(1) {
		t.Fatal("with a fault on 3 nodes: want 1 client delete, 3 kept for the fault")
	}
	spaced := &Workload{cfg: WorkloadConfig{Keys: 12, Targets: targets}}
	spaced.ops.Store(deleteSpacing - 1)
	if !spaced.deleteAllowed(0) || spaced.deleteAllowed(1) {
		t.Fatal("without a fault: want deletes spaced by deleteSpacing operations")
	}
	spaced.ops.Store(10_000)
	if !spaced.deleteAllowed(3) || spaced.deleteAllowed(4) {
		t.Fatal("without a fault: want the clients to have the whole cap of 4")
	}
}

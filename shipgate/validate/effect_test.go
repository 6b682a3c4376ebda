package validate

import (
	"testing"
	"time"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// op builds an invoke/completion pair of one proc.
func op(proc int, kind, node, outcome string, from, to float64, version int64) []history.Op {
	return []history.Op{
		{Op: history.Invoke, Proc: proc, Kind: kind, Node: node, TMS: from},
		{Op: outcome, Proc: proc, Kind: kind, Node: node, TMS: to, Version: version},
	}
}

func cat(parts ...[]history.Op) []history.Op {
	var out []history.Op
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestEffectiveNeedsEvidencePerClass(t *testing.T) {
	const start = int64(1_700_000_000_000)
	hlc := func(wallMS int64) int64 { return wallMS << 16 }
	quiet := cat(op(1, history.Put, "a", history.OK, 1000, 1005, 0), op(2, history.Get, "b", history.OK, 1100, 1102, 0))
	cases := []struct {
		name string
		w    Window
		ops  []history.Op
		want bool
	}{
		{"kill: victim refused", Window{Class: config.KillNode, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000},
			cat(quiet, op(3, history.Put, "a", history.Fail, 1200, 1201, 0)), true},
		{"kill: nothing failed", Window{Class: config.KillNode, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000}, quiet, false},
		{"kill_majority: one victim hit is not enough", Window{Class: config.KillMajority, Victims: []string{"a", "b"}, FromMS: 1000, ToMS: 2000},
			cat(quiet, op(3, history.Put, "a", history.Fail, 1200, 1201, 0)), false},
		{"kill_majority: both hit", Window{Class: config.KillMajority, Victims: []string{"a", "b"}, FromMS: 1000, ToMS: 2000},
			cat(quiet, op(3, history.Put, "a", history.Fail, 1200, 1201, 0), op(4, history.Get, "b", history.Unknown, 1300, 1900, 0)), true},
		{"partition: a slow write", Window{Class: config.PartitionMinority, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000, Duration: time.Second},
			cat(quiet, op(3, history.Update, "b", history.OK, 1100, 1700, 0)), true},
		{"partition: only fast writes", Window{Class: config.PartitionMinority, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000, Duration: time.Second}, quiet, false},
		{"pause: a slow read through the victim", Window{Class: config.PauseNode, Victims: []string{"b"}, FromMS: 1000, ToMS: 2000, Duration: time.Second},
			cat(quiet, op(3, history.Get, "b", history.OK, 1100, 1900, 0)), true},
		{"db_stop: a write failed", Window{Class: config.DBStop, Victims: []string{"a", "b", "c"}, FromMS: 1000, ToMS: 2000},
			cat(quiet, op(3, history.Put, "c", history.Unknown, 1100, 1500, 0)), true},
		{"db_stop: only a read failed", Window{Class: config.DBStop, Victims: []string{"a", "b", "c"}, FromMS: 1000, ToMS: 2000},
			cat(quiet, op(3, history.Get, "c", history.Unknown, 1100, 1500, 0)), false},
		{"db_partition: the victim answered 503", Window{Class: config.DBPartition, Victims: []string{"b"}, FromMS: 1000, ToMS: 2000, Duration: time.Second},
			cat(quiet, op(3, history.Put, "b", history.Unknown, 1100, 1200, 0)), true},
		{"db_partition: another node's write failed", Window{Class: config.DBPartition, Victims: []string{"b"}, FromMS: 1000, ToMS: 2000, Duration: time.Second},
			cat(quiet, op(3, history.Put, "a", history.Unknown, 1100, 1200, 0)), false},
		{"drop_acks: answers dropped", Window{Class: config.DropAcks, Dropped: 3}, quiet, true},
		{"drop_acks: none dropped", Window{Class: config.DropAcks}, quiet, false},
		{"power_loss: bytes cut", Window{Class: config.PowerLoss, BytesCut: 4096}, quiet, true},
		{"disk_full: a refused write", Window{Class: config.DiskFull, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000},
			cat(quiet, op(3, history.Put, "a", history.Fail, 1200, 1201, 0)), true},
		{"clock ahead shows in versions", Window{Class: config.ClockSkew, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000, Skew: time.Hour, StartUnixMS: start},
			cat(quiet, op(3, history.Put, "a", history.OK, 1200, 1210, hlc(start+1210+3600_000))), true},
		{"clock ahead but versions on time", Window{Class: config.ClockSkew, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000, Skew: time.Hour, StartUnixMS: start},
			cat(quiet, op(3, history.Put, "a", history.OK, 1200, 1210, hlc(start+1210))), false},
		{"clock behind held up by the hybrid clock", Window{Class: config.ClockSkew, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000, Skew: -time.Hour, StartUnixMS: start},
			cat(quiet, op(3, history.Put, "a", history.OK, 1200, 1210, hlc(start+1210))), true},
		{"clock behind and versions behind", Window{Class: config.ClockSkew, Victims: []string{"a"}, FromMS: 1000, ToMS: 2000, Skew: -time.Hour, StartUnixMS: start},
			cat(quiet, op(3, history.Put, "a", history.OK, 1200, 1210, hlc(start+1210-3600_000))), false},
	}
	for _, c := range cases {
		if got, why := Effective(c.ops, c.w); got != c.want {
			t.Errorf("%s: effective=%v (%s), want %v", c.name, got, why, c.want)
		}
	}
}

func TestAckedWhileRefused(t *testing.T) {
	ops := cat(
		op(1, history.Put, "a", history.OK, 900, 1100, 0),    // invoked before the fault: may be durable
		op(2, history.Put, "a", history.OK, 1200, 1300, 0),   // inside: a lie
		op(3, history.Put, "b", history.OK, 1200, 1300, 0),   // another coordinator
		op(4, history.Get, "a", history.OK, 1200, 1300, 0),   // a read
		op(5, history.Put, "a", history.Fail, 1200, 1300, 0), // refused, as it must be
	)
	if n := AckedWhileRefused(ops, []string{"a"}, 1000, 2000); n != 1 {
		t.Fatalf("counted %d, want 1", n)
	}
}

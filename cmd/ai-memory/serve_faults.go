package main

import (
	"context"
	"strings"

	"github.com/spf13/pflag"

	"github.com/aimemory/ai-memory/faults"
	"github.com/aimemory/ai-memory/httpapi"
)

// faultFlags are serve's fault-injection flags (testing the release gate
// only: the switches break durability on purpose).
type faultFlags struct {
	unsafe bool
	faults []string
}

func (f *faultFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.unsafe, "unsafe-fault-injection", false, "allow --fault and mount "+httpapi.PathFaultClock+" (testing the release gate only: faults lose data)")
	fs.StringSliceVar(&f.faults, "fault", nil, "inject a defect: "+strings.Join(faults.Names, ", ")+" (needs --unsafe-fault-injection)")
}

// skipSyncer is a store that can commit without fsync (SQLite).
type skipSyncer interface {
	SkipSync(ctx context.Context) error
}

// installFaults parses the fault flags and installs every switch that
// acts outside federation as a strategy of the engine, its clock, its
// store or the HTTP server. It returns the parsed set, whose federation
// switches federation.New installs.
func installFaults(ctx context.Context, sc *serveContext, f faultFlags) (faults.Set, error) {
	fs, err := faults.Parse(f.faults, f.unsafe)
	if err != nil || !f.unsafe {
		return fs, err
	}
	if fs.Any() {
		sc.Logger.Warn("FAULT INJECTION ACTIVE: this node breaks its guarantees on purpose", "faults", fs.Active())
	}
	clock := sc.Engine.Clock()
	clock.SetSkew(fs.ClockSkew)
	sc.Mount(func(srv *httpapi.Server) { srv.MountClockControl(clock) })
	if fs.ListCap20 {
		sc.HTTP.Middleware = faults.CapList(faults.ListCap)
	}
	if fs.HLCIgnoreRemote {
		clock.SetObservePolicy(faults.IgnoreRemote)
	}
	if fs.RetryDuplicates {
		sc.Engine.SetUpsertPolicy(faults.CopyIdenticalRetry)
	}
	if fs.SkipFsync {
		st, ok := sc.Store.(skipSyncer)
		if !ok {
			return fs, invalidf("fault %s needs a SQLite store", faults.SkipFsync)
		}
		if err := st.SkipSync(ctx); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

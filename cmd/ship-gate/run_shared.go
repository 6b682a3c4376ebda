package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// runSharedPostgres runs the shared-postgres topology's campaign (`run
// --topology shared-postgres`, alone or beside federated) and writes
// shared-postgres.json and its config; the aggregator judges them into
// the campaign summary. It returns an error only when it could not write
// them.
func runSharedPostgres(ctx context.Context, cmd *cobra.Command, f *runFlags, env *phases.Env, prog *progress) error {
	c := config.DefaultSharedPostgres(env.Cfg)
	if cmd.Flags().Changed("faults") {
		fs, err := config.ParseSharedFaults(f.faults)
		if err != nil {
			return err
		}
		c.Chaos.Faults = fs
	}
	if err := report.WriteJSON(filepath.Join(env.RunDir, report.SharedPostgresConfigFile), c); err != nil {
		return err
	}
	prog.Set("phase", "shared-postgres")
	r := phases.SharedPostgres(ctx, env, c)
	if err := report.WriteJSON(filepath.Join(env.RunDir, report.SharedPostgresFile), r); err != nil {
		return err
	}
	prog.Logf("shared-postgres: pass=%v in %.1f s", r.Pass, r.WallSeconds)
	out := cmd.OutOrStdout()
	if r.Chaos != nil {
		for _, k := range r.Chaos.Class {
			fmt.Fprintf(out, "  %-14s cycles %d effective %d acked %d lost %d violations %d\n", k.Fault, k.CyclesRun, k.EffectiveCycles, k.N, k.Lost, k.Violations)
		}
	}
	for _, t := range r.Throughput {
		fmt.Fprintf(out, "  throughput %-8s x%d: %7.1f writes/s (p50 %.1f ms, p99 %.1f ms), load %s\n", t.Store, t.Nodes, t.PerSecond, t.P50MS, t.P99MS, t.LoadAvg)
	}
	return nil
}

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

// runSharedPostgres is `run --topology shared-postgres`: the
// shared-postgres campaign on the local provider, judged into
// shared-postgres.json. The federated aggregate and release summary do
// not read it: they certify the federated topology.
func runSharedPostgres(ctx context.Context, cmd *cobra.Command, f *runFlags, env *phases.Env, prog *progress) error {
	if env.Cfg.Provider != "local" {
		return fmt.Errorf("--topology %s runs on the local provider only (its database links are harness proxies); got %q", config.TopologySharedPostgres, env.Cfg.Provider)
	}
	c := config.DefaultSharedPostgres(env.Cfg)
	if cmd.Flags().Changed("faults") {
		fs, err := config.ParseSharedFaults(f.faults)
		if err != nil {
			return err
		}
		c.Chaos.Faults = fs
	}
	if err := report.WriteJSON(filepath.Join(env.RunDir, "shared-postgres-config.json"), c); err != nil {
		return err
	}
	r := phases.SharedPostgres(ctx, env, c)
	if err := report.WriteJSON(filepath.Join(env.RunDir, report.SharedPostgresFile), r); err != nil {
		return err
	}
	prog.Done()
	out := cmd.OutOrStdout()
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(out, "shared-postgres: %s in %.1f s -> %s\n", verdict, r.WallSeconds, filepath.Join(env.RunDir, report.SharedPostgresFile))
	if r.Chaos != nil {
		for _, k := range r.Chaos.Class {
			fmt.Fprintf(out, "  %-14s cycles %d effective %d acked %d lost %d violations %d\n", k.Fault, k.CyclesRun, k.EffectiveCycles, k.N, k.Lost, k.Violations)
		}
	}
	for _, t := range r.Throughput {
		fmt.Fprintf(out, "  throughput %-8s x%d: %7.1f writes/s (p50 %.1f ms, p99 %.1f ms), load %s\n", t.Store, t.Nodes, t.PerSecond, t.P50MS, t.P99MS, t.LoadAvg)
	}
	for _, reason := range r.Reasons {
		fmt.Fprintln(out, "  reason:", reason)
	}
	if !r.Pass {
		return exitError{code: 1}
	}
	return nil
}

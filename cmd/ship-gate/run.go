package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/provenance"
	"github.com/aimemory/ai-memory/shipgate/render"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// runFlags are the command-line overrides of the campaign config.
type runFlags struct {
	configFile, binary, source, id, out, provider, phases, faults, stateDir string
	topology, inventory                                                     string
	acceptNewHostKeys                                                       bool
	cycles, minEffective, lanes                                             int
	settleMax, cycleSettleMax, deadline                                     time.Duration
	nodeArgs                                                                string
	phaseNodeArgs                                                           []string
	failFast, keepWork                                                      bool
}

func init() {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the four-phase campaign on a local cluster and write fail-closed evidence to runs/<id>",
		Long: "Runs phases 1-4 against real ai-memory processes and writes runs/<id>/. Exit status 0 only\n" +
			"when overall_pass is true. Every threshold is in the campaign config (see `ship-gate methodology`).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCampaign(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.configFile, "config", "", "campaign config JSON over the defaults (flags override it)")
	fl.StringVar(&f.binary, "binary", "", "ai-memory binary to test (default: build ./cmd/ai-memory from --source into the run dir)")
	fl.StringVar(&f.source, "source", ".", "checkout to build from and to record the commit of")
	fl.StringVar(&f.id, "campaign-id", "", "campaign id (default sg-<UTC time>)")
	fl.StringVar(&f.out, "out", "runs", "directory that receives runs/<id>")
	fl.StringVar(&f.provider, "provider", "", "local (default), netns (root) or ssh (--inventory)")
	fl.StringVar(&f.inventory, "inventory", "", "hosts of --provider ssh (JSON; see shipgate/README.md)")
	fl.BoolVar(&f.acceptNewHostKeys, "accept-new-host-keys", false, "--provider ssh: record unknown host keys in known_hosts instead of refusing them")
	fl.StringVar(&f.phases, "phases", "", "phases to run, e.g. 1,2,3,4 (default all)")
	fl.StringVar(&f.faults, "faults", "", "fault classes: all or a comma list")
	fl.StringVar(&f.topology, "topology", config.TopologyFederated, "topologies to certify, comma separated: federated (phases 1-4) and/or shared-postgres (nodes on one PostgreSQL, no federation; writes shared-postgres.json); each must pass")
	fl.IntVar(&f.cycles, "cycles", 0, "chaos cycles per fault class (default 30); lowers min_effective_cycles in proportion unless --min-effective-cycles is given")
	fl.IntVar(&f.minEffective, "min-effective-cycles", 0, "cycles per class in which the fault must show its effect (default 25)")
	fl.IntVar(&f.lanes, "lanes", 0, "chaos trios running at once (default 6)")
	fl.DurationVar(&f.settleMax, "settle-max", 0, "phase 2 convergence limit (default 90s)")
	fl.DurationVar(&f.cycleSettleMax, "cycle-settle-max", 0, "phase 4 per-cycle convergence limit (default 10s)")
	fl.DurationVar(&f.deadline, "deadline", 0, "whole-run deadline (default 30m)")
	fl.StringVar(&f.nodeArgs, "node-args", "", "extra arguments for every ai-memory serve, space separated (e.g. fault switches)")
	fl.StringArrayVar(&f.phaseNodeArgs, "phase-node-args", nil, "extra serve arguments for one phase: N:ARGS (repeatable), e.g. '2:--unsafe-fault-injection --fault list-cap-20'")
	fl.StringVar(&f.stateDir, "state-dir", cluster.DefaultStateDir(), "where the run records what to clean up")
	fl.BoolVar(&f.failFast, "fail-fast", false, "stop after the first red phase (later phases are NOT RUN)")
	fl.BoolVar(&f.keepWork, "keep-work", false, "keep node data directories (for debugging); they are still listed for cleanup")
	rootCmd.AddCommand(cmd)
}

// campaignConfig merges defaults, the config file and explicit flags.
func campaignConfig(cmd *cobra.Command, f *runFlags) (config.Campaign, error) {
	c := config.Default()
	if f.configFile != "" {
		var err error
		if c, err = config.Load(f.configFile); err != nil {
			return c, err
		}
	}
	set := cmd.Flags().Changed
	if set("provider") {
		c.Provider = f.provider
	}
	if set("phases") {
		p, err := config.ParsePhases(f.phases)
		if err != nil {
			return c, err
		}
		c.Phases = p
	}
	if set("topology") {
		ts, err := config.ParseTopologies(f.topology)
		if err != nil {
			return c, err
		}
		c.Topologies = ts
	}
	// --faults applies to every topology certified (shared-postgres reads
	// it in runSharedPostgres): each class must exist in each of them.
	if set("faults") && c.Certifies(config.TopologyFederated) {
		fs, err := config.ParseFaults(f.faults)
		if err != nil {
			return c, err
		}
		c.Phase4.Faults = fs
	}
	if set("cycles") && f.cycles > 0 {
		// Keep the campaign's share of effective cycles: 25 of 30 becomes
		// 2 of 3, never fewer than 1.
		c.Phase4.MinEffectiveCycles = max(1, c.Phase4.MinEffectiveCycles*f.cycles/c.Phase4.Cycles)
		c.Phase4.Cycles = f.cycles
	}
	if set("min-effective-cycles") {
		c.Phase4.MinEffectiveCycles = f.minEffective
	}
	if set("lanes") {
		c.Phase4.Lanes = f.lanes
	}
	if set("settle-max") {
		c.Phase2.SettleMax = config.Duration(f.settleMax)
	}
	if set("cycle-settle-max") {
		c.Phase4.SettleMax = config.Duration(f.cycleSettleMax)
	}
	if set("deadline") {
		c.Deadline = config.Duration(f.deadline)
	}
	if set("node-args") {
		c.NodeArgs = strings.Fields(f.nodeArgs)
	}
	for _, pa := range f.phaseNodeArgs {
		k, v, ok := strings.Cut(pa, ":")
		if !ok {
			return c, fmt.Errorf("--phase-node-args %q: want N:ARGS", pa)
		}
		if c.PhaseNodeArgs == nil {
			c.PhaseNodeArgs = map[string][]string{}
		}
		c.PhaseNodeArgs[strings.TrimSpace(k)] = append(c.PhaseNodeArgs[strings.TrimSpace(k)], strings.Fields(v)...)
	}
	return c, c.Validate()
}

func runCampaign(cmd *cobra.Command, f *runFlags) error {
	cfg, err := campaignConfig(cmd, f)
	if err != nil {
		return err
	}
	started := time.Now().UTC()
	id := f.id
	if id == "" {
		id = "sg-" + started.Format("20060102T150405Z")
	}
	if strings.ContainsAny(id, `/\ `) || id == "." || id == ".." {
		return fmt.Errorf("campaign id %q: no slashes or spaces", id)
	}
	runDir, err := filepath.Abs(filepath.Join(f.out, id))
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(runDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s already holds a run; pick another --campaign-id", runDir)
	}
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return err
	}
	prog := newProgress(os.Stderr)
	defer prog.Done()

	// Signals and the deadline cancel the same context; teardown runs after.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.Deadline.D())
	defer cancel()

	if err := os.MkdirAll(f.stateDir, 0o755); err != nil {
		return err
	}
	sup, err := cluster.NewSupervisor(filepath.Join(f.stateDir, id+".json"), id)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "ship-gate-"+id+"-")
	if err == nil {
		// Postgres runs as an unprivileged user and must traverse it.
		err = os.Chmod(work, 0o755)
	}
	if err != nil {
		sup.Close()
		return err
	}
	if !f.keepWork {
		sup.TrackDir(work)
	}
	// The reaper undoes the state file if this process dies by SIGKILL.
	if self, err := os.Executable(); err == nil {
		if r, err := cluster.SpawnReaper(self, "cleanup", "--on-parent-exit", "--state", sup.StatePath()); err == nil {
			defer r.Release()
		} else {
			prog.Logf("warning: no reaper: %v", err)
		}
	}
	prov, err := newProvider(ctx, cfg.Provider, sup, id, f)
	if err != nil {
		sup.Close()
		return err
	}
	defer func() {
		prog.Set("phase", "teardown")
		prov.Close()
		if err := sup.Close(); err != nil {
			prog.Logf("teardown: %v", err)
		}
	}()

	binary := f.binary
	if binary == "" {
		prog.Set("phase", "building ai-memory")
		binary = filepath.Join(runDir, "ai-memory")
		// -buildvcs=auto stamps the commit into the binary (GOFLAGS may turn it off).
		b := exec.CommandContext(ctx, "go", "build", "-buildvcs=auto", "-o", binary, "./cmd/ai-memory")
		b.Dir, b.Stdout, b.Stderr = f.source, os.Stderr, os.Stderr
		if err := b.Run(); err != nil {
			return fmt.Errorf("build ai-memory from %s: %w", f.source, err)
		}
	}
	if binary, err = filepath.Abs(binary); err != nil {
		return err
	}
	if s, ok := prov.(*cluster.SSH); ok {
		prog.Set("phase", "deploying to hosts")
		if err := deploySSH(ctx, s, binary, runDir); err != nil {
			return err
		}
	}
	pv, err := provenance.Collect(ctx, binary, f.source, cfg.Provider, os.Args)
	if err != nil {
		return err
	}
	for _, w := range []struct {
		name string
		v    any
	}{{report.ConfigFile, cfg}, {report.ProvenanceFile, pv}} {
		if err := report.WriteJSON(filepath.Join(runDir, w.name), w.v); err != nil {
			return err
		}
	}
	prog.Logf("campaign %s: %s (sha256 %.12s) -> %s", id, pv.Version, pv.BinarySHA256, runDir)

	host, _ := os.Hostname()
	env := &phases.Env{Cfg: cfg, Sup: sup, Provider: prov, Binary: binary, Version: pv.Version, RunDir: runDir,
		WorkDir: work, Clock: history.NewClock(), Progress: prog, Host: host}
	var runs []report.PhaseRun
	if cfg.Certifies(config.TopologyFederated) {
		runs = phases.Run(ctx, env, f.failFast)
	}
	if cfg.Certifies(config.TopologySharedPostgres) && ctx.Err() == nil {
		if err := runSharedPostgres(ctx, cmd, f, env, prog); err != nil {
			return err
		}
	}

	meta := report.Meta{CampaignID: id, StartedAt: started, CompletedAt: time.Now().UTC(), Phases: runs}
	meta.WallSeconds = meta.CompletedAt.Sub(started).Seconds()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		meta.Interrupted = fmt.Sprintf("deadline %s exceeded", cfg.Deadline)
	case ctx.Err() != nil:
		meta.Interrupted = "interrupted by signal"
	}
	meta.Cost = runCost(sup, meta.WallSeconds)
	if err := report.WriteJSON(filepath.Join(runDir, report.MetaFile), meta); err != nil {
		return err
	}
	s, err := phases.Aggregate(runDir)
	if err != nil {
		return err
	}
	if err := report.WriteJSON(filepath.Join(runDir, report.SummaryFile), s); err != nil {
		return err
	}
	// The offline evidence exists before the command returns: the run's
	// page and the dashboard over every run in --out.
	if err := render.RunPage(runDir); err != nil {
		prog.Logf("evidence page: %v", err)
	}
	if _, err := render.Index(filepath.Dir(runDir)); err != nil {
		prog.Logf("dashboard: %v", err)
	}
	prog.Done()
	printVerdict(cmd.OutOrStdout(), s)
	if !s.OverallPass {
		return exitError{code: 1}
	}
	return nil
}

// runCost adds the harness's own usage to what the nodes consumed.
func runCost(sup *cluster.Supervisor, wall float64) report.Cost {
	c := report.Cost{WallSeconds: wall}
	c.FromCluster(sup.Cost())
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.HarnessCPUSeconds = tv(ru.Utime) + tv(ru.Stime)
		c.HarnessPeakRSSBytes = ru.Maxrss * 1024
	}
	return c
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// newProvider makes the cluster provider named by the config.
func newProvider(ctx context.Context, name string, sup *cluster.Supervisor, id string, f *runFlags) (cluster.Provider, error) {
	switch name {
	case "ssh":
		if f.inventory == "" {
			return nil, errors.New("--provider ssh needs --inventory")
		}
		return cluster.NewSSH(f.inventory, id, f.acceptNewHostKeys)
	case "local":
		return cluster.Local{}, nil
	case "netns":
		return cluster.NewNetns(ctx, sup, id)
	}
	return nil, fmt.Errorf("unknown provider %q", name)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/curator"
)

// curatorFlags are the flags of curator.
type curatorFlags struct {
	once, daemon, dryRun bool
	intervalSecs, maxOps int
	include, exclude     []string
	rollback             string
	rollbackLast         int
}

func newCuratorCmd(a *app) *cobra.Command {
	var f curatorFlags
	cmd := &cobra.Command{
		Use:   "curator --once | --daemon | --rollback ID | --rollback-last N",
		Short: "Merge near-duplicates, flag contradictions, tag, expire and re-prioritise memories",
		Long: `Curate the store without an LLM. One cycle:
  - archives memories whose expiry has passed;
  - merges near-duplicates of one namespace (Jaccard similarity of title+content
    words, stopwords removed, >= 0.8) into one long memory titled after the
    highest-priority member (engine consolidate: sources deleted, derived_from links);
  - flags contradiction candidates with a contradicts link: memories of one
    namespace about the same subject (title words >= 0.6 similar, content >= 0.3,
    or content >= 0.8) where exactly one side is negated, they use opposite words
    (enabled/disabled, allow/deny, ...) or both state numbers that differ;
  - tags untagged memories with their top 3 TF-IDF keywords (terms found in at
    least 2 and at most half of the eligible memories);
  - raises the priority of used memories to 5 + floor(log2(1 + uses/5)), max 10.
Each memory takes part in at most one operation per cycle. Reserved namespaces
(_agents, _messages/...) and namespace standards are never touched.

Every applied operation writes a rollback entry (the full prior rows);
--rollback ID or --rollback-last N restores them exactly, refusing if a memory
was changed after the operation. --dry-run reports the same plan and writes
nothing. --json prints the report (one JSON object per line with --daemon).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runCurator(cmd.Context(), f, cmd.Flags().Changed("rollback-last"))
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&f.once, "once", false, "run one cycle and exit")
	fs.BoolVar(&f.daemon, "daemon", false, "run a cycle every --interval-secs until interrupted")
	fs.IntVar(&f.intervalSecs, "interval-secs", 3600, "seconds between daemon cycles")
	fs.IntVar(&f.maxOps, "max-ops", 100, "operations per cycle (0: no cap)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would be done, change nothing")
	fs.StringSliceVar(&f.include, "include-namespace", nil, "curate only these namespaces and their children (repeatable)")
	fs.StringSliceVar(&f.exclude, "exclude-namespace", nil, "skip these namespaces and their children (repeatable)")
	fs.StringVar(&f.rollback, "rollback", "", "undo the operation with this rollback entry id")
	fs.IntVar(&f.rollbackLast, "rollback-last", 0, "undo the N most recent operations not yet undone")
	return cmd
}

// runCurator runs the one mode f selects; rollbackLast tells whether
// --rollback-last was given (its value may be 0).
func (a *app) runCurator(ctx context.Context, f curatorFlags, rollbackLast bool) error {
	modes := 0
	for _, on := range []bool{f.once, f.daemon, f.rollback != "", rollbackLast} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return invalidf("give exactly one of --once, --daemon, --rollback ID or --rollback-last N")
	}
	rollingBack := f.rollback != "" || rollbackLast
	if rollingBack && f.dryRun {
		return invalidf("--dry-run applies to --once and --daemon, not to a rollback")
	}
	if f.daemon && f.intervalSecs < 1 {
		return invalidf("--interval-secs %d: want 1 or more", f.intervalSecs)
	}
	eng, st, done, err := a.openNode(ctx, "", a.warnLogger())
	if err != nil {
		return err
	}
	defer done()
	c, err := curator.New(eng, st, curator.Options{MaxOps: f.maxOps, DryRun: f.dryRun,
		IncludeNamespaces: f.include, ExcludeNamespaces: f.exclude})
	if err != nil {
		return err
	}
	switch {
	case f.rollback != "":
		res, err := c.Rollback(ctx, f.rollback)
		if err != nil {
			return err
		}
		return a.print(res, func(w io.Writer) { printRollback(w, res) })
	case rollbackLast:
		res, rbErr := c.RollbackLast(ctx, f.rollbackLast)
		if res != nil {
			if err := a.print(map[string]any{"rolled_back": res}, func(w io.Writer) {
				for _, r := range res {
					printRollback(w, r)
				}
				fmt.Fprintf(w, "%d operation(s) undone\n", len(res))
			}); err != nil {
				return err
			}
		}
		return rbErr
	case f.daemon:
		enc := json.NewEncoder(a.stdout)
		return c.Daemon(ctx, time.Duration(f.intervalSecs)*time.Second, func(r *curator.Report) {
			if a.global.JSON {
				enc.Encode(r)
			} else {
				printCuratorReport(a.stdout, r)
			}
		})
	}
	rep, err := c.RunOnce(ctx)
	if err != nil {
		return err
	}
	if err := a.print(rep, func(w io.Writer) { printCuratorReport(w, rep) }); err != nil {
		return err
	}
	if n := len(rep.Errors) + len(rep.Autonomy.Errors); n > 0 {
		return fmt.Errorf("curator: %d error(s) reported", n)
	}
	return nil
}

func printCuratorReport(w io.Writer, r *curator.Report) {
	mode := ""
	if r.DryRun {
		mode = " (dry run: nothing changed)"
	}
	a := r.Autonomy
	fmt.Fprintf(w, "%s curator cycle%s: scanned %d, eligible %d, %d ms\n",
		r.StartedAt.Format(time.RFC3339), mode, r.MemoriesScanned, r.MemoriesEligible, r.CycleDurationMs)
	fmt.Fprintf(w, "  expired %d, clusters %d (%d memories merged), contradictions %d, auto-tagged %d, priority raised %d\n",
		a.MemoriesForgotten, a.ClustersFormed, a.MemoriesConsolidated, r.ContradictionsFound, r.AutoTagged, a.PriorityAdjustments)
	fmt.Fprintf(w, "  operations %d, skipped by --max-ops %d, rollback entries %d\n",
		r.OperationsAttempted, r.OperationsSkippedCap, a.RollbackEntriesWritten)
	for _, id := range r.RollbackIDs {
		fmt.Fprintln(w, "  rollback id:", id)
	}
	for _, e := range append(append([]string{}, r.Errors...), a.Errors...) {
		fmt.Fprintln(w, "  error:", e)
	}
}

func printRollback(w io.Writer, r curator.RollbackResult) {
	fmt.Fprintf(w, "undid %s %s: %d memories and %d links restored, %d memories and %d links removed\n",
		r.Op, r.ID, r.MemoriesRestored, r.LinksRestored, r.MemoriesRemoved, r.LinksRemoved)
}

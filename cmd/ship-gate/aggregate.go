package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

func init() {
	cmd := &cobra.Command{
		Use:   "aggregate runs/<id>",
		Short: "Recompute campaign-summary.json from the artifacts in a run directory, fail-closed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := phases.Aggregate(args[0])
			if err != nil {
				return err
			}
			if err := report.WriteJSON(filepath.Join(args[0], report.SummaryFile), s); err != nil {
				return err
			}
			printVerdict(cmd.OutOrStdout(), s)
			if !s.OverallPass {
				return exitError{code: 1}
			}
			return nil
		},
	}
	rootCmd.AddCommand(cmd)
}

// printVerdict prints the per-phase status and every reason.
func printVerdict(w interface{ Write([]byte) (int, error) }, s *report.Summary) {
	for _, st := range s.Status {
		wall := 0.0
		for _, t := range s.Timings {
			if t.Phase == st.Phase {
				wall = t.WallSeconds
			}
		}
		fmt.Fprintf(w, "phase %d %-10s %-8s %6.1f s\n", st.Phase, st.Name, st.Status, wall)
	}
	for _, ts := range s.Topologies {
		fmt.Fprintf(w, "topology %-16s %-8s %6.1f s\n", ts.Topology, ts.Status, ts.WallSeconds)
	}
	for _, r := range s.Reasons {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	verdict := "FAIL"
	if s.OverallPass {
		verdict = "PASS"
	}
	fmt.Fprintf(w, "campaign %s: %s (wall %.1f s, node CPU %.1f s, node peak RSS %.1f MiB)\n",
		s.CampaignID, verdict, s.WallSeconds, s.Cost.NodeCPUSeconds, float64(s.Cost.NodePeakRSSBytes)/(1<<20))
}

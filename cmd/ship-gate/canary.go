package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/aimemory/ai-memory/shipgate/canary"
	"github.com/aimemory/ai-memory/shipgate/render"
	"github.com/spf13/cobra"
)

func init() {
	var (
		o    canary.Options
		only string
	)
	cmd := &cobra.Command{
		Use:   "canary [--only NAME[,NAME]] [--cycles K] [--repeat N] [--out runs/canary] [-- run flags...]",
		Short: "Plant each known bug in the nodes, run every phase, and require the declared phases (and only those) to go red",
		RunE: func(cmd *cobra.Command, args []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			if only != "" {
				o.Only = strings.Split(only, ",")
			}
			o.Command = append([]string{self, "run"}, args...)
			o.Log = cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := canary.Run(ctx, o)
			if err != nil {
				return err
			}
			// The canary campaigns get their own dashboard; the parent
			// dashboard shows the canary table.
			for _, d := range []string{o.OutDir, filepath.Dir(filepath.Clean(o.OutDir))} {
				if _, err := render.Index(d); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "dashboard %s: %v\n", d, err)
				}
			}
			printCanaries(cmd.OutOrStdout(), s)
			if !s.Pass {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&only, "only", "", "comma-separated canaries to run (default: all)")
	cmd.Flags().IntVar(&o.Cycles, "cycles", 0, "phase-4 cycles per fault class (0: campaign default)")
	cmd.Flags().IntVar(&o.Repeat, "repeat", 1, "campaigns per canary; fewer catches than campaigns means the campaign is too weak for that bug")
	cmd.Flags().StringVar(&o.OutDir, "out", "runs/canary", "directory for the canary campaigns and canary-summary.json")
	rootCmd.AddCommand(cmd)
}

// printCanaries prints the canary x phase table: each phase red or green
// over the canary's campaigns, and what it had to catch.
func printCanaries(w io.Writer, s *canary.Summary) {
	fmt.Fprintf(w, "%-28s %-9s %-9s %-9s %-9s %-7s %s\n", "canary", "phase 1", "phase 2", "phase 3", "phase 4", "caught", "must catch (phase: checks); must stay green")
	for _, r := range s.Canaries {
		var catch []string
		for _, k := range r.Catch {
			catch = append(catch, fmt.Sprintf("%d: %s", k.Phase, strings.Join(k.Checks, "|")))
		}
		quiet := ""
		if len(r.Quiet) > 0 {
			quiet = fmt.Sprintf("; green %v", r.Quiet)
		}
		fmt.Fprintf(w, "%-28s %-9s %-9s %-9s %-9s %-7s %s%s\n", r.Name, r.Cell(1), r.Cell(2), r.Cell(3), r.Cell(4),
			fmt.Sprintf("%d/%d", r.Caught, len(r.Attempts)), strings.Join(catch, "; "), quiet)
		for _, a := range r.Attempts {
			if !a.Caught {
				fmt.Fprintf(w, "    %s: %s\n", a.CampaignID, a.Reason)
			}
		}
	}
	fmt.Fprintf(w, "canary: %d/%d planted bugs caught in all of %d campaign(s) each, %.0f s: %s\n", s.Caught, s.Total, s.Repeat, s.WallSeconds, verdictWord(s.Pass))
	if len(s.TooWeak) > 0 {
		fmt.Fprintf(w, "the campaign is too weak for: %s (caught in fewer campaigns than ran)\n", strings.Join(s.TooWeak, ", "))
	}
	if s.Mixed != "" {
		fmt.Fprintf(w, "%s\n", s.Mixed)
	}
}

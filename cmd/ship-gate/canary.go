package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aimemory/ai-memory/shipgate/canary"
	"github.com/spf13/cobra"
)

func init() {
	var (
		o    canary.Options
		only string
	)
	cmd := &cobra.Command{
		Use:   "canary [--only NAME[,NAME]] [--cycles K] [--out runs/canary] [-- run flags...]",
		Short: "Plant each known bug in the nodes and require the campaign to go red in the right phase",
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
			for _, r := range s.Canaries {
				mark := "CAUGHT "
				if !r.Caught {
					mark = "MISSED "
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %-28s red %v (expected %v) %.0f s: %s\n", mark, r.Name, r.RedPhases, r.Expected, r.WallSeconds, r.Reason)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "canary: %d/%d planted bugs caught in %.0f s: %s\n", s.Caught, s.Total, s.WallSeconds, verdictWord(s.Pass))
			if !s.Pass {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&only, "only", "", "comma-separated canaries to run (default: all five)")
	cmd.Flags().IntVar(&o.Cycles, "cycles", 0, "phase-4 cycles per fault class (0: campaign default)")
	cmd.Flags().StringVar(&o.OutDir, "out", "runs/canary", "directory for the canary campaigns and canary-summary.json")
	rootCmd.AddCommand(cmd)
}

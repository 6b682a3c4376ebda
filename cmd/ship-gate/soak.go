package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aimemory/ai-memory/shipgate/soak"
	"github.com/spf13/cobra"
)

func init() {
	o := soak.Options{}
	cmd := &cobra.Command{
		Use:   "soak --runs N --every DURATION --state soak.json [--out runs/] [-- run flags...]",
		Short: "Run campaigns on a cadence, resumably; no-evidence runs count red; writes soak-summary.json and soak.html",
		RunE: func(cmd *cobra.Command, args []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.RunArgs = args
			o.Command = append([]string{self, "run"}, args...)
			o.Log = cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := soak.Run(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "soak: %d/%d green, %d red, %d no evidence; p50 %.1f s, p99 %.1f s; lost writes %d; %s\n",
				s.Passed, s.Runs, s.Failed, s.InfraFailures, s.P50Seconds, s.P99Seconds, s.LostWritesTotal, verdictWord(s.Pass))
			if !s.Pass {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Runs, "runs", 0, "campaigns in the soak window")
	cmd.Flags().DurationVar(&o.Every, "every", 4*time.Hour, "cadence between campaign starts (0: back to back)")
	cmd.Flags().StringVar(&o.StatePath, "state", "soak.json", "resumable state file")
	cmd.Flags().StringVar(&o.OutDir, "out", "runs", "directory for the campaigns, soak-summary.json and soak.html")
	cmd.Flags().StringVar(&o.Prefix, "prefix", "soak", "campaign id prefix: <prefix>-r<n>")
	cmd.MarkFlagRequired("runs")
	rootCmd.AddCommand(cmd)
}

func verdictWord(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

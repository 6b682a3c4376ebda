package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/phases"
	"github.com/aimemory/ai-memory/shipgate/report"
)

func init() {
	var version, run, out, runsDir string
	cmd := &cobra.Command{
		Use:   "release-summary --version vX.Y.Z [--run runs/<id>]",
		Short: "Write the release summary.json (upstream schema) from a run's recomputed verdict and real wall times",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if run == "" {
				var err error
				if run, err = latestRun(runsDir); err != nil {
					return err
				}
			}
			s, err := phases.Aggregate(run)
			if err != nil {
				return err
			}
			rs, err := report.Release(version, filepath.ToSlash(filepath.Clean(run)), s)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join("releases", version, "summary.json")
			}
			if err := mkdirFor(out); err != nil {
				return err
			}
			if err := report.WriteJSON(out, rs); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: verdict %s, %d passed, %d failed, wall %s\n", out, rs.Verdict, rs.PassCount, rs.FailCount, rs.WallHuman)
			return nil
		},
	}
	cmd.Flags().StringVar(&version, "version", "", "release version, vX.Y.Z[-pre]")
	cmd.Flags().StringVar(&run, "run", "", "run directory whose evidence the release rests on (default: the newest in --runs)")
	cmd.Flags().StringVar(&runsDir, "runs", "runs", "directory of runs")
	cmd.Flags().StringVar(&out, "out", "", "output file (default releases/<version>/summary.json)")
	cmd.MarkFlagRequired("version")
	rootCmd.AddCommand(cmd)
}

// latestRun is the most recently completed run in dir.
func latestRun(dir string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(dir, "*", report.SummaryFile))
	best, bestT := "", time.Time{}
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.ModTime().After(bestT) {
			best, bestT = filepath.Dir(m), st.ModTime()
		}
	}
	if best == "" {
		return "", fmt.Errorf("no run with %s under %s (use --run)", report.SummaryFile, dir)
	}
	return best, nil
}

func mkdirFor(path string) error { return os.MkdirAll(filepath.Dir(path), 0o755) }

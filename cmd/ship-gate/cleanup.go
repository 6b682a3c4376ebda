package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/cluster"
)

func init() {
	var stateDir, state string
	var force, onParentExit bool
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Kill processes and remove mounts, directories and namespaces recorded by runs that did not clean up",
		Long: "Reads the state files of earlier runs and undoes what they recorded: processes (by pid and\n" +
			"start time, so a recycled pid is never signalled), lazyfs mounts (aborted and detached),\n" +
			"temporary directories, network namespaces and links. A run that is still alive is left alone\n" +
			"unless --force.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if onParentExit {
				// The reaper: wait for the harness to end, then undo its state.
				return cluster.WatchParentAndCleanup(os.Stdin, state)
			}
			paths := []string{state}
			if state == "" {
				paths, _ = filepath.Glob(filepath.Join(stateDir, "*.json"))
			}
			var errs []error
			for _, p := range paths {
				if err := cluster.CleanupPath(p, force); err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "cleaned %s\n", p)
			}
			if len(paths) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "nothing to clean in %s\n", stateDir)
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", cluster.DefaultStateDir(), "directory of run state files")
	cmd.Flags().StringVar(&state, "state", "", "one state file (default: every file in --state-dir)")
	cmd.Flags().BoolVar(&force, "force", false, "also clean runs whose owner is still alive")
	cmd.Flags().BoolVar(&onParentExit, "on-parent-exit", false, "reaper mode: wait for EOF on stdin, then clean --state")
	cmd.Flags().MarkHidden("on-parent-exit")
	rootCmd.AddCommand(cmd)
}

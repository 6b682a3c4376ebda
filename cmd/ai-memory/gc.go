package main

import (
	"io"

	"github.com/spf13/cobra"
)

func newGCCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Archive every memory whose expiry has passed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			res, err := eng.GC(cmd.Context(), dryRun)
			if err != nil {
				return err
			}
			return a.print(res, func(w io.Writer) { printBulk(w, "archived", res) })
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would be archived, change nothing")
	return cmd
}

package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newGCCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Archive every memory whose expiry has passed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := eng.GC(ctx, dryRun)
				return res, func(w io.Writer) { printBulk(w, "archived", res) }, err
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would be archived, change nothing")
	return cmd
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newStatsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Counts by tier and namespace, links, expiring soon, database size",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				st, err := eng.Stats(ctx)
				return st, func(w io.Writer) {
					fmt.Fprintf(w, "total %d, links %d, expiring within 1h %d, archived %d, database %d bytes\n",
						st.Total, st.LinksCount, st.ExpiringSoon, st.Archived, st.DBSizeBytes)
					for _, t := range st.ByTier {
						fmt.Fprintf(w, "  tier %-5s %d\n", t.Tier, t.Count)
					}
					for _, n := range st.ByNamespace {
						fmt.Fprintf(w, "  %s %d\n", n.Namespace, n.Count)
					}
				}, err
			})
		},
	}
}

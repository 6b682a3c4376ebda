package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newStatsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Counts by tier and namespace, links, expiring soon, database size",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			st, err := eng.Stats(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(st, func(w io.Writer) {
				fmt.Fprintf(w, "total %d, links %d, expiring within 1h %d, archived %d, database %d bytes\n",
					st.Total, st.LinksCount, st.ExpiringSoon, st.Archived, st.DBSizeBytes)
				for _, t := range st.ByTier {
					fmt.Fprintf(w, "  tier %-5s %d\n", t.Tier, t.Count)
				}
				for _, n := range st.ByNamespace {
					fmt.Fprintf(w, "  %s %d\n", n.Namespace, n.Count)
				}
			})
		},
	}
}

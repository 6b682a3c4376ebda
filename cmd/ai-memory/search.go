package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newSearchCmd(a *app) *cobra.Command {
	var f filterFlags
	cmd := &cobra.Command{
		Use:   `search "<query>"`,
		Short: "Keyword search: every word must match, best BM25 first",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := f.query()
			if err != nil {
				return err
			}
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			res, err := eng.Search(cmd.Context(), strings.Join(args, " "), q)
			if err != nil {
				return err
			}
			return a.print(res, func(w io.Writer) {
				for _, h := range res.Results {
					fmt.Fprintf(w, "%6.2f  %s [%s/%s] %s\n", h.Relevance, h.Memory.ID, h.Memory.Namespace, h.Memory.Tier, h.Memory.Title)
				}
				fmt.Fprintf(w, "%d results\n", res.Count)
			})
		},
	}
	f.register(cmd.Flags(), engine.DefaultSearchLimit, fmt.Sprintf("at most this many (max %d)", engine.MaxSearchLimit))
	return cmd
}

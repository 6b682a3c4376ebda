package main

import (
	"context"
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
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := eng.Search(ctx, strings.Join(args, " "), q)
				return res, func(w io.Writer) {
					for _, h := range res.Results {
						fmt.Fprintf(w, "%6.2f  %s [%s/%s] %s\n", h.Relevance, h.Memory.ID, h.Memory.Namespace, h.Memory.Tier, h.Memory.Title)
					}
					fmt.Fprintf(w, "%d results\n", res.Count)
				}, err
			})
		},
	}
	f.register(cmd.Flags(), engine.DefaultSearchLimit, fmt.Sprintf("at most this many (max %d)", engine.MaxSearchLimit))
	return cmd
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newRecallCmd(a *app) *cobra.Command {
	var f struct {
		filterFlags
		budgetTokens int
	}
	cmd := &cobra.Command{
		Use:   `recall "<context>"`,
		Short: "The memories most useful for a context, best first (records the access)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := f.query()
			if err != nil {
				return err
			}
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := eng.Recall(ctx, engine.RecallQuery{Context: strings.Join(args, " "), Namespace: q.Namespace,
					Tags: q.Tags, Tier: q.Tier, Since: q.Since, Until: q.Until, MinPriority: q.MinPriority, AgentID: q.AgentID,
					Limit: q.Limit, BudgetTokens: f.budgetTokens})
				return res, func(w io.Writer) {
					for _, m := range res.Memories {
						fmt.Fprintf(w, "%6.2f  %s [%s/%s] %s\n", m.Score, m.ID, m.Namespace, m.Tier, m.Title)
					}
					fmt.Fprintf(w, "%d memories, ~%d tokens\n", res.Count, res.TokensUsed)
				}, err
			})
		},
	}
	fs := cmd.Flags()
	f.register(fs, engine.DefaultRecallLimit, fmt.Sprintf("at most this many (max %d)", engine.MaxRecallLimit))
	fs.IntVar(&f.budgetTokens, "budget-tokens", 0, "cap the returned context at about this many tokens (0: no cap)")
	return cmd
}

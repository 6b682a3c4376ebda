package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newConsolidateCmd(a *app) *cobra.Command {
	var f struct {
		ids                       []string
		title, namespace, summary string
	}
	cmd := &cobra.Command{
		Use:   "consolidate ID ID [ID…] -T title (or --ids a,b,…)",
		Short: "Merge memories into one long memory linked derived_from each (the sources are deleted)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				var ids []string
				for _, ref := range append(args, f.ids...) {
					id, err := eng.ResolveID(ctx, ref)
					if err != nil {
						return nil, nil, err
					}
					ids = append(ids, id)
				}
				res, err := eng.Consolidate(ctx, engine.ConsolidateInput{IDs: ids, Title: f.title, Namespace: f.namespace,
					Summary: f.summary, Source: "cli", AgentID: a.global.AgentID})
				return res, func(w io.Writer) {
					fmt.Fprintf(w, "consolidated %d memories into %s [%s] %s\n", len(res.Sources), res.Memory.ID, res.Memory.Namespace, res.Memory.Title)
				}, err
			})
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&f.ids, "ids", nil, "ids of the memories to merge, besides those given as arguments (2..100 in all)")
	fs.StringVarP(&f.title, "title", "T", "", "title of the merged memory")
	fs.StringVarP(&f.namespace, "namespace", "n", "", "namespace of the merged memory (default: the first source's)")
	fs.StringVar(&f.summary, "summary", "", "content of the merged memory (default: the sources concatenated)")
	cmd.MarkFlagRequired("title")
	return cmd
}

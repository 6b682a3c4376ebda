package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

func newForgetCmd(a *app) *cobra.Command {
	var f struct {
		namespace, tier, pattern string
		tags                     []string
		dryRun                   bool
	}
	cmd := &cobra.Command{
		Use:   "forget",
		Short: "Archive every memory matching a filter (namespace, tier, pattern, tags)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := eng.Forget(ctx, engine.ForgetQuery{Namespace: f.namespace, Tier: memory.Tier(f.tier),
					Pattern: f.pattern, Tags: f.tags, DryRun: f.dryRun})
				return res, func(w io.Writer) { printBulk(w, "archived", res) }, err
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.namespace, "namespace", "n", "", "in this namespace")
	fs.StringVarP(&f.tier, "tier", "t", "", "of this tier")
	fs.StringVar(&f.pattern, "pattern", "", "matching every word of this text")
	fs.StringSliceVar(&f.tags, "tags", nil, "having every one of these tags")
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would be archived, change nothing")
	return cmd
}

func printBulk(w io.Writer, verb string, res engine.BulkResult) {
	if res.DryRun {
		verb = "would have " + verb
	}
	fmt.Fprintf(w, "%s %d memories\n", verb, res.Matched)
}

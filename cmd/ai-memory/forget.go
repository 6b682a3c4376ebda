package main

import (
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
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			res, err := eng.Forget(cmd.Context(), engine.ForgetQuery{Namespace: f.namespace, Tier: memory.Tier(f.tier),
				Pattern: f.pattern, Tags: f.tags, DryRun: f.dryRun})
			if err != nil {
				return err
			}
			return a.print(res, func(w io.Writer) { printBulk(w, "archived", res) })
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

package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

var forgetFlags struct {
	namespace, tier, pattern string
	tags                     []string
	dryRun                   bool
}

var forgetCmd = &cobra.Command{
	Use:   "forget",
	Short: "Archive every memory matching a filter (namespace, tier, pattern, tags)",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		f := &forgetFlags
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := eng.Forget(cmd.Context(), engine.ForgetQuery{Namespace: f.namespace, Tier: memory.Tier(f.tier),
			Pattern: f.pattern, Tags: f.tags, DryRun: f.dryRun})
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) { printBulk(w, "archived", res) })
	},
}

func printBulk(w io.Writer, verb string, res engine.BulkResult) {
	if res.DryRun {
		verb = "would have " + verb
	}
	fmt.Fprintf(w, "%s %d memories\n", verb, res.Matched)
}

func init() {
	fs := forgetCmd.Flags()
	fs.StringVarP(&forgetFlags.namespace, "namespace", "n", "", "in this namespace")
	fs.StringVarP(&forgetFlags.tier, "tier", "t", "", "of this tier")
	fs.StringVar(&forgetFlags.pattern, "pattern", "", "matching every word of this text")
	fs.StringSliceVar(&forgetFlags.tags, "tags", nil, "having every one of these tags")
	fs.BoolVar(&forgetFlags.dryRun, "dry-run", false, "report what would be archived, change nothing")
	rootCmd.AddCommand(forgetCmd)
}

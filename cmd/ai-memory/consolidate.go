package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

var consolidateFlags struct {
	ids                       []string
	title, namespace, summary string
}

var consolidateCmd = &cobra.Command{
	Use:   "consolidate ID ID [ID…] -T title (or --ids a,b,…)",
	Short: "Merge memories into one long memory linked derived_from each (the sources are deleted)",
	Args:  cobra.ArbitraryArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		f := &consolidateFlags
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		var ids []string
		for _, ref := range append(args, f.ids...) {
			id, err := eng.ResolveID(cmd.Context(), ref)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		res, err := eng.Consolidate(cmd.Context(), engine.ConsolidateInput{IDs: ids, Title: f.title, Namespace: f.namespace,
			Summary: f.summary, Source: "cli", AgentID: globals.AgentID})
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) {
			fmt.Fprintf(w, "consolidated %d memories into %s [%s] %s\n", len(res.Sources), res.Memory.ID, res.Memory.Namespace, res.Memory.Title)
		})
	},
}

func init() {
	fs := consolidateCmd.Flags()
	fs.StringSliceVar(&consolidateFlags.ids, "ids", nil, "ids of the memories to merge, besides those given as arguments (2..100 in all)")
	fs.StringVarP(&consolidateFlags.title, "title", "T", "", "title of the merged memory")
	fs.StringVarP(&consolidateFlags.namespace, "namespace", "n", "", "namespace of the merged memory (default: the first source's)")
	fs.StringVar(&consolidateFlags.summary, "summary", "", "content of the merged memory (default: the sources concatenated)")
	consolidateCmd.MarkFlagRequired("title")
	rootCmd.AddCommand(consolidateCmd)
}

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
	Use:   "consolidate --ids a,b[,…] -T title",
	Short: "Merge memories into one long memory linked derived_from each (the sources are deleted)",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		f := &consolidateFlags
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := eng.Consolidate(cmd.Context(), engine.ConsolidateInput{IDs: f.ids, Title: f.title, Namespace: f.namespace,
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
	fs.StringSliceVar(&consolidateFlags.ids, "ids", nil, "ids of the memories to merge (2..100)")
	fs.StringVarP(&consolidateFlags.title, "title", "T", "", "title of the merged memory")
	fs.StringVarP(&consolidateFlags.namespace, "namespace", "n", "", "namespace of the merged memory (default: the first source's)")
	fs.StringVar(&consolidateFlags.summary, "summary", "", "content of the merged memory (default: the sources concatenated)")
	consolidateCmd.MarkFlagRequired("ids")
	consolidateCmd.MarkFlagRequired("title")
	rootCmd.AddCommand(consolidateCmd)
}

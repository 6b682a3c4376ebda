package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

var searchFlags filterFlags

var searchCmd = &cobra.Command{
	Use:   `search "<query>"`,
	Short: "Keyword search: every word must match, best BM25 first",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		q, err := searchFlags.query()
		if err != nil {
			return err
		}
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := eng.Search(cmd.Context(), strings.Join(args, " "), q)
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) {
			for _, h := range res.Results {
				fmt.Fprintf(w, "%6.2f  %s [%s/%s] %s\n", h.Relevance, h.Memory.ID, h.Memory.Namespace, h.Memory.Tier, h.Memory.Title)
			}
			fmt.Fprintf(w, "%d results\n", res.Count)
		})
	},
}

func init() {
	searchFlags.register(searchCmd.Flags(), engine.DefaultSearchLimit, fmt.Sprintf("at most this many (max %d)", engine.MaxSearchLimit))
	rootCmd.AddCommand(searchCmd)
}

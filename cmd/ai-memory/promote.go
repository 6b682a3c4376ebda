package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

var promoteTo string

var promoteCmd = &cobra.Command{
	Use:   "promote <id or unique id prefix>",
	Short: "Make a memory long-term, or copy it into an ancestor namespace (--to-namespace)",
	Args:  exactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		id, err := eng.ResolveID(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		m, _, err := eng.Promote(cmd.Context(), id, promoteTo)
		if err != nil {
			return err
		}
		return printResult(cmd, m, func(w io.Writer) {
			fmt.Fprintf(w, "promoted %s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title)
		})
	},
}

func init() {
	promoteCmd.Flags().StringVar(&promoteTo, "to-namespace", "", "clone into this ancestor namespace, linked derived_from")
	rootCmd.AddCommand(promoteCmd)
}

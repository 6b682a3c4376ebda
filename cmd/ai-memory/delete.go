package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

var deleteCmd = &cobra.Command{
	Use:   "delete <id>",
	Short: "Delete a memory and its links",
	Args:  exactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		if _, err := eng.Delete(cmd.Context(), args[0]); err != nil {
			return err
		}
		return printResult(cmd, map[string]any{"deleted": true, "id": args[0]}, func(w io.Writer) {
			fmt.Fprintf(w, "deleted %s\n", args[0])
		})
	},
}

func init() { rootCmd.AddCommand(deleteCmd) }

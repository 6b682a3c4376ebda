package main

import (
	"io"

	"github.com/spf13/cobra"
)

var gcDryRun bool

var gcCmd = &cobra.Command{
	Use:   "gc",
	Short: "Archive every memory whose expiry has passed",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := eng.GC(cmd.Context(), gcDryRun)
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) { printBulk(w, "archived", res) })
	},
}

func init() {
	gcCmd.Flags().BoolVar(&gcDryRun, "dry-run", false, "report what would be archived, change nothing")
	rootCmd.AddCommand(gcCmd)
}

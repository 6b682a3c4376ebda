package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

var versionCmd = &cobra.Command{
	Use:   "version",
	Short: "Print the version",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		return printResult(cmd, map[string]string{"version": version, "service": "ai-memory"}, func(w io.Writer) {
			fmt.Fprintf(w, "ai-memory %s\n", version)
		})
	},
}

func init() { rootCmd.AddCommand(versionCmd) }

// Command ship-gate certifies an ai-memory build: it runs the four-phase
// release campaign on a local cluster and writes fail-closed evidence.
// Subcommands register themselves on rootCmd from their own files.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "ship-gate",
	Short:         "Release-certification campaign for ai-memory",
	SilenceUsage:  true,
	SilenceErrors: true, // main prints them, except exitError which has said its piece
}

// exitError carries a process exit code through cobra without printing a
// second error line (the command has already explained itself).
type exitError struct{ code int }

func (e exitError) Error() string { return "" }

func main() {
	if err := rootCmd.Execute(); err != nil {
		if e, ok := err.(exitError); ok {
			os.Exit(e.code)
		}
		fmt.Fprintln(os.Stderr, "ship-gate:", err)
		os.Exit(1)
	}
}

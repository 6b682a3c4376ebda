package main

import (
	"github.com/spf13/cobra"
)

// exactArgs is cobra.ExactArgs reporting an invalid-input error (exit 2).
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return invalidf("%v", err)
		}
		return nil
	}
}

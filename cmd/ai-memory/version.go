package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return a.print(map[string]string{"version": version, "service": "ai-memory"}, func(w io.Writer) {
				fmt.Fprintf(w, "ai-memory %s\n", version)
			})
		},
	}
}

package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

var namespacesCmd = &cobra.Command{
	Use:   "namespaces",
	Short: "List namespaces with their memory counts",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		ns, err := eng.Namespaces(cmd.Context())
		if err != nil {
			return err
		}
		return printResult(cmd, map[string]any{"namespaces": ns, "count": len(ns)}, func(w io.Writer) {
			for _, n := range ns {
				fmt.Fprintf(w, "%s %d\n", n.Namespace, n.Count)
			}
		})
	},
}

func init() { rootCmd.AddCommand(namespacesCmd) }

package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newNamespacesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "namespaces",
		Short: "List namespaces with their memory counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			ns, err := eng.Namespaces(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(map[string]any{"namespaces": ns, "count": len(ns)}, func(w io.Writer) {
				for _, n := range ns {
					fmt.Fprintf(w, "%s %d\n", n.Namespace, n.Count)
				}
			})
		},
	}
}

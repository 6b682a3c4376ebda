package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newPromoteCmd(a *app) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "promote <id or unique id prefix>",
		Short: "Make a memory long-term, or copy it into an ancestor namespace (--to-namespace)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			id, err := eng.ResolveID(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			m, _, err := eng.Promote(cmd.Context(), id, to)
			if err != nil {
				return err
			}
			return a.print(m, func(w io.Writer) {
				fmt.Fprintf(w, "promoted %s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title)
			})
		},
	}
	cmd.Flags().StringVar(&to, "to-namespace", "", "clone into this ancestor namespace, linked derived_from")
	return cmd
}

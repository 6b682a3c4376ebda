package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "delete <id or unique id prefix>",
		Short: "Delete a memory and its links",
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
			if _, err := eng.Delete(cmd.Context(), id); err != nil {
				return err
			}
			return a.print(map[string]any{"deleted": true, "id": id}, func(w io.Writer) {
				fmt.Fprintf(w, "deleted %s\n", id)
			})
		},
	}
}

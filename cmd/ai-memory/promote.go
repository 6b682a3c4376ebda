package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newPromoteCmd(a *app) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "promote <id or unique id prefix>",
		Short: "Make a memory long-term, or copy it into an ancestor namespace (--to-namespace)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				id, err := eng.ResolveID(ctx, args[0])
				if err != nil {
					return nil, nil, err
				}
				m, _, err := eng.Promote(ctx, id, to)
				return m, func(w io.Writer) { fmt.Fprintf(w, "promoted %s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title) }, err
			})
		},
	}
	cmd.Flags().StringVar(&to, "to-namespace", "", "clone into this ancestor namespace, linked derived_from")
	return cmd
}

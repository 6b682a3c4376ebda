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
			return a.withMemory(cmd, args[0], func(ctx context.Context, eng *engine.Engine, id string) (any, func(io.Writer), error) {
				m, _, err := eng.Promote(ctx, id, to)
				return m, func(w io.Writer) { fmt.Fprintf(w, "promoted %s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title) }, err
			})
		},
	}
	cmd.Flags().StringVar(&to, "to-namespace", "", "clone into this ancestor namespace, linked derived_from")
	return cmd
}

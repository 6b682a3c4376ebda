package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newNamespacesCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "namespaces",
		Short: "List namespaces with their memory counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				ns, err := eng.Namespaces(ctx)
				return map[string]any{"namespaces": ns, "count": len(ns)}, func(w io.Writer) {
					for _, n := range ns {
						fmt.Fprintf(w, "%s %d\n", n.Namespace, n.Count)
					}
				}, err
			})
		},
	}
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "delete <id or unique id prefix>",
		Short: "Delete a memory and its links",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				id, err := eng.ResolveID(ctx, args[0])
				if err != nil {
					return nil, nil, err
				}
				_, err = eng.Delete(ctx, id)
				return map[string]any{"deleted": true, "id": id}, func(w io.Writer) { fmt.Fprintf(w, "deleted %s\n", id) }, err
			})
		},
	}
}

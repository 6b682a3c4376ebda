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
			return a.withMemory(cmd, args[0], func(ctx context.Context, eng *engine.Engine, id string) (any, func(io.Writer), error) {
				_, err := eng.Delete(ctx, id)
				return map[string]any{"deleted": true, "id": id}, func(w io.Writer) { fmt.Fprintf(w, "deleted %s\n", id) }, err
			})
		},
	}
}

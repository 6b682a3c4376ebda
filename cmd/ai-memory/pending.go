package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newPendingCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pending",
		Short: "Writes queued for approval by a namespace standard",
	}
	cmd.AddCommand(newPendingListCmd(a),
		newDecideCmd(a, "approve", "Apply a pending write (decided by --agent-id)", true),
		newDecideCmd(a, "reject", "Discard a pending write (decided by --agent-id)", false))
	return cmd
}

func newPendingListCmd(a *app) *cobra.Command {
	var f struct {
		status string
		limit  int
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List pending actions, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				ps, err := eng.PendingList(ctx, f.status, f.limit)
				return map[string]any{"pending": ps, "count": len(ps)}, func(w io.Writer) {
					for _, p := range ps {
						fmt.Fprintf(w, "%s %-8s %s %q by %s\n", p.ID, p.Status, p.Namespace, p.Memory.Title, p.RequestedBy)
					}
				}, err
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.status, "status", "", "only pending, approved or rejected")
	fs.IntVar(&f.limit, "limit", engine.DefaultListLimit, "at most this many")
	return cmd
}

// newDecideCmd approves or rejects as --agent-id.
func newDecideCmd(a *app, use, short string, approve bool) *cobra.Command {
	return &cobra.Command{
		Use:   use + " <id>",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				decide := eng.PendingReject
				if approve {
					decide = eng.PendingApprove
				}
				p, _, err := decide(ctx, args[0], a.global.AgentID)
				return p, func(w io.Writer) {
					fmt.Fprintf(w, "%s %s", p.ID, p.Status)
					if p.MemoryID != "" {
						fmt.Fprintf(w, " (memory %s)", p.MemoryID)
					}
					fmt.Fprintln(w)
				}, err
			})
		},
	}
}

package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

var pendingCmd = &cobra.Command{
	Use:   "pending",
	Short: "Writes queued for approval by a namespace standard",
}

var pendingListFlags struct {
	status string
	limit  int
}

var pendingListCmd = &cobra.Command{
	Use:   "list",
	Short: "List pending actions, oldest first",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		ps, err := eng.PendingList(cmd.Context(), pendingListFlags.status, pendingListFlags.limit)
		if err != nil {
			return err
		}
		return printResult(cmd, map[string]any{"pending": ps, "count": len(ps)}, func(w io.Writer) {
			for _, p := range ps {
				fmt.Fprintf(w, "%s %-8s %s %q by %s\n", p.ID, p.Status, p.Namespace, p.Memory.Title, p.RequestedBy)
			}
		})
	},
}

// decideCmd approves or rejects as --agent-id.
func decideCmd(use, short string, approve bool) *cobra.Command {
	return &cobra.Command{
		Use:   use + " <id>",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, done, err := openEngine(cmd)
			if err != nil {
				return err
			}
			defer done()
			decide := eng.PendingReject
			if approve {
				decide = eng.PendingApprove
			}
			p, _, err := decide(cmd.Context(), args[0], globals.AgentID)
			if err != nil {
				return err
			}
			return printResult(cmd, p, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s", p.ID, p.Status)
				if p.MemoryID != "" {
					fmt.Fprintf(w, " (memory %s)", p.MemoryID)
				}
				fmt.Fprintln(w)
			})
		},
	}
}

func init() {
	fs := pendingListCmd.Flags()
	fs.StringVar(&pendingListFlags.status, "status", "", "only pending, approved or rejected")
	fs.IntVar(&pendingListFlags.limit, "limit", engine.DefaultListLimit, "at most this many")
	pendingCmd.AddCommand(pendingListCmd,
		decideCmd("approve", "Apply a pending write (decided by --agent-id)", true),
		decideCmd("reject", "Discard a pending write (decided by --agent-id)", false))
	rootCmd.AddCommand(pendingCmd)
}

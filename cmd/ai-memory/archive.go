package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

func newArchiveCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Forgotten and expired memories: list, restore, purge, stats",
	}
	cmd.AddCommand(newArchiveListCmd(a), newArchiveRestoreCmd(a), newArchivePurgeCmd(a), newArchiveStatsCmd(a))
	return cmd
}

func newArchiveListCmd(a *app) *cobra.Command {
	var f struct {
		namespace, cursor string
		limit             int
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List archived memories in id order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := eng.ArchiveList(ctx, memory.ListQuery{Namespace: f.namespace, AfterID: f.cursor, Limit: f.limit})
				return res, func(w io.Writer) {
					for _, m := range res.Memories {
						fmt.Fprintf(w, "%s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title)
					}
					fmt.Fprintf(w, "%d archived", res.Count)
					if res.HasMore {
						fmt.Fprintf(w, "; more after --cursor %s", res.NextCursor)
					}
					fmt.Fprintln(w)
				}, err
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&f.namespace, "namespace", "n", "", "only this namespace")
	fs.StringVar(&f.cursor, "cursor", "", "continue after this id")
	fs.IntVar(&f.limit, "limit", engine.DefaultListLimit, "at most this many")
	return cmd
}

func newArchiveRestoreCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "restore <id>",
		Short: "Bring an archived memory back (its expiry renewed from now)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				m, _, err := eng.ArchiveRestore(ctx, args[0])
				return m, func(w io.Writer) { fmt.Fprintf(w, "restored %s [%s] %s\n", m.ID, m.Namespace, m.Title) }, err
			})
		},
	}
}

func newArchivePurgeCmd(a *app) *cobra.Command {
	var f struct {
		olderThanDays int
		dryRun        bool
	}
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Delete archived memories for good",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := eng.ArchivePurge(ctx, f.olderThanDays, f.dryRun)
				return res, func(w io.Writer) { printBulk(w, "purged", res) }, err
			})
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&f.olderThanDays, "older-than-days", 0, "only those archived more than this many days ago (0: all)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "report what would be purged, change nothing")
	return cmd
}

func newArchiveStatsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Count archived memories per namespace",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				st, err := eng.ArchiveStats(ctx)
				return st, func(w io.Writer) {
					fmt.Fprintf(w, "%d archived\n", st.Total)
					for _, n := range st.ByNamespace {
						fmt.Fprintf(w, "  %s %d\n", n.Namespace, n.Count)
					}
				}, err
			})
		},
	}
}

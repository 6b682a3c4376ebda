package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

var archiveCmd = &cobra.Command{
	Use:   "archive",
	Short: "Forgotten and expired memories: list, restore, purge, stats",
}

var archiveListFlags struct {
	namespace, cursor string
	limit             int
}

var archiveListCmd = &cobra.Command{
	Use:   "list",
	Short: "List archived memories in id order",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		f := &archiveListFlags
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := eng.ArchiveList(cmd.Context(), memory.ListQuery{Namespace: f.namespace, AfterID: f.cursor, Limit: f.limit})
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) {
			for _, m := range res.Memories {
				fmt.Fprintf(w, "%s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title)
			}
			fmt.Fprintf(w, "%d archived", res.Count)
			if res.HasMore {
				fmt.Fprintf(w, "; more after --cursor %s", res.NextCursor)
			}
			fmt.Fprintln(w)
		})
	},
}

var archiveRestoreCmd = &cobra.Command{
	Use:   "restore <id>",
	Short: "Bring an archived memory back (its expiry renewed from now)",
	Args:  exactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		m, _, err := eng.ArchiveRestore(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		return printResult(cmd, m, func(w io.Writer) { fmt.Fprintf(w, "restored %s [%s] %s\n", m.ID, m.Namespace, m.Title) })
	},
}

var archivePurgeFlags struct {
	olderThanDays int
	dryRun        bool
}

var archivePurgeCmd = &cobra.Command{
	Use:   "purge",
	Short: "Delete archived memories for good",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := eng.ArchivePurge(cmd.Context(), archivePurgeFlags.olderThanDays, archivePurgeFlags.dryRun)
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) { printBulk(w, "purged", res) })
	},
}

var archiveStatsCmd = &cobra.Command{
	Use:   "stats",
	Short: "Count archived memories per namespace",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		st, err := eng.ArchiveStats(cmd.Context())
		if err != nil {
			return err
		}
		return printResult(cmd, st, func(w io.Writer) {
			fmt.Fprintf(w, "%d archived\n", st.Total)
			for _, n := range st.ByNamespace {
				fmt.Fprintf(w, "  %s %d\n", n.Namespace, n.Count)
			}
		})
	},
}

func init() {
	lf := archiveListCmd.Flags()
	lf.StringVarP(&archiveListFlags.namespace, "namespace", "n", "", "only this namespace")
	lf.StringVar(&archiveListFlags.cursor, "cursor", "", "continue after this id")
	lf.IntVar(&archiveListFlags.limit, "limit", engine.DefaultListLimit, "at most this many")
	pf := archivePurgeCmd.Flags()
	pf.IntVar(&archivePurgeFlags.olderThanDays, "older-than-days", 0, "only those archived more than this many days ago (0: all)")
	pf.BoolVar(&archivePurgeFlags.dryRun, "dry-run", false, "report what would be purged, change nothing")
	archiveCmd.AddCommand(archiveListCmd, archiveRestoreCmd, archivePurgeCmd, archiveStatsCmd)
	rootCmd.AddCommand(archiveCmd)
}

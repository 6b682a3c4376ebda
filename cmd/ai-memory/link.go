package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
)

var linkFlags struct {
	relation string
	remove   bool
}

var linkCmd = &cobra.Command{
	Use:   "link <source-id> <target-id>",
	Short: "Link two memories (related_to, supersedes, contradicts, derived_from); --remove unlinks",
	Args:  exactArgs(2),
	RunE: func(cmd *cobra.Command, args []string) error {
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		rel := memory.Relation(linkFlags.relation)
		if linkFlags.remove {
			if _, err := eng.Unlink(cmd.Context(), args[0], args[1], rel); err != nil {
				return err
			}
			return printResult(cmd, map[string]any{"deleted": true, "source_id": args[0], "target_id": args[1], "relation": rel},
				func(w io.Writer) { fmt.Fprintf(w, "unlinked %s -%s-> %s\n", args[0], rel, args[1]) })
		}
		l, _, err := eng.Link(cmd.Context(), args[0], args[1], rel)
		if err != nil {
			return err
		}
		return printResult(cmd, l, func(w io.Writer) { fmt.Fprintf(w, "linked %s -%s-> %s\n", l.SourceID, l.Relation, l.TargetID) })
	},
}

func init() {
	linkCmd.Flags().StringVarP(&linkFlags.relation, "relation", "r", string(memory.RelatedTo), "related_to, supersedes, contradicts or derived_from")
	linkCmd.Flags().BoolVar(&linkFlags.remove, "remove", false, "remove the link instead")
	rootCmd.AddCommand(linkCmd)
}

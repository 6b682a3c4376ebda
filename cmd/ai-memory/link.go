package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
)

func newLinkCmd(a *app) *cobra.Command {
	var f struct {
		relation string
		remove   bool
	}
	cmd := &cobra.Command{
		Use:   "link <source-id> <target-id> (ids or unique id prefixes)",
		Short: "Link two memories (related_to, supersedes, contradicts, derived_from); --remove unlinks",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			src, err := eng.ResolveID(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			dst, err := eng.ResolveID(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			rel := memory.Relation(f.relation)
			if f.remove {
				if _, err := eng.Unlink(cmd.Context(), src, dst, rel); err != nil {
					return err
				}
				return a.print(map[string]any{"deleted": true, "source_id": src, "target_id": dst, "relation": rel},
					func(w io.Writer) { fmt.Fprintf(w, "unlinked %s -%s-> %s\n", src, rel, dst) })
			}
			l, _, err := eng.Link(cmd.Context(), src, dst, rel)
			if err != nil {
				return err
			}
			return a.print(l, func(w io.Writer) { fmt.Fprintf(w, "linked %s -%s-> %s\n", l.SourceID, l.Relation, l.TargetID) })
		},
	}
	cmd.Flags().StringVarP(&f.relation, "relation", "r", string(memory.RelatedTo), "related_to, supersedes, contradicts or derived_from")
	cmd.Flags().BoolVar(&f.remove, "remove", false, "remove the link instead")
	return cmd
}

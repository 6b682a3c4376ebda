package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
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
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				src, err := eng.ResolveID(ctx, args[0])
				if err != nil {
					return nil, nil, err
				}
				dst, err := eng.ResolveID(ctx, args[1])
				if err != nil {
					return nil, nil, err
				}
				rel := memory.Relation(f.relation)
				if f.remove {
					_, err := eng.Unlink(ctx, src, dst, rel)
					return map[string]any{"deleted": true, "source_id": src, "target_id": dst, "relation": rel},
						func(w io.Writer) { fmt.Fprintf(w, "unlinked %s -%s-> %s\n", src, rel, dst) }, err
				}
				l, _, err := eng.Link(ctx, src, dst, rel)
				return l, func(w io.Writer) { fmt.Fprintf(w, "linked %s -%s-> %s\n", l.SourceID, l.Relation, l.TargetID) }, err
			})
		},
	}
	cmd.Flags().StringVarP(&f.relation, "relation", "r", string(memory.RelatedTo), "related_to, supersedes, contradicts or derived_from")
	cmd.Flags().BoolVar(&f.remove, "remove", false, "remove the link instead")
	return cmd
}

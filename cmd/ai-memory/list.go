package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

func newListCmd(a *app) *cobra.Command {
	var f struct {
		filterFlags
		cursor string
		offset int
		all    bool
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List memories in id (creation) order, a page at a time or --all",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.query()
			if err != nil {
				return err
			}
			q.AfterID, q.Offset = f.cursor, f.offset
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				res, err := listPages(ctx, eng, q, f.all)
				return res, func(w io.Writer) {
					for _, m := range res.Memories {
						fmt.Fprintf(w, "%s [%s/%s] p%d %s\n", m.ID, m.Namespace, m.Tier, m.Priority, m.Title)
					}
					fmt.Fprintf(w, "%d memories", res.Count)
					if res.HasMore {
						fmt.Fprintf(w, "; more after --cursor %s", res.NextCursor)
					}
					fmt.Fprintln(w)
				}, err
			})
		},
	}
	fs := cmd.Flags()
	f.register(fs, engine.DefaultListLimit, fmt.Sprintf("at most this many a page (max %d)", engine.MaxListLimit))
	fs.StringVar(&f.cursor, "cursor", "", "continue after this id (next_cursor of the previous page)")
	fs.IntVar(&f.offset, "offset", 0, "skip this many")
	fs.BoolVar(&f.all, "all", false, "page through every matching memory")
	return cmd
}

// listPages returns one page, or with all every page concatenated.
func listPages(ctx context.Context, eng *engine.Engine, q memory.ListQuery, all bool) (engine.ListResult, error) {
	if !all {
		return eng.List(ctx, q)
	}
	q.Limit = engine.MaxListLimit
	out := engine.ListResult{Memories: []memory.Memory{}}
	for {
		page, err := eng.List(ctx, q)
		if err != nil {
			return out, err
		}
		out.Memories = append(out.Memories, page.Memories...)
		if !page.HasMore {
			break
		}
		q.AfterID, q.Offset = page.NextCursor, 0
	}
	out.Count = len(out.Memories)
	return out, nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

func newGetCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "get <id or unique id prefix>",
		Short: "Show a memory with its links",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMemory(cmd, args[0], func(ctx context.Context, eng *engine.Engine, id string) (any, func(io.Writer), error) {
				m, links, err := eng.Get(ctx, id)
				if links == nil {
					links = []memory.Link{}
				}
				return map[string]any{"memory": m, "links": links}, func(w io.Writer) {
					fmt.Fprintf(w, "%s\n  title:      %s\n  namespace:  %s\n  tier:       %s\n  priority:   %d\n  confidence: %g\n  tags:       %s\n  source:     %s\n  created:    %s\n",
						m.ID, m.Title, m.Namespace, m.Tier, m.Priority, m.Confidence, strings.Join(m.Tags, ","), m.Source, m.CreatedAt.Format(timeFormat))
					if m.ExpiresAt != nil {
						fmt.Fprintf(w, "  expires:    %s\n", m.ExpiresAt.Format(timeFormat))
					}
					for _, l := range links {
						fmt.Fprintf(w, "  link: %s -%s-> %s\n", l.SourceID, l.Relation, l.TargetID)
					}
					fmt.Fprintf(w, "\n%s\n", m.Content)
				}, err
			})
		},
	}
}

const timeFormat = "2006-01-02T15:04:05Z07:00"

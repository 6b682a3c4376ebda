package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

func newUpdateCmd(a *app) *cobra.Command {
	var f memoryFlags
	cmd := &cobra.Command{
		Use:   "update <id or unique id prefix>",
		Short: "Change only the given fields of a memory",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			var p engine.Patch
			var err error
			if fs.Changed("title") {
				p.Title = &f.title
			}
			if fs.Changed("content") {
				c, err := a.readContent(cmd.Context(), f.content)
				if err != nil {
					return err
				}
				p.Content = &c
			}
			if fs.Changed("tier") {
				t := memory.Tier(f.tier)
				p.Tier = &t
			}
			if fs.Changed("namespace") {
				p.Namespace = &f.namespace
			}
			if fs.Changed("tags") {
				p.Tags = &f.tags
			}
			if fs.Changed("priority") {
				p.Priority = &f.priority
			}
			if fs.Changed("confidence") {
				p.Confidence = &f.confidence
			}
			if fs.Changed("source") {
				p.Source = &f.source
			}
			if fs.Changed("ttl-secs") {
				p.TTLSecs = &f.ttlSecs
			}
			if fs.Changed("expires-at") {
				if p.ExpiresAt, err = parseTime("expires-at", f.expiresAt); err != nil {
					return err
				}
			}
			if fs.Changed("metadata") {
				m, err := parseMetadata(f.metadata)
				if err != nil {
					return err
				}
				p.Metadata = &m
			}
			return a.withMemory(cmd, args[0], func(ctx context.Context, eng *engine.Engine, id string) (any, func(io.Writer), error) {
				m, _, err := eng.Update(ctx, id, p)
				return m, func(w io.Writer) { fmt.Fprintf(w, "updated %s [%s/%s] %s\n", m.ID, m.Namespace, m.Tier, m.Title) }, err
			})
		},
	}
	f.register(cmd.Flags(), "cli")
	return cmd
}

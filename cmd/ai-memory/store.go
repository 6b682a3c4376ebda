package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// memoryFlags are the fields store and update share; their names are a
// contract (docs/upstream-history.md).
type memoryFlags struct {
	title, content, tier, namespace, source, metadata, expiresAt string
	tags                                                         []string
	priority                                                     int
	confidence                                                   float64
	ttlSecs                                                      int64
}

func (f *memoryFlags) register(fs *pflag.FlagSet, sourceDefault string) {
	fs.StringVarP(&f.title, "title", "T", "", "title (unique within a namespace: storing it again updates)")
	fs.StringVarP(&f.content, "content", "c", "", `content; "-" reads standard input`)
	fs.StringVarP(&f.tier, "tier", "t", "mid", "tier: short (6h), mid (7d) or long (no expiry)")
	fs.StringVarP(&f.namespace, "namespace", "n", memory.DefaultNamespace, "namespace")
	fs.StringSliceVar(&f.tags, "tags", nil, "comma-separated tags")
	fs.IntVarP(&f.priority, "priority", "p", memory.DefaultPriority, "priority 1..10")
	fs.Float64Var(&f.confidence, "confidence", 1, "confidence 0..1")
	fs.StringVarP(&f.source, "source", "S", sourceDefault, "source token (cli, api, mcp, …)")
	fs.StringVar(&f.expiresAt, "expires-at", "", "expiry time, RFC 3339")
	fs.Int64Var(&f.ttlSecs, "ttl-secs", 0, "expire this many seconds from now")
	fs.StringVar(&f.metadata, "metadata", "", "metadata as a JSON object")
}

// readContent resolves "-" to standard input.
func (a *app) readContent(ctx context.Context, c string) (string, error) {
	if c != "-" {
		return c, nil
	}
	b, err := io.ReadAll(io.LimitReader(a.input(ctx), memory.MaxContentBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > memory.MaxContentBytes {
		return "", memory.Errorf(memory.CodeTooLarge, "content on stdin exceeds %d bytes", memory.MaxContentBytes)
	}
	return string(b), nil
}

func parseTime(flag, s string) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, invalidf("--%s %q: want an RFC 3339 time such as 2030-01-02T15:04:05Z", flag, s)
	}
	return &t, nil
}

func parseMetadata(s string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil || m == nil {
		return nil, invalidf("--metadata must be a JSON object")
	}
	return m, nil
}

func newStoreCmd(a *app) *cobra.Command {
	var f memoryFlags
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Store a memory (or update the one with the same title in the namespace; queued when its namespace requires approval)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			content, err := a.readContent(cmd.Context(), f.content)
			if err != nil {
				return err
			}
			in := engine.NewMemory{Title: f.title, Content: content, Tier: memory.Tier(f.tier), Namespace: f.namespace,
				Tags: f.tags, Source: f.source, AgentID: a.global.AgentID}
			if fs.Changed("priority") {
				in.Priority = &f.priority
			}
			if fs.Changed("confidence") {
				in.Confidence = &f.confidence
			}
			if fs.Changed("ttl-secs") {
				in.TTLSecs = &f.ttlSecs
			}
			if f.expiresAt != "" {
				if in.ExpiresAt, err = parseTime("expires-at", f.expiresAt); err != nil {
					return err
				}
			}
			if f.metadata != "" {
				if in.Metadata, err = parseMetadata(f.metadata); err != nil {
					return err
				}
			}
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				gov, err := eng.StoreGoverned(ctx, in)
				if err != nil {
					return nil, nil, err
				}
				if p := gov.Pending; p != nil {
					return map[string]any{"status": engine.PendingStatus, "pending_id": p.ID, "pending": p}, func(w io.Writer) {
						fmt.Fprintf(w, "queued %s: namespace %s requires approval (ai-memory pending)\n", p.ID, p.Namespace)
					}, nil
				}
				res := gov.Stored
				return res.Memory, func(w io.Writer) {
					verb := "stored"
					if !res.Created {
						verb = "updated"
					}
					fmt.Fprintf(w, "%s %s [%s/%s] %s\n", verb, res.Memory.ID, res.Memory.Namespace, res.Memory.Tier, res.Memory.Title)
				}, nil
			})
		},
	}
	f.register(cmd.Flags(), "cli")
	cmd.MarkFlagRequired("title")
	cmd.MarkFlagRequired("content")
	return cmd
}

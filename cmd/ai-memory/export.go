package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/engine"
)

func newExportCmd(a *app) *cobra.Command {
	var f struct {
		namespace, out string
	}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every memory, link and record as lossless JSON (stdout or --out)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				x, err := eng.Export(ctx, f.namespace)
				if err != nil {
					return nil, nil, err
				}
				if f.out == "" {
					return x, nil, nil // JSON with or without --json
				}
				if err := writeJSONFile(f.out, x); err != nil {
					return nil, nil, err
				}
				return map[string]any{"path": f.out, "memories": x.Count, "links": len(x.Links)}, func(w io.Writer) {
					fmt.Fprintf(w, "exported %d memories and %d links to %s\n", x.Count, len(x.Links), f.out)
				}, nil
			})
		},
	}
	cmd.Flags().StringVarP(&f.namespace, "namespace", "n", "", "only this namespace")
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "write to this file instead of stdout")
	return cmd
}

// writeJSONFile writes v to a temporary file and renames it into place, so
// an interrupted export never leaves a truncated file under the final name.
func writeJSONFile(path string, v any) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
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
			eng, done, err := a.openEngine(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			x, err := eng.Export(cmd.Context(), f.namespace)
			if err != nil {
				return err
			}
			if f.out == "" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(x)
			}
			if err := writeJSONFile(f.out, x); err != nil {
				return err
			}
			return a.print(map[string]any{"path": f.out, "memories": x.Count, "links": len(x.Links)}, func(w io.Writer) {
				fmt.Fprintf(w, "exported %d memories and %d links to %s\n", x.Count, len(x.Links), f.out)
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

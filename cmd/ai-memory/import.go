package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

var importCmd = &cobra.Command{
	Use:   "import [file|-]",
	Short: "Apply an export (from a file or stdin); re-importing changes nothing",
	Args:  cobra.MaximumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		var in io.Reader = cmd.InOrStdin()
		if len(args) == 1 && args[0] != "-" {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		var x engine.Export
		if err := json.NewDecoder(in).Decode(&x); err != nil {
			return invalidf("reading export: %v", err)
		}
		eng, done, err := openEngine(cmd)
		if err != nil {
			return err
		}
		defer done()
		res, err := importChunked(cmd, eng, &x)
		if err != nil {
			return err
		}
		return printResult(cmd, res, func(w io.Writer) {
			fmt.Fprintf(w, "imported %d memories, %d links, %d records", res.Imported, res.Links, res.Records)
			if len(res.Errors) > 0 {
				fmt.Fprintf(w, "; %d skipped:", len(res.Errors))
				for _, e := range res.Errors {
					fmt.Fprintf(w, "\n  %s", e)
				}
			}
			fmt.Fprintln(w)
		})
	},
}

// importChunked applies an export of any size in batches the engine
// accepts (memory.MaxBatchItems rows each): memories, then links, then
// records. Each chunk is one transaction; rows keep their versions, so a
// re-run after a failure applies only what is missing.
func importChunked(cmd *cobra.Command, eng *engine.Engine, x *engine.Export) (engine.ImportResult, error) {
	total := engine.ImportResult{Errors: []string{}}
	chunk := memory.MaxBatchItems
	apply := func(part *engine.Export, offset int) error {
		res, err := eng.Import(cmd.Context(), part)
		total.Imported += res.Imported
		total.Links += res.Links
		total.Records += res.Records
		for _, e := range res.Errors {
			total.Errors = append(total.Errors, fmt.Sprintf("(from row %d) %s", offset, e))
		}
		return err
	}
	for i := 0; i < len(x.Memories); i += chunk {
		if err := apply(&engine.Export{Memories: x.Memories[i:min(i+chunk, len(x.Memories))]}, i); err != nil {
			return total, err
		}
	}
	for i := 0; i < len(x.Links); i += chunk {
		if err := apply(&engine.Export{Links: x.Links[i:min(i+chunk, len(x.Links))]}, i); err != nil {
			return total, err
		}
	}
	for i := 0; i < len(x.Records); i += chunk {
		if err := apply(&engine.Export{Records: x.Records[i:min(i+chunk, len(x.Records))]}, i); err != nil {
			return total, err
		}
	}
	return total, nil
}

func init() { rootCmd.AddCommand(importCmd) }

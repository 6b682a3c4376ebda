package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/migrate"
)

func newImportCmd(a *app) *cobra.Command {
	var f struct {
		fromOriginal string
		skipInvalid  bool
	}
	cmd := &cobra.Command{
		Use:   "import [file|-] | import --from-original PATH.db",
		Short: "Apply an export (from a file or stdin), or copy the original ai-memory's database; re-importing changes nothing",
		Long: `Apply an export to the --db store: this program's export, or the original
ai-memory's (its memories and links; ids kept, the agent taken from
metadata.agent_id). A memory without an id gets a new one. Importing the same
file again changes nothing.

--from-original PATH.db copies a database of the original ai-memory (schema up
to v28), opened read-only and never changed: memories, the agent registry,
archived memories, links, namespace standards and their parents, pending
actions and subscriptions, every id kept. The report counts the rows of each
kind and compares their digests on both sides, and names every table and
column that has no equivalent here with its row count.

If any row cannot be imported, nothing is written and the command exits 2
naming each row and why; --skip-invalid imports the others and exits 0 with
the count. (From the original's database the readable rows are copied either
way; the exit status is 2 unless --skip-invalid.)`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.fromOriginal != "" {
				if len(args) > 0 {
					return invalidf("give a file to import or --from-original, not both")
				}
				st, err := a.openStore(cmd.Context(), a.global.DB)
				if err != nil {
					return err
				}
				defer st.Close()
				return a.copyOriginal(cmd.Context(), f.fromOriginal, a.global.DB, st,
					migrate.Options{SourceRowsOnly: true}, f.skipInvalid)
			}
			in := a.input(cmd.Context())
			if len(args) == 1 && args[0] != "-" {
				file, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer file.Close()
				in = file
			}
			var x engine.Export
			if err := json.NewDecoder(in).Decode(&x); err != nil {
				if ctxErr := cmd.Context().Err(); ctxErr != nil {
					return ctxErr // interrupted, not invalid
				}
				return invalidf("reading export: %v", err)
			}
			return a.withEngine(cmd, func(ctx context.Context, eng *engine.Engine) (any, func(io.Writer), error) {
				rows := len(x.Memories) + len(x.Links) + len(x.Records)
				invalid, err := eng.NormalizeImport(ctx, &x)
				if err != nil {
					return nil, nil, err
				}
				if len(invalid) > 0 && !f.skipInvalid {
					return nil, nil, &memory.Error{Code: memory.CodeInvalid,
						Message: fmt.Sprintf("%d of %d rows are invalid, so nothing was imported:\n  %s\nFix them, or pass --skip-invalid to import the other %d",
							len(invalid), rows, strings.Join(invalid, "\n  "), rows-len(invalid)),
						Details: map[string]any{"invalid": invalid}}
				}
				res, err := importChunked(ctx, eng, &x)
				res.Errors = append(invalid, res.Errors...)
				return res, func(w io.Writer) {
					fmt.Fprintf(w, "imported %d memories, %d links, %d records", res.Imported, res.Links, res.Records)
					if len(res.Errors) > 0 {
						fmt.Fprintf(w, "; %d invalid rows skipped:", len(res.Errors))
						for _, e := range res.Errors {
							fmt.Fprintf(w, "\n  %s", e)
						}
					}
					fmt.Fprintln(w)
				}, err
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.fromOriginal, "from-original", "", "copy this database of the original ai-memory (read-only)")
	fs.BoolVar(&f.skipInvalid, "skip-invalid", false, "import the valid rows and succeed even if some are invalid")
	return cmd
}

// importChunked applies an export of any size in batches the engine
// accepts (memory.MaxBatchItems rows each): memories, then links, then
// records. Each chunk is one transaction; rows keep their versions, so a
// re-run after a failure applies only what is missing.
func importChunked(ctx context.Context, eng *engine.Engine, x *engine.Export) (engine.ImportResult, error) {
	total := engine.ImportResult{Errors: []string{}}
	chunk := memory.MaxBatchItems
	apply := func(part *engine.Export, offset int) error {
		res, err := eng.Import(ctx, part)
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

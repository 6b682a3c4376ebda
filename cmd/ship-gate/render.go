package main

import (
	"fmt"
	"path/filepath"

	"github.com/aimemory/ai-memory/shipgate/render"
	"github.com/spf13/cobra"
)

func init() {
	var index bool
	cmd := &cobra.Command{
		Use:   "render runs/<id> | render --index runs/",
		Short: "Write the offline evidence page of a run, or the dashboard over all runs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if index {
				n, err := render.Index(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d campaigns\n", filepath.Join(args[0], "index.html"), n)
				return nil
			}
			if err := render.RunPage(args[0]); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), filepath.Join(args[0], "index.html"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&index, "index", false, "render the dashboard runs/index.html over every campaign directory")
	rootCmd.AddCommand(cmd)
}

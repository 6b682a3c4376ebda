package main

import (
	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/config"
)

func init() {
	var file string
	cmd := &cobra.Command{
		Use:   "methodology",
		Short: "Print the methodology document generated from the campaign configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := config.Default()
			if file != "" {
				var err error
				if c, err = config.Load(file); err != nil {
					return err
				}
			}
			return config.WriteMethodology(cmd.OutOrStdout(), c)
		},
	}
	cmd.Flags().StringVar(&file, "config", "", "campaign config JSON (default: built-in defaults)")
	rootCmd.AddCommand(cmd)
}

package main

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/spf13/cobra"
)

func init() {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out PREFIX",
		Short: "Create an ed25519 signing key: PREFIX (0600) and PREFIX.pub, both PEM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := attest.GenerateKey(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s.pub (keyid %s)\n", out, out, attest.KeyID(pub))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "path prefix of the key files")
	cmd.MarkFlagRequired("out")
	rootCmd.AddCommand(cmd)
}

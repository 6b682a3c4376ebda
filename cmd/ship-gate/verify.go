package main

import (
	"fmt"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/spf13/cobra"
)

func init() {
	var pubPath string
	cmd := &cobra.Command{
		Use:   "verify runs/<id> --pubkey KEY.pub",
		Short: "Check a run's signature and re-hash every artifact; fails on any change",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := attest.LoadPublicKey(pubPath)
			if err != nil {
				return err
			}
			st, err := attest.VerifyRun(args[0], pub)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "verified: %s for %s sha256:%s, %d artifacts unchanged\n",
				st.Predicate.Result, st.Subject[0].Name, st.Subject[0].SHA256(), len(st.Predicate.Configuration))
			return nil
		},
	}
	cmd.Flags().StringVar(&pubPath, "pubkey", "", "ed25519 public key (PEM)")
	cmd.MarkFlagRequired("pubkey")
	rootCmd.AddCommand(cmd)
}

package main

import (
	"fmt"
	"path/filepath"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/spf13/cobra"
)

func init() {
	var keyPath, canaries string
	cmd := &cobra.Command{
		Use:   "sign runs/<id> --key KEY [--canary runs/canary/canary-summary.json]",
		Short: "Sign a run's verdict: writes verdict.dsse.json (in-toto test-result over every artifact)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			priv, err := attest.LoadPrivateKey(keyPath)
			if err != nil {
				return err
			}
			st, err := gate.Sign(args[0], priv, gate.SignOptions{Canaries: canaries})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s, %d checks passed, %d failed, %d artifacts, subject %s sha256:%s\n",
				filepath.Join(args[0], attest.VerdictFile), st.Predicate.Result,
				len(st.Predicate.PassedTests), len(st.Predicate.FailedTests),
				len(st.Predicate.Configuration), st.Subject[0].Name, st.Subject[0].SHA256())
			return nil
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", "", "ed25519 private key (PEM, from keygen)")
	cmd.Flags().StringVar(&canaries, "canary", "", "canary-summary.json of the same commit, signed alongside (the gate requires it)")
	cmd.MarkFlagRequired("key")
	rootCmd.AddCommand(cmd)
}

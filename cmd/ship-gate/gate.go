package main

import (
	"fmt"
	"time"

	"github.com/aimemory/ai-memory/shipgate/attest"
	"github.com/aimemory/ai-memory/shipgate/gate"
	"github.com/spf13/cobra"
)

func init() {
	var (
		binary, evidence, pubPath, profilePath string
		maxAge                                 time.Duration
	)
	cmd := &cobra.Command{
		Use:   "gate --binary PATH --evidence runs/<id> --pubkey KEY.pub [--max-age 24h] [--profile FILE]",
		Short: "Exit 0 only if signed, fresh, all-green evidence exists for exactly this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := attest.LoadPublicKey(pubPath)
			if err != nil {
				return err
			}
			req := gate.Request{Binary: binary, Evidence: evidence, PubKey: pub, MaxAge: maxAge}
			if profilePath != "" {
				p, err := gate.LoadProfile(profilePath)
				if err != nil {
					return err
				}
				req.Profile = &p
			}
			d, err := gate.Allow(req)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "release allowed: sha256:%s certified by campaign %s (%d checks, completed %s)\n",
				d.Digest, d.CampaignID, d.Passed, d.CompletedAt.Format(time.RFC3339))
			fmt.Fprintf(out, "profile: %s\ncanaries: %s\n", d.Profile, d.Canaries)
			for _, l := range d.Lowered {
				fmt.Fprintf(out, "profile lowers the release profile: %s\n", l)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&binary, "binary", "", "the ai-memory binary about to be released")
	cmd.Flags().StringVar(&evidence, "evidence", "", "the campaign directory runs/<id>")
	cmd.Flags().StringVar(&pubPath, "pubkey", "", "release verification key (PEM)")
	cmd.Flags().DurationVar(&maxAge, "max-age", 24*time.Hour, "reject evidence older than this")
	cmd.Flags().StringVar(&profilePath, "profile", "", "campaign JSON read as the least campaign that may certify (default: the release profile); a lower profile is printed with the decision")
	for _, f := range []string{"binary", "evidence", "pubkey"} {
		cmd.MarkFlagRequired(f)
	}
	rootCmd.AddCommand(cmd)
}

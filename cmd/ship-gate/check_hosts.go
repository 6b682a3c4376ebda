package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/remote"
)

func init() {
	var inventory string
	cmd := &cobra.Command{
		Use:   "check-hosts",
		Short: "List what ship-gate left on the hosts of an inventory (exit 1 if anything)",
		Long: "Connects to every host of --inventory (host keys checked against its known_hosts) and lists,\n" +
			"per host, what a --provider ssh run may have left: files in the host's data_dir, processes\n" +
			"running from it, mounts under it and nftables tables named shipgate_*. Exit status 0 only\n" +
			"when every host is clean. It changes nothing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			inv, err := remote.LoadInventory(inventory)
			if err != nil {
				return err
			}
			kh := inv.KnownHosts
			if kh == "" {
				home, _ := os.UserHomeDir()
				kh = filepath.Join(home, ".ssh", "known_hosts")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			out, dirty := cmd.OutOrStdout(), false
			var errs []error
			for _, h := range inv.Hosts {
				c, err := remote.Dial(ctx, h, kh, false)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				left, err := remote.Leftovers(ctx, c, h)
				c.Close()
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if len(left) == 0 {
					fmt.Fprintf(out, "host %s (%s): clean (data_dir %s)\n", h.Name, h.Address, h.DataDir)
				}
				for _, l := range left {
					fmt.Fprintf(out, "host %s (%s): %s\n", h.Name, h.Address, l)
					dirty = true
				}
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			if dirty {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&inventory, "inventory", "", "hosts (JSON; see shipgate/README.md)")
	cmd.MarkFlagRequired("inventory")
	rootCmd.AddCommand(cmd)
}

package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/remote"
)

func init() {
	var cfg remote.AgentConfig
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Serve the harness on a remote host (internal: started over SSH by --provider ssh)",
		Long: "Reads one JSON request per line on stdin and answers on stdout: start and signal nodes,\n" +
			"load and delete nftables tables, run proxies for peer links and lazyfs mounts, probe what\n" +
			"the host allows, digest and tail files. Everything it makes lies under --root. At teardown,\n" +
			"at stdin EOF, on SIGTERM, or after --dead-man without a line, it kills every process it\n" +
			"started, unmounts every disk, closes its proxies, deletes every table it loaded and removes\n" +
			"--root. It never powers anything off.",
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return remote.ServeAgent(cfg, os.Stdin, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&cfg.Root, "root", "", "the campaign's directory on this host, removed at the end")
	cmd.Flags().BoolVar(&cfg.RemoveParent, "remove-parent", false, "also remove --root's parent if then empty")
	cmd.Flags().DurationVar(&cfg.DeadMan, "dead-man", 10*time.Second, "tear down after this long without a line from the harness")
	cmd.MarkFlagRequired("root")
	rootCmd.AddCommand(cmd)
}

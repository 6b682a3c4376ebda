package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/aimemory/ai-memory/shipgate/lazyfs"
)

func init() {
	var backing, mount string
	cmd := &cobra.Command{
		Use:   "lazyfs",
		Short: "Serve a lazyfs mount (internal: started by the harness for disk faults)",
		Long: "Mounts --backing at --mount through a FUSE filesystem that keeps writes not yet fsynced\n" +
			"so a simulated power cut can drop them, and can fail writes or fsyncs. It prints\n" +
			`{"ok":true,"ready":true,...} once mounted, then answers each stdin line (cut, fault` + "\n" +
			"none|enospc|eio-write|eio-fsync, stats) with one JSON line. On stdin EOF, SIGTERM or\n" +
			"SIGINT it unmounts and exits.",
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stop := make(chan os.Signal, 1)
			signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
			return lazyfs.Serve(backing, mount, os.Stdin, cmd.OutOrStdout(), stop)
		},
	}
	cmd.Flags().StringVar(&backing, "backing", "", "directory holding the files")
	cmd.Flags().StringVar(&mount, "mount", "", "empty directory to mount on")
	cmd.MarkFlagRequired("backing")
	cmd.MarkFlagRequired("mount")
	rootCmd.AddCommand(cmd)
}

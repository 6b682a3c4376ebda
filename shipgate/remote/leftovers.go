package remote

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// leftoverScript lists, one per line, what ship-gate may have left on a
// host whose data dir is $1: anything inside it, a process running from
// it (executable or working directory under it: the deployed binaries
// and the nodes and disk servers they run), a mount under it, and an
// nftables table named shipgate_*. It needs only sh, readlink and nft.
const leftoverScript = `dd=$1
if [ -d "$dd" ]; then
	for e in "$dd"/* "$dd"/.[!.]*; do [ -e "$e" ] && echo "file $e"; done
fi
for p in /proc/[0-9]*; do
	exe=$(readlink "$p/exe" 2>/dev/null); cwd=$(readlink "$p/cwd" 2>/dev/null)
	case "$exe" in "$dd"/*) echo "process ${p#/proc/} $exe"; continue;; esac
	case "$cwd" in "$dd"/*) echo "process ${p#/proc/} $exe (in $cwd)";; esac
done
while read -r _ _ _ _ mp _; do
	case "$mp" in "$dd"/*) echo "mount $mp";; esac
done < /proc/self/mountinfo
if command -v nft >/dev/null 2>&1; then
	nft list tables 2>/dev/null | while read -r _ fam t; do
		case "$t" in shipgate_*) echo "nft table $fam $t";; esac
	done
fi
exit 0`

// Leftovers lists what ship-gate left on host h, checked over the SSH
// connection client (see leftoverScript); nil when the host is clean.
// The data dir itself, if empty, is not counted: it may be the host's.
func Leftovers(ctx context.Context, client *ssh.Client, h Host) ([]string, error) {
	sess, err := client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("host %s: session: %w", h.Name, err)
	}
	defer sess.Close()
	go func() { <-ctx.Done(); sess.Close() }()
	out, err := sess.CombinedOutput(shellJoin([]string{"sh", "-c", leftoverScript, "ship-gate-check", h.DataDir}))
	if err != nil {
		return nil, fmt.Errorf("host %s: check: %w: %s", h.Name, err, out)
	}
	var left []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			left = append(left, l)
		}
	}
	return left, nil
}

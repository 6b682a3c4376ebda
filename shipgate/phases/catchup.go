package phases

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/report"
)

// catchUpCrash restarts node c, which missed the crash-after-ack writes,
// and SIGKILLs it as soon as it has pulled rows from both peers, then
// restarts it again. A node must record how far it pulled only with the
// rows themselves: if it records the mark first, the rows it had pulled
// are never pulled again and the rejoin check finds them missing.
func catchUpCrash(ctx context.Context, e *Env, c *cluster.Node) report.CatchUp {
	cfg := e.Cfg.Phase2
	k := report.CatchUp{Node: c.Name}
	syncMS := strconv.FormatInt(cfg.RejoinSyncInterval.D().Milliseconds(), 10)
	start := time.Now()
	if err := c.Start(ctx, "--sync-interval-ms", syncMS); err != nil {
		k.Error = fmt.Sprintf("restart %s: %v", c.Name, err)
		return k
	}
	for {
		pulled, err := rowsPulled(ctx, c)
		k.Pulled, k.PulledMS = pulled, ms(time.Since(start))
		if err == nil && len(pulled) == 2 && pulled[0] > 0 && pulled[1] > 0 {
			break
		}
		if time.Since(start) > cfg.RejoinMax.D() || ctx.Err() != nil {
			k.Error = fmt.Sprintf("node-%s had not pulled from both peers within %s (pulled %v, %v)", c.Name, cfg.RejoinMax, pulled, err)
			return k
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	c.Kill()
	k.Killed = true
	if err := c.Start(ctx, "--sync-interval-ms", syncMS); err != nil {
		k.Error = fmt.Sprintf("restart %s after the kill: %v", c.Name, err)
	}
	return k
}

// rowsPulled reads how many rows a node has pulled from each peer.
func rowsPulled(ctx context.Context, n *cluster.Node) ([]int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", n.Client.Base+"/api/v1/sync/status", nil)
	if err != nil {
		return nil, err
	}
	resp, err := n.Client.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st struct {
		Peers []struct {
			RowsPulled int64 `json:"rows_pulled"`
		} `json:"peers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, fmt.Errorf("sync status: HTTP %d: %w", resp.StatusCode, err)
	}
	var out []int64
	for _, p := range st.Peers {
		out = append(out, p.RowsPulled)
	}
	return out, nil
}

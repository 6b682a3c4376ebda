package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
	"github.com/aimemory/ai-memory/fulldisk"
)

// A peer whose disk is full answers a push 507 insufficient_storage, so
// the coordinator counts no copy from it; once space is freed the peer
// acknowledges again.
func TestPushToFullDiskCountsNoAck(t *testing.T) {
	nodes := newTestNodes(t, 2)
	nodes[1].dir = fulldisk.Mount(t, "2m")
	nodes[1].start(t, Config{Peers: []string{nodes[0].url}, W: 1, SyncInterval: -1})
	nodes[0].start(t, Config{Peers: []string{nodes[1].url}, W: 2, QuorumTimeout: 2 * time.Second, SyncInterval: -1})
	free := fulldisk.Fill(t, nodes[1].dir)

	big := strings.Repeat("x", 60000) // needs WAL space the full disk does not have
	store := func(title string) error {
		_, err := nodes[0].eng.Store(ctxT(t), engine.NewMemory{Title: title, Content: big, Namespace: "fed"})
		return err
	}
	err := store("refused by b")
	var me *memory.Error
	if !errors.As(err, &me) || me.Code != memory.CodeQuorumNotMet || me.Details["got"] != 1 {
		t.Fatalf("write with b's disk full: %v %+v, want quorum_not_met with 1 copy", err, me)
	}
	batch, _ := json.Marshal(memory.Batch{Op: "create", Memories: []memory.Memory{{ID: memory.NewID(time.Now()),
		Tier: memory.TierMid, Namespace: "fed", Title: "pushed", Content: big, State: memory.StateActive,
		Priority: 5, Confidence: 1, Source: "api", CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC(),
		Origin: "node-x", Version: memory.MakeHLC(time.Now().UnixMilli(), 0)}}})
	resp, err := http.Post(nodes[1].url+PathPush, "application/json", bytes.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInsufficientStorage || body.Error.Code != memory.CodeInsufficientStorage {
		t.Fatalf("push to a full disk: %d %q, want 507 insufficient_storage", resp.StatusCode, body.Error.Code)
	}

	free()
	if err := store("accepted by b"); err != nil {
		t.Fatalf("write after b's disk has room again: %v", err)
	}
}

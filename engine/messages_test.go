package engine

import (
	"context"
	"testing"

	memory "github.com/aimemory/ai-memory"
)

func TestNotifyAndInboxTrackReads(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	for _, subject := range []string{"build broke", "build broke", "lunch"} {
		if _, err := e.Notify(ctx, "alice", "bob", subject, "details of "+subject, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.UnreadCount(ctx, "bob"); err != nil || n != 3 {
		t.Fatalf("unread = %d, %v; want 3 (same subject twice must not de-duplicate)", n, err)
	}
	first, err := e.Inbox(ctx, "bob", true, 2)
	if err != nil || len(first) != 2 || first[0].Read || first[0].From != "alice" || first[0].To != "bob" || first[0].Title != "build broke" {
		t.Fatalf("first read = %+v, %v", first, err)
	}
	rest, err := e.Inbox(ctx, "bob", true, 0)
	if err != nil || len(rest) != 1 || rest[0].Title != "lunch" {
		t.Fatalf("unread after reading two = %+v, %v; want only lunch", rest, err)
	}
	all, err := e.Inbox(ctx, "bob", false, 0)
	if err != nil || len(all) != 3 || !all[0].Read || !all[2].Read {
		t.Fatalf("full inbox = %+v, %v; want 3 read messages", all, err)
	}
	if n, _ := e.UnreadCount(ctx, "bob"); n != 0 {
		t.Fatalf("unread after reading all = %d", n)
	}
	if other, _ := e.Inbox(ctx, "alice", false, 0); len(other) != 0 {
		t.Fatalf("alice's inbox holds bob's mail: %+v", other)
	}
}

func TestNotifyRejectsBadRecipients(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	_, err := e.Notify(ctx, "alice", "", "t", "c", nil, "")
	wantCode(t, err, memory.CodeInvalid)
	_, err = e.Notify(ctx, "alice", "bob smith", "t", "c", nil, "")
	wantCode(t, err, memory.CodeInvalid)
	_, err = e.Notify(ctx, "alice", "bob/", "t", "c", nil, "")
	wantCode(t, err, memory.CodeInvalid)
	_, err = e.Notify(ctx, "alice", "bob", "", "c", nil, "")
	wantCode(t, err, memory.CodeInvalid)
}

package engine

import (
	"context"
	"strings"
	"testing"
)

func TestSessionStartGathersContext(t *testing.T) {
	ctx := context.Background()
	e := openExtrasEngine(t)
	corpus := seedCorpus(t, e)
	if _, err := e.SetStandard(ctx, "ops", corpus["Postgres backups"].ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Notify(ctx, "alice", "bot", "hi", "there", nil, ""); err != nil {
		t.Fatal(err)
	}
	a := NewAssistant(e, nil)
	sc, err := a.SessionStart(ctx, "ops", "bot", 2)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Total != 5 || len(sc.Recent) != 2 || sc.Recent[0].Title != "Cache policy" || sc.Recent[1].Title != "Lunch menu" {
		t.Fatalf("session = %+v; want the 2 newest of 5, newest first", sc)
	}
	if len(sc.Standards) != 1 || sc.UnreadCount != 1 || sc.SummaryMethod != MethodDeterministic {
		t.Fatalf("session = %+v; want 1 standard, 1 unread, deterministic summary", sc)
	}
	if !strings.Contains(sc.Summary, "5 active memories in namespace ops") || !strings.Contains(sc.Summary, "Cache policy") {
		t.Fatalf("summary %q", sc.Summary)
	}
	if _, err := a.SessionStart(ctx, "bad ns", "", 0); err == nil {
		t.Fatal("bad namespace accepted")
	}
}

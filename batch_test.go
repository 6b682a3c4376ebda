package memory

import (
	"strings"
	"testing"
	"time"
)

func TestBatchCheck(t *testing.T) {
	good := Memory{ID: NewID(time.Now()), Tier: TierMid, State: StateActive}
	link := Link{SourceID: good.ID, TargetID: NewID(time.Now()), Relation: RelatedTo}
	rec := Record{Kind: "k", Key: "a", Value: []byte(`{"x":1}`)}
	if err := (&Batch{Memories: []Memory{good}, Links: []Link{link}, Records: []Record{rec}}).Check(); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	with := func(f func(*Batch)) *Batch {
		b := &Batch{Memories: []Memory{good}, Links: []Link{link}, Records: []Record{rec}}
		f(b)
		return b
	}
	for name, tc := range map[string]struct {
		b    *Batch
		want string
	}{
		"memory id":    {with(func(b *Batch) { b.Memories[0].ID = "" }), "id is empty"},
		"tier":         {with(func(b *Batch) { b.Memories[0].Tier = "huge" }), "tier"},
		"state":        {with(func(b *Batch) { b.Memories[0].State = "gone" }), "state"},
		"link end":     {with(func(b *Batch) { b.Links[0].TargetID = "" }), "source_id and target_id"},
		"relation":     {with(func(b *Batch) { b.Links[0].Relation = "likes" }), "relation"},
		"record key":   {with(func(b *Batch) { b.Records[0].Key = "" }), "kind and key"},
		"record value": {with(func(b *Batch) { b.Records[0].Value = []byte("{") }), "not valid JSON"},
	} {
		err := tc.b.Check()
		if ErrorCode(err) != CodeInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check() = %v; want invalid_argument mentioning %q", name, err, tc.want)
		}
	}
}

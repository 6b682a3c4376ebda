package memory

import "encoding/json"

// Check rejects rows no store can key or interpret: a memory without an
// id or with an unknown tier or state, a link without both ends or with an
// unknown relation, a record without kind and key or whose value is not
// JSON. Both stores call it before writing anything, so one bad row fails
// the whole batch with a CodeInvalid error naming the row.
func (b *Batch) Check() error {
	for i, m := range b.Memories {
		switch {
		case m.ID == "":
			return invalid("memory %d: id is empty", i)
		case !m.Tier.Valid():
			return invalid("memory %s: tier %q: want short, mid or long", m.ID, m.Tier)
		case m.State != StateActive && m.State != StateArchived && m.State != StateDeleted:
			return invalid("memory %s: state %q: want active, archived or deleted", m.ID, m.State)
		}
	}
	for i, l := range b.Links {
		switch {
		case l.SourceID == "" || l.TargetID == "":
			return invalid("link %d: source_id and target_id are required", i)
		case !l.Relation.Valid():
			return invalid("link %s->%s: relation %q: want related_to, supersedes, contradicts or derived_from", l.SourceID, l.TargetID, l.Relation)
		}
	}
	for i, r := range b.Records {
		switch {
		case r.Kind == "" || r.Key == "":
			return invalid("record %d: kind and key are required", i)
		case len(r.Value) > 0 && !json.Valid(r.Value):
			return invalid("record %s/%s: value is not valid JSON", r.Kind, r.Key)
		}
	}
	return nil
}

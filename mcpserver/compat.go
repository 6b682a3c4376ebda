package mcpserver

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// argAliases are the original ai-memory's argument names that differ from a
// tool's own, with the name each stands for. A call may use either; giving
// both with different values is refused. Aliases are not listed in
// tools/list (every session would pay for them in tokens); a call written
// for the original works unchanged.
var argAliases = map[string]map[string]string{
	"memory_notify":               {"target_agent_id": "to", "payload": "content"},
	"memory_detect_contradiction": {"id_a": "id"},
	"memory_subscribe":            {"namespace_filter": "namespace"},
	"memory_pending_approve":      {"agent_id": "decided_by"},
	"memory_pending_reject":       {"agent_id": "decided_by"},
}

// unlisted marks a property that calls may give but tools/list does not
// show: arguments only callers written for the original send.
func unlisted(s *jsonschema.Schema) {
	if s.Extra == nil {
		s.Extra = map[string]any{}
	}
	s.Extra[unlistedKey] = true
}

const unlistedKey = "x-unlisted"

func isUnlisted(s *jsonschema.Schema) bool { return s.Extra[unlistedKey] == true }

// argRewrite turns a call's arguments into the tool's own: aliases renamed,
// and a string given for a list of strings split on commas (the original
// takes tags and events as one string).
type argRewrite struct {
	aliases map[string]string
	lists   map[string]bool // properties that are lists of strings
}

func newArgRewrite(tool string, full *jsonschema.Schema) argRewrite {
	rw := argRewrite{aliases: argAliases[tool], lists: map[string]bool{}}
	for name, p := range full.Properties {
		if p.Items != nil && p.Items.Type == "string" {
			rw.lists[name] = true
		}
	}
	return rw
}

// apply rewrites args in place and reports whether it changed anything.
func (rw argRewrite) apply(args map[string]any) (bool, error) {
	changed := false
	for alias, name := range rw.aliases {
		v, ok := args[alias]
		if !ok {
			continue
		}
		if own, ok := args[name]; ok && !jsonEqual(own, v) {
			return false, fmt.Errorf("give %s or %s (the same argument), not both", name, alias)
		}
		delete(args, alias)
		args[name] = v
		changed = true
	}
	for name := range rw.lists {
		s, ok := args[name].(string)
		if !ok {
			continue
		}
		list := []any{}
		for _, item := range strings.Split(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		args[name] = list
		changed = true
	}
	return changed, nil
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

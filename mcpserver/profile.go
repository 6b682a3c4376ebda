package mcpserver

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// CoreTools is the core profile: what an agent needs to keep and find its
// memory, for clients that pay for every listed tool in their context.
var CoreTools = []string{"memory_store", "memory_recall", "memory_search", "memory_get",
	"memory_list", "memory_update", "memory_delete", "memory_link"}

// toolNames lists every tool of the server in registration order.
var toolNames = sync.OnceValue(func() []string {
	var names []string
	for _, td := range (&server{}).tools() {
		names = append(names, td.tool.Name)
	}
	return names
})

// ToolSet selects the tools a server offers. The zero value offers all of
// them; ParseTools builds the others, so a set never names an unknown tool.
type ToolSet struct {
	names map[string]bool // nil: all
}

func (ts ToolSet) has(name string) bool { return ts.names == nil || ts.names[name] }

// ParseTools reads a profile: a comma-separated list of "core", "all" and
// tool names, the memory_ prefix optional ("core,inbox,memory_notify").
func ParseTools(spec string) (ToolSet, error) {
	all := toolNames()
	names, everything := map[string]bool{}, false
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "all":
			everything = true
		case item == "core":
			for _, n := range CoreTools {
				names[n] = true
			}
		case slices.Contains(all, item):
			names[item] = true
		case slices.Contains(all, "memory_"+item):
			names["memory_"+item] = true
		case item == "":
			return ToolSet{}, fmt.Errorf("empty tool name in %q: want core, all or a comma-separated list of tool names", spec)
		default:
			return ToolSet{}, fmt.Errorf("unknown tool %q: want core, all or tool names (%s)", item, strings.Join(all, ", "))
		}
	}
	if everything {
		return ToolSet{}, nil
	}
	return ToolSet{names: names}, nil
}

package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
)

// toolDef is one tool: what tools/list shows, the full schema every call's
// arguments must satisfy, and what answers a call.
type toolDef struct {
	tool    *mcp.Tool
	check   *jsonschema.Resolved
	handler mcp.ToolHandler
}

// toolbox collects the tools in registration order; New adds the
// ones the options select. log receives the internal errors that the
// agents are told only by name.
type toolbox struct {
	defs []toolDef
	log  *slog.Logger
}

// tool adds a typed tool. Every call's arguments are checked against the
// full schema of In (types, bounds, enums, no unknown names) before h runs,
// after the original's argument names are mapped to the tool's own (see
// argAliases), while tools/list shows the compact form (published).
// Results carry no output schema: the JSON is the structuredContent and,
// unless the result renders itself in another format (textFormatter), the
// text content. Business errors become results with isError set and a
// message the agent can act on.
func tool[In, Out any](tb *toolbox, name, desc string, readOnly bool, props map[string][]prop,
	h func(ctx context.Context, req *mcp.CallToolRequest, in In) (Out, error)) {
	full := schemaFor[In](props)
	check, err := full.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("tool %s: %v", name, err))
	}
	rw := newArgRewrite(name, full)
	t := &mcp.Tool{Name: name, Description: desc, InputSchema: published(full)}
	if readOnly {
		t.Annotations = &mcp.ToolAnnotations{ReadOnlyHint: true}
	}
	log := tb.log
	tb.defs = append(tb.defs, toolDef{t, check, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var in In
		if err := decodeArgs(req.Params.Arguments, check, rw, &in); err != nil {
			return errorResult(err), nil
		}
		out, err := h(ctx, req, in)
		if err != nil {
			if memory.ErrorCode(err) == memory.CodeInternal {
				log.Error("mcp tool failed", "tool", name, "err", err)
			}
			return errorResult(actionable(err)), nil
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s result: %w", name, err)
		}
		text := string(b)
		if f, ok := any(out).(textFormatter); ok {
			if t := f.formattedText(); t != "" {
				text = t
			}
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, StructuredContent: json.RawMessage(b)}, nil
	}})
}

// textFormatter is a result that can render its text content in a format
// the caller asked for; "" keeps the JSON.
type textFormatter interface{ formattedText() string }

// decodeArgs rewrites raw arguments (rw), validates them and decodes them
// into in. Absent or null arguments are an empty object, so required ones
// are still reported.
func decodeArgs(raw json.RawMessage, check *jsonschema.Resolved, rw argRewrite, in any) error {
	args := map[string]any{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil {
			return fmt.Errorf("arguments must be a JSON object: %v", err)
		}
	}
	changed, err := rw.apply(args)
	if err != nil {
		return fmt.Errorf("validating \"arguments\": %v", err)
	}
	if changed {
		if raw, err = json.Marshal(args); err != nil {
			return fmt.Errorf("arguments: %v", err)
		}
	}
	if err := check.Validate(args); err != nil {
		return fmt.Errorf("validating \"arguments\": %v", err)
	}
	if len(args) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, in); err != nil {
		return fmt.Errorf("decoding \"arguments\": %v", err)
	}
	return nil
}

func errorResult(err error) *mcp.CallToolResult {
	var res mcp.CallToolResult
	res.SetError(err)
	return &res
}

// actionable rewrites an engine error into a message that says what to
// do. An internal error says only that: what failed inside is not the
// agent's business.
func actionable(err error) error {
	var me *memory.Error
	if !errors.As(err, &me) || me.Code == memory.CodeInternal {
		return errors.New(memory.CodeInternal + ": internal error")
	}
	msg := me.Code + ": " + me.Message
	switch me.Code {
	case memory.CodeNotFound:
		msg += " (check the id with memory_list or memory_search)"
	case memory.CodeQuorumNotMet:
		msg += " (the write is kept on this node and will reach the others by sync; do not retry blindly)"
	case memory.CodeTooLarge:
		msg += " (shorten the input or split it)"
	}
	return errors.New(msg)
}

package mcpserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	memory "github.com/aimemory/ai-memory"
)

// MemoryURITemplate names a memory as a resource. A namespace's "/" is
// percent-encoded so the namespace stays one template variable.
const MemoryURITemplate = "memory://{namespace}/{id}"

// resourcePage is how many memories one resources/list page holds.
const resourcePage = 50

// MemoryURI is the resource URI of m.
func MemoryURI(m *memory.Memory) string {
	return "memory://" + url.PathEscape(m.Namespace) + "/" + m.ID
}

// parseMemoryURI splits a memory:// URI into namespace and id.
func parseMemoryURI(uri string) (ns, id string, ok bool) {
	rest, found := strings.CutPrefix(uri, "memory://")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return "", "", false
	}
	ns, err := url.PathUnescape(rest[:i])
	if err != nil {
		return "", "", false
	}
	return ns, rest[i+1:], true
}

func (s *server) addResources(ms *mcp.Server) {
	ms.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "memory",
		Title:       "Memory",
		URITemplate: MemoryURITemplate,
		Description: "One stored memory as JSON (namespace percent-encoded, id a ULID or UUID).",
		MIMEType:    "application/json",
	}, s.readMemory)
	// The SDK lists only statically registered resources; memories are
	// listed from the store, newest pages last, with an opaque cursor.
	ms.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if lr, ok := req.(*mcp.ListResourcesRequest); ok && method == "resources/list" {
				return s.listResources(ctx, lr)
			}
			return next(ctx, method, req)
		}
	})
}

func (s *server) readMemory(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	ns, id, ok := parseMemoryURI(uri)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	m, links, err := s.e.Get(ctx, id)
	if memory.IsNotFound(err) || err == nil && m.Namespace != ns {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]any{"memory": m, "links": links})
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(body)}}}, nil
}

func (s *server) listResources(ctx context.Context, req *mcp.ListResourcesRequest) (*mcp.ListResourcesResult, error) {
	q := memory.ListQuery{Limit: resourcePage}
	if req.Params != nil && req.Params.Cursor != "" {
		after, err := base64.RawURLEncoding.DecodeString(req.Params.Cursor)
		if err != nil || !memory.ValidID(string(after)) {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid cursor: pass nextCursor from the previous page"}
		}
		q.AfterID = string(after)
	}
	page, err := s.e.List(ctx, q)
	if err != nil {
		return nil, err
	}
	// Memories are the caller's data: no shared caches.
	res := &mcp.ListResourcesResult{Resources: make([]*mcp.Resource, 0, len(page.Memories)), Cacheable: mcp.Cacheable{CacheScope: "private"}}
	for i := range page.Memories {
		m := &page.Memories[i]
		res.Resources = append(res.Resources, &mcp.Resource{URI: MemoryURI(m), Name: m.ID, Title: m.Title,
			Description: m.Namespace + " · " + string(m.Tier), MIMEType: "application/json", Size: int64(len(m.Content))})
	}
	if page.HasMore {
		res.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(page.NextCursor))
	}
	return res, nil
}

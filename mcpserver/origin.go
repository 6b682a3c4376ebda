package mcpserver

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/httperror"
)

// checkOrigin refuses browser requests from foreign pages. Non-browser MCP
// clients send no Origin and pass; a browser page may only reach the
// endpoint from a loopback origin. This blocks DNS rebinding (a page on
// evil.example whose name resolves to 127.0.0.1) and cross-site requests.
func checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !loopbackOrigin(o) {
			httperror.Write(w, memory.Errorf(memory.CodeForbidden, "origin %s is not allowed", o))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

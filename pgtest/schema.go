package pgtest

import (
	"context"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// CreateSchema creates an empty schema in the maintenance database (where
// admin statements run), for SchemaURL: a schema per run costs
// milliseconds where a database costs seconds.
func (s *Server) CreateSchema(ctx context.Context, name string) error {
	return s.admin(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
}

// SchemaURL is a connection URL whose search_path is schema, so everything
// a client creates lands there.
func (s *Server) SchemaURL(schema string) string {
	u, _ := url.Parse(s.URL(maintenanceDB(s.base)))
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.base.Host }

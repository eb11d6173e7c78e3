package sqlt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/mattn/go-sqlite3" // the embedded default driver
)

// ErrUnsupportedDSN is returned by Open for a DSN it does not recognise.
var ErrUnsupportedDSN = errors.New("relkit: unsupported DSN")

// Open opens a database from a DSN:
//
//   - "sqlite::memory:" — a private in-memory SQLite database (one
//     connection, so every statement sees the same data);
//   - "file:app.db", "file:app.db?mode=ro", "sqlite:app.db" — a SQLite file;
//   - "postgres://…" or "postgresql://…" — PostgreSQL through pgx's native
//     pool (pgxpool), not through database/sql.
//
// SQLite connections get foreign keys on and a 5 s busy timeout. Open
// checks the connection before returning. Close the handle when done.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db := FromPgx(pool)
		db.close = func() error { pool.Close(); return nil }
		return db, nil
	case strings.HasPrefix(dsn, "sqlite:"), strings.HasPrefix(dsn, "file:"):
		return openSQLite(ctx, dsn)
	}
	return nil, fmt.Errorf("open %q: %w (want sqlite::memory:, file:…, sqlite:… or postgres://…)", redact(dsn), ErrUnsupportedDSN)
}

func openSQLite(ctx context.Context, dsn string) (*DB, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	path = strings.TrimPrefix(path, "//")
	memory := strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory")
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if !strings.Contains(path, "_foreign_keys") && !strings.Contains(path, "_fk=") {
		path += sep + "_foreign_keys=1"
		sep = "&"
	}
	if !strings.Contains(path, "_busy_timeout") && !strings.Contains(path, "_timeout") {
		path += sep + "_busy_timeout=5000"
	}
	sdb, err := sql.Open("sqlite3", path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if memory {
		// Every connection to ":memory:" is a different database: keep one.
		sdb.SetMaxOpenConns(1)
		sdb.SetConnMaxIdleTime(0)
		sdb.SetConnMaxLifetime(0)
	}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db := FromDB(sdb, SQLite)
	db.close = sdb.Close
	return db, nil
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if u, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + u + ":***" + dsn[at:]
	}
	return dsn
}

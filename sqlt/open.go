package sqlt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
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
//     pool (pgxpool), not through database/sql;
//   - "mysql://user:password@host:3306/database?…" (or "mariadb://…") —
//     MySQL 8.0+ or MariaDB 10.6+ through database/sql and
//     go-sql-driver/mysql, with the options and defaults of openMySQL
//     (parseTime, UTC, utf8mb4, clientFoundRows, interpolateParams, each
//     kept as the DSN gives it).
//
// SQLite connections get foreign keys on and a 5 s busy timeout; a
// writable SQLite file also gets WAL journaling and transactions that take
// the write lock when they begin (go-sqlite3's _journal_mode=WAL and
// _txlock=immediate), which is what several goroutines writing at once
// need. An option the DSN already sets is kept as given: for example
// "file:app.db?_txlock=deferred". Open checks the connection before
// returning. Close the handle when done.
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
	case strings.HasPrefix(dsn, "mysql://"), strings.HasPrefix(dsn, "mariadb://"):
		return openMySQL(ctx, dsn)
	}
	return nil, fmt.Errorf("open %q: %w (want sqlite::memory:, file:…, sqlite:…, postgres://… or mysql://…)", redact(dsn), ErrUnsupportedDSN)
}

func openSQLite(ctx context.Context, dsn string) (*DB, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	path = strings.TrimPrefix(path, "//")
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	_, rawQuery, _ := strings.Cut(path, "?")
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: options of %q: %w", dsn, err)
	}
	memory := strings.HasPrefix(path, "file::memory:") || params.Get("mode") == "memory"
	readOnly := params.Get("mode") == "ro" || isTrue(params.Get("_query_only"))
	defaults := sqliteDefaults(params, memory, readOnly)
	if len(defaults) > 0 {
		sep := "&"
		if rawQuery == "" {
			sep = "?"
			path = strings.TrimSuffix(path, "?")
		}
		path += sep + strings.Join(defaults, "&")
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

// sqliteDefaults returns the go-sqlite3 options Open adds to a SQLite DSN,
// each only when the DSN does not set it (under either of its spellings):
//
//   - _foreign_keys=1: SQLite leaves foreign keys off by default;
//   - _busy_timeout=5000: wait up to 5 s for a lock instead of failing at
//     once with "database is locked";
//   - for a writable file, _journal_mode=WAL (readers never block the
//     writer, nor the writer them) and _txlock=immediate (transactions take
//     the write lock at BEGIN, so a transaction that reads and then writes
//     waits for its turn at the start instead of failing to upgrade its
//     read lock when another connection wrote in between).
func sqliteDefaults(params url.Values, memory, readOnly bool) []string {
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := params[n]; ok {
				return true
			}
		}
		return false
	}
	var out []string
	if !has("_foreign_keys", "_fk") {
		out = append(out, "_foreign_keys=1")
	}
	if !has("_busy_timeout", "_timeout") {
		out = append(out, "_busy_timeout=5000")
	}
	if memory || readOnly {
		return out
	}
	if !has("_journal_mode", "_journal") {
		out = append(out, "_journal_mode=WAL")
	}
	if !has("_txlock") {
		out = append(out, "_txlock=immediate")
	}
	return out
}

// isTrue reports whether a go-sqlite3 boolean option is on.
func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
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

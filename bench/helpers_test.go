package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/relkit/relkit/sqlt"
)

// envDSN names the environment variable holding the PostgreSQL DSN
// (the same one the test suite uses; ./scripts/test.sh sets it).
const envDSN = "RELKIT_PG_DSN"

// openSQLite opens a fresh in-memory SQLite database through relkit and
// returns it with the *sql.DB underneath it, for hand-written
// database/sql code to run on the very same connection and data.
func openSQLite(b testing.TB) *sqlt.DB {
	b.Helper()
	db, err := sqlt.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		b.Fatalf("open sqlite: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// sqliteRaw opens an in-memory SQLite database as a plain *sql.DB with the
// same settings as sqlt.Open (one connection, foreign keys on), and wraps
// it for relkit with sqlt.FromDB: both sides then read the same data.
func sqliteRaw(b testing.TB) (*sqlt.DB, *sql.DB) {
	b.Helper()
	sdb, err := sql.Open("sqlite3", "file::memory:?_foreign_keys=1&_busy_timeout=5000")
	if err != nil {
		b.Fatalf("open sqlite: %v", err)
	}
	sdb.SetMaxOpenConns(1)
	sdb.SetConnMaxIdleTime(0)
	sdb.SetConnMaxLifetime(0)
	if err := sdb.Ping(); err != nil {
		b.Fatalf("open sqlite: %v", err)
	}
	b.Cleanup(func() { sdb.Close() })
	return sqlt.FromDB(sdb, sqlt.SQLite), sdb
}

// postgres connects to the server named by RELKIT_PG_DSN in a fresh schema
// (dropped when b ends) and returns it both as a relkit handle and as a raw
// pgx pool, with search_path set to that schema. The relkit handle is
// sqlt.FromPgx over the same pool (what sqlt.Open builds), so relkit and
// hand-written code use the same connections: with separate pools, the
// side whose server backend had been idle pays for waking it, which
// skewed interleaved measurements by 20–30%. Without a DSN the benchmark
// is skipped.
func postgres(b testing.TB) (*sqlt.DB, *pgxpool.Pool) {
	b.Helper()
	dsn := os.Getenv(envDSN)
	if dsn == "" {
		b.Skipf("%s not set: skipping PostgreSQL (./scripts/test.sh shows how to set it up)", envDSN)
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatalf("connect to PostgreSQL: %v", err)
	}
	var buf [6]byte
	_, _ = rand.Read(buf[:])
	schema := "relkit_b_" + hex.EncodeToString(buf[:])
	if _, err := admin.Exec(ctx, "create schema "+schema); err != nil {
		admin.Close()
		b.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatalf("parse %s: %v", envDSN, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		b.Fatalf("connect to PostgreSQL: %v", err)
	}
	if err := pool.Ping(ctx); err != nil {
		b.Fatalf("connect to PostgreSQL: %v", err)
	}
	db := sqlt.FromPgx(pool)
	b.Cleanup(func() {
		pool.Close()
		if _, err := admin.Exec(context.Background(), "drop schema "+schema+" cascade"); err != nil {
			b.Errorf("drop schema: %v", err)
		}
		admin.Close()
	})
	return db, pool
}

// mustExec runs DDL or seed statements on db, failing b on error. Each
// statement is run separately; "{{pk}}" becomes an auto-increment primary
// key column definition for the database's dialect.
func mustExec(b testing.TB, db *sqlt.DB, stmts ...string) {
	b.Helper()
	pk := "integer primary key autoincrement"
	switch db.Dialect().Name() {
	case "postgres":
		pk = "bigserial primary key"
	case "mysql":
		pk = "bigint auto_increment primary key"
	}
	for _, s := range stmts {
		if isMySQL(db) {
			s = mysqlDDL(s)
		}
		if _, err := db.Exec(context.Background(), strings.ReplaceAll(s, "{{pk}}", pk)); err != nil {
			b.Fatalf("exec %q: %v", s, err)
		}
	}
}

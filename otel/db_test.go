package relkitotel_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/relkit/relkit/sqlt"
)

// The module cannot import relkit's internal/testdb: this is the little of
// it these tests need. forEachDB runs fn as the subtests "sqlite" (in
// memory) and "postgres" (the server named by RELKIT_PG_DSN, in a schema
// of its own; skipped without it, failed when CI=true).
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqlt.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlt.Open(context.Background(), "sqlite::memory:")
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
	t.Run("postgres", func(t *testing.T) { fn(t, postgres(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, mysqlDB(t)) })
}

func postgres(t *testing.T) *sqlt.DB {
	dsn := os.Getenv("RELKIT_PG_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RELKIT_PG_DSN is not set and CI=true: PostgreSQL tests must run in CI (use ./scripts/test.sh)")
		}
		t.Skip("RELKIT_PG_DSN not set: skipping PostgreSQL")
	}
	ctx := context.Background()
	admin, err := sqlt.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "relkit_otel_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "create schema "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse RELKIT_PG_DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "2")
	u.RawQuery = q.Encode()
	db, err := sqlt.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open postgres schema: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec(context.Background(), "drop schema "+schema+" cascade"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return db
}

func mysqlDB(t *testing.T) *sqlt.DB {
	dsn := os.Getenv("RELKIT_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RELKIT_MYSQL_DSN is not set and CI=true: MySQL tests must run in CI (use ./scripts/test.sh)")
		}
		t.Skip("RELKIT_MYSQL_DSN not set: skipping MySQL")
	}
	ctx := context.Background()
	admin, err := sqlt.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "relkit_otel_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "create database "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse RELKIT_MYSQL_DSN: %v", err)
	}
	u.Path = "/" + name
	db, err := sqlt.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open mysql database: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec(context.Background(), "drop database "+name); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	return db
}

// Package testdb runs relkit's behaviour tests against real databases: each
// test body runs once per database, as the subtests "sqlite" (in memory)
// "sqlite_quoted" (in memory, under the [Bracketed] dialect, failing on a
// statement that quotes identifiers outside the dialect), "postgres" (a
// real server, DSN in RELKIT_PG_DSN, each test in its own schema) and
// "mysql" (a real MariaDB or MySQL server, DSN in RELKIT_MYSQL_DSN, each
// test in its own database); [RunWithFile] adds "sqlite_file", a SQLite
// file database opened with sqlt.Open's file defaults. With CI=true a
// missing server fails the run instead of skipping it.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relkit/relkit/sqlt"
)

// EnvDSN names the environment variable holding the PostgreSQL DSN.
const EnvDSN = "RELKIT_PG_DSN"

// DB is a database handle for one subtest, with a statement counter
// installed as a query hook.
type DB struct {
	*sqlt.DB
	Name    string // "sqlite", "postgres" or "mysql"
	File    bool   // a SQLite file database (Name is "sqlite")
	Quoted  bool   // SQLite under the Bracketed dialect (Name is "sqlite")
	DSN     string // what sqlt.Open was given, to open more handles on it
	Counter *Counter
}

// Run runs fn as the subtests "sqlite", "sqlite_quoted", "postgres" and
// "mysql".
func Run(t *testing.T, fn func(t *testing.T, db *DB), opts ...Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("sqlite_quoted", func(t *testing.T) { fn(t, SQLiteQuoted(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// RunWithFile runs fn as the subtests "sqlite" (in memory), "sqlite_quoted", "sqlite_file"
// (a file in t's temporary directory), "postgres" and "mysql": for
// behaviour that depends on how SQLite stores or locks, such as
// concurrency and transactions.
func RunWithFile(t *testing.T, fn func(t *testing.T, db *DB), opts ...Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("sqlite_quoted", func(t *testing.T) { fn(t, SQLiteQuoted(t, opts...)) })
	t.Run("sqlite_file", func(t *testing.T) { fn(t, SQLiteFile(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// SQLite opens a fresh in-memory SQLite database for t.
func SQLite(t testing.TB) *DB {
	t.Helper()
	const dsn = "sqlite::memory:"
	db, err := sqlt.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	d := wrap(db, "sqlite")
	d.DSN = dsn
	return d
}

// SQLiteFile opens a fresh SQLite file database in t's temporary
// directory, through sqlt.Open and its file defaults.
func SQLiteFile(t testing.TB) *DB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "test.db")
	db, err := sqlt.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open sqlite file: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	d := wrap(db, "sqlite")
	d.File, d.DSN = true, dsn
	return d
}

// Postgres opens a connection pool on a fresh schema of the PostgreSQL
// server named by RELKIT_PG_DSN; the schema is dropped when t ends. Without
// a DSN the test is skipped, unless CI=true, where it fails.
func Postgres(t testing.TB) *DB {
	t.Helper()
	dsn := PostgresDSN(t)
	schema := "relkit_t_" + randHex(6)
	admin := adminDB(t, dsn)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "create schema "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDSN, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	db, err := sqlt.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec(context.Background(), "drop schema "+schema+" cascade"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	d := wrap(db, "postgres")
	d.DSN = u.String()
	return d
}

// PostgresDSN returns the DSN of the test server, skipping t when there is
// none (failing it when CI=true).
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set and CI=true: PostgreSQL tests must run in CI (use ./scripts/test.sh)", EnvDSN)
		}
		t.Skipf("%s not set: skipping PostgreSQL (./scripts/test.sh sets it up)", EnvDSN)
	}
	return dsn
}

var (
	adminOnce sync.Once
	admin     *sqlt.DB
	adminErr  error
)

func adminDB(t testing.TB, dsn string) *sqlt.DB {
	adminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		admin, adminErr = sqlt.Open(ctx, dsn)
	})
	if adminErr != nil {
		t.Fatalf("connect to PostgreSQL at %s: %v", EnvDSN, adminErr)
	}
	return admin
}

func wrap(db *sqlt.DB, name string) *DB {
	c := &Counter{}
	return &DB{DB: db.WithHook(c), Name: name, Counter: c}
}

// MustExec runs DDL or fixture statements, failing t on error. Each statement
// may use the tokens {{pk}} (an auto-increment integer primary key) and
// {{bigint}}; they are replaced for the database at hand.
func (db *DB) MustExec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.DB.Exec(context.Background(), db.DDL(s)); err != nil {
			t.Fatalf("%s: %v\n%s", db.Name, err, s)
		}
	}
	db.Counter.Reset()
}

// DDL replaces the portable tokens in s. On MySQL it also rewrites a
// CREATE TABLE's column types that MySQL reads otherwise (see mysqlDDL).
func (db *DB) DDL(s string) string {
	pk := "integer primary key autoincrement"
	switch db.Name {
	case "postgres":
		pk = "bigint generated by default as identity primary key"
	case "mysql":
		pk = "bigint auto_increment primary key"
		s = mysqlDDL(s)
	}
	return strings.NewReplacer("{{pk}}", pk, "{{bigint}}", "bigint").Replace(s)
}

// Counter counts the statements reported to its hook. On "sqlite_quoted"
// it records them with double-quoted identifiers, as the other databases
// run them (the brackets sent were checked by the dialect hook).
type Counter struct {
	mu     sync.Mutex
	stmts  []string
	sent   []string // as sent, before asRead
	asRead quoting
}

// quoting is how a Counter's database quotes identifiers, when it is not
// with double quotes.
type quoting uint8

const (
	readAsSent    quoting = iota
	readBrackets          // [posts].[id]: sqlite_quoted
	readBackticks         // `posts`.`id`: mysql
)

// BeforeQuery implements sqlt.Hook.
func (c *Counter) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }

// AfterQuery implements sqlt.Hook.
func (c *Counter) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	sent := q.SQL
	switch c.asRead {
	case readBrackets:
		q.SQL = asRead(q.SQL)
	case readBackticks:
		q.SQL = backticksAsRead(q.SQL)
	}
	c.mu.Lock()
	c.stmts = append(c.stmts, q.SQL)
	c.sent = append(c.sent, sent)
	c.mu.Unlock()
}

// Count returns the number of statements since the last Reset.
func (c *Counter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmts)
}

// Statements returns the SQL of the statements since the last Reset.
func (c *Counter) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.stmts...)
}

// Sent returns the statements since the last Reset exactly as they were
// sent, in the database's own quoting (backticks on mysql, brackets on
// sqlite_quoted), for golden files of what a server gets.
func (c *Counter) Sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

// Reset forgets the statements counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.stmts, c.sent = nil, nil
	c.mu.Unlock()
}

// String lists the statements, for failure messages.
func (c *Counter) String() string {
	return fmt.Sprintf("%d statements:\n  %s", c.Count(), strings.Join(c.Statements(), "\n  "))
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

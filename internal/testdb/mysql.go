package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/relkit/relkit/sqlt"
)

// EnvMySQLDSN names the environment variable holding the MySQL or MariaDB
// DSN, in sqlt.Open's form: mysql://user:password@host:3306/database.
const EnvMySQLDSN = "RELKIT_MYSQL_DSN"

// MySQL opens a connection pool on a fresh database of the MySQL or
// MariaDB server named by RELKIT_MYSQL_DSN; the database is dropped when t
// ends. Without a DSN the test is skipped, unless CI=true, where it fails.
//
// The test connections add ANSI_QUOTES to the server's sql_mode, so that
// the SQL a test writes itself (its tables, its fixtures, its raw
// conditions) may quote identifiers with double quotes, as it does for
// SQLite and PostgreSQL. relkit's own statements quote with backticks,
// which MySQL reads in every mode; the "sqlite_quoted" subtest is what
// catches a statement quoting outside its dialect.
//
// They add NO_AUTO_VALUE_ON_ZERO too: the tests' fixtures insert explicit
// keys of 0 (a key relkit must match like any other), which MySQL would
// otherwise replace by a generated one. relkit itself never writes an
// explicit 0 key: query's inserts treat a zero primary key as "let the
// database generate it", on every database.
func MySQL(t testing.TB) *DB {
	t.Helper()
	dsn := MySQLDSN(t)
	name := "relkit_t_" + randHex(6)
	admin := mysqlAdminDB(t, dsn)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "create database "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvMySQLDSN, err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("sql_mode", "concat(@@sql_mode, ',ANSI_QUOTES,NO_AUTO_VALUE_ON_ZERO')")
	u.RawQuery = q.Encode()
	db, err := sqlt.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec(context.Background(), "drop database "+name); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	d := wrap(db, "mysql")
	d.DSN = u.String()
	d.Counter.asRead = readBackticks
	return d
}

// MySQLDSN returns the DSN of the MySQL test server, skipping t when
// there is none (failing it when CI=true).
func MySQLDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvMySQLDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set and CI=true: MySQL tests must run in CI (use ./scripts/test.sh)", EnvMySQLDSN)
		}
		t.Skipf("%s not set: skipping MySQL (./scripts/test.sh sets it up)", EnvMySQLDSN)
	}
	return dsn
}

var (
	mysqlAdminOnce sync.Once
	mysqlAdmin     *sqlt.DB
	mysqlAdminErr  error
)

func mysqlAdminDB(t testing.TB, dsn string) *sqlt.DB {
	mysqlAdminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		mysqlAdmin, mysqlAdminErr = sqlt.Open(ctx, dsn)
	})
	if mysqlAdminErr != nil {
		t.Fatalf("connect to MySQL at %s: %v", EnvMySQLDSN, mysqlAdminErr)
	}
	return mysqlAdmin
}

var (
	mysqlTableDDL = regexp.MustCompile(`(?is)^\s*(create|alter)\s+table\b`)
	mysqlWords    = regexp.MustCompile(`\b(text|blob|bytea|timestamp|current_timestamp)\b`)
)

// mysqlDDL rewrites the column types of a CREATE or ALTER TABLE that mean
// something else on MySQL, so that the tests' tables hold the same values
// on every database: text and blob become varchar(255) and varbinary(255)
// (MySQL indexes neither TEXT nor BLOB without a prefix length, and keys
// are what the tests store), timestamp becomes datetime(6) (MySQL's
// TIMESTAMP ends in 2038, converts with the session's time zone and keeps
// whole seconds).
func mysqlDDL(s string) string {
	if !mysqlTableDDL.MatchString(s) {
		return s
	}
	return mysqlWords.ReplaceAllStringFunc(s, func(w string) string {
		switch w {
		case "text":
			return "varchar(255)"
		case "blob", "bytea":
			return "varbinary(255)"
		case "timestamp":
			return "datetime(6)"
		case "current_timestamp":
			return "current_timestamp(6)"
		}
		return w
	})
}

// backticksAsRead rewrites the backtick-quoted identifiers of a MySQL
// statement as SQLite and PostgreSQL read them (`posts`.`id` →
// "posts"."id").
func backticksAsRead(q string) string {
	if strings.IndexByte(q, '`') < 0 {
		return q
	}
	b := []byte(q)
	in := false
	for i, c := range b {
		switch {
		case c == '\'':
			in = !in
		case c == '`' && !in:
			b[i] = '"'
		}
	}
	return string(b)
}

// MySQLSQLDB opens a *sql.DB of go-sql-driver/mysql on db's MySQL
// database (closed when t ends), with the driver options a user of
// sqlt.FromDB(sdb, sqlt.MySQL) needs (parseTime, UTC, clientFoundRows)
// and the test connections' sql_mode (ANSI_QUOTES,
// NO_AUTO_VALUE_ON_ZERO): the way to run relkit over a handle of the
// caller's, and to run the [sqlt.MySQL] dialect (no RETURNING) on the
// MariaDB test server.
func (db *DB) MySQLSQLDB(t testing.TB) *sql.DB {
	t.Helper()
	u, err := url.Parse(db.DSN)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvMySQLDSN, err)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	cfg.ParseTime, cfg.Loc, cfg.ClientFoundRows = true, time.UTC, true
	cfg.Params = map[string]string{"time_zone": "'+00:00'", "sql_mode": "concat(@@sql_mode, ',ANSI_QUOTES,NO_AUTO_VALUE_ON_ZERO')"}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("mysql connector: %v", err)
	}
	sdb := sql.OpenDB(conn)
	t.Cleanup(func() { sdb.Close() })
	return sdb
}

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
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/relkit/relkit/sqlt"
)

// envMySQLDSN names the environment variable holding the MySQL or MariaDB
// DSN, in sqlt.Open's form (the test suite's; ./scripts/test.sh sets it).
const envMySQLDSN = "RELKIT_MYSQL_DSN"

// mysqlRaw connects to the server named by RELKIT_MYSQL_DSN in a fresh
// database (dropped when b ends) and returns it both as a relkit handle
// and as the plain *sql.DB under it, configured as sqlt.Open configures
// its own (parseTime, UTC, clientFoundRows, interpolateParams), so that
// relkit and hand-written database/sql code share connections and
// settings. Without a DSN the benchmark is skipped.
func mysqlRaw(b testing.TB) (*sqlt.DB, *sql.DB) {
	b.Helper()
	dsn := os.Getenv(envMySQLDSN)
	if dsn == "" {
		b.Skipf("%s not set: skipping MySQL (./scripts/test.sh shows how to set it up)", envMySQLDSN)
	}
	ctx := context.Background()
	admin, err := sqlt.Open(ctx, dsn)
	if err != nil {
		b.Fatalf("connect to MySQL: %v", err)
	}
	var buf [6]byte
	_, _ = rand.Read(buf[:])
	name := "relkit_b_" + hex.EncodeToString(buf[:])
	if _, err := admin.Exec(ctx, "create database "+name); err != nil {
		admin.Close()
		b.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatalf("parse %s: %v", envMySQLDSN, err)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, name
	cfg.ParseTime, cfg.Loc, cfg.ClientFoundRows, cfg.InterpolateParams = true, time.UTC, true, true
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		b.Fatalf("connect to MySQL: %v", err)
	}
	sdb := sql.OpenDB(connector)
	if err := sdb.Ping(); err != nil {
		b.Fatalf("connect to MySQL: %v", err)
	}
	b.Cleanup(func() {
		sdb.Close()
		if _, err := admin.Exec(context.Background(), "drop database "+name); err != nil {
			b.Errorf("drop database: %v", err)
		}
		admin.Close()
	})
	return sqlt.FromDB(sdb, admin.Dialect()), sdb
}

// mysqlKeyList is relkit's json_table key list on MySQL, which inlineSQL
// turns into placeholders as for SQLite's json_each.
const mysqlKeyList = "in (select k from json_table(?, '$[*]' columns (k bigint path '$')) as relkit_keys)"

// isMySQL reports whether db runs on MySQL or MariaDB.
func isMySQL(db *sqlt.DB) bool { return db.Dialect().Name() == "mysql" }

// mysqlDDL is a seed table's DDL on MySQL: timestamps as datetime(6).
func mysqlDDL(s string) string { return strings.ReplaceAll(s, " timestamp ", " datetime(6) ") }

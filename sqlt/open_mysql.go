package sqlt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// openMySQL opens "mysql://user:password@host:port/database?options" through
// database/sql and go-sql-driver/mysql. The options are the driver's
// (parseTime, loc, charset, collation, tls, timeouts, …) and session
// variables (sql_mode, time_zone, …), as in its own DSN form; relkit adds,
// each only when the DSN does not set it:
//
//   - parseTime=true and loc=UTC: DATETIME and TIMESTAMP columns scan into
//     time.Time, read and written in UTC;
//   - time_zone='+00:00': the session's NOW() and TIMESTAMP conversions
//     are in UTC too, so a time written by relkit and one the server
//     computes (a default, a touch) agree;
//   - charset utf8mb4 (the driver's default collation, utf8mb4_general_ci);
//   - clientFoundRows=true: an UPDATE reports the rows it matched, as
//     PostgreSQL and SQLite do, not only the rows whose values changed;
//   - interpolateParams=true: the driver escapes the arguments into the
//     statement text (utf8mb4 is a safe character set for it), so that a
//     statement is one round trip instead of prepare, execute and close.
//
// The server's version picks the dialect: [MariaDB] (with RETURNING) when
// it says MariaDB, else [MySQL].
func openMySQL(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	sdb := sql.OpenDB(connector)
	var version string
	if err := sdb.QueryRowContext(ctx, "select version()").Scan(&version); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open mysql: %w", err)
	}
	d := MySQL
	if strings.Contains(strings.ToLower(version), "mariadb") {
		d = MariaDB
	}
	db := FromDB(sdb, d)
	db.close = sdb.Close
	return db, nil
}

// mysqlConfig turns relkit's URL form of a MySQL DSN into the driver's
// configuration, with relkit's defaults for what the URL leaves unset.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", redact(dsn), err)
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if u.Port() == "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	params := u.Query()
	// The driver's own parser reads the options (and keeps session
	// variables); the credentials are set after, so that no character of
	// a password needs escaping in its form.
	native := "tcp(" + host + ")/" + url.PathEscape(strings.TrimPrefix(u.Path, "/"))
	if len(params) > 0 {
		native += "?" + params.Encode()
	}
	cfg, err := mysql.ParseDSN(native)
	if err != nil {
		return nil, fmt.Errorf("options of %q: %w", redact(dsn), err)
	}
	cfg.User, cfg.Passwd = user, pass
	if cfg.DBName, err = url.PathUnescape(strings.TrimPrefix(u.Path, "/")); err != nil {
		return nil, fmt.Errorf("database of %q: %w", redact(dsn), err)
	}
	has := func(name string) bool { _, ok := params[name]; return ok }
	if !has("parseTime") {
		cfg.ParseTime = true
	}
	if !has("loc") {
		cfg.Loc = time.UTC
	}
	if !has("clientFoundRows") {
		cfg.ClientFoundRows = true
	}
	if !has("interpolateParams") && !has("collation") {
		cfg.InterpolateParams = true
	}
	if !has("charset") && !has("collation") {
		cfg.Collation = "utf8mb4_general_ci"
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["time_zone"]; !ok {
		cfg.Params["time_zone"] = "'+00:00'"
	}
	return cfg, nil
}

// mysqlCode returns the MySQL error number of err (0 when err is not a
// server error).
func mysqlCode(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// MySQL and MariaDB error numbers relkit classifies.
const (
	mysqlDupEntry        = 1062 // ER_DUP_ENTRY
	mysqlDupEntryWithKey = 1586 // ER_DUP_ENTRY_WITH_KEY_NAME
	mysqlLockWaitTimeout = 1205 // ER_LOCK_WAIT_TIMEOUT
	mysqlDeadlock        = 1213 // ER_LOCK_DEADLOCK: InnoDB rolled the transaction back
)

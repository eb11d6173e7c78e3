package testdb

import (
	"errors"
	"math"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// SQLSTATE codes that tests provoke on PostgreSQL.
const (
	PgUniqueViolation     = "23505"
	PgForeignKeyViolation = "23503"
	PgInvalidText         = "22P02" // invalid input syntax, such as 'abc' for a bigint
	PgUndefinedTable      = "42P01"
	PgTxAborted           = "25P02"
	PgDivisionByZero      = "22012"
)

// mysqlCodes are the MySQL error numbers of the failures the PostgreSQL
// codes above name.
var mysqlCodes = map[string][]uint16{
	PgUniqueViolation:     {1062, 1586},
	PgForeignKeyViolation: {1451, 1452},
	PgInvalidText:         {1292, 1366, 1690}, // 1690: FailingCondition's overflow
	PgUndefinedTable:      {1146},
	PgDivisionByZero:      {1365},
}

// RequireDriverError fails t unless err wraps the database driver's own
// error, matchable with errors.As: a *pgconn.PgError with SQLSTATE pgCode
// on PostgreSQL, a sqlite3.Error with code liteCode on SQLite, a
// *mysql.MySQLError with the number of the same failure on MySQL.
func (db *DB) RequireDriverError(t testing.TB, err error, pgCode string, liteCode sqlite3.ErrNo) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: want a driver error, got nil", db.Name)
	}
	if db.Name == "mysql" {
		var myErr *mysql.MySQLError
		if !errors.As(err, &myErr) {
			t.Fatalf("mysql: errors.As finds no *mysql.MySQLError in %q (%T)", err, err)
		}
		want, ok := mysqlCodes[pgCode]
		if !ok {
			t.Fatalf("mysql: no MySQL error number for SQLSTATE %s (testdb.mysqlCodes)", pgCode)
		}
		for _, n := range want {
			if myErr.Number == n {
				return
			}
		}
		t.Fatalf("mysql: error %d, want one of %v: %v", myErr.Number, want, err)
	}
	if db.Name == "postgres" {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("postgres: errors.As finds no *pgconn.PgError in %q (%T)", err, err)
		}
		if pgErr.Code != pgCode {
			t.Fatalf("postgres: SQLSTATE %s, want %s: %v", pgErr.Code, pgCode, err)
		}
		return
	}
	var liteErr sqlite3.Error
	if !errors.As(err, &liteErr) {
		t.Fatalf("sqlite: errors.As finds no sqlite3.Error in %q (%T)", err, err)
	}
	if liteErr.Code != liteCode {
		t.Fatalf("sqlite: code %d (%v), want %d: %v", liteErr.Code, liteErr.Code, liteCode, err)
	}
}

// FailingCondition returns a condition on column (an integer column) and
// its bound value that the database refuses while running the statement,
// not while preparing it: on PostgreSQL the value 'abc' compared with a
// bigint (SQLSTATE 22P02, [PgInvalidText]), on SQLite and MySQL abs() of
// the smallest int64, an integer overflow (sqlite3.ErrError; MySQL's
// 1690, out of range). The table must have at least one row for SQLite
// and MySQL to evaluate it.
func (db *DB) FailingCondition(column string) (string, any) {
	if db.Name == "postgres" {
		return column + " = ?", "abc"
	}
	return column + " <> abs(?)", int64(math.MinInt64)
}

// FailingCodes are the error codes of [DB.FailingCondition], in the
// argument order of [DB.RequireDriverError].
func FailingCodes() (string, sqlite3.ErrNo) { return PgInvalidText, sqlite3.ErrError }

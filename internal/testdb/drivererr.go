package testdb

import (
	"errors"
	"math"
	"testing"

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

// RequireDriverError fails t unless err wraps the database driver's own
// error, matchable with errors.As: a *pgconn.PgError with SQLSTATE pgCode
// on PostgreSQL, a sqlite3.Error with code liteCode on SQLite.
func (db *DB) RequireDriverError(t testing.TB, err error, pgCode string, liteCode sqlite3.ErrNo) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: want a driver error, got nil", db.Name)
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
// bigint (SQLSTATE 22P02, [PgInvalidText]), on SQLite abs() of the
// smallest int64, an integer overflow (sqlite3.ErrError). The table must
// have at least one row for SQLite to evaluate it.
func (db *DB) FailingCondition(column string) (string, any) {
	if db.Name == "postgres" {
		return column + " = ?", "abc"
	}
	return column + " <> abs(?)", int64(math.MinInt64)
}

// FailingCodes are the error codes of [DB.FailingCondition], in the
// argument order of [DB.RequireDriverError].
func FailingCodes() (string, sqlite3.ErrNo) { return PgInvalidText, sqlite3.ErrError }

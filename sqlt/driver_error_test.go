package sqlt_test

import (
	"context"
	"math"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

// errItem is the row of the items table that the driver-error tests provoke
// errors on.
type errItem struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

func (errItem) TableName() string { return "items" }

func seedItems(t *testing.T, db *testdb.DB) {
	t.Helper()
	notes := `create table item_notes (id {{pk}}, item_id bigint not null references items(id) deferrable initially deferred)`
	if db.Name == "mysql" {
		// MySQL has no deferrable constraints: its foreign key is checked
		// by the statement (see killConn for a commit that fails).
		notes = `create table item_notes (id {{pk}}, item_id bigint not null references items(id))`
	}
	db.MustExec(t,
		`create table items (id {{pk}}, name text not null unique)`,
		notes,
		`insert into items (name) values ('a'), ('b')`)
}

// killConn ends, from another connection, the MySQL session that tx runs
// on, so that tx's Commit fails: MySQL has no deferred constraint to fail
// at commit, and a killed session is the failure a commit meets in
// production. go-sql-driver/mysql reports it as mysql.ErrInvalidConn.
func killConn(t *testing.T, db *testdb.DB, tx sqlt.Executor) {
	t.Helper()
	ctx := context.Background()
	rows, err := tx.Query(ctx, "select connection_id()")
	require.NoError(t, err)
	id, err := sqlt.ScanOne[int64](rows)
	require.NoError(t, err)
	_, err = db.Exec(ctx, "kill connection ?", id)
	require.NoError(t, err)
}

// failingSelect is a select of items that fails while it runs.
func failingSelect(db *testdb.DB) (string, any) {
	cond, arg := db.FailingCondition("id")
	return "select id, name from items where " + cond, arg
}

func TestExecutorKeepsTheDriverError(t *testing.T) {
	ctx := context.Background()
	pgBad, liteBad := testdb.FailingCodes()
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		seedItems(t, db)
		t.Run("DB.Query missing table", func(t *testing.T) {
			_, err := db.Query(ctx, "select id from no_such_table")
			db.RequireDriverError(t, err, testdb.PgUndefinedTable, sqlite3.ErrError)
		})
		t.Run("DB.Query failing while it runs", func(t *testing.T) {
			s, arg := failingSelect(db)
			rows, err := db.Query(ctx, s, arg)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			db.RequireDriverError(t, err, pgBad, liteBad)
		})
		t.Run("DB.Exec", func(t *testing.T) {
			_, err := db.Exec(ctx, "insert into items (name) values ('a')")
			db.RequireDriverError(t, err, testdb.PgUniqueViolation, sqlite3.ErrConstraint)
		})
		// An in-memory database has a single connection to contend for, so
		// its Begin has no driver error to provoke: the subtest exists on
		// PostgreSQL and on a SQLite file only.
		if db.Name == "postgres" || db.File {
			t.Run("DB.Begin", func(t *testing.T) {
				switch {
				case db.Name == "postgres":
					// A pgx transaction that a failed statement aborted
					// refuses the savepoint that Begin opens on it.
					conn, err := pgxpool.New(ctx, db.DSN)
					require.NoError(t, err)
					defer conn.Close()
					ptx, err := conn.Begin(ctx)
					require.NoError(t, err)
					defer ptx.Rollback(ctx)
					_, err = ptx.Exec(ctx, "insert into items (name) values ('a')")
					require.Error(t, err)
					_, err = sqlt.FromPgx(ptx).Begin(ctx)
					db.RequireDriverError(t, err, testdb.PgTxAborted, 0)
				case db.File:
					// Another handle holds the write lock and this one
					// does not wait for it.
					holder, err := db.Begin(ctx)
					require.NoError(t, err)
					defer holder.Rollback(ctx)
					other, err := sqlt.Open(ctx, db.DSN+"?_busy_timeout=0")
					require.NoError(t, err)
					defer other.Close()
					_, err = other.Begin(ctx)
					db.RequireDriverError(t, err, "", sqlite3.ErrBusy)
				}
			})
		}
		t.Run("Transaction.Query and Exec", func(t *testing.T) {
			tx, err := db.Begin(ctx)
			require.NoError(t, err)
			defer tx.Rollback(ctx)
			s, arg := failingSelect(db)
			rows, err := tx.Query(ctx, s, arg)
			if err == nil {
				_, err = sqlt.ScanAll[errItem](rows)
			}
			db.RequireDriverError(t, err, pgBad, liteBad)
			require.NoError(t, tx.Rollback(ctx))

			tx, err = db.Begin(ctx)
			require.NoError(t, err)
			defer tx.Rollback(ctx)
			_, err = tx.Exec(ctx, "insert into items (name) values ('b')")
			db.RequireDriverError(t, err, testdb.PgUniqueViolation, sqlite3.ErrConstraint)
		})
		t.Run("Transaction.Commit", func(t *testing.T) {
			tx, err := db.Begin(ctx)
			require.NoError(t, err)
			if db.Name == "mysql" {
				_, err = tx.Exec(ctx, "insert into items (name) values ('c')")
				require.NoError(t, err)
				killConn(t, db, tx)
				err = tx.Commit(ctx)
				require.ErrorIs(t, err, mysql.ErrInvalidConn, "the driver's own error")
				n, err := sqlt.ScanOne[int64](must(db.Query(ctx, "select count(*) from items where name = 'c'")))
				require.NoError(t, err)
				require.Zero(t, n, "nothing committed")
				return
			}
			_, err = tx.Exec(ctx, "insert into item_notes (item_id) values (99)")
			require.NoError(t, err, "the foreign key is checked at commit")
			err = tx.Commit(ctx)
			db.RequireDriverError(t, err, testdb.PgForeignKeyViolation, sqlite3.ErrConstraint)
		})
		t.Run("Tx", func(t *testing.T) {
			err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
				_, err := tx.Exec(ctx, "insert into items (name) values ('a')")
				return err
			})
			db.RequireDriverError(t, err, testdb.PgUniqueViolation, sqlite3.ErrConstraint)
			err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
				_, err := tx.Exec(ctx, "insert into item_notes (item_id) values (99)")
				return err
			})
			db.RequireDriverError(t, err, testdb.PgForeignKeyViolation, sqlite3.ErrConstraint)
		})
	})
}

func TestScanHelpersKeepTheDriverError(t *testing.T) {
	ctx := context.Background()
	pgBad, liteBad := testdb.FailingCodes()
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		seedItems(t, db)
		cond, arg := db.FailingCondition("id")
		scans := map[string]func(*sqlt.Rows) error{
			"ScanAll struct": func(r *sqlt.Rows) error { _, err := sqlt.ScanAll[errItem](r); return err },
			"ScanAll int64":  func(r *sqlt.Rows) error { _, err := sqlt.ScanAll[int64](r); return err },
			"ScanOne struct": func(r *sqlt.Rows) error { _, err := sqlt.ScanOne[errItem](r); return err },
			"ScanOne int64":  func(r *sqlt.Rows) error { _, err := sqlt.ScanOne[int64](r); return err },
			"ScanEach":       func(r *sqlt.Rows) error { return sqlt.ScanEach(r, func(errItem) bool { return true }) },
		}
		for name, scan := range scans {
			t.Run(name, func(t *testing.T) {
				cols := "id, name"
				if name == "ScanAll int64" || name == "ScanOne int64" {
					cols = "count(*)"
				}
				rows, err := db.Query(ctx, "select "+cols+" from items where "+cond, arg)
				if db.Name == "postgres" {
					require.NoError(t, err, "pgx reports the error while reading")
				}
				if err == nil {
					err = scan(rows)
				}
				db.RequireDriverError(t, err, pgBad, liteBad)
			})
		}
	})
}

// A result column the struct lacks is a mismatch of the caller's, but when
// the statement failed too, the database's error is the one reported.
func TestScanReportsTheStatementErrorBeforeAColumnMismatch(t *testing.T) {
	ctx := context.Background()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		seedItems(t, db)
		s, arg, code := "select id, name, 1/(id-?) as extra from items", any(int64(1)), testdb.PgDivisionByZero
		if db.Name != "postgres" {
			s, arg = "select id, name, abs(? * id) as extra from items", int64(math.MinInt64)
		}
		if db.Name == "mysql" {
			code = testdb.PgInvalidText // the overflow's 1690, as FailingCondition's
		}
		scan := func(t *testing.T, rows *sqlt.Rows, err error, scan func(*sqlt.Rows) error) {
			if err == nil {
				err = scan(rows)
			}
			db.RequireDriverError(t, err, code, sqlite3.ErrError)
		}
		t.Run("struct", func(t *testing.T) {
			rows, err := db.Query(ctx, s, arg)
			scan(t, rows, err, func(r *sqlt.Rows) error { _, err := sqlt.ScanAll[errItem](r); return err })
		})
		t.Run("single value", func(t *testing.T) {
			rows, err := db.Query(ctx, s, arg)
			scan(t, rows, err, func(r *sqlt.Rows) error { _, err := sqlt.ScanAll[int64](r); return err })
		})
	})
}

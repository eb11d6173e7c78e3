package sqlt_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

// slowQuery returns a statement that runs for seconds, to be cancelled
// while it runs.
func slowQuery(db *testdb.DB) string {
	switch db.Name {
	case "postgres":
		return `select pg_sleep(20)`
	case "mysql":
		// A recursive CTE stops at max_recursive_iterations (1000).
		return `select sleep(20)`
	}
	return `with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000000) select count(*) from c`
}

// slowWrite returns an insert into things that runs for seconds.
func slowWrite(db *testdb.DB) string {
	switch db.Name {
	case "postgres":
		return `insert into things (name) select 'w' || pg_sleep(20)`
	case "mysql":
		return `insert into things (name) select concat('w', sleep(20))`
	}
	return `insert into things (name) with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000000) select 'w' || x from c`
}

func countThings(t *testing.T, db sqlt.Executor) int {
	t.Helper()
	rows, err := db.Query(context.Background(), `select count(*) from things`)
	require.NoError(t, err, "the table and its rows are still there")
	n, err := sqlt.ScanOne[int](rows)
	require.NoError(t, err)
	return n
}

func TestTxCancelledContextKeepsTheDatabase(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		bg := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		_, err := db.Exec(bg, `insert into things (name) values ('committed')`)
		require.NoError(t, err)

		insert := func(ctx context.Context, tx sqlt.Executor) error {
			_, err := tx.Exec(ctx, `insert into things (name) values ('in tx')`)
			return err
		}
		cases := []struct {
			name string
			// run calls sqlt.Tx with a context that it cancels (or lets
			// expire) at some point, and returns Tx's error.
			run  func(t *testing.T) error
			want error
		}{
			{"cancelled before Tx", func(t *testing.T) error {
				ctx, cancel := context.WithCancel(bg)
				cancel()
				return sqlt.Tx(ctx, db, func(tx sqlt.Executor) error { return insert(ctx, tx) })
			}, context.Canceled},
			{"cancelled during a read", func(t *testing.T) error {
				ctx, cancel := context.WithCancel(bg)
				defer cancel()
				return sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
					require.NoError(t, insert(ctx, tx))
					time.AfterFunc(100*time.Millisecond, cancel)
					rows, err := tx.Query(ctx, slowQuery(db))
					if err != nil {
						return err
					}
					_, err = sqlt.ScanOne[int64](rows)
					return err
				})
			}, context.Canceled},
			{"cancelled during a write", func(t *testing.T) error {
				ctx, cancel := context.WithCancel(bg)
				defer cancel()
				return sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
					require.NoError(t, insert(ctx, tx))
					time.AfterFunc(100*time.Millisecond, cancel)
					_, err := tx.Exec(ctx, slowWrite(db))
					return err
				})
			}, context.Canceled},
			{"cancelled after a statement", func(t *testing.T) error {
				ctx, cancel := context.WithCancel(bg)
				defer cancel()
				return sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
					require.NoError(t, insert(ctx, tx))
					cancel()
					return insert(ctx, tx)
				})
			}, context.Canceled},
			{"deadline during a savepoint", func(t *testing.T) error {
				ctx, cancel := context.WithTimeout(bg, 150*time.Millisecond)
				defer cancel()
				return sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
					require.NoError(t, insert(ctx, tx))
					return sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
						require.NoError(t, insert(ctx, tx))
						_, err := tx.Exec(ctx, slowWrite(db))
						return err
					})
				})
			}, context.DeadlineExceeded},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				start := time.Now()
				err := c.run(t)
				require.Error(t, err)
				assert.ErrorIs(t, err, c.want)
				assert.Less(t, time.Since(start), 10*time.Second, "the statement was cancelled, not waited for")
				assert.Equal(t, 1, countThings(t, db), "rolled back; the committed row and the table are still there")

				// The handle still works for writes and transactions.
				require.NoError(t, sqlt.Tx(bg, db, func(tx sqlt.Executor) error { return insert(bg, tx) }))
				assert.Equal(t, 2, countThings(t, db))
				_, err = db.Exec(bg, `delete from things where name = 'in tx'`)
				require.NoError(t, err)
			})
		}
	})
}

// A transaction that the database rolls back on its own must not let
// later statements run outside any transaction.
func TestTxLostTransactionFailsLoudly(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		if db.Name == "sqlite" {
			// SQLite ends the whole transaction, savepoints included, when
			// this constraint fails.
			db.MustExec(t, `create table things (id {{pk}}, name text not null unique on conflict rollback)`)
		} else {
			// PostgreSQL has no such clause: a failed statement leaves the
			// transaction open and aborted. The same guarantees must hold.
			db.MustExec(t, `create table things (id {{pk}}, name text not null unique)`)
		}
		_, err := db.Exec(ctx, `insert into things (name) values ('a')`)
		require.NoError(t, err)
		names := func() []string {
			rows, err := db.Query(ctx, `select name from things order by name`)
			require.NoError(t, err)
			out, err := sqlt.ScanAll[string](rows)
			require.NoError(t, err)
			return out
		}

		var inner, after error
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			_, err := tx.Exec(ctx, `insert into things (name) values ('b')`)
			require.NoError(t, err)
			inner = sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
				_, err := tx.Exec(ctx, `insert into things (name) values ('a')`) // conflict
				return err
			})
			// The caller carries on regardless: this write must not land.
			_, after = tx.Exec(ctx, `insert into things (name) values ('after')`)
			return nil
		})
		require.Error(t, inner)
		assert.NotContains(t, inner.Error(), "no such savepoint", "the constraint error is reported, not the lost savepoint")
		if db.Name == "sqlite" {
			assert.ErrorIs(t, inner, sqlt.ErrTxLost)
			assert.ErrorIs(t, after, sqlt.ErrTxLost, "a statement after the loss is refused")
			assert.ErrorIs(t, err, sqlt.ErrTxLost, "the outer transaction does not commit")
			assert.NotContains(t, err.Error(), "no transaction is active")
			assert.Equal(t, []string{"a"}, names(), "nothing of the lost transaction is committed")
		} else {
			// PostgreSQL rolls back to the savepoint and keeps the
			// transaction: the failure is contained, the rest commits.
			assert.NotErrorIs(t, inner, sqlt.ErrTxLost)
			require.NoError(t, after)
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "after", "b"}, names())
			_, err = db.Exec(ctx, `delete from things where name <> 'a'`)
			require.NoError(t, err)
		}

		// A lost transaction also refuses its own Commit, and its Rollback
		// succeeds; the handle works afterwards.
		tx, err := db.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `insert into things (name) values ('a')`)
		require.Error(t, err)
		if db.Name == "sqlite" {
			assert.ErrorIs(t, tx.Commit(ctx), sqlt.ErrTxLost)
			assert.ErrorIs(t, tx.Rollback(ctx), sqlt.ErrTxDone)
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
		require.NoError(t, sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			_, err := tx.Exec(ctx, `insert into things (name) values ('c')`)
			return err
		}))
		assert.Equal(t, []string{"a", "c"}, names())
	})
}

// A lost transaction found while reading rows (an insert … returning whose
// constraint fails as the row is stepped) is caught as well.
func TestTxLostWhileReadingRows(t *testing.T) {
	db := testdb.SQLite(t)
	ctx := context.Background()
	db.MustExec(t, `create table things (id {{pk}}, name text not null unique on conflict rollback)`)
	_, err := db.Exec(ctx, `insert into things (name) values ('a')`)
	require.NoError(t, err)
	var after error
	err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
		rows, err := tx.Query(ctx, `insert into things (name) values ('a') returning id`)
		if err == nil {
			_, err = sqlt.ScanOne[int64](rows)
		}
		require.Error(t, err)
		assert.ErrorIs(t, err, sqlt.ErrTxLost)
		_, after = tx.Exec(ctx, `insert into things (name) values ('after')`)
		return nil
	})
	assert.ErrorIs(t, after, sqlt.ErrTxLost)
	assert.ErrorIs(t, err, sqlt.ErrTxLost)
	assert.Equal(t, 1, countThings(t, db))
}

// Concurrent writers on a SQLite file opened with sqlt.Open's defaults
// never fail with "database is locked": each transaction reads before it
// writes, the pattern a deferred BEGIN cannot upgrade.
func TestSQLiteFileConcurrentWriters(t *testing.T) {
	db := testdb.SQLiteFile(t)
	ctx := context.Background()
	db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
	const writers, ops = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, writers*ops)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				var err error
				if i%2 == 0 {
					err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
						rows, err := tx.Query(ctx, `select count(*) from things`)
						if err != nil {
							return err
						}
						if _, err := sqlt.ScanOne[int](rows); err != nil {
							return err
						}
						_, err = tx.Exec(ctx, `insert into things (name) values (?)`, fmt.Sprintf("tx %d.%d", w, i))
						return err
					})
				} else {
					_, err = db.Exec(ctx, `insert into things (name) values (?)`, fmt.Sprintf("plain %d.%d", w, i))
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	var failed []error
	for err := range errs {
		failed = append(failed, err)
	}
	require.Empty(t, failed, "%d calls failed; first: %v", len(failed), errors.Join(failed[:min(len(failed), 1)]...))
	assert.Equal(t, writers*ops, countThings(t, db))
}

func TestOpenSQLiteFileDefaults(t *testing.T) {
	ctx := context.Background()
	pragma := func(db *sqlt.DB, name string) string {
		rows, err := db.Query(ctx, `pragma `+name)
		require.NoError(t, err)
		v, err := sqlt.ScanOne[string](rows)
		require.NoError(t, err)
		return v
	}
	dir := t.TempDir()
	db, err := sqlt.Open(ctx, "file:"+dir+"/default.db")
	require.NoError(t, err)
	defer db.Close()
	assert.Equal(t, "wal", pragma(db, "journal_mode"))
	assert.Equal(t, "5000", pragma(db, "busy_timeout"))
	assert.Equal(t, "1", pragma(db, "foreign_keys"))

	// Options in the DSN are kept, under either of go-sqlite3's spellings.
	own, err := sqlt.Open(ctx, "file:"+dir+"/own.db?_journal=DELETE&_timeout=100&_fk=0&_txlock=deferred")
	require.NoError(t, err)
	defer own.Close()
	assert.Equal(t, "delete", pragma(own, "journal_mode"))
	assert.Equal(t, "100", pragma(own, "busy_timeout"))
	assert.Equal(t, "0", pragma(own, "foreign_keys"))

	// A read-only file is opened as it is: no journal change, which would
	// need to write.
	ro, err := sqlt.Open(ctx, "file:"+dir+"/own.db?mode=ro")
	require.NoError(t, err)
	defer ro.Close()
	assert.Equal(t, "delete", pragma(ro, "journal_mode"))
	require.NoError(t, sqlt.Tx(ctx, ro, func(tx sqlt.Executor) error {
		rows, err := tx.Query(ctx, `select 1`)
		if err != nil {
			return err
		}
		return rows.Close()
	}), "read-only transactions begin (no BEGIN IMMEDIATE on a read-only file)")
}

// A cancel that lands while Commit runs must not report a committed
// transaction as cancelled: the error says what the database did.
func TestTxCommitRacingACancelReportsTheOutcome(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		bg := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		for i := 1; i <= 100; i++ {
			ctx, cancel := context.WithCancel(bg)
			tx, err := db.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, `insert into things (id, name) values (?, 'r')`, i)
			require.NoError(t, err)
			// Cancel somewhere between just before and well after the
			// COMMIT's round trip.
			time.AfterFunc(time.Duration(i%20)*20*time.Microsecond, cancel)
			commitErr := tx.Commit(ctx)
			cancel()
			rows, err := db.Query(bg, `select count(*) from things where id = ?`, i)
			require.NoError(t, err)
			n, err := sqlt.ScanOne[int](rows)
			require.NoError(t, err)
			if commitErr == nil {
				require.Equal(t, 1, n, "iteration %d: Commit succeeded, the row is there", i)
			} else {
				require.ErrorIs(t, commitErr, context.Canceled)
				require.Equal(t, 0, n, "iteration %d: Commit failed with %v, nothing is committed", i, commitErr)
			}
		}
	})
}

// Under a caller's *sql.Tx (FromTx) relkit cannot ask the driver, but a
// statement after SQLite ended the caller's transaction must still not run
// on its own.
func TestTxLostUnderACallersSQLTx(t *testing.T) {
	ctx := context.Background()
	sdb, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "a.db"))
	require.NoError(t, err)
	defer sdb.Close()
	db := sqlt.FromDB(sdb, sqlt.SQLite)
	_, err = db.Exec(ctx, `create table things (id integer primary key, name text not null unique on conflict rollback)`)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `insert into things (name) values ('a')`)
	require.NoError(t, err)

	stx, err := sdb.BeginTx(ctx, nil)
	require.NoError(t, err)
	var failed, after error
	err = sqlt.Tx(ctx, sqlt.FromTx(stx, sqlt.SQLite), func(tx sqlt.Executor) error {
		_, failed = tx.Exec(ctx, `insert into things (name) values ('a')`) // ends stx
		_, after = tx.Exec(ctx, `insert into things (name) values ('after')`)
		return nil
	})
	assert.ErrorIs(t, failed, sqlt.ErrTxLost)
	assert.ErrorIs(t, after, sqlt.ErrTxLost, "a statement after the loss is refused")
	assert.ErrorIs(t, err, sqlt.ErrTxLost)
	_ = stx.Rollback()
	assert.Equal(t, []string{"a"}, names(t, db), "nothing ran outside a transaction")
}

// "_query_only=0" (or "off", "false", "no") leaves the file writable: it
// gets the concurrent-writer defaults like any writable file.
func TestOpenSQLiteFileQueryOnlyOffKeepsTheDefaults(t *testing.T) {
	ctx := context.Background()
	for _, off := range []string{"0", "off", "FALSE"} {
		db, err := sqlt.Open(ctx, "file:"+filepath.Join(t.TempDir(), "q.db")+"?_query_only="+off)
		require.NoError(t, err)
		rows, err := db.Query(ctx, `pragma journal_mode`)
		require.NoError(t, err)
		mode, err := sqlt.ScanOne[string](rows)
		require.NoError(t, err)
		assert.Equal(t, "wal", mode, "_query_only=%s", off)
		require.NoError(t, db.Close())
	}
}

// Rolling back a savepoint with the (cancelled) context of the call that
// failed still rolls it back: its writes are not committed by the outer
// transaction.
func TestTxSavepointRollbackWithACancelledContext(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		bg := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		tx, err := db.Begin(bg)
		require.NoError(t, err)
		defer tx.Rollback(bg) // on failure: end it, so the pool can close
		ctx, cancel := context.WithCancel(bg)
		sp, err := tx.Begin(ctx)
		require.NoError(t, err)
		_, err = sp.Exec(ctx, `insert into things (name) values ('in savepoint')`)
		require.NoError(t, err)
		cancel()
		require.NoError(t, sp.Rollback(ctx))
		_, err = tx.Exec(bg, `insert into things (name) values ('outer')`)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(bg))
		assert.Equal(t, []string{"outer"}, names(t, db))
	})
}

// A deadline that expires while another transaction holds the only
// connection of an in-memory database ends the wait with the deadline's
// error; the database is intact afterwards.
func TestTxDeadlineWhileWaitingForTheConnection(t *testing.T) {
	db := testdb.SQLite(t)
	bg := context.Background()
	db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
	hold, err := db.Begin(bg)
	require.NoError(t, err)
	_, err = hold.Exec(bg, `insert into things (name) values ('held')`)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error { return nil })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second, "the wait ended at the deadline")

	require.NoError(t, hold.Commit(bg))
	assert.Equal(t, 1, countThings(t, db))
}

// SQLite's RAISE(ROLLBACK) three savepoints deep ends the whole
// transaction: every level, however it handles the error, is refused, and
// nothing is committed. SQLite only: RAISE(ROLLBACK) is SQLite's, and
// PostgreSQL never ends a transaction on its own (its side of the
// guarantee is in TestTxLostTransactionFailsLoudly).
func TestTxLostThreeSavepointsDeep(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *testdb.DB{"sqlite": testdb.SQLite, "sqlite_file": testdb.SQLiteFile} {
		t.Run(name, func(t *testing.T) { lostThreeSavepointsDeep(t, open(t)) })
	}
}

func lostThreeSavepointsDeep(t *testing.T, db *testdb.DB) {
	{
		ctx := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`,
			`create trigger refuse before insert on things when new.name = 'bad' begin select raise(rollback, 'refused'); end`)
		insert := func(tx sqlt.Executor, name string) error {
			_, err := tx.Exec(ctx, `insert into things (name) values (?)`, name)
			return err
		}
		var errs []error // innermost first
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			require.NoError(t, insert(tx, "level 0"))
			errs = append(errs, sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
				require.NoError(t, insert(tx, "level 1"))
				errs = append(errs, sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
					require.NoError(t, insert(tx, "level 2"))
					errs = append(errs, sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
						return insert(tx, "bad")
					}))
					return nil // swallowed
				}), insert(tx, "after, level 1"))
				return nil
			}), insert(tx, "after, level 0"))
			return nil
		})
		require.Len(t, errs, 5)
		for i, e := range errs {
			assert.ErrorIs(t, e, sqlt.ErrTxLost, "error %d", i)
		}
		assert.Contains(t, errs[0].Error(), "refused")
		assert.ErrorIs(t, err, sqlt.ErrTxLost)
		assert.Equal(t, 0, countThings(t, db))
	}
}

// Transactions cancelled at every stage give their connection back: a
// pool of two still serves a query at once afterwards.
func TestTxCancelledTransactionsReturnTheirConnections(t *testing.T) {
	ctx := context.Background()
	sdb, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "a.db")+"?_txlock=immediate&_busy_timeout=5000")
	require.NoError(t, err)
	defer sdb.Close()
	sdb.SetMaxOpenConns(2)
	db := sqlt.FromDB(sdb, sqlt.SQLite)
	_, err = db.Exec(ctx, `create table things (id integer primary key, name text not null unique on conflict rollback)`)
	require.NoError(t, err)
	insert := func(ctx context.Context, tx sqlt.Executor, name string) error {
		_, err := tx.Exec(ctx, `insert into things (name) values (?)`, name)
		return err
	}
	for i := range 200 {
		c, cancel := context.WithCancel(ctx)
		switch i % 5 {
		case 0: // before
			cancel()
			assert.ErrorIs(t, sqlt.Tx(c, db, func(sqlt.Executor) error { return nil }), context.Canceled)
		case 1: // between statements
			assert.ErrorIs(t, sqlt.Tx(c, db, func(tx sqlt.Executor) error { cancel(); return insert(c, tx, "x") }), context.Canceled)
		case 2: // lost, then ignored
			assert.ErrorIs(t, sqlt.Tx(c, db, func(tx sqlt.Executor) error {
				_ = insert(c, tx, "a")
				_ = insert(c, tx, "a")
				return nil
			}), sqlt.ErrTxLost)
		case 3: // rows left open
			assert.ErrorIs(t, sqlt.Tx(c, db, func(tx sqlt.Executor) error {
				rows, err := tx.Query(c, `select 1 union all select 2`)
				require.NoError(t, err)
				require.True(t, rows.Next())
				cancel()
				return nil
			}), context.Canceled)
		case 4: // before Commit
			tx, err := db.Begin(c)
			require.NoError(t, err)
			cancel()
			assert.ErrorIs(t, tx.Commit(c), context.Canceled)
		}
		cancel()
	}
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	require.NoError(t, insert(qctx, db, "served"), "a connection was free")
	assert.Zero(t, sdb.Stats().InUse)
	assert.Equal(t, []string{"served"}, names(t, db))
}

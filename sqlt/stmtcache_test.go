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

// cacheOf returns the statement cache figures of ex; on SQLite it must
// have a cache, elsewhere none.
func cacheOf(t *testing.T, db *testdb.DB, ex sqlt.Executor) (cached, prepared int) {
	t.Helper()
	cached, prepared, ok := sqlt.StmtCacheOf(ex)
	require.Equal(t, db.Name == "sqlite", ok, "only SQLite transactions cache statements")
	return cached, prepared
}

func scanNames(t *testing.T, rows *sqlt.Rows, err error) []string {
	t.Helper()
	require.NoError(t, err)
	out, err := sqlt.ScanAll[string](rows)
	require.NoError(t, err)
	return out
}

// TestTxStmtCacheRepeats runs the same texts again and again in one
// transaction, savepoints included: same results, same statements
// reported to hooks, and on SQLite each repeated text prepared once.
func TestTxStmtCacheRepeats(t *testing.T) {
	ctx := context.Background()
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		db.MustExec(t, `create table things (id {{pk}}, name text not null unique)`)
		db.Counter.Reset()
		require.NoError(t, sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			for i := range 5 {
				_, err := tx.Exec(ctx, `insert into things (name) values (?)`, fmt.Sprint("n", i))
				require.NoError(t, err)
			}
			for i := range 5 {
				rows, err := tx.Query(ctx, `select name from things where name = ?`, fmt.Sprint("n", i))
				assert.Equal(t, []string{fmt.Sprint("n", i)}, scanNames(t, rows, err))
			}
			for i := range 3 {
				require.NoError(t, sqlt.Tx(ctx, tx, func(sp sqlt.Executor) error {
					_, err := sp.Exec(ctx, `insert into things (name) values (?)`, fmt.Sprint("s", i))
					return err
				}))
			}
			if db.Name == "sqlite" {
				cached, prepared := cacheOf(t, db, tx)
				// insert, select, SAVEPOINT, RELEASE: each prepared at its second run.
				assert.Equal(t, 4, prepared)
				assert.Equal(t, 4, cached)
			} else {
				cacheOf(t, db, tx)
			}
			return nil
		}))
		assert.Equal(t, 13, db.Counter.Count(), "every run is reported, cached or not: %s", db.Counter)
		assert.Equal(t, 8, countThings(t, db))
	})
}

// TestTxStmtCacheFailedStatement makes a cached statement fail inside a
// savepoint: the error is the database's, the savepoint leaves nothing
// half-done, and the same text runs again afterwards.
func TestTxStmtCacheFailedStatement(t *testing.T) {
	ctx := context.Background()
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		db.MustExec(t, `create table things (id {{pk}}, name text not null unique)`)
		const insert = `insert into things (name) values (?)`
		require.NoError(t, sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			for _, n := range []string{"a", "b"} {
				_, err := tx.Exec(ctx, insert, n)
				require.NoError(t, err)
			}
			err := sqlt.Tx(ctx, tx, func(sp sqlt.Executor) error {
				if _, err := sp.Exec(ctx, insert, "c"); err != nil {
					return err
				}
				_, err := sp.Exec(ctx, insert, "a") // cached, fails
				return err
			})
			assert.True(t, sqlt.IsUniqueViolation(err), "%v", err)
			assert.Equal(t, 2, countThings(t, tx), "the savepoint's first insert is undone")
			for range 2 {
				require.NoError(t, sqlt.Tx(ctx, tx, func(sp sqlt.Executor) error {
					_, err := sp.Exec(ctx, insert, fmt.Sprint("d", countThings(t, sp)))
					return err
				}))
			}
			return nil
		}))
		rows, err := db.Query(ctx, `select name from things order by name`)
		assert.Equal(t, []string{"a", "b", "d2", "d3"}, scanNames(t, rows, err))
	})
}

// TestTxStmtCacheRolledBack caches statements in a transaction that rolls
// back: nothing stays, the finished transaction refuses its cached texts
// as it does uncached ones (database/sql: sql.ErrTxDone, not the closed
// statement), and the next transaction runs them on a cache of its own.
func TestTxStmtCacheRolledBack(t *testing.T) {
	ctx := context.Background()
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		const insert = `insert into things (name) values (?)`
		tx, err := db.Begin(ctx)
		require.NoError(t, err)
		for range 3 {
			_, err := tx.Exec(ctx, insert, "x")
			require.NoError(t, err)
		}
		if db.Name == "sqlite" {
			_, prepared := cacheOf(t, db, tx)
			assert.Equal(t, 1, prepared)
		}
		require.NoError(t, tx.Rollback(ctx))
		_, err = tx.Exec(ctx, insert, "x")
		require.Error(t, err)
		if db.Name == "sqlite" {
			assert.ErrorIs(t, err, sql.ErrTxDone)
		}
		assert.Equal(t, 0, countThings(t, db))

		tx, err = db.Begin(ctx)
		require.NoError(t, err)
		for range 2 {
			_, err := tx.Exec(ctx, insert, "y")
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit(ctx))
		assert.Equal(t, 2, countThings(t, db))
	})
}

// TestTxStmtCacheCancelled cancels a cached statement while it runs: the
// call reports the cancellation, and the transaction goes on with the same
// texts. SQLite only: pgx closes the connection of a cancelled statement
// (TestTxCancelledContextKeepsTheDatabase covers that on every database).
func TestTxStmtCacheCancelled(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *testdb.DB{"sqlite": testdb.SQLite, "sqlite_file": testdb.SQLiteFile} {
		t.Run(name, func(t *testing.T) { cancelled(t, ctx, open(t)) })
	}
}

func cancelled(t *testing.T, ctx context.Context, db *testdb.DB) {
	{
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		tx, err := db.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		slow := slowQuery(db)
		if _, prepared := cacheOf(t, db, tx); prepared != 0 {
			t.Fatalf("prepared %d before the test", prepared)
		}
		for range 3 { // the second and third runs are the cached statement
			sp, err := tx.Begin(ctx) // PostgreSQL aborts the transaction on a cancel
			require.NoError(t, err)
			c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			start := time.Now()
			rows, err := sp.Query(c, slow)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Close()
			}
			cancel()
			require.Error(t, err)
			assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled), "%v", err)
			assert.Less(t, time.Since(start), 5*time.Second, "cancelled while it ran")
			require.NoError(t, sp.Rollback(ctx))
		}
		// SAVEPOINT, ROLLBACK TO, RELEASE and the slow query were each
		// prepared at their second run; the slow query left the cache when
		// it was cancelled.
		cached, prepared := cacheOf(t, db, tx)
		assert.Equal(t, 4, prepared)
		assert.Equal(t, 3, cached)
		for i := range 3 {
			_, err := tx.Exec(ctx, `insert into things (name) values (?)`, fmt.Sprint(i))
			require.NoError(t, err)
		}
		assert.Equal(t, 3, countThings(t, tx))
		require.NoError(t, tx.Commit(ctx))
		assert.Equal(t, 3, countThings(t, db))
	}
}

// TestTxStmtCacheRowsOpen runs a cached text again while its rows are
// open: each read gets its own rows. SQLite only: a pgx transaction's
// connection runs one statement at a time (its rows must be closed first),
// and PostgreSQL has no statement cache of relkit's.
func TestTxStmtCacheRowsOpen(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *testdb.DB{"sqlite": testdb.SQLite, "sqlite_file": testdb.SQLiteFile} {
		t.Run(name, func(t *testing.T) { rowsOpen(t, ctx, open(t)) })
	}
}

func rowsOpen(t *testing.T, ctx context.Context, db *testdb.DB) {
	{
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`,
			`insert into things (name) values ('a'), ('b'), ('c')`)
		const q = `select name from things where name >= ? order by name`
		require.NoError(t, sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			for range 2 {
				rows, err := tx.Query(ctx, q, "a")
				assert.Equal(t, []string{"a", "b", "c"}, scanNames(t, rows, err))
			}
			outer, err := tx.Query(ctx, q, "a") // cached
			require.NoError(t, err)
			var got []string
			for outer.Next() {
				var n string
				require.NoError(t, outer.Scan(&n))
				inner, err := tx.Query(ctx, q, n) // the same text while outer is open
				got = append(got, fmt.Sprint(scanNames(t, inner, err)))
			}
			require.NoError(t, outer.Close())
			assert.Equal(t, []string{"[a b c]", "[b c]", "[c]"}, got)
			return nil
		}))
	}
}

// TestTxStmtCacheBounds runs more distinct repeated texts than the cache
// holds, and texts of several statements: results stay right, the cache
// stays within its size, and a transaction stops preparing after
// StmtMaxPrepares.
func TestTxStmtCacheBounds(t *testing.T) {
	ctx := context.Background()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		require.NoError(t, sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			n := sqlt.StmtMaxPrepares + 10
			for i := range n {
				for round := range 3 { // prepared at the second run, evicted later

					rows, err := tx.Query(ctx, fmt.Sprintf(`select cast(? as integer) + %d`, i), round)
					require.NoError(t, err)
					got, err := sqlt.ScanOne[int](rows)
					require.NoError(t, err)
					require.Equal(t, i+round, got)
				}
			}
			if db.Name == "sqlite" {
				cached, prepared := cacheOf(t, db, tx)
				assert.LessOrEqual(t, cached, sqlt.StmtCacheSize)
				assert.Equal(t, sqlt.StmtMaxPrepares, prepared)
			}
			return nil
		}))
	})
	t.Run("several statements", func(t *testing.T) {
		db := testdb.SQLite(t)
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		require.NoError(t, sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			for range 3 {
				_, err := tx.Exec(ctx, `insert into things (name) values ('a'); insert into things (name) values ('b')`)
				require.NoError(t, err)
			}
			cached, prepared, _ := sqlt.StmtCacheOf(tx)
			assert.Zero(t, cached+prepared, "a prepared statement would run only the first")
			return nil
		}))
		assert.Equal(t, 6, countThings(t, db))
	})
}

// TestFromTxStmtCache caches statements through a caller's *sql.Tx:
// after the caller commits, the handle's cached texts report
// sql.ErrTxDone, as uncached ones do, and the handle is safe for
// concurrent use.
func TestFromTxStmtCache(t *testing.T) {
	ctx := context.Background()
	sdb, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "a.db")+"?_foreign_keys=1")
	require.NoError(t, err)
	defer sdb.Close()
	_, err = sdb.Exec(`create table things (id integer primary key, name text not null)`)
	require.NoError(t, err)
	stx, err := sdb.BeginTx(ctx, nil)
	require.NoError(t, err)
	tdb := sqlt.FromTx(stx, sqlt.SQLite)
	const insert = `insert into things (name) values (?)`
	const read = `select name from things where name = ?`

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				name := fmt.Sprint(g, "-", i)
				if _, err := tdb.Exec(ctx, insert, name); err != nil {
					t.Error(err)
					return
				}
				rows, err := tdb.Query(ctx, read, name)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := sqlt.ScanAll[string](rows)
				if err != nil || len(got) != 1 || got[0] != name {
					t.Errorf("read %s: %v, %v", name, got, err)
				}
			}
		}()
	}
	wg.Wait()
	cached, prepared, ok := sqlt.StmtCacheOf(tdb)
	require.True(t, ok)
	assert.Equal(t, 2, cached)
	assert.Equal(t, 2, prepared)
	require.NoError(t, stx.Commit())

	_, err = tdb.Exec(ctx, insert, "late")
	assert.ErrorIs(t, err, sql.ErrTxDone)
	_, err = tdb.Query(ctx, read, "late")
	assert.ErrorIs(t, err, sql.ErrTxDone)
	var n int
	require.NoError(t, sdb.QueryRow(`select count(*) from things`).Scan(&n))
	assert.Equal(t, 40, n)
}

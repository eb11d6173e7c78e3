package sqlt_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

// pgExecutors returns the test database through native pgx and through
// database/sql (pgx's stdlib driver), on the same schema.
func pgExecutors(t *testing.T, db *testdb.DB) map[string]sqlt.Executor {
	sdb, err := sql.Open("pgx", pgDSN(t, db))
	require.NoError(t, err)
	t.Cleanup(func() { sdb.Close() })
	return map[string]sqlt.Executor{"pgx": db, "database/sql": sqlt.FromDB(sdb, sqlt.Postgres)}
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// writeSkew runs two SERIALIZABLE transactions that each read the sum of
// ledger and insert a row of sum+1. On their first try both read, then
// both insert, before either commits: no serial order allows that, so
// PostgreSQL fails one of them (at its insert or its COMMIT).
func writeSkew(t *testing.T, ex sqlt.Executor, retries int) (errs [2]error, tries [2]int) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var read, wrote, done sync.WaitGroup
	read.Add(2)
	wrote.Add(2)
	for i := range 2 {
		done.Add(1)
		go func() {
			defer done.Done()
			errs[i] = sqlt.TxWith(ctx, ex, sqlt.TxOptions{Isolation: sqlt.Serializable, MaxRetries: retries}, func(tx sqlt.Executor) error {
				tries[i]++
				first := tries[i] == 1
				rows, err := tx.Query(ctx, `select coalesce(sum(amount), 0) from ledger`)
				var sum int64
				if err == nil {
					sum, err = sqlt.ScanOne[int64](rows)
				}
				if first {
					read.Done()
					read.Wait()
				}
				if err == nil {
					_, err = tx.Exec(ctx, `insert into ledger (amount) values (?)`, sum+1)
				}
				if first {
					wrote.Done()
					wrote.Wait()
				}
				return err
			})
		}()
	}
	done.Wait()
	return errs, tries
}

func ledger(t *testing.T, db sqlt.Executor) []int64 {
	rows, err := db.Query(context.Background(), `select amount from ledger order by amount`)
	require.NoError(t, err)
	out, err := sqlt.ScanAll[int64](rows)
	require.NoError(t, err)
	return out
}

// serialLedger is what n transactions of writeSkew leave when they run
// one after the other.
func serialLedger(n int) []int64 {
	var out []int64
	var sum int64
	for range n {
		out = append(out, sum+1)
		sum += sum + 1
	}
	return out
}

func TestTxWithRetriesSerializationFailures(t *testing.T) {
	db := testdb.Postgres(t)
	for name, ex := range pgExecutors(t, db) {
		t.Run(name, func(t *testing.T) {
			db.MustExec(t, `create table if not exists ledger (id {{pk}}, amount bigint not null)`)
			t.Run("without retries one fails with 40001", func(t *testing.T) {
				db.MustExec(t, `delete from ledger`)
				errs, _ := writeSkew(t, ex, 0)
				failed := errors.Join(errs[0], errs[1])
				require.Error(t, failed, "one transaction must fail")
				assert.Contains(t, failed.Error(), "commit: ", "PostgreSQL reports it at COMMIT")
				require.True(t, errs[0] == nil || errs[1] == nil, "the other commits: %v", failed)
				var pgErr *pgconn.PgError
				require.ErrorAs(t, failed, &pgErr)
				assert.Equal(t, "40001", pgErr.Code)
				assert.Equal(t, serialLedger(1), ledger(t, db))
			})
			t.Run("with retries both commit", func(t *testing.T) {
				db.MustExec(t, `delete from ledger`)
				errs, tries := writeSkew(t, ex, 5)
				require.NoError(t, errs[0])
				require.NoError(t, errs[1])
				assert.GreaterOrEqual(t, tries[0]+tries[1], 3, "one of them ran again")
				assert.Equal(t, serialLedger(2), ledger(t, db), "the outcome of a serial order")
			})
		})
	}
}

func TestTxWithRetriesDeadlocks(t *testing.T) {
	db := testdb.Postgres(t)
	for name, ex := range pgExecutors(t, db) {
		t.Run(name, func(t *testing.T) {
			db.MustExec(t, `drop table if exists accounts`, `create table accounts (id bigint primary key, n bigint not null)`,
				`insert into accounts values (1, 0), (2, 0)`)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// Each updates its own row, waits for the other, then updates the
			// other's row: on the first try they wait for each other.
			var locked, done sync.WaitGroup
			locked.Add(2)
			var errs [2]error
			var tries [2]int
			for i := range 2 {
				done.Add(1)
				go func() {
					defer done.Done()
					errs[i] = sqlt.TxWith(ctx, ex, sqlt.TxOptions{MaxRetries: 3}, func(tx sqlt.Executor) error {
						tries[i]++
						_, err := tx.Exec(ctx, `update accounts set n = n + 1 where id = ?`, i+1)
						if tries[i] == 1 {
							locked.Done()
							locked.Wait()
						}
						if err != nil {
							return err
						}
						_, err = tx.Exec(ctx, `update accounts set n = n + 1 where id = ?`, 2-i)
						return err
					})
				}()
			}
			done.Wait()
			require.NoError(t, errs[0])
			require.NoError(t, errs[1])
			assert.Equal(t, 3, tries[0]+tries[1], "the deadlock victim ran again")
			rows, err := db.Query(ctx, `select n from accounts order by id`)
			require.NoError(t, err)
			ns, err := sqlt.ScanAll[int64](rows)
			require.NoError(t, err)
			assert.Equal(t, []int64{2, 2}, ns, "both transactions counted once on each row")
		})
	}
}

// raise40001 makes the server report a serialization failure.
const raise40001 = `do $$ begin raise exception 'conflict' using errcode = '40001'; end $$`

func TestTxWithGivesUpAfterMaxRetries(t *testing.T) {
	db := testdb.Postgres(t)
	ctx := context.Background()
	tries := 0
	err := sqlt.TxWith(ctx, db, sqlt.TxOptions{MaxRetries: 2}, func(tx sqlt.Executor) error {
		tries++
		_, err := tx.Exec(ctx, raise40001)
		return err
	})
	assert.Equal(t, 3, tries)
	assert.Equal(t, "40001", pgCode(err), "the driver error is kept: %v", err)
	assert.Contains(t, err.Error(), "after 3 tries")

	// An error no retry can cure is returned at once.
	tries = 0
	err = sqlt.TxWith(ctx, db, sqlt.TxOptions{MaxRetries: 5}, func(tx sqlt.Executor) error {
		tries++
		_, err := tx.Exec(ctx, `select 1/0`)
		return err
	})
	assert.Equal(t, 1, tries)
	assert.Equal(t, "22012", pgCode(err))
}

func TestTxWithStopsRetryingWhenTheContextEnds(t *testing.T) {
	db := testdb.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := sqlt.TxWith(ctx, db, sqlt.TxOptions{MaxRetries: 1000}, func(tx sqlt.Executor) error {
		_, err := tx.Exec(ctx, raise40001)
		return err
	})
	assert.Less(t, time.Since(start), 3*time.Second, "the backoff honours ctx")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "40001", pgCode(err), "the last failure is kept: %v", err)
}

func TestTxWithNestedNeverRetriesOnItsOwn(t *testing.T) {
	db := testdb.Postgres(t)
	ctx := context.Background()
	outer, inner := 0, 0
	err := sqlt.TxWith(ctx, db, sqlt.TxOptions{MaxRetries: 2}, func(tx sqlt.Executor) error {
		outer++
		return sqlt.TxWith(ctx, tx, sqlt.TxOptions{MaxRetries: 5}, func(tx sqlt.Executor) error {
			inner++
			if outer == 1 {
				_, err := tx.Exec(ctx, raise40001)
				return err
			}
			return nil
		})
	})
	require.NoError(t, err)
	assert.Equal(t, 2, outer, "the outermost transaction ran again")
	assert.Equal(t, 2, inner, "the savepoint ran once per outer try")

	// Inside a transaction without retries, nothing retries.
	inner = 0
	err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
		return sqlt.TxWith(ctx, tx, sqlt.TxOptions{MaxRetries: 5}, func(tx sqlt.Executor) error {
			inner++
			_, err := tx.Exec(ctx, raise40001)
			return err
		})
	})
	assert.Equal(t, 1, inner)
	assert.Equal(t, "40001", pgCode(err))
}

func TestTxWithRetriesSQLiteBusy(t *testing.T) {
	db := testdb.SQLiteFile(t)
	ctx := context.Background()
	db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
	// Another writer holds the write lock.
	holder, err := db.Begin(ctx)
	require.NoError(t, err)
	_, err = holder.Exec(ctx, `insert into things (name) values ('holder')`)
	require.NoError(t, err)

	// A handle that gives up waiting for the lock after 10 ms, and whose
	// transactions take it at their first write.
	busy, err := sqlt.Open(ctx, db.DSN+"?_busy_timeout=10&_txlock=deferred")
	require.NoError(t, err)
	defer busy.Close()
	insert := func(tx sqlt.Executor) error {
		_, err := tx.Exec(ctx, `insert into things (name) values ('mine')`)
		return err
	}

	err = sqlt.TxWith(ctx, busy, sqlt.TxOptions{}, insert)
	var sqliteErr sqlite3.Error
	require.ErrorAs(t, err, &sqliteErr)
	assert.Equal(t, sqlite3.ErrBusy, sqliteErr.Code)

	tries := 0
	err = sqlt.TxWith(ctx, busy, sqlt.TxOptions{MaxRetries: 3}, func(tx sqlt.Executor) error {
		tries++
		err := insert(tx)
		if tries == 1 {
			require.Error(t, err, "the lock is still held")
			require.NoError(t, holder.Commit(ctx))
		}
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, 2, tries)
	assert.Equal(t, 2, countThings(t, db))

	// With _txlock=immediate the lock is taken by BEGIN, and BEGIN is retried.
	immediate, err := sqlt.Open(ctx, db.DSN+"?_busy_timeout=10")
	require.NoError(t, err)
	defer immediate.Close()
	holder, err = db.Begin(ctx)
	require.NoError(t, err)
	time.AfterFunc(100*time.Millisecond, func() { _ = holder.Commit(ctx) })
	tries = 0
	err = sqlt.TxWith(ctx, immediate, sqlt.TxOptions{MaxRetries: 20}, func(tx sqlt.Executor) error {
		tries++
		return insert(tx)
	})
	require.NoError(t, err)
	assert.Equal(t, 1, tries, "fn runs only once BEGIN succeeded")
	assert.Equal(t, 3, countThings(t, db))
}

func TestTxWithIsolationLevels(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		exs := map[string]sqlt.Executor{"sqlt.Open": db}
		if db.Name == "postgres" {
			exs = pgExecutors(t, db)
		}
		for name, ex := range exs {
			for _, level := range []sqlt.IsolationLevel{sqlt.IsolationDefault, sqlt.ReadCommitted, sqlt.RepeatableRead, sqlt.Serializable} {
				t.Run(name+"/"+level.String(), func(t *testing.T) {
					var got string
					err := sqlt.TxWith(ctx, ex, sqlt.TxOptions{Isolation: level}, func(tx sqlt.Executor) error {
						if db.Name != "postgres" {
							return nil // every level is serializable on SQLite
						}
						rows, err := tx.Query(ctx, `show transaction_isolation`)
						if err != nil {
							return err
						}
						got, err = sqlt.ScanOne[string](rows)
						return err
					})
					require.NoError(t, err)
					if db.Name == "postgres" {
						want := level.String()
						if level == sqlt.IsolationDefault {
							want = "read committed" // the server's default
						}
						assert.Equal(t, want, got)
					}
				})
			}
		}
	})
}

func TestTxWithReadOnlyRefusesWrites(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		exs := map[string]sqlt.Executor{"sqlt.Open": db}
		if db.Name == "postgres" {
			exs = pgExecutors(t, db)
		}
		for name, ex := range exs {
			t.Run(name, func(t *testing.T) {
				n := countThings(t, db)
				var read int
				err := sqlt.TxWith(ctx, ex, sqlt.TxOptions{ReadOnly: true}, func(tx sqlt.Executor) error {
					read = countThings(t, tx)
					_, err := tx.Exec(ctx, `insert into things (name) values ('no')`)
					return err
				})
				require.Error(t, err)
				assert.Equal(t, n, read, "reads work")
				switch db.Name {
				case "postgres":
					assert.Equal(t, "25006", pgCode(err), "read_only_sql_transaction: %v", err)
				case "mysql":
					var myErr *mysql.MySQLError
					require.ErrorAs(t, err, &myErr)
					assert.Equal(t, uint16(1792), myErr.Number, "ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: %v", err)
				default:
					assert.Contains(t, err.Error(), "readonly")
				}
				// The connection is writable again afterwards (in memory,
				// there is only one).
				require.NoError(t, sqlt.TxWith(ctx, ex, sqlt.TxOptions{ReadOnly: true}, func(tx sqlt.Executor) error {
					countThings(t, tx)
					return nil
				}))
				require.NoError(t, sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
					_, err := tx.Exec(ctx, `insert into things (name) values ('yes')`)
					return err
				}))
				_, err = ex.Exec(ctx, `insert into things (name) values ('yes')`)
				require.NoError(t, err)
				assert.Equal(t, n+2, countThings(t, db))
			})
		}
	})
}

func TestTxWithRefusesBadOptions(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		called := false
		fn := func(sqlt.Executor) error { called = true; return nil }
		for name, opts := range map[string]sqlt.TxOptions{
			"negative MaxRetries": {MaxRetries: -1},
			"unknown isolation":   {Isolation: sqlt.IsolationLevel(42)},
		} {
			t.Run(name, func(t *testing.T) {
				db.Counter.Reset()
				err := sqlt.TxWith(ctx, db, opts, fn)
				assert.ErrorIs(t, err, sqlt.ErrTxOptions)
				assert.False(t, called)
				assert.Zero(t, db.Counter.Count(), db.Counter.String())
			})
		}
		t.Run("nil executor", func(t *testing.T) {
			assert.ErrorIs(t, sqlt.TxWith(ctx, nil, sqlt.TxOptions{}, fn), sqlt.ErrNilValue)
		})

		// Inside a transaction, a savepoint cannot change the isolation
		// level or make the transaction read-only.
		nested := map[string]struct{ outer, inner sqlt.TxOptions }{
			"another isolation":               {sqlt.TxOptions{Isolation: sqlt.RepeatableRead}, sqlt.TxOptions{Isolation: sqlt.Serializable}},
			"an isolation inside the default": {sqlt.TxOptions{}, sqlt.TxOptions{Isolation: sqlt.ReadCommitted}},
			"read-only inside read-write":     {sqlt.TxOptions{}, sqlt.TxOptions{ReadOnly: true}},
		}
		for name, c := range nested {
			t.Run(name, func(t *testing.T) {
				var innerErr error
				err := sqlt.TxWith(ctx, db, c.outer, func(tx sqlt.Executor) error {
					db.Counter.Reset()
					innerErr = sqlt.TxWith(ctx, tx, c.inner, fn)
					assert.Zero(t, db.Counter.Count(), db.Counter.String())
					return nil
				})
				require.NoError(t, err)
				assert.ErrorIs(t, innerErr, sqlt.ErrTxOptions)
				assert.False(t, called)
			})
		}
		t.Run("same or zero options inside", func(t *testing.T) {
			outer := sqlt.TxOptions{Isolation: sqlt.RepeatableRead, ReadOnly: true}
			require.NoError(t, sqlt.TxWith(ctx, db, outer, func(tx sqlt.Executor) error {
				require.NoError(t, sqlt.TxWith(ctx, tx, outer, fn))
				return sqlt.TxWith(ctx, tx, sqlt.TxOptions{MaxRetries: 3}, fn)
			}))
			assert.True(t, called)
			called = false
		})
		if db.Name == "sqlite" && !db.File {
			return
		}
		t.Run("options on a caller's transaction", func(t *testing.T) {
			var handle *sqlt.DB
			if db.Name == "postgres" {
				sdb, err := sql.Open("pgx", pgDSN(t, db))
				require.NoError(t, err)
				defer sdb.Close()
				stx, err := sdb.BeginTx(ctx, nil)
				require.NoError(t, err)
				defer stx.Rollback()
				handle = sqlt.FromTx(stx, sqlt.Postgres)
			} else if db.Name == "mysql" {
				stx, err := db.MySQLSQLDB(t).BeginTx(ctx, nil)
				require.NoError(t, err)
				defer stx.Rollback()
				handle = sqlt.FromTx(stx, sqlt.MariaDB)
			} else {
				sdb, err := sql.Open("sqlite3", db.DSN)
				require.NoError(t, err)
				defer sdb.Close()
				stx, err := sdb.BeginTx(ctx, nil)
				require.NoError(t, err)
				defer stx.Rollback()
				handle = sqlt.FromTx(stx, sqlt.SQLite)
			}
			err := sqlt.TxWith(ctx, handle, sqlt.TxOptions{Isolation: sqlt.Serializable}, fn)
			assert.ErrorIs(t, err, sqlt.ErrTxOptions)
			assert.False(t, called)
		})
	})
}

// pgDSN is the test database's DSN for pgx's database/sql driver.
func pgDSN(t *testing.T, db *testdb.DB) string {
	u, err := url.Parse(db.DSN)
	require.NoError(t, err)
	q := u.Query()
	q.Del("pool_max_conns") // a pgxpool option, not a server parameter
	u.RawQuery = q.Encode()
	return u.String()
}

package sqlt_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

// deadlockTable makes a table with rows 1 and 2 on MySQL.
func deadlockTable(t *testing.T) *testdb.DB {
	t.Helper()
	db := testdb.MySQL(t)
	db.MustExec(t, `create table pair (id bigint primary key, n bigint not null)`,
		`insert into pair (id, n) values (1, 0), (2, 0)`)
	return db
}

// crossUpdate updates row first, waits until the other transaction has
// updated its own first row (ready), then updates row second: two of them
// with crossed rows deadlock, and InnoDB rolls one back (error 1213).
func crossUpdate(ctx context.Context, tx sqlt.Executor, first, second int64, mine, theirs chan struct{}) error {
	if _, err := tx.Exec(ctx, `update pair set n = n + 1 where id = ?`, first); err != nil {
		return err
	}
	close(mine)
	<-theirs
	_, err := tx.Exec(ctx, `update pair set n = n + 1 where id = ?`, second)
	return err
}

// InnoDB rolls the whole transaction back on a deadlock: the statement's
// error and every later use of the transaction match ErrTxLost, with the
// driver's 1213 kept.
func TestMySQLDeadlockLosesTheTransaction(t *testing.T) {
	ctx := context.Background()
	db := deadlockTable(t)
	a, b := make(chan struct{}), make(chan struct{})
	txs := make([]*sqlt.Transaction, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, rows := range [][2]int64{{1, 2}, {2, 1}} {
		tx, err := db.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		txs[i] = tx
		mine, theirs := a, b
		if i == 1 {
			mine, theirs = b, a
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = crossUpdate(ctx, tx, rows[0], rows[1], mine, theirs)
		}()
	}
	// The survivor waits for the victim's rollback, which InnoDB does at
	// once: both calls return.
	wg.Wait()
	victim := 0
	if errs[0] == nil {
		victim = 1
	}
	require.NoError(t, errs[1-victim], "one transaction survives")
	err := errs[victim]
	require.Error(t, err, "one is the deadlock's victim")
	var myErr *mysql.MySQLError
	require.ErrorAs(t, err, &myErr)
	assert.Equal(t, uint16(1213), myErr.Number)
	assert.ErrorIs(t, err, sqlt.ErrTxLost)
	assert.True(t, sqlt.Retryable(err))

	tx := txs[victim]
	_, err = tx.Exec(ctx, `update pair set n = 100 where id = 1`)
	assert.ErrorIs(t, err, sqlt.ErrTxLost, "no statement runs outside the transaction")
	_, err = tx.Begin(ctx)
	assert.ErrorIs(t, err, sqlt.ErrTxLost)
	assert.ErrorIs(t, tx.Commit(ctx), sqlt.ErrTxLost)
	require.NoError(t, txs[1-victim].Commit(ctx))

	rows, err := db.Query(ctx, `select n from pair order by id`)
	require.NoError(t, err)
	ns, err := sqlt.ScanAll[int64](rows)
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 1}, ns, "only the survivor's updates")
}

// TxWith with retries runs the deadlock's victim again: both functions
// commit, the victim's on its second try.
func TestMySQLTxWithRetriesADeadlock(t *testing.T) {
	ctx := context.Background()
	db := deadlockTable(t)
	a, b := make(chan struct{}), make(chan struct{})
	var tries atomic.Int32
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, rows := range [][2]int64{{1, 2}, {2, 1}} {
		mine, theirs := a, b
		if i == 1 {
			mine, theirs = b, a
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			errs[i] = sqlt.TxWith(ctx, db, sqlt.TxOptions{MaxRetries: 3}, func(tx sqlt.Executor) error {
				tries.Add(1)
				if !first {
					_, err := tx.Exec(ctx, `update pair set n = n + 1 where id in (?, ?)`, rows[0], rows[1])
					return err
				}
				first = false
				return crossUpdate(ctx, tx, rows[0], rows[1], mine, theirs)
			})
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	assert.Equal(t, int32(3), tries.Load(), "the victim ran twice, the survivor once")
	rows, err := db.Query(ctx, `select n from pair order by id`)
	require.NoError(t, err)
	ns, err := sqlt.ScanAll[int64](rows)
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 2}, ns, "both committed")
}

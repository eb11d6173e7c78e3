package sqlt_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// cancelAfter is a hook that cancels its context once a statement whose
// SQL contains "sleep" has ended.
type cancelAfter struct{ cancel context.CancelFunc }

func (h cancelAfter) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (h cancelAfter) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	if strings.Contains(q.SQL, "sleep") {
		h.cancel()
	}
}

// The server's "query execution was interrupted" (1317) for a statement
// whose context ended matches ctx's error, and keeps the driver's error:
// the statement is interrupted by a KILL QUERY and the context is
// cancelled before relkit returns (by a hook), the order in which a
// server-side interrupt and a cancel can meet.
func TestMySQLInterruptedStatementMatchesTheCancelledContext(t *testing.T) {
	db := testdb.MySQL(t)
	// A SLEEP that is the whole statement returns 1 when killed; one of
	// several rows makes the statement fail.
	db.MustExec(t, `create table slept (n bigint)`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tx, err := db.WithHook(cancelAfter{cancel}).Begin(context.Background())
	require.NoError(t, err)
	defer tx.Rollback(context.Background())
	rows, err := tx.Query(ctx, "select connection_id()")
	require.NoError(t, err)
	id, err := sqlt.ScanOne[int64](rows)
	require.NoError(t, err)
	timer := time.AfterFunc(200*time.Millisecond, func() {
		_, err := db.Exec(context.Background(), "kill query ?", id)
		assert.NoError(t, err)
	})
	defer timer.Stop()
	_, err = tx.Exec(ctx, "insert into slept (n) select sleep(20) from (select 1 union all select 2) as two")
	require.Error(t, err)
	var myErr *mysql.MySQLError
	require.ErrorAs(t, err, &myErr)
	assert.Equal(t, uint16(1317), myErr.Number, "ER_QUERY_INTERRUPTED: %v", err)
	assert.ErrorIs(t, err, context.Canceled)
}

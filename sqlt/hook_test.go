package sqlt_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

type traceKey struct{}

// traceHook records statements and transaction boundaries in order, and
// checks that the context BeforeTx returns is the one AfterTx gets.
type traceHook struct {
	mu     sync.Mutex
	events []string
	errs   map[string]error
	lostCx int // AfterTx calls that did not get BeforeTx's context
}

func (h *traceHook) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }

func (h *traceHook) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, q.SQL)
}

func (h *traceHook) BeforeTx(ctx context.Context, t sqlt.TxStart) context.Context {
	return context.WithValue(ctx, traceKey{}, t.Op)
}

func (h *traceHook) AfterTx(ctx context.Context, t sqlt.TxEnd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Value(traceKey{}) != t.Op {
		h.lostCx++
	}
	h.events = append(h.events, "tx:"+string(t.Op))
	if t.Err != nil {
		if h.errs == nil {
			h.errs = map[string]error{}
		}
		h.errs[string(t.Op)] = t.Err
	}
}

func (h *traceHook) trace() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

func TestTxHookSeesTransactionBoundariesAroundStatements(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null)`)
		h := &traceHook{}
		ex := db.WithHook(h)
		ins := db.Dialect().Rebind(`insert into things (name) values (?)`)
		failed := errors.New("inner fails")
		err := sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			if _, err := tx.Exec(ctx, `insert into things (name) values (?)`, "kept"); err != nil {
				return err
			}
			if err := sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error { return nil }); err != nil {
				return err
			}
			err := sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
				if _, err := tx.Exec(ctx, `insert into things (name) values (?)`, "undone"); err != nil {
					return err
				}
				return failed
			})
			require.ErrorIs(t, err, failed)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, []string{
			"tx:begin", ins,
			"tx:savepoint", "tx:release savepoint",
			"tx:savepoint", ins, "tx:rollback to savepoint",
			"tx:commit",
		}, h.trace())
		assert.Zero(t, h.lostCx, "AfterTx gets the context BeforeTx returned")
		assert.Empty(t, h.errs)
		// The statement counter of the tests is a plain Hook: boundaries are
		// not statements.
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())

		h2 := &traceHook{}
		err = sqlt.Tx(ctx, db.WithHook(h2), func(tx sqlt.Executor) error { return failed })
		require.ErrorIs(t, err, failed)
		assert.Equal(t, []string{"tx:begin", "tx:rollback"}, h2.trace())
	})
}

func TestTxHookSeesTheRollbackOfACancelledCommit(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		h := &traceHook{}
		ctx, cancel := context.WithCancel(context.Background())
		tx, err := db.WithHook(h).Begin(ctx)
		require.NoError(t, err)
		cancel()
		require.ErrorIs(t, tx.Commit(ctx), context.Canceled)
		assert.Equal(t, []string{"tx:begin", "tx:rollback"}, h.trace())
		assert.Zero(t, h.lostCx)
	})
}

func TestTxHookReportsAFailedBoundary(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		if db.Name == "mysql" {
			// No deferrable constraints: the commit of a killed session
			// fails instead.
			db.MustExec(t, `create table children (id {{pk}}, parent_id bigint not null)`)
		} else {
			db.MustExec(t, `create table parents (id {{pk}})`,
				`create table children (id {{pk}}, parent_id bigint not null references parents (id) deferrable initially deferred)`)
		}
		h := &traceHook{}
		err := sqlt.Tx(ctx, db.WithHook(h), func(tx sqlt.Executor) error {
			_, err := tx.Exec(ctx, `insert into children (parent_id) values (?)`, 42)
			if err == nil && db.Name == "mysql" {
				killConn(t, db, tx)
			}
			return err
		})
		require.Error(t, err, "the commit fails")
		tr := h.trace()
		require.NotEmpty(t, tr)
		assert.Equal(t, "tx:commit", tr[len(tr)-1])
		require.Error(t, h.errs["commit"])
		assert.ErrorIs(t, err, h.errs["commit"], "the hook sees the driver's error the caller gets")
	})
}

func TestTxHookSeesASavepointOnACallersTransaction(t *testing.T) {
	sdb, err := sql.Open("sqlite3", ":memory:")
	require.NoError(t, err)
	defer sdb.Close()
	sdb.SetMaxOpenConns(1)
	ctx := context.Background()
	stx, err := sdb.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer stx.Rollback()
	h := &traceHook{}
	err = sqlt.Tx(ctx, sqlt.FromTx(stx, sqlt.SQLite).WithHook(h), func(tx sqlt.Executor) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"tx:savepoint", "tx:release savepoint"}, h.trace())
}

// panicHook panics in BeforeTx or AfterTx of one transaction boundary.
type panicHook struct {
	op    sqlt.TxOp
	after bool
}

func (panicHook) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (panicHook) AfterQuery(context.Context, sqlt.QueryEnd)                          {}

func (h panicHook) BeforeTx(ctx context.Context, t sqlt.TxStart) context.Context {
	if !h.after && t.Op == h.op {
		panic("hook panics before " + string(t.Op))
	}
	return ctx
}

func (h panicHook) AfterTx(_ context.Context, t sqlt.TxEnd) {
	if h.after && t.Op == h.op {
		panic("hook panics after " + string(t.Op))
	}
}

func TestTxHookPanicDoesNotLeaveTheTransactionOpen(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table things (id bigint primary key)`)
		failed := errors.New("fn fails")
		for i, h := range []panicHook{
			{op: sqlt.TxBegin, after: true},
			{op: sqlt.TxCommit},
			{op: sqlt.TxRollback},
			{op: sqlt.TxSavepoint, after: true},
			{op: sqlt.TxRelease},
			{op: sqlt.TxRollbackTo},
		} {
			id := i + 1 // a row of its own for each case
			name := string(h.op)
			if h.after {
				name = "after " + name
			}
			t.Run(name, func(t *testing.T) {
				// A leaked transaction would hold the in-memory database's
				// only connection: every wait here is bounded.
				ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				fn := func(tx sqlt.Executor) error {
					if _, err := tx.Exec(ctx, `insert into things (id) values (?)`, id); err != nil {
						return err
					}
					if h.op == sqlt.TxRollback {
						return failed
					}
					return nil
				}
				if h.op == sqlt.TxSavepoint || h.op == sqlt.TxRelease || h.op == sqlt.TxRollbackTo {
					outer := fn
					fn = func(tx sqlt.Executor) error {
						return sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
							if err := outer(tx); err != nil {
								return err
							}
							if h.op == sqlt.TxRollbackTo {
								return failed
							}
							return nil
						})
					}
				}
				require.Panics(t, func() { _ = sqlt.Tx(ctx, db.WithHook(h), fn) })
				// The panicking transaction ended: its row is not there, and
				// the database (one connection in memory) still takes writes.
				_, err := db.Exec(ctx, `insert into things (id) values (?)`, id)
				require.NoError(t, err, "the transaction the hook panicked in was rolled back")
			})
		}
	})
}

package sqlt

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Hook observes statements. BeforeQuery runs before a statement is sent and
// may return a derived context (for tracing spans); AfterQuery runs when the
// statement has finished: for a query, when its rows are closed. Hooks see
// every statement relkit sends — SELECT, INSERT, UPDATE, DELETE. A hook
// that also implements [TxHook] sees transaction boundaries (BEGIN, COMMIT,
// ROLLBACK, savepoints) too, through its own methods, so statement counts
// and logs of plain hooks never include them.
//
// Hooks must be safe for concurrent use.
type Hook interface {
	BeforeQuery(ctx context.Context, q QueryStart) context.Context
	AfterQuery(ctx context.Context, q QueryEnd)
}

// QueryStart describes a statement about to run.
type QueryStart struct {
	SQL  string // as sent, placeholders in the dialect's form
	Args []any
	// Query is true for a statement run with Query, false for one run
	// with Exec (as in QueryEnd).
	Query bool
}

// QueryEnd describes a finished statement.
type QueryEnd struct {
	SQL      string
	Args     []any
	Duration time.Duration
	// Rows is the number of rows read (queries) or affected (exec).
	Rows int64
	// Query is true for a statement run with Query (Rows counts the rows
	// read) and false for one run with Exec (Rows counts the rows affected).
	Query bool
	Err   error
}

// TxHook is an optional interface of a [Hook]: a hook that implements it
// is also told when a transaction or savepoint begins and ends, so a log or
// trace shows the transaction boundaries around the statements. BeforeTx
// runs before the driver is asked and may return a derived context, which
// is then passed to AfterTx; AfterTx runs when the driver has answered.
//
// Hooks must be safe for concurrent use.
type TxHook interface {
	Hook
	BeforeTx(ctx context.Context, t TxStart) context.Context
	AfterTx(ctx context.Context, t TxEnd)
}

// TxOp names a transaction boundary.
type TxOp string

// The transaction boundaries reported to a [TxHook]. The values are the
// SQL they stand for, lower case; the exact text sent is the driver's
// (database/sql drivers and pgx write their own BEGIN, and name their own
// savepoints).
const (
	TxBegin      TxOp = "begin"
	TxCommit     TxOp = "commit"
	TxRollback   TxOp = "rollback"
	TxSavepoint  TxOp = "savepoint"             // Begin on a transaction
	TxRelease    TxOp = "release savepoint"     // Commit of a savepoint
	TxRollbackTo TxOp = "rollback to savepoint" // Rollback of a savepoint
)

// TxStart describes a transaction boundary about to be sent.
type TxStart struct {
	Op TxOp
}

// TxEnd describes a transaction boundary the driver has answered.
type TxEnd struct {
	Op       TxOp
	Duration time.Duration
	Err      error
}

// HookFunc adapts a function to a [Hook] that only observes finished
// statements.
type HookFunc func(ctx context.Context, q QueryEnd)

// BeforeQuery implements Hook; it does nothing.
func (HookFunc) BeforeQuery(ctx context.Context, _ QueryStart) context.Context { return ctx }

// AfterQuery implements Hook by calling f.
func (f HookFunc) AfterQuery(ctx context.Context, q QueryEnd) { f(ctx, q) }

func hookStart(ctx context.Context, hooks []Hook, sql string, args []any, query bool) context.Context {
	for _, h := range hooks {
		ctx = h.BeforeQuery(ctx, QueryStart{SQL: sql, Args: args, Query: query})
	}
	return ctx
}

func hookEnd(ctx context.Context, hooks []Hook, e QueryEnd) {
	for _, h := range hooks {
		h.AfterQuery(ctx, e)
	}
}

// hookTx runs the transaction boundary op through fn, reporting it to the
// hooks that implement [TxHook]. fn gets the context the hooks returned.
func hookTx(ctx context.Context, hooks []Hook, op TxOp, fn func(ctx context.Context) error) error {
	var txHooks []TxHook
	for _, h := range hooks {
		if th, ok := h.(TxHook); ok {
			txHooks = append(txHooks, th)
		}
	}
	if len(txHooks) == 0 {
		return fn(ctx)
	}
	for _, h := range txHooks {
		ctx = h.BeforeTx(ctx, TxStart{Op: op})
	}
	start := time.Now()
	err := fn(ctx)
	e := TxEnd{Op: op, Duration: time.Since(start), Err: err}
	for _, h := range txHooks {
		h.AfterTx(ctx, e)
	}
	return err
}

// nestedConn reports whether begin on c opens a savepoint: c is a
// caller's transaction adapted with [FromTx] or [FromPgx].
func nestedConn(c driverConn) bool {
	switch c := c.(type) {
	case *sqlTx:
		return true
	case pgxConn:
		_, isTx := c.q.(pgx.Tx)
		return isTx
	}
	return false
}

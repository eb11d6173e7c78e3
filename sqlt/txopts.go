package sqlt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// IsolationLevel is a transaction's isolation level, for [TxOptions].
//
// On PostgreSQL each level is the one of the same name. SQLite has a
// single one, serializable (one writer at a time; a reader sees the
// snapshot it started with), which satisfies every level: any level is
// accepted there and means serializable.
type IsolationLevel int

const (
	// IsolationDefault leaves the level to the database (read committed
	// on PostgreSQL, unless the server or session says otherwise).
	IsolationDefault IsolationLevel = iota
	// ReadCommitted: each statement sees the rows committed before it began.
	ReadCommitted
	// RepeatableRead: every statement sees the snapshot taken at the
	// transaction's first statement.
	RepeatableRead
	// Serializable: the outcome is that of some serial order of the
	// committed transactions; PostgreSQL fails one of two conflicting
	// transactions with a serialization failure (SQLSTATE 40001), often at
	// COMMIT, which [TxOptions.MaxRetries] retries.
	Serializable
)

// String names the level as SQL does ("read committed"…; "default").
func (l IsolationLevel) String() string {
	switch l {
	case IsolationDefault:
		return "default"
	case ReadCommitted:
		return "read committed"
	case RepeatableRead:
		return "repeatable read"
	case Serializable:
		return "serializable"
	}
	return fmt.Sprintf("IsolationLevel(%d)", int(l))
}

// TxOptions are the options of [TxWith]. The zero value is what [Tx] uses:
// the database's default isolation, read-write, no retries.
type TxOptions struct {
	// Isolation is the transaction's isolation level.
	Isolation IsolationLevel
	// ReadOnly makes the transaction refuse writes: on PostgreSQL it is a
	// READ ONLY transaction; on SQLite (whose driver ignores the flag)
	// relkit sets PRAGMA query_only on the transaction's connection until
	// it ends, so a write fails with "attempt to write a readonly database".
	ReadOnly bool
	// MaxRetries is how many times fn runs again after the transaction
	// failed with an error that a new try can cure (see [Retryable]).
	// Zero means one try. Negative values are refused.
	MaxRetries int
}

// ErrTxOptions is matched by the errors of [TxWith] options it refuses:
// a negative MaxRetries, an unknown isolation level, and, on an executor
// that is already a transaction, an isolation level or read-only mode
// other than the outer transaction's (a savepoint cannot change them).
var ErrTxOptions = errors.New("relkit: invalid transaction options")

// Backoff between tries of [TxWith]: the n-th retry waits a random time
// between half and all of retryBase·2ⁿ⁻¹, capped at retryCap.
const (
	retryBase = 10 * time.Millisecond
	retryCap  = time.Second
)

// TxWith runs fn inside a transaction on ex begun with opts: it commits
// when fn returns nil and rolls back when fn returns an error or panics
// (the panic is then re-raised), as [Tx] does.
//
// With opts.MaxRetries = n, when the transaction fails with an error that
// [Retryable] accepts — at BEGIN, in a statement of fn, or at COMMIT —
// TxWith rolls it back, waits (a jittered exponential backoff, from about
// 10 ms up to 1 s, cut short by ctx) and runs fn again in a new
// transaction, up to n more times. fn must therefore be safe to run more
// than once: keep effects outside the database (sending mail, counters in
// memory) after TxWith returns. The error after the last try wraps the
// error of that try (errors.As finds the *pgconn.PgError or sqlite3.Error)
// and says how many tries were made; a cancelled ctx ends the retries with
// an error matching ctx's error and the last failure.
//
// When ex is already a transaction (a [*Transaction], or a handle that
// [FromTx] or [FromPgx] made on a caller's transaction), fn runs inside a
// savepoint, and TxWith never retries on its own: a serialization failure
// or deadlock aborts the whole transaction, so only the outermost TxWith
// can run it again, and it does when it has MaxRetries. There opts must
// keep the outer transaction's Isolation and ReadOnly (or leave them zero);
// anything else is refused with [ErrTxOptions] before any statement.
// MaxRetries is ignored there, so a function using TxWith with retries
// composes with a caller's transaction.
func TxWith(ctx context.Context, ex Executor, opts TxOptions, fn func(tx Executor) error) error {
	if ex == nil {
		return fmt.Errorf("transaction: %w", ErrNilValue)
	}
	if opts.MaxRetries < 0 {
		return fmt.Errorf("transaction: %w: MaxRetries is %d, want 0 or more", ErrTxOptions, opts.MaxRetries)
	}
	if opts.Isolation < IsolationDefault || opts.Isolation > Serializable {
		return fmt.Errorf("transaction: %w: unknown isolation level %d", ErrTxOptions, int(opts.Isolation))
	}
	var begin func() (*Transaction, error)
	retries := opts.MaxRetries
	// The cases match *Transaction and *DB, and types that embed them.
	switch e := ex.(type) {
	case interface{ options() TxOptions }:
		if err := nestedOptions(opts, e.options()); err != nil {
			return fmt.Errorf("transaction: %w", err)
		}
		return runTx(ctx, func() (*Transaction, error) { return ex.Begin(ctx) }, fn)
	case interface {
		begin(context.Context, TxOptions) (*Transaction, error)
		inTx() bool
	}:
		if e.inTx() {
			retries = 0 // the caller's transaction is the outermost
		}
		begin = func() (*Transaction, error) { return e.begin(ctx, opts) }
	default:
		if opts.Isolation != IsolationDefault || opts.ReadOnly {
			return fmt.Errorf("transaction: %w: %T cannot begin a transaction with options", ErrTxOptions, ex)
		}
		begin = func() (*Transaction, error) { return ex.Begin(ctx) }
	}
	for try := 1; ; try++ {
		err := runTx(ctx, begin, fn)
		if err == nil {
			return nil
		}
		if try > retries || ctx.Err() != nil || !Retryable(err) {
			if try > 1 {
				return fmt.Errorf("transaction failed after %d tries: %w", try, err)
			}
			return err
		}
		if werr := sleepCtx(ctx, backoff(try)); werr != nil {
			return fmt.Errorf("transaction: retry after %d tries: %w", try, errors.Join(werr, err))
		}
	}
}

// Retryable reports whether err says that a transaction failed only
// because of other transactions running at the same time, so that running
// it again may succeed: a PostgreSQL serialization failure (SQLSTATE
// 40001) or deadlock (40P01), or SQLite's SQLITE_BUSY or SQLITE_LOCKED
// (the database or a table was locked past the busy timeout), or MySQL's
// deadlock (1213) or lock wait timeout (1205). [TxWith] retries these.
func Retryable(err error) bool {
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqliteErr sqlite3.Error
	if errors.As(err, &sqliteErr) {
		return sqliteErr.Code == sqlite3.ErrBusy || sqliteErr.Code == sqlite3.ErrLocked
	}
	code := mysqlCode(err)
	return code == mysqlDeadlock || code == mysqlLockWaitTimeout
}

// backoff is the wait before retry n (1 for the first).
func backoff(n int) time.Duration {
	d := retryCap
	if n < 8 { // retryBase<<7 already exceeds retryCap
		d = min(retryBase<<(n-1), retryCap)
	}
	return d/2 + rand.N(d/2+1)
}

// sleepCtx waits d, or until ctx ends (then returning its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// nestedOptions checks the options of a TxWith inside a transaction begun
// with outer: a savepoint keeps the transaction's isolation and mode.
func nestedOptions(opts, outer TxOptions) error {
	if opts.Isolation != IsolationDefault && opts.Isolation != outer.Isolation {
		return fmt.Errorf("%w: a savepoint cannot run at %s inside a transaction at %s", ErrTxOptions, opts.Isolation, outer.Isolation)
	}
	if opts.ReadOnly && !outer.ReadOnly {
		return fmt.Errorf("%w: a savepoint cannot be read-only inside a read-write transaction", ErrTxOptions)
	}
	return nil
}

// savepointOptions refuses, on a handle over a caller's transaction
// (whose options relkit cannot see), options a savepoint cannot take.
func savepointOptions(opts TxOptions) error {
	if opts.Isolation != IsolationDefault || opts.ReadOnly {
		return fmt.Errorf("%w: a savepoint inside a caller's transaction cannot set the isolation level or read-only mode", ErrTxOptions)
	}
	return nil
}

// options are the options the transaction was begun with.
func (tx *Transaction) options() TxOptions { return tx.state.opts }

// inTx reports whether the handle was made on a caller's transaction
// ([FromTx], or [FromPgx] on a pgx.Tx): Begin on it opens a savepoint.
func (db *DB) inTx() bool { return nestedConn(db.conn) }

// sqlTxOptions maps opts to database/sql's. On SQLite the driver is given
// none: every level is serializable there, and go-sqlite3 ignores the
// read-only flag (relkit sets PRAGMA query_only instead, see TxOptions).
func sqlTxOptions(opts TxOptions, sqlite bool) *sql.TxOptions {
	if sqlite {
		return nil
	}
	levels := map[IsolationLevel]sql.IsolationLevel{
		IsolationDefault: sql.LevelDefault,
		ReadCommitted:    sql.LevelReadCommitted,
		RepeatableRead:   sql.LevelRepeatableRead,
		Serializable:     sql.LevelSerializable,
	}
	return &sql.TxOptions{Isolation: levels[opts.Isolation], ReadOnly: opts.ReadOnly}
}

// setQueryOnly turns SQLite's PRAGMA query_only on or off.
func setQueryOnly(q sqlQuerier, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	if _, err := q.ExecContext(context.Background(), "PRAGMA query_only = "+v); err != nil {
		return fmt.Errorf("read-only transaction: %w", err)
	}
	return nil
}

// endQueryOnly resets PRAGMA query_only before a read-only SQLite
// transaction ends, so its connection goes back to the pool writable.
func (t *sqlTx) endQueryOnly() error {
	if !t.queryOnly {
		return nil
	}
	return setQueryOnly(t.tx, false)
}

// pgxBegin begins a transaction with opts on a pool or connection, or a
// savepoint (without options) on a pgx.Tx.
func pgxBegin(ctx context.Context, q PgxQuerier, opts TxOptions) (pgx.Tx, error) {
	b, ok := q.(interface {
		BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
	})
	if !ok {
		if err := savepointOptions(opts); err != nil {
			return nil, err
		}
		return q.Begin(ctx)
	}
	levels := map[IsolationLevel]pgx.TxIsoLevel{
		ReadCommitted:  pgx.ReadCommitted,
		RepeatableRead: pgx.RepeatableRead,
		Serializable:   pgx.Serializable,
	}
	o := pgx.TxOptions{IsoLevel: levels[opts.Isolation]}
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	return b.BeginTx(ctx, o)
}

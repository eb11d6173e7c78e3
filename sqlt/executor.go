package sqlt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Executor runs SQL. Everything in relkit that talks to a database takes an
// Executor as its second argument, after the context. [*DB] and [*Transaction]
// implement it; obtain one with [Open] or one of the adapters ([FromDB],
// [FromTx], [FromConn], [FromPgx]).
//
// Statements are written with "?" placeholders; the executor's dialect
// rewrites them (to $1, $2, … on PostgreSQL) before they are sent.
type Executor interface {
	// Dialect is the SQL dialect of the database behind the executor.
	Dialect() Dialect
	// Query runs a statement that returns rows. The caller must close them.
	Query(ctx context.Context, query string, args ...any) (*Rows, error)
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, query string, args ...any) (Result, error)
	// Begin starts a transaction, or a savepoint inside one.
	Begin(ctx context.Context) (*Transaction, error)
}

// Result is what Exec reports.
type Result struct {
	// RowsAffected is the number of rows inserted, updated or deleted.
	RowsAffected int64
	// LastInsertID is the key the database generated for the last row an
	// INSERT wrote, where the driver reports one (MySQL, SQLite; on MySQL
	// the first row's key for a multi-row INSERT); 0 otherwise.
	// PostgreSQL reports none: use RETURNING.
	LastInsertID int64
}

// driverConn is the small surface relkit needs from a database driver.
// The adapters in this package implement it for database/sql and pgx.
type driverConn interface {
	query(ctx context.Context, sql string, args []any) (driverRows, error)
	exec(ctx context.Context, sql string, args []any) (Result, error)
	// begin starts a transaction with opts; on a transaction it opens a
	// savepoint, and refuses opts that a savepoint cannot honour.
	begin(ctx context.Context, opts TxOptions) (driverTx, error)
}

type driverTx interface {
	driverConn
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
	// lost reports, after a statement failed, whether the database ended
	// the whole transaction on its own.
	lost() bool
}

type driverRows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// DB is a database handle: a connection pool (or connection) with a
// dialect and query hooks. It is safe for concurrent use.
type DB struct {
	conn    driverConn
	dialect Dialect
	hooks   []Hook
	lax     bool // IgnoreUnknownColumns
	close   func() error
}

// Dialect returns the database's SQL dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// WithHook returns a handle on the same database that also reports every
// statement to h. The receiver is not changed.
func (db *DB) WithHook(h Hook) *DB {
	c := *db
	c.hooks = append(c.hooks[:len(c.hooks):len(c.hooks)], h)
	c.close = nil // only the original handle owns the pool
	return &c
}

// IgnoreUnknownColumns returns a handle on the same database whose scans
// drop result columns that the destination struct does not map, instead of
// failing with an *UnmappedResultColumnError. Scanning is strict by default
// because an unmapped column is usually a typo in a `db` tag; use this for
// tables with columns your structs deliberately leave out (or select the
// columns you need). Transactions begun on the handle inherit the setting.
func (db *DB) IgnoreUnknownColumns() *DB {
	c := *db
	c.lax = true
	c.close = nil
	return &c
}

// Close closes the pool if this handle opened it (through [Open]). Handles
// made by adapters, or by WithHook, leave the pool to its owner.
func (db *DB) Close() error {
	if db.close == nil {
		return nil
	}
	return db.close()
}

// Query runs a statement that returns rows.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	return doQuery(ctx, db.conn, db.dialect, db.hooks, db.lax, query, args)
}

// Exec runs a statement that returns no rows.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	return doExec(ctx, db.conn, db.dialect, db.hooks, query, args)
}

// Begin starts a transaction. ctx bounds the wait for a connection and
// every statement run with it, but not the transaction's life: a
// transaction whose context is cancelled stays open until Commit or
// Rollback (which [Tx] always calls), so cancelling never closes the
// connection under it, nor loses an in-memory SQLite database.
//
// On a SQLite file the BEGIN itself (BEGIN IMMEDIATE with [Open]'s
// defaults) waits for the write lock under the busy timeout, not under
// ctx: a deadline shorter than the time another writer holds the lock is
// reported by the first statement after BEGIN returns, or BEGIN fails with
// "database is locked" once the busy timeout (5 s by default) has passed.
func (db *DB) Begin(ctx context.Context) (*Transaction, error) {
	return db.begin(ctx, TxOptions{})
}

// begin is Begin with the options of [TxWith].
func (db *DB) begin(ctx context.Context, opts TxOptions) (*Transaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	nested := nestedConn(db.conn)
	var t driverTx
	defer abortOnPanic(ctx, &t)
	err := hookTx(ctx, db.hooks, beginOp(nested), func(ctx context.Context) (err error) {
		t, err = db.conn.begin(ctx, opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Transaction{conn: t, dialect: db.dialect, hooks: db.hooks, lax: db.lax, savepoint: nested, state: &txShared{opts: opts}}, nil
}

// Transaction is a transaction (or a savepoint inside one). It is an [Executor]:
// pass it wherever a *DB goes. Calling Begin on a Transaction opens a savepoint.
// A Transaction must not be used by several goroutines at once.
type Transaction struct {
	conn    driverTx
	dialect Dialect
	hooks   []Hook
	lax     bool
	done    bool
	// savepoint: Commit releases and Rollback rolls back to a savepoint.
	savepoint bool
	state     *txShared // shared with the transaction's savepoints
}

// txShared is what a transaction and its savepoints know together.
type txShared struct {
	// lost is set when the database ended the transaction on its own: it
	// wraps ErrTxLost and the error of the statement that ended it.
	lost error
	// opts are the options the transaction was begun with (see TxWith).
	opts TxOptions
}

// ErrTxLost is matched by the errors of a transaction that the database
// rolled back on its own, and by every later use of it. SQLite rolls back
// the whole transaction, savepoints included, when a constraint declared
// ON CONFLICT ROLLBACK fails, on RAISE(ROLLBACK) in a trigger, and on some
// I/O and interrupt errors; it would then run later statements outside any
// transaction. relkit notices it after the failing statement (whose error
// then also matches ErrTxLost) and refuses every later statement, savepoint
// and Commit of that transaction, so nothing after the failure is written
// on its own. MySQL and MariaDB roll back the whole transaction on a
// deadlock (error 1213), which relkit reports the same way. Rollback of a
// lost transaction succeeds: nothing is left to undo.
var ErrTxLost = errors.New("relkit: the database rolled back the transaction")

// Dialect returns the database's SQL dialect.
func (tx *Transaction) Dialect() Dialect { return tx.dialect }

// Query runs a statement that returns rows inside the transaction.
func (tx *Transaction) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	if tx.state.lost != nil {
		return nil, fmt.Errorf("query: %w", tx.state.lost)
	}
	r, err := doQuery(ctx, tx.conn, tx.dialect, tx.hooks, tx.lax, query, args)
	if err != nil {
		return nil, tx.failed(err)
	}
	r.failed = tx.failed
	return r, nil
}

// Exec runs a statement that returns no rows inside the transaction.
func (tx *Transaction) Exec(ctx context.Context, query string, args ...any) (Result, error) {
	if tx.state.lost != nil {
		return Result{}, fmt.Errorf("exec: %w", tx.state.lost)
	}
	res, err := doExec(ctx, tx.conn, tx.dialect, tx.hooks, query, args)
	if err != nil {
		return res, tx.failed(err)
	}
	return res, nil
}

// failed checks, after a statement of the transaction failed with err,
// whether the database ended the transaction, and if so records it and
// adds ErrTxLost to err.
func (tx *Transaction) failed(err error) error {
	if !errors.Is(err, ErrTxLost) && (tx.state.lost != nil || mysqlCode(err) == mysqlDeadlock || tx.conn.lost()) {
		err = fmt.Errorf("%w (%w)", err, ErrTxLost)
	}
	if tx.state.lost == nil && errors.Is(err, ErrTxLost) {
		tx.state.lost = err
	}
	return err
}

// Begin opens a savepoint; Commit releases it and Rollback rolls back to it.
func (tx *Transaction) Begin(ctx context.Context) (*Transaction, error) {
	if tx.done {
		return nil, fmt.Errorf("begin savepoint: %w", ErrTxDone)
	}
	if tx.state.lost != nil {
		return nil, fmt.Errorf("begin savepoint: %w", tx.state.lost)
	}
	var t driverTx
	defer abortOnPanic(ctx, &t)
	err := hookTx(ctx, tx.hooks, TxSavepoint, func(ctx context.Context) (err error) {
		t, err = tx.conn.begin(ctx, TxOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("begin savepoint: %w", tx.failed(err))
	}
	return &Transaction{conn: t, dialect: tx.dialect, hooks: tx.hooks, lax: tx.lax, savepoint: true, state: tx.state}, nil
}

// Commit commits the transaction or releases the savepoint. When ctx is
// already cancelled, Commit rolls back instead and returns ctx's error.
// Once the commit is sent, ctx no longer interrupts it, so that the
// result always says what the database did: a cancel that lands during
// the commit cannot report as cancelled a transaction that committed.
// Committing a transaction the database rolled back on its own fails with
// [ErrTxLost] (and still releases the connection).
func (tx *Transaction) Commit(ctx context.Context) error {
	if tx.done {
		return fmt.Errorf("commit: %w", ErrTxDone)
	}
	tx.done = true
	if tx.state.lost != nil {
		tx.discard(ctx)
		return fmt.Errorf("commit: %w", tx.state.lost)
	}
	if err := ctx.Err(); err != nil {
		// A cancelled call commits nothing, on every driver alike.
		if rbErr := tx.rollback(ctx); rbErr != nil {
			return fmt.Errorf("commit: %w", errors.Join(err, rbErr))
		}
		return fmt.Errorf("commit: %w", err)
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", tx.failed(err))
	}
	return nil
}

// Rollback rolls the transaction back (or back to the savepoint). Calling
// it after Commit or Rollback returns ErrTxDone. A cancelled ctx does not
// stop it: the call that failed can roll back with its own context. Rolling
// back a transaction the database already rolled back on its own succeeds.
func (tx *Transaction) Rollback(ctx context.Context) error {
	if tx.done {
		return fmt.Errorf("rollback: %w", ErrTxDone)
	}
	tx.done = true
	if tx.state.lost != nil {
		tx.discard(ctx)
		return nil
	}
	if err := tx.rollback(ctx); err != nil {
		if err = tx.failed(err); errors.Is(err, ErrTxLost) {
			return nil // the savepoint went with the whole transaction
		}
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// discard ends a lost transaction on the driver's side, so that its
// connection is released; the database has nothing left to roll back, and
// the driver's complaint about that is not the caller's concern.
func (tx *Transaction) discard(ctx context.Context) {
	_ = tx.boundary(ctx, tx.rollbackOp(), func(ctx context.Context) error {
		_ = tx.conn.rollback(ctx)
		return nil
	})
}

// commit sends the commit (or release of the savepoint) under ctx's
// values but not its cancellation, reporting it to the hooks.
func (tx *Transaction) commit(ctx context.Context) error {
	op := TxCommit
	if tx.savepoint {
		op = TxRelease
	}
	return tx.boundary(ctx, op, tx.conn.commit)
}

// rollback sends the rollback (to the savepoint) under ctx's values but
// not its cancellation, reporting it to the hooks.
func (tx *Transaction) rollback(ctx context.Context) error {
	return tx.boundary(ctx, tx.rollbackOp(), tx.conn.rollback)
}

// boundary ends the transaction with end (its commit or rollback) under
// ctx's values but not its cancellation, reporting op to the hooks. When a
// hook panics before end ran, the transaction is rolled back before the
// panic goes on.
func (tx *Transaction) boundary(ctx context.Context, op TxOp, end func(context.Context) error) error {
	open := tx.conn
	defer abortOnPanic(ctx, &open)
	return hookTx(context.WithoutCancel(ctx), tx.hooks, op, func(ctx context.Context) error {
		open = nil
		return end(ctx)
	})
}

// abortOnPanic, deferred around a transaction boundary, rolls back *t when
// a hook panics while *t is still open, and lets the panic go on: a
// panicking hook must not leave a transaction holding its connection
// (for SQLite in memory, the whole database).
func abortOnPanic(ctx context.Context, t *driverTx) {
	if p := recover(); p != nil {
		if *t != nil {
			_ = (*t).rollback(context.WithoutCancel(ctx))
		}
		panic(p)
	}
}

func (tx *Transaction) rollbackOp() TxOp {
	if tx.savepoint {
		return TxRollbackTo
	}
	return TxRollback
}

// beginOp is the boundary a Begin reports: a savepoint when the handle is
// a caller's transaction.
func beginOp(nested bool) TxOp {
	if nested {
		return TxSavepoint
	}
	return TxBegin
}

// ErrTxDone is returned when a finished transaction is used again.
var ErrTxDone = errors.New("relkit: transaction already committed or rolled back")

// Tx runs fn inside a transaction on ex: it commits when fn returns nil
// and rolls back when fn returns an error or panics (the panic is then
// re-raised). When ex is already a transaction, fn runs inside a savepoint,
// so nested calls compose. Tx is [TxWith] with zero options.
func Tx(ctx context.Context, ex Executor, fn func(tx Executor) error) error {
	return TxWith(ctx, ex, TxOptions{}, fn)
}

// runTx is one try of TxWith: begin, run fn, commit or roll back.
func runTx(ctx context.Context, begin func() (*Transaction, error), fn func(tx Executor) error) (err error) {
	tx, err := begin()
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			// Roll back with a fresh context: ctx may be the reason we panicked.
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err = fn(tx); err != nil {
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit(ctx)
}

func doQuery(ctx context.Context, c driverConn, d Dialect, hooks []Hook, lax bool, query string, args []any) (*Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	args = utcArgs(args)
	sqlText := d.Rebind(query)
	start := time.Now()
	if len(hooks) > 0 {
		ctx = hookStart(ctx, hooks, sqlText, args, true)
	}
	r, err := c.query(ctx, sqlText, args)
	if err != nil {
		if len(hooks) > 0 {
			hookEnd(ctx, hooks, QueryEnd{SQL: sqlText, Args: args, Duration: time.Since(start), Query: true, Err: err})
		}
		return nil, fmt.Errorf("query: %w", cancelled(ctx, err))
	}
	return &Rows{r: r, hooks: hooks, ctx: ctx, sql: sqlText, args: args, start: start, lax: lax}, nil
}

func doExec(ctx context.Context, c driverConn, d Dialect, hooks []Hook, query string, args []any) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("exec: %w", err)
	}
	args = utcArgs(args)
	sqlText := d.Rebind(query)
	start := time.Now()
	if len(hooks) > 0 {
		ctx = hookStart(ctx, hooks, sqlText, args, false)
	}
	res, err := c.exec(ctx, sqlText, args)
	if len(hooks) > 0 {
		hookEnd(ctx, hooks, QueryEnd{SQL: sqlText, Args: args, Duration: time.Since(start), Rows: res.RowsAffected, Err: err})
	}
	if err != nil {
		return Result{}, fmt.Errorf("exec: %w", cancelled(ctx, err))
	}
	return res, nil
}

// cancelled adds ctx's error to err, the failure of a statement run under
// ctx, when ctx ended and err does not say so: go-sql-driver/mysql may
// report a cancelled statement as the server's "query execution was
// interrupted" (1317, 1931) or as the connection it closed
// (mysql.ErrInvalidConn), and errors.Is(err, context.Canceled) (or
// DeadlineExceeded) must hold on every database.
func cancelled(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}

// Rows is the result of a query. Iterate with Next and Scan, and always
// Close (the typed scanning helpers close for you).
type Rows struct {
	r     driverRows
	hooks []Hook
	ctx   context.Context
	sql   string
	args  []any
	start time.Time
	n     int64
	cols  []string
	done  bool
	lax   bool // drop unmapped columns instead of failing
	// failed, inside a transaction, checks an error met while reading for
	// a transaction the database ended (see ErrTxLost).
	failed func(error) error
}

// Columns returns the result's column names.
func (r *Rows) Columns() ([]string, error) {
	if r.cols == nil {
		c, err := r.r.Columns()
		if err != nil {
			return nil, fmt.Errorf("columns: %w", err)
		}
		r.cols = c
	}
	return r.cols, nil
}

// ColumnTypeNames returns the database type names of the result's
// columns, upper case as database/sql reports them: on PostgreSQL the type
// ("UUID", "TEXT", "INT8"), on SQLite the column's declared type ("" for
// an expression). A name the driver does not report is "".
func (r *Rows) ColumnTypeNames() ([]string, error) {
	switch rr := r.r.(type) {
	case *pgxRows:
		return rr.typeNames(), nil
	case interface { // *sql.Rows, the rows of a cached statement
		ColumnTypes() ([]*sql.ColumnType, error)
	}:
		cts, err := rr.ColumnTypes()
		if err != nil {
			return nil, fmt.Errorf("column types: %w", err)
		}
		out := make([]string, len(cts))
		for i, ct := range cts {
			out[i] = strings.ToUpper(ct.DatabaseTypeName())
		}
		return out, nil
	}
	cols, err := r.Columns()
	return make([]string, len(cols)), err
}

// IgnoresUnknownColumns reports whether the handle that ran the query was
// made with [DB.IgnoreUnknownColumns], so that the scanning helpers read
// and drop a result column with no field instead of failing.
func (r *Rows) IgnoresUnknownColumns() bool { return r.lax }

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.r.Next() {
		r.n++
		return true
	}
	return false
}

// Scan copies the current row into dest.
func (r *Rows) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	return nil
}

// Err returns the error met while iterating, if any.
func (r *Rows) Err() error {
	if err := r.r.Err(); err != nil {
		return fmt.Errorf("rows: %w", r.check(cancelled(r.ctx, err)))
	}
	return nil
}

func (r *Rows) check(err error) error {
	if r.failed != nil {
		return r.failed(err)
	}
	return err
}

// Close releases the rows and reports the statement to the hooks. It is
// safe to call more than once.
func (r *Rows) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	err := r.r.Close()
	if err == nil {
		err = r.r.Err()
	}
	if len(r.hooks) > 0 {
		hookEnd(r.ctx, r.hooks, QueryEnd{SQL: r.sql, Args: r.args, Duration: time.Since(r.start), Rows: r.n, Query: true, Err: err})
	}
	if err != nil {
		return fmt.Errorf("rows: %w", r.check(cancelled(r.ctx, err)))
	}
	return nil
}

package sqlt

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PgxQuerier is what *pgxpool.Pool, *pgx.Conn and pgx.Tx have in common.
type PgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// FromPgx adapts a pgx pool, connection or transaction (anything with
// Query, Exec and Begin). Statements run natively through pgx, not through
// database/sql. The handle does not own q: Close leaves it open. Begin on a
// handle made from a pgx.Tx opens a savepoint, as pgx does.
func FromPgx(q PgxQuerier) *DB {
	return &DB{conn: pgxConn{q: q}, dialect: Postgres}
}

type pgxConn struct{ q PgxQuerier }

// query and exec bind as SQLite and Laravel do a boolean or a number given
// for a parameter of another type (true for a text column, 5 for a
// varchar one): when pgx cannot encode the arguments for the parameters'
// types, the statement is run again with its booleans and numbers in text
// form, which PostgreSQL parses as each parameter's type (see textArgs).
// Arguments of the parameters' own types take no detour.
func (c pgxConn) query(ctx context.Context, sql string, args []any) (driverRows, error) {
	r, err := retryAsText(args, func(args []any) (pgx.Rows, error) { return c.q.Query(ctx, sql, args...) })
	if err != nil {
		return nil, err
	}
	return &pgxRows{r: r}, nil
}

func (c pgxConn) exec(ctx context.Context, sql string, args []any) (Result, error) {
	tag, err := retryAsText(args, func(args []any) (pgconn.CommandTag, error) { return c.q.Exec(ctx, sql, args...) })
	if err != nil {
		return Result{}, err
	}
	return Result{RowsAffected: tag.RowsAffected()}, nil
}

// retryAsText runs a statement with args and, when pgx could not encode
// them (see bindAsText), once more with their text forms (see textArgs).
func retryAsText[R any](args []any, run func(args []any) (R, error)) (R, error) {
	r, err := run(args)
	if bindAsText(err) {
		if text, ok := textArgs(args); ok {
			r, err = run(text)
		}
	}
	return r, err
}

func (c pgxConn) begin(ctx context.Context, opts TxOptions) (driverTx, error) {
	tx, err := pgxBegin(ctx, c.q, opts)
	if err != nil {
		return nil, err
	}
	return pgxTx{pgxConn: pgxConn{q: tx}, tx: tx}, nil
}

type pgxTx struct {
	pgxConn
	tx pgx.Tx
}

func (t pgxTx) commit(ctx context.Context) error { return t.tx.Commit(ctx) }

// rollback rolls back; when the connection is already closed (pgx closes
// it when a statement's context is cancelled) the server has rolled the
// transaction back with it, which is what was asked.
func (t pgxTx) rollback(ctx context.Context) error {
	err := t.tx.Rollback(ctx)
	if err != nil && t.tx.Conn().IsClosed() {
		return nil
	}
	return err
}

// pgxRows adapts pgx.Rows to the database/sql-shaped interface relkit scans.
type pgxRows struct {
	r    pgx.Rows
	cols []string
}

func (r *pgxRows) Columns() ([]string, error) {
	if r.cols == nil {
		fds := r.r.FieldDescriptions()
		r.cols = make([]string, len(fds))
		for i, fd := range fds {
			r.cols[i] = fd.Name
		}
	}
	return r.cols, nil
}

// typeNames names the result's column types from the connection's type
// map (upper case, as pgx's database/sql driver reports them).
func (r *pgxRows) typeNames() []string {
	fds := r.r.FieldDescriptions()
	out := make([]string, len(fds))
	c := r.r.Conn()
	if c == nil {
		return out
	}
	for i, fd := range fds {
		if t, ok := c.TypeMap().TypeForOID(fd.DataTypeOID); ok {
			out[i] = strings.ToUpper(t.Name)
		}
	}
	return out
}

func (r *pgxRows) Next() bool             { return r.r.Next() }
func (r *pgxRows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r *pgxRows) Err() error             { return r.r.Err() }
func (r *pgxRows) Close() error {
	r.r.Close()
	return r.r.Err()
}

// lost is false: PostgreSQL keeps a failed transaction open (refusing
// statements until it is rolled back), it never ends one on its own.
func (pgxTx) lost() bool { return false }

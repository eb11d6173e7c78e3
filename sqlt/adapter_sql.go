package sqlt

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// sqlQuerier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type sqlBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// FromDB adapts a *sql.DB of any database/sql driver, with the given
// dialect. The returned handle does not own db: Close leaves it open.
func FromDB(db *sql.DB, d Dialect) *DB {
	return &DB{conn: sqlConn{q: db, b: db}, dialect: d}
}

// FromConn adapts a *sql.Conn, with the given dialect.
func FromConn(c *sql.Conn, d Dialect) *DB {
	return &DB{conn: sqlConn{q: c, b: c}, dialect: d}
}

// FromTx adapts a *sql.Tx that the caller began and will commit or roll
// back. Transactions begun on the returned handle are savepoints inside tx.
func FromTx(tx *sql.Tx, d Dialect) *DB {
	return &DB{conn: &sqlTx{q: tx, outer: true}, dialect: d}
}

type sqlConn struct {
	q sqlQuerier
	b sqlBeginner
}

func (c sqlConn) query(ctx context.Context, q string, args []any) (driverRows, error) {
	return c.q.QueryContext(ctx, q, args...)
}

func (c sqlConn) exec(ctx context.Context, q string, args []any) (int64, error) {
	return sqlExec(ctx, c.q, q, args)
}

func (c sqlConn) begin(ctx context.Context) (driverTx, error) {
	tx, err := c.b.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &sqlTx{q: tx, tx: tx}, nil
}

func sqlExec(ctx context.Context, q sqlQuerier, query string, args []any) (int64, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, nil // the driver does not count; not an error for the caller
	}
	return n, nil
}

// sqlTx is a database/sql transaction, or a savepoint inside one (sp != "").
type sqlTx struct {
	q     sqlQuerier
	tx    *sql.Tx // nil for a savepoint or a caller-owned outer tx
	outer bool    // caller-owned: commit/rollback are the caller's
	sp    string
	depth *int
}

func (t *sqlTx) query(ctx context.Context, q string, args []any) (driverRows, error) {
	return t.q.QueryContext(ctx, q, args...)
}

func (t *sqlTx) exec(ctx context.Context, q string, args []any) (int64, error) {
	return sqlExec(ctx, t.q, q, args)
}

func (t *sqlTx) begin(ctx context.Context) (driverTx, error) {
	depth := t.depth
	if depth == nil {
		depth = new(int)
	}
	*depth++
	name := "relkit_sp_" + strconv.Itoa(*depth)
	if _, err := t.q.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		*depth--
		return nil, err
	}
	return &sqlTx{q: t.q, sp: name, depth: depth}, nil
}

func (t *sqlTx) commit(ctx context.Context) error {
	switch {
	case t.sp != "":
		_, err := t.q.ExecContext(ctx, "RELEASE SAVEPOINT "+t.sp)
		*t.depth--
		return err
	case t.tx != nil:
		return t.tx.Commit()
	default:
		return fmt.Errorf("commit a transaction the caller owns: use the *sql.Tx")
	}
}

func (t *sqlTx) rollback(ctx context.Context) error {
	switch {
	case t.sp != "":
		_, err := t.q.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+t.sp)
		if err == nil {
			_, err = t.q.ExecContext(ctx, "RELEASE SAVEPOINT "+t.sp)
		}
		*t.depth--
		return err
	case t.tx != nil:
		return t.tx.Rollback()
	default:
		return fmt.Errorf("roll back a transaction the caller owns: use the *sql.Tx")
	}
}

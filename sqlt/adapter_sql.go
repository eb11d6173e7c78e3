package sqlt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// sqlQuerier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// FromDB adapts a *sql.DB of any database/sql driver, with the given
// dialect. The returned handle does not own db: Close leaves it open.
func FromDB(db *sql.DB, d Dialect) *DB {
	return &DB{conn: sqlConn{q: db, db: db, sqlite: d.Name() == "sqlite", textBytes: d.Name() == "mysql"}, dialect: d}
}

// FromConn adapts a *sql.Conn, with the given dialect.
func FromConn(c *sql.Conn, d Dialect) *DB {
	return &DB{conn: sqlConn{q: c, c: c, sqlite: d.Name() == "sqlite", textBytes: d.Name() == "mysql"}, dialect: d}
}

// FromTx adapts a *sql.Tx that the caller began and will commit or roll
// back. Transactions begun on the returned handle are savepoints inside tx.
//
// relkit cannot see the connection under a caller's *sql.Tx: with the
// SQLite dialect, after a statement of a transaction begun on the handle
// fails, it asks the database with a BEGIN whether tx is still open, so
// that a tx SQLite rolled back on its own is reported (see [ErrTxLost]) as
// on the other handles.
//
// With the SQLite dialect, the handle prepares a statement text it runs a
// second time and reuses it while tx lasts, as relkit's own SQLite
// transactions do; database/sql closes those statements when tx ends.
func FromTx(tx *sql.Tx, d Dialect) *DB {
	st := &txState{probe: d.Name() == "sqlite"}
	if st.probe {
		st.stmts = newStmtCache(tx)
	}
	return &DB{conn: &sqlTx{q: tx, outer: true, textBytes: d.Name() == "mysql", state: st}, dialect: d}
}

// sqlConn is a *sql.DB (db set) or a *sql.Conn (c set).
type sqlConn struct {
	q      sqlQuerier
	db     *sql.DB
	c      *sql.Conn
	sqlite bool // the SQLite dialect: see sqlTxOptions
	// textBytes: the driver reads text columns as []byte (MySQL): see
	// textRows.
	textBytes bool
}

func (c sqlConn) query(ctx context.Context, q string, args []any) (driverRows, error) {
	return sqlQuery(ctx, c.q, q, args, c.textBytes)
}

// sqlQuery runs a query on q; with textBytes its rows give text columns
// as strings (see textRows).
func sqlQuery(ctx context.Context, q sqlQuerier, query string, args []any, textBytes bool) (driverRows, error) {
	r, err := q.QueryContext(ctx, query, args...)
	if err != nil || !textBytes {
		return r, err
	}
	return &textRows{Rows: r}, nil
}

// textRows are the rows of a driver that reads every text column as
// []byte (go-sql-driver/mysql: its protocol carries no distinction a
// database/sql driver.Value could keep). A field of type string or
// []byte is unaffected; what changes is a *any destination (a pivot
// column read into a map[string]any, a key read before its type is
// known), which gets a string for a column of a text type, as on SQLite
// and PostgreSQL, and keeps []byte for binary ones.
type textRows struct {
	*sql.Rows
	text []bool // per column: its type is text
}

// mysqlTextTypes are the type names go-sql-driver/mysql reports for
// columns whose values are text (binary strings report BINARY, VARBINARY
// and BLOB).
var mysqlTextTypes = map[string]bool{
	"CHAR": true, "VARCHAR": true, "TEXT": true, "TINYTEXT": true, "MEDIUMTEXT": true,
	"LONGTEXT": true, "ENUM": true, "SET": true, "JSON": true,
}

func (r *textRows) Scan(dest ...any) error {
	if err := r.Rows.Scan(dest...); err != nil {
		return err
	}
	if r.text == nil {
		cts, err := r.Rows.ColumnTypes()
		if err != nil {
			return err
		}
		r.text = make([]bool, len(cts))
		for i, ct := range cts {
			r.text[i] = mysqlTextTypes[strings.ToUpper(ct.DatabaseTypeName())]
		}
	}
	for i, d := range dest {
		if p, ok := d.(*any); ok && i < len(r.text) && r.text[i] {
			if b, ok := (*p).([]byte); ok {
				*p = string(b)
			}
		}
	}
	return nil
}

func (c sqlConn) exec(ctx context.Context, q string, args []any) (Result, error) {
	return sqlExec(ctx, c.q, q, args)
}

// begin starts a transaction on a connection of its own.
//
// Waiting for the connection honours ctx, but the transaction itself is
// begun with ctx's values and without its cancellation: database/sql
// discards the connection of a transaction whose context ends, and with a
// driver that cannot reset a session (go-sqlite3) that closes the
// connection, which for "sqlite::memory:" is the whole database. The
// statements inside the transaction still run with the caller's context,
// and relkit's Tx rolls back when one of them is cancelled.
func (c sqlConn) begin(ctx context.Context, opts TxOptions) (driverTx, error) {
	conn, owned := c.c, false
	if conn == nil {
		var err error
		if conn, err = c.db.Conn(ctx); err != nil {
			return nil, err
		}
		owned = true
	}
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), sqlTxOptions(opts, c.sqlite))
	if err == nil && c.sqlite && opts.ReadOnly {
		if err = setQueryOnly(tx, true); err != nil {
			_ = tx.Rollback()
		}
	}
	if err != nil {
		if owned {
			conn.Close()
		}
		return nil, err
	}
	st := &txState{}
	if c.sqlite {
		st.stmts = newStmtCache(tx)
	}
	return &sqlTx{q: tx, tx: tx, conn: conn, owned: owned, queryOnly: c.sqlite && opts.ReadOnly, textBytes: c.textBytes, state: st}, nil
}

func sqlExec(ctx context.Context, q sqlQuerier, query string, args []any) (Result, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return Result{}, err
	}
	return sqlResult(res), nil
}

// sqlResult is a database/sql result's counts. A driver that does not
// count or has no generated key says so with an error: not an error for
// the caller, who gets 0.
func sqlResult(res sql.Result) Result {
	n, _ := res.RowsAffected()
	id, _ := res.LastInsertId()
	return Result{RowsAffected: n, LastInsertID: id}
}

// sqlTx is a database/sql transaction, or a savepoint inside one (sp != "").
type sqlTx struct {
	q     sqlQuerier
	tx    *sql.Tx   // nil for a savepoint or a caller-owned outer tx
	conn  *sql.Conn // the connection tx runs on; nil for a caller-owned tx
	owned bool      // conn was taken by begin: return it when tx ends
	outer bool      // caller-owned: commit/rollback are the caller's
	sp    string
	state *txState // shared by the transaction and its savepoints
	// queryOnly: a read-only SQLite transaction, which set PRAGMA
	// query_only on its connection and resets it when it ends.
	queryOnly bool
	textBytes bool // see sqlConn
}

// txState is what a transaction and its savepoints share.
type txState struct {
	depth int  // savepoints open
	probe bool // a caller's SQLite tx: lost asks with a BEGIN
	// stmts caches the transaction's prepared statements (SQLite only).
	stmts *stmtCache
}

func (t *sqlTx) query(ctx context.Context, q string, args []any) (driverRows, error) {
	if c := t.state.stmts; c != nil {
		if r, ok, err := c.query(ctx, q, args); ok {
			return r, err
		}
	}
	return sqlQuery(ctx, t.q, q, args, t.textBytes)
}

func (t *sqlTx) exec(ctx context.Context, q string, args []any) (Result, error) {
	if c := t.state.stmts; c != nil {
		if res, ok, err := c.exec(ctx, q, args); ok {
			return res, err
		}
	}
	return sqlExec(ctx, t.q, q, args)
}

// run sends one of the transaction's own statements (SAVEPOINT, RELEASE,
// ROLLBACK TO), through the statement cache: their texts are constant for
// a savepoint depth.
func (t *sqlTx) run(ctx context.Context, q string) error {
	_, err := t.exec(ctx, q, nil)
	return err
}

// lost reports whether the database has ended the transaction on its own.
// SQLite does that on some errors (a constraint declared ON CONFLICT
// ROLLBACK, RAISE(ROLLBACK), an interrupted write, a full disk…), after
// which it runs later statements outside any transaction. Drivers that
// expose the session's autocommit flag (go-sqlite3) are asked; under a
// caller's SQLite *sql.Tx a BEGIN is tried (see [FromTx]); others are
// taken to keep the transaction, as PostgreSQL does.
func (t *sqlTx) lost() bool {
	if t.conn == nil {
		return t.state.probe && beginSucceeds(t.q)
	}
	lost := false
	_ = t.conn.Raw(func(dc any) error {
		if a, ok := dc.(interface{ AutoCommit() bool }); ok {
			lost = a.AutoCommit()
		}
		return nil
	})
	return lost
}

// beginSucceeds reports whether a BEGIN on q succeeds, which SQLite
// refuses inside a transaction; the transaction it opened is rolled back.
func beginSucceeds(q sqlQuerier) bool {
	ctx := context.Background()
	if _, err := q.ExecContext(ctx, "BEGIN"); err != nil {
		return false
	}
	_, _ = q.ExecContext(ctx, "ROLLBACK")
	return true
}

func (t *sqlTx) begin(ctx context.Context, opts TxOptions) (driverTx, error) {
	if err := savepointOptions(opts); err != nil {
		return nil, err
	}
	t.state.depth++
	name := "relkit_sp_" + strconv.Itoa(t.state.depth)
	if err := t.run(ctx, "SAVEPOINT "+name); err != nil {
		t.state.depth--
		return nil, err
	}
	return &sqlTx{q: t.q, conn: t.conn, sp: name, textBytes: t.textBytes, state: t.state}, nil
}

func (t *sqlTx) commit(ctx context.Context) error {
	switch {
	case t.sp != "":
		err := t.run(ctx, "RELEASE SAVEPOINT "+t.sp)
		t.state.depth--
		return savepointErr(err)
	case t.tx != nil:
		defer t.release()
		if err := t.endQueryOnly(); err != nil {
			_ = t.tx.Rollback()
			return err
		}
		return t.tx.Commit()
	default:
		return fmt.Errorf("commit a transaction the caller owns: use the *sql.Tx")
	}
}

func (t *sqlTx) rollback(ctx context.Context) error {
	switch {
	case t.sp != "":
		err := t.run(ctx, "ROLLBACK TO SAVEPOINT "+t.sp)
		if err == nil {
			err = t.run(ctx, "RELEASE SAVEPOINT "+t.sp)
		}
		t.state.depth--
		return savepointErr(err)
	case t.tx != nil:
		defer t.release()
		return errors.Join(t.endQueryOnly(), t.tx.Rollback())
	default:
		return fmt.Errorf("roll back a transaction the caller owns: use the *sql.Tx")
	}
}

// release returns the connection begin took to the pool.
func (t *sqlTx) release() {
	if t.owned {
		t.conn.Close()
	}
}

// savepointErr marks the error of a savepoint that the database no longer
// has (SQLite: "no such savepoint") as a lost transaction: whatever removed
// the savepoint ended the transaction around it.
func savepointErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "no such savepoint") {
		return fmt.Errorf("%w: %w", ErrTxLost, err)
	}
	return err
}

package sqlt

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// Bounds of a transaction's statement cache (see stmtCache).
const (
	// stmtCacheSize is how many prepared statements a transaction keeps.
	stmtCacheSize = 48
	// stmtSeenSize bounds the texts remembered as run once; the set is
	// emptied when full.
	stmtSeenSize = 256
	// stmtMaxPrepares bounds the statements a transaction prepares for the
	// cache: database/sql keeps every statement prepared on a *sql.Tx until
	// the transaction ends, so a transaction cycling through more distinct
	// repeated texts than the cache holds stops caching instead of piling
	// them up.
	stmtMaxPrepares = 8 * stmtCacheSize
)

// stmtCache keeps the prepared statements of one SQLite database/sql
// transaction (and its savepoints), by final SQL text, so that a text run
// again in the transaction skips sqlite3_prepare. A text is prepared the
// second time it runs (a statement run once costs a set insertion, no
// prepare); texts holding a ';' (several statements, which a prepared
// statement would cut to the first) are never cached. The statements are
// prepared on the *sql.Tx, which closes them when it commits or rolls back;
// the cache closes those it evicts (least recently used, never one whose
// rows are open). It changes what is sent to the database, not what is
// reported to hooks: preparing is not a statement.
//
// A cache is safe for concurrent use: a [FromTx] handle is.
type stmtCache struct {
	tx       *sql.Tx
	mu       sync.Mutex
	stmts    map[string]*cachedStmt
	seen     map[string]struct{}
	tick     uint64
	prepares int
}

// cachedStmt is a cached statement; busy while it runs or its rows are
// open, when the same text runs unprepared instead.
type cachedStmt struct {
	text string
	st   *sql.Stmt
	busy bool
	used uint64
}

func newStmtCache(tx *sql.Tx) *stmtCache {
	return &stmtCache{tx: tx}
}

// take returns the statement of q, marked busy, or nil when q is to run
// unprepared (first run, a busy or uncacheable text, a failed prepare).
func (c *stmtCache) take(ctx context.Context, q string) *cachedStmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick++
	if e := c.stmts[q]; e != nil {
		if e.busy {
			return nil
		}
		e.busy, e.used = true, c.tick
		return e
	}
	if c.prepares >= stmtMaxPrepares || strings.IndexByte(q, ';') >= 0 {
		return nil
	}
	if _, ok := c.seen[q]; !ok {
		if c.seen == nil || len(c.seen) >= stmtSeenSize {
			c.seen = make(map[string]struct{}, 16)
		}
		c.seen[q] = struct{}{}
		return nil
	}
	if len(c.stmts) >= stmtCacheSize && !c.evictLocked() {
		return nil
	}
	st, err := c.tx.PrepareContext(ctx, q)
	if err != nil {
		delete(c.seen, q)
		return nil // the unprepared run reports the error
	}
	c.prepares++
	delete(c.seen, q)
	if c.stmts == nil {
		c.stmts = make(map[string]*cachedStmt, 8)
	}
	e := &cachedStmt{text: q, st: st, busy: true, used: c.tick}
	c.stmts[q] = e
	return e
}

// evictLocked closes the least recently used statement that is not busy,
// and reports whether there was one.
func (c *stmtCache) evictLocked() bool {
	var old *cachedStmt
	for _, e := range c.stmts {
		if !e.busy && (old == nil || e.used < old.used) {
			old = e
		}
	}
	if old == nil {
		return false
	}
	delete(c.stmts, old.text)
	_ = old.st.Close()
	return true
}

// done marks e free again after its run; a statement that failed leaves
// the cache (closed), so that whatever the error did to it, the text is
// prepared afresh.
func (c *stmtCache) done(e *cachedStmt, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.busy = false
	if err != nil && c.stmts[e.text] == e {
		delete(c.stmts, e.text)
		_ = e.st.Close()
	}
}

// errStmtClosed is database/sql's error for a statement already closed,
// which it returns before running anything: the statements of a caller's
// *sql.Tx are closed when the caller commits or rolls back it.
const errStmtClosed = "sql: statement is closed"

// stmtClosed reports whether err says e was closed before it ran: the
// statement is then run unprepared, which reports the real state (for a
// finished transaction, sql.ErrTxDone).
func stmtClosed(err error) bool {
	return err != nil && err.Error() == errStmtClosed
}

// exec runs q as a cached statement; ok is false when q is not cached (or
// its statement was already closed) and is to run unprepared.
func (c *stmtCache) exec(ctx context.Context, q string, args []any) (res Result, ok bool, err error) {
	e := c.take(ctx, q)
	if e == nil {
		return Result{}, false, nil
	}
	r, err := e.st.ExecContext(ctx, args...)
	c.done(e, err)
	if err != nil {
		if stmtClosed(err) {
			return Result{}, false, nil
		}
		return Result{}, true, err
	}
	return sqlResult(r), true, nil
}

// query runs q as a cached statement; rows is nil and ok false when q is
// to run unprepared.
func (c *stmtCache) query(ctx context.Context, q string, args []any) (rows driverRows, ok bool, err error) {
	e := c.take(ctx, q)
	if e == nil {
		return nil, false, nil
	}
	r, err := e.st.QueryContext(ctx, args...)
	if err != nil {
		c.done(e, err)
		if stmtClosed(err) {
			return nil, false, nil
		}
		return nil, true, err
	}
	return &cachedRows{Rows: r, c: c, e: e}, true, nil
}

// cachedRows are the rows of a cached statement, which they free when
// they end.
type cachedRows struct {
	*sql.Rows
	c    *stmtCache
	e    *cachedStmt
	free bool
}

// Next is sql.Rows.Next; database/sql closes the rows when there is no
// next row, which frees the statement.
func (r *cachedRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.release()
	return false
}

// Close closes the rows and frees the statement.
func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.release()
	return err
}

func (r *cachedRows) release() {
	if !r.free {
		r.free = true
		r.c.done(r.e, nil)
	}
}

package sqlt

// StmtCacheOf reports the statement cache of ex, a transaction (or a
// [FromTx] handle) of a SQLite database/sql connection: how many
// statements it holds and how many it has prepared. ok is false when ex
// has no cache.
func StmtCacheOf(ex Executor) (cached, prepared int, ok bool) {
	var c driverConn
	switch e := ex.(type) {
	case *Transaction:
		c = e.conn
	case *DB:
		c = e.conn
	}
	t, isTx := c.(*sqlTx)
	if !isTx || t.state.stmts == nil {
		return 0, 0, false
	}
	s := t.state.stmts
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.stmts), s.prepares, true
}

// StmtCacheSize and StmtMaxPrepares are the cache's bounds.
const (
	StmtCacheSize   = stmtCacheSize
	StmtMaxPrepares = stmtMaxPrepares
)

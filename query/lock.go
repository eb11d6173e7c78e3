package query

import (
	"fmt"

	"github.com/relkit/relkit/sqlt"
)

// ForUpdate makes the query lock the rows it reads until the end of the
// transaction, as PostgreSQL's SELECT … FOR UPDATE: another transaction
// that wants to update, delete or lock them waits (see [Query.SkipLocked]
// and [Query.NoWait]). Run it inside a transaction (sqlt.Tx): outside one
// each statement is its own transaction and the lock ends with it.
//
// The lock is rendered by the executor's dialect (sqlt.Dialect.RowLock). On
// SQLite it renders nothing: SQLite has no row locks, a write transaction
// locks the whole database, and a transaction begun with BEGIN IMMEDIATE
// (sqlt.Open's default for SQLite files) holds that lock from its first
// statement, so no other writer can take the same rows meanwhile.
//
// A locking query is refused, before any statement, with an error
// matching ErrBadArgument when PostgreSQL could not lock its rows: with
// Distinct, GroupBy or Having (so also Pluck of a Distinct query), and by
// Count and Exists, which read no rows to lock (count without the lock, on
// the query before ForUpdate). Correlated subqueries in the select list,
// such as agg.WithCount's, are allowed: the rows of T are locked, the
// counted rows are not; a lock inside a relation constraint (WhereHas,
// an aggregate's or eager load's constraint) is refused. The loaders
// added with With read their relations without locks: the lock covers the
// rows of T (and, on a belongsToMany relation query, the pivot rows joined
// to them, as PostgreSQL's FOR UPDATE locks every table of the join). A
// locking query cannot be rendered by ToSql (as a subquery), since its
// lock depends on the dialect of the executor that runs it.
func (q *Query[T]) ForUpdate() *Query[T] { return q.lockMode(sqlt.LockForUpdate) }

// ForNoKeyUpdate is [Query.ForUpdate] with PostgreSQL's weaker FOR NO KEY
// UPDATE, for rows that will be updated without changing their keys: it
// does not block inserts of rows referencing them.
func (q *Query[T]) ForNoKeyUpdate() *Query[T] { return q.lockMode(sqlt.LockForNoKeyUpdate) }

// ForShare is [Query.ForUpdate] with a shared lock (FOR SHARE): other
// transactions may read and share-lock the rows, but not change them.
func (q *Query[T]) ForShare() *Query[T] { return q.lockMode(sqlt.LockForShare) }

// ForKeyShare is [Query.ForUpdate] with PostgreSQL's weakest lock (FOR KEY
// SHARE): others may update the rows, but not delete them or change their
// keys.
func (q *Query[T]) ForKeyShare() *Query[T] { return q.lockMode(sqlt.LockForKeyShare) }

// SkipLocked makes a locking query leave out the rows another transaction
// has locked instead of waiting for them (SKIP LOCKED): the job-queue
// pattern, where each worker claims rows nobody else holds. It needs a lock
// mode (ForUpdate, …) and excludes NoWait; on SQLite it renders nothing,
// like the lock.
func (q *Query[T]) SkipLocked() *Query[T] { return q.lockWait(sqlt.LockSkipLocked, "skip locked") }

// NoWait makes a locking query fail at once when a row it wants is locked
// by another transaction (NOWAIT) instead of waiting. It needs a lock mode
// and excludes SkipLocked; on SQLite it renders nothing.
func (q *Query[T]) NoWait() *Query[T] { return q.lockWait(sqlt.LockNoWait, "nowait") }

func (q *Query[T]) lockMode(m sqlt.LockMode) *Query[T] {
	return q.with(func(c *Query[T]) error { c.lock.Mode = m; return nil })
}

func (q *Query[T]) lockWait(w sqlt.LockWait, name string) *Query[T] {
	return q.with(func(c *Query[T]) error {
		if c.lock.Wait != sqlt.LockWaitBlock && c.lock.Wait != w {
			return fmt.Errorf("%s: SkipLocked and NoWait exclude each other: %w", name, ErrBadArgument)
		}
		c.lock.Wait = w
		return nil
	})
}

// locking reports whether the query asked for a lock (or a lock wait).
func (q *Query[T]) locking() bool { return q.lock != (sqlt.RowLock{}) }

// noLock refuses a locking query in an operation that cannot lock rows
// (Count, Exists).
func (q *Query[T]) noLock(op string) error {
	if q.locking() {
		return fmt.Errorf("%s reads no rows to lock: run it on the query without ForUpdate/ForShare: %w", op, ErrBadArgument)
	}
	return nil
}

// lockClause checks that the query can take its lock and renders it with
// d ("" for a query without lock).
func (q *Query[T]) lockClause(d sqlt.Dialect) (string, error) {
	if !q.locking() {
		return "", nil
	}
	l := q.lock
	switch {
	case l.Mode == sqlt.LockNone:
		return "", fmt.Errorf("SkipLocked or NoWait without a lock mode (ForUpdate, ForShare, …): %w", ErrBadArgument)
	case q.distinct:
		return "", fmt.Errorf("a row lock with Distinct: the rows read are not rows of %s: %w", q.model.Table, ErrBadArgument)
	case len(q.groupBy) > 0:
		return "", fmt.Errorf("a row lock with GroupBy: the rows read are not rows of %s: %w", q.model.Table, ErrBadArgument)
	case len(q.havings) > 0:
		return "", fmt.Errorf("a row lock with Having: the rows read are not rows of %s: %w", q.model.Table, ErrBadArgument)
	}
	s, err := d.RowLock(l)
	if err != nil {
		return "", fmt.Errorf("row lock on %s: %w: %w", d.Name(), err, ErrUnsupported)
	}
	return s, nil
}

// sqlFor renders the query for the executor's dialect d: ToSql's statement
// followed by the row lock, if any.
func (q *Query[T]) sqlFor(d sqlt.Dialect) (string, []any, error) {
	if q.err != nil {
		return "", nil, q.err
	}
	lock, err := q.lockClause(d)
	if err != nil {
		return "", nil, err
	}
	s, args, err := q.render()
	if err != nil {
		return "", nil, err
	}
	return s + lock, args, nil
}

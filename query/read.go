package query

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

func (q *Query[T]) run(ctx context.Context, ex sqlt.Executor) (*sqlt.Rows, error) {
	if q.err != nil {
		return nil, q.err
	}
	if ex == nil {
		return nil, fmt.Errorf("query %s: nil executor: %w", q.model.Table, sqlt.ErrNilValue)
	}
	if err := q.namesFit(ex.Dialect()); err != nil {
		return nil, err
	}
	s, args, err := q.sqlFor(ex.Dialect())
	if err != nil {
		return nil, err
	}
	return ex.Query(q.tagged(ctx), s, args...)
}

// tagged returns ctx carrying the relation read q is (see reltag), for the
// repeat guard; eager loaders run with the caller's ctx, and the reads of
// a write (reltag.Write) are not relation reads.
func (q *Query[T]) tagged(ctx context.Context) context.Context {
	if q.tag == nil || reltag.Writing(ctx) {
		return ctx
	}
	return reltag.With(ctx, q.tag)
}

// namesFit refuses, before the statement runs, a name that the database
// would truncate (see names.Fit).
func (q *Query[T]) namesFit(d sqlt.Dialect) error {
	if err := names.Fit(d, q.model, q.pivot); err != nil {
		return fmt.Errorf("query %s: %w", q.model.Table, err)
	}
	return nil
}

// Get runs the query and returns all rows (an empty, non-nil slice when
// none match), then runs the eager loaders added with With.
func (q *Query[T]) Get(ctx context.Context, ex sqlt.Executor) ([]T, error) {
	out, err := q.get(ctx, ex)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", q.tableName(), err)
	}
	return out, nil
}

func (q *Query[T]) tableName() string {
	if q.model == nil {
		return "?"
	}
	return q.model.Table
}

func (q *Query[T]) get(ctx context.Context, ex sqlt.Executor) ([]T, error) {
	if q.err != nil {
		return nil, q.err
	}
	if q.none {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return []T{}, nil
	}
	rows, err := q.run(ctx, ex)
	if err != nil {
		return nil, err
	}
	var out []T
	if q.pivot != nil {
		out = []T{}
		err = schema.ScanInto(rows, reflect.ValueOf(&out), render.PivotExtra(q.pivot))
	} else {
		out, err = sqlt.ScanAll[T](rows)
	}
	if err != nil {
		return nil, err
	}
	if q.adopt != nil {
		for i := range out {
			q.adopt(&out[i])
		}
	}
	for _, l := range q.loaders {
		if err := l.LoadInto(ctx, ex, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// First returns the first row (adding LIMIT 1). No row gives an error
// matching sqlt.ErrNotFound.
func (q *Query[T]) First(ctx context.Context, ex sqlt.Executor) (T, error) {
	var zero T
	out, err := q.Limit(1).get(ctx, ex)
	if err != nil {
		return zero, fmt.Errorf("first %s: %w", q.tableName(), err)
	}
	if len(out) == 0 {
		return zero, fmt.Errorf("first %s: %w", q.tableName(), sqlt.ErrNotFound)
	}
	return out[0], nil
}

func (q *Query[T]) pkColumn() (string, error) {
	if q.err != nil {
		return "", q.err
	}
	if q.model.PK == nil {
		return "", fmt.Errorf("%s: %w", q.model.Type.Name(), sqlt.ErrNoPrimaryKey)
	}
	return sqltext.Ident(q.model.Table + "." + q.model.PK.Column), nil
}

// pkValue checks a primary key value given to Find or FindMany against the
// Go type of T's key column before any statement runs (see
// keys.ForColumn): a mismatch matches rel.ErrUnsupportedKey.
func (q *Query[T]) pkValue(id any) (any, bool, error) {
	return keys.ForColumn(q.model.PK.Type, "primary key "+q.model.PK.Column, id)
}

// Find returns the row whose primary key is id. No row (or a NULL id) gives
// an error matching sqlt.ErrNotFound; an id whose type cannot be a value of
// the key column (a string for an integer key) gives rel.ErrUnsupportedKey
// before any statement runs.
func (q *Query[T]) Find(ctx context.Context, ex sqlt.Executor, id any) (T, error) {
	var zero T
	pk, err := q.pkColumn()
	if err != nil {
		return zero, fmt.Errorf("find %s %v: %w", q.tableName(), id, err)
	}
	key, ok, err := q.pkValue(id)
	if err != nil {
		return zero, fmt.Errorf("find %s %v: %w", q.tableName(), id, err)
	}
	if !ok {
		if err := ctx.Err(); err != nil {
			return zero, fmt.Errorf("find %s %v: %w", q.tableName(), id, err)
		}
		return zero, fmt.Errorf("find %s %v: %w", q.tableName(), id, sqlt.ErrNotFound)
	}
	out, err := q.Where(sq.Expr(pk+" = ?", key)).Limit(1).get(ctx, ex)
	if err != nil {
		return zero, fmt.Errorf("find %s %v: %w", q.tableName(), id, err)
	}
	if len(out) == 0 {
		return zero, fmt.Errorf("find %s %v: %w", q.tableName(), id, sqlt.ErrNotFound)
	}
	return out[0], nil
}

// FindMany returns the rows whose primary keys are in ids (a slice, or
// several values). Missing ids are simply absent from the result; ids are
// checked as for Find.
func (q *Query[T]) FindMany(ctx context.Context, ex sqlt.Executor, ids ...any) ([]T, error) {
	pk, err := q.pkColumn()
	if err != nil {
		return nil, fmt.Errorf("find many %s: %w", q.tableName(), err)
	}
	keys := make([]any, 0, len(ids))
	for _, id := range sqltext.ListValues(ids) {
		key, ok, err := q.pkValue(id)
		if err != nil {
			return nil, fmt.Errorf("find many %s: %w", q.tableName(), err)
		}
		if ok {
			keys = append(keys, key)
		}
	}
	out, err := q.Where(inCond(pk, false, keys)).get(ctx, ex)
	if err != nil {
		return nil, fmt.Errorf("find many %s: %w", q.tableName(), err)
	}
	return out, nil
}

// Count returns the number of rows the query matches (ignoring Limit,
// Offset and OrderBy).
func (q *Query[T]) Count(ctx context.Context, ex sqlt.Executor) (int64, error) {
	n, err := q.count(ctx, ex)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", q.tableName(), err)
	}
	return n, nil
}

func (q *Query[T]) count(ctx context.Context, ex sqlt.Executor) (int64, error) {
	if q.err != nil {
		return 0, q.err
	}
	if err := q.noLock("count"); err != nil {
		return 0, err
	}
	if q.none {
		return 0, ctx.Err()
	}
	c := q.clone()
	c.orders, c.limit, c.offset, c.loaders = nil, nil, nil, nil
	var s string
	var args []any
	var err error
	if c.distinct || len(c.groupBy) > 0 {
		inner, iargs, err := c.neutralSQL()
		if err != nil {
			return 0, err
		}
		s, args = "select count(*) from ("+inner+") as "+sqltext.Ident("aggregate_table"), iargs
	} else {
		c.columns, c.selects = []string{"count(*)"}, nil
		s, args, err = c.neutralSQL()
		if err != nil {
			return 0, err
		}
	}
	if ex == nil {
		return 0, fmt.Errorf("nil executor: %w", sqlt.ErrNilValue)
	}
	rows, err := ex.Query(q.tagged(ctx), s, args...)
	if err != nil {
		return 0, err
	}
	return sqlt.ScanOne[int64](rows)
}

// Exists reports whether the query matches any row.
func (q *Query[T]) Exists(ctx context.Context, ex sqlt.Executor) (bool, error) {
	if q.err != nil {
		return false, fmt.Errorf("exists %s: %w", q.tableName(), q.err)
	}
	if err := q.noLock("exists"); err != nil {
		return false, fmt.Errorf("exists %s: %w", q.tableName(), err)
	}
	if q.none {
		return false, ctx.Err()
	}
	c := q.clone()
	c.orders, c.loaders = nil, nil
	c.columns, c.selects = []string{"1"}, nil
	inner, args, err := c.neutralSQL()
	if err != nil {
		return false, fmt.Errorf("exists %s: %w", q.tableName(), err)
	}
	if ex == nil {
		return false, fmt.Errorf("exists %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	rows, err := ex.Query(q.tagged(ctx), "select exists ("+inner+")", args...)
	if err != nil {
		return false, fmt.Errorf("exists %s: %w", q.tableName(), err)
	}
	// SQLite returns an integer, PostgreSQL a boolean: scan into int64-or-bool.
	v, err := sqlt.ScanOne[boolish](rows)
	if err != nil {
		return false, fmt.Errorf("exists %s: %w", q.tableName(), err)
	}
	return bool(v), nil
}

// boolish scans a boolean from a bool or an integer column.
type boolish bool

func (b *boolish) Scan(src any) error {
	switch v := src.(type) {
	case bool:
		*b = boolish(v)
	case int64:
		*b = v != 0
	case nil:
		*b = false
	default:
		return fmt.Errorf("scan %T into bool: %w", src, ErrBadArgument)
	}
	return nil
}

// Pluck returns one column's values. The column is validated against T's
// mapping.
func Pluck[V, T any](ctx context.Context, ex sqlt.Executor, q *Query[T], column string) ([]V, error) {
	c := q.clone()
	c.columns, c.selects, c.loaders = nil, nil, nil
	c = c.Select(column)
	if c.err != nil {
		return nil, fmt.Errorf("pluck %s: %w", column, c.err)
	}
	if c.none {
		return []V{}, ctx.Err()
	}
	rows, err := c.run(ctx, ex)
	if err != nil {
		return nil, fmt.Errorf("pluck %s: %w", column, err)
	}
	out, err := sqlt.ScanAll[V](rows)
	if err != nil {
		return nil, fmt.Errorf("pluck %s: %w", column, err)
	}
	return out, nil
}

// IsNotFound reports whether err means no row was found.
func IsNotFound(err error) bool { return errors.Is(err, sqlt.ErrNotFound) }

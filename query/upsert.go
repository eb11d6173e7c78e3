package query

import (
	"context"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/internal/touch"
	"github.com/relkit/relkit/sqlt"
)

// Upsert inserts the row v points to or, when it collides with an
// existing row on the conflict columns (a unique key), updates that row's
// update columns — by default every written column except the conflict
// columns, the primary key and created_at. The primary key of the inserted
// or updated row is stored back into v. Column names are validated. If the
// upsert fails, *v is left as it was before the call, as for
// [Query.Insert].
//
// On MySQL and MariaDB the statement is "insert … on duplicate key update
// c = values(c), …", which names no conflict columns: the server takes a
// collision on any unique index of the table (the primary key included)
// as the conflict, so a row that collides on another unique key than the
// conflict columns updates the row it collides with, where PostgreSQL and
// SQLite fail with a unique violation. Give such tables only the unique
// index you upsert on, or check first. The conflict columns are still
// validated.
func (q *Query[T]) Upsert(ctx context.Context, ex sqlt.Executor, v *T, conflict []string, update ...string) error {
	if err := q.rowWritable("upsert"); err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), sqlt.ErrNilValue)
	}
	if ex == nil {
		return fmt.Errorf("upsert %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	qc, qu, err := q.upsertColumns(conflict, update)
	if err != nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), err)
	}
	rv := reflect.ValueOf(v).Elem()
	err = unchangedOnError([]reflect.Value{rv}, func() error {
		return touching(ctx, ex, q.model, []reflect.Value{rv}, func(ex sqlt.Executor, now time.Time) error {
			if err := q.applyAttrs(rv); err != nil {
				return err
			}
			stamp(q.model, rv, true, now)
			return upsertBatch(ctx, ex, q.model, []reflect.Value{rv}, qc, qu)
		})
	})
	if err != nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), err)
	}
	return nil
}

// upsertColumns validates the conflict and update columns of an upsert and
// returns them quoted; update defaults as documented on [Query.Upsert].
func (q *Query[T]) upsertColumns(conflict, update []string) (qc, qu []string, err error) {
	if len(conflict) == 0 {
		return nil, nil, fmt.Errorf("no conflict columns: %w", ErrBadArgument)
	}
	m := q.model
	quote := func(cols []string) ([]string, error) {
		out := make([]string, len(cols))
		for i, c := range cols {
			name, err := m.CheckColumn(c)
			if err != nil {
				return nil, err
			}
			out[i] = sqltext.Ident(name)
		}
		return out, nil
	}
	if qc, err = quote(conflict); err != nil {
		return nil, nil, err
	}
	if len(update) == 0 {
		skip := map[string]bool{}
		for _, c := range conflict {
			skip[c] = true
		}
		for _, f := range m.Fields {
			if !f.ReadOnly && !f.PK && !skip[f.Column] && f != m.CreatedAt {
				update = append(update, f.Column)
			}
		}
	}
	if len(update) == 0 {
		// Nothing else to write: a no-op update keeps RETURNING working.
		update = conflict[:1]
	}
	if qu, err = quote(update); err != nil {
		return nil, nil, err
	}
	return qc, qu, nil
}

// UpsertMany is [Query.Upsert] for many rows: one multi-row
// "insert … on conflict (…) do update set …" per batch of rows that fits
// the bound-parameter limit, all in one transaction. The primary key of
// each inserted or updated row (and the timestamps it sets) is stored into
// the caller's element, rows[i] (read with RETURNING, whose rows come in
// the order of the VALUES list on both databases, as InsertMany relies
// on). If one row fails none is written, and every row is left as it was
// before the call. For a []*T use [Query.UpsertManyPtrs].
//
// Two rows with the same values in the conflict columns are refused with
// an error matching ErrBadArgument before any statement: PostgreSQL fails
// a statement that would update one row twice ("ON CONFLICT DO UPDATE
// command cannot affect row a second time"), and which of the two should
// win is the caller's choice. Rows with a NULL conflict column never
// conflict (NULLs are distinct in a unique index) and are not compared,
// nor are rows with a zero key when the key is a conflict column (new rows
// of an upsert by primary key).
// Without rows UpsertMany runs no statement and returns nil; the conflict
// and update columns are checked first.
func (q *Query[T]) UpsertMany(ctx context.Context, ex sqlt.Executor, rows []T, conflict []string, update ...string) error {
	return q.upsertMany(ctx, ex, ptrsTo(rows), conflict, update)
}

// UpsertManyPtrs is [Query.UpsertMany] for a []*T. A nil element is
// refused with an error matching sqlt.ErrNilValue before any statement.
func (q *Query[T]) UpsertManyPtrs(ctx context.Context, ex sqlt.Executor, rows []*T, conflict []string, update ...string) error {
	return q.upsertMany(ctx, ex, rows, conflict, update)
}

func (q *Query[T]) upsertMany(ctx context.Context, ex sqlt.Executor, rows []*T, conflict, update []string) error {
	if err := q.rowWritable("upsert many"); err != nil {
		return err
	}
	qc, qu, err := q.upsertColumns(conflict, update)
	if err != nil {
		return fmt.Errorf("upsert many %s: %w", q.tableName(), err)
	}
	vals, err := q.manyRows("upsert many", ex, rows)
	if err != nil || len(vals) == 0 {
		return err
	}
	m := q.model
	err = unchangedOnError(vals, func() error {
		now := schema.Now()
		for _, v := range vals {
			if err := q.applyAttrs(v); err != nil {
				return err
			}
			stamp(m, v, true, now)
		}
		if err := distinctConflicts(m, vals, conflict); err != nil {
			return err
		}
		// Rows with and without a key write different columns.
		var keyed, generated []reflect.Value
		for _, v := range vals {
			if pkIsZero(m, v) {
				generated = append(generated, v)
			} else {
				keyed = append(keyed, v)
			}
		}
		per := maxInsertParams / max(1, len(m.Fields))
		return sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			for _, group := range [][]reflect.Value{keyed, generated} {
				for start := 0; start < len(group); start += per {
					end := min(start+per, len(group))
					if err := upsertBatch(ctx, tx, m, group[start:end], qc, qu); err != nil {
						return err
					}
				}
			}
			return touch.Owners(ctx, tx, m, vals, now)
		})
	})
	if err != nil {
		return fmt.Errorf("upsert many %s: %w", q.tableName(), err)
	}
	return nil
}

// distinctConflicts refuses two rows with the same non-NULL values in the
// conflict columns. A row with a zero primary key is inserted without it
// (the database generates it), so it cannot conflict on that column.
func distinctConflicts(m *schema.Model, vals []reflect.Value, conflict []string) error {
	fields := make([]*schema.Field, len(conflict))
	for i, c := range conflict {
		name, err := m.CheckColumn(c)
		if err != nil {
			return err
		}
		fields[i], _ = m.Column(name)
	}
	seen := make(map[string]int, len(vals))
	var key strings.Builder
rows:
	for i, v := range vals {
		key.Reset()
		for _, f := range fields {
			if f.PK && pkIsZero(m, v) {
				continue rows
			}
			x := f.Get(v).Interface()
			if isNull(x) {
				continue rows
			}
			if dv, ok := x.(driver.Valuer); ok {
				if y, err := dv.Value(); err == nil {
					x = y
				}
			}
			fmt.Fprintf(&key, "%#v\x00", x)
		}
		if j, dup := seen[key.String()]; dup {
			return fmt.Errorf("rows %d and %d have the same %s: one statement cannot update a row twice (merge them first): %w",
				j, i, strings.Join(conflict, ", "), ErrBadArgument)
		}
		seen[key.String()] = i
	}
	return nil
}

// upsertBatch upserts rows (all with a primary key, or all without) in one
// statement and stores the primary key of each inserted or updated row
// back into it.
func upsertBatch(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value, qc, qu []string) error {
	d := ex.Dialect()
	if m.PK != nil && !d.Returning() && d.Name() == "mysql" {
		return upsertEach(ctx, ex, m, rows, qc, qu)
	}
	s, args := insertSQL(d, m, rows, !pkIsZero(m, rows[0]), false)
	s += d.Upsert(qc, qu)
	if m.PK == nil || !d.Returning() {
		_, err := ex.Exec(ctx, s, args...)
		return err
	}
	rs, err := ex.Query(ctx, s+" returning "+sqltext.Ident(m.PK.Column), args...)
	if err != nil {
		return err
	}
	return readKeys(rs, m, rows, "upsert")
}

// upsertEach is upsertBatch on MySQL without RETURNING: one statement a
// row, whose update clause also sets "pk = last_insert_id(pk)", so that
// the driver's last insert id is the row's key whether it was inserted or
// updated (MySQL's documented idiom; see insertEach for why rows are not
// numbered from the first key).
func upsertEach(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value, qc, qu []string) error {
	d := ex.Dialect()
	pk := sqltext.Ident(m.PK.Column)
	for _, r := range rows {
		s, args := insertSQL(d, m, []reflect.Value{r}, !pkIsZero(m, r), false)
		s += d.Upsert(qc, qu) + ", " + pk + " = last_insert_id(" + pk + ")"
		res, err := ex.Exec(ctx, s, args...)
		if err != nil {
			return err
		}
		if res.LastInsertID != 0 && pkIsZero(m, r) {
			if err := schema.Assign(m.PK.Set(r), res.LastInsertID); err != nil {
				return fmt.Errorf("upsert: key %d: %w", res.LastInsertID, err)
			}
		}
	}
	return nil
}

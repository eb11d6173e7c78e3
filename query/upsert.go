package query

import (
	"context"
	"fmt"
	"reflect"

	"github.com/relkit/relkit/sqlt"
)

// Upsert inserts the row v points to or, when it collides with an
// existing row on the conflict columns (a unique key), updates that row's
// update columns — by default every written column except the conflict
// columns, the primary key and created_at. The primary key of the inserted
// or updated row is stored back into v. Column names are validated. If the
// upsert fails, *v is left as it was before the call, as for
// [Query.Insert].
func (q *Query[T]) Upsert(ctx context.Context, ex sqlt.Executor, v *T, conflict []string, update ...string) error {
	if err := q.writable("upsert"); err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), sqlt.ErrNilValue)
	}
	if ex == nil {
		return fmt.Errorf("upsert %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	if len(conflict) == 0 {
		return fmt.Errorf("upsert %s: no conflict columns: %w", q.tableName(), ErrBadArgument)
	}
	m := q.model
	quote := func(cols []string) ([]string, error) {
		out := make([]string, len(cols))
		for i, c := range cols {
			name, err := m.CheckColumn(c)
			if err != nil {
				return nil, err
			}
			out[i] = sqlt.Ident(name)
		}
		return out, nil
	}
	qc, err := quote(conflict)
	if err != nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), err)
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
	qu, err := quote(update)
	if err != nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), err)
	}
	rv := reflect.ValueOf(v).Elem()
	err = unchangedOnError([]reflect.Value{rv}, func() error {
		if err := q.applyAttrs(rv); err != nil {
			return err
		}
		touch(m, rv, true)
		s, args := insertSQL(m, []reflect.Value{rv}, !pkIsZero(m, rv), false)
		s += ex.Dialect().Upsert(qc, qu)
		if m.PK == nil || !ex.Dialect().Returning() {
			_, err := ex.Exec(ctx, s, args...)
			return err
		}
		rows, err := ex.Query(ctx, s+" returning "+sqlt.Ident(m.PK.Column), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			if err := rows.Scan(m.PK.Set(rv).Addr().Interface()); err != nil {
				return err
			}
		}
		return rows.Close()
	})
	if err != nil {
		return fmt.Errorf("upsert %s: %w", q.tableName(), err)
	}
	return nil
}

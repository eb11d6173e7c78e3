package query

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/internal/touch"
	"github.com/relkit/relkit/sqlt"
)

// ErrUnsupported is returned for a write the query cannot do (a write
// through a belongsToMany relation query, whose error names the function
// of package pivot that does it: pivot.Create for Create, …; a write
// through a hasOneThrough or hasManyThrough query), and for a statement
// the database cannot run (a per-parent limit in an eager load on SQLite
// before 3.25).
var ErrUnsupported = render.ErrUnsupported

// pivotWrites names, for the writes refused on a belongsToMany relation
// query, the function of package pivot that does them. FirstOrNew and
// FindOrNew are refused too, before any statement, although they write
// nothing: pivot.FirstOrNew searches the whole related table (Laravel's
// firstOrNew), which a query scoped to the relation cannot say.
var pivotWrites = map[string]string{
	"insert":           "pivot.Save",
	"save":             "pivot.Save",
	"insert many":      "pivot.SaveMany",
	"save many":        "pivot.SaveMany",
	"create":           "pivot.Create",
	"create many":      "pivot.CreateMany",
	"first or new":     "pivot.FirstOrNew",
	"find or new":      "pivot.FindOrNew",
	"first or create":  "pivot.FirstOrCreate",
	"update or create": "pivot.UpdateOrCreate",
}

func (q *Query[T]) writable(op string) error {
	if q.err != nil {
		return fmt.Errorf("%s %s: %w", op, q.tableName(), q.err)
	}
	if q.pivot != nil {
		use := "query.From for the related rows, package pivot for the pivot rows"
		if f, ok := pivotWrites[op]; ok {
			use = f
		}
		return fmt.Errorf("%s %s through belongsToMany %s: use %s: %w", op, q.tableName(), q.pivot.Name, use, ErrUnsupported)
	}
	if q.through != nil {
		return fmt.Errorf("%s %s through %s %s: write through %s's own relation: %w", op, q.tableName(), q.through.Kind, q.through.Name, q.through.Through.Type.Name(), ErrUnsupported)
	}
	if q.ofMany != nil && (op == "update all" || op == "delete all") {
		// The mass statement has no joins: it would reach every related row.
		return fmt.Errorf("%s %s through one-of-many %s: update or delete the row read: %w", op, q.tableName(), q.ofMany.Name, ErrUnsupported)
	}
	return nil
}

// rowWritable is writable for the writes that store rows (insert, update,
// save, upsert), and also fails a write through a hasOne/hasMany relation
// whose parent has a NULL or zero key (an unsaved parent): the row would
// get a foreign key that points nowhere.
func (q *Query[T]) rowWritable(op string) error {
	if err := q.writable(op); err != nil {
		return err
	}
	if q.none && len(q.attrs) > 0 {
		return fmt.Errorf("%s %s: the parent has no key (save it first): %w", op, q.tableName(), ErrBadArgument)
	}
	return nil
}

// manyRows checks the rows of a many-write before any statement: a nil
// element is refused, and an executor is needed only when there are rows.
// It returns the addressable struct each element points to, in order.
func (q *Query[T]) manyRows(op string, ex sqlt.Executor, rows []*T) ([]reflect.Value, error) {
	vals := make([]reflect.Value, len(rows))
	for i, p := range rows {
		if p == nil {
			return nil, fmt.Errorf("%s %s: row %d is a nil pointer: %w", op, q.tableName(), i, sqlt.ErrNilValue)
		}
		vals[i] = reflect.ValueOf(p).Elem()
	}
	if len(vals) > 0 && ex == nil {
		return nil, fmt.Errorf("%s %s: nil executor: %w", op, q.tableName(), sqlt.ErrNilValue)
	}
	return vals, nil
}

// ptrsTo returns pointers to the elements of rows, so that a many-write
// of a []T stores keys and timestamps in the caller's elements.
func ptrsTo[T any](rows []T) []*T {
	ptrs := make([]*T, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	return ptrs
}

// applyAttrs sets the relation's foreign key (and other scope attributes)
// on v, and its back-reference to the parent (a chaperone).
func (q *Query[T]) applyAttrs(v reflect.Value) error {
	for col, val := range q.attrs {
		f, ok := q.model.Column(col)
		if !ok {
			return &sqlt.UnknownColumnError{Type: q.model.Type.String(), Column: col}
		}
		if err := keys.Set(f.Set(v), val); err != nil {
			return err
		}
	}
	if q.adopt != nil {
		q.adopt(v.Addr().Interface().(*T))
	}
	return nil
}

func pkIsZero(m *schema.Model, v reflect.Value) bool {
	if m.PK == nil {
		return true
	}
	return m.PK.Get(v).IsZero()
}

// insertSQL renders an INSERT of the given rows; withPK includes the
// primary key column. It returns the SQL and its arguments.
func insertSQL(d sqlt.Dialect, m *schema.Model, rows []reflect.Value, withPK bool, returning bool) (string, []any) {
	var cols []*schema.Field
	for _, f := range m.Fields {
		if f.ReadOnly || (f.PK && !withPK) {
			continue
		}
		cols = append(cols, f)
	}
	var b strings.Builder
	b.WriteString("insert into " + sqltext.Ident(m.Table))
	if len(cols) == 0 {
		// Only a generated key: one row per statement (insertRows sees to it).
		if d.Name() == "mysql" {
			b.WriteString(" () values ()")
		} else {
			b.WriteString(" default values")
		}
		if returning && m.PK != nil {
			b.WriteString(" returning " + sqltext.Ident(m.PK.Column))
		}
		return b.String(), nil
	}
	b.WriteString(" (")
	for i, f := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sqltext.Ident(f.Column))
	}
	b.WriteString(") values ")
	args := make([]any, 0, len(cols)*len(rows))
	row := "(" + placeholders(len(cols)) + ")"
	for i, v := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		for _, f := range cols {
			args = append(args, f.Get(v).Interface())
		}
	}
	if returning && m.PK != nil {
		b.WriteString(" returning " + sqltext.Ident(m.PK.Column))
	}
	return b.String(), args
}

// stamp sets the row's timestamps to now: created_at and updated_at when
// creating and they are zero, updated_at otherwise.
func stamp(m *schema.Model, v reflect.Value, creating bool, now time.Time) {
	if creating && m.CreatedAt != nil && m.CreatedAt.Get(v).IsZero() {
		schema.SetTime(m.CreatedAt.Set(v), now)
	}
	if m.UpdatedAt != nil && (!creating || m.UpdatedAt.Get(v).IsZero()) {
		schema.SetTime(m.UpdatedAt.Set(v), now)
	}
}

// Insert inserts the row that v points to and stores the generated primary
// key back into it. A zero primary key is left to the database; created_at
// and updated_at are set when the struct has them and they are zero. On a
// relation query the foreign key is set first.
//
// If the insert fails (a constraint, a cancelled context, …), *v is left
// as it was before the call: no generated key, foreign key or timestamp is
// kept. Inside a transaction of the caller that is rolled back later, *v
// keeps what a successful Insert set, key included, although the row is
// gone: relkit cannot see that rollback (see the package documentation).
func (q *Query[T]) Insert(ctx context.Context, ex sqlt.Executor, v *T) error {
	if err := q.rowWritable("insert"); err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("insert %s: %w", q.tableName(), sqlt.ErrNilValue)
	}
	if ex == nil {
		return fmt.Errorf("insert %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	rv := reflect.ValueOf(v).Elem()
	err := unchangedOnError([]reflect.Value{rv}, func() error {
		return touching(ctx, ex, q.model, []reflect.Value{rv}, func(ex sqlt.Executor, now time.Time) error {
			return q.insert(ctx, ex, rv, now)
		})
	})
	if err != nil {
		return fmt.Errorf("insert %s: %w", q.tableName(), err)
	}
	return nil
}

// insert is the write of Insert, without touching: it sets the
// relation's foreign key and the timestamps on rv and inserts it.
func (q *Query[T]) insert(ctx context.Context, ex sqlt.Executor, rv reflect.Value, now time.Time) error {
	if err := q.applyAttrs(rv); err != nil {
		return err
	}
	stamp(q.model, rv, true, now)
	return insertRows(ctx, ex, q.model, []reflect.Value{rv})
}

// maxInsertParams bounds the bound parameters of one multi-row INSERT
// (SQLite allows 32766, PostgreSQL 65535).
const maxInsertParams = 30000

// insertRows inserts rows in as few statements as the parameter limit
// allows, reading generated keys back in order.
func insertRows(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value) error {
	if len(rows) == 0 {
		return nil
	}
	withPK := m.PK != nil
	for _, r := range rows {
		if pkIsZero(m, r) {
			withPK = false
			break
		}
	}
	if !withPK && m.PK != nil {
		// Mixed explicit and generated keys: the explicit ones go one by one.
		var gen []reflect.Value
		for _, r := range rows {
			if pkIsZero(m, r) {
				gen = append(gen, r)
				continue
			}
			if err := insertBatch(ctx, ex, m, []reflect.Value{r}, true); err != nil {
				return err
			}
		}
		rows = gen
	}
	per := maxInsertParams / max(1, len(m.Fields)) // within every database's parameter limit
	if !withPK && onlyKey(m) {
		per = 1 // "default values" inserts a single row
	}
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		if err := insertBatch(ctx, ex, m, rows[start:end], withPK); err != nil {
			return err
		}
	}
	return nil
}

// onlyKey reports whether m writes no column but its primary key.
func onlyKey(m *schema.Model) bool {
	for _, f := range m.Fields {
		if !f.ReadOnly && !f.PK {
			return false
		}
	}
	return true
}

func insertBatch(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value, withPK bool) error {
	d := ex.Dialect()
	returning := !withPK && m.PK != nil && d.Returning()
	if !withPK && m.PK != nil && !returning {
		return insertEach(ctx, ex, m, rows)
	}
	s, args := insertSQL(d, m, rows, withPK, returning)
	if !returning {
		_, err := ex.Exec(ctx, s, args...)
		return err
	}
	rs, err := ex.Query(ctx, s, args...)
	if err != nil {
		return err
	}
	return readKeys(rs, m, rows, "insert")
}

// insertEach inserts rows whose keys the database generates, on a
// database without RETURNING (MySQL): one statement a row, each row's key
// read from the driver's last insert id. MySQL numbers the rows of a
// multi-row INSERT consecutively only under some auto-increment lock
// modes (innodb_autoinc_lock_mode 0 and 1, not MySQL 8's default 2) and
// increments (auto_increment_increment), so relkit never infers the keys
// of several rows from the first one: an id is never given to the wrong
// struct. A key the database generates some other way (a default
// expression) is not read back.
func insertEach(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value) error {
	for _, r := range rows {
		s, args := insertSQL(ex.Dialect(), m, []reflect.Value{r}, false, false)
		res, err := ex.Exec(ctx, s, args...)
		if err != nil {
			return err
		}
		if res.LastInsertID != 0 {
			if err := schema.Assign(m.PK.Set(r), res.LastInsertID); err != nil {
				return fmt.Errorf("insert: generated key %d: %w", res.LastInsertID, err)
			}
		}
	}
	return nil
}

// readKeys reads the primary keys a statement's RETURNING reports, in row
// order, into rows, and closes rs; what names the statement in the error
// for a key count that does not match.
func readKeys(rs *sqlt.Rows, m *schema.Model, rows []reflect.Value, what string) error {
	defer rs.Close()
	i := 0
	for rs.Next() && i < len(rows) {
		if err := rs.Scan(m.PK.Set(rows[i]).Addr().Interface()); err != nil {
			return err
		}
		i++
	}
	if err := rs.Close(); err != nil {
		return err
	}
	if i != len(rows) {
		return fmt.Errorf("%s returned %d keys for %d rows", what, i, len(rows))
	}
	return nil
}

// InsertMany inserts rows in one transaction, with batched multi-row
// INSERTs, and stores generated keys (and the timestamps and foreign key
// it sets) into the caller's elements: rows[i] is updated in place. If one
// row fails, none is written, and every row is left as it was before the
// call (keys, foreign keys and timestamps included), so that retrying it
// runs the same statements as the first attempt. Inside a caller's
// transaction rolled back later, the rows keep their keys, as for
// [Query.Insert]. Without rows InsertMany runs no statement and returns
// nil. For a []*T use [Query.InsertManyPtrs].
func (q *Query[T]) InsertMany(ctx context.Context, ex sqlt.Executor, rows []T) error {
	return q.insertMany(ctx, ex, ptrsTo(rows))
}

// InsertManyPtrs is [Query.InsertMany] for a []*T: keys are stored into
// the structs the elements point to. A nil element is refused with an
// error matching sqlt.ErrNilValue before any statement.
func (q *Query[T]) InsertManyPtrs(ctx context.Context, ex sqlt.Executor, rows []*T) error {
	return q.insertMany(ctx, ex, rows)
}

func (q *Query[T]) insertMany(ctx context.Context, ex sqlt.Executor, rows []*T) error {
	if err := q.rowWritable("insert many"); err != nil {
		return err
	}
	vals, err := q.manyRows("insert many", ex, rows)
	if err != nil || len(vals) == 0 {
		return err
	}
	err = unchangedOnError(vals, func() error {
		now := schema.Now()
		for _, v := range vals {
			if err := q.applyAttrs(v); err != nil {
				return err
			}
			stamp(q.model, v, true, now)
		}
		return sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			if err := insertRows(ctx, tx, q.model, vals); err != nil {
				return err
			}
			return touch.Owners(ctx, tx, q.model, vals, now)
		})
	})
	if err != nil {
		return fmt.Errorf("insert many %s: %w", q.tableName(), err)
	}
	return nil
}

// Update writes every column of the row v points to, by primary key, and
// sets updated_at when the struct has it. It returns sqlt.ErrNotFound when
// no row has that key. On any error *v is left as it was before the call
// (updated_at and, on a relation query, the foreign key included).
func (q *Query[T]) Update(ctx context.Context, ex sqlt.Executor, v *T) error {
	if err := q.rowWritable("update"); err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("update %s: %w", q.tableName(), sqlt.ErrNilValue)
	}
	rv := reflect.ValueOf(v).Elem()
	err := unchangedOnError([]reflect.Value{rv}, func() error {
		return touching(ctx, ex, q.model, []reflect.Value{rv}, func(ex sqlt.Executor, now time.Time) error {
			n, err := q.update(ctx, ex, rv, now)
			if err == nil && n == 0 {
				err = sqlt.ErrNotFound
			}
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("update %s: %w", q.tableName(), err)
	}
	return nil
}

func (q *Query[T]) update(ctx context.Context, ex sqlt.Executor, rv reflect.Value, now time.Time) (int64, error) {
	m := q.model
	if m.PK == nil {
		return 0, sqlt.ErrNoPrimaryKey
	}
	if ex == nil {
		return 0, fmt.Errorf("nil executor: %w", sqlt.ErrNilValue)
	}
	if err := q.applyAttrs(rv); err != nil {
		return 0, err
	}
	return updateRow(ctx, ex, m, rv, now)
}

// updateRow writes every column of rv (an addressable struct of model m)
// by primary key, setting updated_at to now, and returns the rows affected.
func updateRow(ctx context.Context, ex sqlt.Executor, m *schema.Model, rv reflect.Value, now time.Time) (int64, error) {
	stamp(m, rv, false, now)
	var sets []string
	var args []any
	for _, f := range m.Fields {
		if f.PK || f.ReadOnly {
			continue
		}
		sets = append(sets, sqltext.Ident(f.Column)+" = ?")
		args = append(args, f.Get(rv).Interface())
	}
	args = append(args, m.PK.Get(rv).Interface())
	res, err := ex.Exec(ctx, "update "+sqltext.Ident(m.Table)+" set "+strings.Join(sets, ", ")+" where "+sqltext.Ident(m.PK.Column)+" = ?", args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected, nil
}

// Save inserts v when its primary key is zero, and updates it otherwise
// (inserting it with its key when no row has that key). A struct without a
// primary key cannot be saved (sqlt.ErrNoPrimaryKey): use Insert. If the
// save fails, *v is left as it was before the call, as for [Query.Insert].
func (q *Query[T]) Save(ctx context.Context, ex sqlt.Executor, v *T) error {
	if err := q.rowWritable("save"); err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("save %s: %w", q.tableName(), sqlt.ErrNilValue)
	}
	if q.model.PK == nil {
		return fmt.Errorf("save %s: %w", q.tableName(), sqlt.ErrNoPrimaryKey)
	}
	rv := reflect.ValueOf(v).Elem()
	if pkIsZero(q.model, rv) {
		return q.Insert(ctx, ex, v)
	}
	return unchangedOnError([]reflect.Value{rv}, func() error {
		return touching(ctx, ex, q.model, []reflect.Value{rv}, func(ex sqlt.Executor, now time.Time) error {
			return q.save(ctx, ex, rv, now)
		})
	})
}

// save is the write of Save, without touching, for a row with a key:
// an update, or an insert when no row has that key.
func (q *Query[T]) save(ctx context.Context, ex sqlt.Executor, rv reflect.Value, now time.Time) error {
	if !pkIsZero(q.model, rv) {
		n, err := q.update(ctx, ex, rv, now)
		if err != nil {
			return fmt.Errorf("save %s: %w", q.tableName(), err)
		}
		if n > 0 {
			return nil
		}
	}
	if err := q.insert(ctx, ex, rv, now); err != nil {
		return fmt.Errorf("insert %s: %w", q.tableName(), err)
	}
	return nil
}

// SaveMany saves every row, as [Query.Save] does, in one transaction;
// keys and timestamps are stored into the caller's elements. If one row
// fails, nothing is written and every row is left as it was before the
// call (keys, foreign keys and timestamps included), as for
// [Query.InsertMany]. Without rows SaveMany runs no statement and returns
// nil. For a []*T use [Query.SaveManyPtrs].
func (q *Query[T]) SaveMany(ctx context.Context, ex sqlt.Executor, rows []T) error {
	return q.saveMany(ctx, ex, ptrsTo(rows))
}

// SaveManyPtrs is [Query.SaveMany] for a []*T. A nil element is refused
// with an error matching sqlt.ErrNilValue before any statement.
func (q *Query[T]) SaveManyPtrs(ctx context.Context, ex sqlt.Executor, rows []*T) error {
	return q.saveMany(ctx, ex, rows)
}

func (q *Query[T]) saveMany(ctx context.Context, ex sqlt.Executor, rows []*T) error {
	if err := q.rowWritable("save many"); err != nil {
		return err
	}
	if q.model.PK == nil {
		return fmt.Errorf("save many %s: %w", q.tableName(), sqlt.ErrNoPrimaryKey)
	}
	vals, err := q.manyRows("save many", ex, rows)
	if err != nil || len(vals) == 0 {
		return err
	}
	return unchangedOnError(vals, func() error {
		now := schema.Now()
		return sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			for _, v := range vals {
				if err := q.save(ctx, tx, v, now); err != nil {
					return err
				}
			}
			return touch.Owners(ctx, tx, q.model, vals, now)
		})
	})
}

// Create inserts a copy of v (setting the relation's foreign key on a
// relation query) and returns it with its generated key.
func (q *Query[T]) Create(ctx context.Context, ex sqlt.Executor, v T) (T, error) {
	if err := q.writable("create"); err != nil {
		var zero T
		return zero, err
	}
	if err := q.Insert(ctx, ex, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// CreateMany inserts copies of rows in one transaction and returns them
// with their keys. If one fails, none is written.
func (q *Query[T]) CreateMany(ctx context.Context, ex sqlt.Executor, rows []T) ([]T, error) {
	if err := q.writable("create many"); err != nil {
		return nil, err
	}
	out := append([]T(nil), rows...)
	if err := q.InsertMany(ctx, ex, out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// Delete deletes the row v points to, by primary key. It returns
// sqlt.ErrNotFound when no row has that key.
func (q *Query[T]) Delete(ctx context.Context, ex sqlt.Executor, v *T) error {
	if err := q.writable("delete"); err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("delete %s: %w", q.tableName(), sqlt.ErrNilValue)
	}
	if q.model.PK == nil {
		return fmt.Errorf("delete %s: %w", q.tableName(), sqlt.ErrNoPrimaryKey)
	}
	if ex == nil {
		return fmt.Errorf("delete %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	rv := reflect.ValueOf(v).Elem()
	err := touching(ctx, ex, q.model, []reflect.Value{rv}, func(ex sqlt.Executor, _ time.Time) error {
		res, err := ex.Exec(ctx, "delete from "+sqltext.Ident(q.model.Table)+" where "+sqltext.Ident(q.model.PK.Column)+" = ?", q.model.PK.Get(rv).Interface())
		if err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return sqlt.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", q.tableName(), err)
	}
	return nil
}

// whereSQL renders the query's WHERE clause (scope and conditions) for a
// mass UPDATE or DELETE on the table, without joins.
func (q *Query[T]) whereSQL() (string, []any, error) {
	w := q.whereClause()
	if w == nil {
		return "", nil, nil
	}
	s, args, err := w.ToSql()
	if err != nil {
		return "", nil, err
	}
	return " where " + s, args, nil
}

// UpdateAll sets columns on every row the query matches (its conditions
// and, for a relation query, its scope) and returns the rows affected.
// Column names are validated; updated_at is set when the struct has it and
// values does not.
func (q *Query[T]) UpdateAll(ctx context.Context, ex sqlt.Executor, values map[string]any) (int64, error) {
	if err := q.writable("update all"); err != nil {
		return 0, err
	}
	if q.none {
		return 0, ctx.Err()
	}
	if len(values) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		if _, err := q.model.CheckColumn(k); err != nil {
			return 0, fmt.Errorf("update all %s: %w", q.tableName(), err)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sets []string
	var args []any
	for _, k := range keys {
		sets = append(sets, sqltext.Ident(k)+" = ?")
		args = append(args, values[k])
	}
	if u := q.model.UpdatedAt; u != nil {
		if _, given := values[u.Column]; !given {
			sets = append(sets, sqltext.Ident(u.Column)+" = ?")
			args = append(args, schema.Now())
		}
	}
	w, wargs, err := q.whereSQL()
	if err != nil {
		return 0, fmt.Errorf("update all %s: %w", q.tableName(), err)
	}
	if ex == nil {
		return 0, fmt.Errorf("update all %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	res, err := ex.Exec(ctx, "update "+sqltext.Ident(q.model.Table)+" set "+strings.Join(sets, ", ")+w, append(args, wargs...)...)
	if err != nil {
		return 0, fmt.Errorf("update all %s: %w", q.tableName(), err)
	}
	return res.RowsAffected, nil
}

// DeleteAll deletes every row the query matches and returns how many.
func (q *Query[T]) DeleteAll(ctx context.Context, ex sqlt.Executor) (int64, error) {
	if err := q.writable("delete all"); err != nil {
		return 0, err
	}
	if q.none {
		return 0, ctx.Err()
	}
	w, args, err := q.whereSQL()
	if err != nil {
		return 0, fmt.Errorf("delete all %s: %w", q.tableName(), err)
	}
	if ex == nil {
		return 0, fmt.Errorf("delete all %s: nil executor: %w", q.tableName(), sqlt.ErrNilValue)
	}
	res, err := ex.Exec(ctx, "delete from "+sqltext.Ident(q.model.Table)+w, args...)
	if err != nil {
		return 0, fmt.Errorf("delete all %s: %w", q.tableName(), err)
	}
	return res.RowsAffected, nil
}

// WhereAttrs adds "column = value" for each attribute (column → value,
// taken in column order), or "column is null" for a NULL value (nil, a nil
// pointer, a Valuer of NULL), as Laravel's where(attributes) does: the
// lookup of [Query.FirstOrNew], [Query.FirstOrCreate] and
// [Query.UpdateOrCreate]. Columns are validated as in [Query.WhereOp].
func (q *Query[T]) WhereAttrs(attrs map[string]any) *Query[T] {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if isNull(attrs[k]) {
			q = q.WhereNull(k)
			continue
		}
		q = q.WhereOp(k, "=", attrs[k])
	}
	return q
}

// isNull reports whether v is written as SQL NULL: nil, a nil pointer, or a
// driver.Valuer (sql.NullString{}, …) whose value is nil.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return true
	}
	if dv, ok := v.(driver.Valuer); ok {
		val, err := dv.Value()
		return err == nil && val == nil
	}
	return false
}

// FirstOrNew returns the first row matching attrs (column → value), or a
// new, unsaved T filled with attrs and then values. On a relation query the
// lookup is scoped to the parent and the new T carries the foreign key.
func (q *Query[T]) FirstOrNew(ctx context.Context, ex sqlt.Executor, attrs map[string]any, values ...map[string]any) (T, error) {
	if err := q.writable("first or new"); err != nil {
		var zero T
		return zero, err
	}
	v, _, err := q.firstOrNew(ctx, ex, attrs, values)
	if err != nil {
		return v, fmt.Errorf("first or new %s: %w", q.tableName(), err)
	}
	return v, nil
}

func (q *Query[T]) firstOrNew(ctx context.Context, ex sqlt.Executor, attrs map[string]any, values []map[string]any) (T, bool, error) {
	var zero T
	// The new row is made first, so that a bad column name or value in
	// attrs or values fails before any statement runs.
	var fresh T
	rv := reflect.ValueOf(&fresh).Elem()
	if err := q.model.Fill(rv, append([]map[string]any{attrs}, values...)...); err != nil {
		return zero, false, err
	}
	if err := q.applyAttrs(rv); err != nil {
		return zero, false, err
	}
	v, err := q.WhereAttrs(attrs).First(ctx, ex)
	if err == nil {
		return v, true, nil
	}
	if !errors.Is(err, sqlt.ErrNotFound) {
		return zero, false, err
	}
	return fresh, false, nil
}

// FirstOrCreate returns the first row matching attrs, or inserts one made
// of attrs and values (with the foreign key on a relation query).
func (q *Query[T]) FirstOrCreate(ctx context.Context, ex sqlt.Executor, attrs map[string]any, values ...map[string]any) (T, error) {
	if err := q.writable("first or create"); err != nil {
		var zero T
		return zero, err
	}
	ctx = reltag.Write(ctx) // its read is part of the write: no N+1 read
	v, found, err := q.firstOrNew(ctx, ex, attrs, values)
	if err != nil {
		return v, fmt.Errorf("first or create %s: %w", q.tableName(), err)
	}
	if !found {
		if err := q.Insert(ctx, ex, &v); err != nil {
			var zero T
			return zero, err
		}
	}
	return v, nil
}

// UpdateOrCreate updates the first row matching attrs with values, or
// inserts one made of attrs and values.
func (q *Query[T]) UpdateOrCreate(ctx context.Context, ex sqlt.Executor, attrs map[string]any, values map[string]any) (T, error) {
	if err := q.writable("update or create"); err != nil {
		var zero T
		return zero, err
	}
	ctx = reltag.Write(ctx) // its read is part of the write: no N+1 read
	v, found, err := q.firstOrNew(ctx, ex, attrs, []map[string]any{values})
	if err != nil {
		return v, fmt.Errorf("update or create %s: %w", q.tableName(), err)
	}
	if !found {
		if err := q.Insert(ctx, ex, &v); err != nil {
			var zero T
			return zero, err
		}
		return v, nil
	}
	rv := reflect.ValueOf(&v).Elem()
	if err := q.model.Fill(rv, values); err != nil {
		var zero T
		return zero, fmt.Errorf("update or create %s: %w", q.tableName(), err)
	}
	if err := q.Update(ctx, ex, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// FindOrNew returns the row with primary key id (within the relation on a
// relation query), or a new, unsaved T carrying the foreign key.
func (q *Query[T]) FindOrNew(ctx context.Context, ex sqlt.Executor, id any) (T, error) {
	var zero, fresh T
	if err := q.writable("find or new"); err != nil {
		return zero, err
	}
	if err := q.applyAttrs(reflect.ValueOf(&fresh).Elem()); err != nil {
		return zero, fmt.Errorf("find or new %s: %w", q.tableName(), err)
	}
	v, err := q.Find(ctx, ex, id)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sqlt.ErrNotFound) {
		return zero, err
	}
	return fresh, nil
}

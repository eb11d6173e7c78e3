package query

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Related returns a query on the C rows related to parent through r (Sutando's
// user.related('posts')). Every builder method works on it. The relation's
// scope is kept apart from the conditions you add, so
//
//	query.Related(UserPosts, &u).Where(a).OrWhere(b)
//
// renders `where "posts"."user_id" = ? and (a or b)`: unlike Sutando, whose
// docs warn that orWhere escapes the relation, the scope cannot be escaped.
//
// A parent whose key is NULL or the zero value (an unsaved struct) has no
// related rows: the query returns nothing and runs no statement, UpdateAll
// and DeleteAll affect nothing, and Insert, Save, Create and the other
// writes that would set the foreign key fail with ErrBadArgument (save the
// parent first). A nil parent is an error.
//
// Writes on the query (Insert, Save, Create, FirstOrCreate, …) set the
// foreign key to the parent's key (hasOne/hasMany). For belongsToMany use
// package pivot to attach rows.
func Related[P, C any](r rel.Typed[P, C], parent *P) *Query[C] {
	q := From[C]()
	if r == nil {
		return q.SetErr(fmt.Errorf("related: nil relation: %w", sqlt.ErrNilValue))
	}
	m := relmeta.Of(r)
	if err := m.Err(); err != nil {
		return q.SetErr(fmt.Errorf("related: %w", err))
	}
	if parent == nil {
		return q.SetErr(fmt.Errorf("related %s: nil parent: %w", m.Name, sqlt.ErrNilValue))
	}
	key, ok, err := r.ParentKey(parent)
	if err != nil {
		return q.SetErr(fmt.Errorf("related %s: %w", m.Name, err))
	}
	q = ScopeRelation(q, m, key)
	if !ok || keys.IsZero(key) {
		q = q.clone()
		q.none = true
	}
	return q
}

// ScopeRelation scopes q (a query on the relation's related table) to the
// rows related to a parent with the given key: the relation's join (for
// belongsToMany), its key condition, its own Where constraints and pivot
// filters, and the pivot columns to read.
func ScopeRelation[C any](q *Query[C], m *relmeta.Meta, key any) *Query[C] {
	key = keys.Bind(key, m.KeyBytes())
	return q.with(func(c *Query[C]) error {
		if c.model.Type != m.Related.Type {
			return fmt.Errorf("scope %s: query is on %s: %w", m.Name, c.model.Type, ErrBadArgument)
		}
		rt := m.Related.Table
		switch m.Kind {
		case relmeta.KindHasOne, relmeta.KindHasMany:
			fk := sqltext.Qualified(rt, m.ForeignKey)
			c.scope = append(c.scope, sq.Expr(fk+" = ?", key), sq.Expr(fk+" is not null"))
			// Copy: the map may be shared with the query c was cloned from.
			c.attrs = maps.Clone(c.attrs)
			if c.attrs == nil {
				c.attrs = map[string]any{}
			}
			c.attrs[m.ForeignKey] = key
		case relmeta.KindBelongsTo:
			c.scope = append(c.scope, sq.Expr(sqltext.Qualified(rt, m.OwnerKey)+" = ?", key))
		case relmeta.KindBelongsToMany:
			c.pivot = m
			c.selects = append(c.selects, PivotSelects(m)...)
			c.joins = append(c.joins, PivotJoin(m))
			c.scope = append(c.scope, sq.Expr(m.PivotColumn(m.ForeignPivotKey)+" = ?", key))
			if f := m.PivotFilter(); f != nil {
				c.scope = append(c.scope, f)
			}
			for _, o := range m.PivotOrders {
				dir := " asc"
				if o.Desc {
					dir = " desc"
				}
				c.orders = append(c.orders, sq.Expr(m.PivotColumn(o.Column)+dir))
			}
		}
		c.scope = append(c.scope, m.Wheres...)
		return nil
	})
}

// PivotJoin renders `"role_user" on "roles"."id" = "role_user"."role_id"`
// as an inner join clause.
func PivotJoin(m *relmeta.Meta) sq.Sqlizer {
	return sq.Expr("inner join " + sqltext.Ident(m.PivotTable) + " on " +
		sqltext.Qualified(m.Related.Table, m.RelatedKey) + " = " + m.PivotColumn(m.RelatedPivotKey))
}

// PivotAlias is the result column under which a pivot column is read.
func PivotAlias(col string) string { return names.PivotAlias(col) }

// PivotSelects renders the pivot columns read with a belongsToMany
// relation: the two keys, then WithPivot columns (timestamps included), as
// "pivot_<column>".
func PivotSelects(m *relmeta.Meta) []sq.Sqlizer {
	cols := append([]string{m.ForeignPivotKey, m.RelatedPivotKey}, m.PivotColumns...)
	out := make([]sq.Sqlizer, 0, len(cols))
	for _, c := range cols {
		out = append(out, sq.Expr(m.PivotColumn(c)+" as "+sqltext.Ident(PivotAlias(c))))
	}
	return out
}

// PivotExtra returns the scanning hook that moves pivot_* columns into the
// related struct's pivot field (see relmeta.Meta.PivotDest), or drops them when
// the struct has none.
func PivotExtra(m *relmeta.Meta) *schema.Extra { return pivotExtra(m) }

func pivotExtra(m *relmeta.Meta) *schema.Extra {
	return &schema.Extra{
		Want: func(col string) bool { return strings.HasPrefix(col, "pivot_") },
		Row: func(elem reflect.Value, cols []string, vals []any) error {
			if m.PivotDest == nil {
				return nil
			}
			return SetPivot(m, elem.FieldByIndex(m.PivotDest), cols, vals)
		},
	}
}

// SetPivot stores pivot values (columns named pivot_<col>) into a pivot
// field of type map[string]any, a struct or a pointer to a struct whose
// columns are matched by name (unknown columns are ignored there).
func SetPivot(m *relmeta.Meta, fv reflect.Value, cols []string, vals []any) error {
	t := fv.Type()
	switch {
	case t.Kind() == reflect.Map:
		mv := reflect.MakeMapWithSize(t, len(cols))
		for i, c := range cols {
			v := reflect.ValueOf(vals[i])
			if !v.IsValid() {
				v = reflect.Zero(t.Elem())
			} else if !v.Type().AssignableTo(t.Elem()) {
				if !v.Type().ConvertibleTo(t.Elem()) {
					return fmt.Errorf("pivot %s: %s into %s: %w", c, v.Type(), t.Elem(), ErrBadArgument)
				}
				v = v.Convert(t.Elem())
			}
			mv.SetMapIndex(reflect.ValueOf(strings.TrimPrefix(c, "pivot_")).Convert(t.Key()), v)
		}
		fv.Set(mv)
		return nil
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := SetPivot(m, p.Elem(), cols, vals); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	pm, err := schema.ModelOf(t)
	if err != nil {
		return fmt.Errorf("pivot field: %w", err)
	}
	for i, c := range cols {
		f, ok := pm.Column(strings.TrimPrefix(c, "pivot_"))
		if !ok {
			continue
		}
		if err := schema.Assign(f.Set(fv), vals[i]); err != nil {
			return fmt.Errorf("pivot %s: %w", c, err)
		}
	}
	return nil
}

// GetOne returns the model related to parent through a to-one relation
// (hasOne, belongsTo): Sutando's getRelated. When there is none it
// returns the relation's WithDefault value, or nil without an error.
func GetOne[P, C any](ctx context.Context, ex sqlt.Executor, r rel.ToOne[P, C], parent *P) (*C, error) {
	if r == nil {
		return nil, fmt.Errorf("get related: nil relation: %w", sqlt.ErrNilValue)
	}
	q := Related[P, C](r, parent)
	if q.err != nil {
		return nil, q.err
	}
	v, err := q.First(ctx, ex)
	if err == nil {
		return &v, nil
	}
	if !errors.Is(err, sqlt.ErrNotFound) {
		return nil, fmt.Errorf("get related %s: %w", relmeta.Of(r).Name, err)
	}
	if d, ok := r.Default(parent); ok {
		return &d, nil
	}
	return nil, nil
}

// GetMany returns the models related to parent through a to-many relation
// (hasMany, belongsToMany); an empty, non-nil slice when there are none.
func GetMany[P, C any](ctx context.Context, ex sqlt.Executor, r rel.ToMany[P, C], parent *P) ([]C, error) {
	if r == nil {
		return nil, fmt.Errorf("get related: nil relation: %w", sqlt.ErrNilValue)
	}
	out, err := Related[P, C](r, parent).Get(ctx, ex)
	if err != nil {
		return nil, fmt.Errorf("get related %s: %w", relmeta.Of(r).Name, err)
	}
	return out, nil
}

package query

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
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
// foreign key to the parent's key (hasOne/hasMany). On a belongsToMany
// query they fail with ErrUnsupported, before any statement, naming the
// function of package pivot that saves the row and attaches it in one
// transaction (pivot.Save, pivot.Create, pivot.FirstOrCreate, …);
// FirstOrNew and FindOrNew are refused in the same way, pointing to
// pivot.FirstOrNew and pivot.FindOrNew. A query through hasOneThrough or
// hasManyThrough reads only (`select "posts".* from "posts" inner join
// "users" on "users"."id" = "posts"."user_id" where "users"."country_id"
// = ?`); its writes fail with ErrUnsupported. A relation with a chaperone
// (rel.HasManyRelation.Chaperone) sets the back-reference to parent on
// every row the query reads or writes.
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
	q = scopeRelation(q, m, key).clone()
	q.tag = &reltag.Tag{Origin: m.Parent.Type.Name() + "." + m.Name, Key: key}
	if m.Chaperone != nil {
		pv := reflect.ValueOf(parent)
		q.adopt = func(c *C) { m.Chaperone(reflect.ValueOf(c), pv) }
	}
	q.none = q.none || !ok || keys.IsZero(key)
	return q
}

// scopeRelation scopes q (a query on the relation's related table) to the
// rows related to a parent with the given key: the related side of the
// relation as every relation read renders it (render.Level), and, for
// hasOne/hasMany, the foreign key that writes through the query set.
func scopeRelation[C any](q *Query[C], m *relmeta.Meta, key any) *Query[C] {
	key = m.BindKey(key) // the text form for a polymorphic id column of type text
	return q.with(func(c *Query[C]) error {
		if c.model.Type != m.Related.Type {
			return fmt.Errorf("scope %s: query is on %s: %w", m.Name, c.model.Type, ErrBadArgument)
		}
		kc := render.KeyColumn(m, m.Related.Table)
		cond := []sq.Sqlizer{sq.Expr(kc+" = ?", key)}
		switch m.Kind {
		case relmeta.KindHasOne, relmeta.KindHasMany:
			cond = append(cond, sq.Expr(kc+" is not null"))
			// Copy: the map may be shared with the query c was cloned from.
			c.attrs = maps.Clone(c.attrs)
			if c.attrs == nil {
				c.attrs = map[string]any{}
			}
			c.attrs[m.ForeignKey] = key
			if m.MorphType != "" {
				c.attrs[m.MorphType] = m.MorphClass // morphOne/morphMany
			}
		case relmeta.KindBelongsToMany:
			c.pivot = m
		case relmeta.KindHasOneThrough, relmeta.KindHasManyThrough:
			c.through = m
		}
		if m.OfMany != nil {
			c.ofMany = m
		}
		st := render.Level(m, false, cond...)
		c.selects = append(c.selects, st.Exprs...)
		c.joins = append(c.joins, st.Joins...)
		c.scope = append(c.scope, st.Scope...)
		c.orders = append(c.orders, st.OrderBy...)
		return nil
	})
}

// GetOne returns the model related to parent through a to-one relation
// (hasOne, belongsTo, hasOneThrough): Sutando's getRelated. When there is none it
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
// (hasMany, belongsToMany, hasManyThrough); an empty, non-nil slice when there are none.
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

package query

import (
	"context"
	"fmt"
	"reflect"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// GetMorph reads the target of parent through the morphTo r (Laravel's
// $comment->commentable): a *T of the target type its type column names,
// read from that type's table as a belongsTo would be,
//
//	select … from "posts" where "posts"."id" = ? limit 1
//
// or nil (without an error) when the row is missing. An empty type or a
// NULL (or zero) id points at nothing: nil, and no statement. A type that
// is the alias of no target of r gives a *rel.UnknownMorphTypeError
// (rel.ErrUnknownMorphType). The read is a relation read of one parent,
// for the repeat guard (sqlt.NewRepeatGuard) as Related's are.
func GetMorph[P any](ctx context.Context, ex sqlt.Executor, r rel.MorphToRelation[P], parent *P) (any, error) {
	m := relmeta.Of(r)
	if err := m.Err(); err != nil {
		return nil, fmt.Errorf("get morph: %w", err)
	}
	if parent == nil || ex == nil {
		return nil, fmt.Errorf("get morph %s: nil parent or executor: %w", m.Name, sqlt.ErrNilValue)
	}
	pv := reflect.ValueOf(parent)
	class, err := m.MorphTypeOf(pv)
	if err != nil || class == "" {
		return nil, err
	}
	t := m.MorphTarget(class)
	if t == nil {
		return nil, fmt.Errorf("get morph: %w", &rel.UnknownMorphTypeError{Relation: m.Parent.Type.Name() + "." + m.Name, Type: class})
	}
	key, ok, err := t.ParentKeyOf(pv)
	if err != nil || !ok || keys.IsZero(key) {
		return nil, err
	}
	if err := names.Fit(ex.Dialect(), t.Related, nil); err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	st := render.Level(t, false, sq.Expr(render.KeyColumn(t, t.Related.Table)+" = ?", keys.Bind(key, t.KeyBytes())))
	st.Columns = []string{t.Related.SelectList()}
	one := uint64(1)
	st.Limit = &one
	s, args, err := st.ToSql()
	if err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	if !reltag.Writing(ctx) {
		// The parent is told apart by its target: post 1 is not video 1.
		ctx = reltag.With(ctx, &reltag.Tag{Origin: m.Parent.Type.Name() + "." + m.Name, Key: [2]any{class, key}})
	}
	rows, err := ex.Query(ctx, s, args...)
	if err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	var out reflect.Value
	next := func() reflect.Value {
		out = reflect.New(t.Related.Type)
		return out.Elem()
	}
	if err := schema.ScanFunc(rows, t.Related.Type, next, nil); err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	if !out.IsValid() {
		return nil, nil
	}
	return out.Interface(), nil
}

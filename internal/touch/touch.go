// Package touch runs the touches of relations declared with rel's
// Touches (Laravel's $touches): after a write of rows of a model, it sets
// updated_at on their owners, transitively, one statement per relation.
// The relations come from relmeta's touch registry; the statements are
// rendered by package render. Packages query and pivot call it inside
// the transaction of the write.
package touch

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Any reports whether a write of m's rows under ctx touches anything: m
// has a relation declared Touches() whose owner ctx does not suspend.
func Any(ctx context.Context, m *schema.Model) bool {
	for _, r := range relmeta.Touching(m.Type) {
		if !suspended(ctx, r) {
			return true
		}
	}
	return false
}

// suspended reports whether ctx suspends every touch of relation r: of
// its related type, or of each target type of a morphTo.
func suspended(ctx context.Context, r *relmeta.Meta) bool {
	if r.Kind != relmeta.KindMorphTo {
		return relmeta.TouchSuspended(ctx, r.Related.Type)
	}
	for _, t := range r.Targets {
		if !relmeta.TouchSuspended(ctx, t.Related.Type) {
			return false
		}
	}
	return true
}

// Owners sets updated_at to now on the owners of rows (just written
// rows of model m, read for their keys) of every relation declared
// Touches() on m, then, transitively, on the owners of those owners: one
// statement per relation, each hop selecting its rows by a subquery on
// the rows of the hop before. A relation already touched in this write is
// not touched again (the cycle guard), and a hop that updated no row ends
// its chain. It runs no statement when m has no touching relation.
//
// A morphTo touches, per target type present among the rows (in order of
// first appearance), the rows their id columns point at: one statement
// per type (see morphOwners).
func Owners(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value, now time.Time) error {
	seen := map[*relmeta.Meta]bool{}
	for _, r := range relmeta.Touching(m.Type) {
		if seen[r] || suspended(ctx, r) {
			continue
		}
		seen[r] = true
		if r.Kind == relmeta.KindMorphTo {
			if err := morphOwners(ctx, ex, r, rows, now, seen); err != nil {
				return err
			}
			continue
		}
		pk, err := r.ParentKeysOf(rows)
		if err != nil {
			return fmt.Errorf("touch %s: %w", r, err)
		}
		if len(pk.Unique) == 0 {
			continue
		}
		if err := hop(ctx, ex, r, render.OwnerKeys(ex.Dialect(), keys.BindAll(pk.Unique, r.KeyBytes())), now, seen); err != nil {
			return err
		}
	}
	return nil
}

// hop touches relation r's rows related to from, then the owners of
// the rows it updated (depth first, in declaration order, as Laravel's
// touchOwners).
func hop(ctx context.Context, ex sqlt.Executor, r *relmeta.Meta, from render.Owners, now time.Time, seen map[*relmeta.Meta]bool) error {
	q, args, next, err := render.Touch(r, r.Related.UpdatedAt.Column, now, from)
	if err != nil {
		return fmt.Errorf("touch %s: %w", r, err)
	}
	res, err := ex.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("touch %s: %w", r, err)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	return onward(ctx, ex, r.Related, next, now, seen)
}

// onward touches the owners of the rows of model m that rows selects (rows
// just touched), through every relation declared Touches() on m not seen
// yet.
//
// A morphTo met on the way touches each declared target type (not
// suspended) in turn: the rows of that type whose id column the touched
// rows hold, one statement per target type, without reading the rows
// (their types are not known here, so a type that is no target's alias
// is not detected: it matches no branch).
func onward(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows render.Owners, now time.Time, seen map[*relmeta.Meta]bool) error {
	for _, r := range relmeta.Touching(m.Type) {
		if seen[r] || suspended(ctx, r) {
			continue
		}
		seen[r] = true
		if r.Kind != relmeta.KindMorphTo {
			if err := hop(ctx, ex, r, rows, now, seen); err != nil {
				return err
			}
			continue
		}
		for _, t := range r.Targets {
			if relmeta.TouchSuspended(ctx, t.Related.Type) {
				continue
			}
			if err := morphHop(ctx, ex, r, t, render.MorphOwners(rows, r, t), now, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

// morphOwners runs the touches of the morphTo r for rows (just written
// rows of r's parent): it buckets the rows by target, in order of first
// appearance, and touches each target's rows in one statement,
//
//	update "posts" set "updated_at" = ? where "posts"."id" = ?
//
// then, transitively, their owners. A row with an empty (or NULL) type or
// a NULL id points at nothing and is skipped, as an empty string id for a
// string-keyed target and a text id that spells no integer for an
// integer-keyed one are (see rel.MorphTo); a type that is the alias of no
// target fails with a *rel.UnknownMorphTypeError before any statement of
// r, and the caller's transaction rolls the write back.
func morphOwners(ctx context.Context, ex sqlt.Executor, r *relmeta.Meta, rows []reflect.Value, now time.Time, seen map[*relmeta.Meta]bool) error {
	var order []*relmeta.Meta
	byType := map[*relmeta.Meta][]any{}
	dup := map[*relmeta.Meta]map[any]bool{}
	for _, row := range rows {
		class, err := r.MorphTypeOf(row)
		if err != nil {
			return fmt.Errorf("touch %s: %s: %w", r, r.MorphType, err)
		}
		if class == "" {
			continue
		}
		t := r.MorphTarget(class)
		if t == nil {
			return fmt.Errorf("touch %s: %w", r, &rel.UnknownMorphTypeError{Relation: r.Parent.Type.Name() + "." + r.Name, Type: class})
		}
		k, ok, err := MorphKey(t, row)
		if err != nil {
			return fmt.Errorf("touch %s: %w", r, err)
		}
		if !ok {
			continue
		}
		if _, in := byType[t]; !in {
			order = append(order, t)
			byType[t], dup[t] = nil, map[any]bool{}
		}
		if !dup[t][k] {
			dup[t][k] = true
			byType[t] = append(byType[t], k)
		}
	}
	for _, t := range order {
		if relmeta.TouchSuspended(ctx, t.Related.Type) {
			continue
		}
		from := render.OwnerKeys(ex.Dialect(), keys.BindAll(byType[t], t.KeyBytes()))
		if err := morphHop(ctx, ex, r, t, from, now, seen); err != nil {
			return err
		}
	}
	return nil
}

// MorphKey returns the key of the row a child (a P struct or pointer to
// one) points at through the morphTo target t, in t's key class; ok is
// false when it points at nothing: a NULL id, an empty string id for a
// string-keyed target, or a text id that spells no integer for an
// integer-keyed one.
func MorphKey(t *relmeta.Meta, child reflect.Value) (any, bool, error) {
	k, ok, err := t.ParentKeyOf(child)
	if err != nil || !ok {
		return nil, false, err
	}
	if t.IDText {
		k, ok, _ = keys.ToCast[int64](k)
		return k, ok, nil
	}
	if s, isStr := k.(string); isStr && s == "" {
		return nil, false, nil
	}
	return k, true, nil
}

// morphHop touches the rows of target t of the morphTo r that from selects
// (keys of t's type, or rows of r's parent), then their owners.
func morphHop(ctx context.Context, ex sqlt.Executor, r, t *relmeta.Meta, from render.Owners, now time.Time, seen map[*relmeta.Meta]bool) error {
	q, args, next, err := render.Touch(t, t.Related.UpdatedAt.Column, now, from)
	if err != nil {
		return fmt.Errorf("touch %s: %s: %w", r, t.Related.Type.Name(), err)
	}
	res, err := ex.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("touch %s: %s: %w", r, t.Related.Type.Name(), err)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	return onward(ctx, ex, t.Related, next, now, seen)
}

// PivotAny reports whether a pivot write through m under ctx touches
// anything (see Pivot).
func PivotAny(ctx context.Context, m *relmeta.Meta) bool {
	if r := relmeta.TouchingOf(m); r != nil && !relmeta.TouchSuspended(ctx, r.Related.Type) {
		return true
	}
	return relmeta.InverseTouching(m) != nil && !relmeta.TouchSuspended(ctx, m.Parent.Type)
}

// Pivot runs the touches of a pivot write through belongsToMany relation
// m that changed the pivot rows of parents (their bound keys), as
// Laravel's touchIfTouching: first the parents' rows, when the inverse
// relation (C to P over the same pivot table) is declared Touches(), and
// transitively their owners (a touch of the parent saves it); then the
// related rows still attached to the parents, when m is declared
// Touches() (not transitive: Laravel updates them without saving).
func Pivot(ctx context.Context, ex sqlt.Executor, m *relmeta.Meta, parents []any, now time.Time) error {
	if len(parents) == 0 {
		return nil
	}
	d := ex.Dialect()
	own := relmeta.TouchingOf(m)
	seen := map[*relmeta.Meta]bool{}
	if own != nil {
		seen[own] = true // touched below, not through the parents' owners
	}
	if inv := relmeta.InverseTouching(m); inv != nil && !relmeta.TouchSuspended(ctx, m.Parent.Type) {
		q, args, next := render.TouchRows(d, m.Parent, m.ParentKey, m.Parent.UpdatedAt.Column, now, parents)
		res, err := ex.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("touch %s: %w", m.Parent.Type.Name(), err)
		}
		if res.RowsAffected > 0 {
			if err := onward(ctx, ex, m.Parent, next, now, seen); err != nil {
				return err
			}
		}
	}
	if own != nil && !relmeta.TouchSuspended(ctx, m.Related.Type) {
		q, args, _, err := render.Touch(own, m.Related.UpdatedAt.Column, now, render.OwnerKeys(d, parents))
		if err != nil {
			return fmt.Errorf("touch %s: %w", own, err)
		}
		if _, err := ex.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("touch %s: %w", own, err)
		}
	}
	return nil
}

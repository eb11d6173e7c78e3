package pivot

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Toggled reports what [Toggle] did: the keys attached, in input order,
// and detached, in the order the database returned the current rows.
// Keys are normalised as in [Changes] (the untyped [Toggle]) or of the
// handle's key type K ([Keyed.Toggle]). On success the slices are never
// nil (they marshal to JSON as []).
type Toggled[K any] struct {
	Attached []K `json:"attached"`
	Detached []K `json:"detached"`
}

// Toggle flips the attachment of each related key in ids, as Eloquent's
// toggle does: the keys attached to parent are detached and the others
// attached. It reads the parent's current keys (one SELECT, honouring the
// pivot filters: a key attached through a row the filters leave out counts
// as not attached, and is attached again), detaches the current keys in
// ids (one DELETE) and attaches the rest, in input order, with their
// attributes (one multi-row INSERT, see [Attach]), in one transaction (a
// savepoint when ex is a transaction) under the lock [Sync] takes (see
// Concurrency). ids takes every form [Sync] accepts, the map form and
// [Record] giving the attributes of the keys attached. An empty ids
// returns an empty result and runs no statement.
func Toggle[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any) (Toggled[any], error) {
	ch, err := syncKeys(ctx, ex, r, parent, ids, nil, toggle, "toggle")
	if err != nil {
		return Toggled[any]{}, err
	}
	return Toggled[any]{Attached: ch.Attached, Detached: ch.Detached}, nil
}

// Touch sets the updated_at column of every related row attached to
// parent (through the pivot rows the relation's pivot filters select) to
// the current time, as Eloquent's touch on a belongsToMany relation does,
// in one statement, and returns the number of related rows updated:
//
//	update "roles" set "updated_at" = ? where "roles"."id" in
//	  (select "role_user"."role_id" from "role_user" where "role_user"."user_id" = ?)
//
// C must map an updated_at time field; without one Touch fails with
// [sqlt.ErrUnknownColumn] and runs no statement, as it does with
// [ErrNoKey] for a parent without a key. Under a context from
// query.WithoutTouching (or WithoutTouchingOn[C]) it returns 0 and runs
// no statement.
func Touch[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P) (int64, error) {
	p, err := prepare(ctx, ex, r, parent)
	if err == nil && p.m.Related.UpdatedAt == nil {
		err = fmt.Errorf("%s has no updated_at time field: %w", p.m.Related.Type.Name(), sqlt.ErrUnknownColumn)
	}
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", p.name(), err)
	}
	if relmeta.TouchSuspended(ctx, p.m.Related.Type) {
		return 0, nil
	}
	q, args, err := render.PivotTouch(p.m, p.m.Related.UpdatedAt.Column, schema.Now(), p.parentKey)
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", p.name(), err)
	}
	res, err := ex.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", p.name(), err)
	}
	return res.RowsAffected, nil
}

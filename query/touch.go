package query

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/touch"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// WithoutTouching returns a context under which relkit's writes touch no
// owner (see "Touching parents" in the package documentation), and
// [Touch] and pivot.Touch update nothing. It is Laravel's
// Model::withoutTouching scoped to a context instead of process-wide:
// other goroutines keep touching.
func WithoutTouching(ctx context.Context) context.Context {
	return relmeta.WithoutTouching(ctx, nil)
}

// WithoutTouchingOn returns a context under which relkit's writes do not
// touch rows of T (Laravel's Model::withoutTouchingOn). A T row left
// untouched is not written, so the owners of T are not touched through
// it either. Scopes nest: WithoutTouchingOn[Post](WithoutTouchingOn[User](ctx))
// suspends both.
func WithoutTouchingOn[T any](ctx context.Context) context.Context {
	return relmeta.WithoutTouching(ctx, reflect.TypeFor[T]())
}

// Touch sets the updated_at column of the rows relation r relates to
// parent to the current time, in one statement, and returns the number
// of rows updated, as Eloquent's $parent->relation()->touch():
//
//	update "posts" set "updated_at" = ? where "posts"."id" = ?              -- belongsTo
//	update "comments" set "updated_at" = ? where "comments"."post_id" = ?   -- hasOne, hasMany
//	update "roles" set "updated_at" = ? where "roles"."id" in (select "role_user"."role_id" from "role_user" where "role_user"."user_id" = ?)
//
// The relation's constraints apply (its pivot filters on belongsToMany),
// as does a morph relation's type condition; a one-of-many relation
// touches the chosen row only.
// A NULL key on parent (a belongsTo with no owner, an unsaved parent)
// returns 0 and runs no statement, as does a context from
// [WithoutTouching] or WithoutTouchingOn[C]. Touch is not transitive (as
// in Laravel, it updates the rows without saving them). C must map an
// updated_at time field: otherwise Touch fails with [ErrBadArgument]
// before any statement. Through relations fail with [ErrUnsupported]:
// SQLite has no UPDATE … JOIN.
func Touch[P, C any](ctx context.Context, ex sqlt.Executor, r rel.Typed[P, C], parent *P) (int64, error) {
	m := relmeta.Of(r)
	if err := m.Err(); err != nil {
		return 0, fmt.Errorf("touch: %w", err)
	}
	name := m.String()
	switch {
	case m.Kind.Through():
		return 0, fmt.Errorf("touch %s: through relations cannot be touched: %w", name, ErrUnsupported)
	case m.Related.UpdatedAt == nil:
		return 0, fmt.Errorf("touch %s: %s maps no updated_at time field: %w", name, m.Related.Type.Name(), ErrBadArgument)
	case parent == nil:
		return 0, fmt.Errorf("touch %s: nil parent: %w", name, sqlt.ErrNilValue)
	case ex == nil:
		return 0, fmt.Errorf("touch %s: nil executor: %w", name, sqlt.ErrNilValue)
	}
	if relmeta.TouchSuspended(ctx, m.Related.Type) {
		return 0, nil
	}
	k, ok, err := m.ParentKeyOf(reflect.ValueOf(parent))
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("touch %s: %w", name, err)
		}
		return 0, err
	}
	q, args, _, err := render.Touch(m, m.Related.UpdatedAt.Column, schema.Now(), render.OwnerKeys(ex.Dialect(), []any{keys.Bind(k, m.KeyBytes())}))
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", name, err)
	}
	res, err := ex.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", name, err)
	}
	return res.RowsAffected, nil
}

// TouchMorph sets the updated_at column of the row child points at
// through the morphTo r to the current time, in one statement on the
// target type's table, and returns the number of rows updated, as
// Eloquent's $comment->commentable()->touch():
//
//	update "posts" set "updated_at" = ? where "posts"."id" = ?
//
// The morphTo's own Where applies. An empty or NULL type, a NULL id (or
// an empty string id for a string-keyed target, a text id that spells no
// integer for an integer-keyed one) returns 0 and runs no statement, as
// does a context from [WithoutTouching] or WithoutTouchingOn[T] for the
// child's target type T. A type that is the alias of no target of r
// fails with a *rel.UnknownMorphTypeError (rel.ErrUnknownMorphType), a
// target type without a mapped updated_at time field with
// [ErrBadArgument], both before any statement. Like [Touch] it is not
// transitive.
func TouchMorph[P any](ctx context.Context, ex sqlt.Executor, r rel.MorphToRelation[P], child *P) (int64, error) {
	m := relmeta.Of(r)
	if err := m.Err(); err != nil {
		return 0, fmt.Errorf("touch morph: %w", err)
	}
	name := m.String()
	switch {
	case child == nil:
		return 0, fmt.Errorf("touch %s: nil child: %w", name, sqlt.ErrNilValue)
	case ex == nil:
		return 0, fmt.Errorf("touch %s: nil executor: %w", name, sqlt.ErrNilValue)
	}
	cv := reflect.ValueOf(child)
	class, err := m.MorphTypeOf(cv)
	if err != nil || class == "" {
		if err != nil {
			err = fmt.Errorf("touch %s: %w", name, err)
		}
		return 0, err
	}
	t := m.MorphTarget(class)
	switch {
	case t == nil:
		return 0, fmt.Errorf("touch %s: %w", name, &rel.UnknownMorphTypeError{Relation: m.Parent.Type.Name() + "." + m.Name, Type: class})
	case t.Related.UpdatedAt == nil:
		return 0, fmt.Errorf("touch %s: %s maps no updated_at time field: %w", name, t.Related.Type.Name(), ErrBadArgument)
	case relmeta.TouchSuspended(ctx, t.Related.Type):
		return 0, nil
	}
	k, ok, err := touch.MorphKey(t, cv)
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("touch %s: %w", name, err)
		}
		return 0, err
	}
	q, args, _, err := render.Touch(t, t.Related.UpdatedAt.Column, schema.Now(), render.OwnerKeys(ex.Dialect(), []any{keys.Bind(k, t.KeyBytes())}))
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", name, err)
	}
	res, err := ex.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("touch %s: %w", name, err)
	}
	return res.RowsAffected, nil
}

// touching runs write, which writes rows (addressable structs of model m)
// with the timestamp now, and then touches their owners (touch.Owners) in
// the same transaction — a savepoint inside the caller's. A write of a
// model without touching relations (or with every one suspended by ctx)
// runs alone, sending the statements it sends without touches.
func touching(ctx context.Context, ex sqlt.Executor, m *schema.Model, rows []reflect.Value, write func(ex sqlt.Executor, now time.Time) error) error {
	now := schema.Now()
	if ex == nil || !touch.Any(ctx, m) {
		return write(ex, now)
	}
	return sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
		if err := write(tx, now); err != nil {
			return err
		}
		return touch.Owners(ctx, tx, m, rows, now)
	})
}

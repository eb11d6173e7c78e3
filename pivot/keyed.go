package pivot

import (
	"context"
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Keyed is a many-to-many relation whose related keys are typed: its
// methods take ids as a []K and report keys as K, so that a key of the
// wrong type does not compile. Build one with [Keys]. The map and
// [Record] forms (per-key attributes) and models given as ids stay on the
// untyped functions ([Attach], [Sync], …).
type Keyed[P, C any, K comparable] struct {
	r rel.BelongsToManyRelation[P, C]
}

// Keys returns the typed handle of r for related keys of type K:
//
//	var userRoles = pivot.Keys[int64](UserRoles)
//	ch, err := userRoles.Sync(ctx, db, &user, []int64{1, 2}) // ch.Attached is a []int64
//	userRoles.Sync(ctx, db, &user, []string{"admin"})         // does not compile
//
// K must suit the related key column: an integer type for an integer key,
// a string type for a string key, a string or a uuid type (pgtype.UUID, a
// Valuer) for a uuid key. Each method checks it before any statement and
// fails with [rel.ErrUnsupportedKey] when it does not.
func Keys[K comparable, P, C any](r rel.BelongsToManyRelation[P, C]) Keyed[P, C, K] {
	return Keyed[P, C, K]{r: r}
}

// check fails when K does not suit the related key column (a declaration
// error is left to prepare).
func (k Keyed[P, C, K]) check(op string) error {
	m := relmeta.Of(k.r)
	if m.Kind == 0 || m.Err() != nil {
		return nil
	}
	f, ok := m.Related.Column(m.RelatedKey)
	if !ok {
		return nil
	}
	if err := keys.CheckValueType(reflect.TypeFor[K](), f.Type, "related key "+m.Related.Table+"."+m.RelatedKey); err != nil {
		return fmt.Errorf("%s %s: %w", op, k.name(), err)
	}
	return nil
}

func (k Keyed[P, C, K]) name() string { return (&plan{m: relmeta.Of(k.r)}).name() }

// changes converts the normalised keys of ch to K. The writes are done:
// an error here (a key read from the database that K cannot hold, such
// as 300 for an int8) says so.
func (k Keyed[P, C, K]) changes(op string, ch Changes) (ChangesOf[K], error) {
	var out ChangesOf[K]
	var err error
	for _, s := range []struct {
		dst *[]K
		src []any
	}{{&out.Attached, ch.Attached}, {&out.Detached, ch.Detached}, {&out.Updated, ch.Updated}} {
		if *s.dst, err = typedKeys[K](s.src); err != nil {
			return ChangesOf[K]{}, fmt.Errorf("%s %s: the writes are done, but: %w", op, k.name(), err)
		}
	}
	return out, nil
}

// Attach is [Attach] with typed keys.
func (k Keyed[P, C, K]) Attach(ctx context.Context, ex sqlt.Executor, parent *P, ids []K, attrs ...map[string]any) error {
	if err := k.check("attach"); err != nil {
		return err
	}
	return Attach(ctx, ex, k.r, parent, ids, attrs...)
}

// Detach is [Detach] with typed keys.
func (k Keyed[P, C, K]) Detach(ctx context.Context, ex sqlt.Executor, parent *P, ids []K) (int64, error) {
	if err := k.check("detach"); err != nil {
		return 0, err
	}
	return Detach(ctx, ex, k.r, parent, ids)
}

// Sync is [Sync] with typed keys.
func (k Keyed[P, C, K]) Sync(ctx context.Context, ex sqlt.Executor, parent *P, ids []K) (ChangesOf[K], error) {
	if err := k.check("sync"); err != nil {
		return ChangesOf[K]{}, err
	}
	ch, err := Sync(ctx, ex, k.r, parent, ids)
	if err != nil {
		return ChangesOf[K]{}, err
	}
	return k.changes("sync", ch)
}

// SyncWithoutDetaching is [SyncWithoutDetaching] with typed keys.
func (k Keyed[P, C, K]) SyncWithoutDetaching(ctx context.Context, ex sqlt.Executor, parent *P, ids []K) (ChangesOf[K], error) {
	if err := k.check("sync without detaching"); err != nil {
		return ChangesOf[K]{}, err
	}
	ch, err := SyncWithoutDetaching(ctx, ex, k.r, parent, ids)
	if err != nil {
		return ChangesOf[K]{}, err
	}
	return k.changes("sync without detaching", ch)
}

// SyncMany is [SyncMany] with typed keys.
func (k Keyed[P, C, K]) SyncMany(ctx context.Context, ex sqlt.Executor, parents []*P, ids func(*P) []K) ([]ChangesOf[K], error) {
	if err := k.check("sync many"); err != nil {
		return nil, err
	}
	var f func(*P) any // nil stays nil: SyncMany reports it
	if ids != nil {
		f = func(p *P) any { return ids(p) }
	}
	chs, err := SyncMany(ctx, ex, k.r, parents, f)
	if err != nil {
		return nil, err
	}
	out := make([]ChangesOf[K], len(chs))
	for i, ch := range chs {
		if out[i], err = k.changes("sync many", ch); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Toggle is [Toggle] with typed keys.
func (k Keyed[P, C, K]) Toggle(ctx context.Context, ex sqlt.Executor, parent *P, ids []K) (Toggled[K], error) {
	if err := k.check("toggle"); err != nil {
		return Toggled[K]{}, err
	}
	t, err := Toggle(ctx, ex, k.r, parent, ids)
	if err != nil {
		return Toggled[K]{}, err
	}
	ch, err := k.changes("toggle", Changes{Attached: t.Attached, Detached: t.Detached})
	if err != nil {
		return Toggled[K]{}, err
	}
	return Toggled[K]{Attached: ch.Attached, Detached: ch.Detached}, nil
}

// typedKeys converts normalised keys to K (keys.Set's rules); never nil.
func typedKeys[K any](ks []any) ([]K, error) {
	out := make([]K, len(ks))
	for i, v := range ks {
		if x, ok := v.(K); ok {
			out[i] = x
			continue
		}
		if err := keys.Set(reflect.ValueOf(&out[i]).Elem(), v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package rel

import (
	"fmt"
	"reflect"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
)

// HasManyThroughRelation is a one-to-many relation from P to C through an
// intermediate model T: T's first key holds P's local key, C's second key
// holds T's second local key (Country → User → Post). Make one with
// [HasManyThrough] or [ThroughMany].
type HasManyThroughRelation[P, T, C any] struct{ base[P, C] }

// HasOneThroughRelation is a one-to-one relation from P to C through an
// intermediate model T (Mechanic → Car → Owner). Make one with
// [HasOneThrough], [ThroughOne] or [HasManyThroughRelation.One].
type HasOneThroughRelation[P, T, C any] struct{ base[P, C] }

// HasManyThrough declares that P has many C through T. keys are optional
// and positional, in Laravel's order (firstKey, secondKey, localKey,
// secondLocalKey):
//
//   - firstKey, on T, holds P's key: default snake(P)+"_"+P's primary key
//     ("country_id" on users);
//   - secondKey, on C, holds T's key: default snake(T)+"_"+T's primary key
//     ("user_id" on posts);
//   - localKey, on P: default P's primary key;
//   - secondLocalKey, on T: default T's primary key.
//
// Reads join C to T: `select "posts".* from "posts" inner join "users" on
// "users"."id" = "posts"."user_id" where "users"."country_id" = ?`. A
// second local key that is not unique on T returns a C once per matching
// T row, as the join does (Laravel does the same). Where conditions apply
// to C's table. Writes through query.Related on a through relation fail
// with query.ErrUnsupported: write C through T's own relation.
func HasManyThrough[P, T, C any](keys ...string) HasManyThroughRelation[P, T, C] {
	return HasManyThroughRelation[P, T, C]{base[P, C]{declareThrough[P, T, C](relmeta.KindHasManyThrough, keys)}}
}

// HasOneThrough declares that P has one C through T; keys as for
// [HasManyThrough]. A parent with several matching rows gets the first the
// statement returns (order the relation to choose it).
func HasOneThrough[P, T, C any](keys ...string) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{declareThrough[P, T, C](relmeta.KindHasOneThrough, keys)}}
}

// HasOneOrMany is a HasOne or HasMany relation from P to C: a link of a
// through chain (see [ThroughMany]). It is sealed: a BelongsTo or
// BelongsToMany relation does not implement it, so it cannot be chained.
type HasOneOrMany[P, C any] interface {
	Typed[P, C]
	hasOneOrMany()
}

func (HasOneRelation[P, C]) hasOneOrMany()  {}
func (HasManyRelation[P, C]) hasOneOrMany() {}

// ThroughMany composes two existing relations, P → T and T → C (each a
// HasOne or HasMany), into a HasManyThrough from P to C whose keys are
// theirs (Laravel's through(…)->has(…)): first's foreign and local keys
// are the first and local keys, second's the second and second local
// keys. second's Where conditions (on C) are kept; a Where on first (on T)
// cannot be, and makes the result a declaration error.
func ThroughMany[P, T, C any](first HasOneOrMany[P, T], second HasOneOrMany[T, C]) HasManyThroughRelation[P, T, C] {
	return HasManyThroughRelation[P, T, C]{base[P, C]{compose[P, T, C](relmeta.KindHasManyThrough, first, second)}}
}

// ThroughOne composes two HasOne relations, P → T and T → C, into a
// HasOneThrough from P to C; see [ThroughMany].
func ThroughOne[P, T, C any](first HasOneRelation[P, T], second HasOneRelation[T, C]) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{compose[P, T, C](relmeta.KindHasOneThrough, first, second)}}
}

// compose declares a through relation with the keys of first and second.
func compose[P, T, C any](kind relmeta.Kind, first, second Relation) *relmeta.Meta {
	f, s := metaOf(first), metaOf(second)
	for _, m := range []*relmeta.Meta{f, s} {
		if m.Invalid != nil {
			m := &relmeta.Meta{Kind: kind, Invalid: fmt.Errorf("declare %s: %w", kind, m.Invalid)}
			record(m)
			return m
		}
	}
	if len(f.Wheres) > 0 {
		m := &relmeta.Meta{Kind: kind, Invalid: fmt.Errorf("declare %s: the first relation %s has Where conditions on %s, which a through relation cannot keep (its conditions apply to %s): %w",
			kind, f.Name, f.Related.Table, s.Related.Table, ErrBadRelation)}
		record(m)
		return m
	}
	m := declareThrough[P, T, C](kind, []string{f.ForeignKey, s.ForeignKey, f.LocalKey, s.LocalKey})
	if m.Invalid == nil && len(s.Wheres) > 0 {
		m.Wheres = s.Wheres
	}
	return m
}

// declareThrough declares a through relation from P to C through T.
func declareThrough[P, T, C any](kind relmeta.Kind, keys []string) *relmeta.Meta {
	tm, err := schema.ModelOf(reflect.TypeFor[T]())
	if err != nil {
		m := &relmeta.Meta{Kind: kind, Invalid: fmt.Errorf("declare %s relation: through: %w", kind, err)}
		record(m)
		return m
	}
	return declare[P, C](kind, keys, func(m *relmeta.Meta) error { m.Through = tm; return nil })
}

// setThroughKeys sets the four keys of a through relation, defaults
// included, and checks them.
func setThroughKeys(m *relmeta.Meta, keys []string) error {
	P, T, C := m.Parent, m.Through, m.Related
	if T.Table == C.Table {
		return fmt.Errorf("the through table %s is the related table: %w", T.Table, ErrBadRelation)
	}
	var err error
	if m.LocalKey = arg(keys, 2); m.LocalKey == "" {
		if m.LocalKey, err = pkColumn(P); err != nil {
			return err
		}
	}
	if m.SecondLocalKey = arg(keys, 3); m.SecondLocalKey == "" {
		if m.SecondLocalKey, err = pkColumn(T); err != nil {
			return err
		}
	}
	if m.FirstKey = arg(keys, 0); m.FirstKey == "" {
		pk, err := pkColumn(P)
		if err != nil {
			return err
		}
		m.FirstKey = schema.Snake(P.Type.Name()) + "_" + pk
	}
	if m.SecondKey = arg(keys, 1); m.SecondKey == "" {
		pk, err := pkColumn(T)
		if err != nil {
			return err
		}
		m.SecondKey = schema.Snake(T.Type.Name()) + "_" + pk
	}
	if err := checkPair(P, m.LocalKey, T, m.FirstKey); err != nil {
		return err
	}
	return checkPair(T, m.SecondLocalKey, C, m.SecondKey)
}

// One returns the HasOneThrough with the same keys and conditions
// (Laravel's hasManyThrough(…)->one()). Its name is the one its
// destination field gives, as for a relation declared with HasOneThrough.
func (r HasManyThroughRelation[P, T, C]) One() HasOneThroughRelation[P, T, C] {
	m := r.m
	if m.Invalid == nil {
		c := m.Clone()
		c.From, c.Kind, c.Name, c.Default = nil, relmeta.KindHasOneThrough, "", nil
		resolveDest(c, "")
		record(c)
		register(c, false)
		m = c
	}
	return HasOneThroughRelation[P, T, C]{base[P, C]{m}}
}

// Where returns a copy constrained by conds on C's table; see
// HasOneRelation.Where. Both tables are in the statement: qualify a
// column that both have ("posts.created_at").
func (r HasManyThroughRelation[P, T, C]) Where(conds ...sq.Sqlizer) HasManyThroughRelation[P, T, C] {
	return HasManyThroughRelation[P, T, C]{base[P, C]{whereMeta(r.m, conds)}}
}

// Field returns a copy that loads into the named field of P.
func (r HasManyThroughRelation[P, T, C]) Field(name string) HasManyThroughRelation[P, T, C] {
	return HasManyThroughRelation[P, T, C]{base[P, C]{fieldMeta(r.m, name)}}
}

// Named returns a copy with the given relation name.
func (r HasManyThroughRelation[P, T, C]) Named(name string) HasManyThroughRelation[P, T, C] {
	return HasManyThroughRelation[P, T, C]{base[P, C]{namedMeta(r.m, name)}}
}

// Where returns a copy constrained by conds on C's table; see
// HasManyThroughRelation.Where.
func (r HasOneThroughRelation[P, T, C]) Where(conds ...sq.Sqlizer) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{whereMeta(r.m, conds)}}
}

// Field returns a copy that loads into the named field of P.
func (r HasOneThroughRelation[P, T, C]) Field(name string) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{fieldMeta(r.m, name)}}
}

// Named returns a copy with the given relation name.
func (r HasOneThroughRelation[P, T, C]) Named(name string) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{namedMeta(r.m, name)}}
}

// WithDefault returns a copy that yields a default C instead of nothing
// when no related row exists (or the parent's key is NULL): the zero C, or
// a copy of the one value given. Unlike HasOne's default it carries no
// key: C's key points at T, not at the parent.
func (r HasOneThroughRelation[P, T, C]) WithDefault(value ...C) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{defaultMeta[P, C](r.m, value, nil)}}
}

// WithDefaultFunc returns a copy whose default is built by fn for each
// parent without a related row.
func (r HasOneThroughRelation[P, T, C]) WithDefaultFunc(fn func(parent *P) C) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{defaultMeta[P, C](r.m, nil, fn)}}
}

func (HasOneThroughRelation[P, T, C]) toOne()   {}
func (HasManyThroughRelation[P, T, C]) toMany() {}

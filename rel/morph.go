package rel

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// ErrNoMorphAlias is matched by the declaration error of a polymorphic
// relation whose morph class is a type without an explicit alias (no
// [MorphAlias], no MorphClass method) after [EnforceMorphMap].
var ErrNoMorphAlias = errors.New("relkit: no morph alias")

// MorphClasser is implemented by a model that names its own morph class
// (Laravel's getMorphClass), the value polymorphic relations store in
// their type column: func (Post) MorphClass() string { return "post" }.
type MorphClasser interface {
	MorphClass() string
}

// The morph map: the alias of each model type (its morph class) and the
// type of each explicit alias. A type's class is fixed the first time a
// declaration uses it; a later MorphAlias giving it another one is an
// error, as it would leave relations already declared writing the old one.
var morphMap struct {
	sync.Mutex
	class   map[reflect.Type]morphEntry
	owner   map[string]reflect.Type // explicit aliases
	enforce bool
}

type morphEntry struct {
	alias    string
	explicit bool  // MorphAlias or a MorphClass method
	err      error // a conflicting alias: every declaration using the type fails
}

// MorphAlias gives T (a model struct type) the morph class alias: the
// value that polymorphic relations write into, and filter, their type
// column for T (Laravel's Relation::morphMap([alias => T])). Without one
// a type's class is its MorphClass method's result, else its table name
// (Laravel's list form of the morph map); a database written by Laravel
// declares its class names: MorphAlias[Post]("App\\Models\\Post").
//
// Aliases are process-wide and must be given before the declarations that
// use them; write them as package variables ahead of the relations, or
// give the type a MorphClass method, which has no ordering to respect:
//
//	var _ = rel.MorphAlias[Post]("post")
//	var PostComments = rel.MorphMany[Post, Comment]("commentable")
//
// An empty alias, an alias already given to another type, or a second
// alias for T (one that differs from its MorphClass method or from the
// default that relations declared before used) is an error matching
// ErrBadRelation. A type keeps the class it had; one that had none (an
// alias already taken) makes every later declaration using its class fail
// with the error. Giving the same alias again is allowed.
func MorphAlias[T any](alias string) error {
	t := reflect.TypeFor[T]()
	morphMap.Lock()
	defer morphMap.Unlock()
	if morphMap.class == nil {
		morphMap.class = map[reflect.Type]morphEntry{}
		morphMap.owner = map[string]reflect.Type{}
	}
	cur, known := morphMap.class[t]
	if known && cur.explicit && cur.alias == alias && cur.err == nil {
		return nil
	}
	fail := func(err error) error {
		err = fmt.Errorf("morph alias %q for %s: %w", alias, t, err)
		if !known {
			// No class of its own yet: rather than the default, the
			// declarations using T get the error.
			morphMap.class[t] = morphEntry{err: err}
		}
		return err
	}
	switch {
	case alias == "":
		return fmt.Errorf("morph alias for %s: empty alias: %w", t, ErrBadRelation)
	case known && cur.err != nil:
		return cur.err
	case known:
		why := "relations declared before use its default alias"
		if cur.explicit {
			why = "it has the alias"
		}
		if cur.alias != alias {
			return fail(fmt.Errorf("%s %q: %w", why, cur.alias, ErrBadRelation))
		}
	}
	if other, taken := morphMap.owner[alias]; taken && other != t {
		return fail(fmt.Errorf("the alias is %s's: %w", other, ErrBadRelation))
	}
	if mc, ok := reflect.New(t).Interface().(MorphClasser); ok && mc.MorphClass() != alias {
		return fail(fmt.Errorf("its MorphClass method returns %q: %w", mc.MorphClass(), ErrBadRelation))
	}
	morphMap.class[t] = morphEntry{alias: alias, explicit: true}
	morphMap.owner[alias] = t
	return nil
}

// EnforceMorphMap makes every polymorphic relation whose morph class is a
// type without an explicit alias (MorphAlias or a MorphClass method) a
// declaration error matching ErrNoMorphAlias (Laravel's
// Relation::enforceMorphMap), so that no table name ends up in a type
// column by accident. Call it before the declarations, like MorphAlias.
func EnforceMorphMap() {
	morphMap.Lock()
	morphMap.enforce = true
	morphMap.Unlock()
}

// morphClass returns the morph class of model m: its alias, its
// MorphClass method's result, or its table name.
func morphClass(m *schema.Model) (string, error) {
	morphMap.Lock()
	defer morphMap.Unlock()
	if morphMap.class == nil {
		morphMap.class = map[reflect.Type]morphEntry{}
		morphMap.owner = map[string]reflect.Type{}
	}
	t := m.Type
	if e, ok := morphMap.class[t]; ok && (e.explicit || e.err != nil || !morphMap.enforce) {
		return e.alias, e.err
	}
	if mc, ok := reflect.New(t).Interface().(MorphClasser); ok {
		alias := mc.MorphClass()
		e := morphEntry{alias: alias, explicit: true}
		switch other, taken := morphMap.owner[alias]; {
		case alias == "":
			e = morphEntry{err: fmt.Errorf("%s.MorphClass returns an empty alias: %w", t, ErrBadRelation)}
		case taken && other != t:
			e = morphEntry{err: fmt.Errorf("%s.MorphClass returns %q, the alias of %s: %w", t, alias, other, ErrBadRelation)}
		default:
			morphMap.owner[alias] = t
		}
		morphMap.class[t] = e
		return e.alias, e.err
	}
	if morphMap.enforce {
		return "", fmt.Errorf("no morph alias for %s (rel.EnforceMorphMap is on; declare rel.MorphAlias[%s] or a MorphClass method): %w", t, t.Name(), ErrNoMorphAlias)
	}
	morphMap.class[t] = morphEntry{alias: m.Table}
	return m.Table, nil
}

// MorphOne declares that P has one C through a polymorphic pair of
// columns on C (Laravel's morphOne): name is the pair's name; keys are the
// optional type column (default name+"_type", "imageable_type"), id column
// (default name+"_id") and P's local key (default its primary key). The
// type column holds P's morph class (see [MorphAlias]) and is part of the
// relation everywhere: reads, eager loads, existence tests, aggregates,
// per-parent limits, and the writes through query.Related, which set both
// columns:
//
//	select * from "images" where "images"."imageable_id" = ? and "images"."imageable_id" is not null and "images"."imageable_type" = ?
//
// C must map the type column. The result is a HasOneRelation: every
// function that takes one takes it.
//
// An id column of type text (Laravel's $table->string('imageable_id'),
// shared by integer-keyed and string-keyed parents) is mapped by C as a
// string: against an integer local key, the declaration takes it for a
// text column, and every statement compares it in text (see
// [BelongsToManyRelation.IDText] for what that does).
func MorphOne[P, C any](name string, keys ...string) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{declareMorphOneOrMany[P, C](relmeta.KindHasOne, name, keys)}}
}

// MorphMany declares that P has many C through a polymorphic pair of
// columns on C (Laravel's morphMany: posts and videos with comments);
// arguments as for [MorphOne]. The result is a HasManyRelation.
func MorphMany[P, C any](name string, keys ...string) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{declareMorphOneOrMany[P, C](relmeta.KindHasMany, name, keys)}}
}

// MorphToMany declares a polymorphic many-to-many relation from P to C
// (Laravel's morphToMany: posts and videos with tags, through taggables).
// name is the pair's name; keys are optional, in Laravel's order: pivot
// table (default the name with its last word pluralised, "taggables"),
// foreign pivot key (default name+"_id"), related pivot key (default
// snake(C)+"_"+C's primary key, "tag_id"), parent key and related key
// (default the primary keys). The pivot's type column, name+"_type", holds
// P's morph class (see [MorphAlias]): every pivot statement filters on it
// (reads, eager loads, existence tests, aggregates, and pivot's attach,
// detach, sync, toggle, updateExistingPivot and touches), attach writes
// it, and reads put it in the pivot field as name+"_type". The result is a
// BelongsToManyRelation: every pivot function works on it.
func MorphToMany[P, C any](name string, keys ...string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{declareMorphToMany[P, C](name, keys, false)}}
}

// MorphedByMany is the inverse of [MorphToMany] (Laravel's morphedByMany:
// a tag's posts): the foreign pivot key defaults to snake(P)+"_"+P's
// primary key ("tag_id"), the related pivot key to name+"_id", and the
// type column holds C's morph class. Other arguments as for MorphToMany.
func MorphedByMany[P, C any](name string, keys ...string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{declareMorphToMany[P, C](name, keys, true)}}
}

func declareMorphOneOrMany[P, C any](kind relmeta.Kind, name string, keys []string) *relmeta.Meta {
	if len(keys) > 3 {
		return badMorph(kind, fmt.Errorf("%d keys given, at most 3 (type column, id column, local key): %w", len(keys), ErrBadRelation))
	}
	return declare[P, C](kind, []string{orDefault(arg(keys, 1), name+"_id"), arg(keys, 2)}, func(m *relmeta.Meta) error {
		if err := morphName(name); err != nil {
			return err
		}
		m.MorphType = orDefault(arg(keys, 0), name+"_type")
		if !sqltext.ValidIdentifier(m.MorphType) {
			return &sqlt.InvalidIdentifierError{Ident: m.MorphType}
		}
		if _, ok := m.Related.Column(m.MorphType); !ok {
			return fmt.Errorf("morph type column: %w", &sqlt.UnknownColumnError{Type: m.Related.Type.String(), Column: m.MorphType})
		}
		// A string field for the id column of an integer-keyed parent
		// says the column holds text, as IDText does.
		lk := arg(keys, 2)
		if lk == "" && m.Parent.PK != nil {
			lk = m.Parent.PK.Column
		}
		idf, okID := m.Related.Column(orDefault(arg(keys, 1), name+"_id"))
		lkf, okLK := m.Parent.Column(lk)
		if okID && okLK && textID(idf.Type, lkf.Type) {
			m.IDText = true
		}
		var err error
		m.MorphClass, err = morphClass(m.Parent)
		return err
	})
}

func declareMorphToMany[P, C any](name string, keys []string, inverse bool) *relmeta.Meta {
	kind := relmeta.KindBelongsToMany
	if len(keys) > 5 {
		return badMorph(kind, fmt.Errorf("%d keys given, at most 5: %w", len(keys), ErrBadRelation))
	}
	last := strings.LastIndex(name, "_") + 1
	k := []string{orDefault(arg(keys, 0), name[:last]+schema.Plural(name[last:])), arg(keys, 1), arg(keys, 2), arg(keys, 3), arg(keys, 4)}
	if inverse {
		k[2] = orDefault(k[2], name+"_id")
	} else {
		k[1] = orDefault(k[1], name+"_id")
	}
	return declare[P, C](kind, k, func(m *relmeta.Meta) error {
		if err := morphName(name); err != nil {
			return err
		}
		m.MorphType, m.MorphInverse = name+"_type", inverse
		of := m.Parent
		if inverse {
			of = m.Related
		}
		var err error
		m.MorphClass, err = morphClass(of)
		return err
	})
}

// morphName checks the name of a polymorphic pair of columns.
func morphName(name string) error {
	if name == "" {
		return fmt.Errorf("empty morph name: %w", ErrBadRelation)
	}
	if !sqltext.ValidIdentifier(name) || strings.Contains(name, ".") {
		return &sqlt.InvalidIdentifierError{Ident: name}
	}
	return nil
}

func badMorph(kind relmeta.Kind, err error) *relmeta.Meta {
	m := &relmeta.Meta{Kind: kind, Invalid: fmt.Errorf("declare morph %s: %w", kind, err)}
	record(m)
	return m
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// setMorphType writes the morph class of a morphOne/morphMany relation
// into the type column of child (a C struct value); other relations leave
// it alone.
func setMorphType(m *relmeta.Meta, child reflect.Value) {
	if m.MorphType == "" || m.Kind == relmeta.KindBelongsToMany {
		return
	}
	if f, ok := m.Related.Column(m.MorphType); ok {
		_ = schema.Assign(f.Set(child), m.MorphClass)
	}
}

// IDText returns a copy of a morphToMany or morphedByMany relation whose
// pivot id column (name+"_id") holds text (Laravel's
// $table->string('taggable_id'), which integer-keyed and string-keyed
// models share). Every statement then compares the column with the keys
// in their text form: keys are bound as strings, pivot writes store them
// so, and the integer key column the pivot is joined or correlated with
// is cast to text ("cast(posts.id as text) = taggables.taggable_id"),
// which PostgreSQL requires (it has no text = bigint operator). SQLite,
// which compares with type affinity, finds the same rows either way.
//
// The pivot table has no struct to say it; a morphOne, morphMany or
// morphTo says it with its model's field for the id column: a string
// field against an integer key is a text column, with the same effects.
// IDText on a relation that is not polymorphic gives the copy a
// declaration error matching ErrBadRelation.
func (r BelongsToManyRelation[P, C]) IDText() BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{idTextMeta(r.m)}}
}

func idTextMeta(m *relmeta.Meta) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		if c.MorphType == "" || c.Kind != relmeta.KindBelongsToMany {
			c.Invalid = fmt.Errorf("relation %s: IDText is for rel.MorphToMany and rel.MorphedByMany: %w", c.Name, ErrBadRelation)
			return
		}
		c.IDText = true
	})
}

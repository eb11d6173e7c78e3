package rel

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// ErrUnknownMorphType is matched by *UnknownMorphTypeError.
var ErrUnknownMorphType = errors.New("relkit: unknown morph type")

// UnknownMorphTypeError reports a row whose morphTo type column holds a
// value that is the alias of none of the relation's targets (Laravel's
// "Class not found"). The load or read that met it writes nothing.
type UnknownMorphTypeError struct {
	Relation string // the morphTo: "Comment.commentable"
	Type     string // the value of the type column
}

// Error names the relation and the type.
func (e *UnknownMorphTypeError) Error() string {
	return fmt.Sprintf("relkit: morphTo %s: type %q is the alias of none of its targets", e.Relation, e.Type)
}

// Is reports whether target is ErrUnknownMorphType.
func (e *UnknownMorphTypeError) Is(target error) bool { return target == ErrUnknownMorphType }

// MorphTarget is one type a [MorphTo] relation can point at; make one
// with [Target].
type MorphTarget struct {
	model    *schema.Model
	ownerKey string
	field    string
	err      error
}

// Target declares T as a target of a [MorphTo] relation: a row whose type
// column holds T's morph class (see [MorphAlias]) points at the T whose
// ownerKey column (default T's primary key) equals its id column. The
// target is loaded into the field of the morphTo's model of type *T or T;
// name it with Field when there are several.
func Target[T any](ownerKey ...string) MorphTarget {
	m, err := schema.ModelFor[T]()
	t := MorphTarget{model: m, err: err}
	switch {
	case err != nil:
	case len(ownerKey) > 1:
		t.err = fmt.Errorf("target %s: %d owner keys given, at most 1: %w", m.Type.Name(), len(ownerKey), ErrBadRelation)
	case len(ownerKey) == 1:
		t.ownerKey = ownerKey[0]
	}
	return t
}

// Field returns a copy of the target that loads into the named field of
// the morphTo's model (of type *T or T).
func (t MorphTarget) Field(name string) MorphTarget {
	t.field = name
	return t
}

// MorphToRelation is the inverse of MorphOne/MorphMany (Laravel's
// morphTo): a pair of columns on P, a type and an id, point at a row of
// one of several target types. Make one with [MorphTo]. It is a relation
// of P (load.With takes it) but not of one related type: query.GetMorph
// reads it, AssociateMorph and Dissociate write it.
type MorphToRelation[P any] struct{ m *relmeta.Meta }

func (r MorphToRelation[P]) meta() *relmeta.Meta { return r.m }

// ParentKey returns the parent's id column, normalised; ok is false when
// it is NULL.
func (r MorphToRelation[P]) ParentKey(parent *P) (any, bool, error) {
	if parent == nil {
		return nil, false, fmt.Errorf("relation %s: nil parent: %w", r.m.Name, sqlt.ErrNilValue)
	}
	return r.m.ParentKeyOf(reflect.ValueOf(parent))
}

// String describes the relation.
func (r MorphToRelation[P]) String() string {
	if r.m.Parent == nil {
		return "morphTo"
	}
	return r.m.String()
}

// MorphTo declares that P points at one row of several target types
// through the columns name+"_type" and name+"_id" (Laravel's morphTo;
// other columns with Columns):
//
//	var CommentCommentable = rel.MorphTo[Comment]("commentable", rel.Target[Post](), rel.Target[Video]())
//
// An eager load runs one statement per type present among the parents,
// in order of first appearance, each a belongsTo on the target's table:
//
//	select … from "posts" where "posts"."id" in (?, ?)
//
// Rows with an empty type or a NULL id point at nothing; a type that is
// the alias of no target fails the load (ErrUnknownMorphType).
//
// The id column may hold text (Laravel's $table->string('commentable_id'),
// so that integer-keyed and string-keyed targets share it): P maps it as
// a string, and each target is read by its own key type. For an
// integer-keyed target the ids are cast to integers (an id that spells no
// integer, "abc", has no target: nil, no error, as on SQLite, where it
// matches no row); whereHasMorph casts the target's key to text and
// whereMorphedTo and AssociateMorph write it as text. A string-keyed
// (uuid) target compares the ids as they are. The
// relation is registered under name. Declaration errors (an unmapped
// column, a target without an alias under EnforceMorphMap, a target given
// twice or two targets with one alias, no destination field) match
// ErrBadRelation (ErrNoDestination for a missing field) and are reported
// by Check.
func MorphTo[P any](name string, targets ...MorphTarget) MorphToRelation[P] {
	m := &relmeta.Meta{Kind: relmeta.KindMorphTo, Name: name}
	pm, err := schema.ModelFor[P]()
	if err == nil {
		err = morphName(name)
	}
	if err != nil {
		m.Invalid = fmt.Errorf("declare morphTo %s: %w", name, err)
		record(m)
		return MorphToRelation[P]{m}
	}
	m.Parent = pm
	m.MorphType, m.ForeignKey = name+"_type", name+"_id"
	for _, t := range targets {
		if t.err != nil {
			m.Invalid = fmt.Errorf("declare morphTo %s.%s: %w", pm.Type.Name(), name, t.err)
			break
		}
		tm := &relmeta.Meta{Kind: relmeta.KindBelongsTo, Name: name, Parent: pm, Related: t.model, OwnerKey: t.ownerKey}
		if tm.OwnerKey == "" {
			if tm.OwnerKey, err = pkColumn(t.model); err != nil {
				m.Invalid = fmt.Errorf("declare morphTo %s.%s: target: %w", pm.Type.Name(), name, err)
				break
			}
		}
		if tm.MorphClass, err = morphClass(t.model); err != nil {
			if !errors.Is(err, ErrBadRelation) {
				err = fmt.Errorf("%w (%w)", err, ErrBadRelation)
			}
			m.Invalid = fmt.Errorf("declare morphTo %s.%s: target %s: %w", pm.Type.Name(), name, t.model.Type.Name(), err)
			break
		}
		resolveDest(tm, t.field)
		tm.Name = name
		if tm.Invalid != nil {
			m.Invalid = fmt.Errorf("declare morphTo %s.%s: target %s: %w", pm.Type.Name(), name, t.model.Type.Name(), tm.Invalid)
			break
		}
		m.Targets = append(m.Targets, tm)
	}
	if m.Invalid == nil {
		setupMorphTo(m)
	}
	if isMorphColumnError(m.Invalid) {
		pendMorphColumns(m) // Columns may name the right ones
	} else {
		record(m)
	}
	register(m, false)
	return MorphToRelation[P]{m}
}

// morphColumnError is the declaration error of a morphTo whose type or id
// column is not mapped, which Columns can still correct.
type morphColumnError struct{ err error }

func (e *morphColumnError) Error() string { return e.err.Error() }
func (e *morphColumnError) Unwrap() error { return e.err }

func isMorphColumnError(err error) bool {
	var ce *morphColumnError
	return errors.As(err, &ce)
}

// pendMorphColumns keeps a morphTo whose default columns are not mapped
// for Check, until Columns is derived from it.
func pendMorphColumns(m *relmeta.Meta) {
	declared.Lock()
	defer declared.Unlock()
	declared.morphColumns = append(declared.morphColumns, m)
}

// gaveColumns records that Columns was derived from m.
func gaveColumns(m *relmeta.Meta) {
	declared.Lock()
	defer declared.Unlock()
	declared.morphColumns = slices.DeleteFunc(declared.morphColumns, func(x *relmeta.Meta) bool { return x == m })
}

// setupMorphTo checks a morphTo's columns and targets and hands its id
// column and constraints to each target (cloned: m is not handed out
// yet, its targets may be).
func setupMorphTo(m *relmeta.Meta) {
	what := fmt.Sprintf("morphTo %s.%s", m.Parent.Type.Name(), m.Name)
	fail := func(err error) { m.Invalid = fmt.Errorf("%s: %w", what, err) }
	if len(m.Targets) == 0 {
		fail(fmt.Errorf("no target (give rel.Target[T]() for each type): %w", ErrBadRelation))
		return
	}
	for _, c := range []string{m.MorphType, m.ForeignKey} {
		if !sqltext.ValidIdentifier(c) {
			fail(&sqlt.InvalidIdentifierError{Ident: c})
			return
		}
		if _, ok := m.Parent.Column(c); !ok {
			fail(&morphColumnError{fmt.Errorf("morph column: %w (%w)", &sqlt.UnknownColumnError{Type: m.Parent.Type.String(), Column: c}, ErrBadRelation)})
			return
		}
	}
	seen := map[string]reflect.Type{}
	for i, t := range m.Targets {
		if other, dup := seen[t.MorphClass]; dup {
			why := fmt.Sprintf("targets %s and %s have the alias %q", other.Name(), t.Related.Type.Name(), t.MorphClass)
			if other == t.Related.Type {
				why = fmt.Sprintf("target %s given twice", other.Name())
			}
			fail(fmt.Errorf("%s: %w", why, ErrBadRelation))
			return
		}
		seen[t.MorphClass] = t.Related.Type
		c := t.Clone()
		c.ForeignKey, c.Wheres = m.ForeignKey, m.Wheres
		idf, _ := m.Parent.Column(c.ForeignKey)
		okf, _ := c.Related.Column(c.OwnerKey)
		check := checkPair
		if idf != nil && okf != nil && textID(idf.Type, okf.Type) {
			// A string id column for an integer-keyed target: its keys
			// are cast to integers to load, the target's key to text to
			// compare in SQL.
			c.IDText, check = true, checkTextPair
		}
		if err := check(m.Parent, c.ForeignKey, c.Related, c.OwnerKey); err != nil {
			fail(fmt.Errorf("target %s: %w (%w)", c.Related.Type.Name(), err, ErrBadRelation))
			return
		}
		m.Targets[i] = c
	}
	m.NoDest, m.Ambiguous = nil, false
	if m.Dest != nil {
		return // one interface field for every target
	}
	for _, t := range m.Targets {
		if t.NoDest != nil {
			m.NoDest, m.Ambiguous = t.NoDest, t.Ambiguous
			return
		}
	}
}

// morphDerive copies m, applies f and checks the result again; like
// derive, it does not register.
func morphDerive(m *relmeta.Meta, f func(*relmeta.Meta)) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		f(c)
		if c.Invalid == nil {
			setupMorphTo(c)
		}
	})
}

// Columns returns a copy reading the type and id columns given (Laravel's
// morphTo($name, $type, $id)). It is not registered: give it a name with
// Named to find it by name.
func (r MorphToRelation[P]) Columns(typeColumn, idColumn string) MorphToRelation[P] {
	m := r.m
	if isMorphColumnError(m.Invalid) {
		// The default columns were wrong: start again from the targets.
		gaveColumns(m)
		c := m.Clone()
		c.Invalid = nil
		m = c
	}
	return MorphToRelation[P]{morphDerive(m, func(c *relmeta.Meta) { c.MorphType, c.ForeignKey = typeColumn, idColumn })}
}

// Where returns a copy constrained by conds, applied to every target's
// statement (conditions on the target's table, so write them in columns
// every target has). See HasOneRelation.Where.
func (r MorphToRelation[P]) Where(conds ...sq.Sqlizer) MorphToRelation[P] {
	c := whereMeta(r.m, conds)
	if c != r.m && c.Invalid == nil {
		setupMorphTo(c) // c is new: its targets take the constraints
	}
	return MorphToRelation[P]{c}
}

// Named returns a copy with the given relation name, registered under it.
func (r MorphToRelation[P]) Named(name string) MorphToRelation[P] {
	return MorphToRelation[P]{namedMeta(r.m, name)}
}

// Field returns a copy that loads every target into the named field of P,
// of an interface type that each *T implements (Commentable any); the
// targets' own fields are then left alone. Its relation name becomes the
// field's snake_case name, under which it is registered.
func (r MorphToRelation[P]) Field(name string) MorphToRelation[P] {
	c := derive(r.m, func(c *relmeta.Meta) {
		sf, ok := c.Parent.Type.FieldByName(name)
		switch {
		case !ok || !sf.IsExported():
			c.Invalid = fmt.Errorf("relation %s: %s has no field %s: %w", c.Name, c.Parent.Type.Name(), name, ErrNoDestination)
			return
		case sf.Type.Kind() != reflect.Interface:
			c.Invalid = fmt.Errorf("relation %s: field %s.%s is %s, want an interface type: %w", c.Name, c.Parent.Type.Name(), name, sf.Type, ErrNoDestination)
			return
		}
		for _, t := range c.Targets {
			if pt := reflect.PointerTo(t.Related.Type); !pt.Implements(sf.Type) {
				c.Invalid = fmt.Errorf("relation %s: %s does not implement the type %s of field %s.%s: %w", c.Name, pt, sf.Type, c.Parent.Type.Name(), name, ErrNoDestination)
				return
			}
		}
		c.Dest, c.DestShape, c.Name = sf.Index, relmeta.DestPtr, schema.Snake(sf.Name)
		setupMorphTo(c)
	})
	if c != r.m && c.Invalid == nil {
		chose(r.m)
		register(c, true)
	}
	return MorphToRelation[P]{c}
}

// AssociateMorph points child at target through r: it sets child's id
// column to target's owner key and its type column to T's morph class,
// and stores target in child's destination field for T (the other
// targets' fields are cleared). T must be a target of r. It does not
// save. An unsaved target (a NULL or zero key) leaves the id NULL.
func AssociateMorph[P, T any](r MorphToRelation[P], child *P, target *T) error {
	m := r.m
	if m.Invalid != nil {
		return m.Invalid
	}
	if child == nil || target == nil {
		return fmt.Errorf("associate %s: %w", m.Name, sqlt.ErrNilValue)
	}
	i := slices.IndexFunc(m.Targets, func(t *relmeta.Meta) bool { return t.Related.Type == reflect.TypeFor[T]() })
	if i < 0 {
		return fmt.Errorf("associate %s: %s is not a target of %s: %w", m.Name, reflect.TypeFor[T]().Name(), m, ErrBadRelation)
	}
	t := m.Targets[i]
	tv := reflect.ValueOf(target)
	key, ok, err := t.OwnerKeyOf(tv)
	if err != nil {
		return fmt.Errorf("associate %s: %w", m.Name, err)
	}
	if !ok || keys.IsZero(key) {
		key = nil
	}
	if key != nil && t.IDText {
		key = keys.Text(key) // an integer key into a string id field
	}
	if err := setMorph(m, reflect.ValueOf(child).Elem(), t.MorphClass, key); err != nil {
		return err
	}
	setMorphDest(m, reflect.ValueOf(child).Elem(), t, tv)
	return nil
}

// Dissociate clears child's type and id columns (NULL for pointer and
// sql.Null* fields, else the zero value) and its loaded target. It does
// not save.
func (r MorphToRelation[P]) Dissociate(child *P) error {
	m := r.m
	if m.Invalid != nil {
		return m.Invalid
	}
	if child == nil {
		return fmt.Errorf("dissociate %s: %w", m.Name, sqlt.ErrNilValue)
	}
	cv := reflect.ValueOf(child).Elem()
	if err := setMorph(m, cv, nil, nil); err != nil {
		return err
	}
	setMorphDest(m, cv, nil, reflect.Value{})
	return nil
}

// setMorph writes the type and id columns of child (a P struct value).
func setMorph(m *relmeta.Meta, child reflect.Value, class, key any) error {
	idf, _ := m.Parent.Column(m.ForeignKey)
	if err := keys.Set(idf.Set(child), key); err != nil {
		return fmt.Errorf("associate %s: %w", m.Name, err)
	}
	tf, _ := m.Parent.Column(m.MorphType)
	if err := schema.Assign(tf.Set(child), class); err != nil {
		return fmt.Errorf("associate %s: %w", m.Name, err)
	}
	return nil
}

// setMorphDest stores target (a *T of target t; t nil: none) in child's
// destination and clears the other targets' fields.
func setMorphDest(m *relmeta.Meta, child reflect.Value, t *relmeta.Meta, target reflect.Value) {
	if m.Dest != nil {
		f := child.FieldByIndex(m.Dest)
		if t == nil {
			f.SetZero()
		} else {
			f.Set(target)
		}
		return
	}
	for _, x := range m.Targets {
		if x.Dest == nil {
			continue
		}
		f := child.FieldByIndex(x.Dest)
		switch {
		case x != t:
			f.SetZero()
		case x.DestShape == relmeta.DestPtr:
			f.Set(target)
		default:
			f.Set(target.Elem())
		}
	}
}

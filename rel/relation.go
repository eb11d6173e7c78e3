package rel

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// ErrNoDestination is matched by errors about a relation whose parent
// struct has no field (or several candidate fields) to load it into.
var ErrNoDestination = errors.New("relkit: relation has no destination field")

// ErrBadRelation is matched by declaration errors (a key column that the
// model does not map, a bad identifier, too many arguments, …).
var ErrBadRelation = errors.New("relkit: invalid relation")

// ErrUnsupportedKey is matched by errors about a key value or key type that
// relkit cannot use to relate rows (floats, structs, mixed int/string).
var ErrUnsupportedKey = keys.ErrUnsupported

// Relation is any declared relation. It is sealed: only package rel
// implements it.
type Relation interface {
	meta() *relmeta.Meta
}

// errZeroRelation is the declaration error of a zero relation value (a
// HasManyRelation{} that no constructor made).
var errZeroRelation = fmt.Errorf("relation not declared (use rel.HasOne, rel.HasMany, rel.BelongsTo, rel.BelongsToMany, rel.HasOneThrough or rel.HasManyThrough): %w", ErrBadRelation)

// zeroMeta describes a zero relation value, and a nil Relation.
var zeroMeta = &relmeta.Meta{Invalid: errZeroRelation}

// metaOf returns r's description: zeroMeta for a nil or zero relation
// (a nil *HasManyRelation too, whose value methods cannot be called).
func metaOf(r Relation) *relmeta.Meta {
	if r == nil {
		return zeroMeta
	}
	if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && v.IsNil() {
		return zeroMeta
	}
	if m := r.meta(); m != nil {
		return m
	}
	return zeroMeta
}

// The accessors through which relkit's other packages read a relation's
// description (see package internal/relmeta).
func init() {
	relmeta.SetAccess(
		func(r any) *relmeta.Meta {
			rr, _ := r.(Relation)
			return metaOf(rr)
		},
		func(p any) []*relmeta.Meta { return p.(Path).metas },
	)
}

// Of is a relation declared on parent type P, of any kind and related
// type (rel.Find returns one).
type Of[P any] interface {
	Relation
	// ParentKey returns the parent's key for this relation, normalised
	// (every integer an int64, a string or []byte a string); ok is false
	// when it is NULL.
	ParentKey(parent *P) (key any, ok bool, err error)
}

// Typed is a relation from P to C of any kind.
type Typed[P, C any] interface {
	Of[P]
	// Default returns the WithDefault value for the parent, and whether
	// the relation has one.
	Default(parent *P) (C, bool)
}

type base[P, C any] struct{ m *relmeta.Meta }

func (b base[P, C]) meta() *relmeta.Meta { return b.m }

// ParentKey returns the parent's key for this relation.
func (b base[P, C]) ParentKey(parent *P) (any, bool, error) {
	if parent == nil {
		return nil, false, fmt.Errorf("relation %s: nil parent: %w", b.m.Name, sqlt.ErrNilValue)
	}
	return b.m.ParentKeyOf(reflect.ValueOf(parent))
}

// Default returns the WithDefault value for parent, if the relation has one,
// with its back-reference to parent set when the relation has a chaperone.
func (b base[P, C]) Default(parent *P) (C, bool) {
	var zero C
	if b.m.Default == nil || parent == nil {
		return zero, false
	}
	pv := reflect.ValueOf(parent)
	d := b.m.Default(pv)
	if b.m.Chaperone != nil {
		b.m.Chaperone(d, pv)
	}
	return *d.Interface().(*C), true
}

// String describes the relation.
func (b base[P, C]) String() string { return b.m.String() }

// HasOneRelation is a one-to-one relation whose foreign key is on C.
// Make one with [HasOne].
type HasOneRelation[P, C any] struct{ base[P, C] }

// HasManyRelation is a one-to-many relation whose foreign key is on C.
// Make one with [HasMany].
type HasManyRelation[P, C any] struct{ base[P, C] }

// BelongsToRelation is the inverse of HasOne/HasMany: the foreign key is on
// P and points at C. Make one with [BelongsTo].
type BelongsToRelation[P, C any] struct{ base[P, C] }

// BelongsToManyRelation is a many-to-many relation through a pivot table.
// Make one with [BelongsToMany].
type BelongsToManyRelation[P, C any] struct{ base[P, C] }

// HasOne declares that P has one C: C's foreign key (default
// snake(P)+"_"+P's primary key, e.g. "user_id") holds P's local key
// (default P's primary key). keys are the optional foreign key, then local
// key, as in Sutando's hasOne(Related, foreignKey, localKey).
func HasOne[P, C any](keys ...string) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{declare[P, C](relmeta.KindHasOne, keys)}}
}

// HasMany declares that P has many C; keys as for [HasOne].
func HasMany[P, C any](keys ...string) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{declare[P, C](relmeta.KindHasMany, keys)}}
}

// BelongsTo declares that P belongs to C: P's foreign key (default
// snake(C)+"_"+C's primary key, e.g. "user_id") holds C's owner key
// (default C's primary key). keys are the optional foreign key, then owner
// key.
func BelongsTo[P, C any](keys ...string) BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{declare[P, C](relmeta.KindBelongsTo, keys)}}
}

// BelongsToMany declares a many-to-many relation between P and C through a
// pivot table. keys are optional, in Sutando's (and Laravel's) order:
// pivot table (default: the two snake names sorted and joined by "_", e.g.
// "role_user"), foreign pivot key (default "user_id"), related pivot key
// (default "role_id"), parent key and related key (default: the primary
// keys).
func BelongsToMany[P, C any](keys ...string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{declare[P, C](relmeta.KindBelongsToMany, keys)}}
}

// declare declares a relation of kind from P to C with the given keys;
// setup, run once both models are known and before the keys are set,
// completes the description (the intermediate model of a through kind, the
// type column and class of a polymorphic relation).
func declare[P, C any](kind relmeta.Kind, keys []string, setup ...func(*relmeta.Meta) error) *relmeta.Meta {
	m := &relmeta.Meta{Kind: kind}
	defer record(m)
	pm, err := schema.ModelFor[P]()
	if err != nil {
		m.Invalid = fmt.Errorf("declare %s relation: parent: %w", kind, err)
		return m
	}
	cm, err := schema.ModelFor[C]()
	if err != nil {
		m.Invalid = fmt.Errorf("declare %s relation on %s: related: %w", kind, pm.Type.Name(), err)
		return m
	}
	m.Parent, m.Related = pm, cm
	for _, f := range setup {
		if err := f(m); err != nil {
			m.Invalid = fmt.Errorf("declare %s %s → %s: %w", kind, pm.Type.Name(), cm.Type.Name(), err)
			return m
		}
	}
	if err := setKeys(m, keys); err != nil {
		m.Invalid = fmt.Errorf("declare %s %s → %s: %w", kind, pm.Type.Name(), cm.Type.Name(), err)
		return m
	}
	resolveDest(m, "")
	register(m, false)
	return m
}

func pkColumn(m *schema.Model) (string, error) {
	if m.PK == nil {
		return "", fmt.Errorf("%s: %w", m.Type.Name(), sqlt.ErrNoPrimaryKey)
	}
	return m.PK.Column, nil
}

func arg(keys []string, i int) string {
	if i < len(keys) {
		return keys[i]
	}
	return ""
}

func setKeys(m *relmeta.Meta, keys []string) error {
	max := map[relmeta.Kind]int{
		relmeta.KindHasOne: 2, relmeta.KindHasMany: 2, relmeta.KindBelongsTo: 2, relmeta.KindBelongsToMany: 5,
		relmeta.KindHasOneThrough: 4, relmeta.KindHasManyThrough: 4,
	}[m.Kind]
	if len(keys) > max {
		return fmt.Errorf("%d keys given, at most %d: %w", len(keys), max, ErrBadRelation)
	}
	for _, k := range keys {
		if k != "" && !sqltext.ValidIdentifier(k) {
			return &sqlt.InvalidIdentifierError{Ident: k}
		}
	}
	P, C := m.Parent, m.Related
	var err error
	switch m.Kind {
	case relmeta.KindHasOne, relmeta.KindHasMany:
		m.LocalKey = arg(keys, 1)
		if m.LocalKey == "" {
			if m.LocalKey, err = pkColumn(P); err != nil {
				return err
			}
		}
		m.ForeignKey = arg(keys, 0)
		if m.ForeignKey == "" {
			pk, err := pkColumn(P)
			if err != nil {
				return err
			}
			m.ForeignKey = schema.Snake(P.Type.Name()) + "_" + pk
		}
		if m.IDText {
			return checkTextPair(P, m.LocalKey, C, m.ForeignKey)
		}
		return checkPair(P, m.LocalKey, C, m.ForeignKey)
	case relmeta.KindBelongsTo:
		m.OwnerKey = arg(keys, 1)
		if m.OwnerKey == "" {
			if m.OwnerKey, err = pkColumn(C); err != nil {
				return err
			}
		}
		m.ForeignKey = arg(keys, 0)
		if m.ForeignKey == "" {
			pk, err := pkColumn(C)
			if err != nil {
				return err
			}
			m.ForeignKey = schema.Snake(C.Type.Name()) + "_" + pk
		}
		return checkPair(P, m.ForeignKey, C, m.OwnerKey)
	case relmeta.KindHasOneThrough, relmeta.KindHasManyThrough:
		return setThroughKeys(m, keys)
	case relmeta.KindBelongsToMany:
		ps, cs := schema.Snake(P.Type.Name()), schema.Snake(C.Type.Name())
		m.PivotTable = arg(keys, 0)
		if m.PivotTable == "" {
			names := []string{ps, cs}
			sort.Strings(names)
			m.PivotTable = strings.ToLower(names[0] + "_" + names[1])
		}
		if m.ParentKey = arg(keys, 3); m.ParentKey == "" {
			if m.ParentKey, err = pkColumn(P); err != nil {
				return err
			}
		}
		if m.RelatedKey = arg(keys, 4); m.RelatedKey == "" {
			if m.RelatedKey, err = pkColumn(C); err != nil {
				return err
			}
		}
		if m.ForeignPivotKey = arg(keys, 1); m.ForeignPivotKey == "" {
			pk, err := pkColumn(P)
			if err != nil {
				return err
			}
			m.ForeignPivotKey = ps + "_" + pk
		}
		if m.RelatedPivotKey = arg(keys, 2); m.RelatedPivotKey == "" {
			pk, err := pkColumn(C)
			if err != nil {
				return err
			}
			m.RelatedPivotKey = cs + "_" + pk
		}
		m.PivotAs = "pivot"
		m.CreatedAtColumn, m.UpdatedAtColumn = "created_at", "updated_at"
		if _, ok := P.Column(m.ParentKey); !ok {
			return &sqlt.UnknownColumnError{Type: P.Type.String(), Column: m.ParentKey}
		}
		if _, ok := C.Column(m.RelatedKey); !ok {
			return &sqlt.UnknownColumnError{Type: C.Type.String(), Column: m.RelatedKey}
		}
	}
	return nil
}

// checkPair checks that both key columns are mapped and comparable.
func checkPair(a *schema.Model, acol string, b *schema.Model, bcol string) error {
	fa, ok := a.Column(acol)
	if !ok {
		return fmt.Errorf("key column: %w", &sqlt.UnknownColumnError{Type: a.Type.String(), Column: acol})
	}
	fb, ok := b.Column(bcol)
	if !ok {
		return fmt.Errorf("key column: %w", &sqlt.UnknownColumnError{Type: b.Type.String(), Column: bcol})
	}
	return keys.CheckTypes(fa.Type, fb.Type, fmt.Sprintf("keys %s.%s and %s.%s", a.Type.Name(), acol, b.Type.Name(), bcol))
}

// checkTextPair checks the keys of a polymorphic relation whose id
// column holds text (Meta.IDText): both columns mapped, and key types, an
// integer and a string being comparable through the text form.
func checkTextPair(a *schema.Model, acol string, b *schema.Model, bcol string) error {
	err := checkPair(a, acol, b, bcol)
	if err == nil || !errors.Is(err, keys.ErrUnsupported) {
		return err
	}
	fa, _ := a.Column(acol)
	fb, _ := b.Column(bcol)
	if ca, cb := keys.ClassOf(fa.Type), keys.ClassOf(fb.Type); ca != keys.Invalid && cb != keys.Invalid {
		return nil
	}
	return err
}

// textID reports whether a polymorphic id column of Go type id, compared
// with keys of Go type key, holds text: a string column for integer keys.
func textID(id, key reflect.Type) bool {
	return keys.ClassOf(id) == keys.String && keys.ClassOf(key) == keys.Int
}

// resolveDest finds the destination field: the one named field, or else the
// only field of P whose type holds C in the relation's shape.
func resolveDest(m *relmeta.Meta, field string) {
	m.Dest, m.DestShape, m.NoDest, m.Ambiguous = nil, 0, nil, false
	ct := m.Related.Type
	shapeOf := func(t reflect.Type) relmeta.DestShape {
		if m.Kind.ToMany() {
			switch {
			case t.Kind() == reflect.Slice && t.Elem() == ct:
				return relmeta.DestSlice
			case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Pointer && t.Elem().Elem() == ct:
				return relmeta.DestSlicePtr
			}
			return 0
		}
		switch {
		case t == ct:
			return relmeta.DestValue
		case t.Kind() == reflect.Pointer && t.Elem() == ct:
			return relmeta.DestPtr
		}
		return 0
	}
	want := "*" + ct.Name() + " or " + ct.Name()
	if m.Kind.ToMany() {
		want = "[]" + ct.Name() + " or []*" + ct.Name()
	}
	var found []reflect.StructField
	for _, sf := range reflect.VisibleFields(m.Parent.Type) {
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		if field != "" {
			if sf.Name == field {
				found = append(found, sf)
				break
			}
			continue
		}
		if shapeOf(sf.Type) != 0 {
			found = append(found, sf)
		}
	}
	pname := m.Parent.Type.Name()
	switch {
	case field != "" && len(found) == 0:
		m.Invalid = fmt.Errorf("relation %s: %s has no field %s: %w", m.Name, pname, field, ErrNoDestination)
		return
	case field != "" && shapeOf(found[0].Type) == 0:
		m.Invalid = fmt.Errorf("relation %s: field %s.%s is %s, want %s: %w", m.Name, pname, field, found[0].Type, want, ErrNoDestination)
		return
	case len(found) == 1:
		m.Dest = found[0].Index
		m.DestShape = shapeOf(found[0].Type)
		if m.Name == "" || field != "" {
			m.Name = schema.Snake(found[0].Name)
		}
	case len(found) == 0:
		m.NoDest = fmt.Errorf("relation %s: %s has no field of type %s: %w", defaultName(m), pname, want, ErrNoDestination)
	default:
		names := make([]string, len(found))
		for i, f := range found {
			names[i] = f.Name
		}
		m.Ambiguous = true
		m.NoDest = fmt.Errorf("relation %s: %s has several fields of type %s (%s); choose one with Field: %w",
			defaultName(m), pname, want, strings.Join(names, ", "), ErrNoDestination)
	}
	if m.Name == "" {
		m.Name = defaultName(m)
	}
	if m.Kind == relmeta.KindBelongsToMany {
		resolvePivotDest(m)
	}
}

func defaultName(m *relmeta.Meta) string {
	n := schema.Snake(m.Related.Type.Name())
	if m.Kind.ToMany() {
		return schema.Plural(n)
	}
	return n
}

// resolvePivotDest finds the field of C named after the pivot accessor
// ("Pivot" for "pivot", "Subscription" for As("subscription")).
func resolvePivotDest(m *relmeta.Meta) {
	m.PivotDest, m.PivotType = nil, nil
	for _, sf := range reflect.VisibleFields(m.Related.Type) {
		if sf.IsExported() && !sf.Anonymous && schema.Snake(sf.Name) == m.PivotAs {
			t := sf.Type
			ok := t.Kind() == reflect.Map && t.Key().Kind() == reflect.String ||
				t.Kind() == reflect.Struct ||
				t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct
			if !ok {
				m.Invalid = fmt.Errorf("relation %s: pivot field %s.%s is %s; want map[string]any, a struct or a pointer to one: %w",
					m.Name, m.Related.Type.Name(), sf.Name, t, ErrBadRelation)
				return
			}
			m.PivotDest, m.PivotType = sf.Index, t
			return
		}
	}
}

// derive copies m and applies f; the result is not registered (only
// constructors, Named and Field register).
func derive(m *relmeta.Meta, f func(*relmeta.Meta)) *relmeta.Meta {
	if m.Invalid != nil {
		return m
	}
	c := m.Clone()
	f(c)
	record(c)
	return c
}

func whereMeta(m *relmeta.Meta, conds []sq.Sqlizer) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		for _, w := range conds {
			if w == nil {
				c.Invalid = fmt.Errorf("relation %s: Where(nil): %w", c.Name, ErrBadRelation)
				return
			}
			// Checked and rendered once, here: every use of the
			// relation (queries, eager loads, existence tests,
			// aggregates, pivot writes) returns this error before any
			// statement, and a condition the caller changes later (an
			// sq.Eq map) changes neither the relation nor what was
			// checked.
			f, err := sqltext.Freeze(w)
			if err != nil {
				c.Invalid = fmt.Errorf("relation %s: Where: %w", c.Name, err)
				return
			}
			c.Wheres = append(c.Wheres, f)
		}
	})
}

func fieldMeta(m *relmeta.Meta, field string) *relmeta.Meta {
	c := derive(m, func(c *relmeta.Meta) { resolveDest(c, field) })
	if c != m && c.Invalid == nil {
		chose(m)
		if !constrained(c) {
			register(c, true)
		}
	}
	return c
}

func namedMeta(m *relmeta.Meta, name string) *relmeta.Meta {
	c := derive(m, func(c *relmeta.Meta) {
		if !sqltext.ValidIdentifier(name) {
			c.Invalid = fmt.Errorf("relation name: %w", &sqlt.InvalidIdentifierError{Ident: name})
			return
		}
		c.Name = name
	})
	if c != m {
		register(c, true)
	}
	return c
}

// Where returns a copy of the relation constrained by conds (squirrel
// conditions on the related table). The constraint is part of the relation:
// it applies to reading, eager loading, existence tests and aggregates.
// Each condition is rendered once, here, and must be a self-contained
// fragment (no comment, ";", unbalanced parenthesis or quote outside
// quotes: see sqlt.CheckFragment); otherwise every use of the relation
// fails with sqlt.ErrUnsafeFragment before any statement runs.
// Give a constrained relation its own name (Named or Field) to find it by
// name.
func (r HasOneRelation[P, C]) Where(conds ...sq.Sqlizer) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{whereMeta(r.m, conds)}}
}

// Field returns a copy that loads into the named field of P (its relation
// name becomes the field's snake_case name).
func (r HasOneRelation[P, C]) Field(name string) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{fieldMeta(r.m, name)}}
}

// Named returns a copy with the given relation name (used by string paths
// and aggregate aliases).
func (r HasOneRelation[P, C]) Named(name string) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{namedMeta(r.m, name)}}
}

// Where returns a copy constrained by conds; see HasOneRelation.Where.
func (r HasManyRelation[P, C]) Where(conds ...sq.Sqlizer) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{whereMeta(r.m, conds)}}
}

// Field returns a copy that loads into the named field of P.
func (r HasManyRelation[P, C]) Field(name string) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{fieldMeta(r.m, name)}}
}

// Named returns a copy with the given relation name.
func (r HasManyRelation[P, C]) Named(name string) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{namedMeta(r.m, name)}}
}

// Where returns a copy constrained by conds; see HasOneRelation.Where.
func (r BelongsToRelation[P, C]) Where(conds ...sq.Sqlizer) BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{whereMeta(r.m, conds)}}
}

// Field returns a copy that loads into the named field of P.
func (r BelongsToRelation[P, C]) Field(name string) BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{fieldMeta(r.m, name)}}
}

// Named returns a copy with the given relation name.
func (r BelongsToRelation[P, C]) Named(name string) BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{namedMeta(r.m, name)}}
}

// Where returns a copy constrained by conds on the related table; see
// HasOneRelation.Where.
func (r BelongsToManyRelation[P, C]) Where(conds ...sq.Sqlizer) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{whereMeta(r.m, conds)}}
}

// Field returns a copy that loads into the named field of P.
func (r BelongsToManyRelation[P, C]) Field(name string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{fieldMeta(r.m, name)}}
}

// Named returns a copy with the given relation name.
func (r BelongsToManyRelation[P, C]) Named(name string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{namedMeta(r.m, name)}}
}

// ToOne is a relation that yields at most one C: HasOne, BelongsTo or
// HasOneThrough.
type ToOne[P, C any] interface {
	Typed[P, C]
	toOne()
}

// ToMany is a relation that yields a list of C: HasMany, BelongsToMany or
// HasManyThrough.
type ToMany[P, C any] interface {
	Typed[P, C]
	toMany()
}

func (HasOneRelation[P, C]) toOne()         {}
func (BelongsToRelation[P, C]) toOne()      {}
func (HasManyRelation[P, C]) toMany()       {}
func (BelongsToManyRelation[P, C]) toMany() {}

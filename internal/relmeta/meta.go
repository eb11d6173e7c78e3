// Package relmeta holds the description of a declared relation (Meta)
// that packages rel, query, load, agg and pivot share.
//
// Who writes it: package rel alone, while it declares a relation or
// derives one (Where, Named, WithPivot, …; each derivation is a copy).
// A Meta is never modified once rel hands out the relation holding it.
// Its fields are exported because every relkit package reads them, and
// this package is internal: code outside relkit cannot import it, and no
// public function returns a *Meta, so a user can neither obtain nor change
// one.
//
// How it is reached: a rel relation keeps its *Meta in an unexported
// field, and rel's interfaces are sealed with an unexported method, so
// only rel can read it. Package rel installs the accessors (SetAccess) at
// initialisation; relkit's other packages call Of and PathOf. (relmeta
// cannot import rel, which imports it.) Every package that holds a
// relation value imports rel, so the accessors are installed before any
// of its code runs.
package relmeta

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// Kind is the kind of a relation.
type Kind uint8

// The relation kinds.
const (
	KindHasOne Kind = iota + 1
	KindHasMany
	KindBelongsTo
	KindBelongsToMany
	KindHasOneThrough
	KindHasManyThrough
	KindMorphTo
)

// String returns the kind as Sutando names it ("hasMany").
func (k Kind) String() string {
	switch k {
	case KindHasOne:
		return "hasOne"
	case KindHasMany:
		return "hasMany"
	case KindBelongsTo:
		return "belongsTo"
	case KindBelongsToMany:
		return "belongsToMany"
	case KindHasOneThrough:
		return "hasOneThrough"
	case KindHasManyThrough:
		return "hasManyThrough"
	case KindMorphTo:
		return "morphTo"
	}
	return "unknown"
}

// ToMany reports whether the relation yields a list.
func (k Kind) ToMany() bool {
	return k == KindHasMany || k == KindBelongsToMany || k == KindHasManyThrough
}

// Through reports whether the relation reaches its related rows through
// an intermediate table (hasOneThrough, hasManyThrough).
func (k Kind) Through() bool { return k == KindHasOneThrough || k == KindHasManyThrough }

// DestShape is how a destination field holds the related value(s).
type DestShape uint8

// Destination shapes: C, *C, []C, []*C.
const (
	DestValue DestShape = iota + 1
	DestPtr
	DestSlice
	DestSlicePtr
)

// Meta is the type-erased description of a relation that packages query,
// load, agg and pivot read (see the package doc). "Parent" is the model the relation is declared
// on (the P of rel.HasMany[P, C] and of rel.BelongsTo[P, C]); "Related" is
// the other model. Meta values are never modified after construction.
type Meta struct {
	Kind    Kind
	Name    string        // relation name: snake_case of the destination field
	Parent  *schema.Model // declaring model
	Related *schema.Model // related model

	// hasOne/hasMany: ForeignKey is on Related, LocalKey on Parent.
	// belongsTo: ForeignKey is on Parent, OwnerKey on Related.
	// hasOneThrough/hasManyThrough: LocalKey is on Parent.
	ForeignKey, LocalKey, OwnerKey string

	// hasOneThrough/hasManyThrough (Laravel's argument names): Through is
	// the intermediate model; FirstKey, on Through, holds Parent's
	// LocalKey; SecondKey, on Related, holds Through's SecondLocalKey.
	Through                             *schema.Model
	FirstKey, SecondKey, SecondLocalKey string

	// belongsToMany: the pivot table and its two key columns; ParentKey
	// and RelatedKey are the columns they point to (the primary keys).
	PivotTable, ForeignPivotKey, RelatedPivotKey string
	ParentKey, RelatedKey                        string
	PivotColumns                                 []string // WithPivot, in order, deduplicated
	PivotValues                                  []PivotValue
	Timestamps                                   bool   // WithTimestamps
	CreatedAtColumn, UpdatedAtColumn             string // pivot timestamp columns
	PivotAs                                      string // accessor name, "pivot" by default
	PivotWheres                                  []PivotWhere
	PivotOrders                                  []PivotOrder

	// Polymorphic relations (rel.MorphOne, MorphMany, MorphToMany,
	// MorphedByMany): MorphType is the type column ("commentable_type"),
	// on Related for morphOne/morphMany, on the pivot table for
	// morphToMany/morphedByMany; MorphClass the value it holds for this
	// relation (the parent's morph alias, the related model's for
	// morphedByMany). Every statement of the relation filters on it and
	// every write sets it. Empty for other relations.
	MorphType, MorphClass string
	// IDText reports that the polymorphic id column holds text (rel's
	// IDText, or a string field for it against an integer key): the
	// column ForeignKey on Related (morphOne/morphMany), ForeignPivotKey
	// (morphToMany) or RelatedPivotKey (morphedByMany) on the pivot
	// table, ForeignKey on Parent (morphTo and its targets). Keys compared
	// with it are bound in their text form, and an integer column
	// compared with it in a correlated condition is cast to text, which
	// PostgreSQL requires (text = bigint has no operator).
	IDText bool
	// MorphInverse marks a morphedByMany: its morph id column is the
	// pivot's RelatedPivotKey.
	MorphInverse bool

	// morphTo (rel.MorphTo): Related is nil; MorphType and ForeignKey are
	// the type and id columns on Parent; Targets are the declared targets,
	// each a belongsTo from Parent to the target type (ForeignKey the id
	// column, OwnerKey the target's key, MorphClass its alias, Dest its
	// field unless the morphTo has one Dest of an interface type, and the
	// morphTo's Wheres), in declaration order.
	Targets []*Meta

	// Wheres constrain the related rows wherever the relation is used.
	Wheres []sq.Sqlizer

	// OfMany makes a hasOne or hasOneThrough a one-of-many relation
	// (rel's LatestOfMany, OldestOfMany, OfMany, OfManyBy); nil otherwise.
	OfMany *OfMany

	// Destination field on Parent (nil Dest: none found).
	Dest      []int
	DestShape DestShape
	// PivotDest is the field on Related receiving pivot columns (nil: none).
	PivotDest []int
	PivotType reflect.Type

	// Default builds the default related value for a parent (a *P) when
	// the relation resolves to nothing; nil when WithDefault was not used.
	// It returns a *C.
	Default func(parent reflect.Value) reflect.Value

	// Chaperone sets a child's back-reference to its parent (rel's
	// Chaperone and ChaperoneFunc on hasOne/hasMany): child is a *C,
	// parent the *P it was loaded for. nil without a chaperone.
	Chaperone func(child, parent reflect.Value)

	// Declaration state, written by rel.
	NoDest    error // why no destination could be found, if so (DestErr)
	Ambiguous bool  // NoDest is several candidate fields (reported by rel.Check)
	Invalid   error // declaration error: returned by every use (Err)
	From      *Meta // the value this one was derived from (registry)
}

// OfMany chooses the one related row of each parent of a one-of-many
// relation: the row holding the aggregate of Columns[0] among the rows
// that pass Filters, then, among those, the aggregate of Columns[1], and
// so on. The last column is the related primary key (the tie-break).
// Filters are rendered with each statement (see package render).
type OfMany struct {
	Columns []OfManyColumn
	Filters []sq.Sqlizer
}

// OfManyColumn is a column of a one-of-many relation and its aggregate,
// "max" or "min".
type OfManyColumn struct {
	Column, Func string
}

// PivotWhere is a recorded wherePivot… filter. It applies to reads of the
// relation and to the pivot rows that detach, sync and updateExistingPivot
// touch.
type PivotWhere struct {
	Or     bool
	Column string // pivot column (unqualified)
	Op     string // "=", "<>", "<", …, "in", "not in", "between", "not between", "null", "not null"
	Values []any
}

// PivotOrder is an orderByPivot clause.
type PivotOrder struct {
	Column string
	Desc   bool
}

// PivotValue is a withPivotValue: a pivot column filtered on and written
// by attach.
type PivotValue struct {
	Column string
	Value  any
}

// Err returns the declaration error, if the relation is unusable.
func (m *Meta) Err() error { return m.Invalid }

// DestErr returns the error of a relation with no destination field, or
// nil. Loading such a relation fails with it.
func (m *Meta) DestErr() error {
	if m.Invalid != nil {
		return m.Invalid
	}
	return m.NoDest
}

// ParentKeyColumn is the column on Parent whose value identifies the
// related rows: LocalKey (hasOne/hasMany and the through kinds),
// ForeignKey (belongsTo), ParentKey (belongsToMany).
func (m *Meta) ParentKeyColumn() string {
	switch m.Kind {
	case KindBelongsTo, KindMorphTo:
		return m.ForeignKey
	case KindBelongsToMany:
		return m.ParentKey
	}
	return m.LocalKey
}

// RelatedKeyColumn is the column, on the related table, matched against
// the parent key: ForeignKey (hasOne/hasMany), OwnerKey (belongsTo). For
// belongsToMany the match is on the pivot's ForeignPivotKey instead, for
// the through kinds on the through table's FirstKey.
func (m *Meta) RelatedKeyColumn() string {
	switch m.Kind {
	case KindBelongsTo:
		return m.OwnerKey
	case KindBelongsToMany:
		return m.ForeignPivotKey
	case KindHasOneThrough, KindHasManyThrough:
		return m.FirstKey
	}
	return m.ForeignKey
}

// KeyBytes reports whether the parents' keys are bound as []byte (see
// keys.IsBytes) where they are compared with the related rows: those rows'
// key column is the related model's RelatedKeyColumn (hasOne, hasMany,
// belongsTo), the through model's FirstKey (the through kinds), or the
// pivot's ForeignPivotKey, which pivot writes fill from the parent's key
// (belongsToMany).
func (m *Meta) KeyBytes() bool {
	side, col := m.Related, m.RelatedKeyColumn()
	switch {
	case m.Kind == KindBelongsToMany:
		side, col = m.Parent, m.ParentKey
	case m.Kind.Through():
		side = m.Through
	}
	if side == nil {
		return false
	}
	f, ok := side.Column(col)
	return ok && keys.IsBytes(f.Type)
}

// ParentKeyText reports whether the parents' keys are compared with a
// polymorphic id column of type text (see IDText): the related side's
// key column of a morphOne/morphMany, the pivot's foreign pivot key of a
// morphToMany.
func (m *Meta) ParentKeyText() bool {
	switch m.Kind {
	case KindHasOne, KindHasMany:
		return m.IDText
	case KindBelongsToMany:
		return m.IDText && !m.MorphInverse
	}
	return false
}

// BindKey returns the normalised parent key k in the form it is bound in
// where it is compared with the related rows: its text form for a
// polymorphic id column of type text (ParentKeyText), []byte for a
// column of bytes (KeyBytes), else k.
func (m *Meta) BindKey(k any) any {
	if m.ParentKeyText() {
		return keys.Text(k)
	}
	return keys.Bind(k, m.KeyBytes())
}

// BindKeys is BindKey over a list of keys.
func (m *Meta) BindKeys(ks []any) []any {
	if m.ParentKeyText() {
		return keys.TextAll(ks)
	}
	return keys.BindAll(ks, m.KeyBytes())
}

// ParentKeyOf returns the normalised key of the parent (a struct value or
// pointer to one) for this relation; ok is false when it is NULL.
func (m *Meta) ParentKeyOf(parent reflect.Value) (key any, ok bool, err error) {
	if m.Invalid != nil {
		return nil, false, m.Invalid
	}
	for parent.Kind() == reflect.Pointer {
		if parent.IsNil() {
			return nil, false, fmt.Errorf("relation %s: %w", m.Name, sqlt.ErrNilValue)
		}
		parent = parent.Elem()
	}
	f, _ := m.Parent.Column(m.ParentKeyColumn())
	return keys.Norm(f.Get(parent).Interface())
}

// OwnerKeyOf returns the normalised owner key of related (a struct value
// or pointer to one of the related type) for a belongsTo, such as a
// morphTo's target; ok is false when it is NULL.
func (m *Meta) OwnerKeyOf(related reflect.Value) (key any, ok bool, err error) {
	f, _ := m.Related.Column(m.OwnerKey)
	return keys.Norm(f.Get(reflect.Indirect(related)).Interface())
}

// String describes the relation, for errors and logs.
func (m *Meta) String() string {
	if m.Kind == KindMorphTo {
		ts := make([]string, len(m.Targets))
		for i, t := range m.Targets {
			ts[i] = t.Related.Type.Name()
		}
		return fmt.Sprintf("%s %s.%s → %s", m.Kind, m.Parent.Type.Name(), m.Name, strings.Join(ts, "|"))
	}
	return fmt.Sprintf("%s %s.%s → %s", m.Kind, m.Parent.Type.Name(), m.Name, m.Related.Type.Name())
}

// PivotColumn qualifies a pivot column with the pivot table unless it is
// already qualified.
func (m *Meta) PivotColumn(col string) string {
	if strings.Contains(col, ".") {
		return sqltext.Ident(col)
	}
	return sqltext.Qualified(m.PivotTable, col)
}

// Clone returns a shallow copy that records m as its origin (From);
// slices are clipped so appends on the copy never write into m's arrays.
// Package rel derives relations with it.
func (m *Meta) Clone() *Meta {
	c := *m
	c.From = m
	c.PivotColumns = slices.Clip(m.PivotColumns)
	c.PivotValues = slices.Clip(m.PivotValues)
	c.PivotWheres = slices.Clip(m.PivotWheres)
	c.PivotOrders = slices.Clip(m.PivotOrders)
	c.Wheres = slices.Clip(m.Wheres)
	c.Targets = slices.Clone(m.Targets)
	return &c
}

// ParentKeys are the relation keys of a list of parents: each parent's
// (nil for NULL) and the distinct non-NULL keys in order of appearance.
type ParentKeys struct {
	Each   []any
	Unique []any
}

// ParentKeysOf returns the relation keys of parents (addressable parent
// structs).
func (m *Meta) ParentKeysOf(parents []reflect.Value) (ParentKeys, error) {
	pk := ParentKeys{Each: make([]any, len(parents))}
	seen := make(map[any]struct{}, len(parents))
	for i, e := range parents {
		k, ok, err := m.ParentKeyOf(e.Addr())
		if err != nil {
			return pk, err
		}
		if !ok {
			continue
		}
		pk.Each[i] = k
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			pk.Unique = append(pk.Unique, k)
		}
	}
	return pk, nil
}

// The accessors package rel installs (see the package doc).
var access struct {
	meta func(relation any) *Meta
	path func(path any) []*Meta
}

// SetAccess installs rel's accessors: meta returns the Meta of a
// rel.Relation, path the Metas of a rel.Path. Only package rel calls it,
// once, at initialisation.
func SetAccess(meta func(relation any) *Meta, path func(path any) []*Meta) {
	access.meta, access.path = meta, path
}

// Of returns the Meta of r, a rel.Relation (of any kind, typed or found by
// name). A zero relation value (a rel.HasManyRelation{} that no
// constructor made) and a nil Relation give a Meta whose Err reports it.
func Of(r any) *Meta { return access.meta(r) }

// PathOf returns the relations of p, a rel.Path, in order.
func PathOf(p any) []*Meta { return access.path(p) }

// MorphTarget returns the target of a morphTo whose alias is class, or
// nil.
func (m *Meta) MorphTarget(class string) *Meta {
	for _, t := range m.Targets {
		if t.MorphClass == class {
			return t
		}
	}
	return nil
}

// MorphTargetKind reports whether m is a target of a morphTo (one of its
// Targets, or a clone of one): a belongsTo with a morph class.
func (m *Meta) MorphTargetKind() bool { return m.Kind == KindBelongsTo && m.MorphClass != "" }

// MorphTypeOf returns the value of a morphTo's type column in parent (a
// struct value or a pointer to one); "" when it is NULL or empty.
func (m *Meta) MorphTypeOf(parent reflect.Value) (string, error) {
	for parent.Kind() == reflect.Pointer {
		parent = parent.Elem()
	}
	f, _ := m.Parent.Column(m.MorphType)
	k, ok, err := keys.Norm(f.Get(parent).Interface())
	if err != nil || !ok {
		return "", err
	}
	if s, isStr := k.(string); isStr {
		return s, nil
	}
	return fmt.Sprint(k), nil
}

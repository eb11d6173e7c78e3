package rel

import (
	"fmt"
	"reflect"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// Kind is the kind of a relation.
type Kind uint8

// The four relation kinds.
const (
	KindHasOne Kind = iota + 1
	KindHasMany
	KindBelongsTo
	KindBelongsToMany
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
	}
	return "unknown"
}

// ToMany reports whether the relation yields a list.
func (k Kind) ToMany() bool { return k == KindHasMany || k == KindBelongsToMany }

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
// load, agg and pivot read. "Parent" is the model the relation is declared
// on (the P of rel.HasMany[P, C] and of rel.BelongsTo[P, C]); "Related" is
// the other model. Meta values are never modified after construction.
type Meta struct {
	Kind    Kind
	Name    string      // relation name: snake_case of the destination field
	Parent  *sqlt.Model // declaring model
	Related *sqlt.Model // related model

	// hasOne/hasMany: ForeignKey is on Related, LocalKey on Parent.
	// belongsTo: ForeignKey is on Parent, OwnerKey on Related.
	ForeignKey, LocalKey, OwnerKey string

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

	// Wheres constrain the related rows wherever the relation is used.
	Wheres []sq.Sqlizer

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

	destErr   error // why no destination could be found, if so
	ambiguous bool  // destErr is several candidate fields (reported by Check)
	explicit  bool  // named by Named or Field
	err       error // declaration error: returned by every use
	from      *Meta // the value this one was derived from (registry)
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

// errZeroRelation is the declaration error of a zero relation value (a
// HasManyRelation{} that no constructor made).
var errZeroRelation = fmt.Errorf("relation not declared (use rel.HasOne, rel.HasMany, rel.BelongsTo or rel.BelongsToMany): %w", ErrBadRelation)

// Err returns the declaration error, if the relation is unusable.
func (m *Meta) Err() error {
	if m == nil {
		return errZeroRelation
	}
	return m.err
}

// DestErr returns the error of a relation with no destination field, or
// nil. Loading such a relation fails with it.
func (m *Meta) DestErr() error {
	if m == nil || m.err != nil {
		return m.Err()
	}
	return m.destErr
}

// ParentKeyColumn is the column on Parent whose value identifies the
// related rows: LocalKey (hasOne/hasMany), ForeignKey (belongsTo),
// ParentKey (belongsToMany).
func (m *Meta) ParentKeyColumn() string {
	switch m.Kind {
	case KindBelongsTo:
		return m.ForeignKey
	case KindBelongsToMany:
		return m.ParentKey
	}
	return m.LocalKey
}

// RelatedKeyColumn is the column, on the related table, matched against
// the parent key: ForeignKey (hasOne/hasMany), OwnerKey (belongsTo). For
// belongsToMany the match is on the pivot's ForeignPivotKey instead.
func (m *Meta) RelatedKeyColumn() string {
	switch m.Kind {
	case KindBelongsTo:
		return m.OwnerKey
	case KindBelongsToMany:
		return m.ForeignPivotKey
	}
	return m.ForeignKey
}

// KeyBytes reports whether the parents' keys are bound as []byte (see
// KeyBytesOf) where they are compared with the related rows: those rows'
// key column is the related model's RelatedKeyColumn (hasOne, hasMany,
// belongsTo), or the pivot's ForeignPivotKey, which pivot writes fill
// from the parent's key (belongsToMany).
func (m *Meta) KeyBytes() bool {
	side, col := m.Related, m.RelatedKeyColumn()
	if m.Kind == KindBelongsToMany {
		side, col = m.Parent, m.ParentKey
	}
	if side == nil {
		return false
	}
	f, ok := side.Column(col)
	return ok && KeyBytesOf(f.Type)
}

// ParentKeyOf returns the normalised key of the parent (a struct value or
// pointer to one) for this relation; ok is false when it is NULL.
func (m *Meta) ParentKeyOf(parent reflect.Value) (key any, ok bool, err error) {
	if m.err != nil {
		return nil, false, m.err
	}
	for parent.Kind() == reflect.Pointer {
		if parent.IsNil() {
			return nil, false, fmt.Errorf("relation %s: %w", m.Name, sqlt.ErrNilValue)
		}
		parent = parent.Elem()
	}
	f, _ := m.Parent.Column(m.ParentKeyColumn())
	return NormKey(f.Get(parent).Interface())
}

// String describes the relation, for errors and logs.
func (m *Meta) String() string {
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

// clone returns a shallow copy that records m as its origin; slices are
// clipped so appends on the copy never write into m's arrays.
func (m *Meta) clone() *Meta {
	c := *m
	c.from = m
	c.PivotColumns = clip(m.PivotColumns)
	c.PivotValues = clip(m.PivotValues)
	c.PivotWheres = clip(m.PivotWheres)
	c.PivotOrders = clip(m.PivotOrders)
	c.Wheres = clip(m.Wheres)
	return &c
}

func clip[S ~[]E, E any](s S) S { return s[:len(s):len(s)] }

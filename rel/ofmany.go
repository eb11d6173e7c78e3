package rel

import (
	"fmt"
	"slices"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// Aggregate is the aggregate that chooses the row of a one-of-many
// relation: [Max] or [Min], its only values (Laravel accepts MIN and MAX
// only; anything else does not compile here).
type Aggregate struct{ fn string }

// The aggregates of a one-of-many relation.
var (
	Max = Aggregate{"max"}
	Min = Aggregate{"min"}
)

// OfManyColumn is a column of [HasOneRelation.OfManyBy] and the aggregate
// that chooses on it.
type OfManyColumn struct {
	Column    string
	Aggregate Aggregate
}

// LatestOfMany returns a copy that yields, of the parent's related rows,
// the one with the greatest value of columns (default C's primary key),
// compared in order, ties broken by the greatest primary key (Laravel's
// latestOfMany): OfManyBy with Max on each column.
func (r HasOneRelation[P, C]) LatestOfMany(columns ...string) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{shortcutOfMany(r.m, columns, Max)}}
}

// OldestOfMany returns a copy that yields the row with the least value of
// columns (default C's primary key), ties broken by the greatest primary
// key, as Laravel's oldestOfMany does: OldestOfMany("created_at") and
// OfMany("created_at", Min) differ when two rows share a created_at (the
// first keeps the later row, the second the earlier).
func (r HasOneRelation[P, C]) OldestOfMany(columns ...string) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{shortcutOfMany(r.m, columns, Min)}}
}

// OfMany returns a copy that yields the row holding agg of column, ties
// broken by the same aggregate of the primary key (Laravel's
// ofMany('votes', 'max')).
func (r HasOneRelation[P, C]) OfMany(column string, agg Aggregate) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{stringOfMany(r.m, column, agg)}}
}

// OfManyBy returns a copy that yields the row chosen by columns in order
// (each column's aggregate among the rows the earlier ones kept), ties
// broken by the greatest primary key when columns do not end with it;
// filters (squirrel conditions on C, rendered with each statement) narrow
// the rows it chooses among. A Where on the relation filters the chosen
// row instead, which may leave a parent with nothing.
func (r HasOneRelation[P, C]) OfManyBy(columns []OfManyColumn, filters ...sq.Sqlizer) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{ofManyMeta(r.m, columns, filters)}}
}

// LatestOfMany: see [HasOneRelation.LatestOfMany].
func (r HasOneThroughRelation[P, T, C]) LatestOfMany(columns ...string) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{shortcutOfMany(r.m, columns, Max)}}
}

// OldestOfMany: see [HasOneRelation.OldestOfMany].
func (r HasOneThroughRelation[P, T, C]) OldestOfMany(columns ...string) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{shortcutOfMany(r.m, columns, Min)}}
}

// OfMany: see [HasOneRelation.OfMany].
func (r HasOneThroughRelation[P, T, C]) OfMany(column string, agg Aggregate) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{stringOfMany(r.m, column, agg)}}
}

// OfManyBy: see [HasOneRelation.OfManyBy]. Columns and filters are on C's
// table (qualify a column that T has too in a filter).
func (r HasOneThroughRelation[P, T, C]) OfManyBy(columns []OfManyColumn, filters ...sq.Sqlizer) HasOneThroughRelation[P, T, C] {
	return HasOneThroughRelation[P, T, C]{base[P, C]{ofManyMeta(r.m, columns, filters)}}
}

// One returns the HasOne with the same keys and conditions (Laravel's
// hasMany(…)->one()), to make a one-of-many relation of:
// UserPosts.One().LatestOfMany(). Its name is the one its destination
// field gives, as for a relation declared with HasOne.
func (r HasManyRelation[P, C]) One() HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{oneOf(r.m, relmeta.KindHasOne)}}
}

// oneOf is m as the to-one kind, declared anew (its destination and
// default name found again, registered as a constructor registers).
func oneOf(m *relmeta.Meta, kind relmeta.Kind) *relmeta.Meta {
	if m.Invalid != nil {
		return m
	}
	c := m.Clone()
	c.From, c.Kind, c.Name, c.Default = nil, kind, "", nil
	resolveDest(c, "")
	record(c)
	register(c, false)
	return c
}

// shortcutOfMany is Laravel's latestOfMany/oldestOfMany: agg on each
// column, the primary key by default.
func shortcutOfMany(m *relmeta.Meta, columns []string, agg Aggregate) *relmeta.Meta {
	if len(columns) == 0 && m.Related != nil && m.Related.PK != nil {
		columns = []string{m.Related.PK.Column}
	}
	cols := make([]OfManyColumn, len(columns))
	for i, c := range columns {
		cols[i] = OfManyColumn{c, agg}
	}
	return ofManyMeta(m, cols, nil)
}

// stringOfMany is Laravel's ofMany(column, aggregate): the primary key
// gets the same aggregate.
func stringOfMany(m *relmeta.Meta, column string, agg Aggregate) *relmeta.Meta {
	cols := []OfManyColumn{{column, agg}}
	if m.Related != nil && m.Related.PK != nil && column != m.Related.PK.Column {
		cols = append(cols, OfManyColumn{m.Related.PK.Column, agg})
	}
	return ofManyMeta(m, cols, nil)
}

// ofManyMeta derives m as a one-of-many relation choosing by columns,
// completed with MAX of the primary key unless they hold it (Laravel's
// tie rule, DECISION 16.1). The columns must be mapped on C, each once;
// the filters must render to safe fragments (checked here, rendered again
// with each statement).
func ofManyMeta(m *relmeta.Meta, columns []OfManyColumn, filters []sq.Sqlizer) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		fail := func(err error) {
			c.Invalid = fmt.Errorf("relation %s: of many: %w", c.Name, err)
		}
		pk := c.Related.PK
		if pk == nil {
			fail(fmt.Errorf("%s: %w: %w", c.Related.Type.Name(), sqlt.ErrNoPrimaryKey, ErrBadRelation))
			return
		}
		if len(columns) == 0 {
			fail(fmt.Errorf("no column: %w", ErrBadRelation))
			return
		}
		om := &relmeta.OfMany{}
		for _, col := range columns {
			if col.Aggregate.fn == "" {
				fail(fmt.Errorf("column %s: zero Aggregate (use rel.Max or rel.Min): %w", col.Column, ErrBadRelation))
				return
			}
			name, err := c.Related.CheckColumn(col.Column)
			if err != nil {
				fail(fmt.Errorf("%w: %w", err, ErrBadRelation))
				return
			}
			if slices.ContainsFunc(om.Columns, func(x relmeta.OfManyColumn) bool { return x.Column == name }) {
				fail(fmt.Errorf("column %s given twice: %w", name, ErrBadRelation))
				return
			}
			om.Columns = append(om.Columns, relmeta.OfManyColumn{Column: name, Func: col.Aggregate.fn})
		}
		if !slices.ContainsFunc(om.Columns, func(x relmeta.OfManyColumn) bool { return x.Column == pk.Column }) {
			om.Columns = append(om.Columns, relmeta.OfManyColumn{Column: pk.Column, Func: Max.fn})
		}
		for _, f := range filters {
			if f == nil {
				fail(fmt.Errorf("nil filter: %w", ErrBadRelation))
				return
			}
			if err := sqltext.CheckSqlizer(f); err != nil {
				fail(fmt.Errorf("filter: %w", err))
				return
			}
			om.Filters = append(om.Filters, f)
		}
		c.OfMany = om
	})
}

package rel

import "github.com/relkit/relkit/internal/sqltext"

// The OR forms of the pivot filters (Laravel's orWherePivotIn,
// orWherePivotNotIn, orWherePivotBetween, orWherePivotNotBetween,
// orWherePivotNull and orWherePivotNotNull): each is joined with OR to the
// filter before it. The relation's pivot filters are rendered together in
// parentheses after the relation's key condition, so an OR never widens the
// relation beyond its parent.

// OrWherePivotIn is WherePivotIn joined with OR to the previous pivot filter.
func (r BelongsToManyRelation[P, C]) OrWherePivotIn(column string, values ...any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, true, column, "in", sqltext.ListValues(values)...)}}
}

// OrWherePivotNotIn is WherePivotNotIn joined with OR to the previous pivot
// filter.
func (r BelongsToManyRelation[P, C]) OrWherePivotNotIn(column string, values ...any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, true, column, "not in", sqltext.ListValues(values)...)}}
}

// OrWherePivotBetween is WherePivotBetween joined with OR to the previous
// pivot filter.
func (r BelongsToManyRelation[P, C]) OrWherePivotBetween(column string, low, high any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, true, column, "between", low, high)}}
}

// OrWherePivotNotBetween is WherePivotNotBetween joined with OR to the
// previous pivot filter.
func (r BelongsToManyRelation[P, C]) OrWherePivotNotBetween(column string, low, high any) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, true, column, "not between", low, high)}}
}

// OrWherePivotNull is WherePivotNull joined with OR to the previous pivot
// filter.
func (r BelongsToManyRelation[P, C]) OrWherePivotNull(column string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, true, column, "null")}}
}

// OrWherePivotNotNull is WherePivotNotNull joined with OR to the previous
// pivot filter.
func (r BelongsToManyRelation[P, C]) OrWherePivotNotNull(column string) BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{addPivotWhere(r.m, true, column, "not null")}}
}

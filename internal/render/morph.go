package render

import (
	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
)

// MorphCond is the type condition of a morphOne/morphMany relation
// (rel.MorphOne, rel.MorphMany) on its related table, known as name in the
// statement (an alias in a self relation's subquery):
// "comments"."commentable_type" = ?. It is nil for other relations; the
// type condition of a morphToMany, on the pivot table, is rendered by
// PivotFilter, so that every pivot statement carries it.
func MorphCond(m *relmeta.Meta, name string) sq.Sqlizer {
	if m.MorphType == "" || m.Kind == relmeta.KindBelongsToMany {
		return nil
	}
	return sq.Expr(sqltext.Qualified(name, m.MorphType)+" = ?", m.MorphClass)
}

package load

import (
	"fmt"
	"slices"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/query"
)

// pivotFirst chooses the join order of belongsToMany loads: from the pivot
// table to the related table (`from "role_user" inner join "roles" on …`)
// instead of Eloquent's roles-first form. Both return the same rows.
// Measured on SQLite (bench/load_bench_test.go, EXPLAIN QUERY PLAN with and
// without ANALYZE, composite primary key, single-column indexes, no index)
// the planner picks the same plan for both orders and their times do not
// differ beyond noise; PostgreSQL's planner reorders inner joins itself. So
// the statement keeps the Eloquent shape users read in logs. Tests flip it
// to check that both forms agree.
var pivotFirst = false

// stmt is what a level's statement is made of.
type stmt struct {
	m       *relmeta.Meta
	cols    []string // chosen columns; nil: all
	need    []string // columns that must be read whatever the choice
	keySQL  string   // the key membership test, from the dialect's KeyList
	keyArgs []any
}

// constraint narrows the related rows of a level (see Where).
type constraint = render.Constraint

// constrainWith turns a caller's function on the typed query builder into
// the constraint of a level (see Where).
func constrainWith[C any](fn func(*query.Query[C]) *query.Query[C]) constraint {
	return render.Narrow(query.From[C], fn)
}

// sql renders the level's statement (render.Level with the key test):
//
//	select "posts"."id", "posts"."user_id", … from "posts" where "posts"."user_id" in (?, ?)
//	select "roles"."id", "roles"."name", "role_user"."user_id" as "pivot_user_id", … from "roles"
//	  inner join "role_user" on "roles"."id" = "role_user"."role_id" where "role_user"."user_id" = any($1)
//
// The relation's own Where constraints come first, then the key test,
// then (belongsToMany) its pivot filters; OrderByPivot orders the rows.
// The parts p of a constraint (nil: none) add their columns (the needed
// ones are added to a choice that lacks them), joins, conditions (in
// parentheses), grouping and order; their Limit and Offset apply to each
// parent's rows (render.PerParent, partitioned by the key column, ties
// broken by the related primary key).
func (s *stmt) sql(p *render.Select) (string, []any, error) {
	m := s.m
	rt := m.Related.Table
	st := render.Level(m, true, sq.Expr(s.keySQL, s.keyArgs...))
	for _, c := range s.cols {
		st.Columns = append(st.Columns, sqltext.Qualified(rt, c))
	}
	if pivotFirst && m.Kind == relmeta.KindBelongsToMany {
		st.From = sqltext.Ident(m.PivotTable)
		st.Joins[0] = sq.Expr("inner join " + sqltext.Ident(rt) + " on " + render.PivotOn(m, rt))
	}
	if p != nil {
		st.Distinct = p.Distinct
		st.Columns = append(st.Columns, p.Columns...)
		st.Exprs = append(st.Exprs, p.Exprs...)
		st.Joins = append(st.Joins, p.Joins...)
		st.Scope = append(st.Scope, p.Scope...)
		st.Where = p.Where
		st.GroupBy, st.Having = p.GroupBy, p.Having
		st.OrderBy = append(st.OrderBy, p.OrderBy...)
		st.Limit, st.Offset = p.Limit, p.Offset
	}
	if st.Columns == nil {
		st.Columns = []string{m.Related.SelectList()}
	} else {
		for _, c := range s.need {
			if qc := sqltext.Qualified(rt, c); !slices.Contains(st.Columns, qc) {
				st.Columns = append(st.Columns, qc)
			}
		}
	}
	var tiebreak string
	if pk := m.Related.PK; pk != nil {
		tiebreak = sqltext.Qualified(rt, pk.Column)
	}
	return render.PerParent(st, render.KeyColumn(m, rt), tiebreak).ToSql()
}

// parts runs the node's constraint (if any) and checks what it asks for,
// before any statement: a Limit or an Offset is per parent, which a
// belongsTo relation (many children share one owner row) and a
// one-of-many relation (one row per parent) cannot have.
func (n *node) parts() (*render.Select, error) {
	if n.where == nil {
		return nil, nil
	}
	p, err := n.where(n.m.Related, n.m)
	if err != nil {
		return nil, fmt.Errorf("load %s: constraint: %w", n.path, err)
	}
	if render.Limited(p) && n.m.Kind == relmeta.KindBelongsTo {
		return nil, fmt.Errorf("load %s: constraint: a limit or offset on belongsTo %s would apply to the whole statement, not per parent (each child has one owner): %w", n.path, n.m.Name, query.ErrBadArgument)
	}
	if render.Limited(p) && n.m.OfMany != nil {
		return nil, fmt.Errorf("load %s: constraint: a limit or offset cannot combine with one-of-many %s, which keeps one row per parent: %w", n.path, n.m.Name, query.ErrBadArgument)
	}
	return p, nil
}

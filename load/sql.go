package load

import (
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
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
// the statement keeps the Eloquent shape users read in logs, the same one
// a constrained load (built with query.Join) renders. Tests flip it to
// check that both forms agree.
var pivotFirst = false

// stmt is what a level's statement is made of, before a constraint (if
// any) turns it into SQL through the typed query builder.
type stmt struct {
	m       *relmeta.Meta
	cols    []string // chosen columns; nil: all
	need    []string // columns that must be read whatever the choice
	keySQL  string   // the key membership test, from the dialect's KeyList
	keyArgs []any
}

// constraint renders the statement of a constrained level (see Where).
type constraint func(s *stmt) (string, []any, error)

// keyColumn is the qualified column that the parents' keys are matched
// against: the foreign key (hasOne/hasMany), the owner key (belongsTo) or
// the pivot's foreign pivot key (belongsToMany).
func keyColumn(m *relmeta.Meta) string {
	if m.Kind == relmeta.KindBelongsToMany {
		return m.PivotColumn(m.ForeignPivotKey)
	}
	return sqltext.Qualified(m.Related.Table, m.RelatedKeyColumn())
}

// columns returns the chosen columns plus the needed ones, in order.
func (s *stmt) columns() []string {
	if s.cols == nil {
		return nil
	}
	out := s.cols[:len(s.cols):len(s.cols)]
	for _, c := range s.need {
		out = appendUnique(out, c)
	}
	return out
}

// plainSQL renders an unconstrained level:
//
//	select "posts"."id", "posts"."user_id", … from "posts" where "posts"."user_id" in (?, ?)
//	select "roles"."id", "roles"."name", "role_user"."user_id" as "pivot_user_id", … from "roles"
//	  inner join "role_user" on "roles"."id" = "role_user"."role_id" where "role_user"."user_id" = any($1)
//
// The relation's own Where constraints come first, then the key test,
// then (belongsToMany) its pivot filters; OrderByPivot orders the rows.
func (s *stmt) plainSQL() (string, []any, error) {
	m := s.m
	rt := m.Related.Table
	var b strings.Builder
	var args []any
	b.Grow(128 + len(s.keySQL))
	b.WriteString("select ")
	if cols := s.columns(); cols == nil {
		b.WriteString(m.Related.SelectList())
	} else {
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqltext.Qualified(rt, c))
		}
	}
	pivot := m.Kind == relmeta.KindBelongsToMany
	if pivot {
		for _, ps := range query.PivotSelects(m) {
			sel, a, err := ps.ToSql()
			if err != nil {
				return "", nil, err
			}
			b.WriteString(", ")
			b.WriteString(sel)
			args = append(args, a...)
		}
		if pivotFirst {
			on := sqltext.Qualified(rt, m.RelatedKey) + " = " + m.PivotColumn(m.RelatedPivotKey)
			b.WriteString(" from " + sqltext.Ident(m.PivotTable) + " inner join " + sqltext.Ident(rt) + " on " + on)
		} else {
			b.WriteString(" from " + sqltext.Ident(rt) + " " + pivotJoin(m))
		}
	} else {
		b.WriteString(" from " + sqltext.Ident(rt))
	}
	b.WriteString(" where ")
	for _, w := range m.Wheres {
		ws, a, err := w.ToSql()
		if err != nil {
			return "", nil, fmt.Errorf("relation constraint: %w", err)
		}
		writeCond(&b, ws)
		b.WriteString(" and ")
		args = append(args, a...)
	}
	b.WriteString(s.keySQL)
	args = append(args, s.keyArgs...)
	if pivot {
		if f := m.PivotFilter(); f != nil {
			fs, a, err := f.ToSql()
			if err != nil {
				return "", nil, fmt.Errorf("pivot filter: %w", err)
			}
			b.WriteString(" and ")
			b.WriteString(fs)
			args = append(args, a...)
		}
		for i, o := range m.PivotOrders {
			if i == 0 {
				b.WriteString(" order by ")
			} else {
				b.WriteString(", ")
			}
			b.WriteString(m.PivotColumn(o.Column) + direction(o.Desc))
		}
	}
	return b.String(), args, nil
}

// pivotJoin is the join of a belongsToMany load, in Eloquent's words:
//
//	inner join "role_user" on "roles"."id" = "role_user"."role_id"
func pivotJoin(m *relmeta.Meta) string {
	return "inner join " + sqltext.Ident(m.PivotTable) + " on " +
		sqltext.Qualified(m.Related.Table, m.RelatedKey) + " = " + m.PivotColumn(m.RelatedPivotKey)
}

func direction(desc bool) string {
	if desc {
		return " desc"
	}
	return " asc"
}

// writeCond writes a condition, in parentheses when it may hold a
// top-level OR that would otherwise bind looser than the ANDs around it.
func writeCond(b *strings.Builder, s string) {
	if sqltext.NeedsParens(s) {
		b.WriteString("(" + s + ")")
		return
	}
	b.WriteString(s)
}

// constrainWith captures C: the level's statement is built with
// query.From[C] so that the user's function gets the typed builder.
func constrainWith[C any](fn func(*query.Query[C]) *query.Query[C]) constraint {
	return func(s *stmt) (string, []any, error) {
		m := s.m
		q := query.From[C]()
		if cols := s.cols; cols != nil {
			q = q.Select(cols...)
		}
		scope := make([]sq.Sqlizer, 0, len(m.Wheres)+2)
		scope = append(scope, m.Wheres...)
		scope = append(scope, sq.Expr(s.keySQL, s.keyArgs...))
		if m.Kind == relmeta.KindBelongsToMany {
			q = q.Join(pivotJoin(m))
			for _, ps := range query.PivotSelects(m) {
				q = q.AddSelect(ps)
			}
			if f := m.PivotFilter(); f != nil {
				scope = append(scope, f)
			}
			for _, o := range m.PivotOrders {
				q = q.OrderByRaw(m.PivotColumn(o.Column) + direction(o.Desc))
			}
		}
		q = fn(q.Scope(scope...))
		if q == nil {
			return "", nil, fmt.Errorf("constraint returned a nil query: %w", query.ErrBadArgument)
		}
		if err := q.Err(); err != nil {
			return "", nil, fmt.Errorf("constraint: %w", err)
		}
		if sel := q.Selected(); sel != nil {
			for _, c := range s.need {
				qc := sqltext.Qualified(m.Related.Table, c)
				found := false
				for _, x := range sel {
					if x == qc {
						found = true
						break
					}
				}
				if !found {
					q = q.Select(c)
				}
			}
		}
		return sqltext.Neutral(q)
	}
}

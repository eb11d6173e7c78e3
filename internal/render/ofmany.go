package render

import (
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
)

// OfManyAlias is the alias of a one-of-many relation's joined subquery,
// the same at every nesting level (DECISION 16.3).
const OfManyAlias = "relkit_of_many"

// OfManyJoin is the join that keeps, of the related rows of a one-of-many
// relation m (m.OfMany set), the one chosen for each parent key, after
// the join keyword kw. name is how the related table is known in the
// enclosing statement, through how the through table is (through kinds;
// "" otherwise). key (the parent's key test of a relation query or an
// eager load; none in an existence test or an aggregate, where the
// subquery groups the whole table) goes into the innermost subquery only.
// One subquery per column, each joined into the next, earlier columns
// carried with min() (Laravel's form); for OfMany("votes", rel.Max):
//
//	inner join (select max("posts"."id") as "id_aggregate", min("posts"."votes") as "votes_aggregate", "posts"."user_id"
//	  from "posts" inner join (select max("posts"."votes") as "votes_aggregate", "posts"."user_id" from "posts"
//	  where <key> group by "posts"."user_id") as "relkit_of_many" on "relkit_of_many"."votes_aggregate" = "posts"."votes"
//	  and "relkit_of_many"."user_id" = "posts"."user_id" group by "posts"."user_id") as "relkit_of_many"
//	on "relkit_of_many"."id_aggregate" = "posts"."id" and "relkit_of_many"."votes_aggregate" = "posts"."votes"
//	and "relkit_of_many"."user_id" = "posts"."user_id"
//
// The relation's filters (OfManyBy) narrow every subquery; each is
// rendered once per statement and checked as Where conditions are. A
// morphOne's type condition narrows every subquery too.
func OfManyJoin(m *relmeta.Meta, kw, name, through string, key ...sq.Sqlizer) sq.Sqlizer {
	return ofManyJoin{m: m, kw: kw, name: name, through: through, key: key}
}

type ofManyJoin struct {
	m             *relmeta.Meta
	kw            string
	name, through string
	key           []sq.Sqlizer
}

func (j ofManyJoin) ToSql() (string, []any, error) {
	m := j.m
	filters := make([]sq.Sqlizer, len(m.OfMany.Filters))
	for i, f := range m.OfMany.Filters {
		fz, err := sqltext.Freeze(f)
		if err != nil {
			return "", nil, fmt.Errorf("relation %s: of many filter: %w", m.Name, err)
		}
		filters[i] = fz
	}
	rt, tt := m.Related.Table, ""
	if m.Kind.Through() {
		tt = m.Through.Table
	}
	var inner *ofManyOn
	var cols []relmeta.OfManyColumn // aggregated so far, the latest first
	for i, c := range m.OfMany.Columns {
		cols = append([]relmeta.OfManyColumn{c}, cols...)
		group := ofManyGroup(m, rt, tt)
		s := Select{From: sqltext.Ident(rt), GroupBy: []string{group}}
		for k, a := range cols {
			fn := "min"
			if k == 0 {
				fn = a.Func
			}
			s.Columns = append(s.Columns, fn+"("+sqltext.Qualified(rt, a.Column)+") as "+sqltext.Ident(a.Column+"_aggregate"))
		}
		s.Columns = append(s.Columns, group)
		if tt != "" {
			s.Joins = append(s.Joins, sq.Expr(ThroughJoin(m, j.kw, rt, sqltext.Ident(tt), tt)))
		}
		if inner != nil {
			s.Joins = append(s.Joins, inner)
		}
		s.Scope = append(s.Scope, filters...)
		if c := MorphCond(m, rt); c != nil {
			// A morphOne chooses among the rows of its own type.
			s.Scope = append(s.Scope, c)
		}
		if i == 0 {
			s.Scope = append(s.Scope, j.key...)
		}
		inner = &ofManyOn{m: m, kw: j.kw, sub: s, cols: cols, name: rt, through: tt}
	}
	inner.name, inner.through = j.name, j.through
	return inner.ToSql()
}

// ofManyGroup is the qualified column a one-of-many subquery groups by,
// the parent's key: the foreign key on the related table (known as name)
// or, for the through kinds, the first key on the through table (known
// as through).
func ofManyGroup(m *relmeta.Meta, name, through string) string {
	if m.Kind.Through() {
		return sqltext.Qualified(through, m.FirstKey)
	}
	return sqltext.Qualified(name, m.ForeignKey)
}

// ofManyOn is a one-of-many subquery joined on its aggregated columns and
// its group column to the related rows (the related table known as name,
// the through table as through).
type ofManyOn struct {
	m             *relmeta.Meta
	kw            string
	sub           Select
	cols          []relmeta.OfManyColumn
	name, through string
}

func (o *ofManyOn) ToSql() (string, []any, error) {
	sub, args, err := o.sub.ToSql()
	if err != nil {
		return "", nil, err
	}
	alias := sqltext.Ident(OfManyAlias)
	var b strings.Builder
	b.WriteString(o.kw + " (" + sub + ") as " + alias + " on ")
	for _, c := range o.cols {
		b.WriteString(sqltext.Qualified(OfManyAlias, c.Column+"_aggregate") + " = " + sqltext.Qualified(o.name, c.Column) + " and ")
	}
	b.WriteString(sqltext.Qualified(OfManyAlias, o.m.RelatedKeyColumn()) + " = " + ofManyGroup(o.m, o.name, o.through))
	return b.String(), args, nil
}

package render

import (
	"fmt"
	"strconv"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ReservedAlias prefixes the alias under which a subquery reads its table
// when that table is also the enclosing one (a self-relation: posts with
// child posts): "posts" as "relkit_reserved_0".
const ReservedAlias = "relkit_reserved_"

// KeyColumn is the qualified column of the related side that holds the
// parent's key: the foreign key (hasOne/hasMany), the owner key
// (belongsTo), the pivot's foreign pivot key (belongsToMany) or the
// through table's first key (hasOneThrough/hasManyThrough:
// "users"."country_id"). name is how the related table is known in the
// statement (its table name or an alias). In an eager load it is the
// column the parents' keys are tested on, and so the partition column of
// a per-parent limit.
func KeyColumn(m *relmeta.Meta, name string) string {
	switch {
	case m.Kind == relmeta.KindBelongsToMany:
		return m.PivotColumn(m.ForeignPivotKey)
	case m.Kind.Through():
		return sqltext.Qualified(m.Through.Table, m.FirstKey)
	}
	return sqltext.Qualified(name, m.RelatedKeyColumn())
}

// ThroughJoin is the join of a through relation's related table (known as
// name) to its through table (from, quoted with its alias, known as
// through), after the join keyword kw ("inner join" in statements of
// their own, "join" in subqueries):
//
//	inner join "users" on "users"."id" = "posts"."user_id"
func ThroughJoin(m *relmeta.Meta, kw, name, from, through string) string {
	return kw + " " + from + " on " + sqltext.Qualified(through, m.SecondLocalKey) + " = " + sqltext.Qualified(name, m.SecondKey)
}

// PivotJoin is the join of a belongsToMany relation's related table (known
// as name) to its pivot table, after the join keyword kw ("inner join" in
// statements of their own, "join" in subqueries):
//
//	inner join "role_user" on "roles"."id" = "role_user"."role_id"
func PivotJoin(m *relmeta.Meta, kw, name string) string {
	return kw + " " + sqltext.Ident(m.PivotTable) + " on " + PivotOn(m, name)
}

// PivotOn is the join condition of the related table (known as name) and
// the pivot table: "roles"."id" = "role_user"."role_id".
//
// The related key of a morphedByMany whose pivot id column holds text
// (Meta.IDText) is cast to text.
func PivotOn(m *relmeta.Meta, name string) string {
	rk := sqltext.Qualified(name, m.RelatedKey)
	if m.IDText && m.MorphInverse {
		rk = TextCast(rk)
	}
	return rk + " = " + m.PivotColumn(m.RelatedPivotKey)
}

// TextCast casts a key column to text, to compare it with a polymorphic id
// column of type text (Meta.IDText): PostgreSQL has no text = bigint
// operator. SQLite, comparing with type affinity, finds the same rows
// with or without it. The type name is a marked identifier
// (sqltext.TextType), which SQLite and PostgreSQL read quoted, and which
// MySQL's dialect writes as its own text type (char).
func TextCast(col string) string { return "cast(" + col + " as " + sqltext.TextType + ")" }

// PivotSelects are the pivot columns read with a belongsToMany relation:
// the two keys, a morphToMany's type column, then WithPivot columns
// (timestamps included), each as "pivot_<column>".
func PivotSelects(m *relmeta.Meta) []sq.Sqlizer {
	cols := append(make([]string, 0, 3+len(m.PivotColumns)), m.ForeignPivotKey, m.RelatedPivotKey)
	if m.MorphType != "" {
		cols = append(cols, m.MorphType)
	}
	for _, c := range m.PivotColumns {
		if c != m.MorphType {
			cols = append(cols, c)
		}
	}
	out := make([]sq.Sqlizer, 0, len(cols))
	for _, c := range cols {
		out = append(out, sq.Expr(m.PivotColumn(c)+" as "+sqltext.Ident(names.PivotAlias(c))))
	}
	return out
}

// PivotOrders are the relation's OrderByPivot clauses.
func PivotOrders(m *relmeta.Meta) []sq.Sqlizer {
	out := make([]sq.Sqlizer, 0, len(m.PivotOrders))
	for _, o := range m.PivotOrders {
		dir := " asc"
		if o.Desc {
			dir = " desc"
		}
		out = append(out, sq.Expr(m.PivotColumn(o.Column)+dir))
	}
	return out
}

// Conds are the relation's own conditions on its related side (known as
// name), in the order every statement writes them: the type condition of a
// morphOne/morphMany relation, its Where constraints, then its pivot
// filters (with a morphToMany's type condition).
func Conds(m *relmeta.Meta, name string) []sq.Sqlizer {
	out := make([]sq.Sqlizer, 0, len(m.Wheres)+2)
	if c := MorphCond(m, name); c != nil {
		out = append(out, c)
	}
	out = append(out, m.Wheres...)
	if f := PivotFilter(m); f != nil {
		out = append(out, f)
	}
	return out
}

// Level is the statement reading the related rows of relation m whose key
// column passes key (conditions on KeyColumn(m, table)), as relation
// queries and eager loads read them: the related table (joined to the
// pivot table, whose columns are read too, for belongsToMany; joined to
// the through table for the through kinds, whose first key an eager load
// reads as names.ThroughKey), the conditions, OrderByPivot. Columns is left empty for the caller to
// choose. The conditions are key and Conds(m), in Laravel's orders: key
// first in a relation query (the parent's key, then the relation's
// conditions), the relation's Where constraints first in an eager load
// (the key test is added to the relation's query, before its pivot
// filters).
//
// A one-of-many relation joins its subquery (OfManyJoin) with key in its
// innermost level; an eager load tests the key there only, a relation
// query in the outer statement too (Laravel's forms).
func Level(m *relmeta.Meta, eager bool, key ...sq.Sqlizer) Select {
	s := Select{From: sqltext.Ident(m.Related.Table)}
	s.Scope = make([]sq.Sqlizer, 0, len(key)+len(m.Wheres)+2)
	outerKey := key
	if eager && m.OfMany != nil {
		outerKey = nil
	}
	if eager {
		s.Scope = append(append(s.Scope, m.Wheres...), outerKey...)
		if c := MorphCond(m, m.Related.Table); c != nil {
			s.Scope = append(s.Scope, c)
		}
		if f := PivotFilter(m); f != nil {
			s.Scope = append(s.Scope, f)
		}
	} else {
		s.Scope = append(append(s.Scope, key...), Conds(m, m.Related.Table)...)
	}
	switch {
	case m.Kind == relmeta.KindBelongsToMany:
		s.Exprs = PivotSelects(m)
		s.Joins = []sq.Sqlizer{sq.Expr(PivotJoin(m, "inner join", m.Related.Table))}
		s.OrderBy = PivotOrders(m)
	case m.Kind.Through():
		tt := m.Through.Table
		s.Joins = []sq.Sqlizer{sq.Expr(ThroughJoin(m, "inner join", m.Related.Table, sqltext.Ident(tt), tt))}
		if eager {
			// The key the rows are matched to their parents by (DECISION
			// 15.1: eager loads only; a relation query reads C alone).
			s.Exprs = []sq.Sqlizer{sq.Expr(KeyColumn(m, m.Related.Table) + " as " + sqltext.Ident(names.ThroughKey))}
		}
	}
	if m.OfMany != nil {
		var tt string
		if m.Kind.Through() {
			tt = m.Through.Table
		}
		s.Joins = append(s.Joins, OfManyJoin(m, "inner join", m.Related.Table, tt, key...))
	}
	return s
}

// Side is the related side of a relation inside a statement of several
// tables (an existence test, an aggregate): what to read from and what
// narrows it.
type Side struct {
	// Name is how the related table is known inside the statement (its
	// table name, or an alias in a self-relation's subquery), unquoted.
	Name string
	// From is the quoted related table (with its alias); Joins the pivot
	// join of a belongsToMany relation, the through join of a through
	// relation, and the constraint's joins.
	From  string
	Joins []sq.Sqlizer
	// Through is how a through relation's through table is known inside
	// the statement (its table name, or an alias when it is the
	// enclosing table), unquoted; "" for other kinds.
	Through string
	// Key is the qualified column holding the parent's key (KeyColumn,
	// with the side's aliases).
	Key string
	// Conds are the relation's own conditions, its pivot filters and the
	// constraint's condition.
	Conds []sq.Sqlizer
}

// Alias counts the reserved aliases taken so far in one statement.
type Alias int

// SideOf renders the related side of m for a statement correlated to the
// enclosing table named outer (m.Parent.Table for a subquery in a query on
// the parent; "" for a statement of its own): the related table, and the
// through table of a through relation, is aliased when it is outer
// (relkit_reserved_N). cons, when not nil, narrows the related rows. A
// one-of-many relation joins its subquery (OfManyJoin) without a key: it
// chooses each parent's row over the whole table, and the correlation
// and the conditions then test the chosen row.
func SideOf(m *relmeta.Meta, outer string, alias *Alias, cons Constraint) (Side, error) {
	if m.Kind == relmeta.KindMorphTo {
		return Side{}, Check(m) // found by name: no single related side
	}
	rt := m.Related.Table
	side := Side{Name: rt, From: sqltext.Ident(rt)}
	model := m.Related
	var through string // how the through table is known (through kinds)
	if outer != "" && rt == outer {
		side.Name = ReservedAlias + strconv.Itoa(int(*alias))
		*alias++
		side.From += " as " + sqltext.Ident(side.Name)
		model = m.Related.Aliased(side.Name)
	}
	switch {
	case m.Kind == relmeta.KindBelongsToMany:
		side.Joins = append(side.Joins, sq.Expr(PivotJoin(m, "join", side.Name)))
		side.Key = KeyColumn(m, side.Name)
	case m.Kind.Through():
		tn := m.Through.Table
		from := sqltext.Ident(tn)
		if outer != "" && tn == outer {
			tn = ReservedAlias + strconv.Itoa(int(*alias))
			*alias++
			from += " as " + sqltext.Ident(tn)
		}
		side.Joins = append(side.Joins, sq.Expr(ThroughJoin(m, "join", side.Name, from, tn)))
		side.Through = tn
		side.Key = sqltext.Qualified(tn, m.FirstKey)
		through = tn
	default:
		side.Key = KeyColumn(m, side.Name)
	}
	if m.OfMany != nil {
		// Uncorrelated: the subquery groups the whole related table.
		side.Joins = append(side.Joins, OfManyJoin(m, "join", side.Name, through))
	}
	side.Conds = Conds(m, side.Name)
	if cons != nil {
		p, err := cons(model, m)
		if err != nil {
			return Side{}, err
		}
		side.Joins = append(side.Joins, p.Joins...)
		if w := p.Cond(); w != nil {
			side.Conds = append(side.Conds, w)
		}
	}
	return side, nil
}

// Subquery is "select <sel> from … where <correlation> [and …]" on side,
// correlated to the table known as outer; more conditions follow the
// side's. The correlation ties the side's key column to the enclosing
// parent table: "posts"."id" = "comments"."post_id", "posts"."user_id" =
// "users"."id", "users"."id" = "role_user"."user_id", "countries"."id" =
// "users"."country_id".
func (side Side) Subquery(m *relmeta.Meta, outer, sel string, more ...sq.Sqlizer) Select {
	scope := make([]sq.Sqlizer, 0, 1+len(side.Conds)+len(more))
	pk, key := sqltext.Qualified(outer, m.ParentKeyColumn()), side.Key
	switch {
	case m.ParentKeyText():
		pk = TextCast(pk) // cast("posts"."id" as text) = "comments"."commentable_id"
	case m.IDText && m.Kind == relmeta.KindBelongsTo:
		key = TextCast(key) // a morphTo's text id column = cast("posts"."id" as text)
	}
	scope = append(scope, sq.Expr(pk+" = "+key))
	scope = append(append(scope, side.Conds...), more...)
	return Select{Columns: []string{sel}, From: side.From, Joins: side.Joins, Scope: scope}
}

// Check returns an error when m cannot be rendered: nil, declared with an
// error, or not declared.
func Check(m *relmeta.Meta) error {
	if m == nil {
		return fmt.Errorf("relation: %w", sqlt.ErrNilValue)
	}
	if err := m.Err(); err != nil {
		return err
	}
	if m.Kind == relmeta.KindMorphTo {
		return fmt.Errorf("relation %s: a morphTo has no single related table (load it with load.With, read it with query.GetMorph): %w", m, rel.ErrBadRelation)
	}
	if m.Parent == nil || m.Related == nil {
		return fmt.Errorf("relation %s: not declared: %w", m.Name, rel.ErrBadRelation)
	}
	return nil
}

package agg

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ErrNoField is matched by errors about an aggregate whose alias is not a
// column of the parent struct (add a field tagged with the alias, or read
// the values with [Values]).
var ErrNoField = errors.New("relkit: no field for aggregate")

// fn is an aggregate function.
type fn uint8

const (
	fnCount fn = iota + 1
	fnSum
	fnMin
	fnMax
	fnAvg
	fnExists
)

func (f fn) String() string {
	return [...]string{"", "count", "sum", "min", "max", "avg", "exists"}[f]
}

// Aggregate is an aggregate over the rows related to each parent P
// through one relation: a count, sum, min, max, avg or exists. Made by
// [WithCount], [WithSum], [WithMin], [WithMax], [WithAvg] and
// [WithExists], it is used two ways:
//
//   - as a select column: it is a query.Mod[P], so
//     query.From[Post]().Apply(agg.WithCount(PostComments)) reads
//     (select count(*) from "comments" where "posts"."id" =
//     "comments"."post_id") as "comments_count" into the field of that
//     column;
//   - deferred, on parents already fetched: [Load] (and LoadCount, …)
//     runs one statement and sets the same fields; [Values]
//     returns the values by parent key instead.
//
// An Aggregate is immutable and safe for concurrent use; its SQL is
// rendered once, when it is made. One built from a bad relation or column
// carries the error, and the query or load it is used in fails with it.
type Aggregate[P any] struct {
	s  *spec   // made by WithCount, …: built when made
	by *byName // made by CountOf, …: built at first use (names.go)
}

// spec returns the aggregate's spec, resolving one given by name; nil for
// the zero Aggregate.
func (a Aggregate[P]) spec() *spec {
	if a.by != nil {
		return a.by.spec()
	}
	return a.s
}

type spec struct {
	name    string // "count comments", "sum comments.votes": for errors
	m       *relmeta.Meta
	fn      fn
	column  string       // bare column; "" for count and exists
	table   string       // the column's table when it is not the related one (the pivot or the through table); "": related
	colType reflect.Type // Go type of that column on its struct (related or through); nil for a pivot column
	alias   string
	sub     string // the correlated subquery, without parentheses
	args    []any
	cons    render.Constraint // narrows the related rows; nil: none
	err     error
}

// Constraint narrows the related rows an aggregate reads: it receives a
// query on the related table and returns it with conditions (and joins)
// added; select list and order are ignored, and a Limit or an Offset is
// an error matching query.ErrBadArgument (an aggregate reads every
// related row of a parent).
type Constraint[C any] = func(q *query.Query[C]) *query.Query[C]

func build[P, C any](f fn, r rel.Typed[P, C], column string, constraint []Constraint[C]) Aggregate[P] {
	if r == nil {
		return Aggregate[P]{s: &spec{fn: f, name: f.String(), err: fmt.Errorf("with %s: nil relation: %w", f, sqlt.ErrNilValue)}}
	}
	return Aggregate[P]{s: buildSpec(f, relmeta.Of(r), column, constraint)}
}

// buildSpec renders the aggregate f of m's related rows (of column, for
// sum, min, max and avg), narrowed by the constraint if one is given.
func buildSpec[C any](f fn, m *relmeta.Meta, column string, constraint []Constraint[C]) *spec {
	s := &spec{fn: f, name: f.String()}
	fail := func(err error) *spec {
		s.err = fmt.Errorf("with %s: %w", s.name, err)
		return s
	}
	if m == nil {
		return fail(fmt.Errorf("relation not declared: %w", rel.ErrBadRelation))
	}
	if err := m.Err(); err != nil {
		return fail(err)
	}
	s.m = m
	s.name += " " + m.Name
	if len(constraint) > 1 {
		return fail(fmt.Errorf("%d constraints given, at most 1: %w", len(constraint), query.ErrBadArgument))
	}
	if len(constraint) == 1 {
		s.cons = render.Whole(render.Narrow(query.From[C], constraint[0]))
	}
	if f != fnCount && f != fnExists {
		s.name += "." + column
		if err := s.resolveColumn(strings.TrimSpace(column)); err != nil {
			return fail(err)
		}
	}
	s.alias = defaultAlias(m.Name, f, column)
	var alias render.Alias
	side, err := render.SideOf(m, m.Parent.Table, &alias, s.cons)
	if err != nil {
		return fail(err)
	}
	sub := side.Subquery(m, m.Parent.Table, s.selectExpr(side))
	if s.sub, s.args, err = sub.ToSql(); err != nil {
		return fail(err)
	}
	return s
}

// resolveColumn sets the column of sum, min, max and avg (CONTRACT-ELOQUENT
// §21), checked before any statement:
//
//   - "col" or "<related table>.col": mapped on the related model; it is
//     qualified with the name the related table has in the subquery, its
//     alias in a self-relation (Laravel keeps the outer table's name there
//     and reads the parent row's value);
//   - "<pivot table>.col" (belongsToMany): any plain identifier, declared
//     with WithPivot or not;
//   - "<through table>.col" (hasOneThrough, hasManyThrough): mapped on the
//     through model; qualified with the through table's alias when it is
//     the parent's table;
//   - anything else: sqlt.ErrUnknownColumn; not an identifier:
//     sqlt.ErrInvalidIdentifier.
func (s *spec) resolveColumn(column string) error {
	if err := sqltext.CheckIdentifier(column); err != nil {
		return err
	}
	m := s.m
	if t, c, ok := strings.Cut(column, "."); ok && t != m.Related.Table {
		switch {
		case m.Kind == relmeta.KindBelongsToMany && t == m.PivotTable:
			s.column, s.table = c, t
			return nil
		case m.Kind.Through() && t == m.Through.Table:
			col, err := m.Through.CheckColumn(column)
			if err != nil {
				return err
			}
			fld, _ := m.Through.Column(col)
			s.column, s.table, s.colType = col, t, fld.Type
			return nil
		default:
			return &schema.UnknownColumnError{Type: m.Related.Type.String(), Column: column}
		}
	}
	col, err := m.Related.CheckColumn(column)
	if err != nil {
		return err
	}
	fld, _ := m.Related.Column(col)
	s.column, s.colType = col, fld.Type
	return nil
}

// defaultAlias is Laravel's alias: "{relation}_count", "{relation}_exists"
// or "{relation}_{fn}_{column}", the column lower-cased with everything
// but letters, digits and underscores removed ("comments.votes" →
// "commentsvotes").
func defaultAlias(relation string, f fn, column string) string {
	switch f {
	case fnCount, fnExists:
		return relation + "_" + f.String()
	}
	var b strings.Builder
	for _, r := range strings.ToLower(column) {
		if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return relation + "_" + f.String() + "_" + b.String()
}

// selectExpr is the select list of the correlated subquery on side.
func (s *spec) selectExpr(side render.Side) string {
	switch s.fn {
	case fnCount:
		return "count(*)"
	case fnExists:
		return "*"
	}
	inner := side.Name
	switch {
	case s.m.Kind.Through() && s.table != "":
		inner = side.Through
	case s.table != "":
		inner = s.table
	}
	return s.fn.String() + "(" + sqltext.Qualified(inner, s.column) + ")"
}

// groupedExpr is the aggregate in the grouped (deferred) statement.
func (s *spec) groupedExpr(side render.Side) string {
	if s.fn == fnExists {
		return "count(*)"
	}
	return s.selectExpr(side)
}

// WithCount counts the rows related through r: the alias is
// "{relation}_count" (comments_count). constraint, if given, narrows the
// rows counted. On belongsTo the count is 0 or 1; on belongsToMany it
// counts the pivot rows that match, pivot filters included.
func WithCount[P, C any](r rel.Typed[P, C], constraint ...Constraint[C]) Aggregate[P] {
	return build(fnCount, r, "", constraint)
}

// WithSum sums a column of the related rows: "{relation}_sum_{column}"
// (comments_sum_votes). The column must be mapped on C, or, on
// belongsToMany, be a pivot column qualified with the pivot table
// ("order_product.quantity": alias products_sum_order_productquantity;
// name it with As), or, on a through relation, a column of the through
// model qualified with its table ("users.id"). The same columns are accepted by WithMin, WithMax,
// WithAvg, the Load… functions and SumOf, ….
func WithSum[P, C any](r rel.Typed[P, C], column string, constraint ...Constraint[C]) Aggregate[P] {
	return build(fnSum, r, column, constraint)
}

// WithMin reads the smallest value of a column of the related rows:
// "{relation}_min_{column}".
func WithMin[P, C any](r rel.Typed[P, C], column string, constraint ...Constraint[C]) Aggregate[P] {
	return build(fnMin, r, column, constraint)
}

// WithMax reads the largest value of a column of the related rows:
// "{relation}_max_{column}".
func WithMax[P, C any](r rel.Typed[P, C], column string, constraint ...Constraint[C]) Aggregate[P] {
	return build(fnMax, r, column, constraint)
}

// WithAvg averages a column of the related rows:
// "{relation}_avg_{column}". Read it into a float field.
func WithAvg[P, C any](r rel.Typed[P, C], column string, constraint ...Constraint[C]) Aggregate[P] {
	return build(fnAvg, r, column, constraint)
}

// WithExists reports whether related rows exist: "{relation}_exists",
// read into a bool field (SQLite's 0/1 included).
func WithExists[P, C any](r rel.Typed[P, C], constraint ...Constraint[C]) Aggregate[P] {
	return build(fnExists, r, "", constraint)
}

// As returns a copy read under another column name (Sutando's
// "comments as cc"), so that one relation can be aggregated several times:
//
//	q.Apply(agg.WithCount(PostComments), agg.WithCount(PostComments, onlyCode).As("code_count"))
func (a Aggregate[P]) As(alias string) Aggregate[P] {
	if a.by != nil && sqltext.ValidIdentifier(alias) {
		return Aggregate[P]{by: a.by.withAlias(alias)}
	}
	if a.by != nil {
		a = Aggregate[P]{s: a.by.spec()}
	}
	if a.s == nil || a.s.err != nil {
		return a
	}
	c := *a.s
	if !sqltext.ValidIdentifier(alias) {
		c.err = fmt.Errorf("with %s as %q: %w", c.name, alias, &sqlt.InvalidIdentifierError{Ident: alias})
	} else {
		c.alias = alias
	}
	return Aggregate[P]{s: &c}
}

// Alias returns the column name the aggregate is read under.
func (a Aggregate[P]) Alias() string {
	s := a.spec()
	if s == nil {
		return ""
	}
	return s.alias
}

// Err returns the error the aggregate was built with, if any.
func (a Aggregate[P]) Err() error {
	s := a.spec()
	if s == nil {
		return errZero
	}
	return s.err
}

var errZero = fmt.Errorf("agg: zero Aggregate (use agg.WithCount, agg.WithSum, …): %w", query.ErrBadArgument)

// field returns the parent's field for the aggregate's alias.
func (s *spec) field() (*schema.Field, error) {
	pm := s.m.Parent
	f, ok := pm.Column(s.alias)
	if !ok {
		return nil, fmt.Errorf("%s: %s has no field for column %q (declare one tagged `db:\"%s,readonly\"`, or read the values with agg.Values): %w",
			s.name, pm.Type.Name(), s.alias, s.alias, ErrNoField)
	}
	return f, nil
}

// Apply adds the aggregate's correlated subquery to q's select list,
// after the columns already selected (the mapped columns, schema.Model.ReadColumns,
// when there are none), so
// that calling it before or after Select gives the same statement:
//
//	select "posts"."id", "posts"."title", …, (select count(*) from "comments" where "posts"."id" = "comments"."post_id") as "comments_count" from "posts"
//
// P must have a field for the alias. For sum, min, max and avg a parent
// without related rows reads NULL: a pointer or agg.Null field gets nil /
// Valid=false, a plain number field gets 0 (the subquery is wrapped in
// coalesce(…, 0)); see the package documentation.
func (a Aggregate[P]) Apply(q *query.Query[P]) *query.Query[P] {
	if q == nil {
		return query.From[P]().SetErr(fmt.Errorf("agg: nil query: %w", sqlt.ErrNilValue))
	}
	if q.Err() != nil {
		return q
	}
	s := a.spec()
	if s == nil {
		return q.SetErr(errZero)
	}
	if s.err != nil {
		return q.SetErr(s.err)
	}
	f, err := s.field()
	if err != nil {
		return q.SetErr(err)
	}
	expr := "(" + s.sub + ")"
	switch s.fn {
	case fnExists:
		expr = "exists (" + s.sub + ")"
	case fnSum, fnMin, fnMax, fnAvg:
		if z := zeroLiteral(f.Type, s.colType, s.fn); z != "" {
			expr = "coalesce(" + expr + ", " + z + ")"
		}
	}
	return q.AddSelect(sq.Expr(expr+" as "+sqltext.Ident(s.alias), s.args...))
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// zeroLiteral is the SQL literal standing for "no related rows" in a
// field that cannot hold NULL, or "" to leave NULL (pointer, Scanner and
// other fields).
func zeroLiteral(field, column reflect.Type, f fn) string {
	if reflect.PointerTo(field).Implements(scannerType) {
		return ""
	}
	switch {
	case schema.IsNumber(field.Kind()):
		return "0"
	case field.Kind() == reflect.String:
		if f == fnSum || f == fnAvg {
			return "0"
		}
		if column == nil {
			return ""
		}
		for column.Kind() == reflect.Pointer {
			column = column.Elem()
		}
		switch {
		case column.Kind() == reflect.String:
			return "''"
		case schema.IsNumber(column.Kind()):
			return "0"
		}
	}
	return ""
}

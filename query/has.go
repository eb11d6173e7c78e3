package query

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Existence conditions: Has, DoesntHave, WhereHas, WhereRelation and their
// nested forms. Each returns a squirrel condition to pass to Where or
// OrWhere, or to combine with sq.And and sq.Or:
//
//	query.From[Post]().Where(query.Has(PostComments))            // exists (…)
//	query.From[Post]().Where(query.Has(PostComments, ">=", 3))   // (select count(*) …) >= 3
//	query.From[Post]().Where(sq.Eq{"votes": 0}).OrWhere(query.DoesntHave(PostComments))
//
// The subquery is correlated to the relation's parent table (the table of
// the query the condition is used in), the relation's own Where and pivot
// filters are part of it, and every value is a bound parameter; the count
// of the count form, an integer, is written as a literal (as Laravel does). A condition built from an invalid relation, path,
// operator or column carries the error: the query fails with it when run.

// existence is a rendered existence condition (or the error that stopped
// it from being rendered). It is built once, when declared.
type existence struct {
	sql  string
	args []any
	err  error
}

// ToSql returns the condition with "?" placeholders and its arguments, its
// identifiers in relkit's dialect-neutral form: the condition is for a
// relkit query (alone or inside sq.And, sq.Or), whose executor quotes them
// for its dialect.
func (e *existence) ToSql() (string, []any, error) {
	if e.err != nil {
		return "", nil, e.err
	}
	return e.sql, slices.Clip(e.args), nil
}

func init() { render.Register(narrowQuery) }

// narrower is every *Query[T]: render.Narrow reaches a constraint query
// through it.
type narrower interface {
	narrow(model *schema.Model, m *relmeta.Meta, fn func(any) any) (*render.Select, error)
}

// narrowQuery is the function package render calls to run a constraint
// function on q (a *Query[C], see render.Narrow).
func narrowQuery(q any, model *schema.Model, m *relmeta.Meta, fn func(any) any) (*render.Select, error) {
	return q.(narrower).narrow(model, m, fn)
}

// narrow runs fn on a query on model (the related model, aliased in a
// self-relation's subquery) that may name the pivot columns of a
// belongsToMany m, and returns the parts of the query fn returns.
func (q *Query[T]) narrow(model *schema.Model, m *relmeta.Meta, fn func(any) any) (*render.Select, error) {
	if want := reflect.TypeFor[T](); model.Type != want {
		return nil, fmt.Errorf("constraint on %s for a relation to %s: %w", want, model.Type, ErrBadArgument)
	}
	seed := &Query[T]{model: model}
	switch {
	case m.Kind == relmeta.KindBelongsToMany:
		seed.pivot = m // lets the function name pivot columns ("role_user.active")
	case m.Kind.Through():
		seed.through = m // and through columns ("users.name")
	}
	g, _ := fn(seed).(*Query[T])
	if g == nil {
		return nil, fmt.Errorf("constraint returned a nil query: %w", ErrBadArgument)
	}
	if g.err != nil {
		return nil, g.err
	}
	if g.locking() {
		return nil, fmt.Errorf("constraint on %s: a row lock in a relation subquery would lock nothing: lock the rows with a query of their own: %w", model.Type, ErrBadArgument)
	}
	st := g.statement()
	if len(g.columns) == 0 {
		st.Columns = nil // the default list: the statement chooses its own
	}
	return &st, nil
}

// typedConstraint turns a function on a Query[C] into a constraint.
func typedConstraint[C any](fn func(*Query[C]) *Query[C]) render.Constraint {
	return render.Narrow(From[C], fn)
}

// columnConstraint is WhereRelation's constraint: column op value, with
// the column validated against the related model (or the pivot table).
func columnConstraint(column, op string, value any) render.Constraint {
	return func(model *schema.Model, m *relmeta.Meta) (*render.Select, error) {
		q := &Query[struct{}]{model: model}
		switch {
		case m.Kind == relmeta.KindBelongsToMany:
			q.pivot = m
		case m.Kind.Through():
			q.through = m
		}
		q = q.WhereOp(column, op, value)
		if q.err != nil {
			return nil, q.err
		}
		return &render.Select{Where: renderConds(q.wheres)}, nil
	}
}

// countOps are the operators a count may be compared with.
var countOps = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// opCount reads the optional operator and count of Has (default ">=", 1).
func opCount(args []any) (string, int64, error) {
	op, n := ">=", int64(1)
	switch len(args) {
	case 0:
		return op, n, nil
	case 1, 2:
	default:
		return "", 0, fmt.Errorf("operator and count: got %d arguments, want at most 2: %w", len(args), ErrBadArgument)
	}
	s, ok := args[0].(string)
	if !ok {
		return "", 0, fmt.Errorf("operator %v (%T): want a string such as \">=\": %w", args[0], args[0], ErrBadArgument)
	}
	if op, ok = countOps[strings.TrimSpace(s)]; !ok {
		return "", 0, fmt.Errorf("operator %q: %w", s, ErrBadArgument)
	}
	if len(args) == 2 {
		rv := reflect.ValueOf(args[1])
		switch {
		case rv.CanInt():
			n = rv.Int()
		case rv.CanUint() && rv.Uint() <= 1<<63-1:
			n = int64(rv.Uint())
		default:
			return "", 0, fmt.Errorf("count %v (%T): want an integer: %w", args[1], args[1], ErrBadArgument)
		}
	}
	return op, n, nil
}

// hasPath renders an existence test on a path: outer segments are
// existence tests, the operator, count and constraint apply to the last
// one; a "< 1" test on a nested path negates the whole chain (Laravel's
// hasNested).
func hasPath(what string, path []*relmeta.Meta, cons render.Constraint, opAndCount []any) sq.Sqlizer {
	fail := func(err error) sq.Sqlizer { return &existence{err: fmt.Errorf("%s: %w", what, err)} }
	op, n, err := opCount(opAndCount)
	if err != nil {
		return fail(err)
	}
	if len(path) == 0 {
		return fail(fmt.Errorf("empty relation path: %w", ErrBadArgument))
	}
	for _, m := range path {
		if err := render.Check(m); err != nil {
			return fail(err)
		}
	}
	negate := len(path) > 1 && op == "<" && n == 1
	if negate {
		op = ">="
	}
	var alias render.Alias
	s, args, err := existsSQL(path, path[0].Parent.Table, &alias, cons, op, n)
	if err != nil {
		return fail(err)
	}
	if negate {
		s = "not " + s
	}
	return &existence{sql: s, args: args}
}

func existsSQL(path []*relmeta.Meta, outer string, alias *render.Alias, cons render.Constraint, op string, n int64) (string, []any, error) {
	m := path[0]
	leaf := len(path) == 1
	var c render.Constraint
	if leaf {
		c = cons
	}
	side, err := render.SideOf(m, outer, alias, c)
	if err != nil {
		return "", nil, err
	}
	exists := op == ">=" && n == 1 || op == "<" && n == 1
	sel := "*"
	if leaf && !exists {
		sel = "count(*)"
	}
	var more []sq.Sqlizer
	if !leaf {
		inner, iargs, err := existsSQL(path[1:], side.Name, alias, cons, op, n)
		if err != nil {
			return "", nil, err
		}
		more = append(more, &existence{sql: inner, args: iargs})
	}
	sub := side.Subquery(m, outer, sel, more...)
	s, args, err := sub.ToSql()
	if err != nil {
		return "", nil, err
	}
	switch {
	case leaf && !exists:
		// The count is an integer, inlined as a literal as Laravel does.
		return "(" + s + ") " + op + " " + strconv.FormatInt(n, 10), args, nil
	case leaf && op == "<":
		return "not exists (" + s + ")", args, nil
	}
	return "exists (" + s + ")", args, nil
}

func relationPath(what string, r rel.Relation) ([]*relmeta.Meta, string, error) {
	if r == nil {
		return nil, what, fmt.Errorf("%s: nil relation: %w", what, sqlt.ErrNilValue)
	}
	m := relmeta.Of(r)
	if m == nil {
		return nil, what, fmt.Errorf("%s: %w", what, render.Check(m))
	}
	return []*relmeta.Meta{m}, what + " " + m.Name, nil
}

func single(what string, r rel.Relation, cons render.Constraint, opAndCount []any) sq.Sqlizer {
	p, what, err := relationPath(what, r)
	if err != nil {
		return &existence{err: err}
	}
	return hasPath(what, p, cons, opAndCount)
}

// Has is an existence test on relation r: the parent has related rows
// (Sutando's has). With no operator and count it renders
//
//	exists (select * from "comments" where "posts"."id" = "comments"."post_id")
//
// as does (">=", 1); ("<", 1) renders "not exists (…)"; any other test
// compares the correlated count with the count, an integer written as a
// literal:
//
//	(select count(*) from "comments" where "posts"."id" = "comments"."post_id") >= 3
//
// Operators: =, <>, !=, <, <=, >, >=. Use it in the Where of a query on
// the relation's parent type; q.OrWhere(query.Has(…)) is Sutando's orHas.
func Has(r rel.Relation, opAndCount ...any) sq.Sqlizer {
	return single("has", r, nil, opAndCount)
}

// DoesntHave is Has(r, "<", 1): the parent has no related rows,
// rendered "not exists (…)". Parents without any related row match.
func DoesntHave(r rel.Relation) sq.Sqlizer {
	return single("doesnt have", r, nil, []any{"<", 1})
}

// WhereHas is Has with the related rows narrowed by fn, which receives a
// query on the related table (fn may be nil):
//
//	query.WhereHas(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
//		return q.WhereOp("content", "like", "code%")
//	}, ">=", 2)
//
// The constraint's conditions (and joins) become part of the subquery,
// after the correlation and the relation's own conditions; its bindings
// are kept in every form, the count form included.
func WhereHas[P, C any](r rel.Typed[P, C], fn func(*Query[C]) *Query[C], opAndCount ...any) sq.Sqlizer {
	if r == nil {
		return &existence{err: fmt.Errorf("where has: nil relation: %w", sqlt.ErrNilValue)}
	}
	return single("where has", r, typedConstraint(fn), opAndCount)
}

// WhereDoesntHave is WhereHas(r, fn, "<", 1): the parent has no related
// row that matches fn.
func WhereDoesntHave[P, C any](r rel.Typed[P, C], fn func(*Query[C]) *Query[C]) sq.Sqlizer {
	if r == nil {
		return &existence{err: fmt.Errorf("where doesnt have: nil relation: %w", sqlt.ErrNilValue)}
	}
	return single("where doesnt have", r, typedConstraint(fn), []any{"<", 1})
}

// WhereRelation is WhereHas with a single condition "column op value" on
// the related table (Sutando's whereRelation). The column is validated
// against the related model (a belongsToMany relation also accepts its
// pivot table's columns, qualified: "role_user.active"); op is one of =,
// <>, !=, <, <=, >, >=, like, not like, ilike.
func WhereRelation(r rel.Relation, column, op string, value any) sq.Sqlizer {
	return single("where relation", r, columnConstraint(column, op, value), nil)
}

// Chain is a nested relation path for existence tests, each relation
// declared on the related type of the one before (posts → comments →
// images). Make one from typed relations with [Nested] or from a dotted
// name with [PathOf]. A Chain built from a bad path carries the error and
// every condition made from it fails with it.
type Chain struct {
	path rel.Path
	err  error
}

// Nested chains relations for a nested existence test:
//
//	query.Nested(UserPosts, PostComments).Has(">=", 2)
//
// renders exists (select * from "posts" where … and (select count(*) from
// "comments" where …) >= 2).
func Nested(rels ...rel.Relation) Chain {
	p, err := rel.ChainOf(rels...)
	if err != nil {
		return Chain{err: fmt.Errorf("nested: %w", err)}
	}
	return Chain{path: p}
}

// PathOf resolves a dotted relation path on P ("comments.images") through
// the relation registry (rel.ParsePath). An unknown name gives an error
// matching rel.ErrUnknownRelation that lists P's relations.
func PathOf[P any](path string) Chain {
	p, err := rel.ParsePath(reflect.TypeFor[P](), path)
	if err != nil {
		return Chain{err: err}
	}
	return Chain{path: p}
}

// Path returns the chain's relations, or the error it was built with.
func (c Chain) Path() (rel.Path, error) { return c.path, c.err }

func (c Chain) has(what string, cons render.Constraint, opAndCount []any) sq.Sqlizer {
	if c.err != nil {
		return &existence{err: fmt.Errorf("%s: %w", what, c.err)}
	}
	return hasPath(what+" "+c.path.String(), relmeta.PathOf(c.path), cons, opAndCount)
}

// Has is the nested existence test: every outer relation must have a
// related row, and the last one is tested with the operator and count
// (as query.Has). Nested(a, b).Has("<", 1) is DoesntHave.
func (c Chain) Has(opAndCount ...any) sq.Sqlizer { return c.has("has", nil, opAndCount) }

// DoesntHave negates the whole chain: not exists (a … and exists (b …)).
func (c Chain) DoesntHave() sq.Sqlizer { return c.has("doesnt have", nil, []any{"<", 1}) }

// WhereRelation is the nested WhereRelation: the condition applies to the
// last relation's table.
func (c Chain) WhereRelation(column, op string, value any) sq.Sqlizer {
	return c.has("where relation", columnConstraint(column, op, value), nil)
}

// WhereHasNested is WhereHas on a chain: fn narrows the rows of the last
// relation, whose related type must be C.
func WhereHasNested[C any](c Chain, fn func(*Query[C]) *Query[C], opAndCount ...any) sq.Sqlizer {
	return c.has("where has", typedConstraint(fn), opAndCount)
}

// HasPath is Has on a dotted relation path of P resolved through the
// registry: query.HasPath[Post]("comments.images"). An unknown name or a
// malformed path makes the query fail before any statement runs.
func HasPath[P any](path string, opAndCount ...any) sq.Sqlizer {
	return PathOf[P](path).Has(opAndCount...)
}

// DoesntHavePath is DoesntHave on a dotted relation path of P.
func DoesntHavePath[P any](path string) sq.Sqlizer { return PathOf[P](path).DoesntHave() }

// WhereHasPath is WhereHas on a dotted relation path of P; fn narrows the
// rows of the last relation, whose related type must be C.
func WhereHasPath[P, C any](path string, fn func(*Query[C]) *Query[C], opAndCount ...any) sq.Sqlizer {
	return WhereHasNested(PathOf[P](path), fn, opAndCount...)
}

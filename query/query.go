package query

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// ErrBadArgument is matched by errors about invalid builder arguments
// (an unknown operator, an empty raw expression, …).
var ErrBadArgument = render.ErrBadArgument

// Query is a typed, immutable SELECT builder for the table of T. Every
// method returns a new Query and leaves the receiver unchanged, so a
// partially built query can be shared and extended safely.
//
// The first error met while building (an unknown column, say) is kept and
// returned by the method that runs the query; building never panics.
type Query[T any] struct {
	model    *schema.Model
	err      error
	distinct bool
	columns  []string     // rendered select items; empty means the model's SelectList
	selects  []sq.Sqlizer // extra select expressions (aggregates, raw)
	joins    []sq.Sqlizer
	scope    []sq.Sqlizer // relation scope: always ANDed, never grouped with user conditions
	wheres   render.Terms
	groupBy  []string
	havings  render.Terms
	orders   []sq.Sqlizer
	limit    *uint64
	offset   *uint64
	none     bool           // the result is known to be empty: run nothing
	attrs    map[string]any // column values that writes through a relation set
	loaders  []Loader[T]
	pivot    *relmeta.Meta // belongsToMany scope: scan pivot_* columns into the pivot field
	through  *relmeta.Meta // through-relation scope: read only; the through table's columns may be named
	ofMany   *relmeta.Meta // one-of-many relation scope: its join chooses the row, so no mass writes
	lock     sqlt.RowLock
	tag      *reltag.Tag // single-parent relation read (Related): put in its statements' context
	adopt    func(*T)    // the relation's chaperone for the rows read or written (Related)
}

// Mod changes a query; agg's aggregates are Mods. Apply them with
// [Query.Apply].
type Mod[T any] interface {
	Apply(q *Query[T]) *Query[T]
}

// Loader eager-loads relations into fetched rows. Package load implements
// it; add loaders with [Query.With].
type Loader[T any] interface {
	LoadInto(ctx context.Context, ex sqlt.Executor, rows []T) error
}

// From starts a query on the table of T, which must be a struct type: a
// pointer, interface or other type gives a query that fails with
// sqlt.ErrNotStruct before any statement runs.
func From[T any]() *Query[T] {
	if t := reflect.TypeFor[T](); t.Kind() != reflect.Struct {
		return &Query[T]{err: fmt.Errorf("query %s: %w", t, sqlt.ErrNotStruct)}
	}
	m, err := schema.ModelFor[T]()
	q := &Query[T]{model: m}
	if err != nil {
		q.err = fmt.Errorf("query: %w", err)
	}
	return q
}

// Err returns the first error met while building the query.
func (q *Query[T]) Err() error { return q.err }

// clone copies q; slices are clipped so that appending to the copy never
// writes into q's arrays.
func (q *Query[T]) clone() *Query[T] {
	c := *q
	c.columns = slices.Clip(q.columns)
	c.selects = slices.Clip(q.selects)
	c.joins = slices.Clip(q.joins)
	c.scope = slices.Clip(q.scope)
	c.wheres = slices.Clip(q.wheres)
	c.groupBy = slices.Clip(q.groupBy)
	c.havings = slices.Clip(q.havings)
	c.orders = slices.Clip(q.orders)
	c.loaders = slices.Clip(q.loaders)
	return &c
}

func (q *Query[T]) with(f func(c *Query[T]) error) *Query[T] {
	if q.err != nil {
		return q
	}
	c := q.clone()
	if err := f(c); err != nil {
		c.err = err
	}
	return c
}

// SetErr returns a copy of q that fails with err when run (for Mods that
// find a problem while building).
func (q *Query[T]) SetErr(err error) *Query[T] {
	if q.err != nil || err == nil {
		return q
	}
	c := q.clone()
	c.err = err
	return c
}

// addColumns validates columns (see column) and appends them to *dst.
func (q *Query[T]) addColumns(what string, dst *[]string, columns []string) error {
	for _, col := range columns {
		qc, err := q.column(col)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		*dst = append(*dst, qc)
	}
	return nil
}

// column validates a caller-supplied column ("name" or "table.name") and
// returns it quoted. Unqualified names and names qualified with T's table
// must be mapped on T; names qualified with another table (a join, the
// pivot table, the through table) must be plain identifiers. An
// unqualified name is qualified with T's table, so that it is never
// ambiguous in a query that joins another table (a belongsToMany or
// through relation's: DECISION 15.2).
func (q *Query[T]) column(col string) (string, error) {
	col = strings.TrimSpace(col)
	if err := sqltext.CheckIdentifier(col); err != nil {
		return "", err
	}
	if t, c, ok := strings.Cut(col, "."); ok && t != q.model.Table {
		if q.pivot != nil && t == q.pivot.PivotTable || q.through != nil && t == q.through.Through.Table {
			return sqltext.Ident(col), nil
		}
		if len(q.joins) > 0 {
			return sqltext.Ident(col), nil // joined tables are not mapped: identifier check only
		}
		return "", &sqlt.UnknownColumnError{Type: q.model.Type.String(), Column: col}
	} else if ok {
		col = c
	}
	if _, err := q.model.CheckColumn(col); err != nil {
		return "", err
	}
	return sqltext.Ident(q.model.Table + "." + col), nil
}

// Select chooses the columns to read (mapped columns of T, or columns of
// joined tables qualified with their table). Without Select a query reads
// T's mapped columns (but readonly fields not tagged "generated"), named
// one by one (`select "posts"."id", "posts"."title", …`), never "table".*.
func (q *Query[T]) Select(columns ...string) *Query[T] {
	return q.with(func(c *Query[T]) error { return c.addColumns("select", &c.columns, columns) })
}

// AddSelect appends a select expression (with its arguments) after the
// columns; aggregates use it. The expression is trusted SQL: never build it
// from user input. Like every raw fragment it must be self-contained (see
// the package documentation) or the query fails with
// sqlt.ErrUnsafeFragment.
func (q *Query[T]) AddSelect(expr sq.Sqlizer) *Query[T] {
	return q.with(func(c *Query[T]) error {
		if expr == nil {
			return fmt.Errorf("add select: nil expression: %w", ErrBadArgument)
		}
		expr, err := checkRaw("add select", expr)
		if err != nil {
			return err
		}
		c.selects = append(c.selects, expr)
		return nil
	})
}

// SelectRaw appends a raw select expression with bound arguments.
func (q *Query[T]) SelectRaw(sql string, args ...any) *Query[T] {
	return q.AddSelect(sq.Expr(sql, args...))
}

// Distinct makes the query SELECT DISTINCT.
func (q *Query[T]) Distinct() *Query[T] {
	return q.with(func(c *Query[T]) error { c.distinct = true; return nil })
}

// Join adds a raw join clause ("join roles on …") with bound arguments.
func (q *Query[T]) Join(clause string, args ...any) *Query[T] {
	return q.with(func(c *Query[T]) error {
		j, err := checkRaw("join", sq.Expr(clause, args...))
		if err != nil {
			return err
		}
		c.joins = append(c.joins, j)
		return nil
	})
}

// Where adds conditions joined with AND. Each is a squirrel condition
// (sq.Eq{"active": 1}, sq.Gt{…}, sq.Like{…}, sq.Or{…}, sq.Expr(…), or a
// relkit condition such as query.Has). Column names inside squirrel
// conditions are written by squirrel as given: they come from your code,
// not from user input. A condition that is not self-contained (a comment,
// a ";", an unbalanced parenthesis or quote; see the package
// documentation) makes the query fail with sqlt.ErrUnsafeFragment before
// any statement runs.
func (q *Query[T]) Where(conds ...sq.Sqlizer) *Query[T] {
	return q.addWhere(false, conds)
}

// OrWhere adds conditions joined to the previous ones with OR (several
// conditions in one call are ANDed together first).
func (q *Query[T]) OrWhere(conds ...sq.Sqlizer) *Query[T] {
	return q.addWhere(true, conds)
}

func (q *Query[T]) addWhere(or bool, conds []sq.Sqlizer) *Query[T] {
	return q.with(func(c *Query[T]) error {
		conds, err := checkConds("where", conds)
		if err != nil {
			return err
		}
		var s sq.Sqlizer
		switch len(conds) {
		case 0:
			return nil
		case 1:
			s = conds[0]
		default:
			s = render.Group(conds)
		}
		c.wheres = append(c.wheres, render.Term{Or: or, Cond: s})
		return nil
	})
}

// WhereRaw adds a raw condition with bound arguments, ANDed. Like every
// raw fragment it must be self-contained (no comment, ";", unbalanced
// parenthesis or quote outside quotes) or the query fails with
// sqlt.ErrUnsafeFragment.
func (q *Query[T]) WhereRaw(sql string, args ...any) *Query[T] {
	if strings.TrimSpace(sql) == "" {
		return q.SetErr(fmt.Errorf("where raw: empty: %w", ErrBadArgument))
	}
	return q.Where(sq.Expr(sql, args...))
}

// OrWhereRaw adds a raw condition with bound arguments, ORed.
func (q *Query[T]) OrWhereRaw(sql string, args ...any) *Query[T] {
	if strings.TrimSpace(sql) == "" {
		return q.SetErr(fmt.Errorf("where raw: empty: %w", ErrBadArgument))
	}
	return q.OrWhere(sq.Expr(sql, args...))
}

// WhereGroup adds a parenthesised group of conditions built by fn, ANDed:
// q.WhereGroup(func(g *Query[T]) *Query[T] { return g.Where(a).OrWhere(b) })
// renders "… and (a or b)".
func (q *Query[T]) WhereGroup(fn func(g *Query[T]) *Query[T]) *Query[T] {
	return q.group(false, fn)
}

// OrWhereGroup is WhereGroup joined with OR.
func (q *Query[T]) OrWhereGroup(fn func(g *Query[T]) *Query[T]) *Query[T] {
	return q.group(true, fn)
}

func (q *Query[T]) group(or bool, fn func(g *Query[T]) *Query[T]) *Query[T] {
	if q.err != nil {
		return q
	}
	g := fn(&Query[T]{model: q.model, pivot: q.pivot, through: q.through, joins: q.joins})
	if g == nil {
		return q.SetErr(fmt.Errorf("where group: nil query: %w", ErrBadArgument))
	}
	if g.err != nil {
		return q.SetErr(g.err)
	}
	w := renderConds(g.wheres)
	if w == nil {
		return q
	}
	return q.addWhere(or, []sq.Sqlizer{w})
}

func (q *Query[T]) whereCol(or bool, col string, f func(qc string) (sq.Sqlizer, error)) *Query[T] {
	return q.with(func(c *Query[T]) error {
		qc, err := c.column(col)
		if err != nil {
			return fmt.Errorf("where: %w", err)
		}
		s, err := f(qc)
		if err != nil {
			return err
		}
		c.wheres = append(c.wheres, render.Term{Or: or, Cond: s})
		return nil
	})
}

var operators = map[string]string{
	"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
	"like": "like", "not like": "not like", "ilike": "ilike",
}

// WhereOp adds "column op ?" with a validated column and operator
// (=, <>, !=, <, <=, >, >=, like, not like, ilike).
func (q *Query[T]) WhereOp(column, op string, value any) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) { return opCond(qc, op, value) })
}

// OrWhereOp is WhereOp joined with OR.
func (q *Query[T]) OrWhereOp(column, op string, value any) *Query[T] {
	return q.whereCol(true, column, func(qc string) (sq.Sqlizer, error) { return opCond(qc, op, value) })
}

func opCond(qc, op string, value any) (sq.Sqlizer, error) {
	o, ok := operators[strings.ToLower(strings.TrimSpace(op))]
	if !ok {
		return nil, fmt.Errorf("where: operator %q: %w", op, ErrBadArgument)
	}
	return sq.Expr(qc+" "+o+" ?", value), nil
}

// WhereIn adds "column in (…)". An empty list matches nothing.
func (q *Query[T]) WhereIn(column string, values ...any) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) { return inCond(qc, false, values), nil })
}

// WhereNotIn adds "column not in (…)". An empty list matches everything.
func (q *Query[T]) WhereNotIn(column string, values ...any) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) { return inCond(qc, true, values), nil })
}

func inCond(qc string, not bool, values []any) sq.Sqlizer {
	values = sqltext.ListValues(values)
	if len(values) == 0 {
		if not {
			return sq.Expr("1 = 1")
		}
		return sq.Expr("1 = 0")
	}
	op := " in ("
	if not {
		op = " not in ("
	}
	return sq.Expr(qc+op+placeholders(len(values))+")", values...)
}

// WhereNull adds "column is null".
func (q *Query[T]) WhereNull(column string) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) { return sq.Expr(qc + " is null"), nil })
}

// WhereNotNull adds "column is not null".
func (q *Query[T]) WhereNotNull(column string) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) { return sq.Expr(qc + " is not null"), nil })
}

// WhereBetween adds "column between ? and ?".
func (q *Query[T]) WhereBetween(column string, low, high any) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) {
		return sq.Expr(qc+" between ? and ?", low, high), nil
	})
}

// WhereNotBetween adds "column not between ? and ?".
func (q *Query[T]) WhereNotBetween(column string, low, high any) *Query[T] {
	return q.whereCol(false, column, func(qc string) (sq.Sqlizer, error) {
		return sq.Expr(qc+" not between ? and ?", low, high), nil
	})
}

// OrderBy orders by a validated column, ascending, or in the direction
// given ("asc" or "desc").
func (q *Query[T]) OrderBy(column string, direction ...string) *Query[T] {
	return q.with(func(c *Query[T]) error {
		qc, err := c.column(column)
		if err != nil {
			return fmt.Errorf("order by: %w", err)
		}
		dir := "asc"
		if len(direction) > 0 {
			dir = strings.ToLower(strings.TrimSpace(direction[0]))
			if dir != "asc" && dir != "desc" {
				return fmt.Errorf("order by %s: direction %q: %w", column, direction[0], ErrBadArgument)
			}
		}
		c.orders = append(c.orders, sq.Expr(qc+" "+dir))
		return nil
	})
}

// OrderByDesc orders by a validated column, descending.
func (q *Query[T]) OrderByDesc(column string) *Query[T] { return q.OrderBy(column, "desc") }

// OrderByRaw orders by a raw expression with bound arguments.
func (q *Query[T]) OrderByRaw(sql string, args ...any) *Query[T] {
	return q.with(func(c *Query[T]) error {
		o, err := checkRaw("order by", sq.Expr(sql, args...))
		if err != nil {
			return err
		}
		c.orders = append(c.orders, o)
		return nil
	})
}

// Latest orders by created_at (or the column given), newest first.
func (q *Query[T]) Latest(column ...string) *Query[T] {
	col := "created_at"
	if len(column) > 0 {
		col = column[0]
	}
	return q.OrderBy(col, "desc")
}

// Oldest orders by created_at (or the column given), oldest first.
func (q *Query[T]) Oldest(column ...string) *Query[T] {
	col := "created_at"
	if len(column) > 0 {
		col = column[0]
	}
	return q.OrderBy(col, "asc")
}

// Limit caps the number of rows.
func (q *Query[T]) Limit(n uint64) *Query[T] {
	return q.with(func(c *Query[T]) error { c.limit = &n; return nil })
}

// Offset skips rows.
func (q *Query[T]) Offset(n uint64) *Query[T] {
	return q.with(func(c *Query[T]) error { c.offset = &n; return nil })
}

// GroupBy groups by validated columns.
func (q *Query[T]) GroupBy(columns ...string) *Query[T] {
	return q.with(func(c *Query[T]) error { return c.addColumns("group by", &c.groupBy, columns) })
}

// Having adds HAVING conditions, ANDed.
func (q *Query[T]) Having(conds ...sq.Sqlizer) *Query[T] {
	return q.with(func(c *Query[T]) error {
		conds, err := checkConds("having", conds)
		if err != nil {
			return err
		}
		for _, s := range conds {
			c.havings = append(c.havings, render.Term{Cond: s})
		}
		return nil
	})
}

// Apply applies mods (such as agg.WithCount) in order.
func (q *Query[T]) Apply(mods ...Mod[T]) *Query[T] {
	for _, m := range mods {
		if q.err != nil {
			return q
		}
		if m == nil {
			return q.SetErr(fmt.Errorf("apply: nil mod: %w", ErrBadArgument))
		}
		q = m.Apply(q)
	}
	return q
}

// With adds eager loaders (see package load) run after Get, First, Find
// and FindMany.
func (q *Query[T]) With(loaders ...Loader[T]) *Query[T] {
	return q.with(func(c *Query[T]) error {
		for _, l := range loaders {
			if l == nil {
				return fmt.Errorf("with: nil loader: %w", ErrBadArgument)
			}
		}
		c.loaders = append(c.loaders, loaders...)
		return nil
	})
}

// Scope adds a condition that is always ANDed in front of the user's
// conditions and cannot be escaped by OrWhere (relation queries use it).
func (q *Query[T]) Scope(conds ...sq.Sqlizer) *Query[T] {
	return q.with(func(c *Query[T]) error {
		conds, err := checkConds("scope", conds)
		if err != nil {
			return err
		}
		c.scope = append(c.scope, conds...)
		return nil
	})
}

// checkConds refuses a nil condition (ErrBadArgument) and checks each of
// conds with checkRaw, returning the checked renderings (a new slice: the
// caller's may change later).
func checkConds(what string, conds []sq.Sqlizer) ([]sq.Sqlizer, error) {
	out := make([]sq.Sqlizer, len(conds))
	for i, s := range conds {
		if s == nil {
			return nil, fmt.Errorf("%s: nil condition: %w", what, ErrBadArgument)
		}
		f, err := checkRaw(what, s)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// checkRaw renders a caller's SQL fragment and refuses it, wrapping
// sqlt.ErrUnsafeFragment, if it could change the statement around it (a
// comment, a ";", an unbalanced parenthesis or quote…): see
// sqlt.CheckFragment. Every raw fragment is checked when it enters the
// builder, and the builder keeps the rendering checked (see
// sqltext.Freeze), so no statement is ever built from a refused one.
func checkRaw(what string, s sq.Sqlizer) (sq.Sqlizer, error) {
	f, err := sqltext.Freeze(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return f, nil
}

// renderConds joins conditions with AND/OR (see render.Terms), or is nil
// when there are none.
func renderConds(cs render.Terms) sq.Sqlizer {
	if len(cs) == 0 {
		return nil
	}
	return cs
}

// whereClause is scope AND (user conditions).
func (q *Query[T]) whereClause() sq.Sqlizer {
	w := render.Select{Scope: q.scope, Where: renderConds(q.wheres)}
	return w.Cond()
}

// ToSql renders the SELECT with "?" placeholders and identifiers quoted as
// SQLite and PostgreSQL read them (the form to read or log; the executor
// renders the statement it sends for its own dialect, see [Query.SQL]).
// Query implements squirrel's Sqlizer, so it can be used as a subquery, in
// that form; a locking query (ForUpdate, …) cannot, and gives an error
// matching ErrBadArgument, since its lock depends on the dialect of the
// executor that runs it.
func (q *Query[T]) ToSql() (string, []any, error) {
	s, args, err := q.neutralSQL()
	if err != nil {
		return "", nil, err
	}
	return sqltext.Requote(s, sqlt.SQLite.Quote), args, nil
}

// SQL renders the statement that an executor of dialect d sends for Get:
// placeholders and identifiers in d's form, and the row lock, if any.
func (q *Query[T]) SQL(d sqlt.Dialect) (string, []any, error) {
	s, args, err := q.sqlFor(d)
	if err != nil {
		return "", nil, err
	}
	return d.Rebind(s), args, nil
}

// neutralSQL is ToSql in relkit's neutral form (marked identifiers), for
// the statements relkit builds around the query.
func (q *Query[T]) neutralSQL() (string, []any, error) {
	if q.err != nil {
		return "", nil, q.err
	}
	if q.locking() {
		return "", nil, fmt.Errorf("render %s: a locking query renders for its executor (Get, First, Iter, …), not as a subquery: %w", q.model.Table, ErrBadArgument)
	}
	return q.render()
}

// render renders the SELECT without its row lock.
func (q *Query[T]) render() (string, []any, error) {
	st := q.statement()
	s, args, err := st.ToSql()
	if err != nil {
		return "", nil, fmt.Errorf("build select: %w", err)
	}
	return s, args, nil
}

// statement is the query's SELECT in parts.
func (q *Query[T]) statement() render.Select {
	cols := q.columns
	if len(cols) == 0 {
		// The mapped columns by name, never "table".*: a column added to
		// the table later does not reach the scan.
		cols = []string{q.model.SelectList()}
	}
	return render.Select{
		Distinct: q.distinct,
		Columns:  cols,
		Exprs:    q.selects,
		From:     sqltext.Ident(q.model.Table),
		Joins:    q.joins,
		Scope:    q.scope,
		Where:    renderConds(q.wheres),
		GroupBy:  q.groupBy,
		Having:   renderConds(q.havings),
		OrderBy:  q.orders,
		Limit:    q.limit,
		Offset:   q.offset,
	}
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Iter streams the rows one at a time without holding the result in
// memory; eager loaders are not run. Stop early by breaking out of the
// loop. Each yielded T is a fresh value.
func (q *Query[T]) Iter(ctx context.Context, ex sqlt.Executor) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if q.none {
			return
		}
		rows, err := q.run(ctx, ex)
		if err != nil {
			yield(zero, err)
			return
		}
		stopped := false
		if q.pivot != nil {
			err = q.iterPivot(rows, yield, &stopped)
		} else {
			err = sqlt.ScanEach(rows, func(v T) bool {
				if !yield(v, nil) {
					stopped = true
					return false
				}
				return true
			})
		}
		if err != nil && !stopped {
			yield(zero, fmt.Errorf("iterate %s: %w", q.model.Table, err))
		}
	}
}

// iterPivot streams the rows of a belongsToMany relation query, moving the
// pivot_* columns into each row's pivot field as Get does.
func (q *Query[T]) iterPivot(rows *sqlt.Rows, yield func(T, error) bool, stopped *bool) error {
	base := render.PivotExtra(q.pivot)
	var cur T
	extra := &schema.Extra{Want: base.Want, Row: func(elem reflect.Value, cols []string, vals []any) error {
		if err := base.Row(elem, cols, vals); err != nil {
			return err
		}
		if !yield(cur, nil) {
			*stopped = true
		}
		return nil
	}}
	return schema.ScanFunc(rows, reflect.TypeFor[T](), func() reflect.Value {
		if *stopped {
			return reflect.Value{}
		}
		var zero T
		cur = zero
		return reflect.ValueOf(&cur).Elem()
	}, extra)
}

package query

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// GetMorph reads the target of parent through the morphTo r (Laravel's
// $comment->commentable): a *T of the target type its type column names,
// read from that type's table as a belongsTo would be,
//
//	select … from "posts" where "posts"."id" = ? limit 1
//
// or nil (without an error) when the row is missing. An empty type or a
// NULL (or zero) id points at nothing: nil, and no statement. A type that
// is the alias of no target of r gives a *rel.UnknownMorphTypeError
// (rel.ErrUnknownMorphType). The read is a relation read of one parent,
// for the repeat guard (sqlt.NewRepeatGuard) as Related's are.
func GetMorph[P any](ctx context.Context, ex sqlt.Executor, r rel.MorphToRelation[P], parent *P) (any, error) {
	m := relmeta.Of(r)
	if err := m.Err(); err != nil {
		return nil, fmt.Errorf("get morph: %w", err)
	}
	if parent == nil || ex == nil {
		return nil, fmt.Errorf("get morph %s: nil parent or executor: %w", m.Name, sqlt.ErrNilValue)
	}
	pv := reflect.ValueOf(parent)
	class, err := m.MorphTypeOf(pv)
	if err != nil || class == "" {
		return nil, err
	}
	t := m.MorphTarget(class)
	if t == nil {
		return nil, fmt.Errorf("get morph: %w", &rel.UnknownMorphTypeError{Relation: m.Parent.Type.Name() + "." + m.Name, Type: class})
	}
	key, ok, err := t.ParentKeyOf(pv)
	if err != nil || !ok || keys.IsZero(key) {
		return nil, err
	}
	if t.IDText {
		// A text id for an integer-keyed target: one that spells no
		// integer has no target (it matches no row on SQLite either).
		if key, ok, _ = keys.ToCast[int64](key); !ok {
			return nil, nil
		}
	}
	if err := names.Fit(ex.Dialect(), t.Related, nil); err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	st := render.Level(t, false, sq.Expr(render.KeyColumn(t, t.Related.Table)+" = ?", keys.Bind(key, t.KeyBytes())))
	st.Columns = []string{t.Related.SelectList()}
	one := uint64(1)
	st.Limit = &one
	s, args, err := st.ToSql()
	if err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	if !reltag.Writing(ctx) {
		// The parent is told apart by its target: post 1 is not video 1.
		ctx = reltag.With(ctx, &reltag.Tag{Origin: m.Parent.Type.Name() + "." + m.Name, Key: [2]any{class, key}})
	}
	rows, err := ex.Query(ctx, s, args...)
	if err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	var out reflect.Value
	next := func() reflect.Value {
		out = reflect.New(t.Related.Type)
		return out.Elem()
	}
	if err := schema.ScanFunc(rows, t.Related.Type, next, nil); err != nil {
		return nil, fmt.Errorf("get morph %s: %w", m.Name, err)
	}
	if !out.IsValid() {
		return nil, nil
	}
	return out.Interface(), nil
}

// RelatedMorph returns the query on child's target through the morphTo r
// when that target is a T (Laravel's $comment->commentable() on a comment
// of a post): the T rows whose owner key equals child's id column, read
// as a belongsTo would be,
//
//	select … from "posts" where "posts"."id" = ?
//
// with the morphTo's own Where. Every builder method works on it. When
// child's type column is not T's morph class (another target, empty or
// NULL), or its id is NULL or zero, the query is empty: it returns no rows
// and runs no statement. A T that is no target of r fails the query with
// ErrBadArgument before any statement; a nil child with sqlt.ErrNilValue.
// Its reads are relation reads of one parent, for the repeat guard, as
// GetMorph's are.
func RelatedMorph[T, P any](r rel.MorphToRelation[P], child *P) *Query[T] {
	q := From[T]()
	m := relmeta.Of(r)
	if err := m.Err(); err != nil {
		return q.SetErr(fmt.Errorf("related morph: %w", err))
	}
	t, err := morphTarget(m, reflect.TypeFor[T]())
	if err != nil {
		return q.SetErr(fmt.Errorf("related morph %s: %w", m.Name, err))
	}
	if child == nil {
		return q.SetErr(fmt.Errorf("related morph %s: nil child: %w", m.Name, sqlt.ErrNilValue))
	}
	pv := reflect.ValueOf(child)
	class, err := m.MorphTypeOf(pv)
	if err != nil {
		return q.SetErr(fmt.Errorf("related morph %s: %w", m.Name, err))
	}
	key, ok, err := t.ParentKeyOf(pv)
	if err != nil {
		return q.SetErr(fmt.Errorf("related morph %s: %w", m.Name, err))
	}
	if ok && t.IDText {
		// A text id for an integer-keyed target (see GetMorph): one that
		// spells no integer has no target.
		key, ok, _ = keys.ToCast[int64](key)
	}
	q = scopeRelation(q, t, key).clone()
	q.tag = &reltag.Tag{Origin: m.Parent.Type.Name() + "." + m.Name, Key: [2]any{class, key}}
	q.none = q.none || class != t.MorphClass || !ok || keys.IsZero(key)
	return q
}

// WhereMorphedTo is the condition that rows point at model through the
// morphTo r (Laravel's whereMorphedTo): their type is T's morph class and
// their id model's owner key,
//
//	("comments"."commentable_type" = ? and "comments"."commentable_id" = ?)
//
// An unsaved model (a NULL or zero key) binds NULL, which no id equals. A
// nil model matches the rows that point at nothing,
//
//	"comments"."commentable_type" is null
//
// A T that is no target of r (even with a nil model) carries an error
// matching ErrBadArgument, returned before any statement.
func WhereMorphedTo[P, T any](r rel.MorphToRelation[P], model *T) sq.Sqlizer {
	m := relmeta.Of(r)
	fail := func(err error) sq.Sqlizer { return &existence{err: fmt.Errorf("where morphed to: %w", err)} }
	if err := m.Err(); err != nil {
		return fail(err)
	}
	t, err := morphTarget(m, reflect.TypeFor[T]())
	if err != nil {
		return fail(fmt.Errorf("%s: %w", m.Name, err))
	}
	typeCol := sqltext.Qualified(m.Parent.Table, m.MorphType)
	if model == nil {
		return &existence{sql: typeCol + " is null"}
	}
	key, ok, err := t.OwnerKeyOf(reflect.ValueOf(model))
	if err != nil {
		return fail(fmt.Errorf("%s: %w", m.Name, err))
	}
	if !ok || keys.IsZero(key) {
		key = nil
	}
	idf, _ := m.Parent.Column(m.ForeignKey)
	idCol := sqltext.Qualified(m.Parent.Table, m.ForeignKey)
	return &existence{sql: "(" + typeCol + " = ? and " + idCol + " = ?)", args: []any{t.MorphClass, bindID(t, key, idf.Type)}}
}

// bindID returns a morphTo target's key in its bound form for the
// morphTo's id column (of Go type idType): the text form when that column
// holds text (Meta.IDText).
func bindID(t *relmeta.Meta, key any, idType reflect.Type) any {
	if t.IDText && key != nil {
		return keys.Text(key)
	}
	return keys.Bind(key, keys.IsBytes(idType))
}

// morphTarget returns the target of the morphTo m of type typ, or an
// error matching ErrBadArgument.
func morphTarget(m *relmeta.Meta, typ reflect.Type) (*relmeta.Meta, error) {
	i := slices.IndexFunc(m.Targets, func(t *relmeta.Meta) bool { return t.Related.Type == typ })
	if typ == nil || i < 0 {
		return nil, fmt.Errorf("%v is not a target of %s: %w", typ, m, ErrBadArgument)
	}
	return m.Targets[i], nil
}

// MorphOn is a branch of a polymorphic existence test ([HasMorph]): a
// target type of the morphTo and the constraint on its rows. Make one
// with [On]; [AllMorphs] stands for every declared target.
type MorphOn struct {
	t    reflect.Type
	cons render.Constraint
	all  bool
}

// On is the branch of target type T of [HasMorph] and friends (Laravel's
// whereHasMorph types), its rows narrowed by fn (nil: none). The
// constraint is typed per target: On[Post](func(q *Query[Post]) …).
func On[T any](fn func(*Query[T]) *Query[T]) MorphOn {
	b := MorphOn{t: reflect.TypeFor[T]()}
	if fn != nil {
		b.cons = typedConstraint(fn)
	}
	return b
}

// AllMorphs is the branch list of every target the morphTo declares,
// without a constraint (Laravel's '*'), and without Laravel's extra
// statement reading the distinct types (DECISION 17.4).
var AllMorphs = MorphOn{all: true}

// HasMorph is the existence test of a morphTo over the branches on
// (Laravel's hasMorph): a row matches when its type is a branch's and that
// branch's existence test (operator and count as for [Has]) holds:
//
//	(("comments"."commentable_type" = ? and exists (select * from "posts" where "comments"."commentable_id" = "posts"."id" and …)) or ("comments"."commentable_type" = ? and exists (…)))
//
// Rows of other types never match. A negative test (DoesntHave: "<" 1,
// "<=" 0, "=" 0, "<>" n≥1) over AllMorphs also matches rows whose type is
// NULL. No branch at all renders the constant test 0 op count (false for
// Has, true for DoesntHave), as Laravel does. A branch whose type is no
// target of r carries an error matching ErrBadArgument.
func HasMorph[P any](r rel.MorphToRelation[P], on []MorphOn, opAndCount ...any) sq.Sqlizer {
	m := relmeta.Of(r)
	fail := func(err error) sq.Sqlizer { return &existence{err: fmt.Errorf("has morph %s: %w", m.Name, err)} }
	if err := m.Err(); err != nil {
		return fail(err)
	}
	op, n, err := opCount(opAndCount)
	if err != nil {
		return fail(err)
	}
	all := false
	cons := map[*relmeta.Meta]render.Constraint{}
	var branches []*relmeta.Meta
	for _, b := range on {
		if b.all {
			all = true
			continue
		}
		t, err := morphTarget(m, b.t)
		if err != nil {
			return fail(err)
		}
		if _, dup := cons[t]; !dup {
			branches = append(branches, t)
		}
		cons[t] = b.cons
	}
	if all {
		branches = slices.Clone(m.Targets)
	}
	if len(branches) == 0 {
		return &existence{sql: "0 " + op + " " + strconv.FormatInt(n, 10)}
	}
	outer := m.Parent.Table
	typeCol := sqltext.Qualified(outer, m.MorphType)
	var parts []string
	var args []any
	var alias render.Alias
	for _, t := range branches {
		s, a, err := existsSQL([]*relmeta.Meta{t}, outer, &alias, cons[t], op, n)
		if err != nil {
			return fail(err)
		}
		parts = append(parts, "("+typeCol+" = ? and "+s+")")
		args = append(append(args, t.MorphClass), a...)
	}
	negative := op == "<" && n == 1 || (op == "<=" || op == "=") && n == 0 || op == "<>" && n >= 1
	if all && negative {
		parts = append(parts, typeCol+" is null")
	}
	return &existence{sql: "(" + strings.Join(parts, " or ") + ")", args: args}
}

// WhereHasMorph is HasMorph with the default test (at least one row):
// query.WhereHasMorph(CommentCommentable, query.On[Post](fn), query.On[Video](nil)).
func WhereHasMorph[P any](r rel.MorphToRelation[P], on ...MorphOn) sq.Sqlizer {
	return HasMorph(r, on)
}

// WhereDoesntHaveMorph is HasMorph(r, on, "<", 1): rows of a branch's type
// whose target (narrowed by the branch's constraint) does not exist, and,
// over AllMorphs, rows with a NULL type.
func WhereDoesntHaveMorph[P any](r rel.MorphToRelation[P], on ...MorphOn) sq.Sqlizer {
	return HasMorph(r, on, "<", 1)
}

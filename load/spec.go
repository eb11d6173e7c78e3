package load

import (
	"fmt"
	"strings"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// step is one relation of a spec's chain with its settings. Steps are
// immutable once built: specs are shared values, and every load copies
// them into a fresh tree.
type step struct {
	m     *relmeta.Meta
	cols  []string   // chosen columns of the related model (bare names); nil: all
	where constraint // typed constraint; nil: none
	err   error      // a construction error (bad column, nil function), returned before any statement
	morph []onStep   // a morphTo's per-type settings (Morph)
}

// chainer is implemented by the spec types of this package: a spec is a
// chain of steps (one step for a plain or constrained relation, several
// for Nested).
type chainer interface {
	steps() []step
}

// Of is what With, Eager and Refresh take: a relation declared on P (any
// rel relation value) or a spec of this package made from one ([Where],
// [Columns], [Nested]). It is not a relation: a spec cannot be passed
// where a relation is expected (query.Related, query.Has, agg.WithCount,
// pivot.Attach…), which would drop its constraint or columns.
type Of[P any] interface {
	// ParentKey returns the parent's key for the (first) relation.
	ParentKey(parent *P) (key any, ok bool, err error)
}

// Typed is what Where and Columns take: a relation from P to C (any rel
// relation value) or a [Spec] made from one.
type Typed[P, C any] interface {
	Of[P]
	// Default returns the relation's WithDefault value for the parent,
	// and whether it has one.
	Default(parent *P) (C, bool)
}

// stepsOf returns the chain of r: its own for a spec of this package, one
// plain step for a relation, an error step for anything else.
func stepsOf(r any) []step {
	switch r := r.(type) {
	case nil:
		return []step{{err: fmt.Errorf("nil relation: %w", sqlt.ErrNilValue)}}
	case chainer:
		return r.steps()
	case rel.Relation:
		return []step{{m: relmeta.Of(r)}}
	}
	return []step{{err: fmt.Errorf("%T is neither a relation nor a load spec: %w", r, query.ErrBadArgument)}}
}

// Spec is a relation from P to C with load settings: the columns to read
// ([Columns]) and a constraint on the query of the related rows
// ([Where]). It goes wherever the load functions take a relation: as a
// spec of [With], as an element of [Nested], or wrapped again by Where
// and Columns. It is not itself a relation, so it cannot be passed to
// query.Related, query.Has or agg.WithCount, where its settings would be
// lost. A Spec is immutable and safe for concurrent use.
type Spec[P, C any] struct {
	r     rel.Typed[P, C]
	cols  []string
	where func(*query.Query[C]) *query.Query[C]
	err   error
}

// ParentKey returns the parent's key for the spec's relation.
func (s Spec[P, C]) ParentKey(parent *P) (any, bool, error) {
	if s.r == nil {
		return nil, false, firstErr(s.err, fmt.Errorf("load: nil relation: %w", sqlt.ErrNilValue))
	}
	return s.r.ParentKey(parent)
}

// Default returns the spec's relation's WithDefault value for the parent.
func (s Spec[P, C]) Default(parent *P) (C, bool) {
	if s.r == nil {
		var zero C
		return zero, false
	}
	return s.r.Default(parent)
}

// Where returns a spec that loads r with the related rows' query narrowed
// by fn, which receives the query already scoped to the parents' keys and
// to the relation's own constraints and returns it with conditions,
// ordering or a column selection added (Sutando's
// with({posts: q => q.where(…)})):
//
//	load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
//		return q.WhereOp("title", "like", "%code%").OrderByDesc("created_at")
//	})
//
// The key condition is part of the query's scope, so OrWhere cannot escape
// it. An ordering is kept within each parent's children. Limit and Offset
// apply to each parent's rows, as in Laravel: Limit(3) gives every user
// their own three posts, in one statement whatever the number of parents
// (a row_number() window partitioned by the key column; see the package
// documentation). Ties are broken by the related primary key, which alone
// orders the rows when fn gives no order, and Offset without Limit skips
// each parent's first rows. A Limit or Offset on a belongsTo relation is
// an error matching query.ErrBadArgument before any statement runs. If fn
// selects columns, the key columns needed to match rows to parents are
// added.
// Loaders added inside fn with query.Query.With are not run: load deeper
// levels with [Nested].
// Wrapping a Spec again chains the functions: the inner one runs first.
func Where[P, C any](r Typed[P, C], fn func(q *query.Query[C]) *query.Query[C]) Spec[P, C] {
	s := specOf(r)
	if fn == nil {
		s.err = firstErr(s.err, fmt.Errorf("load where: nil function: %w", sqlt.ErrNilValue))
		return s
	}
	if prev := s.where; prev != nil {
		s.where = func(q *query.Query[C]) *query.Query[C] {
			q = prev(q)
			if q == nil {
				return nil
			}
			return fn(q)
		}
	} else {
		s.where = fn
	}
	return s
}

// Columns returns a spec that loads r reading only the given columns of
// C (Sutando's with('author:id,name')). The columns must be mapped on C;
// the key columns needed to match the rows to their parents (and to load
// nested relations below them) are added automatically, so a relation
// never comes back empty for want of its key. Columns replace those of an
// earlier Columns on the same spec.
func Columns[P, C any](r Typed[P, C], columns ...string) Spec[P, C] {
	s := specOf(r)
	if len(columns) == 0 {
		s.err = firstErr(s.err, fmt.Errorf("load columns: no columns given: %w", query.ErrBadArgument))
		return s
	}
	var m *relmeta.Meta
	if s.r != nil {
		m = relmeta.Of(s.r)
	}
	if m == nil || m.Related == nil {
		return s // reported when loading, from the relation's own error
	}
	cols := make([]string, 0, len(columns))
	for _, c := range columns {
		bare, err := m.Related.CheckColumn(strings.TrimSpace(c))
		if err != nil {
			s.err = firstErr(s.err, fmt.Errorf("load %s: columns: %w", m.Name, err))
			return s
		}
		cols = appendUnique(cols, bare)
	}
	s.cols = cols
	return s
}

func specOf[P, C any](r Typed[P, C]) Spec[P, C] {
	switch r := r.(type) {
	case Spec[P, C]:
		return r
	case rel.Typed[P, C]:
		return Spec[P, C]{r: r}
	case nil:
		return Spec[P, C]{err: fmt.Errorf("load: nil relation: %w", sqlt.ErrNilValue)}
	}
	return Spec[P, C]{err: fmt.Errorf("load: %T is neither a relation nor a load spec: %w", r, query.ErrBadArgument)}
}

func (s Spec[P, C]) steps() []step {
	st := step{cols: s.cols, err: s.err}
	if s.r != nil {
		st.m = relmeta.Of(s.r)
	}
	if s.where != nil {
		st.where = constrainWith(s.where)
	}
	return []step{st}
}

// NestedSpec is a chain of relations loaded level by level: made by
// [Nested]. Like [Spec] it goes wherever the load functions take a
// relation, and is not itself one.
type NestedSpec[P any] struct {
	first Of[P]
	rest  []any
}

// ParentKey returns the parent's key for the chain's first relation.
func (n NestedSpec[P]) ParentKey(parent *P) (any, bool, error) {
	if n.first == nil {
		return nil, false, fmt.Errorf("load nested: nil relation: %w", sqlt.ErrNilValue)
	}
	return n.first.ParentKey(parent)
}

// Nested returns a spec that loads first on the parents, then each
// following relation on the rows the one before it loaded (Sutando's
// with('posts.comments.images')):
//
//	load.Nested(UserPosts, PostComments, CommentImages)
//
// Each relation must start at the type where the previous one ends; a
// chain that does not fit is an error before any statement runs. Each
// element may be a relation, a [Spec] (to constrain or choose the columns
// of that level) or another Nested (its chain is spliced in); anything
// else is an error matching query.ErrBadArgument before any statement
// runs. Specs given to one call that share a prefix share its statements:
// With(ctx, db, users, UserPosts, load.Nested(UserPosts, PostComments))
// loads posts once.
func Nested[P any](first Of[P], rest ...any) NestedSpec[P] {
	return NestedSpec[P]{first: first, rest: rest}
}

func (n NestedSpec[P]) steps() []step {
	out := stepsOf(n.first)
	for _, r := range n.rest {
		out = append(out[:len(out):len(out)], stepsOf(r)...)
	}
	return out
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

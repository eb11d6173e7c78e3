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
}

// chainer is implemented by the spec types of this package: a spec is a
// chain of steps (one step for a plain or constrained relation, several
// for Nested).
type chainer interface {
	steps() []step
}

// stepsOf returns the chain of r: its own for a spec of this package, one
// plain step for any other relation.
func stepsOf(r rel.Relation) []step {
	if r == nil {
		return []step{{err: fmt.Errorf("nil relation: %w", sqlt.ErrNilValue)}}
	}
	if c, ok := r.(chainer); ok {
		return c.steps()
	}
	return []step{{m: relmeta.Of(r)}}
}

// Spec is a relation from P to C with load settings: the columns to read
// ([Columns]) and a constraint on the query of the related rows
// ([Where]). It is itself a relation (it implements rel.Typed[P, C]), so
// it goes wherever a relation does in this package: as a spec of [With],
// as an element of [Nested], or wrapped again by Where and Columns. A Spec
// is immutable and safe for concurrent use.
type Spec[P, C any] struct {
	rel.Typed[P, C]
	cols  []string
	where func(*query.Query[C]) *query.Query[C]
	err   error
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
// it. An ordering is kept within each parent's children. A Limit applies to
// the whole statement, not per parent (as in Laravel). If fn selects
// columns, the key columns needed to match rows to parents are added.
// Loaders added inside fn with query.Query.With are not run: load deeper
// levels with [Nested].
// Wrapping a Spec again chains the functions: the inner one runs first.
func Where[P, C any](r rel.Typed[P, C], fn func(q *query.Query[C]) *query.Query[C]) Spec[P, C] {
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
func Columns[P, C any](r rel.Typed[P, C], columns ...string) Spec[P, C] {
	s := specOf(r)
	if len(columns) == 0 {
		s.err = firstErr(s.err, fmt.Errorf("load columns: no columns given: %w", query.ErrBadArgument))
		return s
	}
	m := relmeta.Of(s)
	if m.Related == nil {
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

func specOf[P, C any](r rel.Typed[P, C]) Spec[P, C] {
	if s, ok := r.(Spec[P, C]); ok {
		return s
	}
	s := Spec[P, C]{Typed: r}
	if r == nil {
		s.err = fmt.Errorf("load: nil relation: %w", sqlt.ErrNilValue)
	}
	return s
}

func (s Spec[P, C]) steps() []step {
	st := step{cols: s.cols, err: s.err}
	if s.Typed != nil {
		st.m = relmeta.Of(s.Typed)
	}
	if s.where != nil {
		st.where = constrainWith(s.where)
	}
	return []step{st}
}

// NestedSpec is a chain of relations loaded level by level: made by
// [Nested]. It is a relation on P (it implements rel.Of[P] through its
// first relation), so it goes wherever a spec does.
type NestedSpec[P any] struct {
	rel.Of[P]
	rest []rel.Relation
}

// Nested returns a spec that loads first on the parents, then each
// following relation on the rows the one before it loaded (Sutando's
// with('posts.comments.images')):
//
//	load.Nested(UserPosts, PostComments, CommentImages)
//
// Each relation must start at the type where the previous one ends; a
// chain that does not fits is an error before any statement runs. Each
// element may be a [Spec] (to constrain or choose the columns of that
// level) or another Nested (its chain is spliced in). Specs given to one
// call that share a prefix share its statements: With(ctx, db, users,
// UserPosts, load.Nested(UserPosts, PostComments)) loads posts once.
func Nested[P any](first rel.Of[P], rest ...rel.Relation) NestedSpec[P] {
	return NestedSpec[P]{Of: first, rest: rest}
}

func (n NestedSpec[P]) steps() []step {
	out := stepsOf(n.Of)
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

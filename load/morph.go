package load

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// A morphTo (rel.MorphTo) loads as one belongsTo level per target type
// present among the parents, in order of first appearance (Laravel's
// MorphTo::getEager), each over the parents of that type, with the
// relations and the constraint its [On] gave (Laravel's morphWith,
// morphWithCount and constrain) below and on it. Rows with an empty type
// or a NULL id point at nothing; a type that is no target's alias fails
// the load before any statement (DECISION 17.5).

// MorphSpec is a morphTo with per-type settings: made by [Morph]. Like
// [Spec] it goes wherever the load functions take a relation ([With],
// [Missing], [Eager], [Refresh], the last element of [Nested]), and is not
// itself one. A MorphSpec is immutable and safe for concurrent use.
type MorphSpec[P any] struct {
	r  rel.MorphToRelation[P]
	on []MorphOn
}

// MorphOn is the settings of one target type of a [Morph]: made by [On].
type MorphOn interface {
	morphOn() onStep
}

// onStep is what an On gives a morphTo's step: the target type, the
// chains loaded on its rows and the constraint of its statement.
type onStep struct {
	t      reflect.Type
	chains [][]step
	where  constraint
	err    error
}

// Morph returns a spec that loads the morphTo r and, on the targets of
// each type given an [On], that type's relations, with that type's
// statement narrowed by its constraint (Laravel's morphWith, constrain and
// morphWithCount):
//
//	load.Morph(CommentCommentable,
//		load.On[Post](PostAuthor, load.Nested(PostTags, TagOwner)).Where(func(q *query.Query[Post]) *query.Query[Post] {
//			return q.Where(sq.Eq{"published": true}).Apply(agg.WithCount(PostComments))
//		}),
//		load.On[Video](),
//	)
//
// The morphTo runs one statement per target type present among the
// parents, as a plain morphTo does; below it, each relation of a type's
// On runs one statement per level, over the targets of that type only.
// Types without an On load plainly. An On for a type that is not a target
// of r is an error matching rel.ErrBadRelation before any statement.
//
// Given to [With] the targets are read afresh; given to [Missing] the
// targets already loaded are kept and only their missing relations are
// loaded (Laravel's Collection::loadMorph and loadMorphCount, when the
// aggregate is given as a constraint of a freshly read target).
func Morph[P any](r rel.MorphToRelation[P], on ...MorphOn) MorphSpec[P] {
	return MorphSpec[P]{r: r, on: on}
}

// ParentKey returns the parent's id column (see rel.MorphToRelation).
func (s MorphSpec[P]) ParentKey(parent *P) (any, bool, error) { return s.r.ParentKey(parent) }

func (s MorphSpec[P]) steps() []step {
	st := step{m: relmeta.Of(s.r), morph: make([]onStep, 0, len(s.on))}
	for _, o := range s.on {
		if o == nil {
			st.err = firstErr(st.err, fmt.Errorf("load morph: nil On: %w", sqlt.ErrNilValue))
			continue
		}
		st.morph = append(st.morph, o.morphOn())
	}
	return []step{st}
}

// OnSpec is the settings of the target type T of a [Morph]: made by [On].
// It is immutable and safe for concurrent use.
type OnSpec[T any] struct {
	specs []Of[T]
	where func(*query.Query[T]) *query.Query[T]
	err   error
}

// On gives the target type T of a [Morph] the relations to load on its
// rows: relations declared on T or specs made from them ([Nested],
// [Where], [Columns], another Morph), each loaded as [With] loads it, one
// statement per relation level over the targets of type T (Laravel's
// morphWith([Post::class => ['author']])). A spec for another type does
// not compile.
func On[T any](specs ...Of[T]) OnSpec[T] {
	return OnSpec[T]{specs: specs}
}

// Where returns a copy of o whose type's statement is narrowed by fn
// (Laravel's constrain): fn receives the query of the T rows already
// scoped to the parents' ids and to the morphTo's own Where, and returns
// it with conditions, joins or columns added. An aggregate applied there
// (q.Apply(agg.WithCount(PostComments)), Laravel's morphWithCount) is
// read by the same statement. A target filtered out is nil, as a missing
// one is. A Limit or Offset is refused (as on any belongsTo) before any
// statement. Where again chains the functions: the earlier one runs
// first.
func (o OnSpec[T]) Where(fn func(*query.Query[T]) *query.Query[T]) OnSpec[T] {
	if fn == nil {
		o.err = firstErr(o.err, fmt.Errorf("load on %s: where: nil function: %w", reflect.TypeFor[T]().Name(), sqlt.ErrNilValue))
		return o
	}
	if prev := o.where; prev != nil {
		o.where = func(q *query.Query[T]) *query.Query[T] {
			if q = prev(q); q == nil {
				return nil
			}
			return fn(q)
		}
	} else {
		o.where = fn
	}
	return o
}

func (o OnSpec[T]) morphOn() onStep {
	s := onStep{t: reflect.TypeFor[T](), err: o.err, chains: make([][]step, len(o.specs))}
	for i, sp := range o.specs {
		s.chains[i] = stepsOf(sp)
	}
	if o.where != nil {
		s.where = constrainWith(o.where)
	}
	return s
}

// isMorph reports whether n loads a morphTo.
func isMorph(n *node) bool { return n.m.Kind == relmeta.KindMorphTo }

// morphTargets gives the morphTo node n its target nodes, one per declared
// target, each a belongsTo into the target's field (or into the
// morphTo's interface field, then read as a pointer).
func morphTargets(n *node) {
	m := n.m
	n.targets = make([]*node, len(m.Targets))
	for i, t := range m.Targets {
		if m.Dest != nil {
			t = t.Clone()
			t.Dest, t.DestShape = m.Dest, relmeta.DestPtr
		}
		n.targets[i] = &node{m: t, path: n.path + "[" + t.MorphClass + "]"}
	}
}

// addOn merges the settings o of one target type into the morphTo node n.
func addOn(n *node, o onStep) error {
	if o.err != nil {
		return o.err
	}
	k := -1
	for i, t := range n.m.Targets {
		if t.Related.Type == o.t {
			k = i
			break
		}
	}
	if k < 0 {
		names := make([]string, len(n.m.Targets))
		for i, t := range n.m.Targets {
			names[i] = t.Related.Type.Name()
		}
		return fmt.Errorf("load %s: On[%s]: %s is not a target of %s (targets: %s): %w", n.path, o.t.Name(), o.t.Name(), n.m, strings.Join(names, ", "), rel.ErrBadRelation)
	}
	tn := n.targets[k]
	if o.where != nil {
		tn.where = o.where
	}
	for _, c := range o.chains {
		if err := addChain(&tn.children, o.t, c, tn.path); err != nil {
			return err
		}
	}
	return nil
}

// fetchMorph runs the statements of the morphTo node n for the parents
// ps: each target type's level (with the levels below it) over the
// parents of that type. The returned level's sub are the target levels;
// mt and mp place each parent in them.
func fetchMorph(ctx context.Context, ex sqlt.Executor, n *node, ps parentSet) (*level, error) {
	lv := &level{n: n, parents: ps}
	order, byType, err := bucketMorph(n, ps, &lv.mt, &lv.mp)
	if err != nil {
		return nil, err
	}
	lv.sub = make([]*level, len(n.targets))
	for _, k := range order {
		sub, err := fetch(ctx, ex, n.targets[k], pointers(n.m.Parent.Type, byType[k]))
		if err != nil {
			return nil, err
		}
		lv.sub[k] = sub
	}
	return lv, nil
}

// bucketMorph groups the parents ps of the morphTo node n by target, in
// order of first appearance: order holds the targets' indexes, byType
// each one's parents; *mt and *mp (when not nil) get, per parent, its
// target's index (-1: none) and its place among that target's parents.
func bucketMorph(n *node, ps parentSet, mt, mp *[]int32) (order []int, byType map[int][]reflect.Value, err error) {
	m := n.m
	byType = map[int][]reflect.Value{}
	if mt != nil {
		*mt, *mp = make([]int32, ps.len()), make([]int32, ps.len())
	}
	for i := 0; i < ps.len(); i++ {
		p := ps.at(i)
		k := -1
		class, err := m.MorphTypeOf(p)
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: parent %d: %s: %w", n.path, i, m.MorphType, err)
		}
		if class != "" {
			for j, t := range m.Targets {
				if t.MorphClass == class {
					k = j
					break
				}
			}
			if k < 0 {
				return nil, nil, fmt.Errorf("load %s: %w", n.path, &rel.UnknownMorphTypeError{Relation: m.Parent.Type.Name() + "." + m.Name, Type: class})
			}
			if _, seen := byType[k]; !seen {
				order = append(order, k)
			}
		}
		if mt != nil {
			(*mt)[i] = int32(k)
			if k >= 0 {
				(*mp)[i] = int32(len(byType[k]))
			}
		}
		if k >= 0 {
			byType[k] = append(byType[k], p)
		}
	}
	return order, byType, nil
}

// assignMorph writes a morphTo level: every target's field of every
// parent is cleared, then each target level is assigned (its own levels
// first) into the parents of its type.
func (lv *level) assignMorph() {
	m := lv.n.m
	for i := 0; i < lv.parents.len(); i++ {
		p := lv.parents.at(i)
		for _, d := range dests(m) {
			schema.FieldAt(p, d).SetZero()
		}
	}
	for _, s := range lv.sub {
		if s != nil {
			s.assign()
		}
	}
}

// splitPlaced splits at, where the parents of a morphTo level (or visit)
// ended up, into where each target's parents did.
func splitPlaced(at []placed, mt, mp []int32, ntargets int) [][]placed {
	out := make([][]placed, ntargets)
	for _, p := range at {
		if k := mt[p.i]; k >= 0 {
			out[k] = append(out[k], placed{p.v, mp[p.i]})
		}
	}
	return out
}

// dests are the destination fields a load of m writes: a morphTo's
// targets' (or its one interface field), else m's.
func dests(m *relmeta.Meta) [][]int {
	if m.Kind != relmeta.KindMorphTo || m.Dest != nil {
		return [][]int{m.Dest}
	}
	out := make([][]int, len(m.Targets))
	for i, t := range m.Targets {
		out[i] = t.Dest
	}
	return out
}

// errMorphNested refuses a chain that continues below a morphTo, whose
// rows are of several types.
var errMorphNested = errors.New("a chain cannot continue below a morphTo, whose rows are of several types (load each type's relations with load.Morph and load.On[T])")

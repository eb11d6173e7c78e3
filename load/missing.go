package load

import (
	"context"
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/parentset"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/sqlt"
)

// Missing loads the relations of specs that are not loaded yet (Laravel's
// loadMissing): each level of a spec runs on the parents whose field for
// it is not loaded, then descends into the values of every parent, those
// loaded before and those loaded now.
//
//	err := load.Missing(ctx, db, posts, load.Nested(PostComments, CommentParent))
//
// A field is loaded unless it is nil (a to-many slice or a to-one
// pointer) or the zero value (a to-one value field); a non-nil empty
// slice is loaded, so whatever a load wrote counts as loaded. A to-one
// pointer left nil because no row matched is asked again, with the keys
// of those parents only. Values already loaded are left exactly as they
// are (the same slice, neither replaced nor merged); WithDefault values
// count as loaded, and Missing does not descend into them (they were
// never saved).
//
// Specs are those of [With] (relations, [Nested], [Where], [Columns],
// [Morph]: a morphTo's targets already loaded are kept, its per-type
// relations loaded where missing, Laravel's loadMorph),
// checked before any statement. A level runs one statement if at least
// one of its not-loaded parents has a non-NULL key, none otherwise, so a
// second Missing of the same specs runs nothing. Nothing is written into
// the parents unless every statement succeeds.
func Missing[P any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, specs ...Of[P]) error {
	chains := make([][]step, len(specs))
	for i, s := range specs {
		chains[i] = stepsOf(s)
	}
	t := reflect.TypeFor[P]()
	roots, err := buildTree(t, chains)
	if err != nil {
		return fmt.Errorf("load missing: %w", err)
	}
	return runMissing(ctx, ex, parents, t, roots)
}

// MissingPaths is [Missing] for relations named by strings, resolved as
// [Paths] resolves them: an unknown relation, an unmapped column or a
// malformed path is a *PathError before any statement, and nothing is
// written.
//
//	err := load.MissingPaths(ctx, db, posts, "comments.parent", "author:id,name")
func MissingPaths(ctx context.Context, ex sqlt.Executor, parents any, paths ...string) error {
	t, err := elemType(parents)
	if err != nil {
		return fmt.Errorf("load missing: %w", err)
	}
	roots, err := parsePaths(t, paths)
	if err != nil {
		return err
	}
	return runMissing(ctx, ex, parents, t, roots)
}

// runMissing fetches every level first and assigns them afterwards,
// deepest first (as run does: a to-one value copied into its parent
// carries its own relations), then sets the back-references where the
// values ended up.
func runMissing(ctx context.Context, ex sqlt.Executor, parents any, t reflect.Type, roots []*node) error {
	ps, err := prepare(ctx, ex, parents, t, roots)
	if err != nil || ps.len() == 0 || len(roots) == 0 {
		return err
	}
	visits := make([]*visit, len(roots))
	for i, n := range roots {
		if visits[i], err = missing(ctx, ex, n, ps); err != nil {
			return err
		}
	}
	for _, v := range visits {
		v.assign()
	}
	var at []placed
	for _, v := range visits {
		if v.n.chaperoned() {
			if at == nil {
				at = everyParent(ps)
			}
			v.adoptAll(at)
		}
	}
	return nil
}

// visit is one node of a Missing over one set of parents ps: the level
// read for the parents that had not loaded it, and the visits of its
// children over the values of all of them.
type visit struct {
	n     *node
	lv    *level          // nil: every parent had loaded n
	todo  []int32         // ps index → index in lv's parents; -1: loaded already
	old   []reflect.Value // the values loaded before, in place: the first parents below
	below []*visit
	// A morphTo's: below holds one visit per target (nil: no parent of
	// that type), over the parents of its type; mt and mp place each
	// parent in them (see bucketMorph).
	mt, mp []int32
}

// missing fetches n (without its subtree) for the parents of ps that have
// not loaded it, then its children for the values of all of them.
func missing(ctx context.Context, ex sqlt.Executor, n *node, ps parentSet) (*visit, error) {
	if isMorph(n) {
		return missingMorph(ctx, ex, n, ps)
	}
	m := n.m
	v := &visit{n: n, todo: make([]int32, ps.len())}
	var todo []reflect.Value
	for i := 0; i < ps.len(); i++ {
		p := ps.at(i)
		dest := schema.FieldAt(p, m.Dest)
		v.todo[i] = -1
		if !isLoaded(m, dest) {
			v.todo[i] = int32(len(todo))
			todo = append(todo, p)
		} else if len(n.children) > 0 {
			v.old = loadedValues(v.old, m, dest)
		}
	}
	below := v.old[:len(v.old):len(v.old)]
	if len(todo) > 0 {
		level := *n
		level.children = nil // the rows read now are loaded below, with the others
		lv, err := fetch(ctx, ex, &level, pointers(m.Parent.Type, todo))
		if err != nil {
			return nil, err
		}
		v.lv = lv
		rows := lv.rowSet()
		for i := 0; i < rows.len(); i++ {
			below = append(below, rows.at(i))
		}
	}
	if len(below) == 0 {
		return v, nil
	}
	next := pointers(m.Related.Type, below)
	for _, c := range n.children {
		cv, err := missing(ctx, ex, c, next)
		if err != nil {
			return nil, err
		}
		v.below = append(v.below, cv)
	}
	return v, nil
}

// assign assigns the levels of v, deepest first.
func (v *visit) assign() {
	for _, b := range v.below {
		if b == nil {
			continue // a morphTo's target with no parent
		}
		b.assign()
	}
	if v.lv != nil {
		v.lv.assign()
	}
}

// missingMorph is missing for a morphTo node: each target's visit over
// the parents of its type, which loads the target where its field is not
// loaded and descends into every target of that type, those loaded before
// and those loaded now (Laravel's loadMorph).
func missingMorph(ctx context.Context, ex sqlt.Executor, n *node, ps parentSet) (*visit, error) {
	v := &visit{n: n, below: make([]*visit, len(n.targets))}
	order, byType, err := bucketMorph(n, ps, &v.mt, &v.mp)
	if err != nil {
		return nil, err
	}
	for _, k := range order {
		tv, err := missing(ctx, ex, n.targets[k], pointers(n.m.Parent.Type, byType[k]))
		if err != nil {
			return nil, err
		}
		v.below[k] = tv
	}
	return v, nil
}

// adoptAll is level.adoptAll for a Missing: at is where the parents of v
// ended up. Only the values read now get back-references; the parents
// below are the values loaded before (in place), then the rows read.
func (v *visit) adoptAll(at []placed) {
	if isMorph(v.n) {
		for k, p := range splitPlaced(at, v.mt, v.mp, len(v.below)) {
			if b := v.below[k]; b != nil && b.n.chaperoned() {
				b.adoptAll(p)
			}
		}
		return
	}
	var mine []placed // where lv's parents ended up
	if v.lv != nil {
		for _, p := range at {
			if k := v.todo[p.i]; k >= 0 {
				mine = append(mine, placed{p.v, k})
			}
		}
		v.lv.adopt(mine)
	}
	var next []placed
	for _, b := range v.below {
		if !b.n.chaperoned() {
			continue
		}
		if next == nil {
			next = make([]placed, len(v.old))
			for i, o := range v.old {
				next[i] = placed{o, int32(i)}
			}
			if v.lv != nil {
				for _, r := range v.lv.placedRows(mine) {
					next = append(next, placed{r.v, r.i + int32(len(v.old))})
				}
			}
		}
		b.adoptAll(next)
	}
}

// isLoaded is the rule of "loaded" (CONTRACT-ELOQUENT DECISION 20.1): a
// slice or pointer that is not nil, a value that is not the zero value.
func isLoaded(m *relmeta.Meta, dest reflect.Value) bool {
	if m.DestShape == relmeta.DestValue {
		return !dest.IsZero()
	}
	return !dest.IsNil()
}

// loadedValues appends the related structs held by dest, a loaded
// destination of m, addressable; a WithDefault value (a to-one value whose
// primary key is zero, when m has a default) is skipped.
func loadedValues(out []reflect.Value, m *relmeta.Meta, dest reflect.Value) []reflect.Value {
	switch m.DestShape {
	case relmeta.DestSlice:
		for k := 0; k < dest.Len(); k++ {
			out = append(out, dest.Index(k))
		}
		return out
	case relmeta.DestSlicePtr:
		for k := 0; k < dest.Len(); k++ {
			if e := dest.Index(k); !e.IsNil() {
				out = append(out, e.Elem())
			}
		}
		return out
	case relmeta.DestPtr:
		if dest.Kind() == reflect.Interface { // a morphTo's interface field
			if dest = dest.Elem(); dest.Type() != reflect.PointerTo(m.Related.Type) {
				return out // a target of another type
			}
		}
		dest = dest.Elem()
	}
	if pk := m.Related.PK; m.Default != nil && pk != nil && pk.Get(dest).IsZero() {
		return out
	}
	return append(out, dest)
}

// pointers makes a parentSet of pointers to vals, addressable structs of
// type t, so that a level assigns into them where they are.
func pointers(t reflect.Type, vals []reflect.Value) parentSet {
	s := reflect.MakeSlice(reflect.SliceOf(reflect.PointerTo(t)), len(vals), len(vals))
	for i, v := range vals {
		s.Index(i).Set(v.Addr())
	}
	return parentSet{v: s, ptr: true}
}

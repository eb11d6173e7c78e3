package load

import (
	"context"
	"errors"
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
// Specs are those of [With] (relations, [Nested], [Where], [Columns]),
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
// carries its own relations).
func runMissing(ctx context.Context, ex sqlt.Executor, parents any, t reflect.Type, roots []*node) error {
	ps, err := prepare(ctx, ex, parents, t, roots)
	if err != nil || ps.len() == 0 || len(roots) == 0 {
		return err
	}
	var levels []*level
	for _, n := range roots {
		if isMorph(n) {
			return fmt.Errorf("load missing %s: morphTo is not supported by Missing (use With): %w", n.path, errors.ErrUnsupported)
		}
		if levels, err = missing(ctx, ex, n, ps, levels); err != nil {
			return err
		}
	}
	for i := len(levels) - 1; i >= 0; i-- {
		levels[i].assign()
	}
	return nil
}

// missing fetches n (without its subtree) for the parents of ps that have
// not loaded it, then its children for the values of all of them; it
// appends the levels to levels, each after the level its parents come from.
func missing(ctx context.Context, ex sqlt.Executor, n *node, ps parentSet, levels []*level) ([]*level, error) {
	m := n.m
	var todo, below []reflect.Value
	for i := 0; i < ps.len(); i++ {
		p := ps.at(i)
		dest := schema.FieldAt(p, m.Dest)
		if !isLoaded(m, dest) {
			todo = append(todo, p)
		} else if len(n.children) > 0 {
			below = loadedValues(below, m, dest)
		}
	}
	if len(todo) > 0 {
		level := *n
		level.children = nil // the rows read now are loaded below, with the others
		lv, err := fetch(ctx, ex, &level, pointers(m.Parent.Type, todo))
		if err != nil {
			return nil, err
		}
		levels = append(levels, lv)
		rows := lv.rowSet()
		for i := 0; i < rows.len(); i++ {
			below = append(below, rows.at(i))
		}
	}
	if len(below) == 0 {
		return levels, nil
	}
	next := pointers(m.Related.Type, below)
	for _, c := range n.children {
		var err error
		if levels, err = missing(ctx, ex, c, next, levels); err != nil {
			return nil, err
		}
	}
	return levels, nil
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

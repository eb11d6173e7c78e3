package load

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// A morphTo (rel.MorphTo) loads as one belongsTo level per target type
// present among the parents, in order of first appearance (Laravel's
// MorphTo::getEager), each over the parents of that type. Rows with an
// empty type or a NULL id point at nothing; a type that is no target's
// alias fails the load before any statement (DECISION 17.5).

// isMorph reports whether n loads a morphTo.
func isMorph(n *node) bool { return n.m.Kind == relmeta.KindMorphTo }

// readyMorph checks a morphTo node before any statement: names that the
// database would truncate, on each target.
func readyMorph(d sqlt.Dialect, n *node) error {
	for _, t := range n.m.Targets {
		if err := names.Fit(d, t.Related, nil); err != nil {
			return fmt.Errorf("load %s: %w", n.path, err)
		}
	}
	return nil
}

// fetchMorph runs the statements of the morphTo node n for the parents ps
// and returns the function that writes the targets into them.
func fetchMorph(ctx context.Context, ex sqlt.Executor, n *node, ps parentSet) (func(), error) {
	m := n.m
	// Bucket the parents by type, in order of first appearance.
	var order []*relmeta.Meta
	byType := map[*relmeta.Meta][]reflect.Value{}
	for i := 0; i < ps.len(); i++ {
		p := ps.at(i)
		class, err := m.MorphTypeOf(p)
		if err != nil {
			return nil, fmt.Errorf("load %s: parent %d: %s: %w", n.path, i, m.MorphType, err)
		}
		if class == "" {
			continue
		}
		t := m.MorphTarget(class)
		if t == nil {
			return nil, fmt.Errorf("load %s: %w", n.path, &rel.UnknownMorphTypeError{Relation: m.Parent.Type.Name() + "." + m.Name, Type: class})
		}
		if _, seen := byType[t]; !seen {
			order = append(order, t)
		}
		byType[t] = append(byType[t], p)
	}
	levels := make([]*level, 0, len(order))
	for _, t := range order {
		lv, err := fetch(ctx, ex, &node{m: t, path: n.path + "[" + t.MorphClass + "]", need: []string{t.OwnerKey}}, pointers(m.Parent.Type, byType[t]))
		if err != nil {
			return nil, err
		}
		levels = append(levels, lv)
	}
	return func() {
		// Every target's field is cleared, then each level's parents get
		// their row (or nil).
		for i := 0; i < ps.len(); i++ {
			p := ps.at(i)
			if m.Dest != nil {
				schema.FieldAt(p, m.Dest).SetZero()
				continue
			}
			for _, t := range m.Targets {
				schema.FieldAt(p, t.Dest).SetZero()
			}
		}
		for _, lv := range levels {
			lv.assignMorph(m)
		}
	}, nil
}

// assignMorph writes a morphTo target level's rows into its parents: into
// the morphTo's interface field, else the target's own.
func (lv *level) assignMorph(m *relmeta.Meta) {
	t := lv.n.m
	for i := 0; i < lv.parents.len(); i++ {
		if lv.pg == nil || lv.pg[i] < 0 || lv.first == nil || lv.first[lv.pg[i]] < 0 {
			continue // a NULL id, or a missing target: nil
		}
		row := lv.rows.at(int(lv.first[lv.pg[i]]))
		p := lv.parents.at(i)
		switch {
		case m.Dest != nil:
			schema.FieldAt(p, m.Dest).Set(row.Addr())
		case t.DestShape == relmeta.DestPtr:
			schema.FieldAt(p, t.Dest).Set(row.Addr())
		default:
			schema.FieldAt(p, t.Dest).Set(row)
		}
	}
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
var errMorphNested = errors.New("nested relations below a morphTo are not supported (load each target's relations on the loaded targets)")

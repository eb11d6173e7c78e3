package load

import (
	"reflect"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
)

// adopt sets the back-reference of every value in dest, the destination
// field of m (a relation with a chaperone) on the parent that parent
// points to: the elements of a slice (in place, so the parent's slice and
// any other holder of its backing array see it), the pointee of a
// pointer, or the field itself for a value (left alone when it is zero:
// nothing was loaded).
func adopt(m *relmeta.Meta, dest, parent reflect.Value) {
	switch m.DestShape {
	case relmeta.DestSlice:
		for k := 0; k < dest.Len(); k++ {
			m.Chaperone(dest.Index(k).Addr(), parent)
		}
	case relmeta.DestSlicePtr:
		for k := 0; k < dest.Len(); k++ {
			if e := dest.Index(k); !e.IsNil() {
				m.Chaperone(e, parent)
			}
		}
	case relmeta.DestPtr:
		if !dest.IsNil() {
			m.Chaperone(dest, parent)
		}
	case relmeta.DestValue:
		if !dest.IsZero() {
			m.Chaperone(dest.Addr(), parent)
		}
	}
}

// placed is where a parent of a level ended up once every level is
// assigned: v is parents.at(i), or for a row of a to-one value level a
// copy of it in the field of a parent above.
type placed struct {
	v reflect.Value
	i int32
}

// everyParent places every parent of ps where it is (the caller's parents).
func everyParent(ps parentSet) []placed {
	out := make([]placed, ps.len())
	for i := range out {
		out[i] = placed{ps.at(i), int32(i)}
	}
	return out
}

// chaperoned tells whether n or a node below it has a chaperone.
func (n *node) chaperoned() bool {
	if n.m.Chaperone != nil {
		return true
	}
	for _, c := range n.targets {
		if c.chaperoned() {
			return true
		}
	}
	for _, c := range n.children {
		if c.chaperoned() {
			return true
		}
	}
	return false
}

// adoptAll sets the back-references of lv and of the levels below it, once
// every level is assigned: at is where lv's parents ended up. Assigning
// deepest first copies a to-one value into its parent after the level
// below was assigned into the row read, so back-references are set here,
// walking from the roots, each child pointing at its parent where the
// parent is kept, and each ChaperoneFunc called once per parent.
func (lv *level) adoptAll(at []placed) {
	if isMorph(lv.n) {
		for k, p := range splitPlaced(at, lv.mt, lv.mp, len(lv.sub)) {
			if s := lv.sub[k]; s != nil && s.n.chaperoned() {
				s.adoptAll(p)
			}
		}
		return
	}
	lv.adopt(at)
	var rows []placed
	for _, s := range lv.sub {
		if s.n.chaperoned() {
			if rows == nil {
				rows = lv.placedRows(at)
			}
			s.adoptAll(rows)
		}
	}
}

// adopt sets the back-references of lv's relation, if it has a chaperone,
// on the values held by the parents at.
func (lv *level) adopt(at []placed) {
	m := lv.n.m
	if m.Chaperone == nil {
		return
	}
	for _, p := range at {
		adopt(m, schema.FieldAt(p.v, m.Dest), p.v.Addr())
	}
}

// placedRows returns where the rows of lv (the parents of the levels below)
// ended up, given at, where its parents did: the rows themselves, which
// the parents point into, or for a to-one value field the copy of the row
// in each parent that got one.
func (lv *level) placedRows(at []placed) []placed {
	m := lv.n.m
	if m.DestShape != relmeta.DestValue {
		return everyParent(lv.rowSet())
	}
	out := make([]placed, 0, len(at))
	for _, p := range at {
		if j := lv.row(int(p.i)); j >= 0 {
			out = append(out, placed{schema.FieldAt(p.v, m.Dest), j})
		}
	}
	return out
}

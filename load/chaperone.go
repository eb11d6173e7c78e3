package load

import (
	"reflect"

	"github.com/relkit/relkit/internal/relmeta"
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

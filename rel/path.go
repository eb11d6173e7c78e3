package rel

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// Path is a chain of relations, each declared on the related type of the
// one before: posts → comments → images. Make one with [ChainOf] or
// [ParsePath]; the zero Path is empty.
type Path struct{ metas []*relmeta.Meta }

// ChainOf builds a Path from relations given in order, checking that each
// one starts where the previous one ends.
func ChainOf(rels ...Relation) (Path, error) {
	if len(rels) == 0 {
		return Path{}, fmt.Errorf("relation path: empty: %w", ErrBadRelation)
	}
	p := make([]*relmeta.Meta, 0, len(rels))
	for i, r := range rels {
		if r == nil {
			return Path{}, fmt.Errorf("relation path: element %d is nil: %w", i, sqlt.ErrNilValue)
		}
		m := metaOf(r)
		if err := m.Err(); err != nil {
			return Path{}, err
		}
		if i > 0 && p[i-1].Related.Type != m.Parent.Type {
			return Path{}, fmt.Errorf("relation path: %s does not start at %s: %w", m, p[i-1].Related.Type.Name(), ErrBadRelation)
		}
		p = append(p, m)
	}
	return Path{p}, nil
}

// ParsePath resolves a dotted path of relation names ("comments.images")
// starting at parent, through the registry. Unknown names give an
// *UnknownRelationError; empty segments or other characters are rejected.
func ParsePath(parent reflect.Type, path string) (Path, error) {
	for parent != nil && parent.Kind() == reflect.Pointer {
		parent = parent.Elem()
	}
	if parent == nil {
		return Path{}, fmt.Errorf("relation path %q: nil type: %w", path, sqlt.ErrNilValue)
	}
	segs := strings.Split(path, ".")
	p := make([]*relmeta.Meta, 0, len(segs))
	cur := parent
	for i, s := range segs {
		if !sqltext.ValidIdentifier(s) {
			return Path{}, fmt.Errorf("relation path %q: %w", path, &sqlt.InvalidIdentifierError{Ident: s})
		}
		r, err := Lookup(cur, s)
		if err != nil {
			return Path{}, fmt.Errorf("relation path %q: %w", path, err)
		}
		m := r.meta()
		p = append(p, m)
		if m.Kind == relmeta.KindMorphTo {
			if i < len(segs)-1 {
				return Path{}, fmt.Errorf("relation path %q: %s: nothing can follow a morphTo, whose rows are of several types: %w", path, m, ErrBadRelation)
			}
			break
		}
		cur = m.Related.Type
	}
	return Path{p}, nil
}

// String renders the path as dotted relation names.
func (p Path) String() string {
	names := make([]string, len(p.metas))
	for i, m := range p.metas {
		names[i] = m.Name
	}
	return strings.Join(names, ".")
}

// Len returns the number of relations in the path.
func (p Path) Len() int { return len(p.metas) }

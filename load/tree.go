package load

import (
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// node is one relation to load at one level of a load call, with the
// relations to load on its rows below it. Nodes are built afresh for every
// call (specs are shared and immutable), merged by relation: specs that
// share a prefix share its statements.
type node struct {
	m        *relmeta.Meta
	path     string // dotted relation names from the root, for errors
	cols     []string
	where    constraint
	cons     *render.Select // where's parts, set before the statements run (prepare)
	children []*node
	targets  []*node  // a morphTo's: one belongsTo node per declared target, in order
	need     []string // columns of the related model that stitching needs
}

// buildTree checks every chain against the parent type and merges them
// into a forest. Every error of a spec's shape is reported here, before
// any statement runs; its constraints run in prepare, also before any
// statement.
func buildTree(parent reflect.Type, chains [][]step) ([]*node, error) {
	var roots []*node
	for _, chain := range chains {
		if err := addChain(&roots, parent, chain, ""); err != nil {
			return nil, err
		}
	}
	for _, n := range roots {
		n.finish()
	}
	return roots, nil
}

// addChain merges chain, starting at type at, into the nodes *list, whose
// parent's path is path ("" at the roots).
func addChain(list *[]*node, at reflect.Type, chain []step, path string) error {
	for i, st := range chain {
		if st.err != nil {
			return st.err
		}
		m := st.m
		if err := m.DestErr(); err != nil {
			return err
		}
		if m.Parent.Type != at {
			if i == 0 && path == "" {
				return fmt.Errorf("relation %s is declared on %s, not on %s: %w", m, m.Parent.Type.Name(), at.Name(), rel.ErrBadRelation)
			}
			if i == 0 {
				return fmt.Errorf("relation %s under %s is declared on %s, not on %s: %w", m, path, m.Parent.Type.Name(), at.Name(), rel.ErrBadRelation)
			}
			return fmt.Errorf("nested relation %s does not start at %s, where %s ends: %w", m, at.Name(), path, rel.ErrBadRelation)
		}
		if path == "" {
			path = m.Name
		} else {
			path += "." + m.Name
		}
		var n *node
		for _, c := range *list {
			if c.m == m {
				n = c
				break
			}
		}
		if n == nil {
			n = &node{m: m, path: path}
			if m.Kind == relmeta.KindMorphTo {
				morphTargets(n)
			}
			*list = append(*list, n)
		}
		// A later explicit setting wins; a plain step keeps what an
		// earlier spec asked for (posts:id,title and posts.comments).
		if st.cols != nil {
			n.cols = st.cols
		}
		if st.where != nil {
			n.where = st.where
		}
		if m.Kind == relmeta.KindMorphTo {
			if i < len(chain)-1 {
				return fmt.Errorf("load %s: %w: %w", path, errMorphNested, rel.ErrBadRelation)
			}
			for _, o := range st.morph {
				if err := addOn(n, o); err != nil {
					return err
				}
			}
			return nil
		}
		at = m.Related.Type
		list = &n.children
	}
	return nil
}

// finish computes, for the whole subtree, the related columns the loader
// needs whatever columns were chosen: the key matched against the parents
// and the keys the nested relations start from.
func (n *node) finish() {
	m := n.m
	switch m.Kind {
	case relmeta.KindMorphTo:
		for _, t := range n.targets {
			t.finish()
		}
		return
	case relmeta.KindHasOne, relmeta.KindHasMany:
		n.need = append(n.need, m.ForeignKey)
	case relmeta.KindBelongsTo:
		n.need = append(n.need, m.OwnerKey)
	case relmeta.KindHasOneThrough, relmeta.KindHasManyThrough:
		// Matched on the through key, read as names.ThroughKey.
	case relmeta.KindBelongsToMany:
		// Matched on the pivot key, which is always read; the related key
		// keeps the loaded rows usable (pivot.Sync, Related).
		n.need = append(n.need, m.RelatedKey)
	}
	for _, c := range n.children {
		n.need = appendUnique(n.need, c.m.ParentKeyColumn())
		if c.m.Kind == relmeta.KindMorphTo {
			n.need = appendUnique(n.need, c.m.MorphType)
		}
		c.finish()
	}
}

// parentSet is the rows a level loads into: a slice of structs or of
// pointers to structs, or the rows a level above read; elements
// addressable.
type parentSet struct {
	v    reflect.Value
	ptr  bool
	rows *rowStore
}

func (s parentSet) len() int {
	if s.rows != nil {
		return s.rows.n
	}
	if !s.v.IsValid() {
		return 0
	}
	return s.v.Len()
}

func (s parentSet) at(i int) reflect.Value {
	if s.rows != nil {
		return s.rows.at(i)
	}
	e := s.v.Index(i)
	if s.ptr {
		e = e.Elem()
	}
	return e
}

// setOf turns the parents argument (a []P, []*P, *[]P or *P, or a named
// slice type) into a parentSet of struct type t. nil elements are errors.
func setOf(parents any, t reflect.Type) (parentSet, error) {
	v := reflect.ValueOf(parents)
	if !v.IsValid() {
		return parentSet{}, fmt.Errorf("nil parents: %w", sqlt.ErrNilValue)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return parentSet{}, fmt.Errorf("nil %s: %w", v.Type(), sqlt.ErrNilValue)
		}
		if v.Type().Elem() == t {
			one := reflect.MakeSlice(reflect.SliceOf(v.Type()), 1, 1)
			one.Index(0).Set(v)
			return parentSet{v: one, ptr: true}, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Slice {
		return parentSet{}, fmt.Errorf("parents of type %T: want []%s, []*%s, *[]%s or *%s: %w", parents, t.Name(), t.Name(), t.Name(), t.Name(), sqlt.ErrNotStruct)
	}
	switch et := v.Type().Elem(); {
	case et == t:
		return parentSet{v: v}, nil
	case et.Kind() == reflect.Pointer && et.Elem() == t:
		for i := 0; i < v.Len(); i++ {
			if v.Index(i).IsNil() {
				return parentSet{}, fmt.Errorf("parent %d is nil: %w", i, sqlt.ErrNilValue)
			}
		}
		return parentSet{v: v, ptr: true}, nil
	}
	return parentSet{}, fmt.Errorf("parents of type %T: want []%s, []*%s, *[]%s or *%s: %w", parents, t.Name(), t.Name(), t.Name(), t.Name(), sqlt.ErrNotStruct)
}

// elemType returns the struct type of a parents argument given as any
// (for string paths, where P is not known statically).
func elemType(parents any) (reflect.Type, error) {
	t := reflect.TypeOf(parents)
	if t == nil {
		return nil, fmt.Errorf("nil parents: %w", sqlt.ErrNilValue)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Slice {
		t = t.Elem()
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("parents of type %T: want a slice of structs, of pointers to structs, or a pointer to either: %w", parents, sqlt.ErrNotStruct)
	}
	return t, nil
}

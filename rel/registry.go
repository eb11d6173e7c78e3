package rel

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/relkit/relkit/internal/errtext"
	"github.com/relkit/relkit/internal/relmeta"
)

// ErrUnknownRelation is matched by *UnknownRelationError.
var ErrUnknownRelation = errors.New("relkit: unknown relation")

// UnknownRelationError reports a relation name that is not declared on a
// type. Known lists the names that are.
type UnknownRelationError struct {
	Type  string
	Name  string
	Known []string
}

// Error names the type, the relation asked for and the known ones.
func (e *UnknownRelationError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("relkit: %s has no relation %q (known: %s)", e.Type, errtext.Clip(e.Name), known)
}

// Is reports whether target is ErrUnknownRelation.
func (e *UnknownRelationError) Is(target error) bool { return target == ErrUnknownRelation }

// ErrNameConflict is matched by the error of a name registered on one type
// for two different relations: Check reports it, and every lookup of that
// name fails with it.
var ErrNameConflict = errors.New("relkit: relation name declared for different relations")

// The registry maps (parent type, relation name) to the relations declared
// under that name, for string paths ("posts.comments") and the by-name
// forms of other packages. Its rules, stated in the package documentation:
// a relation is registered by the constructor that declares it under its
// default name, and by Named or Field under the name given (an explicit
// name, which wins over default ones; constrained relations only by
// Named); other builder methods register nothing. A name is resolved at
// each lookup, so uses by name may be made before the declaration; a name
// that would resolve to two different relations is an error.
var registry struct {
	sync.RWMutex
	m map[reflect.Type]map[string]*entry
}

// entry holds the relations registered under one name of one type, at
// most one per distinct description (sig), in registration order.
type entry struct {
	explicit, byDefault []*relmeta.Meta
}

func register(m *relmeta.Meta, explicit bool) {
	if m.Invalid != nil || m.Parent == nil {
		return
	}
	if constrained(m) && !explicit {
		return
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = map[reflect.Type]map[string]*entry{}
	}
	byName := registry.m[m.Parent.Type]
	if byName == nil {
		byName = map[string]*entry{}
		registry.m[m.Parent.Type] = byName
	}
	e := byName[m.Name]
	if e == nil {
		e = &entry{}
		byName[m.Name] = e
	}
	list := &e.byDefault
	if explicit {
		list = &e.explicit
	}
	want := sig(m)
	for _, cur := range *list {
		if sig(cur) == want {
			return // the same relation declared again (a function run twice)
		}
	}
	if len(*list) < 2 { // two are enough to report a conflict
		*list = append(*list, m)
	}
}

// constrained reports whether the relation narrows its rows (Where,
// WherePivot…, WithPivotValue).
func constrained(m *relmeta.Meta) bool {
	return len(m.Wheres) > 0 || len(m.PivotWheres) > 0 || len(m.PivotValues) > 0
}

// sig describes what the relation does, for telling two declarations of
// one name apart: its kind, types, keys, destination and options.
func sig(m *relmeta.Meta) string {
	var b strings.Builder
	if m.Kind == relmeta.KindMorphTo {
		fmt.Fprintf(&b, "%v %v %v|%s %s|%v", m.Kind, m.Parent.Type, m.Name, m.MorphType, m.ForeignKey, m.Dest)
		for _, t := range m.Targets {
			fmt.Fprintf(&b, "|target %v %s %q %v %v", t.Related.Type, t.OwnerKey, t.MorphClass, t.Dest, t.DestShape)
		}
		for _, w := range m.Wheres {
			q, args, err := w.ToSql()
			fmt.Fprintf(&b, "|%s %v %v", q, args, err)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%v %v %v %v|%s %s %s|%s %s %s|%s %s %s %s %s|%v %v %v %s %s %s|%v %v %v|%v %t %t",
		m.Kind, m.Parent.Type, m.Related.Type, m.Name,
		m.ForeignKey, m.LocalKey, m.OwnerKey,
		m.FirstKey, m.SecondKey, m.SecondLocalKey,
		m.PivotTable, m.ForeignPivotKey, m.RelatedPivotKey, m.ParentKey, m.RelatedKey,
		m.PivotColumns, m.PivotValues, m.Timestamps, m.CreatedAtColumn, m.UpdatedAtColumn, m.PivotAs,
		m.PivotWheres, m.PivotOrders, m.Dest,
		m.DestShape, m.Default != nil, m.Chaperone != nil)
	if m.Through != nil {
		fmt.Fprintf(&b, "|through %v", m.Through.Type)
	}
	if m.MorphType != "" {
		fmt.Fprintf(&b, "|morph %s %q", m.MorphType, m.MorphClass)
	}
	for _, w := range m.Wheres {
		q, args, err := w.ToSql()
		fmt.Fprintf(&b, "|%s %v %v", q, args, err)
	}
	if o := m.OfMany; o != nil {
		fmt.Fprintf(&b, "|of many %v", o.Columns)
		for _, f := range o.Filters {
			q, args, err := f.ToSql()
			fmt.Fprintf(&b, "|%s %v %v", q, args, err)
		}
	}
	return b.String()
}

// renamed reports whether m is an ancestor of a relation registered under
// an explicit name without a constraint: the value HasMany[…]("author_id")
// in HasMany[…]("author_id").Named("authored").
func renamed(byName map[string]*entry, m *relmeta.Meta) bool {
	for _, e := range byName {
		for _, x := range e.explicit {
			if constrained(x) {
				continue
			}
			for p := x.From; p != nil; p = p.From {
				if p == m {
					return true
				}
			}
		}
	}
	return false
}

// resolve returns the relation name resolves to on t: the one registered
// under it explicitly, else the one registered under it by default —
// preferring relations not renamed since — or an error if that is not one
// relation. Called with the registry locked for reading.
func resolve(t reflect.Type, name string) (*relmeta.Meta, error) {
	byName := registry.m[t]
	e := byName[name]
	if e == nil {
		return nil, nil
	}
	cands := e.explicit
	if len(cands) == 0 {
		var kept []*relmeta.Meta
		for _, m := range e.byDefault {
			if !renamed(byName, m) {
				kept = append(kept, m)
			}
		}
		cands = e.byDefault
		if len(kept) > 0 {
			cands = kept
		}
	}
	switch len(cands) {
	case 0:
		return nil, nil
	case 1:
		return cands[0], nil
	}
	return nil, fmt.Errorf("%s.%s is declared as %s and as %s: %w", t.Name(), name, describe(cands[0]), describe(cands[1]), ErrNameConflict)
}

// describe tells two relations of one name apart in a conflict error.
func describe(m *relmeta.Meta) string {
	if m.Kind == relmeta.KindMorphTo {
		return m.String() + " (" + m.MorphType + ", " + m.ForeignKey + ")"
	}
	keys := []string{m.ForeignKey, m.LocalKey, m.OwnerKey, m.PivotTable, m.ForeignPivotKey, m.RelatedPivotKey, m.FirstKey, m.SecondKey, m.SecondLocalKey}
	var used []string
	for _, k := range keys {
		if k != "" {
			used = append(used, k)
		}
	}
	s := fmt.Sprintf("%s → %s (%s)", m.Kind, m.Related.Type.Name(), strings.Join(used, ", "))
	if constrained(m) {
		s += " with constraints"
	}
	if m.OfMany != nil {
		s += fmt.Sprintf(" of many %v", m.OfMany.Columns)
	}
	return s
}

// Lookup finds the relation named name on the struct type parent (or a
// pointer to it). An unknown name gives an *UnknownRelationError listing
// the type's relations.
func Lookup(parent reflect.Type, name string) (Relation, error) {
	for parent != nil && parent.Kind() == reflect.Pointer {
		parent = parent.Elem()
	}
	registry.RLock()
	m, err := resolve(parent, name)
	registry.RUnlock()
	if err != nil {
		return nil, err
	}
	if m == nil {
		tn := "<nil>"
		if parent != nil {
			tn = parent.Name()
		}
		return nil, &UnknownRelationError{Type: tn, Name: name, Known: Names(parent)}
	}
	return metaRelation{m}, nil
}

// Find is Lookup for a parent type given as a type parameter.
func Find[P any](name string) (Of[P], error) {
	r, err := Lookup(reflect.TypeFor[P](), name)
	if err != nil {
		return nil, err
	}
	return ofP[P]{relmeta.Of(r)}, nil
}

// Names lists the relation names registered on parent, sorted.
func Names(parent reflect.Type) []string {
	for parent != nil && parent.Kind() == reflect.Pointer {
		parent = parent.Elem()
	}
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m[parent]))
	for n, e := range registry.m[parent] {
		if len(e.explicit)+len(e.byDefault) == 0 {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// metaRelation is a type-erased relation found by name.
type metaRelation struct{ m *relmeta.Meta }

func (r metaRelation) meta() *relmeta.Meta { return r.m }

type ofP[P any] struct{ m *relmeta.Meta }

func (r ofP[P]) meta() *relmeta.Meta { return r.m }

func (r ofP[P]) ParentKey(parent *P) (any, bool, error) {
	if parent == nil {
		return nil, false, fmt.Errorf("relation %s: nil parent: %w", r.m.Name, ErrBadRelation)
	}
	return r.m.ParentKeyOf(reflect.ValueOf(parent))
}

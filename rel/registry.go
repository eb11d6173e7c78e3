package rel

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
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

// The registry maps (parent type, relation name) to the relation declared
// under that name, for string paths ("posts.comments"). Declaring a
// relation registers it:
//   - the first relation declared under a name keeps it; a later
//     declaration of the same name does not replace it, except a value
//     derived from it by a builder method (WithPivot, WithDefault, …), or
//     a relation named explicitly (Named or Field) replacing one that got
//     its name by default;
//   - Named or Field on a relation without constraints moves it to the
//     new name: the relations it was derived from lose their registration,
//     so rel.HasMany[User, Post]().Named("articles") does not also hold
//     "posts". On a constrained relation they keep it, so naming an
//     "active posts" variant of UserPosts leaves "posts" to UserPosts;
//   - a constrained relation never takes a name held by an unconstrained
//     one;
//   - a relation narrowed by Where or WherePivot… is registered only when
//     it has a name of its own (Named or Field), so that "posts" never
//     silently means "active posts";
//   - replacing or moving a registration happens only while packages
//     initialise (package-level var declarations, init functions). At run
//     time a new name can still be registered, but a value derived from a
//     declared relation — PostAuthor.WithDefault(x) inside a handler or a
//     test — never changes what an existing name resolves to.
var registry struct {
	sync.RWMutex
	m map[reflect.Type]map[string]*relmeta.Meta
}

func register(m *relmeta.Meta) {
	if m.Invalid != nil || m.Parent == nil {
		return
	}
	if constrained(m) && !m.Explicit {
		return
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = map[reflect.Type]map[string]*relmeta.Meta{}
	}
	byName := registry.m[m.Parent.Type]
	if byName == nil {
		byName = map[string]*relmeta.Meta{}
		registry.m[m.Parent.Type] = byName
	}
	if cur, ok := byName[m.Name]; ok {
		// Only declarations (package initialisation) refine a registered
		// name: a value derived at run time, such as
		// PostAuthor.WithDefault(x) inside a handler, never changes what
		// "author" means for the rest of the process.
		replace := (isAncestor(cur, m) || m.Explicit && !cur.Explicit) && inPackageInit()
		if !replace || constrained(m) && !constrained(cur) {
			return
		}
	}
	byName[m.Name] = m
}

// constrained reports whether the relation narrows its rows (Where,
// WherePivot…, WithPivotValue).
func constrained(m *relmeta.Meta) bool {
	return len(m.Wheres) > 0 || len(m.PivotWheres) > 0 || len(m.PivotValues) > 0
}

func isAncestor(a, m *relmeta.Meta) bool {
	for p := m.From; p != nil; p = p.From {
		if p == a {
			return true
		}
	}
	return false
}

// unregisterChain removes the registrations of m and its ancestors: a
// chain that ends in Named or Field registers only under its final name.
func unregisterChain(m *relmeta.Meta) {
	if !inPackageInit() {
		return
	}
	registry.Lock()
	defer registry.Unlock()
	for p := m; p != nil; p = p.From {
		if p.Parent == nil {
			continue
		}
		if byName := registry.m[p.Parent.Type]; byName != nil && byName[p.Name] == p {
			delete(byName, p.Name)
		}
	}
}

// Lookup finds the relation named name on the struct type parent (or a
// pointer to it). An unknown name gives an *UnknownRelationError listing
// the type's relations.
func Lookup(parent reflect.Type, name string) (Relation, error) {
	for parent != nil && parent.Kind() == reflect.Pointer {
		parent = parent.Elem()
	}
	registry.RLock()
	m, ok := registry.m[parent][name]
	registry.RUnlock()
	if !ok {
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
	return ofP[P]{r.meta()}, nil
}

// Names lists the relation names registered on parent, sorted.
func Names(parent reflect.Type) []string {
	for parent != nil && parent.Kind() == reflect.Pointer {
		parent = parent.Elem()
	}
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m[parent]))
	for n := range registry.m[parent] {
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

// inPackageInit reports whether the caller runs inside a package's
// initialisation (a package-level var declaration or an init function),
// where relation declarations live.
func inPackageInit() bool {
	var pcs [64]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		name := f.Function
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		if _, fn, ok := strings.Cut(name, "."); ok && (fn == "init" || strings.HasPrefix(fn, "init.")) {
			return true
		}
		if !more {
			return false
		}
	}
}

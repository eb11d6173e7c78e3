package rel

import (
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
)

// Chaperone returns a copy that sets, on every C it yields, the
// back-reference of inverse to the parent it was read for (Laravel's
// chaperone, or inverse): after loading a user's posts, each post's Author
// points at that user, with no statement added.
//
//	PostComments = rel.HasMany[Post, Comment]().Chaperone(CommentPost)
//
// inverse is the belongsTo relation from C back to P, on the same keys
// (its foreign key is this relation's foreign key, its owner key this
// relation's local key); its destination must be a *P field, since a P
// value would copy the parent with all its children. Otherwise the copy
// has a declaration error (rel.Check reports it, every use returns it).
// See the package documentation for where the back-reference is set and
// for the json:"-" tag it needs.
func (r HasManyRelation[P, C]) Chaperone(inverse BelongsToRelation[C, P]) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{chaperoneMeta(r.m, metaOf(inverse))}}
}

// ChaperoneFunc returns a copy that calls fn with every C it yields and
// the parent it was read for: Chaperone for back-references that are not
// a belongsTo field (a polymorphic owner, several fields, a parent ID
// cache). fn must not be nil.
func (r HasManyRelation[P, C]) ChaperoneFunc(fn func(child *C, parent *P)) HasManyRelation[P, C] {
	return HasManyRelation[P, C]{base[P, C]{chaperoneFunc(r.m, fn)}}
}

// Chaperone returns a copy that sets inverse's back-reference on the C it
// yields; see HasManyRelation.Chaperone.
func (r HasOneRelation[P, C]) Chaperone(inverse BelongsToRelation[C, P]) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{chaperoneMeta(r.m, metaOf(inverse))}}
}

// ChaperoneFunc returns a copy that calls fn with the C it yields and its
// parent; see HasManyRelation.ChaperoneFunc.
func (r HasOneRelation[P, C]) ChaperoneFunc(fn func(child *C, parent *P)) HasOneRelation[P, C] {
	return HasOneRelation[P, C]{base[P, C]{chaperoneFunc(r.m, fn)}}
}

// chaperoneMeta derives m with the back-reference of inv, a belongsTo from
// m's related type to its parent type (the types are checked by the
// compiler; the keys and the destination here).
func chaperoneMeta(m, inv *relmeta.Meta) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		fail := func(format string, args ...any) {
			c.Invalid = fmt.Errorf("relation %s: chaperone: "+format+": %w", append([]any{c.Name}, append(args, ErrBadRelation)...)...)
		}
		switch {
		case inv.Invalid != nil:
			c.Invalid = fmt.Errorf("relation %s: chaperone: %w", c.Name, inv.Invalid)
		case inv.ForeignKey != c.ForeignKey || inv.OwnerKey != c.LocalKey:
			fail("%s is on %s.%s → %s, not on %s.%s → %s", inv, inv.Parent.Type.Name(), inv.ForeignKey, inv.OwnerKey,
				c.Related.Type.Name(), c.ForeignKey, c.LocalKey)
		case inv.Dest == nil:
			fail("%s has no field *%s to hold the parent", inv.Parent.Type.Name(), c.Parent.Type.Name())
		case inv.DestShape != relmeta.DestPtr:
			fail("field %s.%s must be *%s, not %s: a value would copy the parent and its children",
				inv.Parent.Type.Name(), inv.Parent.Type.FieldByIndex(inv.Dest).Name, c.Parent.Type.Name(), c.Parent.Type.Name())
		default:
			dest := inv.Dest
			c.Chaperone = func(child, parent reflect.Value) {
				schema.FieldAt(child.Elem(), dest).Set(parent)
			}
		}
	})
}

func chaperoneFunc[P, C any](m *relmeta.Meta, fn func(*C, *P)) *relmeta.Meta {
	return derive(m, func(c *relmeta.Meta) {
		if fn == nil {
			c.Invalid = fmt.Errorf("relation %s: ChaperoneFunc(nil): %w", c.Name, ErrBadRelation)
			return
		}
		c.Chaperone = func(child, parent reflect.Value) {
			fn(child.Interface().(*C), parent.Interface().(*P))
		}
	})
}

// Package reltag carries, in a statement's context, the relation read the
// statement is for: package query tags each single-parent relation read
// (query.Related(…).Get, GetOne, GetMany, …) and sqlt's repeat guard
// (sqlt.NewRepeatGuard) counts the distinct parents read per relation.
// Eager and aggregate loads are never tagged. The package imports nothing
// of relkit, so that both sqlt and query can import it.
package reltag

import "context"

// Tag names a single-parent relation read.
type Tag struct {
	// Origin is the parent type and the relation name: "User.posts".
	Origin string
	// Key is the parent's normalised relation key (relmeta.Meta.ParentKeyOf).
	Key any
}

type key struct{}

// With returns ctx carrying t.
func With(ctx context.Context, t *Tag) context.Context {
	return context.WithValue(ctx, key{}, t)
}

// From returns the tag ctx carries, or nil. Callers check Writing
// first: the statements of a write are not relation reads.
func From(ctx context.Context) *Tag {
	t, _ := ctx.Value(key{}).(*Tag)
	return t
}

type writeKey struct{}

// Write returns ctx marked as the context of a write (FirstOrCreate,
// UpdateOrCreate, a pivot write): the reads a write makes are part of
// it, not relation reads an eager load could replace, so the repeat
// guard counts none of its statements.
func Write(ctx context.Context) context.Context {
	return context.WithValue(ctx, writeKey{}, true)
}

// Writing reports whether ctx is marked by Write.
func Writing(ctx context.Context) bool {
	w, _ := ctx.Value(writeKey{}).(bool)
	return w
}

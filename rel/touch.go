package rel

import (
	"fmt"

	"github.com/relkit/relkit/internal/relmeta"
)

// Touches returns a copy of the relation that touches its owner: every
// write of a P row through relkit (query's Insert, Update, Save, Upsert,
// Delete and their many forms, relation writes, Push) then sets the
// owner's updated_at, in the same transaction (see package query,
// "Touching parents"). The owner C must map an updated_at time field;
// otherwise the relation fails with ErrBadRelation (Laravel ignores the
// declaration silently).
//
// The copy is recorded for P's write paths, whatever name the relation
// is known by: Touches registers no name (Named and Field do). Declare it
// as a package-level variable, so that it is recorded before the first
// write, and apply Where (if any) before Touches: the touch is restricted
// by the constraints of the relation Touches was called on.
func (r BelongsToRelation[P, C]) Touches() BelongsToRelation[P, C] {
	return BelongsToRelation[P, C]{base[P, C]{touchesMeta(r.m)}}
}

// Touches returns a copy of the relation whose related rows are touched
// by every write of a P row through relkit, as for
// [BelongsToRelation.Touches], and by the pivot writes of package pivot
// through this relation. A pivot write through the inverse relation (C to
// P over the same pivot table) touches the P row too. C must map an
// updated_at time field; otherwise the relation fails with ErrBadRelation.
func (r BelongsToManyRelation[P, C]) Touches() BelongsToManyRelation[P, C] {
	return BelongsToManyRelation[P, C]{base[P, C]{touchesMeta(r.m)}}
}

// touchesMeta derives the touching copy of m and records it for the write
// paths of m.Parent.
func touchesMeta(m *relmeta.Meta) *relmeta.Meta {
	c := derive(m, func(c *relmeta.Meta) {
		if c.Related.UpdatedAt == nil {
			c.Invalid = fmt.Errorf("relation %s: Touches: %s maps no updated_at time field: %w", c.Name, c.Related.Type.Name(), ErrBadRelation)
		}
	})
	if c.Invalid == nil {
		relmeta.AddTouch(c)
	}
	return c
}

// Touches returns a copy of the morphTo whose target is touched by every
// write of a P row through relkit, as for [BelongsToRelation.Touches]:
// after the write, the rows the written rows' type and id columns point
// at get updated_at = now, one statement per target type present among
// the written rows (in order of first appearance),
//
//	update "posts" set "updated_at" = ? where "posts"."id" in (?, ?)
//
// and, transitively, the owners of those rows through their own touching
// relations. A row with an empty or NULL type, or a NULL id, touches
// nothing (no statement). A row whose type is the alias of no target
// fails the write with a *UnknownMorphTypeError (ErrUnknownMorphType) and
// the write is rolled back. Every target must map an updated_at time
// field; otherwise the relation fails with ErrBadRelation. Apply Columns
// and Where before Touches: the copy touches as the relation it was
// called on reads.
func (r MorphToRelation[P]) Touches() MorphToRelation[P] {
	c := derive(r.m, func(c *relmeta.Meta) {
		for _, t := range c.Targets {
			if t.Related.UpdatedAt == nil {
				c.Invalid = fmt.Errorf("relation %s: Touches: target %s maps no updated_at time field: %w", c.Name, t.Related.Type.Name(), ErrBadRelation)
				return
			}
		}
	})
	if c.Invalid == nil {
		relmeta.AddTouch(c)
	}
	return MorphToRelation[P]{c}
}

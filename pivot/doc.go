// Package pivot writes the pivot table of a many-to-many relation:
// Eloquent's attach, detach, sync, syncWithoutDetaching,
// syncWithPivotValues and updateExistingPivot, with Laravel's semantics.
//
// Every function takes the context, an executor, a
// [rel.BelongsToManyRelation] and the parent, so only a belongsToMany
// relation compiles there:
//
//	var UserRoles = rel.BelongsToMany[User, Role]().WithPivot("active").WithTimestamps()
//
//	err := pivot.Attach(ctx, db, UserRoles, &user, 1)                                // one key
//	err = pivot.Attach(ctx, db, UserRoles, &user, 2, map[string]any{"active": false}) // with pivot columns
//	err = pivot.Attach(ctx, db, UserRoles, &user, []int64{3, 4})                     // one INSERT
//	n, err := pivot.Detach(ctx, db, UserRoles, &user, []int64{1, 2})                 // rows deleted
//	n, err = pivot.DetachAll(ctx, db, UserRoles, &user)                              // all of user's rows
//	ch, err := pivot.Sync(ctx, db, UserRoles, &user, []int64{1, 2, 3})
//	ch, err = pivot.Sync(ctx, db, UserRoles, &user, map[int64]map[string]any{1: {"active": true}, 2: {}})
//	ch, err = pivot.SyncWithoutDetaching(ctx, db, UserRoles, &user, []int64{5})
//	ch, err = pivot.SyncWithPivotValues(ctx, db, UserRoles, &user, []int64{1, 2}, map[string]any{"active": true})
//	n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles, &user, 1, map[string]any{"active": false})
//
// # Keys
//
// Wherever ids are taken, they may be a single key, a slice or array of
// keys (any integer width, or strings), related models (Role, *Role,
// []Role, []*Role: their related key is used), a map key → pivot
// attributes (map[int64]map[string]any, taken in ascending key order), or
// a slice of [Record] (the same, in your order). Keys are normalised: a
// key given twice counts once, and a string "2" for an integer key is the
// integer 2. [Changes] reports keys as int64 for integer keys (whatever
// their Go width) and string for string keys; a kept key counts as
// updated only when its attributes changed the stored row. Floats, structs of another type and NULL keys fail
// with [rel.ErrUnsupportedKey]; a parent or model whose key is NULL or
// zero (never saved) fails with [ErrNoKey]. Nothing runs in either case.
//
// # Pivot columns, timestamps and filters
//
// The relation decides what is written besides the two keys: under
// WithTimestamps, created_at and updated_at are set to [sqlt.Now] on
// attach and updated_at on update; WithPivotValue values are written on
// attach. Attributes are written as given: their names are pivot column
// names and must be plain identifiers.
//
// The relation's recorded pivot filters (WherePivot…, WithPivotValue)
// restrict which rows [Detach], [DetachAll], [Sync] and
// [UpdateExistingPivot] touch, as Laravel's newPivotQuery does: a
// relation declared with WherePivot("active", true) only detaches and
// syncs active rows.
//
// # Statements and transactions
//
// [Attach] is one multi-row INSERT; [Detach], [DetachAll] and
// [UpdateExistingPivot] one statement each; [Sync] reads the current keys
// (one SELECT), deletes the unwanted ones (one DELETE), inserts the new
// ones (one INSERT) and updates kept keys given attributes (one UPDATE per
// distinct attribute map), whatever the number of keys. Large key lists
// stay one statement: PostgreSQL gets an array parameter and SQLite a JSON
// array, and inserts are split only to stay under the bound-parameter
// limit. Every operation that issues more than one statement runs in one
// transaction, joining the caller's as a savepoint when the executor is a
// transaction: a failure part-way leaves the pivot table as it was.
package pivot

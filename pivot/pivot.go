package pivot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ErrNoKey is matched by errors about a parent, or a related model given
// in place of a key, whose key is NULL or the zero value (typically a
// struct that was never saved). No statement runs.
var ErrNoKey = errors.New("relkit: model has no key")

// ErrBadAttributes is matched by errors about pivot attributes that
// cannot be written: an attribute naming one of the two pivot key
// columns, or a map-form value that is not a map[string]any. Attribute
// names that are not plain identifiers give [sqlt.ErrInvalidIdentifier].
var ErrBadAttributes = errors.New("relkit: invalid pivot attributes")

// ChangesOf reports what [Sync] (and its siblings) did, as Laravel's sync
// does: the keys attached, detached and updated. Attached and Updated
// follow the input order, Detached the order in which the database
// returned the current rows. On success the slices are never nil (they
// marshal to JSON as []). The untyped functions report [Changes]; a
// [Keyed] handle reports its key type K.
type ChangesOf[K any] struct {
	Attached []K `json:"attached"`
	Detached []K `json:"detached"`
	Updated  []K `json:"updated"`
}

// Changes is what the untyped [Sync], [SyncWithoutDetaching],
// [SyncWithPivotValues] and [SyncMany] report. Keys have the related
// key's type, normalised: int64 for every integer key type (so the string
// "2" given for an integer key is reported as int64(2)) and string for
// string keys, a uuid in the form the database stores it (see Keys in
// the package doc).
type Changes = ChangesOf[any]

func newChanges() Changes {
	return Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}}
}

// Attach inserts pivot rows linking parent to the related keys in ids, in
// one multi-row INSERT (split only to stay under the databases'
// bound-parameter limits, or when rows set different attribute columns;
// several statements run in one transaction).
//
// ids is a key (any integer type, or a string), a slice or array of keys,
// a related model (C or *C) or a slice of them ([]C, []*C, []any), a map
// key → attributes (map[K]map[string]any; keys taken in ascending order)
// or a []Record (the ordered map form). A key given twice is attached
// once. String keys are accepted for integer key columns ("2" → 2), and
// integers for string key columns. A []byte is one key for a string key
// column and a list of uint8 keys for an integer one.
//
// Each row holds the related pivot key, the foreign pivot key (parent's
// key), created_at and updated_at when the relation has them
// (WithTimestamps, or WithPivot of either column), the WithPivotValue
// values, then the attributes: the record's own (map form), overridden by
// attrs. Attribute names are pivot column names and must be plain
// identifiers; they may not name the two key columns.
//
// Like Laravel's attach, Attach does not check for existing rows: a key
// already attached is inserted again, which a unique index on the pivot
// table rejects. Use [SyncWithoutDetaching] to attach only missing keys.
func Attach[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any, attrs ...map[string]any) error {
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return fmt.Errorf("attach %s: %w", p.name(), err)
	}
	recs, err := parseIDs[C](p, ids)
	if err != nil {
		return fmt.Errorf("attach %s: %w", p.name(), err)
	}
	if err := p.attach(ctx, ex, recs, mergeAttrs(attrs...), schema.Now()); err != nil {
		return fmt.Errorf("attach %s: %w", p.name(), err)
	}
	return nil
}

// attach inserts the pivot rows of recs, extra on top of each record's
// attributes, with the timestamps now: the work of [Attach], shared with
// the writes of write.go. On return recs hold the attributes written.
func (p *plan) attach(ctx context.Context, ex sqlt.Executor, recs []record, extra map[string]any, now time.Time) error {
	for i := range recs {
		recs[i].attrs = overlay(recs[i].attrs, extra)
		recs[i].parent = p.parentKey
	}
	stmts, err := p.inserts(recs, now)
	if err != nil {
		return err
	}
	return p.run(ctx, ex, stmts)
}

// Detach deletes the pivot rows linking parent to the related keys in ids
// (any form [Attach] accepts; map attributes are ignored) and returns the
// number of rows deleted. Only the rows the relation's pivot filters
// (WherePivot…, WithPivotValue) select are touched. An empty ids (nil, an
// empty slice or map) deletes nothing, returns 0 and runs no statement:
// to delete all of the parent's rows, call [DetachAll].
func Detach[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any) (int64, error) {
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return 0, fmt.Errorf("detach %s: %w", p.name(), err)
	}
	recs, err := parseIDs[C](p, ids)
	if err != nil {
		return 0, fmt.Errorf("detach %s: %w", p.name(), err)
	}
	if len(recs) == 0 {
		return 0, nil
	}
	n, err := p.runCount(ctx, ex, p.deletes(ex.Dialect(), keysOf(recs)))
	if err != nil {
		return 0, fmt.Errorf("detach %s: %w", p.name(), err)
	}
	return n, nil
}

// DetachAll deletes every pivot row of parent that the relation's pivot
// filters select (Laravel's detach() with no ids), in one statement, and
// returns the number of rows deleted. Other parents' rows and the related
// rows themselves are not touched.
func DetachAll[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P) (int64, error) {
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return 0, fmt.Errorf("detach all %s: %w", p.name(), err)
	}
	n, err := p.runCount(ctx, ex, p.deletes(ex.Dialect(), nil))
	if err != nil {
		return 0, fmt.Errorf("detach all %s: %w", p.name(), err)
	}
	return n, nil
}

// Sync makes the related keys in ids the only ones attached to parent
// (among the pivot rows the relation's pivot filters select), following
// Eloquent's sync:
//
//  1. read the parent's current related keys (one SELECT, honouring the
//     pivot filters);
//  2. detach the current keys not in ids (one DELETE);
//  3. attach the keys in ids that are not current, in input order, with
//     their attributes (one multi-row INSERT, see [Attach]);
//  4. for current keys given non-empty attributes (map form, [Record] or
//     [SyncWithPivotValues]), update their pivot row, and report the key
//     as updated only if the row changed: an attribute differed from the
//     stored value. Keys sharing one attribute map are updated in one
//     statement.
//
// Everything runs in one transaction (a savepoint when ex is a
// transaction): if a statement fails, the pivot table is left as it was.
// ids takes every form [Attach] accepts; nil or an empty collection
// detaches everything. The result lists the keys attached, detached and
// updated (see [Changes]).
func Sync[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any) (Changes, error) {
	return syncKeys(ctx, ex, r, parent, ids, nil, detach, "sync")
}

// SyncWithoutDetaching is [Sync] that keeps the current keys not in ids:
// it attaches the missing keys and updates the attributes of the present
// ones. With nothing to sync it runs no statement.
func SyncWithoutDetaching[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any) (Changes, error) {
	return syncKeys(ctx, ex, r, parent, ids, nil, keep, "sync without detaching")
}

// SyncWithPivotValues is [Sync] with the same pivot attributes for every
// key in ids: new keys are attached with values, current keys in ids are
// updated to values (and reported as updated if that changed their row),
// current keys not in ids are detached. values override attributes a map
// form of ids gives.
func SyncWithPivotValues[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any, values map[string]any) (Changes, error) {
	return syncKeys(ctx, ex, r, parent, ids, values, detach, "sync with pivot values")
}

// UpdateExistingPivot updates the pivot rows linking parent to the
// related key(s) id (a key, a model, or any collection [Attach] accepts)
// with attrs, adding updated_at under WithTimestamps, and returns the
// number of rows affected as the database reports it (SQLite and
// PostgreSQL count the rows matched, changed or not). Only rows the
// relation's pivot filters select are touched. With no key, or nothing to
// set, it returns 0 and runs no statement.
func UpdateExistingPivot[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, id any, attrs map[string]any) (int64, error) {
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return 0, fmt.Errorf("update existing pivot %s: %w", p.name(), err)
	}
	recs, err := parseIDs[C](p, id)
	if err != nil {
		return 0, fmt.Errorf("update existing pivot %s: %w", p.name(), err)
	}
	if err := p.checkAttrs(attrs); err != nil {
		return 0, fmt.Errorf("update existing pivot %s: %w", p.name(), err)
	}
	if len(recs) == 0 {
		return 0, nil
	}
	stmts := p.updateTerms(p.terms(ex.Dialect(), p.parentKey, keysOf(recs)), attrs, schema.Now(), "", nil)
	if len(stmts) == 0 {
		return 0, nil
	}
	n, err := p.runCount(ctx, ex, stmts)
	if err != nil {
		return 0, fmt.Errorf("update existing pivot %s: %w", p.name(), err)
	}
	return n, nil
}

func keysOf(recs []record) []any {
	keys := make([]any, len(recs))
	for i, r := range recs {
		keys[i] = r.key
	}
	return keys
}

// mergeAttrs merges several attribute maps, later ones winning.
func mergeAttrs(ms ...map[string]any) map[string]any {
	var out map[string]any
	for _, m := range ms {
		out = overlay(out, m)
	}
	return out
}

// overlay returns base with over's entries on top, without modifying
// either map (base is returned as is when over is empty, and over when
// base is).
func overlay(base, over map[string]any) map[string]any {
	switch {
	case len(over) == 0:
		return base
	case len(base) == 0:
		return over
	}
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

package pivot

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Save saves the related model (query's Save: an INSERT when its primary
// key is zero, an UPDATE otherwise) and attaches it to parent with the
// pivot attributes attrs (merged, later maps winning, as for [Attach]),
// in one transaction (a savepoint when ex is a transaction): if the
// attach fails, the save is rolled back too and *model is left as it was
// before the call. On success *model has its key and its pivot field
// holds the pivot row written (see Writes through the relation).
//
// Like Laravel's save, Save does not check whether model is attached
// already: attaching it again is refused by a unique pivot index.
func Save[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, model *C, attrs ...map[string]any) error {
	if model == nil {
		p, _ := prepare(ctx, ex, r, parent)
		return wrap("save", p, fmt.Errorf("nil model: %w", sqlt.ErrNilValue))
	}
	models := []C{*model}
	if err := saveMany(ctx, ex, r, parent, models, []map[string]any{mergeAttrs(attrs...)}, "save"); err != nil {
		return err
	}
	*model = models[0]
	return nil
}

// SaveMany saves every model, as [Save] does, and attaches them all, in
// one transaction: the saves (one statement each, query's SaveMany), then
// one multi-row INSERT of the pivot rows, attrs[i] being the pivot
// attributes of models[i] (fewer maps than models leave the rest without
// attributes; more fail with [ErrBadAttributes]). If a statement fails,
// nothing is written and models are left as they were; on success each
// element has its key and its pivot row. Without models SaveMany runs no
// statement.
func SaveMany[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, models []C, attrs ...map[string]any) error {
	return saveMany(ctx, ex, r, parent, models, attrs, "save many")
}

func saveMany[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, models []C, attrs []map[string]any, op string) error {
	p, err := writePlan(ctx, ex, r, parent, len(models), attrs)
	if err != nil || len(models) == 0 {
		return wrap(op, p, err)
	}
	before := slices.Clone(models)
	err = inTx(ctx, ex, func(tx sqlt.Executor) error {
		if err := query.From[C]().SaveMany(ctx, tx, models); err != nil {
			return err
		}
		return attachModels(ctx, tx, p, models, attrs)
	})
	if err != nil {
		copy(models, before)
		return wrap(op, p, err)
	}
	return nil
}

// Create inserts model (query's Insert) and attaches it to parent with
// attrs (merged, as for [Attach]), in one transaction, and returns it with
// its generated key and its pivot row. If the attach fails, the insert is
// rolled back.
func Create[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, model C, attrs ...map[string]any) (C, error) {
	out, err := createMany(ctx, ex, r, parent, []C{model}, []map[string]any{mergeAttrs(attrs...)}, "create")
	if err != nil {
		var zero C
		return zero, err
	}
	return out[0], nil
}

// CreateMany inserts copies of models (query's InsertMany: batched
// multi-row INSERTs) and attaches them all with one multi-row INSERT,
// attrs[i] being the pivot attributes of models[i] (as for [SaveMany]), in
// one transaction, and returns them with their keys and pivot rows. If a
// statement fails, nothing is written. Without models it returns an
// empty slice and runs no statement.
func CreateMany[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, models []C, attrs ...map[string]any) ([]C, error) {
	return createMany(ctx, ex, r, parent, models, attrs, "create many")
}

func createMany[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, models []C, attrs []map[string]any, op string) ([]C, error) {
	p, err := writePlan(ctx, ex, r, parent, len(models), attrs)
	if err != nil {
		return nil, wrap(op, p, err)
	}
	out := append([]C{}, models...)
	if len(out) == 0 {
		return out, nil
	}
	err = inTx(ctx, ex, func(tx sqlt.Executor) error {
		if err := query.From[C]().InsertMany(ctx, tx, out); err != nil {
			return err
		}
		return attachModels(ctx, tx, p, out, attrs)
	})
	if err != nil {
		return nil, wrap(op, p, err)
	}
	return out, nil
}

// FindOrNew returns the related model with primary key id among those
// attached to parent (through the relation: its conditions and pivot
// filters apply), with its pivot columns, or a new, blank C when there is
// none, attached or not, as Laravel's findOrNew does. It runs one SELECT
// and writes nothing.
func FindOrNew[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, id any) (C, error) {
	var zero C
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return zero, wrap("find or new", p, err)
	}
	v, err := query.Related(r, parent).Find(ctx, ex, id)
	if errors.Is(err, sqlt.ErrNotFound) {
		return zero, nil
	}
	if err != nil {
		return zero, wrap("find or new", p, err)
	}
	return v, nil
}

// FirstOrNew returns the first related row matching attrs (column →
// value) in the whole related table, as Laravel's firstOrNew does: the
// row may exist without being attached to parent, and FirstOrNew does
// not attach it (use [FirstOrCreate] for that). Its pivot field is left
// empty, the row being read outside the relation. When no row matches it
// returns a new, unsaved C filled with attrs and then values. It runs one
// SELECT (query's FirstOrNew) and writes nothing; a bad column name fails
// before it.
func FirstOrNew[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, attrs, values map[string]any) (C, error) {
	var zero C
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return zero, wrap("first or new", p, err)
	}
	v, err := query.From[C]().FirstOrNew(ctx, ex, attrs, values)
	if err != nil { // query's error says "first or new <table>"
		return zero, fmt.Errorf("belongsToMany %s: %w", p.name(), err)
	}
	return v, nil
}

// FirstOrCreate returns the related row matching attrs, attaching or
// creating it as needed, as Laravel's firstOrCreate does:
//
//  1. among the rows attached to parent (the relation's conditions and
//     pivot filters apply): found, it is returned with its pivot
//     columns, and nothing is written;
//  2. else in the whole related table: found, it is attached with the
//     pivot attributes joining (in a savepoint; a unique violation, the
//     row being attached already through a pivot row the filters leave
//     out, is ignored and the row returned without its pivot columns);
//  3. else as [CreateOrFirst]: a row made of attrs then values is
//     inserted and attached with joining.
//
// Everything runs in one transaction (a savepoint when ex is a
// transaction) which, on PostgreSQL, first takes the parent's lock (see
// Concurrency): concurrent calls for one parent do not attach a row twice.
// Bad column names in attrs or values, and bad names in joining, fail
// before any statement.
func FirstOrCreate[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, attrs, values, joining map[string]any) (C, error) {
	v, _, err := findOrCreate(ctx, ex, r, parent, attrs, values, joining, firstOrCreate)
	return v, err
}

// UpdateOrCreate is [FirstOrCreate] that then updates the row found
// (attached already, or just attached) with values, by primary key
// (query's Update), as Laravel's updateOrCreate does; a created row has
// values already. The pivot row is not updated: use
// [UpdateExistingPivot]. One transaction, as for FirstOrCreate.
func UpdateOrCreate[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, attrs, values, joining map[string]any) (C, error) {
	v, _, err := findOrCreate(ctx, ex, r, parent, attrs, values, joining, updateOrCreate)
	return v, err
}

// CreateOrFirst inserts a row made of attrs then values and attaches it
// with joining; when that fails with a unique violation (a unique index
// of the related table, [sqlt.IsUniqueViolation]), it finds the row
// matching attrs in the whole related table and attaches it; when that
// attach fails with a unique violation too (the row is attached already),
// it reads the row through the relation, with its pivot columns. It
// follows Laravel's createOrFirst, for related tables with a unique index
// on attrs' columns: the insert and the fallback attach each run in their
// own savepoint, so that the transaction goes on after the violation on
// PostgreSQL. Without a match after the violation, the violation is
// returned. One transaction, as for [FirstOrCreate].
func CreateOrFirst[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, attrs, values, joining map[string]any) (C, error) {
	v, _, err := findOrCreate(ctx, ex, r, parent, attrs, values, joining, createOrFirst)
	return v, err
}

// findMode is the operation findOrCreate runs.
type findMode uint8

const (
	firstOrCreate findMode = iota
	updateOrCreate
	createOrFirst
)

func (m findMode) String() string {
	return [...]string{"first or create", "update or create", "create or first"}[m]
}

// findOrCreate is FirstOrCreate, UpdateOrCreate and CreateOrFirst; it
// reports whether the row was created.
func findOrCreate[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, attrs, values, joining map[string]any, mode findMode) (C, bool, error) {
	ctx = reltag.Write(ctx) // its reads are part of the write: no N+1 read (sqlt.RepeatGuard)
	var zero, fresh C
	p, err := prepare(ctx, ex, r, parent)
	if err == nil {
		err = p.checkAttrs(joining)
	}
	if err == nil {
		// The new row is made first, so that a bad column name or value
		// fails before any statement.
		err = p.m.Related.Fill(reflect.ValueOf(&fresh).Elem(), attrs, values)
	}
	if err != nil {
		return zero, false, wrap(mode.String(), p, err)
	}
	var v C
	var created bool
	err = inTx(ctx, ex, func(tx sqlt.Executor) error {
		if err := p.lock(ctx, tx); err != nil {
			return err
		}
		p.locked = true // the attaches below run under it, in tx
		var err error
		if mode == createOrFirst {
			v, created, err = createOrFirstIn(ctx, tx, p, r, parent, attrs, fresh, joining)
			return err
		}
		v, created, err = firstOrCreateIn(ctx, tx, p, r, parent, attrs, fresh, joining)
		if err != nil || created || mode != updateOrCreate {
			return err
		}
		if err := p.m.Related.Fill(reflect.ValueOf(&v).Elem(), values); err != nil {
			return err
		}
		return query.From[C]().Update(ctx, tx, &v)
	})
	if err != nil {
		return zero, false, wrap(mode.String(), p, err)
	}
	return v, created, nil
}

// firstOrCreateIn runs FirstOrCreate's steps in tx (see there).
func firstOrCreateIn[P, C any](ctx context.Context, tx sqlt.Executor, p *plan, r rel.BelongsToManyRelation[P, C], parent *P, attrs map[string]any, fresh C, joining map[string]any) (C, bool, error) {
	var zero C
	v, err := query.Related(r, parent).WhereAttrs(attrs).First(ctx, tx)
	if !errors.Is(err, sqlt.ErrNotFound) {
		return v, false, err // attached already (or a failure)
	}
	v, err = query.From[C]().WhereAttrs(attrs).First(ctx, tx)
	switch {
	case errors.Is(err, sqlt.ErrNotFound):
		return createOrFirstIn(ctx, tx, p, r, parent, attrs, fresh, joining)
	case err != nil:
		return zero, false, err
	}
	one := []C{v}
	err = inTx(ctx, tx, func(sp sqlt.Executor) error { return attachModels(ctx, sp, p, one, []map[string]any{joining}) })
	switch {
	case sqlt.IsUniqueViolation(err):
		return v, false, nil // attached through a row the pivot filters leave out
	case err != nil:
		return zero, false, err
	}
	return one[0], false, nil
}

// createOrFirstIn runs CreateOrFirst's steps in tx (see there).
func createOrFirstIn[P, C any](ctx context.Context, tx sqlt.Executor, p *plan, r rel.BelongsToManyRelation[P, C], parent *P, attrs map[string]any, fresh C, joining map[string]any) (C, bool, error) {
	var zero C
	joinings := []map[string]any{joining}
	v := []C{fresh}
	err := inTx(ctx, tx, func(sp sqlt.Executor) error {
		if err := query.From[C]().Insert(ctx, sp, &v[0]); err != nil {
			return err
		}
		return attachModels(ctx, sp, p, v, joinings)
	})
	if err == nil {
		return v[0], true, nil
	}
	if !sqlt.IsUniqueViolation(err) {
		return zero, false, err
	}
	violation := err
	found, err := query.From[C]().WhereAttrs(attrs).First(ctx, tx)
	switch {
	case errors.Is(err, sqlt.ErrNotFound):
		return zero, false, violation
	case err != nil:
		return zero, false, err
	}
	v[0] = found
	err = inTx(ctx, tx, func(sp sqlt.Executor) error { return attachModels(ctx, sp, p, v, joinings) })
	if err == nil {
		return v[0], false, nil
	}
	if !sqlt.IsUniqueViolation(err) {
		return zero, false, err
	}
	violation = err
	attached, err := query.Related(r, parent).WhereAttrs(attrs).First(ctx, tx)
	if errors.Is(err, sqlt.ErrNotFound) {
		return zero, false, violation // attached through a row the pivot filters leave out
	}
	return attached, false, err
}

// writePlan prepares a write of n models with attrs[i] for model i.
func writePlan[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, n int, attrs []map[string]any) (*plan, error) {
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return p, err
	}
	if len(attrs) > n {
		return p, fmt.Errorf("%d pivot attribute maps for %d models: %w", len(attrs), n, ErrBadAttributes)
	}
	for _, a := range attrs {
		if err := p.checkAttrs(a); err != nil {
			return p, err
		}
	}
	return p, nil
}

// attachModels attaches models (saved: they have their keys), attrs[i]
// being the pivot attributes of models[i], in one multi-row INSERT, and
// stores the pivot row written into each model's pivot field.
func attachModels[C any](ctx context.Context, tx sqlt.Executor, p *plan, models []C, attrs []map[string]any) error {
	recs := make([]record, len(models))
	for i := range models {
		rs, err := parseIDs[C](p, &models[i])
		if err != nil {
			return err
		}
		recs[i] = rs[0]
		if i < len(attrs) {
			recs[i].attrs = attrs[i]
		}
	}
	now := schema.Now()
	if err := p.attach(ctx, tx, recs, nil, now); err != nil {
		return err
	}
	for i := range models {
		if err := p.setPivot(reflect.ValueOf(&models[i]).Elem(), recs[i], now); err != nil {
			return err
		}
	}
	return nil
}

// setPivot stores into v's pivot field the pivot row rec that attach
// wrote at now: the columns a read of the relation selects (the two keys,
// a morphToMany's type column, then WithPivot's), those whose value
// relkit wrote. A column the
// database filled (a default) is left out: knowing it takes a statement.
func (p *plan) setPivot(v reflect.Value, rec record, now time.Time) error {
	if p.m.PivotDest == nil {
		return nil
	}
	written := make(map[string]any, 4+len(p.pivotValues)+len(rec.attrs))
	written[p.m.ForeignPivotKey] = p.parentNorm
	written[p.m.RelatedPivotKey] = rec.key
	if p.writeCreated {
		written[p.m.CreatedAtColumn] = now
	}
	if p.writeUpdated {
		written[p.m.UpdatedAtColumn] = now
	}
	for _, pv := range p.pivotValues {
		written[pv.Column] = pv.Value
	}
	for k, x := range rec.attrs {
		written[k] = x
	}
	var cols []string
	var vals []any
	for _, c := range append([]string{p.m.ForeignPivotKey, p.m.RelatedPivotKey, p.m.MorphType}, p.m.PivotColumns...) {
		x, ok := written[c]
		if !ok || slices.Contains(cols, names.PivotAlias(c)) {
			continue
		}
		cols = append(cols, names.PivotAlias(c))
		vals = append(vals, x)
	}
	return render.SetPivot(v.FieldByIndex(p.m.PivotDest), cols, vals)
}

// wrap prefixes err with the operation and the relation's name.
func wrap(op string, p *plan, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", op, p.name(), err)
}

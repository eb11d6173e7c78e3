package agg

import (
	"context"
	"fmt"
	"reflect"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/parentset"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Load computes aggregates for parents already fetched (Sutando's
// loadCount, loadSum, …) and stores each in the parent's field for its
// alias, as the select-column form would. A call runs one statement for
// the whole slice. Aggregates of one relation without a constraint are
// read with one grouped statement:
//
//	select "comments"."post_id", count(*) from "comments"
//	where "comments"."post_id" in (?, ?, …) group by "comments"."post_id"
//
// (= any(?) with one array parameter on PostgreSQL). Aggregates of several
// relations, or of one relation under different constraints, are read as
// correlated subqueries over the parents' table, by primary key (Laravel's
// loadAggregate):
//
//	select "posts"."id", (select count(*) from "comments" where …), (select count(*) from "tags" …)
//	from "posts" where "posts"."id" in (?, ?, …)
//
// except when a parent's primary key is NULL or zero (never saved), or P
// has none: then each relation, and each constrained aggregate, runs its
// own grouped statement. Keys are deduplicated and NULL keys skipped; a
// parent with no related rows (or a NULL key) gets count 0, exists false,
// and NULL for the others (the zero value, or nil for a pointer field). No
// parents: no statement. Nothing is written into the parents unless every
// statement succeeds.
//
// parents is a slice of models ([]P or a named slice type), a slice of
// pointers ([]*P), a pointer to a slice (*[]P) or one model (*P), as for
// load.With.
func Load[P any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, aggs ...Aggregate[P]) error {
	specs := make([]*spec, 0, len(aggs))
	fields := map[*spec]*schema.Field{}
	for _, a := range aggs {
		s := a.spec()
		if s == nil {
			return fmt.Errorf("load aggregates: %w", errZero)
		}
		if s.err != nil {
			return fmt.Errorf("load aggregates: %w", s.err)
		}
		f, err := s.field()
		if err != nil {
			return fmt.Errorf("load aggregates: %w", err)
		}
		specs = append(specs, s)
		fields[s] = f
	}
	elems, err := parentset.Elems[P](parents)
	if err != nil {
		return fmt.Errorf("load aggregates: %w", err)
	}
	if len(elems) == 0 || len(specs) == 0 {
		return nil
	}
	if ex == nil {
		return fmt.Errorf("load aggregates: nil executor: %w", sqlt.ErrNilValue)
	}
	groups := groupSpecs(specs)
	if len(groups) > 1 {
		// Several relations, or a relation under several constraints:
		// one statement over the parents' table.
		done, err := loadCombined(ctx, ex, elems, specs, fields)
		if err != nil {
			return fmt.Errorf("load aggregates: %w", err)
		}
		if done {
			return nil
		}
	}
	keyCache := map[*relmeta.Meta]relmeta.ParentKeys{}
	results := make([]map[any][]any, len(groups))
	// Run every statement before touching a parent, so that a failing
	// one leaves the parents as they were.
	for gi, g := range groups {
		m := g[0].m
		pk, ok := keyCache[m]
		if !ok {
			if pk, err = m.ParentKeysOf(elems); err != nil {
				return fmt.Errorf("load %s: %w", g[0].name, err)
			}
			keyCache[m] = pk
		}
		res, err := fetch(ctx, ex, g, pk.Unique)
		if err != nil {
			return fmt.Errorf("load %s: %w", g[0].name, err)
		}
		results[gi] = res
	}
	for gi, g := range groups {
		pk := keyCache[g[0].m]
		for i, elem := range elems {
			var vals []any
			if k := pk.Each[i]; k != nil {
				vals = results[gi][k]
			}
			if err := store(elem, g, vals, fields); err != nil {
				return fmt.Errorf("load %w", err)
			}
		}
	}
	return nil
}

// groupSpecs groups unconstrained aggregates of the same relation (one
// statement each group); a constrained aggregate is a group of its own.
func groupSpecs(specs []*spec) [][]*spec {
	var groups [][]*spec
	at := map[*relmeta.Meta]int{}
	for _, s := range specs {
		if s.cons == nil {
			if i, ok := at[s.m]; ok {
				groups[i] = append(groups[i], s)
				continue
			}
			at[s.m] = len(groups)
		}
		groups = append(groups, []*spec{s})
	}
	return groups
}

// store writes into the parent elem the values vals read for specs (in
// their order; nil when the parent has no related rows or a NULL key).
func store(elem reflect.Value, specs []*spec, vals []any, fields map[*spec]*schema.Field) error {
	for j, s := range specs {
		src := absent(s.fn)
		if vals != nil {
			src = vals[j]
		}
		f := fields[s]
		if src == nil {
			src = s.null(f.Type)
		}
		if err := assign(f.Set(elem), src); err != nil {
			return fmt.Errorf("%s into %s.%s: %w", s.name, elem.Type().Name(), f.Name, err)
		}
	}
	return nil
}

// absent is the value of an aggregate over no rows.
func absent(f fn) any {
	switch f {
	case fnCount:
		return int64(0)
	case fnExists:
		return false
	}
	return nil
}

// null is what a NULL aggregate becomes in a field of type t: what the
// select-column form's coalesce gives (0 or ""), else nil.
func (s *spec) null(t reflect.Type) any {
	switch zeroLiteral(t, s.colType, s.fn) {
	case "0":
		return int64(0)
	case "''":
		return ""
	}
	return nil
}

// fetch runs the grouped statement of a group of aggregates over one
// relation and returns their values by normalised parent key:
//
//	select "comments"."post_id", count(*) from "comments"
//	where "comments"."post_id" in (?, ?) [and …] group by "comments"."post_id"
func fetch(ctx context.Context, ex sqlt.Executor, g []*spec, ks []any) (map[any][]any, error) {
	if len(ks) == 0 {
		return nil, ctx.Err()
	}
	m := g[0].m
	var alias render.Alias
	side, err := render.SideOf(m, "", &alias, g[0].cons)
	if err != nil {
		return nil, err
	}
	kc := side.Key
	cols := make([]string, 0, 1+len(g))
	cols = append(cols, kc)
	for _, s := range g {
		cols = append(cols, s.groupedExpr(side))
	}
	list, listArgs := ex.Dialect().KeyList(kc, m.BindKeys(ks))
	st := render.Select{
		Columns: cols,
		From:    side.From,
		Joins:   side.Joins,
		Scope:   append([]sq.Sqlizer{sq.Expr(list, listArgs...)}, side.Conds...),
		GroupBy: []string{kc},
	}
	text, args, err := st.ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := ex.Query(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	out, err := readKeyed(rows, len(g), len(ks))
	if err != nil || !m.ParentKeyText() {
		return out, err
	}
	// A text id column gives the keys as text: back to the parents' keys.
	cast := make(map[any][]any, len(out))
	for k, v := range out {
		if n, ok, _ := keys.ToCast[int64](k); ok && len(ks) > 0 {
			if _, intKeys := ks[0].(int64); intKeys {
				k = n
			}
		}
		cast[k] = v
	}
	return cast, nil
}

// readKeyed reads rows whose first column is a parent key and whose n
// other columns are aggregate values, returning the values by normalised
// key (rows with a NULL key are skipped). It closes rows.
func readKeyed(rows *sqlt.Rows, n, size int) (map[any][]any, error) {
	defer rows.Close()
	out := make(map[any][]any, size)
	holders := make([]raw, n+1)
	dest := make([]any, len(holders))
	for i := range holders {
		dest[i] = &holders[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		k, ok, err := keys.Norm(holders[0].v)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		vals := make([]any, n)
		for j := range vals {
			vals[j] = holders[j+1].v
		}
		out[k] = vals
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// raw keeps a column's value as the driver returns it.
type raw struct{ v any }

func (r *raw) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		src = string(b) // the driver may reuse the buffer
	}
	r.v = src
	return nil
}

// Values computes one aggregate for parents already fetched, in one
// statement, and returns it by parent key — for structs without a field
// for the aggregate:
//
//	counts, err := agg.Values[int64](ctx, db, posts, agg.WithCount(PostComments))
//	n := counts[post.ID]
//
// Keys are normalised as keys.Norm does: int64 for integer keys, string
// for string keys. Every parent with a non-NULL key is in the map; one
// without related rows gets count 0, exists false, and for the others
// V's zero value (nil if V is a pointer).
func Values[V, P any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, a Aggregate[P]) (map[any]V, error) {
	s := a.spec()
	if s == nil {
		return nil, fmt.Errorf("aggregate values: %w", errZero)
	}
	if s.err != nil {
		return nil, fmt.Errorf("aggregate values: %w", s.err)
	}
	elems, err := parentset.Elems[P](parents)
	if err != nil {
		return nil, fmt.Errorf("%s values: %w", s.name, err)
	}
	out := map[any]V{}
	if len(elems) == 0 {
		return out, nil
	}
	if ex == nil {
		return nil, fmt.Errorf("%s values: nil executor: %w", s.name, sqlt.ErrNilValue)
	}
	pk, err := s.m.ParentKeysOf(elems)
	if err != nil {
		return nil, fmt.Errorf("%s values: %w", s.name, err)
	}
	res, err := fetch(ctx, ex, []*spec{s}, pk.Unique)
	if err != nil {
		return nil, fmt.Errorf("%s values: %w", s.name, err)
	}
	for _, k := range pk.Unique {
		src := absent(s.fn)
		if vals, ok := res[k]; ok {
			src = vals[0]
		}
		if src == nil {
			src = s.null(reflect.TypeFor[V]())
		}
		var v V
		if err := assign(reflect.ValueOf(&v).Elem(), src); err != nil {
			return nil, fmt.Errorf("%s values: %w", s.name, err)
		}
		out[k] = v
	}
	return out, nil
}

// LoadCount is Load with WithCount(r, constraint...).
func LoadCount[P, C any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, r rel.Typed[P, C], constraint ...Constraint[C]) error {
	return Load(ctx, ex, parents, WithCount(r, constraint...))
}

// LoadSum is Load with WithSum(r, column, constraint...).
func LoadSum[P, C any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, r rel.Typed[P, C], column string, constraint ...Constraint[C]) error {
	return Load(ctx, ex, parents, WithSum(r, column, constraint...))
}

// LoadMin is Load with WithMin(r, column, constraint...).
func LoadMin[P, C any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, r rel.Typed[P, C], column string, constraint ...Constraint[C]) error {
	return Load(ctx, ex, parents, WithMin(r, column, constraint...))
}

// LoadMax is Load with WithMax(r, column, constraint...).
func LoadMax[P, C any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, r rel.Typed[P, C], column string, constraint ...Constraint[C]) error {
	return Load(ctx, ex, parents, WithMax(r, column, constraint...))
}

// LoadAvg is Load with WithAvg(r, column, constraint...).
func LoadAvg[P, C any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, r rel.Typed[P, C], column string, constraint ...Constraint[C]) error {
	return Load(ctx, ex, parents, WithAvg(r, column, constraint...))
}

// LoadExists is Load with WithExists(r, constraint...).
func LoadExists[P, C any, S parentset.Of[P]](ctx context.Context, ex sqlt.Executor, parents S, r rel.Typed[P, C], constraint ...Constraint[C]) error {
	return Load(ctx, ex, parents, WithExists(r, constraint...))
}

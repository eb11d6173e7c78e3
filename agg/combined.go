package agg

import (
	"context"
	"reflect"
	"strings"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// loadCombined computes aggregates over several relations (or one relation
// aggregated under several constraints) in one statement over the parents'
// table, as Laravel's loadAggregate does:
//
//	select "posts"."id", (select count(*) from "comments" where …), exists (select * from "tags" …)
//	from "posts" where "posts"."id" in (?, ?)
//
// It reports false, having run nothing, when P has no primary key or a
// parent's primary key is NULL or zero (an unsaved parent, which is not in
// the table): Load then runs one grouped statement per relation instead.
// Nothing is written into the parents unless the statement succeeds.
func loadCombined(ctx context.Context, ex sqlt.Executor, elems []reflect.Value, specs []*spec, fields map[*spec]*schema.Field) (bool, error) {
	pm := specs[0].m.Parent
	if pm == nil || pm.PK == nil {
		return false, nil
	}
	each := make([]any, len(elems))
	unique := make([]any, 0, len(elems))
	seen := make(map[any]struct{}, len(elems))
	for i, e := range elems {
		k, ok, err := keys.Norm(pm.PK.Get(e).Interface())
		if err != nil || !ok || keys.IsZero(k) {
			return false, nil
		}
		each[i] = k
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			unique = append(unique, k)
		}
	}
	pk := sqltext.Qualified(pm.Table, pm.PK.Column)
	var b strings.Builder
	var args []any
	b.WriteString("select " + pk)
	for _, s := range specs {
		if s.fn == fnExists {
			b.WriteString(", exists (" + s.sub + ")")
		} else {
			b.WriteString(", (" + s.sub + ")")
		}
		args = append(args, s.args...)
	}
	list, listArgs := ex.Dialect().KeyList(pk, keys.BindAll(unique, keys.IsBytes(pm.PK.Type)))
	b.WriteString(" from " + sqltext.Ident(pm.Table) + " where " + list)
	args = append(args, listArgs...)
	rows, err := ex.Query(ctx, b.String(), args...)
	if err != nil {
		return true, err
	}
	res, err := readKeyed(rows, len(specs), len(unique))
	if err != nil {
		return true, err
	}
	for i, elem := range elems {
		if err := store(elem, specs, res[each[i]], fields); err != nil {
			return true, err
		}
	}
	return true, nil
}

package rel

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"

	"github.com/relkit/relkit/internal/byname"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/sqlt"
)

// declared keeps the declaration problems Check reports that the registry
// does not hold: relations whose declaration failed (once per message,
// however often the declaration runs) and relations made with several
// candidate destination fields, until a Field is derived from them.
var declared struct {
	sync.Mutex
	failed    []error
	seen      map[string]bool
	ambiguous []*relmeta.Meta
	// morphTo relations whose default columns are not mapped, until
	// Columns is derived from them.
	morphColumns []*relmeta.Meta
}

// record keeps m's declaration problem, if it has one, for Check.
func record(m *relmeta.Meta) {
	declared.Lock()
	defer declared.Unlock()
	switch {
	case m.Invalid != nil:
		err := fmt.Errorf("%s: %w", label(m), m.Invalid)
		if !declared.seen[err.Error()] {
			if declared.seen == nil {
				declared.seen = map[string]bool{}
			}
			declared.seen[err.Error()] = true
			declared.failed = append(declared.failed, err)
		}
	case m.Ambiguous && m.From == nil:
		declared.ambiguous = append(declared.ambiguous, m)
	}
}

// chose records that a Field was derived from m: the destination of m and
// of the relations it was derived from is chosen.
func chose(m *relmeta.Meta) {
	declared.Lock()
	defer declared.Unlock()
	for p := m; p != nil && p.Ambiguous; p = p.From {
		declared.ambiguous = slices.DeleteFunc(declared.ambiguous, func(a *relmeta.Meta) bool { return a == p })
	}
}

// Check reports the declaration errors of rels, or, with no argument, every
// declaration problem of the program — wherever the relations were
// declared (package-level variables, init functions or other functions):
// bad or unmapped key columns ("pots_id"), a missing primary key, a Field
// that does not exist, an unsafe Where, a parent with several fields that
// could receive the relation (choose one with Field), a name registered
// for two different relations (ErrNameConflict), and a relation name used
// by a by-name form (agg.CountOf[User]("posts as pc")) that does not
// resolve (ErrUnknownRelation). Such problems would otherwise appear only
// when the relation is first used. A relation with no destination field at
// all is not an error: it still serves queries.
//
// The problems are returned together (errors.Join), each naming the
// relation and its parent type and matching the sentinel of its cause
// (ErrBadRelation, ErrNoDestination, sqlt.ErrUnknownColumn, …). Call it at
// start-up, after the relations are declared, or in a test; see also
// [CheckSchema].
func Check(rels ...Relation) error {
	if len(rels) > 0 {
		var errs []error
		for _, r := range rels {
			var m *relmeta.Meta
			if r != nil {
				m = relmeta.Of(r)
			}
			err := m.Err()
			if err == nil && m.Ambiguous {
				err = m.NoDest
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", label(m), err))
			}
		}
		return errors.Join(errs...)
	}
	declared.Lock()
	errs := append([]error(nil), declared.failed...)
	for _, m := range declared.ambiguous {
		errs = append(errs, fmt.Errorf("%s: %w", label(m), m.NoDest))
	}
	for _, m := range declared.morphColumns {
		errs = append(errs, fmt.Errorf("%s: %w", label(m), m.Invalid))
	}
	declared.Unlock()
	registry.RLock()
	for _, t := range registeredTypes() {
		for _, name := range sortedKeys(registry.m[t]) {
			if _, err := resolve(t, name); err != nil {
				errs = append(errs, err)
			}
		}
	}
	registry.RUnlock()
	for _, u := range byname.All() {
		if _, err := Lookup(u.Parent, u.Name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.What, err))
		}
	}
	return errors.Join(errs...)
}

// registeredTypes lists the types of the registry by name, for a stable
// order. Called with the registry locked.
func registeredTypes() []reflect.Type {
	ts := make([]reflect.Type, 0, len(registry.m))
	for t := range registry.m {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].String() < ts[j].String() })
	return ts
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checked returns the relations CheckSchema checks: the given ones, or
// every registered one.
func checked(rels []Relation) []*relmeta.Meta {
	var out []*relmeta.Meta
	if len(rels) > 0 {
		for _, r := range rels {
			if r != nil {
				out = append(out, relmeta.Of(r))
			}
		}
		return out
	}
	registry.RLock()
	defer registry.RUnlock()
	for _, t := range registeredTypes() {
		byName := registry.m[t]
		for _, name := range sortedKeys(byName) {
			out = append(out, byName[name].explicit...)
			out = append(out, byName[name].byDefault...)
		}
	}
	return out
}

// label names a relation for Check's errors: its kind, parent type, name
// and related type, as far as the declaration got.
func label(m *relmeta.Meta) string {
	switch {
	case m == nil:
		return "relation"
	case m.Parent == nil:
		return fmt.Sprintf("%s relation", m.Kind)
	case m.Kind == relmeta.KindMorphTo && len(m.Targets) > 0:
		return m.String()
	case m.Related == nil:
		return fmt.Sprintf("%s relation on %s", m.Kind, m.Parent.Type.Name())
	}
	name := m.Name
	if name == "" {
		name = defaultName(m)
	}
	return fmt.Sprintf("%s %s.%s → %s", m.Kind, m.Parent.Type.Name(), name, m.Related.Type.Name())
}

// ErrSchemaMismatch is matched by the errors of CheckSchema: a table or a
// column that a relation uses does not exist in the database.
var ErrSchemaMismatch = errors.New("relkit: relation does not match the database schema")

// CheckSchema checks rels, or with no argument every registered relation, against the live database behind ex: the tables of
// both models and the pivot table must exist, with the key columns the
// relation joins on and the pivot columns it reads or writes (WithPivot,
// WithPivotValue, WithTimestamps). Each problem names the relation, the
// table and the column, and matches ErrSchemaMismatch; they are returned
// together (errors.Join). Relations with declaration errors are left to
// Check. On PostgreSQL a table is found as the statements find it,
// through the search_path; on SQLite in the main database; on MySQL in
// the connection's current database. Other dialects
// give an error matching errors.ErrUnsupported. Run it in a test against a
// migrated database.
func CheckSchema(ctx context.Context, ex sqlt.Executor, rels ...Relation) error {
	if ex == nil {
		return fmt.Errorf("check schema: %w", sqlt.ErrNilValue)
	}
	var q string
	switch ex.Dialect().Name() {
	case "postgres":
		q = "select attname from pg_attribute where attrelid = to_regclass(?) and attnum > 0 and not attisdropped"
	case "sqlite":
		q = "select name from pragma_table_info(?)"
	case "mysql":
		q = "select column_name from information_schema.columns where table_schema = database() and table_name = ?"
	default:
		return fmt.Errorf("check schema: dialect %s: %w", ex.Dialect().Name(), errors.ErrUnsupported)
	}
	tables := map[string]map[string]bool{}
	columns := func(table string) (map[string]bool, error) {
		if cols, ok := tables[table]; ok {
			return cols, nil
		}
		arg := table
		if ex.Dialect().Name() == "postgres" {
			arg = ex.Dialect().Quote(table) // quoted: to_regclass keeps its case
		}
		rows, err := ex.Query(ctx, q, arg)
		if err != nil {
			return nil, err
		}
		names, err := sqlt.ScanAll[string](rows)
		if err != nil {
			return nil, err
		}
		cols := make(map[string]bool, len(names))
		for _, n := range names {
			cols[n] = true
		}
		tables[table] = cols
		return cols, nil
	}
	var errs []error
	for _, m := range checked(rels) {
		if m.Err() != nil {
			continue
		}
		for _, need := range schemaNeeds(m) {
			cols, err := columns(need.table)
			if err != nil {
				return fmt.Errorf("check schema: table %s: %w", need.table, err)
			}
			switch {
			case len(cols) == 0:
				errs = append(errs, fmt.Errorf("%s: table %s does not exist: %w", label(m), need.table, ErrSchemaMismatch))
			case !cols[need.column]:
				errs = append(errs, fmt.Errorf("%s: %s column %s.%s does not exist: %w", label(m), need.what, need.table, need.column, ErrSchemaMismatch))
			}
		}
	}
	return errors.Join(dedupe(errs)...)
}

// schemaNeed is a column a relation uses on a table.
type schemaNeed struct{ table, column, what string }

// schemaNeeds lists the key and pivot columns the relation uses.
func schemaNeeds(m *relmeta.Meta) []schemaNeed {
	if m.Kind == relmeta.KindMorphTo {
		out := []schemaNeed{{m.Parent.Table, m.MorphType, "morph type"}, {m.Parent.Table, m.ForeignKey, "morph id"}}
		for _, t := range m.Targets {
			out = append(out, schemaNeed{t.Related.Table, t.OwnerKey, "owner key"})
		}
		return out
	}
	p, r := m.Parent.Table, m.Related.Table
	switch m.Kind {
	case relmeta.KindHasOne, relmeta.KindHasMany:
		out := []schemaNeed{{p, m.LocalKey, "local key"}, {r, m.ForeignKey, "foreign key"}}
		if m.MorphType != "" {
			out = append(out, schemaNeed{r, m.MorphType, "morph type"})
		}
		return out
	case relmeta.KindBelongsTo:
		return []schemaNeed{{p, m.ForeignKey, "foreign key"}, {r, m.OwnerKey, "owner key"}}
	case relmeta.KindHasOneThrough, relmeta.KindHasManyThrough:
		t := m.Through.Table
		return []schemaNeed{{p, m.LocalKey, "local key"}, {t, m.FirstKey, "first key"}, {t, m.SecondLocalKey, "second local key"}, {r, m.SecondKey, "second key"}}
	}
	out := []schemaNeed{
		{p, m.ParentKey, "parent key"}, {r, m.RelatedKey, "related key"},
		{m.PivotTable, m.ForeignPivotKey, "foreign pivot key"}, {m.PivotTable, m.RelatedPivotKey, "related pivot key"},
	}
	if m.MorphType != "" {
		out = append(out, schemaNeed{m.PivotTable, m.MorphType, "morph type"})
	}
	for _, c := range m.PivotColumns {
		out = append(out, schemaNeed{m.PivotTable, c, "pivot"})
	}
	for _, v := range m.PivotValues {
		out = append(out, schemaNeed{m.PivotTable, v.Column, "pivot value"})
	}
	if m.Timestamps {
		out = append(out, schemaNeed{m.PivotTable, m.CreatedAtColumn, "pivot timestamp"}, schemaNeed{m.PivotTable, m.UpdatedAtColumn, "pivot timestamp"})
	}
	return out
}

// dedupe drops repeated messages (a missing table reported once per
// relation, not once per column).
func dedupe(errs []error) []error {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out
}

package rel

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/relkit/relkit/sqlt"
)

// declared holds every relation declared while packages initialise
// (package-level variables, init functions), the unusable ones included,
// in declaration order, for Check and CheckSchema.
var declared struct {
	sync.Mutex
	metas []*Meta
}

// record keeps m for Check when it is declared during package
// initialisation; relations made at run time are not kept.
func record(m *Meta) {
	if !inPackageInit() {
		return
	}
	declared.Lock()
	declared.metas = append(declared.metas, m)
	declared.Unlock()
}

// declaredLeaves returns the recorded relations that no other recorded
// relation was derived from: the values declarations end with.
func declaredLeaves() (all, leaves []*Meta) {
	declared.Lock()
	all = append([]*Meta(nil), declared.metas...)
	declared.Unlock()
	derived := map[*Meta]bool{}
	for _, m := range all {
		if m.from != nil {
			derived[m.from] = true
		}
	}
	for _, m := range all {
		if !derived[m] {
			leaves = append(leaves, m)
		}
	}
	return all, leaves
}

// Check reports the declaration errors of rels, or, with no argument, of
// every relation declared in a package-level variable or an init function
// of the program: bad or unmapped key columns ("pots_id"), a missing
// primary key, a Field that does not exist, an unsafe Where, and a parent
// with several fields that could receive the relation (choose one with
// Field). Such a relation would otherwise fail only when first used. A
// relation with no destination field at all is not an error: it still
// serves queries.
//
// The problems are returned together (errors.Join), each naming the
// relation and its parent type and matching the sentinel of its cause
// (ErrBadRelation, ErrNoDestination, sqlt.ErrUnknownColumn, …). Call it in
// a test, or at start-up; see also [CheckSchema].
func Check(rels ...Relation) error {
	metas, leaves := checked(rels)
	isLeaf := map[*Meta]bool{}
	for _, m := range leaves {
		isLeaf[m] = true
	}
	var errs []error
	seen := map[error]bool{}
	for _, m := range metas {
		err := m.Err()
		if err == nil && m.ambiguous && isLeaf[m] {
			err = m.destErr
		}
		if err == nil || seen[err] {
			continue
		}
		seen[err] = true
		errs = append(errs, fmt.Errorf("%s: %w", m.label(), err))
	}
	return errors.Join(errs...)
}

// checked returns the relations to check and those of them that are final
// values: the given ones, or every declared one.
func checked(rels []Relation) (all, leaves []*Meta) {
	if len(rels) == 0 {
		return declaredLeaves()
	}
	for _, r := range rels {
		var m *Meta
		if r != nil {
			m = r.Meta()
		}
		all = append(all, m)
	}
	return all, all
}

// label names a relation for Check's errors: its kind, parent type, name
// and related type, as far as the declaration got.
func (m *Meta) label() string {
	switch {
	case m == nil:
		return "relation"
	case m.Parent == nil:
		return fmt.Sprintf("%s relation", m.Kind)
	case m.Related == nil:
		return fmt.Sprintf("%s relation on %s", m.Kind, m.Parent.Type.Name())
	}
	name := m.Name
	if name == "" {
		name = m.defaultName()
	}
	return fmt.Sprintf("%s %s.%s → %s", m.Kind, m.Parent.Type.Name(), name, m.Related.Type.Name())
}

// ErrSchemaMismatch is matched by the errors of CheckSchema: a table or a
// column that a relation uses does not exist in the database.
var ErrSchemaMismatch = errors.New("relkit: relation does not match the database schema")

// CheckSchema checks rels, or with no argument every declared relation
// (as [Check] does), against the live database behind ex: the tables of
// both models and the pivot table must exist, with the key columns the
// relation joins on and the pivot columns it reads or writes (WithPivot,
// WithPivotValue, WithTimestamps). Each problem names the relation, the
// table and the column, and matches ErrSchemaMismatch; they are returned
// together (errors.Join). Relations with declaration errors are left to
// Check. On PostgreSQL a table is found as the statements find it,
// through the search_path; on SQLite in the main database. Other dialects
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
	_, leaves := checked(rels)
	var errs []error
	for _, m := range leaves {
		if m.Err() != nil {
			continue
		}
		for _, need := range m.schemaNeeds() {
			cols, err := columns(need.table)
			if err != nil {
				return fmt.Errorf("check schema: table %s: %w", need.table, err)
			}
			switch {
			case len(cols) == 0:
				errs = append(errs, fmt.Errorf("%s: table %s does not exist: %w", m.label(), need.table, ErrSchemaMismatch))
			case !cols[need.column]:
				errs = append(errs, fmt.Errorf("%s: %s column %s.%s does not exist: %w", m.label(), need.what, need.table, need.column, ErrSchemaMismatch))
			}
		}
	}
	return errors.Join(dedupe(errs)...)
}

// schemaNeed is a column a relation uses on a table.
type schemaNeed struct{ table, column, what string }

// schemaNeeds lists the key and pivot columns the relation uses.
func (m *Meta) schemaNeeds() []schemaNeed {
	p, r := m.Parent.Table, m.Related.Table
	switch m.Kind {
	case KindHasOne, KindHasMany:
		return []schemaNeed{{p, m.LocalKey, "local key"}, {r, m.ForeignKey, "foreign key"}}
	case KindBelongsTo:
		return []schemaNeed{{p, m.ForeignKey, "foreign key"}, {r, m.OwnerKey, "owner key"}}
	}
	out := []schemaNeed{
		{p, m.ParentKey, "parent key"}, {r, m.RelatedKey, "related key"},
		{m.PivotTable, m.ForeignPivotKey, "foreign pivot key"}, {m.PivotTable, m.RelatedPivotKey, "related pivot key"},
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

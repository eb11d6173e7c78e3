package pivot

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// maxParams bounds the bound parameters of one statement (SQLite allows
// 32766 since 3.32, PostgreSQL 65535).
const maxParams = 30000

// chunkKeys is the largest key list written as individual placeholders
// when the key type has no array form (a custom key type).
const chunkKeys = 500

// plan is one operation's view of the relation and the parent.
type plan struct {
	m          *relmeta.Meta
	parentKey  any           // normalised, in its bound form (keys.Bind)
	relKey     *schema.Field // related key field on C
	class      keys.Class    // class of the related key
	relBytes   bool          // related keys are bound as []byte (keys.IsBytes)
	filterSQL  string        // " and (…)" or ""
	filterArgs []any

	writeCreated, writeUpdated bool
	pivotValues                []relmeta.PivotValue // deduplicated, last wins

	table, fpk, rpk string // quoted: pivot table, qualified pivot keys
}

type stmt struct {
	sql  string
	args []any
}

func (p *plan) name() string {
	if p == nil || p.m.Name == "" {
		return "belongsToMany"
	}
	return p.m.Name
}

// prepare checks the arguments every operation shares and reads the
// parent's key. It always returns a plan (for the error message).
func prepare[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P) (*plan, error) {
	m := relmeta.Of(r)
	p := &plan{m: m}
	switch {
	case m.Kind == 0: // a zero relation value
		return p, fmt.Errorf("zero BelongsToManyRelation (declare it with rel.BelongsToMany): %w", sqlt.ErrNilValue)
	case m.Err() != nil:
		return p, m.Err()
	case ctx == nil:
		return p, fmt.Errorf("nil context: %w", sqlt.ErrNilValue)
	case ex == nil:
		return p, fmt.Errorf("nil executor: %w", sqlt.ErrNilValue)
	case parent == nil:
		return p, fmt.Errorf("nil parent: %w", sqlt.ErrNilValue)
	}
	if err := ctx.Err(); err != nil {
		return p, err
	}
	key, ok, err := r.ParentKey(parent)
	if err != nil {
		return p, err
	}
	if !ok || keys.IsZero(key) {
		return p, fmt.Errorf("parent %s has no %s (not saved?): %w", m.Parent.Type.Name(), m.ParentKey, ErrNoKey)
	}
	p.parentKey = keys.Bind(key, m.KeyBytes())
	f, _ := m.Related.Column(m.RelatedKey)
	p.relKey = f
	p.class = keys.ClassOf(f.Type)
	p.relBytes = keys.IsBytes(f.Type)
	if flt := render.PivotFilter(m); flt != nil {
		s, args, err := flt.ToSql()
		if err != nil {
			return p, fmt.Errorf("pivot filter: %w", err)
		}
		p.filterSQL, p.filterArgs = " and "+s, args
	}
	p.writeCreated = slices.Contains(m.PivotColumns, m.CreatedAtColumn)
	p.writeUpdated = slices.Contains(m.PivotColumns, m.UpdatedAtColumn)
	for _, pv := range m.PivotValues {
		if i := slices.IndexFunc(p.pivotValues, func(x relmeta.PivotValue) bool { return x.Column == pv.Column }); i >= 0 {
			p.pivotValues[i] = pv
			continue
		}
		p.pivotValues = append(p.pivotValues, pv)
	}
	p.table = sqltext.Ident(m.PivotTable)
	p.fpk = sqltext.Qualified(m.PivotTable, m.ForeignPivotKey)
	p.rpk = sqltext.Qualified(m.PivotTable, m.RelatedPivotKey)
	return p, nil
}

// checkAttrs validates attribute names: plain identifiers, not a pivot key.
func (p *plan) checkAttrs(attrs map[string]any) error {
	for k := range attrs {
		if !sqltext.ValidIdentifier(k) {
			return fmt.Errorf("pivot attribute: %w", &sqlt.InvalidIdentifierError{Ident: k})
		}
		if k == p.m.ForeignPivotKey || k == p.m.RelatedPivotKey {
			return fmt.Errorf("attribute %q is a pivot key: %w", k, ErrBadAttributes)
		}
	}
	return nil
}

// keyIn renders "rpk in (keys)" fragments: one for integer and string keys
// (the dialect keeps the parameter count bounded), chunks of explicit
// placeholders for custom key types.
func (p *plan) keyIn(d sqlt.Dialect, ks []any) []stmt {
	ks = keys.BindAll(ks, p.relBytes)
	if p.class != keys.Other {
		s, args := d.KeyList(p.rpk, ks)
		return []stmt{{s, args}}
	}
	var out []stmt
	for start := 0; start < len(ks); start += chunkKeys {
		end := min(start+chunkKeys, len(ks))
		out = append(out, stmt{p.rpk + " in (" + marks(end-start) + ")", ks[start:end]})
	}
	return out
}

// deletes renders the DELETE of the given related keys (nil: all of the
// parent's rows).
func (p *plan) deletes(d sqlt.Dialect, keys []any) []stmt {
	head := "delete from " + p.table + " where " + p.fpk + " = ?"
	if keys == nil {
		return []stmt{{head + p.filterSQL, append([]any{p.parentKey}, p.filterArgs...)}}
	}
	var out []stmt
	for _, in := range p.keyIn(d, keys) {
		args := make([]any, 0, 1+len(in.args)+len(p.filterArgs))
		args = append(append(append(args, p.parentKey), in.args...), p.filterArgs...)
		out = append(out, stmt{head + " and " + in.sql + p.filterSQL, args})
	}
	return out
}

// updates renders the UPDATE of the given related keys' rows with attrs
// (and updated_at under timestamps). changedOnly restricts it to rows
// where an attribute differs from its stored value; returning makes it
// return the related key of each row updated. No statement when there is
// nothing to set.
func (p *plan) updates(d sqlt.Dialect, keys []any, attrs map[string]any, now time.Time, changedOnly, returning bool) []stmt {
	names := sortedNames(attrs)
	var set strings.Builder
	var setArgs []any
	for _, n := range names {
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		set.WriteString(sqltext.Ident(n) + " = ?")
		setArgs = append(setArgs, attrs[n])
	}
	if _, given := attrs[p.m.UpdatedAtColumn]; p.writeUpdated && !given {
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		set.WriteString(sqltext.Ident(p.m.UpdatedAtColumn) + " = ?")
		setArgs = append(setArgs, now)
	}
	if set.Len() == 0 || len(keys) == 0 {
		return nil
	}
	var changed string
	var changedArgs []any
	if changedOnly && len(names) > 0 {
		var b strings.Builder
		b.WriteString(" and (")
		for i, n := range names {
			if i > 0 {
				b.WriteString(" or ")
			}
			col := sqltext.Qualified(p.m.PivotTable, n)
			if d.Name() == "sqlite" {
				b.WriteString(col + " is not ?")
			} else {
				// PostgreSQL: compare the text forms, the parameter typed
				// as the column (the CASE resolves it), so that columns
				// without an equality operator (json, xml, point) or with
				// a loose one (box compares areas) still work.
				b.WriteString(col + "::text is distinct from (case when false then " + col + " else ? end)::text")
			}
			changedArgs = append(changedArgs, attrs[n])
		}
		b.WriteString(")")
		changed = b.String()
	}
	head := "update " + p.table + " set " + set.String() + " where " + p.fpk + " = ? and "
	var tail string
	if returning {
		tail = " returning " + sqltext.Ident(p.m.RelatedPivotKey)
	}
	var out []stmt
	for _, in := range p.keyIn(d, keys) {
		args := make([]any, 0, len(setArgs)+1+len(in.args)+len(p.filterArgs)+len(changedArgs))
		args = append(args, setArgs...)
		args = append(args, p.parentKey)
		args = append(args, in.args...)
		args = append(args, p.filterArgs...)
		args = append(args, changedArgs...)
		out = append(out, stmt{head + in.sql + p.filterSQL + changed + tail, args})
	}
	return out
}

// updateChanged updates kept keys with their attributes, one statement per
// attribute map (keys sharing a map share the statement), and returns the
// keys whose row changed.
func (p *plan) updateChanged(ctx context.Context, tx sqlt.Executor, recs []record, now time.Time) (map[any]struct{}, error) {
	changed := make(map[any]struct{})
	d := tx.Dialect()
	if !d.Returning() {
		for _, rc := range recs {
			n, err := p.runCountIn(ctx, tx, p.updates(d, []any{rc.key}, rc.attrs, now, true, false))
			if err != nil {
				return nil, err
			}
			if n > 0 {
				changed[rc.key] = struct{}{}
			}
		}
		return changed, nil
	}
	type group struct {
		attrs map[string]any
		keys  []any
	}
	var groups []*group
	byMap := make(map[uintptr]*group)
	for _, rc := range recs {
		id := reflect.ValueOf(rc.attrs).Pointer()
		g := byMap[id]
		if g == nil {
			g = &group{attrs: rc.attrs}
			byMap[id] = g
			groups = append(groups, g)
		}
		g.keys = append(g.keys, rc.key)
	}
	for _, g := range groups {
		for _, s := range p.updates(d, g.keys, g.attrs, now, true, true) {
			if err := p.scanKeys(ctx, tx, s, func(k any) { changed[k] = struct{}{} }); err != nil {
				return nil, err
			}
		}
	}
	return changed, nil
}

// keyList is a list of keys read from the database, kept typed so that
// reading 1,000 keys boxes none of them.
type keyList struct {
	ints  []int64
	strs  []string
	other []any
	uuid  bool // a PostgreSQL uuid column: strs are in canonical form
}

// index returns the keys as a set.
func (l *keyList) index(c keys.Class) keys.Index {
	x := keys.NewIndex(len(l.ints)+len(l.strs)+len(l.other), c)
	for i, k := range l.ints {
		x.PutInt(k, i)
	}
	for i, k := range l.strs {
		x.PutStr(k, i)
	}
	for i, k := range l.other {
		x.Put(k, i)
	}
	return x
}

// missing returns, in order, the keys that are not in want.
func (l *keyList) missing(want *keys.Index) []any {
	out := []any{}
	for _, k := range l.ints {
		if !want.HasInt(k) {
			out = append(out, k)
		}
	}
	for _, k := range l.strs {
		if !want.HasStr(k) {
			out = append(out, k)
		}
	}
	for _, k := range l.other {
		if !want.Has(k) {
			out = append(out, k)
		}
	}
	return out
}

// current reads the parent's related keys (honouring the pivot filters).
func (p *plan) current(ctx context.Context, tx sqlt.Executor) (keyList, error) {
	var l keyList
	rows, err := tx.Query(ctx, "select "+p.rpk+" from "+p.table+" where "+p.fpk+" = ?"+p.filterSQL,
		append([]any{p.parentKey}, p.filterArgs...)...)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	var ik int64
	var sk string
	var ak any
	dest := []any{&ak}
	var bk []byte
	switch {
	case p.class == keys.Int:
		dest[0] = &ik
	case p.class == keys.String && p.relBytes:
		dest[0] = &bk // pgx scans a bytea into []byte, not a string
	case p.class == keys.String:
		dest[0] = &sk
	}
	if p.class == keys.String && tx.Dialect().Name() == "postgres" {
		types, err := rows.ColumnTypeNames()
		if err != nil {
			return l, err
		}
		l.uuid = types[0] == "UUID"
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return l, err
		}
		if p.relBytes {
			sk = string(bk)
		}
		switch p.class {
		case keys.Int:
			l.ints = append(l.ints, ik)
		case keys.String:
			l.strs = append(l.strs, sk)
		default:
			k, err := keys.Cast(ak, p.class, p.m.RelatedPivotKey)
			if err != nil {
				return l, err
			}
			l.other = append(l.other, k)
		}
	}
	if err := rows.Err(); err != nil {
		return l, err
	}
	return l, rows.Close()
}

// scanKeys runs a statement returning one key column and calls fn with
// each key, normalised and cast to the related key's class. Integer and
// string keys are scanned into typed destinations, as current reads them:
// the driver converts the column (a PostgreSQL uuid into its text form).
func (p *plan) scanKeys(ctx context.Context, ex sqlt.Executor, s stmt, fn func(any)) error {
	rows, err := ex.Query(ctx, s.sql, s.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ik int64
	var sk string
	var v any
	dest := []any{&v}
	var bk []byte
	switch {
	case p.class == keys.Int:
		dest[0] = &ik
	case p.class == keys.String && p.relBytes:
		dest[0] = &bk // pgx scans a bytea into []byte, not a string
	case p.class == keys.String:
		dest[0] = &sk
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if p.relBytes {
			sk = string(bk)
		}
		switch p.class {
		case keys.Int:
			fn(ik)
			continue
		case keys.String:
			fn(sk)
			continue
		}
		k, err := keys.Cast(v, p.class, p.m.RelatedPivotKey)
		if err != nil {
			return err
		}
		fn(k)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// inserts renders the INSERTs attaching recs: one multi-row statement per
// set of attribute columns, split to stay under maxParams.
func (p *plan) inserts(recs []record, now time.Time) ([]stmt, error) {
	type group struct {
		names []string
		recs  []record
	}
	var groups []*group
	bySig := make(map[string]*group)
	for _, rc := range recs {
		if err := p.checkAttrs(rc.attrs); err != nil {
			return nil, err
		}
		names := sortedNames(rc.attrs)
		sig := strings.Join(names, ",")
		g := bySig[sig]
		if g == nil {
			g = &group{names: names}
			bySig[sig] = g
			groups = append(groups, g)
		}
		g.recs = append(g.recs, rc)
	}
	var out []stmt
	for _, g := range groups {
		cols := []string{p.m.RelatedPivotKey, p.m.ForeignPivotKey}
		var base []any
		add := func(col string, v any) {
			if slices.Contains(cols, col) {
				return
			}
			if _, found := slices.BinarySearch(g.names, col); found {
				return // an attribute sets it
			}
			cols = append(cols, col)
			base = append(base, v)
		}
		if p.writeCreated {
			add(p.m.CreatedAtColumn, now)
		}
		if p.writeUpdated {
			add(p.m.UpdatedAtColumn, now)
		}
		for _, pv := range p.pivotValues {
			add(pv.Column, pv.Value)
		}
		cols = append(cols, g.names...)
		var hb strings.Builder
		hb.WriteString("insert into " + p.table + " (")
		for i, c := range cols {
			if i > 0 {
				hb.WriteString(", ")
			}
			hb.WriteString(sqltext.Ident(c))
		}
		hb.WriteString(") values ")
		head := hb.String()
		row := "(" + marks(len(cols)) + ")"
		per := max(1, maxParams/len(cols))
		for start := 0; start < len(g.recs); start += per {
			chunk := g.recs[start:min(start+per, len(g.recs))]
			var b strings.Builder
			b.Grow(len(head) + len(chunk)*(len(row)+2))
			b.WriteString(head)
			args := make([]any, 0, len(chunk)*len(cols))
			for i, rc := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(row)
				args = append(args, keys.Bind(rc.key, p.relBytes), p.parentKey)
				args = append(args, base...)
				for _, n := range g.names {
					args = append(args, rc.attrs[n])
				}
			}
			out = append(out, stmt{b.String(), args})
		}
	}
	return out, nil
}

// run executes stmts: one directly, several in one transaction.
func (p *plan) run(ctx context.Context, ex sqlt.Executor, stmts []stmt) error {
	_, err := p.runCount(ctx, ex, stmts)
	return err
}

// runCount executes stmts and returns the rows affected: one statement
// directly, several in one transaction; on PostgreSQL always in a
// transaction that first takes the parent's lock (see lock).
func (p *plan) runCount(ctx context.Context, ex sqlt.Executor, stmts []stmt) (int64, error) {
	switch {
	case len(stmts) == 0:
		return 0, nil
	case len(stmts) == 1 && !locks(ex.Dialect()):
		res, err := ex.Exec(ctx, stmts[0].sql, stmts[0].args...)
		return res.RowsAffected, err
	}
	var n int64
	err := sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
		if err := p.lock(ctx, tx); err != nil {
			return err
		}
		var err error
		n, err = p.runCountIn(ctx, tx, stmts)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// locks reports whether pivot writes on d take the parent's lock: on
// PostgreSQL. SQLite needs none: a write transaction holds the database's
// write lock from BEGIN IMMEDIATE (sqlt.Open's default for files; an
// in-memory database has a single connection), and a single statement
// runs under that lock.
func locks(d sqlt.Dialect) bool { return d.Name() == "postgres" }

// lockSQL takes a transaction-scoped advisory lock. It is a statement of
// its own: under READ COMMITTED a statement reads from the snapshot taken
// when it starts, so a read in the same statement as the lock would miss
// the rows committed by the transaction that held it.
const lockSQL = "select pg_advisory_xact_lock(hashtextextended(?, 0))"

// lock serializes the pivot writes of one parent inside tx, on dialects
// that need it (see locks): it waits for, then holds until tx ends, an
// advisory lock keyed by the pivot table, the foreign pivot key column and
// the parent's key, so that the read-then-write of a sync sees every row
// committed by the writers before it.
func (p *plan) lock(ctx context.Context, tx sqlt.Executor) error {
	if !locks(tx.Dialect()) {
		return nil
	}
	k := fmt.Sprint(p.parentKey)
	if s, ok := p.parentKey.(string); ok {
		if u, ok := keys.CanonicalUUID(s); ok {
			k = u // spellings of one uuid parent key share the lock
		}
	}
	if _, err := tx.Exec(ctx, lockSQL, "relkit.pivot "+p.m.PivotTable+" "+p.m.ForeignPivotKey+" "+k); err != nil {
		return fmt.Errorf("lock the pivot rows of the parent: %w", err)
	}
	return nil
}

// runCountIn executes stmts on ex as they come.
func (p *plan) runCountIn(ctx context.Context, ex sqlt.Executor, stmts []stmt) (int64, error) {
	var n int64
	for _, s := range stmts {
		res, err := ex.Exec(ctx, s.sql, s.args...)
		if err != nil {
			return 0, err
		}
		n += res.RowsAffected
	}
	return n, nil
}

func sortedNames(m map[string]any) []string {
	if len(m) == 0 {
		return nil
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// marks returns "?, ?, …" with n marks.
func marks(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

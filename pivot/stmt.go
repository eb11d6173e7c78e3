package pivot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/internal/touch"
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
	m           *relmeta.Meta
	parentKey   any           // normalised, in its bound form (keys.Bind)
	parentNorm  any           // normalised
	parentClass keys.Class    // class of the parent key
	parentBytes bool          // parent keys are bound as []byte
	relKey      *schema.Field // related key field on C
	class       keys.Class    // class of the related key
	relBytes    bool          // related keys are bound as []byte (keys.IsBytes)
	relText     bool          // related keys are bound as text (a morphedByMany's text id column)
	filterSQL   string        // " and (…)" or ""
	filterArgs  []any

	writeCreated, writeUpdated bool
	pivotValues                []relmeta.PivotValue // deduplicated, last wins

	table, fpk, rpk string // quoted: pivot table, qualified pivot keys

	locked bool // the parent's lock is held already (see lock): runCount takes it no more
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
	pf, _ := m.Parent.Column(m.ParentKey)
	p.parentClass = keys.ClassOf(pf.Type)
	p.parentBytes = m.KeyBytes()
	key, err := parentKey(p, r, parent)
	if err != nil {
		return p, err
	}
	p.parentNorm, p.parentKey = key, m.BindKey(key)
	f, _ := m.Related.Column(m.RelatedKey)
	p.relKey = f
	p.class = keys.ClassOf(f.Type)
	p.relBytes = keys.IsBytes(f.Type)
	p.relText = m.IDText && m.MorphInverse
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
	if m.MorphType != "" {
		// A morphToMany's type: written on attach, never replaced.
		p.pivotValues = slices.DeleteFunc(p.pivotValues, func(x relmeta.PivotValue) bool { return x.Column == m.MorphType })
		p.pivotValues = append(p.pivotValues, relmeta.PivotValue{Column: m.MorphType, Value: m.MorphClass})
	}
	p.table = sqltext.Ident(m.PivotTable)
	p.fpk = sqltext.Qualified(m.PivotTable, m.ForeignPivotKey)
	p.rpk = sqltext.Qualified(m.PivotTable, m.RelatedPivotKey)
	return p, nil
}

// parentKey reads the normalised key of a parent.
func parentKey[P, C any](p *plan, r rel.BelongsToManyRelation[P, C], parent *P) (any, error) {
	if parent == nil {
		return nil, fmt.Errorf("nil parent: %w", sqlt.ErrNilValue)
	}
	key, ok, err := r.ParentKey(parent)
	if err != nil {
		return nil, err
	}
	if !ok || keys.IsZero(key) {
		return nil, fmt.Errorf("parent %s has no %s (not saved?): %w", p.m.Parent.Type.Name(), p.m.ParentKey, ErrNoKey)
	}
	return key, nil
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
		if k == p.m.MorphType {
			return fmt.Errorf("attribute %q is the morph type column: %w", k, ErrBadAttributes)
		}
	}
	return nil
}

// keyIn renders "rpk in (keys)" fragments (see inList).
func (p *plan) keyIn(d sqlt.Dialect, ks []any) []stmt {
	if p.relText {
		ks = keys.TextAll(ks)
	}
	return inList(d, p.rpk, p.class, p.relBytes, ks)
}

// inList renders "col in (keys)" fragments for normalised keys of class c
// (bound as []byte when blob): one for integer and string keys (the
// dialect keeps the parameter count bounded), chunks of explicit
// placeholders for custom key types.
func inList(d sqlt.Dialect, col string, c keys.Class, blob bool, ks []any) []stmt {
	ks = keys.BindAll(ks, blob)
	if c != keys.Other {
		s, args := d.KeyList(col, ks)
		return []stmt{{s, args}}
	}
	var out []stmt
	for start := 0; start < len(ks); start += chunkKeys {
		end := min(start+chunkKeys, len(ks))
		out = append(out, stmt{col + " in (" + marks(end-start) + ")", ks[start:end]})
	}
	return out
}

// term is one parent's part of a WHERE clause: "fpk = ? and rpk in (…)".
type term stmt

// terms renders, for one parent, the terms matching its related keys ks
// (one term, or chunks for custom key types).
func (p *plan) terms(d sqlt.Dialect, parent any, ks []any) []term {
	ins := p.keyIn(d, ks)
	out := make([]term, len(ins))
	for i, in := range ins {
		args := make([]any, 0, 1+len(in.args))
		out[i] = term{p.fpk + " = ? and " + in.sql, append(append(args, parent), in.args...)}
	}
	return out
}

// keySet is one parent's related keys (bound parent key, normalised
// related keys).
type keySet struct {
	parent any
	keys   []any
}

// pairsPerTerm bounds the (parent, key) pairs of one row-value term (two
// parameters each), leaving room for the statement's other parameters.
const pairsPerTerm = maxParams / 4

// termsOf renders the terms matching each set's related keys of its
// parent. On SQLite, with several parents, they are pairs in row values,
// "(fpk, rpk) in (values (?, ?), …)" (on MySQL "(fpk, rpk) in ((?, ?),
// …)", which it reads as ranges of the pivot's index): SQLite plans a long OR of
// per-parent terms slowly (preparing the DELETE of one key each of 100
// parents took about 3× the time of the row-value form). On PostgreSQL,
// integer keys travel as two arrays (see pairsArray); other keys as one
// term per parent (see terms): PostgreSQL types no parameter of a VALUES
// list or of unnest from the column it is compared with.
func (p *plan) termsOf(d sqlt.Dialect, sets []keySet) []term {
	if len(sets) == 1 {
		return p.terms(d, sets[0].parent, sets[0].keys)
	}
	if d.Name() == "postgres" {
		if p.parentClass == keys.Int && p.class == keys.Int && len(sets) > 1 {
			return []term{p.pairsArray(sets)}
		}
		var out []term
		for _, s := range sets {
			out = append(out, p.terms(d, s.parent, s.keys)...)
		}
		return out
	}
	var out []term
	var args []any
	list := "(values " // SQLite's table of values; MySQL 8 spells it VALUES ROW(…), a list of rows is both's
	if d.Name() == "mysql" {
		list = "("
	}
	flush := func() {
		out = append(out, term{"(" + p.fpk + ", " + p.rpk + ") in " + list + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(args)/2), ", ") + ")", args})
		args = nil
	}
	for _, s := range sets {
		for _, k := range s.keys {
			if len(args) == 2*pairsPerTerm {
				flush()
			}
			args = append(args, s.parent, p.bindRel(k))
		}
	}
	if len(args) > 0 {
		flush()
	}
	return out
}

// pairsArray renders the PostgreSQL term matching the sets' (parent, key)
// pairs of integer keys as two array parameters, "(fpk, rpk) in (select *
// from unnest(?::bigint[], ?::bigint[]))": the text and the parameter
// count do not grow with the pairs, and the server plans it faster than an
// OR of per-parent terms.
func (p *plan) pairsArray(sets []keySet) term {
	n := 0
	for _, s := range sets {
		n += len(s.keys)
	}
	// Each array has its column's type: a polymorphic id column of type
	// text takes the keys' text forms (text = bigint has no operator).
	array := func(text bool, key func(s keySet, k any) int64) (any, string) {
		if text {
			a := make([]string, 0, n)
			for _, s := range sets {
				for _, k := range s.keys {
					a = append(a, strconv.FormatInt(key(s, k), 10))
				}
			}
			return a, "text[]"
		}
		a := make([]int64, 0, n)
		for _, s := range sets {
			for _, k := range s.keys {
				a = append(a, key(s, k))
			}
		}
		return a, "bigint[]"
	}
	ps, pt := array(p.m.ParentKeyText(), func(s keySet, _ any) int64 {
		n, _, _ := keys.ToCast[int64](s.parent) // bound: its text form for a text id column
		return n
	})
	ks, kt := array(p.relText, func(_ keySet, k any) int64 { return k.(int64) })
	return term{"(" + p.fpk + ", " + p.rpk + ") in (select * from unnest(?::" + pt + ", ?::" + kt + "))", []any{ps, ks}}
}

// bindRel returns a normalised related key in its bound form.
func (p *plan) bindRel(k any) any {
	if p.relText {
		return keys.Text(k)
	}
	return keys.Bind(k, p.relBytes)
}

// where renders statements head + (the terms, or-ed) + tail, as few as
// the bound-parameter limit allows: one term is written as it is, several
// as "(t1) or (t2) …" in parentheses. headArgs bind head's marks and
// tailArgs tail's.
func where(head string, headArgs []any, ts []term, tail string, tailArgs []any) []stmt {
	var out []stmt
	for start := 0; start < len(ts); {
		n := len(headArgs) + len(tailArgs)
		end := start
		for end < len(ts) && (end == start || n+len(ts[end].args) <= maxParams) {
			n += len(ts[end].args)
			end++
		}
		chunk := ts[start:end]
		start = end
		if len(chunk) == 1 && len(headArgs) == 0 && len(tailArgs) == 0 {
			// The common case (one parent, no filter arguments): the
			// term's own arguments, the text in one allocation.
			out = append(out, stmt{head + chunk[0].sql + tail, chunk[0].args})
			continue
		}
		args := make([]any, 0, n)
		args = append(args, headArgs...)
		var b strings.Builder
		b.WriteString(head)
		if len(chunk) == 1 {
			b.WriteString(chunk[0].sql)
		} else {
			b.WriteString("(")
			for i, t := range chunk {
				if i > 0 {
					b.WriteString(" or ")
				}
				b.WriteString("(")
				b.WriteString(t.sql)
				b.WriteString(")")
			}
			b.WriteString(")")
		}
		for _, t := range chunk {
			args = append(args, t.args...)
		}
		b.WriteString(tail)
		out = append(out, stmt{b.String(), append(args, tailArgs...)})
	}
	return out
}

// deletes renders the DELETE of the given related keys of the parent (nil:
// all of the parent's rows).
func (p *plan) deletes(d sqlt.Dialect, keys []any) []stmt {
	if keys == nil {
		return []stmt{{"delete from " + p.table + " where " + p.fpk + " = ?" + p.filterSQL, append([]any{p.parentKey}, p.filterArgs...)}}
	}
	return p.deleteKeys(d, p.parentKey, keys)
}

// deleteKeys renders the DELETE of the related keys ks of one parent (its
// bound key): for integer and string keys one statement written in one
// concatenation (see inList), for custom key types through terms.
func (p *plan) deleteKeys(d sqlt.Dialect, parent any, ks []any) []stmt {
	if p.class == keys.Other {
		return p.deleteTerms(p.terms(d, parent, ks))
	}
	bound := keys.BindAll(ks, p.relBytes)
	if p.relText {
		bound = keys.TextAll(ks)
	}
	in, inArgs := d.KeyList(p.rpk, bound)
	args := make([]any, 0, 1+len(inArgs)+len(p.filterArgs))
	args = append(append(append(args, parent), inArgs...), p.filterArgs...)
	return p.semiJoin([]stmt{{"delete from " + p.table + " where " + p.fpk + " = ? and " + in + p.filterSQL, args}})
}

// deleteTerms renders the DELETE of the rows the terms select.
func (p *plan) deleteTerms(ts []term) []stmt {
	return p.semiJoin(where("delete from "+p.table+" where ", nil, ts, p.filterSQL, p.filterArgs))
}

// semiJoin rewrites, in place, the DELETEs and UPDATEs of the pivot table
// whose key list is read by json_table (MySQL's form of a long key list,
// see sqlt.Dialect.KeyList) into MySQL's multi-table forms, "delete t from
// t where …" and "update t, (select 1) as relkit_one set … where …":
// MariaDB (before 11.1) runs the IN subquery of a single-table DELETE or
// UPDATE as a dependent subquery, reading the whole JSON array again for
// every row (deleting 19,990 of 20,000 rows took minutes), and plans the
// multi-table forms' as a semi-join, as it does a SELECT's (milliseconds).
// Other statements are returned as they are.
func (p *plan) semiJoin(ss []stmt) []stmt {
	del, upd := "delete from "+p.table+" ", "update "+p.table+" set "
	for i, s := range ss {
		if !strings.Contains(s.sql, " json_table(") {
			continue
		}
		switch {
		case strings.HasPrefix(s.sql, del):
			ss[i].sql = "delete " + p.table + " from " + p.table + " " + s.sql[len(del):]
		case strings.HasPrefix(s.sql, upd):
			ss[i].sql = "update " + p.table + ", (select 1) as relkit_one set " + s.sql[len(upd):]
		}
	}
	return ss
}

// set renders the SET list writing attrs (and updated_at under
// timestamps); "" when there is nothing to set.
func (p *plan) set(attrs map[string]any, now time.Time) (string, []any) {
	var set strings.Builder
	var args []any
	for _, n := range sortedNames(attrs) {
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		set.WriteString(sqltext.Ident(n) + " = ?")
		args = append(args, attrs[n])
	}
	if _, given := attrs[p.m.UpdatedAtColumn]; p.writeUpdated && !given {
		if set.Len() > 0 {
			set.WriteString(", ")
		}
		set.WriteString(sqltext.Ident(p.m.UpdatedAtColumn) + " = ?")
		args = append(args, now)
	}
	return set.String(), args
}

// updateTerms renders the UPDATE with attrs of the rows the terms select,
// restricted by extra (and its arguments, see differs) when not "". No
// statement when there is nothing to set.
func (p *plan) updateTerms(ts []term, attrs map[string]any, now time.Time, extra string, extraArgs []any) []stmt {
	set, setArgs := p.set(attrs, now)
	if set == "" || len(ts) == 0 {
		return nil
	}
	tail := p.filterSQL + extra
	return p.semiJoin(where("update "+p.table+" set "+set+" where ", setArgs, ts, tail, append(slices.Clip(p.filterArgs), extraArgs...)))
}

// differs renders a condition true on the pivot rows where an attribute
// differs from its value in attrs, as "(a is not ? or …)" with its
// arguments ("" when attrs is empty).
func (p *plan) differs(d sqlt.Dialect, attrs map[string]any) (string, []any) {
	names := sortedNames(attrs)
	if len(names) == 0 {
		return "", nil
	}
	var b strings.Builder
	args := make([]any, 0, len(names))
	b.WriteString("(")
	for i, n := range names {
		if i > 0 {
			b.WriteString(" or ")
		}
		col := sqltext.Qualified(p.m.PivotTable, n)
		switch d.Name() {
		case "sqlite":
			b.WriteString(col + " is not ?")
		case "mysql":
			b.WriteString("not (" + col + " <=> ?)") // <=>: equal, NULLs included
		default:
			// PostgreSQL: compare the text forms, the parameter typed
			// as the column (the CASE resolves it), so that columns
			// without an equality operator (json, xml, point) or with
			// a loose one (box compares areas) still work.
			b.WriteString(col + "::text is distinct from (case when false then " + col + " else ? end)::text")
		}
		args = append(args, attrs[n])
	}
	b.WriteString(")")
	return b.String(), args
}

// keyDest is a scan destination for one key column: typed for integer
// and string keys (the driver converts the column, a PostgreSQL uuid into
// its text form), so that reading 1,000 keys boxes none of them.
type keyDest struct {
	class keys.Class
	bytes bool   // bound as []byte: pgx scans a bytea into []byte, not a string
	text  bool   // an integer key in a polymorphic id column of type text
	col   string // for errors
	i     int64
	s     string
	b     []byte
	a     any
}

// ptr returns the destination to pass to Scan.
func (k *keyDest) ptr() any {
	switch {
	case k.class == keys.Int && k.text:
		return &k.s
	case k.class == keys.Int:
		return &k.i
	case k.class == keys.String && k.bytes:
		return &k.b
	case k.class == keys.String:
		return &k.s
	}
	return &k.a
}

// str returns a string key scanned.
func (k *keyDest) str() string {
	if k.bytes {
		return string(k.b)
	}
	return k.s
}

// value returns the key scanned, normalised and cast to its class.
func (k *keyDest) value() (any, error) {
	switch k.class {
	case keys.Int:
		if k.text {
			return keys.Cast(k.s, keys.Int, k.col)
		}
		return k.i, nil
	case keys.String:
		return k.str(), nil
	}
	return keys.Cast(k.a, k.class, k.col)
}

// inserts renders the INSERTs attaching recs: one multi-row statement per
// set of attribute columns, split to stay under maxParams.
func (p *plan) inserts(recs []record, now time.Time) ([]stmt, error) {
	type group struct {
		names []string
		recs  []record
	}
	groups := []*group{{recs: recs}} // no attributes: one group, nothing to check
	if slices.ContainsFunc(recs, func(rc record) bool { return len(rc.attrs) > 0 }) {
		groups = nil
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
		idents := make([]string, len(cols))
		n := len("insert into  () values ") + len(p.table)
		for i, c := range cols {
			idents[i] = sqltext.Ident(c)
			n += len(idents[i]) + 2
		}
		per := max(1, maxParams/len(cols))
		for start := 0; start < len(g.recs); start += per {
			chunk := g.recs[start:min(start+per, len(g.recs))]
			var b strings.Builder // the statement in one allocation
			b.Grow(n + len(chunk)*(3*len(cols)+2))
			b.WriteString("insert into ")
			b.WriteString(p.table)
			b.WriteString(" (")
			for i, id := range idents {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(id)
			}
			b.WriteString(") values ")
			args := make([]any, 0, len(chunk)*len(cols))
			for i, rc := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?")
				for range len(cols) - 1 {
					b.WriteString(", ?")
				}
				b.WriteString(")")
				args = append(args, p.bindRel(rc.key), rc.parent)
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
// transaction that first takes the parent's lock (see lock), unless the
// plan holds it already (p.locked). In the caller's transaction, one
// statement runs without a savepoint (see syncIn). When they affected
// rows, the touches of the relation follow in that transaction
// (touch.Pivot; one statement then runs in a transaction, or a savepoint,
// too).
func (p *plan) runCount(ctx context.Context, ex sqlt.Executor, stmts []stmt) (int64, error) {
	touches := touch.PivotAny(ctx, p.m)
	switch {
	case len(stmts) == 0:
		return 0, nil
	case len(stmts) == 1 && (!locks(ex.Dialect()) || p.locked) && !touches:
		res, err := ex.Exec(ctx, stmts[0].sql, stmts[0].args...)
		return res.RowsAffected, err
	}
	var n int64
	run := func(tx sqlt.Executor) error {
		if err := p.lock(ctx, tx); err != nil {
			return err
		}
		var err error
		if n, err = p.runCountIn(ctx, tx, stmts); err != nil || n == 0 || !touches {
			return err
		}
		return touch.Pivot(ctx, tx, p.m, []any{p.parentKey}, schema.Now())
	}
	var err error
	if _, nested := ex.(*sqlt.Transaction); nested && len(stmts) == 1 && !touches {
		err = run(ex)
	} else {
		err = inTxRetry(ctx, ex, run)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// locks reports whether pivot writes on d take the parent's lock: on
// PostgreSQL and MySQL. SQLite needs none: a write transaction holds the
// database's write lock from BEGIN IMMEDIATE (sqlt.Open's default for
// files; an in-memory database has a single connection), and a single
// statement runs under that lock.
func locks(d sqlt.Dialect) bool { return d.Name() != "sqlite" }

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
	if p.locked {
		return nil
	}
	return p.lockAll(ctx, tx, []any{p.parentKey})
}

// lockAll is lock for several parents (their bound keys), in one
// statement that takes their locks in ascending order of lock key, so
// that two writers locking overlapping sets cannot deadlock each other.
//
// MySQL has no transaction-scoped advisory lock (GET_LOCK's locks belong
// to the session and outlive a rollback), so there the lock is the
// parent's row, "select … for update" in the order of its key: an
// exclusive row lock held until the transaction ends. Writers of the
// pivot rows of one parent through different relations wait for each
// other too, which costs a little concurrency and nothing else. A parent
// row that does not exist locks nothing (the foreign key, where declared,
// then refuses the write).
func (p *plan) lockAll(ctx context.Context, tx sqlt.Executor, parents []any) error {
	d := tx.Dialect()
	if !locks(d) || len(parents) == 0 {
		return nil
	}
	var err error
	if d.Name() == "mysql" {
		err = p.lockRows(ctx, tx, parents)
	} else if len(parents) == 1 {
		_, err = tx.Exec(ctx, lockSQL, p.lockKey(parents[0]))
	} else {
		ks := make([]string, len(parents))
		for i, k := range parents {
			ks[i] = p.lockKey(k)
		}
		slices.Sort(ks)
		_, err = tx.Exec(ctx, lockManySQL, slices.Compact(ks))
	}
	if err != nil {
		return fmt.Errorf("lock the pivot rows of the parent: %w", err)
	}
	return nil
}

// lockRows is lockAll on MySQL: it locks the parents' rows.
func (p *plan) lockRows(ctx context.Context, tx sqlt.Executor, parents []any) error {
	col := sqltext.Qualified(p.m.Parent.Table, p.m.ParentKey)
	// The order by is the order of a range scan of the key's index; a
	// long list, read by json_table, may be locked in the array's order
	// instead: sorted, so that two writers lock overlapping sets in one
	// order there too.
	parents = slices.SortedFunc(slices.Values(parents), keys.Compare)
	for _, in := range inList(tx.Dialect(), col, p.parentClass, p.parentBytes, parents) {
		// Exec: the rows are not wanted (the driver reads and drops
		// them), and like PostgreSQL's lock it is no read to count (see
		// sqlt.RepeatOptions.AllSelects).
		if _, err := tx.Exec(ctx, "select 1 from "+sqltext.Ident(p.m.Parent.Table)+" where "+in.sql+" order by "+col+" for update", in.args...); err != nil {
			return err
		}
	}
	return nil
}

// lockManySQL is lockSQL for an array of lock keys, taken in array order.
var lockManySQL = "select pg_advisory_xact_lock(hashtextextended(" + sqltext.Ident("k") + ", 0)) from unnest(?::text[]) as " + sqltext.Ident("k")

// lockKey is the text whose hash is the advisory lock of a parent's pivot
// rows (its bound key).
func (p *plan) lockKey(parent any) string {
	k := fmt.Sprint(parent)
	if s, ok := parent.(string); ok {
		if u, ok := keys.CanonicalUUID(s); ok {
			k = u // spellings of one uuid parent key share the lock
		}
	}
	if p.m.MorphType != "" {
		// A morphToMany's parents of two types may share a key: each
		// type's rows have their own lock.
		return "relkit.pivot " + p.m.PivotTable + " " + p.m.ForeignPivotKey + " " + p.m.MorphType + "=" + strconv.Quote(p.m.MorphClass) + " " + k
	}
	return "relkit.pivot " + p.m.PivotTable + " " + p.m.ForeignPivotKey + " " + k
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

package pivot

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/reltag"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/internal/touch"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ErrDuplicateParent is matched by the error of [SyncMany] given one
// parent (one key) twice. No statement runs.
var ErrDuplicateParent = errors.New("relkit: parent given twice")

// SyncMany is [Sync] for many parents at once: each parent's pivot rows
// become the related keys ids(parent) returns (any form [Sync] accepts),
// and the result holds each parent's [Changes], in the order of parents.
// The rows left and the Changes are those of calling Sync for each parent
// in turn (Detached in the order the database returns the rows), but the
// statements do not grow with the number of parents: one SELECT reads
// every parent's current keys, one DELETE detaches, one multi-row INSERT
// attaches and one UPDATE per distinct attribute map updates (each split
// only to stay under the bound-parameter limit); on PostgreSQL the writes
// are one statement and the parents' locks (see Concurrency in the package
// doc) are taken in one statement, in a fixed order, before the read.
// Everything runs in one transaction, or in the caller's: if a statement
// fails, no parent's pivot rows change. A parent given twice fails with
// [ErrDuplicateParent]; no parents runs no statement.
func SyncMany[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parents []*P, ids func(*P) any) ([]Changes, error) {
	const op = "sync many"
	if len(parents) == 0 {
		return []Changes{}, nil
	}
	p, err := prepare(ctx, ex, r, parents[0])
	if err == nil && ids == nil {
		err = fmt.Errorf("nil ids function: %w", sqlt.ErrNilValue)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, p.name(), err)
	}
	ts := make([]*target, len(parents))
	block := make([]target, len(parents)) // one allocation for every target
	seen := keys.NewIndex(len(parents), p.parentClass)
	for i, parent := range parents {
		key, err := parentKey(p, r, parent)
		if err == nil && seen.Has(key) {
			err = fmt.Errorf("parent %v: %w", key, ErrDuplicateParent)
		}
		if err == nil {
			seen.Put(key, i)
			ts[i] = &block[i]
			err = newTarget[C](ts[i], p, key, ids(parent), nil)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", op, p.name(), err)
		}
	}
	if err := p.sync(ctx, ex, ts, detach); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, p.name(), err)
	}
	out := make([]Changes, len(ts))
	for i, t := range ts {
		out[i] = t.ch
	}
	return out, nil
}

// mode is what a sync does with the current keys: detach those not
// wanted (Sync), keep them (SyncWithoutDetaching), or detach those wanted
// and keep the others (Toggle).
type mode uint8

const (
	detach mode = iota
	keep
	toggle
)

func syncKeys[P, C any](ctx context.Context, ex sqlt.Executor, r rel.BelongsToManyRelation[P, C], parent *P, ids any, values map[string]any, m mode, op string) (Changes, error) {
	p, err := prepare(ctx, ex, r, parent)
	if err != nil {
		return Changes{}, fmt.Errorf("%s %s: %w", op, p.name(), err)
	}
	one := &struct { // one allocation for the target and its list
		t  target
		ts [1]*target
	}{}
	t := &one.t
	one.ts[0] = t
	if err := newTarget[C](t, p, p.parentNorm, ids, values); err != nil {
		return Changes{}, fmt.Errorf("%s %s: %w", op, p.name(), err)
	}
	if len(t.recs) == 0 && m != detach {
		return newChanges(), nil
	}
	if err := p.sync(ctx, ex, one.ts[:], m); err != nil {
		return Changes{}, fmt.Errorf("%s %s: %w", op, p.name(), err)
	}
	return t.ch, nil
}

// target is one parent of a sync: what it wants, what the database has,
// and, once synced, its Changes.
type target struct {
	parent   any        // bound key
	norm     any        // normalised key
	recs     []record   // wanted, in input order
	want     keys.Index // key → position in recs
	attrs    bool       // some record has attributes
	detached []any      // current keys not wanted, in the order read
	state    []uint8    // per record: absent, kept (and whether it differs)
	ch       Changes
}

// Record states of a target, set by the read.
const (
	absent      = iota // no row: attach
	keptSame           // the row is there, with the attributes given if any
	keptDiffers        // the read found an attribute that differs
	keptUnknown        // no flag column: an UPDATE decides
)

// newTarget fills t with one parent's ids (values on top of their
// attributes).
func newTarget[C any](t *target, p *plan, parent, ids any, values map[string]any) error {
	recs, want, err := parseIndexed[C](p, ids)
	if err != nil {
		return err
	}
	*t = target{parent: p.m.BindKey(parent), norm: parent, recs: recs, want: want}
	for i := range recs {
		if len(values) > 0 {
			recs[i].attrs = overlay(recs[i].attrs, values)
		}
		if err := p.checkAttrs(recs[i].attrs); err != nil {
			return err
		}
		t.attrs = t.attrs || len(recs[i].attrs) > 0
	}
	return nil
}

// inTx runs fn in a transaction on ex: a savepoint when ex is a
// transaction, else a transaction of its own, which on MySQL is READ
// COMMITTED. There each statement reads the rows committed before it
// (the parent's lock serializes the writers, see plan.lockAll), and
// InnoDB takes no gap locks, which under its default REPEATABLE READ
// make two writers of neighbouring parents deadlock.
func inTx(ctx context.Context, ex sqlt.Executor, fn func(tx sqlt.Executor) error) error {
	return txOn(ctx, ex, 0, fn)
}

// mysqlRetries is how many times inTxRetry runs fn again on MySQL.
const mysqlRetries = 5

// inTxRetry is inTx that, in a transaction of its own on MySQL, runs fn
// again (up to mysqlRetries times, see sqlt.TxOptions.MaxRetries) after a
// deadlock (1213) or a lock wait timeout (1205): the parent's lock
// serializes the writers of one parent, but InnoDB locks the rows a DELETE
// or UPDATE scans through the index it picks, and on a pivot table without
// a primary key starting with the foreign pivot key that index (the
// related key's) holds other parents' rows, which two writers of different
// parents can lock in opposite orders. fn must be safe to run again. In a
// caller's transaction there is no retry: the caller's transaction is
// rolled back, and retrying it is the caller's (sqlt.TxWith's MaxRetries).
func inTxRetry(ctx context.Context, ex sqlt.Executor, fn func(tx sqlt.Executor) error) error {
	return txOn(ctx, ex, mysqlRetries, fn)
}

func txOn(ctx context.Context, ex sqlt.Executor, retries int, fn func(tx sqlt.Executor) error) error {
	if _, nested := ex.(*sqlt.Transaction); !nested && ex.Dialect().Name() == "mysql" {
		return sqlt.TxWith(ctx, ex, sqlt.TxOptions{Isolation: sqlt.ReadCommitted, MaxRetries: retries}, fn)
	}
	return sqlt.Tx(ctx, ex, fn)
}

// sync runs the sync of every target in one transaction: the caller's
// when ex is one (with a savepoint only when a failure could leave part of
// the work done, see syncIn), its own otherwise.
func (p *plan) sync(ctx context.Context, ex sqlt.Executor, ts []*target, m mode) error {
	ctx = reltag.Write(ctx) // the read of the current keys is part of the write (sqlt.RepeatGuard)
	if tx, ok := ex.(*sqlt.Transaction); ok {
		return p.syncIn(ctx, tx, ts, m, true)
	}
	return inTxRetry(ctx, ex, func(tx sqlt.Executor) error { return p.syncIn(ctx, tx, ts, m, false) })
}

// syncIn locks the targets' parents, reads their current keys (and, for
// kept keys given attributes, whether the row differs), then writes what
// differs. nested says that tx is the caller's transaction: the writes
// then run in a savepoint when there are two or more (a failure part-way
// would leave the first done). One write needs none: it fails whole, and
// on PostgreSQL a failed statement aborts the caller's transaction, as the
// lock's and the read's would (see Statements and transactions in the
// package doc).
func (p *plan) syncIn(ctx context.Context, tx sqlt.Executor, ts []*target, m mode, nested bool) error {
	d := tx.Dialect()
	if locks(d) {
		parents := make([]any, len(ts))
		for i, t := range ts {
			parents[i] = t.parent
		}
		if err := p.lockAll(ctx, tx, parents); err != nil {
			return err
		}
	}
	gs := &attrGroups{}
	if err := p.read(ctx, tx, ts, gs, m, nested); err != nil {
		return err
	}
	now := schema.Now()
	writes, counted, err := p.syncWrites(d, ts, gs, m, now)
	if err != nil {
		return err
	}
	if d.Name() == "postgres" {
		writes = merge(writes)
	}
	exec := func(tx sqlt.Executor) error {
		for _, s := range writes {
			if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
				return err
			}
		}
		for _, c := range counted {
			res, err := tx.Exec(ctx, c.sql, c.args...)
			if err != nil {
				return err
			}
			if res.RowsAffected > 0 {
				c.t.state[c.pos] = keptDiffers
			} else {
				c.t.state[c.pos] = keptSame
			}
		}
		return p.touchSynced(ctx, tx, ts, now)
	}
	if n := len(writes) + len(counted); nested && (n > 1 || n == 1 && touch.PivotAny(ctx, p.m)) {
		err = inTx(ctx, tx, exec)
	} else {
		err = exec(tx)
	}
	if err != nil {
		return err
	}
	for _, t := range ts {
		for i, rc := range t.recs {
			if t.attrs && t.state[i] == keptDiffers {
				t.ch.Updated = append(t.ch.Updated, rc.key)
			}
		}
	}
	return nil
}

// maxFlags bounds the attribute maps whose difference the read computes
// (one column each); kept keys with another map are updated by a
// statement of their own that reports whether the row changed.
const maxFlags = 32

// attrGroups numbers distinct attribute maps (by identity, then by
// content), up to maxFlags.
type attrGroups struct {
	maps   []map[string]any
	byPtr  map[uintptr]int // made by the first map: a sync without attributes allocates none
	frozen bool            // the read is rendered: no new group
}

// of returns the group of attrs, -1 for none.
func (gs *attrGroups) of(attrs map[string]any) int {
	ptr := reflect.ValueOf(attrs).Pointer()
	if i, ok := gs.byPtr[ptr]; ok {
		return i
	}
	if gs.byPtr == nil {
		gs.byPtr = map[uintptr]int{}
	}
	i := slices.IndexFunc(gs.maps, func(m map[string]any) bool { return reflect.DeepEqual(m, attrs) })
	if i < 0 && !gs.frozen && len(gs.maps) < maxFlags {
		i = len(gs.maps)
		gs.maps = append(gs.maps, attrs)
	}
	gs.byPtr[ptr] = i
	return i
}

// read runs the one SELECT of a sync: each target's current keys (the
// parents' rows the pivot filters select) and one flag column per
// attribute group, 1 where the row differs from the group's attributes
// (none for a toggle, which updates no row). A toggle's detached keys are
// the current keys it wants, in the order read.
func (p *plan) read(ctx context.Context, tx sqlt.Executor, ts []*target, gs *attrGroups, m mode, nested bool) error {
	d := tx.Dialect()
	many := len(ts) > 1
	for _, t := range ts {
		for _, rc := range t.recs {
			if len(rc.attrs) > 0 && m != toggle {
				gs.of(rc.attrs)
			}
		}
	}
	gs.frozen = true
	var b strings.Builder
	b.Grow(64 + 2*len(p.fpk) + len(p.rpk) + len(p.table) + len(p.filterSQL)) // the one-parent read without flags in one allocation
	var args []any
	b.WriteString("select ")
	if many {
		b.WriteString(p.fpk)
		b.WriteString(", ")
	}
	b.WriteString(p.rpk)
	for _, g := range gs.maps {
		cond, a := p.differs(d, g)
		b.WriteString(", case when " + cond + " then 1 else 0 end")
		args = append(args, a...)
	}
	b.WriteString(" from ")
	b.WriteString(p.table)
	b.WriteString(" where ")
	if many {
		norms := make([]any, len(ts))
		for i, t := range ts {
			norms[i] = t.norm
		}
		if p.m.ParentKeyText() {
			norms = keys.TextAll(norms)
		}
		ins := inList(d, p.fpk, p.parentClass, p.parentBytes, norms)
		if len(ins) > 1 {
			b.WriteString("(")
		}
		for i, in := range ins {
			if i > 0 {
				b.WriteString(" or ")
			}
			b.WriteString(in.sql)
			args = append(args, in.args...)
		}
		if len(ins) > 1 {
			b.WriteString(")")
		}
	} else {
		b.WriteString(p.fpk)
		b.WriteString(" = ?")
		args = append(args, ts[0].parent)
	}
	b.WriteString(p.filterSQL)
	args = append(args, p.filterArgs...)
	if nested && d.Name() == "mysql" {
		// In the caller's transaction, a locking read: under REPEATABLE
		// READ (MySQL's default) a plain SELECT reads the transaction's
		// snapshot, which can predate the rows that the writer who held
		// the parent's lock before us committed (see plan.lockAll).
		// relkit's own transaction is READ COMMITTED (see inTx).
		b.WriteString(" for update")
	}
	rows, err := tx.Query(ctx, b.String(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	sc := &struct { // one allocation for both keys and their destinations
		kd   [2]keyDest
		dest [2]any
	}{kd: [2]keyDest{
		{class: p.parentClass, bytes: p.parentBytes, text: p.m.ParentKeyText(), col: p.m.ForeignPivotKey},
		{class: p.class, bytes: p.relBytes, text: p.relText, col: p.m.RelatedPivotKey},
	}}
	fd, rd := &sc.kd[0], &sc.kd[1]
	flags := make([]int64, len(gs.maps))
	dest := sc.dest[:0]
	if many {
		dest = append(dest, fd.ptr())
	}
	dest = append(dest, rd.ptr())
	for i := range flags {
		dest = append(dest, &flags[i])
	}
	var parentUUID bool
	if d.Name() == "postgres" && (p.class == keys.String || many && p.parentClass == keys.String) {
		types, err := rows.ColumnTypeNames()
		if err != nil {
			return err
		}
		if p.class == keys.String && types[len(dest)-len(flags)-1] == "UUID" {
			for _, t := range ts {
				t.recs, t.want = canonicalUUIDs(p, t.recs, t.want)
			}
		}
		parentUUID = many && types[0] == "UUID"
	}
	var byParent keys.Index
	if many {
		byParent = keys.NewIndex(len(ts), p.parentClass)
		for i, t := range ts {
			k := t.norm
			if s, ok := k.(string); ok && parentUUID {
				if u, ok := keys.CanonicalUUID(s); ok {
					k = u
				}
			}
			if byParent.Has(k) {
				return fmt.Errorf("parent %v: %w", t.norm, ErrDuplicateParent)
			}
			byParent.Put(k, i)
		}
	}
	n := 0
	for _, t := range ts {
		n += len(t.recs)
		t.detached = nil // a retried transaction reads again (see inTxRetry)
	}
	states := make([]uint8, n) // one block for every target
	for _, t := range ts {
		t.state, states = states[:len(t.recs):len(t.recs)], states[len(t.recs):]
	}
	t := ts[0]
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if many {
			fk, err := fd.value()
			if err != nil {
				return err
			}
			i, ok := byParent.Get(fk)
			if !ok {
				return fmt.Errorf("pivot row of an unknown parent %v", fk)
			}
			t = ts[i]
		}
		var k any
		switch p.class {
		case keys.Int:
			if !t.want.HasInt(rd.i) {
				if m == detach {
					t.detached = append(t.detached, rd.i)
				}
				continue
			}
			k = rd.i
		case keys.String:
			s := rd.str()
			if !t.want.HasStr(s) {
				if m == detach {
					t.detached = append(t.detached, s)
				}
				continue
			}
			k = s
		default:
			v, err := rd.value()
			if err != nil {
				return err
			}
			if !t.want.Has(v) {
				if m == detach {
					t.detached = append(t.detached, v)
				}
				continue
			}
			k = v
		}
		pos, _ := t.want.Get(k)
		if m == toggle {
			if t.state[pos] == absent { // a key's second row is detached with the first
				t.state[pos] = keptSame
				t.detached = append(t.detached, k)
			}
			continue
		}
		if t.state[pos] == absent { // a key's second row keeps the first's state
			t.state[pos] = keptSame
		}
		if attrs := t.recs[pos].attrs; len(attrs) > 0 {
			switch g := gs.of(attrs); {
			case g < 0:
				t.state[pos] = keptUnknown
			case flags[g] != 0:
				t.state[pos] = keptDiffers
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// counted is an UPDATE of one kept key whose row may or may not differ:
// its count decides.
type counted struct {
	stmt
	t   *target
	pos int
}

// syncWrites renders the writes of a sync, after read: one DELETE of
// every target's detached keys, the INSERTs of every target's new keys
// (see inserts), one UPDATE per attribute group of the kept keys whose
// row differs, then the UPDATEs of kept keys in no group. It fills the
// targets' Attached and Detached. A toggle updates no kept row.
func (p *plan) syncWrites(d sqlt.Dialect, ts []*target, gs *attrGroups, m mode, now time.Time) ([]stmt, []counted, error) {
	del := make([]keySet, 0, len(ts))
	nAtt := 0
	for _, t := range ts {
		for _, st := range t.state {
			if st == absent {
				nAtt++
			}
		}
	}
	att := make([]record, 0, nAtt)
	upd := make([][]keySet, len(gs.maps))
	var unknown []counted
	for _, t := range ts {
		t.ch = newChanges()
		if len(t.detached) > 0 {
			t.ch.Detached = t.detached
			del = append(del, keySet{t.parent, t.detached})
		}
		var byGroup map[int][]any
		for i, rc := range t.recs {
			if t.state[i] == absent {
				rc.parent = t.parent
				att = append(att, rc)
				t.ch.Attached = append(t.ch.Attached, rc.key)
				continue
			}
			if !t.attrs || m == toggle {
				continue
			}
			switch t.state[i] {
			case keptDiffers:
				if byGroup == nil {
					byGroup = map[int][]any{}
				}
				g := gs.of(rc.attrs)
				byGroup[g] = append(byGroup[g], rc.key)
			case keptUnknown:
				cond, args := p.differs(d, rc.attrs)
				for _, s := range p.updateTerms(p.terms(d, t.parent, []any{rc.key}), rc.attrs, now, " and "+cond, args) {
					unknown = append(unknown, counted{s, t, i})
				}
			}
		}
		for g := range gs.maps {
			if ks := byGroup[g]; len(ks) > 0 {
				upd[g] = append(upd[g], keySet{t.parent, ks})
			}
		}
	}
	ins, err := p.inserts(att, now)
	if err != nil {
		return nil, nil, err
	}
	var writes []stmt
	if len(del) == 1 {
		writes = p.deleteKeys(d, del[0].parent, del[0].keys)
	} else {
		writes = p.deleteTerms(p.termsOf(d, del))
	}
	writes = append(writes, ins...)
	for g, attrs := range gs.maps {
		writes = append(writes, p.updateTerms(p.termsOf(d, upd[g]), attrs, now, "", nil)...)
	}
	return writes, unknown, nil
}

// merge joins PostgreSQL write statements into as few as the
// bound-parameter limit allows, all but the last of each as data-modifying
// CTEs ("with w1 as (delete …) insert …"): one statement is atomic, and
// one round trip. The statements of a sync touch disjoint rows (detached,
// attached and kept keys), which is what a statement's CTEs, sharing one
// snapshot, require.
func merge(ss []stmt) []stmt {
	var out []stmt
	for start := 0; start < len(ss); {
		end, n := start, 0
		for end < len(ss) && (end == start || n+len(ss[end].args) <= maxParams) {
			n += len(ss[end].args)
			end++
		}
		chunk := ss[start:end]
		last := chunk[len(chunk)-1]
		if len(chunk) == 1 {
			out = append(out, last)
			start = end
			continue
		}
		var b strings.Builder
		args := make([]any, 0, n)
		b.WriteString("with ")
		for i, s := range chunk[:len(chunk)-1] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqltext.Ident(fmt.Sprintf("w%d", i+1)) + " as (" + s.sql + ")")
			args = append(args, s.args...)
		}
		b.WriteString(" " + last.sql)
		out = append(out, stmt{b.String(), append(args, last.args...)})
		start = end
	}
	return out
}

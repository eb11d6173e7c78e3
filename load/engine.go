package load

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/relkit/relkit/internal/keys"
	"github.com/relkit/relkit/internal/names"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// level is the result of loading one node over one set of parents. A load
// runs every statement first (fetch) and only then writes into the
// parents (assign), so a failing statement leaves the caller's structs as
// they were.
type level struct {
	n       *node
	parents parentSet
	pg      []int32       // parent → group (one per distinct key); -1: no key
	rows    *rowStore     // the rows as read; nil when no statement ran
	first   []int32       // to-one: group → index in rows; -1: no row
	backing reflect.Value // to-many: []C or []*C with each group's rows together
	off     []int32       // to-many: group g is backing[off[g]:off[g+1]]
	sub     []*level      // the levels below; a morphTo's: one per target (nil: no parent of that type)
	mt, mp  []int32       // a morphTo's: parent → target index (-1: none), place among its parents
}

// fetch runs the statements of n and its subtree for the parents ps.
func fetch(ctx context.Context, ex sqlt.Executor, n *node, ps parentSet) (*level, error) {
	if isMorph(n) {
		return fetchMorph(ctx, ex, n, ps)
	}
	lv := &level{n: n, parents: ps}
	m := n.m
	pf, _ := m.Parent.Column(m.ParentKeyColumn())
	var cls keys.Class
	if pf != nil {
		cls = keys.ClassOf(pf.Type)
	}
	if cls == keys.Other && m.Kind != relmeta.KindBelongsToMany {
		side := m.Related
		if m.Kind.Through() {
			side = m.Through
		}
		if cf, ok := side.Column(m.RelatedKeyColumn()); ok {
			cls = keys.ClassOf(cf.Type)
		}
	}
	if cls == keys.Other {
		cls = probeClass(m, pf, ps)
	}
	if m.IDText && m.Kind == relmeta.KindBelongsTo {
		// A morphTo's target: its keys are of the target's class, the text
		// ids are cast to it.
		if of, ok := m.Related.Column(m.OwnerKey); ok {
			cls = keys.ClassOf(of.Type)
		}
	}
	var err error
	if cls == keys.String {
		err = fetchK[string](ctx, ex, lv, pf)
	} else {
		err = fetchK[int64](ctx, ex, lv, pf)
	}
	if err != nil {
		return nil, err
	}
	return lv, nil
}

// skipEmpty wraps a key reader so that an empty string key reads as NULL.
func skipEmpty[K keys.Key](read keys.Reader[K]) keys.Reader[K] {
	return func(v reflect.Value) (K, bool, error) {
		k, ok, err := read(v)
		if s, isStr := any(k).(string); ok && isStr && s == "" {
			ok = false
		}
		return k, ok, err
	}
}

// probeClass decides the key class of a custom key type from the first
// parent key that is set.
func probeClass(m *relmeta.Meta, pf *schema.Field, ps parentSet) keys.Class {
	if pf == nil {
		return keys.Int
	}
	for i := 0; i < ps.len(); i++ {
		k, ok, err := keys.Norm(pf.Get(ps.at(i)).Interface())
		if err != nil || !ok {
			continue
		}
		if _, s := k.(string); s {
			return keys.String
		}
		return keys.Int
	}
	return keys.Int
}

func fetchK[K keys.Key](ctx context.Context, ex sqlt.Executor, lv *level, pf *schema.Field) error {
	n := lv.n
	m := n.m
	np := lv.parents.len()
	if pf == nil {
		return fmt.Errorf("load %s: %s has no column %s: %w", n.path, m.Parent.Type.Name(), m.ParentKeyColumn(), rel.ErrBadRelation)
	}

	// Keys: deduplicated, NULL skipped (0 and "" are keys); each distinct key is a
	// group that the children are matched to.
	read := keys.ReaderFor[K](pf)
	if m.IDText && m.Kind == relmeta.KindBelongsTo {
		read = keys.CastReader[K](pf) // a morphTo's text ids, for an integer-keyed target
	}
	if m.MorphTargetKind() {
		// A morphTo's string-keyed target: an empty id points at nothing
		// (Laravel's gatherKeysByType drops it), and is not sent, which a
		// uuid key column on PostgreSQL would refuse.
		read = skipEmpty(read)
	}
	lv.pg = make([]int32, np)
	groups := make(map[K]int32, min(np, 4096))
	var ks []K
	for i := 0; i < np; i++ {
		k, ok, err := read(lv.parents.at(i))
		if err != nil {
			return fmt.Errorf("load %s: parent %d: %s: %w", n.path, i, m.ParentKeyColumn(), err)
		}
		if !ok {
			lv.pg[i] = -1
			continue
		}
		g, seen := groups[k]
		if !seen {
			g = int32(len(ks))
			groups[k] = g
			ks = append(ks, k)
		}
		lv.pg[i] = g
	}
	if len(ks) == 0 {
		return nil // no statement: nothing can match
	}
	slices.Sort(ks) // the groups are numbered already; sorted keys read better in logs and indexes
	args := make([]any, len(ks))
	for i, k := range ks {
		args[i] = m.BindKey(k)
	}

	s := &stmt{m: m, cols: n.cols, need: n.need}
	s.keySQL, s.keyArgs = ex.Dialect().KeyList(render.KeyColumn(m, m.Related.Table), args)
	sqlText, sqlArgs, err := s.sql(n.cons)
	if err != nil {
		return fmt.Errorf("load %s: %w", n.path, err)
	}
	rows, err := ex.Query(ctx, sqlText, sqlArgs...)
	if err != nil {
		return fmt.Errorf("load %s: %w", n.path, err)
	}
	// belongsToMany and through rows are matched on a key read with them
	// (pivot_<foreign pivot key>, relkit_through_key), not on a field.
	var readKeys []K
	var extra *schema.Extra
	keyRead := m.Kind == relmeta.KindBelongsToMany || m.Kind.Through()
	switch {
	case m.Kind == relmeta.KindBelongsToMany:
		extra = pivotExtra(m, &readKeys)
	case m.Kind.Through():
		extra = throughExtra(m, &readKeys)
	}
	if render.Limited(n.cons) {
		if extra == nil {
			extra = &schema.Extra{}
		}
		extra.Drop = isRowColumn
	}
	lv.rows = newRowStore(m.Related.Type, len(ks))
	if err := schema.ScanFunc(rows, m.Related.Type, lv.rows.next, extra); err != nil {
		return fmt.Errorf("load %s: %w", n.path, err)
	}
	nc := lv.rows.n

	// Match each child to its group.
	cg := make([]int32, nc)
	if keyRead {
		for j, k := range readKeys {
			if g, ok := groups[k]; ok {
				cg[j] = g
			} else {
				cg[j] = -1
			}
		}
	} else {
		cf, _ := m.Related.Column(m.RelatedKeyColumn())
		readc := keys.ReaderFor[K](cf)
		if m.IDText {
			readc = keys.CastReader[K](cf) // a text id column, for integer keys
		}
		for j := 0; j < nc; j++ {
			k, ok, err := readc(lv.rows.at(j))
			if err != nil {
				return fmt.Errorf("load %s: row %d: %s: %w", n.path, j, m.RelatedKeyColumn(), err)
			}
			g, found := groups[k]
			if !ok || !found {
				g = -1
			}
			cg[j] = g
		}
	}

	if m.Kind.ToMany() {
		lv.group(cg, len(ks))
	} else {
		lv.first = make([]int32, len(ks))
		for g := range lv.first {
			lv.first[g] = -1
		}
		for j, g := range cg {
			if g >= 0 && lv.first[g] < 0 {
				lv.first[g] = int32(j)
			}
		}
	}
	next := lv.rowSet()

	for _, c := range n.children {
		if next.len() == 0 {
			lv.sub = append(lv.sub, &level{n: c, parents: next})
			continue
		}
		sub, err := fetch(ctx, ex, c, next)
		if err != nil {
			return err
		}
		lv.sub = append(lv.sub, sub)
	}
	return nil
}

// rowSet returns the rows the level read, as the parents of the level
// below: the grouped backing (to-many) or the rows themselves (to-one).
func (lv *level) rowSet() parentSet {
	if m := lv.n.m; m.Kind.ToMany() {
		return parentSet{v: lv.backing, ptr: m.DestShape == relmeta.DestSlicePtr}
	}
	return parentSet{rows: lv.rows}
}

// group lays the children out so that each group's rows are contiguous,
// keeping the query's order within a group (a stable counting sort): every
// parent then gets a sub-slice of one backing array, one allocation for
// the whole level. When the rows already arrive grouped (ordered by the
// key, as an index scan gives them), a single chunk is the backing and
// several are copied whole.
func (lv *level) group(cg []int32, ngroups int) {
	off := make([]int32, ngroups+1)
	matched := 0
	for _, g := range cg {
		if g >= 0 {
			off[g+1]++
			matched++
		}
	}
	for g := 0; g < ngroups; g++ {
		off[g+1] += off[g]
	}
	cur := make([]int32, ngroups)
	copy(cur, off[:ngroups])
	inOrder := matched == len(cg) // every row matched, already where it goes
	for j, g := range cg {
		if g < 0 {
			continue
		}
		p := cur[g]
		cur[g]++
		cg[j] = p // cg now holds each child's position
		if int(p) != j {
			inOrder = false
		}
	}
	lv.off = off
	m := lv.n.m
	switch {
	case m.DestShape == relmeta.DestSlicePtr:
		b := reflect.MakeSlice(reflect.SliceOf(reflect.PointerTo(m.Related.Type)), matched, matched)
		for j, p := range cg {
			if p >= 0 {
				b.Index(int(p)).Set(lv.rows.at(j).Addr())
			}
		}
		lv.backing = b
	case inOrder && len(lv.rows.chunks) == 1:
		lv.backing = lv.rows.chunks[0].Slice(0, matched)
	case inOrder:
		// Grouped already, in several chunks: one copy per chunk.
		b := reflect.MakeSlice(reflect.SliceOf(m.Related.Type), matched, matched)
		for k, c := range lv.rows.chunks {
			end := lv.rows.n
			if k+1 < len(lv.rows.starts) {
				end = lv.rows.starts[k+1]
			}
			reflect.Copy(b.Slice(lv.rows.starts[k], end), c)
		}
		lv.backing = b
	default:
		b := reflect.MakeSlice(reflect.SliceOf(m.Related.Type), matched, matched)
		for j, p := range cg {
			if p >= 0 {
				b.Index(int(p)).Set(lv.rows.at(j))
			}
		}
		lv.backing = b
	}
}

// assign writes the loaded rows into the parents, deepest levels first so
// that a to-one value copied into its parent carries its own relations.
// Back-references are set afterwards, where the values ended up (adoptAll).
func (lv *level) assign() {
	if isMorph(lv.n) {
		lv.assignMorph()
		return
	}
	for _, s := range lv.sub {
		s.assign()
	}
	m := lv.n.m
	np := lv.parents.len()
	if np == 0 {
		return
	}
	switch m.DestShape {
	case relmeta.DestSlice, relmeta.DestSlicePtr:
		var empty reflect.Value
		var base unsafe.Pointer // &backing[0]
		var size uintptr
		if lv.backing.IsValid() {
			base, size = lv.backing.UnsafePointer(), lv.backing.Type().Elem().Size()
		}
		for i := 0; i < np; i++ {
			dest := schema.FieldAt(lv.parents.at(i), m.Dest)
			g := int32(-1)
			if lv.pg != nil {
				g = lv.pg[i]
			}
			if g < 0 || lv.off == nil || lv.off[g] == lv.off[g+1] {
				if !empty.IsValid() {
					// One shared empty, non-nil slice (JSON [] rather
					// than null); appending to it allocates afresh.
					empty = reflect.MakeSlice(dest.Type(), 0, 0)
				}
				dest.Set(empty)
				continue
			}
			a, b := int(lv.off[g]), int(lv.off[g+1])
			// dest = backing[a:b:b], written in place: Slice3 would
			// allocate a header for each parent.
			*(*sliceHeader)(dest.Addr().UnsafePointer()) = sliceHeader{unsafe.Add(base, uintptr(a)*size), b - a, b - a}
		}
	case relmeta.DestPtr, relmeta.DestValue:
		for i := 0; i < np; i++ {
			p := lv.parents.at(i)
			dest := schema.FieldAt(p, m.Dest)
			j := lv.row(i)
			switch {
			case j >= 0 && m.DestShape == relmeta.DestPtr:
				dest.Set(lv.rows.at(int(j)).Addr())
			case j >= 0:
				dest.Set(lv.rows.at(int(j)))
			case m.Default != nil:
				d := m.Default(p.Addr())
				if m.DestShape == relmeta.DestPtr {
					dest.Set(d)
				} else {
					dest.Set(d.Elem())
				}
			default:
				dest.SetZero()
			}
		}
	}
}

// row returns the index in rows of the row that parent i of a to-one
// level gets, -1 if none.
func (lv *level) row(i int) int32 {
	if lv.pg == nil || lv.first == nil || lv.pg[i] < 0 {
		return -1
	}
	return lv.first[lv.pg[i]]
}

var mapStringAny = reflect.TypeFor[map[string]any]()

// pivotExtra reads the pivot_* columns of a belongsToMany load: it records
// each row's foreign pivot key (the match key) in *keys, then stores the
// pivot columns in the related model's pivot field, as render.PivotExtra
// does (directly for the common map[string]any field; a struct pivot's
// fields are scan destinations themselves, see pivotStructExtra).
func pivotExtra[K keys.Key](m *relmeta.Meta, ks *[]K) *schema.Extra {
	if e := pivotStructExtra(m, ks); e != nil {
		return e
	}
	fk := names.PivotAlias(m.ForeignPivotKey)
	at := -1
	var names []string
	return &schema.Extra{
		Want: isPivotColumn,
		Row: func(elem reflect.Value, cols []string, vals []any) error {
			if at < 0 {
				at = slices.Index(cols, fk)
				if at < 0 {
					return fmt.Errorf("result has no column %s: %w", fk, rel.ErrBadRelation)
				}
				names = make([]string, len(cols))
				for i, c := range cols {
					names[i] = strings.TrimPrefix(c, "pivot_")
				}
			}
			uuidText(vals)
			to := keys.To[K]
			if m.IDText {
				to = keys.ToCast[K] // a text id column, for integer keys
			}
			k, _, err := to(vals[at])
			if err != nil {
				return fmt.Errorf("pivot key %s: %w", m.ForeignPivotKey, err)
			}
			*ks = append(*ks, k)
			if m.PivotDest == nil {
				return nil
			}
			fv := schema.FieldAt(elem, m.PivotDest)
			if m.PivotType == mapStringAny {
				pv := make(map[string]any, len(names))
				for i, name := range names {
					pv[name] = vals[i]
				}
				fv.Set(reflect.ValueOf(pv))
				return nil
			}
			return render.SetPivot(fv, cols, vals)
		},
	}
}

func isPivotColumn(col string) bool { return strings.HasPrefix(col, "pivot_") }

// isRowColumn tells the row number of a per-parent limit, read and dropped.
func isRowColumn(col string) bool { return col == render.RowColumn }

// throughExtra reads the names.ThroughKey column of a through load: it
// records each row's through key (the match key) in *ks; the column never
// reaches the struct.
func throughExtra[K keys.Key](m *relmeta.Meta, ks *[]K) *schema.Extra {
	return &schema.Extra{
		Want: func(col string) bool { return col == names.ThroughKey },
		Row: func(_ reflect.Value, _ []string, vals []any) error {
			uuidText(vals)
			k, _, err := keys.To[K](vals[0])
			if err != nil {
				return fmt.Errorf("through key %s.%s: %w", m.Through.Table, m.FirstKey, err)
			}
			*ks = append(*ks, k)
			return nil
		},
	}
}

// uuidText replaces the [16]byte that pgx reads a uuid column into (in an
// any) with its text form, as a typed string field would get.
func uuidText(vals []any) {
	for i, v := range vals {
		if u, ok := v.([16]byte); ok {
			vals[i] = keys.UUIDString(u)
		}
	}
}

// pivotStructExtra is pivotExtra for a pivot field that is a struct or a
// pointer to one (nil for other pivot fields): the pivot columns of int64,
// bool, float64 and string fields are scanned straight into the field of
// the row's pivot struct (schema.FieldDest), with no value boxed on the
// way; other columns are read into an any and stored with schema.Assign,
// as render.SetPivot does; columns the struct does not map are dropped.
// The match key is read back from the struct's field for the foreign
// pivot key, or from its own any when the struct has none.
func pivotStructExtra[K keys.Key](m *relmeta.Meta, ks *[]K) *schema.Extra {
	pt, ptr := m.PivotType, false
	if pt == nil {
		return nil
	}
	if pt.Kind() == reflect.Pointer {
		pt, ptr = pt.Elem(), true
	}
	if pt.Kind() != reflect.Struct || len(m.PivotDest) != 1 {
		return nil // a map, or a field of an embedded struct: the general path
	}
	pm, err := schema.ModelOf(pt)
	if err != nil {
		return nil // reported by render.SetPivot
	}
	for _, f := range pm.Fields {
		if _, ok := f.Offset(pt); !ok {
			return nil
		}
	}
	pivotOff := m.Related.Type.Field(m.PivotDest[0]).Offset

	// Per column (set from the first row's columns): the destination, the
	// field's offset in the pivot struct, and where a value read into an
	// any goes (nil: dropped, or the key without a field).
	type col struct {
		off    uintptr
		typed  schema.FieldDest
		assign *schema.Field
	}
	var (
		plan  []col
		dests []any
		vals  []any // the any of each column not read typed
		fkAt  int   // the foreign pivot key's column
		fkVal func(base unsafe.Pointer) (K, error)
		base  unsafe.Pointer // the current row's pivot struct
	)
	setup := func(cols []string) error {
		fk := names.PivotAlias(m.ForeignPivotKey)
		fkAt = slices.Index(cols, fk)
		if fkAt < 0 {
			return fmt.Errorf("result has no column %s: %w", fk, rel.ErrBadRelation)
		}
		plan, dests, vals = make([]col, len(cols)), make([]any, len(cols)), make([]any, len(cols))
		for i, c := range cols {
			dests[i] = &vals[i]
			f, ok := pm.Column(strings.TrimPrefix(c, "pivot_"))
			if !ok {
				continue
			}
			plan[i].off, _ = f.Offset(pt)
			if d := schema.NewFieldDest(f.Type); d != nil {
				plan[i].typed, dests[i] = d, d
			} else {
				plan[i].assign = f
			}
		}
		fkVal = func(unsafe.Pointer) (K, error) {
			k, _, err := keys.To[K](vals[fkAt])
			return k, err
		}
		if f, ok := pm.Column(m.ForeignPivotKey); ok && f.Type == reflect.TypeFor[K]() {
			off := plan[fkAt].off // a typed destination: read the key back from the field
			fkVal = func(base unsafe.Pointer) (K, error) { return *(*K)(unsafe.Add(base, off)), nil }
		} else if plan[fkAt].typed != nil {
			// A field of another class than the parent's key: the key
			// is normalised from the value read, as without a field.
			plan[fkAt].typed, plan[fkAt].assign, dests[fkAt] = nil, f, &vals[fkAt]
		}
		return nil
	}
	return &schema.Extra{
		Want: isPivotColumn,
		Dests: func(elem reflect.Value, cols []string) ([]any, error) {
			if plan == nil {
				if err := setup(cols); err != nil {
					return nil, err
				}
			}
			at := unsafe.Add(elem.Addr().UnsafePointer(), pivotOff)
			if ptr {
				p := reflect.New(pt).UnsafePointer()
				*(*unsafe.Pointer)(at) = p
				at = p
			}
			base = at
			for i := range plan {
				if plan[i].typed != nil {
					plan[i].typed.At(unsafe.Add(base, plan[i].off))
				}
			}
			return dests, nil
		},
		Row: func(_ reflect.Value, cols []string, _ []any) error {
			uuidText(vals)
			for i, c := range plan {
				if c.assign != nil {
					if err := schema.Assign(reflect.NewAt(c.assign.Type, unsafe.Add(base, c.off)).Elem(), vals[i]); err != nil {
						return fmt.Errorf("pivot %s: %w", cols[i], err)
					}
				}
			}
			k, err := fkVal(base)
			if err != nil {
				return fmt.Errorf("pivot key %s: %w", m.ForeignPivotKey, err)
			}
			*ks = append(*ks, k)
			return nil
		},
	}
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// rowStore holds the rows of a level in chunks that never move once
// allocated: pointers into them stay valid, and growing copies nothing
// (a single growing slice would copy every row about twice over).
type rowStore struct {
	st     reflect.Type // []C
	chunks []reflect.Value
	starts []int // index of each chunk's first row
	n      int   // rows stored
	cur    reflect.Value
	used   int // rows used in cur
	hint   int // length of the first chunk
	last   int // chunk last looked up by at
}

// maxChunk bounds a chunk's length: the first chunk is sized for the
// number of keys (one row each for to-one relations), later ones double.
const maxChunk = 4096

func newRowStore(t reflect.Type, hint int) *rowStore {
	return &rowStore{st: reflect.SliceOf(t), hint: min(max(hint, 8), maxChunk)}
}

// next returns the (zero) element the coming row is scanned into.
func (s *rowStore) next() reflect.Value {
	if !s.cur.IsValid() || s.used == s.cur.Len() {
		size := s.hint
		if s.cur.IsValid() {
			size = min(2*s.cur.Len(), maxChunk)
		}
		s.cur = reflect.MakeSlice(s.st, size, size)
		s.chunks = append(s.chunks, s.cur)
		s.starts = append(s.starts, s.n)
		s.used = 0
	}
	v := s.cur.Index(s.used)
	s.used++
	s.n++
	return v
}

// at returns row i (addressable). Access is mostly sequential, so the
// chunk of the previous lookup is tried first.
func (s *rowStore) at(i int) reflect.Value {
	k := s.last
	if i < s.starts[k] || (k+1 < len(s.starts) && i >= s.starts[k+1]) {
		k = sort.Search(len(s.starts), func(k int) bool { return s.starts[k] > i }) - 1
		s.last = k
	}
	return s.chunks[k].Index(i - s.starts[k])
}

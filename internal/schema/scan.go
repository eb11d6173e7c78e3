package schema

import (
	"bytes"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
)

// Rows is the result of a query as the scanner reads it; *sqlt.Rows
// implements it.
type Rows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
	// IgnoresUnknownColumns reports whether a result column with no field
	// is read and dropped rather than an error.
	IgnoresUnknownColumns() bool
}

// Extra selects result columns that are not mapped on the struct but
// handed to the caller, such as the pivot columns of a many-to-many load.
// Columns for which Want returns true are scanned into fresh `any` values
// and passed to Row after each row, in column order. When Dests is set,
// it gives instead the destinations of those columns for the row about
// to be scanned into elem (cols are the extra columns), and Row receives
// nil values. Columns for which Drop returns true (a window's row
// number) are read and dropped.
type Extra struct {
	Want  func(col string) bool
	Drop  func(col string) bool
	Dests func(elem reflect.Value, cols []string) ([]any, error)
	Row   func(elem reflect.Value, cols []string, vals []any) error
}

// ScanInto reads all rows into the slice that slicePtr points to (a
// *[]S or *[]*S for a struct type S), appending. extra may be nil. It
// closes rows.
func ScanInto(rows Rows, slicePtr reflect.Value, extra *Extra) error {
	defer rows.Close()
	sv := slicePtr.Elem()
	et := sv.Type().Elem()
	ptr := et.Kind() == reflect.Pointer
	st := et
	if ptr {
		st = et.Elem()
	}
	var cb func(reflect.Value, []any) error
	var extraCols []string
	if extra != nil && extra.Row != nil {
		cb = func(elem reflect.Value, vals []any) error { return extra.Row(elem, extraCols, vals) }
	}
	err := scanRowsExtra(rows, st, func() reflect.Value {
		if ptr {
			p := reflect.New(st)
			sv.Set(reflect.Append(sv, p))
			return p.Elem()
		}
		sv.Set(reflect.Append(sv, reflect.Zero(st)))
		return sv.Index(sv.Len() - 1)
	}, cb, extra, &extraCols)
	if err != nil {
		return err
	}
	return rows.Close()
}

// Scan reads rows into values of type t that next provides (an
// addressable t for the coming row, or an invalid reflect.Value to stop),
// calling after (may be nil) once each row is read. t is a struct (columns
// map to fields by name) or a type read from a single column. It does not
// close rows.
func Scan(rows Rows, t reflect.Type, next func() reflect.Value, after func(reflect.Value, []any) error) error {
	return scanRowsExtra(rows, t, next, after, nil, nil)
}

// scanRowsExtra is the scanning loop. The column plan is computed once per
// (type, columns) and cached on the model; per row only field addresses are
// taken, into a reused destination slice.
func scanRowsExtra(rows Rows, t reflect.Type, next func() reflect.Value, after func(reflect.Value, []any) error, extra *Extra, extraCols *[]string) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if !isStructTarget(t) {
		if len(cols) != 1 {
			return statementErr(rows, fmt.Errorf("scan into %s: want 1 column, got %d", t, len(cols)))
		}
		for rows.Next() {
			v := next()
			if !v.IsValid() {
				break
			}
			if err := rows.Scan(v.Addr().Interface()); err != nil {
				return err
			}
			if after != nil {
				if err := after(v, nil); err != nil {
					return err
				}
			}
		}
		return rows.Err()
	}
	m, err := ModelOf(t)
	if err != nil {
		return err
	}
	lax := rows.IgnoresUnknownColumns()
	var plan []*Field
	var extraIdx []int
	if extra == nil {
		plan, err = m.columnPlan(cols, lax)
		if err != nil {
			return statementErr(rows, err)
		}
	} else {
		plan = make([]*Field, len(cols))
		for i, c := range cols {
			if extra.Drop != nil && extra.Drop(c) {
				continue // read into discard
			}
			if extra.Want != nil && extra.Want(c) {
				extraIdx = append(extraIdx, i)
				*extraCols = append(*extraCols, c)
				continue
			}
			f, ok := m.cols[c]
			if !ok && !lax {
				return statementErr(rows, fmt.Errorf("scan into %s: %w", t, &UnmappedResultColumnError{Type: t.String(), Column: c}))
			}
			plan[i] = f
		}
	}
	dest := make([]any, len(cols))
	var discard any // unmapped columns of a lax handle land here
	for i, f := range plan {
		if f == nil {
			dest[i] = &discard
		}
	}
	ptrs := make([]fieldPtr, len(plan))
	for i, f := range plan {
		if f != nil {
			ptrs[i] = fieldPtrOf(t, f)
		}
	}
	var extraVals, extraBlock []any
	var boxes []boxDest // per extra column: its boxing destination, or nil
	if extraIdx != nil && extra.Dests == nil {
		boxes = boxDests(rows, extraIdx)
	}
	for rows.Next() {
		v := next()
		if !v.IsValid() {
			break
		}
		base := v.Addr().UnsafePointer()
		for i, f := range plan {
			switch {
			case f == nil:
			case ptrs[i].ptr != nil:
				dest[i] = ptrs[i].ptr(unsafe.Add(base, ptrs[i].off))
			default:
				dest[i] = f.Set(v).Addr().Interface()
			}
		}
		if extraIdx != nil && extra.Dests != nil {
			ds, err := extra.Dests(v, *extraCols)
			if err != nil {
				return err
			}
			for j, i := range extraIdx {
				dest[i] = ds[j]
			}
		} else if extraIdx != nil {
			// Each row gets its own values, carved from a block
			// shared by the next rows: one allocation per block
			// rather than per row.
			if len(extraBlock) < len(extraIdx) {
				extraBlock = make([]any, extraBlockRows*len(extraIdx))
			}
			extraVals = extraBlock[:len(extraIdx):len(extraIdx)]
			extraBlock = extraBlock[len(extraIdx):]
			for j, i := range extraIdx {
				if boxes != nil && boxes[j] != nil {
					boxes[j].to(&extraVals[j])
					dest[i] = boxes[j]
				} else {
					dest[i] = &extraVals[j]
				}
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan into %s: %w", t, err)
		}
		if after != nil {
			if err := after(v, extraVals); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// statementErr returns the error of the statement behind rows in place of
// err, a mismatch between the result's columns and the destination, when
// the statement failed: the database's error is the one to report. pgx
// reports a statement's failure (a bad argument, a cancelled context) only
// when rows are read, and describes no columns then, so a column check
// would otherwise replace it.
func statementErr(rows Rows, err error) error {
	rows.Next()
	if dbErr := rows.Err(); dbErr != nil {
		return dbErr
	}
	return err
}

// extraBlockRows is how many rows' extra values one allocation holds.
const extraBlockRows = 64

func isStructTarget(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && !isValueType(t)
}

// columnPlan maps result columns to fields, once per column list. With
// lax, a column with no field maps to nil (read and dropped).
func (m *Model) columnPlan(cols []string, lax bool) ([]*Field, error) {
	key := strings.Join(cols, "\x00")
	if lax {
		key = "lax\x00" + key
	}
	if p, ok := m.colPlans.Load(key); ok {
		return p.([]*Field), nil
	}
	plan := make([]*Field, len(cols))
	for i, c := range cols {
		f, ok := m.cols[c]
		if !ok && !lax {
			return nil, fmt.Errorf("scan into %s: %w", m.Type, &UnmappedResultColumnError{Type: m.Type.String(), Column: c})
		}
		plan[i] = f
	}
	m.colPlans.Store(key, plan)
	return plan, nil
}

// fieldPtr makes the scan destination of a field from the address of its
// struct without reflection: the field's byte offset and a function that
// turns the field's address into a typed pointer in an interface (*int64,
// *string, …). It is computed once per field. ptr is nil for a field
// reached through an embedded pointer, which must be allocated on the way
// (Field.Set does that).
type fieldPtr struct {
	off uintptr
	ptr func(unsafe.Pointer) any
}

var fieldPtrs sync.Map // *Field → fieldPtr

func fieldPtrOf(t reflect.Type, f *Field) fieldPtr {
	if p, ok := fieldPtrs.Load(f); ok {
		return p.(fieldPtr)
	}
	var fp fieldPtr
	if !f.viaPtr {
		st := t
		for _, i := range f.Index {
			sf := st.Field(i)
			fp.off += sf.Offset
			st = sf.Type
		}
		fp.ptr = pointerFunc(f.Type)
	}
	p, _ := fieldPtrs.LoadOrStore(f, fp)
	return p.(fieldPtr)
}

// pointerFunc returns a function converting the address of a value of
// type t into a *t held in an interface: a plain conversion for the common
// column types, reflect.NewAt for the others.
func pointerFunc(t reflect.Type) func(unsafe.Pointer) any {
	switch t {
	case reflect.TypeFor[int64]():
		return func(p unsafe.Pointer) any { return (*int64)(p) }
	case reflect.TypeFor[int]():
		return func(p unsafe.Pointer) any { return (*int)(p) }
	case reflect.TypeFor[int32]():
		return func(p unsafe.Pointer) any { return (*int32)(p) }
	case reflect.TypeFor[float64]():
		return func(p unsafe.Pointer) any { return (*float64)(p) }
	case reflect.TypeFor[string]():
		return func(p unsafe.Pointer) any { return (*string)(p) }
	case reflect.TypeFor[bool]():
		return func(p unsafe.Pointer) any { return (*bool)(p) }
	case reflect.TypeFor[[]byte]():
		return func(p unsafe.Pointer) any { return (*[]byte)(p) }
	case reflect.TypeFor[time.Time]():
		return func(p unsafe.Pointer) any { return (*time.Time)(p) }
	case reflect.TypeFor[*int64]():
		return func(p unsafe.Pointer) any { return (**int64)(p) }
	case reflect.TypeFor[*string]():
		return func(p unsafe.Pointer) any { return (**string)(p) }
	case reflect.TypeFor[*time.Time]():
		return func(p unsafe.Pointer) any { return (**time.Time)(p) }
	case reflect.TypeFor[sql.NullInt64]():
		return func(p unsafe.Pointer) any { return (*sql.NullInt64)(p) }
	case reflect.TypeFor[sql.NullString]():
		return func(p unsafe.Pointer) any { return (*sql.NullString)(p) }
	case reflect.TypeFor[sql.NullTime]():
		return func(p unsafe.Pointer) any { return (*sql.NullTime)(p) }
	}
	return func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Interface() }
}

// FieldDest is a reusable scan destination for a field of type int64,
// bool, float64 or string, which At points at the field of the coming
// row. It stores what it reads as Assign does (NULL as the zero value,
// Assign's conversions); on pgx, integer, boolean, float and text columns
// reach the field without being boxed on the way.
type FieldDest interface {
	At(field unsafe.Pointer)
}

// NewFieldDest returns a FieldDest for fields of type t, or nil for the
// other types.
func NewFieldDest(t reflect.Type) FieldDest {
	d := assignDest{t: t}
	switch t {
	case reflect.TypeFor[int64]():
		return &int64Dest{d}
	case reflect.TypeFor[bool]():
		return &boolDest{d}
	case reflect.TypeFor[float64]():
		return &float64Dest{d}
	case reflect.TypeFor[string]():
		return &stringDest{d}
	}
	return nil
}

// assignDest is a sql.Scanner: database/sql hands it the driver's value,
// pgx (for a column type without a typed scanner below) the value it
// decodes for database/sql.
type assignDest struct {
	t reflect.Type
	p unsafe.Pointer
}

func (d *assignDest) At(p unsafe.Pointer) { d.p = p }

func (d *assignDest) Scan(src any) error { return Assign(reflect.NewAt(d.t, d.p).Elem(), src) }

// The typed destinations implement pgx's scanner interfaces
// (pgtype.Int64Scanner, …), which pgx prefers to sql.Scanner.
type (
	int64Dest   struct{ assignDest }
	boolDest    struct{ assignDest }
	float64Dest struct{ assignDest }
	stringDest  struct{ assignDest }
)

func (d *int64Dest) ScanInt64(v pgtype.Int8) error {
	*(*int64)(d.p) = v.Int64 // 0 for NULL (not Valid)
	return nil
}

func (d *boolDest) ScanBool(v pgtype.Bool) error {
	*(*bool)(d.p) = v.Bool
	return nil
}

func (d *float64Dest) ScanFloat64(v pgtype.Float8) error {
	*(*float64)(d.p) = v.Float64
	return nil
}

func (d *stringDest) ScanText(v pgtype.Text) error {
	*(*string)(d.p) = v.String
	return nil
}

// Offset is the byte offset of f in a value of struct type t, which maps
// f; ok is false for a field reached through an embedded pointer.
func (f *Field) Offset(t reflect.Type) (off uintptr, ok bool) {
	fp := fieldPtrOf(t, f)
	return fp.off, fp.ptr != nil
}

// boxDest reads a column into an any as a *any destination would, with
// the value's type known from the column's type, so that pgx decodes it
// without an allocation of its own and only the boxing remains (pgx
// decoding into an any allocates each value twice). Under database/sql it
// is a sql.Scanner storing the driver's value, as a *any gets it.
type boxDest interface {
	sql.Scanner
	to(slot *any)
}

// boxDests returns the boxing destinations of the extra columns at idx,
// for the PostgreSQL column types whose pgx decoding into an any gives an
// int64, bool, string or float64; nil when rows does not name its column
// types.
func boxDests(rows Rows, idx []int) []boxDest {
	tn, ok := rows.(interface{ ColumnTypeNames() ([]string, error) })
	if !ok {
		return nil
	}
	names, err := tn.ColumnTypeNames()
	if err != nil || len(names) <= slices.Max(idx) {
		return nil
	}
	out := make([]boxDest, len(idx))
	for j, i := range idx {
		switch names[i] {
		case "INT8":
			out[j] = &int64Box{}
		case "BOOL":
			out[j] = &boolBox{}
		case "TEXT", "VARCHAR":
			out[j] = &stringBox{}
		case "FLOAT8":
			out[j] = &float64Box{}
		}
	}
	return out
}

type anyBox struct{ slot *any }

func (b *anyBox) to(slot *any) { b.slot = slot }

func (b *anyBox) Scan(src any) error {
	if p, ok := src.([]byte); ok {
		src = bytes.Clone(p) // the driver may reuse its buffer
	}
	*b.slot = src
	return nil
}

// Scan stores a text column's value as a string: a driver that reads text
// as []byte (go-sql-driver/mysql) would otherwise leave bytes in the any.
func (b *stringBox) Scan(src any) error {
	if p, ok := src.([]byte); ok {
		*b.slot = string(p)
		return nil
	}
	return b.anyBox.Scan(src)
}

type (
	int64Box   struct{ anyBox }
	boolBox    struct{ anyBox }
	stringBox  struct{ anyBox }
	float64Box struct{ anyBox }
)

func (b *int64Box) ScanInt64(v pgtype.Int8) error {
	*b.slot = nil
	if v.Valid {
		*b.slot = v.Int64
	}
	return nil
}

func (b *boolBox) ScanBool(v pgtype.Bool) error {
	*b.slot = nil
	if v.Valid {
		*b.slot = v.Bool
	}
	return nil
}

func (b *stringBox) ScanText(v pgtype.Text) error {
	*b.slot = nil
	if v.Valid {
		*b.slot = v.String
	}
	return nil
}

func (b *float64Box) ScanFloat64(v pgtype.Float8) error {
	*b.slot = nil
	if v.Valid {
		*b.slot = v.Float64
	}
	return nil
}

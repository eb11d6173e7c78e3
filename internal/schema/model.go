package schema

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/relkit/relkit/internal/sqltext"
)

// Field is one mapped column of a struct type.
type Field struct {
	Column   string       // column name
	Name     string       // Go field name (dotted through embedded structs)
	Index    []int        // index path for reflect.Value.FieldByIndex
	Type     reflect.Type // the field's Go type
	PK       bool         // the primary key
	ReadOnly bool         // scanned, never written (tag options "readonly", "generated")
	// Generated marks a read-only field that is a column of the table
	// (tag option "generated": a generated or database-maintained column),
	// so queries read it by default. A plain readonly field is not assumed
	// to be a table column: it is read only when the query supplies it (an
	// aggregate's alias, a Select, a raw query). See [Model.ReadColumns].
	Generated bool
	viaPtr    bool // the index path goes through an embedded pointer
}

// Model is the mapping of a struct type to a table, computed once per type
// and cached. Obtain it with [ModelOf] or [ModelFor].
type Model struct {
	Type      reflect.Type // the struct type
	Table     string       // table name
	Fields    []*Field     // mapped columns in declaration order
	PK        *Field       // primary key field, nil if none
	CreatedAt *Field       // created_at, if mapped and a time
	UpdatedAt *Field       // updated_at, if mapped and a time

	cols       map[string]*Field
	readCols   []string // see ReadColumns
	selectList string   // see SelectList
	colPlans   sync.Map // string (joined column names) → []*Field
}

// Tabler is implemented by models that choose their table name.
type Tabler interface{ TableName() string }

// PrimaryKeyer is implemented by models whose primary key column is not
// "id" (the tag option `db:"code,pk"` does the same).
type PrimaryKeyer interface{ PrimaryKey() string }

var models sync.Map // reflect.Type → *Model or error

// ModelFor returns the mapping of T, which must be a struct (or a pointer
// to one).
func ModelFor[T any]() (*Model, error) {
	return ModelOf(reflect.TypeFor[T]())
}

// ModelOf returns the mapping of t, which must be a struct type or a
// pointer to one. The result is cached per type.
func ModelOf(t reflect.Type) (*Model, error) {
	if t == nil {
		return nil, fmt.Errorf("map nil type: %w", ErrNotStruct)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := models.Load(t); ok {
		if m, ok := v.(*Model); ok {
			return m, nil
		}
		return nil, v.(error)
	}
	m, err := buildModel(t)
	if err != nil {
		models.LoadOrStore(t, err)
		return nil, err
	}
	v, _ := models.LoadOrStore(t, m)
	return v.(*Model), nil
}

// Column returns the field mapped to column col.
func (m *Model) Column(col string) (*Field, bool) {
	f, ok := m.cols[col]
	return f, ok
}

// CheckColumn validates a caller-supplied column name: it must be a plain
// identifier, optionally qualified by the model's table, and mapped on the
// model. It returns the bare column name.
func (m *Model) CheckColumn(col string) (string, error) {
	if err := sqltext.CheckIdentifier(col); err != nil {
		return "", err
	}
	if t, c, ok := strings.Cut(col, "."); ok {
		if t != m.Table {
			return "", &UnknownColumnError{Type: m.Type.String(), Column: col}
		}
		col = c
	}
	if _, ok := m.cols[col]; !ok {
		return "", &UnknownColumnError{Type: m.Type.String(), Column: col}
	}
	return col, nil
}

// Columns returns the names of the writable mapped columns.
func (m *Model) Columns() []string {
	out := make([]string, 0, len(m.Fields))
	for _, f := range m.Fields {
		if !f.ReadOnly {
			out = append(out, f.Column)
		}
	}
	return out
}

// ReadColumns returns the columns a query of the model reads when the
// caller chooses none: every mapped column except the readonly ones not
// tagged "generated". relkit names them in every select it renders
// instead of "table".*, so a column added to the table later never
// reaches the scan. A readonly field without "generated" may hold an
// aggregate's alias ("comments_count"), which is no column of the table:
// it is filled only when the query adds the expression (agg.WithCount, a
// Select, a raw query). Tag a column the database computes or maintains
// `db:"total,generated"` to have it read by every query and never written.
func (m *Model) ReadColumns() []string { return m.readCols[:len(m.readCols):len(m.readCols)] }

// SelectList returns [Model.ReadColumns] qualified by the table and quoted,
// joined for a select list (`"posts"."id", "posts"."title"`); "table".*
// when the model has no such column (every field readonly). It is rendered
// once per model.
func (m *Model) SelectList() string { return m.selectList }

// Get returns the field's value in the struct value v (addressable struct).
// A nil embedded pointer on the way yields the zero value.
func (f *Field) Get(v reflect.Value) reflect.Value {
	if !f.viaPtr {
		return v.FieldByIndex(f.Index)
	}
	fv, err := v.FieldByIndexErr(f.Index)
	if err != nil {
		return reflect.Zero(f.Type)
	}
	return fv
}

// Set returns the field in the addressable struct value v for writing,
// allocating embedded pointers on the way.
func (f *Field) Set(v reflect.Value) reflect.Value {
	if !f.viaPtr {
		return v.FieldByIndex(f.Index)
	}
	return FieldAt(v, f.Index)
}

// FieldAt returns the field at index path idx of the addressable struct
// value v for writing, allocating nil embedded pointers on the way.
func FieldAt(v reflect.Value, idx []int) reflect.Value {
	if len(idx) == 1 {
		return v.Field(idx[0])
	}
	for i, x := range idx {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	scannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
	bytesType   = reflect.TypeFor[[]byte]()
)

// isValueType reports whether t is stored in one column by itself (as
// opposed to a struct to flatten or a relation holder to skip).
func isValueType(t reflect.Type) bool {
	if t == timeType || t == bytesType || reflect.PointerTo(t).Implements(scannerType) || t.Implements(valuerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer:
		return isValueType(t.Elem())
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func buildModel(t reflect.Type) (*Model, error) {
	if t.Kind() != reflect.Struct || t == timeType {
		return nil, fmt.Errorf("map %s: %w", t, ErrNotStruct)
	}
	m := &Model{Type: t, cols: map[string]*Field{}}
	depth := map[string]int{}
	var walk func(t reflect.Type, index []int, viaPtr bool, level int) error
	walk = func(t reflect.Type, index []int, viaPtr bool, level int) error {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := sf.Tag.Get("db")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			idx := append(index[:len(index):len(index)], i)
			ft := sf.Type
			if sf.Anonymous && name == "" && !isValueType(ft) {
				et, ptr := ft, false
				if et.Kind() == reflect.Pointer {
					et, ptr = et.Elem(), true
				}
				if et.Kind() == reflect.Struct {
					if ptr && !sf.IsExported() {
						continue // cannot allocate an unexported embedded pointer
					}
					if err := walk(et, idx, viaPtr || ptr, level+1); err != nil {
						return err
					}
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				if !isValueType(ft) {
					continue // a relation holder ([]Post, *Phone, …), not a column
				}
				name = Snake(sf.Name)
			}
			if !sqltext.ValidIdentifier(name) {
				return fmt.Errorf("map %s.%s: %w", t, sf.Name, &sqltext.InvalidIdentifierError{Ident: name})
			}
			if d, seen := depth[name]; seen {
				if d <= level {
					continue // a shallower field of the same name wins
				}
				m.removeColumn(name)
			}
			depth[name] = level
			f := &Field{Column: name, Name: sf.Name, Index: idx, Type: ft, viaPtr: viaPtr}
			for _, o := range strings.Split(opts, ",") {
				switch strings.TrimSpace(o) {
				case "pk":
					f.PK = true
				case "readonly", "scanonly":
					f.ReadOnly = true
				case "generated":
					f.ReadOnly, f.Generated = true, true
				}
			}
			m.Fields = append(m.Fields, f)
			m.cols[name] = f
		}
		return nil
	}
	if err := walk(t, nil, false, 0); err != nil {
		return nil, err
	}
	pkName := "id"
	if pk, ok := reflect.New(t).Interface().(PrimaryKeyer); ok {
		pkName = pk.PrimaryKey()
	}
	for _, f := range m.Fields {
		if f.PK {
			m.PK = f
			break
		}
	}
	if m.PK == nil {
		if f, ok := m.cols[pkName]; ok {
			f.PK = true
			m.PK = f
		}
	}
	for _, f := range m.Fields {
		if f.ReadOnly || !isTimeField(f.Type) {
			continue
		}
		switch f.Column {
		case "created_at":
			m.CreatedAt = f
		case "updated_at":
			m.UpdatedAt = f
		}
	}
	if tb, ok := reflect.New(t).Interface().(Tabler); ok {
		m.Table = tb.TableName()
	} else {
		m.Table = Plural(Snake(t.Name()))
	}
	if !sqltext.ValidIdentifier(m.Table) {
		// A dotted name ("app.accounts") would be read as a table and a
		// column wherever relkit qualifies a column with its table.
		err := &sqltext.InvalidIdentifierError{Ident: m.Table}
		if strings.Contains(m.Table, ".") {
			err.Reason = "a schema-qualified table name is not supported: put the schema on the search path instead"
		}
		return nil, fmt.Errorf("map %s: table name: %w", t, err)
	}
	m.readColumns()
	return m, nil
}

// readColumns fills readCols and selectList.
func (m *Model) readColumns() {
	var b strings.Builder
	for _, f := range m.Fields {
		if f.ReadOnly && !f.Generated {
			continue
		}
		if len(m.readCols) > 0 {
			b.WriteString(", ")
		}
		m.readCols = append(m.readCols, f.Column)
		b.WriteString(sqltext.Qualified(m.Table, f.Column))
	}
	if len(m.readCols) == 0 {
		b.WriteString(sqltext.Ident(m.Table + ".*"))
	}
	m.selectList = b.String()
}

func (m *Model) removeColumn(name string) {
	for i, f := range m.Fields {
		if f.Column == name {
			m.Fields = append(m.Fields[:i], m.Fields[i+1:]...)
			break
		}
	}
	delete(m.cols, name)
}

func isTimeField(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t == timeType || t == reflect.TypeFor[sql.NullTime]()
}

// SetTime stores now in a time field (time.Time, *time.Time or sql.NullTime).
func SetTime(fv reflect.Value, now time.Time) {
	switch fv.Type() {
	case timeType:
		fv.Set(reflect.ValueOf(now))
	case reflect.PointerTo(timeType):
		fv.Set(reflect.ValueOf(&now))
	case reflect.TypeFor[sql.NullTime]():
		fv.Set(reflect.ValueOf(sql.NullTime{Time: now, Valid: true}))
	}
}

// Now is the timestamp relkit writes into created_at/updated_at: UTC,
// truncated to microseconds so both databases store it exactly.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

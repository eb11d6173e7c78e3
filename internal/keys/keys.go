// Package keys is relkit's one key module: how a key value is normalised
// (Norm), classified by its column's Go type (ClassOf), tested for the
// never-saved zero value (IsZero), cast (Cast, ForColumn), bound for a
// column of bytes (Bind), stored into a field (Set), read from a struct
// field without boxing (ReaderFor) and indexed (Index). Packages rel,
// query, load, agg and pivot all go through it, so that two keys compare
// equal in one package exactly when they do in another.
package keys

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"

	"github.com/relkit/relkit/internal/schema"
)

// ErrUnsupported (rel.ErrUnsupported) is matched by errors about a key value or key type that
// relkit cannot use to relate rows (floats, structs, mixed int/string).
var ErrUnsupported = errors.New("relkit: unsupported key type")

// Norm normalises a key value so that keys compare across Go types:
// every integer (int, int32, uint16, sql.NullInt64, *int64, …) becomes an
// int64 and every string or []byte a string. ok is false for NULL (a nil
// pointer, an invalid sql.Null*). Other types give ErrUnsupported.
//
// Zero and "" are valid keys (Laravel's review of PR #48606): only NULL is
// skipped.
func Norm(v any) (key any, ok bool, err error) {
	switch k := v.(type) {
	case nil:
		return nil, false, nil
	case int64:
		return k, true, nil
	case int:
		return int64(k), true, nil
	case int32:
		return int64(k), true, nil
	case string:
		return k, true, nil
	}
	if dv, isValuer := v.(driver.Valuer); isValuer {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return nil, false, nil
		}
		val, err := dv.Value()
		if err != nil {
			return nil, false, fmt.Errorf("key value: %w", err)
		}
		return Norm(val)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, false, nil
		}
		return Norm(rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, false, fmt.Errorf("key %d overflows int64: %w", u, ErrUnsupported)
		}
		return int64(u), true, nil
	case reflect.String:
		return rv.String(), true, nil
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return string(rv.Bytes()), true, nil
		}
	}
	return nil, false, fmt.Errorf("key of type %T: %w", v, ErrUnsupported)
}

var scannerType = reflect.TypeFor[interface{ Scan(any) error }]()

// IsZero reports whether a normalised key is the zero value (0 or ""),
// the key of a struct that was never saved. Reads and writes through one
// parent (query.Related, pivot writes, Associate) treat it like NULL: such
// a parent has no related rows. Eager loading (package load) keeps 0 and ""
// as keys, as Laravel does: only NULL keys are skipped there.
func IsZero(k any) bool {
	switch v := k.(type) {
	case int64:
		return v == 0
	case string:
		return v == ""
	}
	return k == nil
}

// Class is the class of normalised keys (see Norm) that a key
// column's Go type yields. Loading, existence and pivot writes use it to
// compare and cast keys.
type Class uint8

// The key classes.
const (
	Other   Class = iota // a custom type (a Valuer): compared after Norm
	Int                  // any integer width, sql.NullInt64, *int…: keys are int64
	String               // string, []byte, sql.NullString…: keys are string
	Invalid              // floats, booleans, complex numbers: never keys
)

var keyClasses sync.Map // reflect.Type → Class

// ClassOf returns the key class of a column's Go type (cached per type).
func ClassOf(t reflect.Type) Class {
	if c, ok := keyClasses.Load(t); ok {
		return c.(Class)
	}
	c := computeKeyClass(t)
	keyClasses.Store(t, c)
	return c
}

func computeKeyClass(t reflect.Type) Class {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Int
	case reflect.String:
		return String
	case reflect.Float32, reflect.Float64, reflect.Bool, reflect.Complex64, reflect.Complex128:
		if !reflect.PointerTo(t).Implements(scannerType) {
			return Invalid
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return String
		}
	case reflect.Struct:
		// sql.NullInt64, sql.NullString, sql.Null[T], …: a value and Valid.
		if t.NumField() == 2 {
			for _, name := range []string{"Int64", "Int32", "Int16", "Byte", "String", "V"} {
				if f, ok := t.FieldByName(name); ok {
					return computeKeyClass(f.Type)
				}
			}
		}
	}
	return Other
}

// CheckTypes fails when two key columns cannot hold equal keys.
func CheckTypes(a, b reflect.Type, what string) error {
	ca, cb := ClassOf(a), ClassOf(b)
	if ca == Invalid || cb == Invalid {
		return fmt.Errorf("%s: %s and %s: %w", what, a, b, ErrUnsupported)
	}
	if ca == Other || cb == Other {
		return nil // a custom type: compared at run time, after normalising
	}
	if ca != cb {
		return fmt.Errorf("%s: %s and %s cannot be compared: %w", what, a, b, ErrUnsupported)
	}
	return nil
}

// Set stores a key (as Norm or Bind return it, or nil for NULL) into a
// field of any integer, string, []byte, pointer or sql.Scanner type. The
// conversion is schema.Assign's; Set adds the key rules: an integer key goes
// only into an integer or custom field (never into a string or a float),
// a string key only into a string, []byte or custom field, and a failed
// conversion (an overflow) matches ErrUnsupported. On error the field is
// left as it was.
func Set(field reflect.Value, key any) error {
	if key != nil {
		t := field.Type()
		c := ClassOf(t)
		switch k := key.(type) {
		case int64:
			if c == String || c == Invalid || k < 0 && unsigned(t) {
				return fmt.Errorf("set key %v into %s: %w", key, t, ErrUnsupported)
			}
		case string:
			if c == Int || c == Invalid {
				return fmt.Errorf("set key %q into %s: %w", key, t, ErrUnsupported)
			}
			key = Bind(k, IsBytes(t))
		}
	}
	if err := schema.Assign(field, key); err != nil {
		return fmt.Errorf("set key %v into %s: %w: %w", key, field.Type(), err, ErrUnsupported)
	}
	return nil
}

// unsigned reports whether t, under its pointers, is an unsigned integer.
func unsigned(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// IsBytes reports whether a key column's Go type holds bytes: []byte, a
// named byte slice, a pointer to one, or sql.Null[[]byte]. Norm turns
// such keys into strings (to compare them in Go); they are bound as
// []byte again (see Bind), since SQLite stores them as BLOBs, which
// never equal TEXT, and PostgreSQL as bytea, which a text parameter does
// not compare with.
func IsBytes(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	case reflect.Struct:
		if f, ok := t.FieldByName("V"); ok && t.NumField() == 2 {
			return IsBytes(f.Type)
		}
	}
	return false
}

// Bind returns the normalised key k in the form it is bound in for a
// column of bytes (blob true, see IsBytes): a string key as []byte.
// Other keys, and every key when blob is false, are returned as they are.
func Bind(k any, blob bool) any {
	if s, ok := k.(string); ok && blob {
		return []byte(s)
	}
	return k
}

// BindAll is Bind over a list of keys: keys itself when blob is
// false, else a converted copy.
func BindAll(keys []any, blob bool) []any {
	if !blob {
		return keys
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = Bind(k, true)
	}
	return out
}

// CheckValueType fails, matching ErrUnsupported, when values of Go type k
// cannot be keys of a column of Go type col: an integer type for a string
// key column, a string type for an integer one, a float or a struct
// that is no key. A custom type (a uuid type, a Valuer) counts as the
// class of the key its zero value normalises to (with a Valid field set,
// as in pgtype.UUID), and as compatible with every column when that is
// NULL. what names the column in the error.
func CheckValueType(k, col reflect.Type, what string) error {
	kc, cc := valueClass(k), valueClass(col)
	if kc == Invalid || kc != Other && cc != Other && kc != cc {
		return fmt.Errorf("keys of type %s for the %s %s: %w", k, col, what, ErrUnsupported)
	}
	return nil
}

// valueClass is the class of the keys that values of type t normalise to
// (ClassOf, with custom types classed by their zero value, Valid set;
// Other when that is NULL).
func valueClass(t reflect.Type) Class {
	if c := ClassOf(t); c != Other {
		return c
	}
	zero := reflect.New(t).Elem()
	if t.Kind() == reflect.Struct {
		if v := zero.FieldByName("Valid"); v.IsValid() && v.Kind() == reflect.Bool && v.CanSet() {
			v.SetBool(true) // pgtype.UUID{Valid: true}: NULL when not valid
		}
	}
	key, ok, err := Norm(zero.Interface())
	switch {
	case err != nil && t.Implements(valuerType):
		return Other // a Valuer may refuse its zero value
	case err != nil:
		return Invalid
	case !ok:
		return Other
	}
	if _, isInt := key.(int64); isInt {
		return Int
	}
	return String
}

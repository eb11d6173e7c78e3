package rel

import (
	"bytes"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
)

// ErrUnsupportedKey is matched by errors about a key value or key type that
// relkit cannot use to relate rows (floats, structs, mixed int/string).
var ErrUnsupportedKey = errors.New("relkit: unsupported key type")

// NormKey normalises a key value so that keys compare across Go types:
// every integer (int, int32, uint16, sql.NullInt64, *int64, …) becomes an
// int64 and every string or []byte a string. ok is false for NULL (a nil
// pointer, an invalid sql.Null*). Other types give ErrUnsupportedKey.
//
// Zero and "" are valid keys (Laravel's review of PR #48606): only NULL is
// skipped.
func NormKey(v any) (key any, ok bool, err error) {
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
		return NormKey(val)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, false, nil
		}
		return NormKey(rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, false, fmt.Errorf("key %d overflows int64: %w", u, ErrUnsupportedKey)
		}
		return int64(u), true, nil
	case reflect.String:
		return rv.String(), true, nil
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return string(rv.Bytes()), true, nil
		}
	}
	return nil, false, fmt.Errorf("key of type %T: %w", v, ErrUnsupportedKey)
}

var scannerType = reflect.TypeFor[interface{ Scan(any) error }]()

// IsZeroKey reports whether a normalised key is the zero value (0 or ""),
// the key of a struct that was never saved. Reads and writes through one
// parent (query.Related, pivot writes, Associate) treat it like NULL: such
// a parent has no related rows. Eager loading (package load) keeps 0 and ""
// as keys, as Laravel does: only NULL keys are skipped there.
func IsZeroKey(k any) bool {
	switch v := k.(type) {
	case int64:
		return v == 0
	case string:
		return v == ""
	}
	return k == nil
}

// KeyClass is the class of normalised keys (see NormKey) that a key
// column's Go type yields. Loading, existence and pivot writes use it to
// compare and cast keys.
type KeyClass uint8

// The key classes.
const (
	KeyOther   KeyClass = iota // a custom type (a Valuer): compared after NormKey
	KeyInt                     // any integer width, sql.NullInt64, *int…: keys are int64
	KeyString                  // string, []byte, sql.NullString…: keys are string
	KeyInvalid                 // floats, booleans, complex numbers: never keys
)

var keyClasses sync.Map // reflect.Type → KeyClass

// KeyClassOf returns the key class of a column's Go type (cached per type).
func KeyClassOf(t reflect.Type) KeyClass {
	if c, ok := keyClasses.Load(t); ok {
		return c.(KeyClass)
	}
	c := computeKeyClass(t)
	keyClasses.Store(t, c)
	return c
}

func computeKeyClass(t reflect.Type) KeyClass {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return KeyInt
	case reflect.String:
		return KeyString
	case reflect.Float32, reflect.Float64, reflect.Bool, reflect.Complex64, reflect.Complex128:
		if !reflect.PointerTo(t).Implements(scannerType) {
			return KeyInvalid
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return KeyString
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
	return KeyOther
}

// checkKeyTypes fails when two key columns cannot hold equal keys.
func checkKeyTypes(a, b reflect.Type, what string) error {
	ca, cb := KeyClassOf(a), KeyClassOf(b)
	if ca == KeyInvalid || cb == KeyInvalid {
		return fmt.Errorf("%s: %s and %s: %w", what, a, b, ErrUnsupportedKey)
	}
	if ca == KeyOther || cb == KeyOther {
		return nil // a custom type: compared at run time, after normalising
	}
	if ca != cb {
		return fmt.Errorf("%s: %s and %s cannot be compared: %w", what, a, b, ErrUnsupportedKey)
	}
	return nil
}

// SetKey stores a key (as returned by NormKey or BindKey, or nil for NULL)
// into a field of any integer, string, []byte, pointer or sql.Scanner type.
func SetKey(field reflect.Value, key any) error {
	if key == nil {
		field.Set(reflect.Zero(field.Type()))
		return nil
	}
	if field.Kind() == reflect.Pointer {
		p := reflect.New(field.Type().Elem())
		if err := SetKey(p.Elem(), key); err != nil {
			return err
		}
		field.Set(p)
		return nil
	}
	if sc, ok := field.Addr().Interface().(interface{ Scan(any) error }); ok {
		if err := sc.Scan(key); err != nil {
			return fmt.Errorf("set key %v into %s: %w", key, field.Type(), err)
		}
		return nil
	}
	kv := reflect.ValueOf(key)
	switch field.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if kv.Kind() != reflect.Int64 {
			return fmt.Errorf("set key %q into %s: %w", key, field.Type(), ErrUnsupportedKey)
		}
		if field.CanInt() {
			if field.OverflowInt(kv.Int()) {
				return fmt.Errorf("set key %v into %s: overflow: %w", key, field.Type(), ErrUnsupportedKey)
			}
			field.SetInt(kv.Int())
		} else {
			if kv.Int() < 0 || field.OverflowUint(uint64(kv.Int())) {
				return fmt.Errorf("set key %v into %s: overflow: %w", key, field.Type(), ErrUnsupportedKey)
			}
			field.SetUint(uint64(kv.Int()))
		}
		return nil
	case reflect.String:
		switch s := key.(type) {
		case string:
			field.SetString(s)
			return nil
		case []byte:
			field.SetString(string(s))
			return nil
		}
		return fmt.Errorf("set key %v into %s: %w", key, field.Type(), ErrUnsupportedKey)
	case reflect.Slice:
		if field.Type().Elem().Kind() == reflect.Uint8 {
			switch b := key.(type) {
			case string:
				field.SetBytes([]byte(b))
				return nil
			case []byte:
				field.SetBytes(bytes.Clone(b))
				return nil
			}
		}
	}
	if kv.Type().AssignableTo(field.Type()) {
		field.Set(kv)
		return nil
	}
	return fmt.Errorf("set key %v into %s: %w", key, field.Type(), ErrUnsupportedKey)
}

// KeyBytesOf reports whether a key column's Go type holds bytes: []byte, a
// named byte slice, a pointer to one, or sql.Null[[]byte]. NormKey turns
// such keys into strings (to compare them in Go); they are bound as
// []byte again (see BindKey), since SQLite stores them as BLOBs, which
// never equal TEXT, and PostgreSQL as bytea, which a text parameter does
// not compare with.
func KeyBytesOf(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	case reflect.Struct:
		if f, ok := t.FieldByName("V"); ok && t.NumField() == 2 {
			return KeyBytesOf(f.Type)
		}
	}
	return false
}

// BindKey returns the normalised key k in the form it is bound in for a
// column of bytes (blob true, see KeyBytesOf): a string key as []byte.
// Other keys, and every key when blob is false, are returned as they are.
func BindKey(k any, blob bool) any {
	if s, ok := k.(string); ok && blob {
		return []byte(s)
	}
	return k
}

// BindKeys is BindKey over a list of keys: keys itself when blob is
// false, else a converted copy.
func BindKeys(keys []any, blob bool) []any {
	if !blob {
		return keys
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = BindKey(k, true)
	}
	return out
}

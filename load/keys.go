package load

import (
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"

	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// key is a normalised key (see rel.NormKey): every integer width is an
// int64, every string or []byte a string. Stitching is generic over it so
// that the maps hold plain values, never interfaces.
type key interface{ int64 | string }

// keyReader reads the normalised key of a struct value (addressable);
// ok is false for NULL, which matches nothing and is never sent. 0 and ""
// are keys like any other (as in Laravel, only NULL keys are dropped: 0
// and the empty string are legal keys).
type keyReader[K key] func(v reflect.Value) (k K, ok bool, err error)

var valuerType = reflect.TypeFor[driver.Valuer]()

// readerFor returns a reader of field f. The common field types (integers,
// strings and pointers to them) are read without boxing; anything else
// goes through rel.NormKey.
func readerFor[K key](f *sqlt.Field) keyReader[K] {
	var zero K
	if _, isInt := any(zero).(int64); isInt {
		return any(intReader(f)).(keyReader[K])
	}
	return any(strReader(f)).(keyReader[K])
}

func customValuer(t reflect.Type) bool {
	return t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType)
}

func intReader(f *sqlt.Field) keyReader[int64] {
	t := f.Type
	ptr := t.Kind() == reflect.Pointer
	if ptr {
		t = t.Elem()
	}
	if !customValuer(f.Type) && !customValuer(t) {
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return func(v reflect.Value) (int64, bool, error) {
				fv := f.Get(v)
				if ptr {
					if fv.IsNil() {
						return 0, false, nil
					}
					fv = fv.Elem()
				}
				x := fv.Int()
				return x, true, nil
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return func(v reflect.Value) (int64, bool, error) {
				fv := f.Get(v)
				if ptr {
					if fv.IsNil() {
						return 0, false, nil
					}
					fv = fv.Elem()
				}
				u := fv.Uint()
				if u > math.MaxInt64 {
					return 0, false, fmt.Errorf("key %d overflows int64: %w", u, rel.ErrUnsupportedKey)
				}
				return int64(u), true, nil
			}
		}
	}
	return func(v reflect.Value) (int64, bool, error) {
		return normTo[int64](f.Get(v).Interface())
	}
}

func strReader(f *sqlt.Field) keyReader[string] {
	t := f.Type
	ptr := t.Kind() == reflect.Pointer
	if ptr {
		t = t.Elem()
	}
	if t.Kind() == reflect.String && !customValuer(f.Type) && !customValuer(t) {
		return func(v reflect.Value) (string, bool, error) {
			fv := f.Get(v)
			if ptr {
				if fv.IsNil() {
					return "", false, nil
				}
				fv = fv.Elem()
			}
			s := fv.String()
			return s, true, nil
		}
	}
	return func(v reflect.Value) (string, bool, error) {
		return normTo[string](f.Get(v).Interface())
	}
}

// normTo normalises v with rel.NormKey and requires the result to be a K;
// ok is false for NULL only.
func normTo[K key](v any) (K, bool, error) {
	if k, isK := v.(K); isK {
		return k, true, nil // already normal: NormKey would box it afresh
	}
	var zero K
	nk, ok, err := rel.NormKey(v)
	if err != nil || !ok {
		return zero, false, err
	}
	k, isK := nk.(K)
	if !isK {
		return zero, false, fmt.Errorf("key %v (%T) where %T keys are expected: %w", v, v, zero, rel.ErrUnsupportedKey)
	}
	return k, true, nil
}

// uuidString formats a UUID's 16 bytes in the canonical text form
// (8-4-4-4-12 lower-case hex digits), as PostgreSQL prints a uuid.
func uuidString(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

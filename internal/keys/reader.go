package keys

import (
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/relkit/relkit/internal/schema"
)

// Key is a normalised key of class Int or String (see Norm): every integer
// width is an int64, every string or []byte a string. Eager loading is
// generic over it so that its maps hold plain values, never interfaces.
type Key interface{ int64 | string }

// Reader reads the normalised key of a struct value (addressable); ok is
// false for NULL, which matches nothing and is never sent. 0 and "" are
// keys like any other (Laravel drops only NULL keys).
type Reader[K Key] func(v reflect.Value) (k K, ok bool, err error)

var valuerType = reflect.TypeFor[driver.Valuer]()

// ReaderFor returns a reader of field f. The common field types (integers,
// strings and pointers to them) are read without boxing; anything else
// goes through Norm.
func ReaderFor[K Key](f *schema.Field) Reader[K] {
	var zero K
	if _, isInt := any(zero).(int64); isInt {
		return any(intReader(f)).(Reader[K])
	}
	return any(strReader(f)).(Reader[K])
}

func customValuer(t reflect.Type) bool {
	return t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType)
}

// value returns field f of the struct v, through its pointer when ptr;
// ok is false for a nil pointer (NULL).
func value(f *schema.Field, v reflect.Value, ptr bool) (reflect.Value, bool) {
	fv := f.Get(v)
	if !ptr {
		return fv, true
	}
	if fv.IsNil() {
		return fv, false
	}
	return fv.Elem(), true
}

func intReader(f *schema.Field) Reader[int64] {
	t := f.Type
	ptr := t.Kind() == reflect.Pointer
	if ptr {
		t = t.Elem()
	}
	if !customValuer(f.Type) && !customValuer(t) {
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return func(v reflect.Value) (int64, bool, error) {
				fv, ok := value(f, v, ptr)
				if !ok {
					return 0, false, nil
				}
				return fv.Int(), true, nil
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return func(v reflect.Value) (int64, bool, error) {
				fv, ok := value(f, v, ptr)
				if !ok {
					return 0, false, nil
				}
				u := fv.Uint()
				if u > math.MaxInt64 {
					return 0, false, fmt.Errorf("key %d overflows int64: %w", u, ErrUnsupported)
				}
				return int64(u), true, nil
			}
		}
	}
	return func(v reflect.Value) (int64, bool, error) {
		return To[int64](f.Get(v).Interface())
	}
}

func strReader(f *schema.Field) Reader[string] {
	t := f.Type
	ptr := t.Kind() == reflect.Pointer
	if ptr {
		t = t.Elem()
	}
	if t.Kind() == reflect.String && !customValuer(f.Type) && !customValuer(t) {
		return func(v reflect.Value) (string, bool, error) {
			fv, ok := value(f, v, ptr)
			if !ok {
				return "", false, nil
			}
			return fv.String(), true, nil
		}
	}
	return func(v reflect.Value) (string, bool, error) {
		return To[string](f.Get(v).Interface())
	}
}

// To normalises v with Norm and requires the result to be a K; ok is
// false for NULL only.
func To[K Key](v any) (K, bool, error) {
	if k, isK := v.(K); isK {
		return k, true, nil // already normal: NormKey would box it afresh
	}
	var zero K
	nk, ok, err := Norm(v)
	if err != nil || !ok {
		return zero, false, err
	}
	k, isK := nk.(K)
	if !isK {
		return zero, false, fmt.Errorf("key %v (%T) where %T keys are expected: %w", v, v, zero, ErrUnsupported)
	}
	return k, true, nil
}

// UUIDString formats a UUID's 16 bytes in the canonical text form
// (8-4-4-4-12 lower-case hex digits), as PostgreSQL prints a uuid.
func UUIDString(u [16]byte) string {
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

// ToCast is To for a key read from a polymorphic id column of type text
// (or compared with one): a key of the other class is cast to K, an
// integer to its decimal text, a string to the integer it spells. A
// string that spells no integer is no key of an integer column: ok is
// false, as for NULL (it matches no row, as on SQLite).
func ToCast[K Key](v any) (K, bool, error) {
	if k, isK := v.(K); isK {
		return k, true, nil
	}
	var zero K
	nk, ok, err := Norm(v)
	if err != nil || !ok {
		return zero, false, err
	}
	if k, isK := nk.(K); isK {
		return k, true, nil
	}
	c := String
	if _, isInt := any(zero).(int64); isInt {
		c = Int
	}
	ck, err := Cast(nk, c, "")
	if err != nil {
		return zero, false, nil
	}
	return ck.(K), true, nil
}

// CastReader is ReaderFor for a field holding a polymorphic id of the
// other class (see ToCast).
func CastReader[K Key](f *schema.Field) Reader[K] {
	return func(v reflect.Value) (K, bool, error) {
		return ToCast[K](f.Get(v).Interface())
	}
}

// Text returns the text form of a normalised key (an integer's decimal
// digits), the form it is bound in for a polymorphic id column of type
// text; other keys are returned as they are.
func Text(k any) any {
	if n, ok := k.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return k
}

// TextAll is Text over a list of keys (a copy).
func TextAll(ks []any) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = Text(k)
	}
	return out
}

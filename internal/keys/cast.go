package keys

import (
	"cmp"
	"fmt"
	"reflect"
	"strconv"
)

// Cast normalises v (Norm) and casts it to class c: "2" becomes
// int64(2) for an integer key, 2 becomes "2" for a string key.
func Cast(v any, c Class, col string) (any, error) {
	switch v.(type) { // already normalised: keep the same interface value
	case int64:
		if c != String {
			return v, nil
		}
	case string:
		if c != Int {
			return v, nil
		}
	}
	k, ok, err := Norm(v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("NULL key for %s: %w", col, ErrUnsupported)
	}
	switch c {
	case Int:
		if s, isStr := k.(string); isStr {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("key %q for integer key %s: %w", s, col, ErrUnsupported)
			}
			return n, nil
		}
	case String:
		if n, isInt := k.(int64); isInt {
			return strconv.FormatInt(n, 10), nil
		}
	}
	return k, nil
}

// ForColumn checks a key value against the Go type t of a key column
// before any statement runs and returns it normalised, in its bound form
// (see Bind): an integer column takes any integer, a string column a
// string or []byte. A key of another class (a string for an integer
// column, a float, a struct) is an error matching ErrUnsupported, where
// the databases would disagree (SQLite finds nothing, PostgreSQL fails
// the statement); what names the column in it. ok is false for NULL (nil,
// a nil pointer, an invalid sql.Null*), which matches no row. Keys of
// custom column types are passed through as given.
func ForColumn(t reflect.Type, what string, v any) (any, bool, error) {
	class := ClassOf(t)
	if class != Int && class != String {
		return v, v != nil, nil
	}
	key, ok, err := Norm(v)
	if err != nil || !ok {
		return nil, false, err
	}
	switch key.(type) {
	case int64:
		if class == Int {
			return key, true, nil
		}
	case string:
		if class == String {
			return Bind(key, IsBytes(t)), true, nil
		}
	}
	return nil, false, fmt.Errorf("key %v of type %T for the %s %s: %w", v, v, t, what, ErrUnsupported)
}

// Compare orders normalised keys: integers by value, before every other
// key, the others by their text.
func Compare(a, b any) int {
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	switch {
	case aInt && bInt:
		return cmp.Compare(ai, bi)
	case aInt:
		return -1
	case bInt:
		return 1
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

// Index maps normalised keys to positions, in typed maps for integer
// and string keys (cheaper to hash than interface keys).
type Index struct {
	ints  map[int64]int
	strs  map[string]int
	other map[any]int
}

// NewIndex returns an Index sized for n keys of class c.
func NewIndex(n int, c Class) Index {
	switch c {
	case Int:
		return Index{ints: make(map[int64]int, n)}
	case String:
		return Index{strs: make(map[string]int, n)}
	}
	return Index{other: make(map[any]int, n)}
}

// Get returns the position of k.
func (x *Index) Get(k any) (int, bool) {
	var i int
	var ok bool
	switch v := k.(type) {
	case int64:
		i, ok = x.ints[v]
	case string:
		i, ok = x.strs[v]
	default:
		i, ok = x.other[k]
	}
	return i, ok
}

// Has reports whether k is indexed.
func (x *Index) Has(k any) bool {
	_, ok := x.Get(k)
	return ok
}

// HasInt is Has for an integer key.
func (x *Index) HasInt(k int64) bool {
	_, ok := x.ints[k]
	return ok
}

// HasStr is Has for a string key.
func (x *Index) HasStr(k string) bool {
	_, ok := x.strs[k]
	return ok
}

// Put records position i for k.
func (x *Index) Put(k any, i int) {
	switch v := k.(type) {
	case int64:
		x.PutInt(v, i)
	case string:
		x.PutStr(v, i)
	default:
		if x.other == nil {
			x.other = make(map[any]int)
		}
		x.other[k] = i
	}
}

// PutInt is Put for an integer key.
func (x *Index) PutInt(k int64, i int) {
	if x.ints == nil {
		x.ints = make(map[int64]int)
	}
	x.ints[k] = i
}

// PutStr is Put for a string key.
func (x *Index) PutStr(k string, i int) {
	if x.strs == nil {
		x.strs = make(map[string]int)
	}
	x.strs[k] = i
}

// CanonicalUUID returns the canonical text form of s (8-4-4-4-12
// lower-case hex digits, as PostgreSQL prints a uuid) when s spells a
// uuid the way PostgreSQL's uuid input accepts it: upper or lower case,
// optionally in braces, with or without a hyphen after any group of four
// digits. ok is false for any other string.
func CanonicalUUID(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	var b [36]byte
	n, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		case c == '-' && digits%4 == 0 && digits > 0 && digits < 32 && s[i-1] != '-':
			continue
		default:
			return "", false
		}
		if digits == 32 {
			return "", false
		}
		if digits == 8 || digits == 12 || digits == 16 || digits == 20 {
			b[n] = '-'
			n++
		}
		b[n] = c
		n++
		digits++
	}
	if digits != 32 {
		return "", false
	}
	return string(b[:]), true
}

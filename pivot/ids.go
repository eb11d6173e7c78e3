package pivot

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Record is one related key with its pivot attributes. A []Record is the
// ordered form of the map form (map[K]map[string]any): Attach and Sync
// handle records in slice order, whereas map keys are taken in ascending
// order. Key is a key value or a related model (C or *C).
type Record struct {
	Key   any
	Attrs map[string]any
}

// record is a parsed Record: Key is normalised and cast to the related
// key's class.
type record struct {
	key   any
	attrs map[string]any
}

// castKey normalises v (rel.NormKey) and casts it to class c: "2" becomes
// int64(2) for an integer key, 2 becomes "2" for a string key.
func castKey(v any, c rel.KeyClass, col string) (any, error) {
	switch v.(type) { // already normalised: keep the same interface value
	case int64:
		if c != rel.KeyString {
			return v, nil
		}
	case string:
		if c != rel.KeyInt {
			return v, nil
		}
	}
	k, ok, err := rel.NormKey(v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("NULL key for %s: %w", col, rel.ErrUnsupportedKey)
	}
	switch c {
	case rel.KeyInt:
		if s, isStr := k.(string); isStr {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("key %q for integer key %s: %w", s, col, rel.ErrUnsupportedKey)
			}
			return n, nil
		}
	case rel.KeyString:
		if n, isInt := k.(int64); isInt {
			return strconv.FormatInt(n, 10), nil
		}
	}
	return k, nil
}

// collector turns the ids argument into records, deduplicated by key:
// the first occurrence keeps its position, a later one with attributes
// replaces the attributes (as PHP arrays keyed by id do in Laravel).
type collector struct {
	p    *plan
	recs []record
	pos  keyIndex
}

func (c *collector) add(key any, attrs map[string]any) error {
	k, err := castKey(key, c.p.class, c.p.m.RelatedKey)
	if err != nil {
		return err
	}
	if i, ok := c.pos.get(k); ok {
		if attrs != nil {
			c.recs[i].attrs = attrs
		}
		return nil
	}
	c.pos.put(k, len(c.recs))
	c.recs = append(c.recs, record{key: k, attrs: attrs})
	return nil
}

// keyIndex maps normalised keys to positions, in typed maps for integer
// and string keys (cheaper to hash than interface keys).
type keyIndex struct {
	ints  map[int64]int
	strs  map[string]int
	other map[any]int
}

func newKeyIndex(n int, c rel.KeyClass) keyIndex {
	switch c {
	case rel.KeyInt:
		return keyIndex{ints: make(map[int64]int, n)}
	case rel.KeyString:
		return keyIndex{strs: make(map[string]int, n)}
	}
	return keyIndex{other: make(map[any]int, n)}
}

func (x *keyIndex) get(k any) (int, bool) {
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

func (x *keyIndex) has(k any) bool {
	_, ok := x.get(k)
	return ok
}

func (x *keyIndex) put(k any, i int) {
	switch v := k.(type) {
	case int64:
		x.putInt(v, i)
	case string:
		x.putStr(v, i)
	default:
		if x.other == nil {
			x.other = make(map[any]int)
		}
		x.other[k] = i
	}
}

func (x *keyIndex) putInt(k int64, i int) {
	if x.ints == nil {
		x.ints = make(map[int64]int)
	}
	x.ints[k] = i
}

func (x *keyIndex) putStr(k string, i int) {
	if x.strs == nil {
		x.strs = make(map[string]int)
	}
	x.strs[k] = i
}

// model adds the related key of a C (a struct value).
func (c *collector) model(v reflect.Value, attrs map[string]any) error {
	k, ok, err := rel.NormKey(c.p.relKey.Get(v).Interface())
	if err != nil {
		return err
	}
	if !ok || rel.IsZeroKey(k) {
		return fmt.Errorf("%s has no %s (not saved?): %w", c.p.m.Related.Type.Name(), c.p.m.RelatedKey, ErrNoKey)
	}
	return c.add(k, attrs)
}

// item adds one key, model or Record.
func item[C any](c *collector, x any, attrs map[string]any) error {
	switch v := x.(type) {
	case C:
		return c.model(reflect.ValueOf(&v).Elem(), attrs)
	case *C:
		if v == nil {
			return fmt.Errorf("nil *%s: %w", c.p.m.Related.Type.Name(), sqlt.ErrNilValue)
		}
		return c.model(reflect.ValueOf(v).Elem(), attrs)
	case Record:
		return item[C](c, v.Key, v.Attrs)
	}
	return c.add(x, attrs)
}

// parseIDs reads the ids argument of Attach, Detach, Sync, …: nil, a key,
// a slice or array of keys, models (C, *C, []C, []*C), Records, or a map
// key → attributes.
func parseIDs[C any](p *plan, ids any) ([]record, error) {
	recs, _, err := parseIndexed[C](p, ids)
	return recs, err
}

// parseIndexed is parseIDs that also returns the keys' index (key →
// position in the records).
func parseIndexed[C any](p *plan, ids any) ([]record, keyIndex, error) {
	c := &collector{p: p}
	var err error
	switch v := ids.(type) {
	case nil:
		return nil, keyIndex{}, nil
	case []int64:
		c.recs = make([]record, 0, len(v))
		c.pos = newKeyIndex(len(v), p.class)
		for _, k := range v {
			if err = c.add(k, nil); err != nil {
				break
			}
		}
	case []int:
		c.recs = make([]record, 0, len(v))
		c.pos = newKeyIndex(len(v), p.class)
		for _, k := range v {
			if err = c.add(k, nil); err != nil {
				break
			}
		}
	case []string:
		c.recs = make([]record, 0, len(v))
		c.pos = newKeyIndex(len(v), p.class)
		for _, k := range v {
			if err = c.add(k, nil); err != nil {
				break
			}
		}
	case []any:
		for _, x := range v {
			if err = item[C](c, x, nil); err != nil {
				break
			}
		}
	case []C:
		for i := range v {
			if err = c.model(reflect.ValueOf(&v[i]).Elem(), nil); err != nil {
				break
			}
		}
	case []*C:
		for _, x := range v {
			if err = item[C](c, x, nil); err != nil {
				break
			}
		}
	case []Record:
		for _, r := range v {
			if err = item[C](c, r.Key, r.Attrs); err != nil {
				break
			}
		}
	default:
		err = parseReflect[C](c, ids)
	}
	if err != nil {
		return nil, keyIndex{}, err
	}
	return c.recs, c.pos, nil
}

func parseReflect[C any](c *collector, ids any) error {
	rv := reflect.ValueOf(ids)
	switch rv.Kind() {
	case reflect.Map:
		return parseMap[C](c, rv)
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 && c.p.class != rel.KeyInt {
			break // []byte: one string key (for an integer key, a list of uint8 keys)
		}
		for i := 0; i < rv.Len(); i++ {
			if err := item[C](c, rv.Index(i).Interface(), nil); err != nil {
				return err
			}
		}
		return nil
	}
	return item[C](c, ids, nil)
}

// parseMap reads key → attributes, in ascending key order.
func parseMap[C any](c *collector, rv reflect.Value) error {
	type entry struct {
		key   any
		attrs map[string]any
	}
	entries := make([]entry, 0, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		k, err := castKey(it.Key().Interface(), c.p.class, c.p.m.RelatedKey)
		if err != nil {
			return err
		}
		attrs, err := attrsOf(it.Value())
		if err != nil {
			return fmt.Errorf("attributes of key %v: %w", k, err)
		}
		entries = append(entries, entry{k, attrs})
	}
	slices.SortFunc(entries, func(a, b entry) int { return compareKeys(a.key, b.key) })
	for _, e := range entries {
		if err := c.add(e.key, e.attrs); err != nil {
			return err
		}
	}
	return nil
}

func compareKeys(a, b any) int {
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

// attrsOf reads a map value of the map form: map[string]any, any map with
// string keys, or nil.
func attrsOf(v reflect.Value) (map[string]any, error) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	if m, ok := v.Interface().(map[string]any); ok {
		return m, nil
	}
	if v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String {
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[it.Key().String()] = it.Value().Interface()
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: want map[string]any: %w", v.Type(), ErrBadAttributes)
}

// canonicalUUID returns the canonical text form of s (8-4-4-4-12
// lower-case hex digits, as PostgreSQL prints a uuid) when s spells a
// uuid the way PostgreSQL's uuid input accepts it: upper or lower case,
// optionally in braces, with or without a hyphen after any group of four
// digits. ok is false for any other string.
func canonicalUUID(s string) (string, bool) {
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

// canonicalUUIDs returns recs with every key that spells a uuid in its
// canonical form, deduplicated as the collector does (two spellings of one
// uuid are one key), and their index. recs and want (their index) are
// returned as they are when every key is canonical already.
func canonicalUUIDs(p *plan, recs []record, want keyIndex) ([]record, keyIndex) {
	if !slices.ContainsFunc(recs, func(rc record) bool {
		u, ok := canonicalUUID(rc.key.(string))
		return ok && u != rc.key
	}) {
		return recs, want
	}
	c := &collector{p: p, recs: make([]record, 0, len(recs)), pos: newKeyIndex(len(recs), p.class)}
	for _, rc := range recs {
		k := rc.key.(string)
		if u, ok := canonicalUUID(k); ok {
			k = u
		}
		_ = c.add(k, rc.attrs) // a string key for a string key column: no error
	}
	return c.recs, c.pos
}

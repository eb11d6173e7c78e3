package pivot

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/relkit/relkit/internal/keys"
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
	key    any
	attrs  map[string]any
	parent any // the parent's bound key, set where the record is inserted
}

// collector turns the ids argument into records, deduplicated by key:
// the first occurrence keeps its position, a later one with attributes
// replaces the attributes (as PHP arrays keyed by id do in Laravel).
type collector struct {
	p    *plan
	recs []record
	pos  keys.Index
}

func (c *collector) add(key any, attrs map[string]any) error {
	k, err := keys.Cast(key, c.p.class, c.p.m.RelatedKey)
	if err != nil {
		return err
	}
	if i, ok := c.pos.Get(k); ok {
		if attrs != nil {
			c.recs[i].attrs = attrs
		}
		return nil
	}
	c.pos.Put(k, len(c.recs))
	c.recs = append(c.recs, record{key: k, attrs: attrs})
	return nil
}

// model adds the related key of a C (a struct value).
func (c *collector) model(v reflect.Value, attrs map[string]any) error {
	k, ok, err := keys.Norm(c.p.relKey.Get(v).Interface())
	if err != nil {
		return err
	}
	if !ok || keys.IsZero(k) {
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
func parseIndexed[C any](p *plan, ids any) ([]record, keys.Index, error) {
	c := &collector{p: p}
	var err error
	switch v := ids.(type) {
	case nil:
		return nil, keys.Index{}, nil
	case []int64:
		c.recs = make([]record, 0, len(v))
		c.pos = keys.NewIndex(len(v), p.class)
		for _, k := range v {
			if err = c.add(k, nil); err != nil {
				break
			}
		}
	case []int:
		c.recs = make([]record, 0, len(v))
		c.pos = keys.NewIndex(len(v), p.class)
		for _, k := range v {
			if err = c.add(k, nil); err != nil {
				break
			}
		}
	case []string:
		c.recs = make([]record, 0, len(v))
		c.pos = keys.NewIndex(len(v), p.class)
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
		return nil, keys.Index{}, err
	}
	return c.recs, c.pos, nil
}

func parseReflect[C any](c *collector, ids any) error {
	rv := reflect.ValueOf(ids)
	switch rv.Kind() {
	case reflect.Map:
		return parseMap[C](c, rv)
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 && c.p.class != keys.Int {
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
		k, err := keys.Cast(it.Key().Interface(), c.p.class, c.p.m.RelatedKey)
		if err != nil {
			return err
		}
		attrs, err := attrsOf(it.Value())
		if err != nil {
			return fmt.Errorf("attributes of key %v: %w", k, err)
		}
		entries = append(entries, entry{k, attrs})
	}
	slices.SortFunc(entries, func(a, b entry) int { return keys.Compare(a.key, b.key) })
	for _, e := range entries {
		if err := c.add(e.key, e.attrs); err != nil {
			return err
		}
	}
	return nil
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

// canonicalUUIDs returns recs with every key that spells a uuid in its
// canonical form, deduplicated as the collector does (two spellings of one
// uuid are one key), and their index. recs and want (their index) are
// returned as they are when every key is canonical already.
func canonicalUUIDs(p *plan, recs []record, want keys.Index) ([]record, keys.Index) {
	if !slices.ContainsFunc(recs, func(rc record) bool {
		u, ok := keys.CanonicalUUID(rc.key.(string))
		return ok && u != rc.key
	}) {
		return recs, want
	}
	c := &collector{p: p, recs: make([]record, 0, len(recs)), pos: keys.NewIndex(len(recs), p.class)}
	for _, rc := range recs {
		k := rc.key.(string)
		if u, ok := keys.CanonicalUUID(k); ok {
			k = u
		}
		_ = c.add(k, rc.attrs) // a string key for a string key column: no error
	}
	return c.recs, c.pos
}

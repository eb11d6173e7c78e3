// Package parentset holds what packages load and agg both fill: the set of
// parent models a call loads relations or aggregates into.
package parentset

import (
	"fmt"
	"reflect"

	"github.com/relkit/relkit/sqlt"
)

// Of is the parents argument of load.With and agg.Load: a slice of models
// ([]P, or a named slice type), a slice of pointers ([]*P), a pointer to a
// slice (*[]P) or one model (*P).
type Of[P any] interface {
	~[]P | ~[]*P | *[]P | *P
}

// Elems returns the parent structs of an Of[P] value, each addressable. A
// nil pointer among them is an error.
func Elems[P any](parents any) ([]reflect.Value, error) {
	v := reflect.ValueOf(parents)
	t := reflect.TypeFor[P]()
	if !v.IsValid() {
		return nil, fmt.Errorf("nil parents: %w", sqlt.ErrNilValue)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, fmt.Errorf("nil %s: %w", v.Type(), sqlt.ErrNilValue)
		}
		if v.Type().Elem() == t {
			return []reflect.Value{v.Elem()}, nil
		}
		v = v.Elem()
	}
	out := make([]reflect.Value, v.Len())
	ptr := v.Type().Elem().Kind() == reflect.Pointer
	for i := range out {
		e := v.Index(i)
		if ptr {
			if e.IsNil() {
				return nil, fmt.Errorf("parent %d is nil: %w", i, sqlt.ErrNilValue)
			}
			e = e.Elem()
		}
		out[i] = e
	}
	return out, nil
}

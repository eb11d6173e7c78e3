// Package byname records the relation names that by-name forms (the
// aggregates agg.CountOf, agg.SumOf, …) resolve at first use, so that
// rel.Check can report, at start-up, the names that do not resolve.
package byname

import (
	"reflect"
	"sync"
)

// Use is a relation name a by-name form resolves on a parent type; What
// names the form, for Check's error ("agg count \"posts as pc\"").
type Use struct {
	Parent reflect.Type
	Name   string
	What   string
}

var uses struct {
	sync.Mutex
	seen map[Use]bool
	list []Use
}

// Record keeps u once, however often the same form is made.
func Record(u Use) {
	uses.Lock()
	defer uses.Unlock()
	if uses.seen[u] {
		return
	}
	if uses.seen == nil {
		uses.seen = map[Use]bool{}
	}
	uses.seen[u] = true
	uses.list = append(uses.list, u)
}

// All returns the recorded uses, in the order they were first made.
func All() []Use {
	uses.Lock()
	defer uses.Unlock()
	return append([]Use(nil), uses.list...)
}

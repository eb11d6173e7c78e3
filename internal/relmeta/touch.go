package relmeta

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// touches maps a parent type to the relations declared on it with
// rel's Touches, in declaration order, one per touchKey. It is separate
// from rel's by-name registry: Touches registers no name, and a relation
// touches whatever name it is known by. Package rel alone adds to it;
// the write paths of query and pivot read it by the type they write.
var touches struct {
	sync.RWMutex
	m map[reflect.Type][]*Meta
}

// AddTouch records m (a belongsTo, belongsToMany or morphTo relation
// declared with Touches) as touched by every write of a row of m.Parent. The same
// relation declared again (a function run twice) is recorded once.
func AddTouch(m *Meta) {
	touches.Lock()
	defer touches.Unlock()
	if touches.m == nil {
		touches.m = map[reflect.Type][]*Meta{}
	}
	k := touchKey(m)
	for _, cur := range touches.m[m.Parent.Type] {
		if touchKey(cur) == k {
			return
		}
	}
	touches.m[m.Parent.Type] = append(touches.m[m.Parent.Type], m)
}

// Touching returns the relations a write of a t row touches (see
// AddTouch). The slice must not be modified.
func Touching(t reflect.Type) []*Meta {
	touches.RLock()
	defer touches.RUnlock()
	return touches.m[t]
}

// TouchingOf returns the relation declared with Touches that equals m
// (same kind, related type, keys, pivot table and constraints), or nil.
func TouchingOf(m *Meta) *Meta {
	if m.Parent == nil || m.Related == nil && m.Kind != KindMorphTo {
		return nil
	}
	k := touchKey(m)
	for _, cur := range Touching(m.Parent.Type) {
		if touchKey(cur) == k {
			return cur
		}
	}
	return nil
}

// InverseTouching returns the belongsToMany relation declared with
// Touches from m's related type back to m's parent over the same pivot
// table, with the pivot keys swapped, or nil: when there is one, a pivot
// write through m touches the parent's row (Laravel's touchingParent,
// without its guess of the inverse relation's name).
func InverseTouching(m *Meta) *Meta {
	if m.Kind != KindBelongsToMany || m.Related == nil {
		return nil
	}
	for _, cur := range Touching(m.Related.Type) {
		if cur.Kind == KindBelongsToMany && cur.Related.Type == m.Parent.Type && cur.PivotTable == m.PivotTable &&
			cur.ForeignPivotKey == m.RelatedPivotKey && cur.RelatedPivotKey == m.ForeignPivotKey &&
			cur.ParentKey == m.RelatedKey && cur.RelatedKey == m.ParentKey {
			return cur
		}
	}
	return nil
}

// touchKey tells two touching relations of one type apart: what their
// touch statement depends on.
func touchKey(m *Meta) string {
	var b strings.Builder
	if m.Kind == KindMorphTo {
		// A morphTo has no one related type: its columns and targets.
		fmt.Fprintf(&b, "%v|%s %s", m.Kind, m.MorphType, m.ForeignKey)
		for _, t := range m.Targets {
			fmt.Fprintf(&b, "|%v %s %s", t.Related.Type, t.OwnerKey, t.MorphClass)
		}
	} else {
		fmt.Fprintf(&b, "%v %v|%s %s|%s %s %s %s %s|%v", m.Kind, m.Related.Type,
			m.ForeignKey, m.OwnerKey, m.PivotTable, m.ForeignPivotKey, m.RelatedPivotKey, m.ParentKey, m.RelatedKey, m.PivotWheres)
	}
	for _, w := range m.Wheres {
		q, args, err := w.ToSql()
		fmt.Fprintf(&b, "|%s %v %v", q, args, err)
	}
	return b.String()
}

type noTouchKey struct{}

// noTouch is what a context suspends: every touch (all) or the touches of
// rows of the listed types.
type noTouch struct {
	all   bool
	types []reflect.Type
}

// WithoutTouching returns a context under which writes do not touch rows
// of type t, or no rows at all when t is nil. Scopes nest: the returned
// context suspends what ctx suspends, and t.
func WithoutTouching(ctx context.Context, t reflect.Type) context.Context {
	cur, _ := ctx.Value(noTouchKey{}).(*noTouch)
	next := &noTouch{all: t == nil}
	if cur != nil {
		next.all = next.all || cur.all
		next.types = append(next.types, cur.types...)
	}
	if t != nil {
		next.types = append(next.types, t)
	}
	return context.WithValue(ctx, noTouchKey{}, next)
}

// TouchSuspended reports whether ctx suspends touching rows of type t.
func TouchSuspended(ctx context.Context, t reflect.Type) bool {
	cur, _ := ctx.Value(noTouchKey{}).(*noTouch)
	if cur == nil {
		return false
	}
	if cur.all {
		return true
	}
	for _, x := range cur.types {
		if x == t {
			return true
		}
	}
	return false
}

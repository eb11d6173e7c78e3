package sqlt

import (
	"reflect"

	"github.com/relkit/relkit/internal/schema"
)

// ScanAll reads every row into a new slice and closes rows. T is a struct
// (columns map to fields by name; a column with no field is an
// *UnmappedResultColumnError that names it) or a single-column value such as int64 or string.
func ScanAll[T any](rows *Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	err := schema.Scan(rows, reflect.TypeFor[T](), func() reflect.Value {
		var zero T
		out = append(out, zero)
		return reflect.ValueOf(&out[len(out)-1]).Elem()
	}, nil)
	if err != nil {
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// ScanOne reads the first row into a T and closes rows. No row gives an
// error matching [ErrNotFound] (and sql.ErrNoRows).
func ScanOne[T any](rows *Rows) (T, error) {
	defer rows.Close()
	var out T
	found := false
	err := schema.Scan(rows, reflect.TypeFor[T](), func() reflect.Value {
		if found {
			return reflect.Value{}
		}
		found = true
		return reflect.ValueOf(&out).Elem()
	}, nil)
	if err != nil {
		return out, err
	}
	if err := rows.Close(); err != nil {
		return out, err
	}
	if !found {
		return out, ErrNotFound
	}
	return out, nil
}

// ScanEach reads rows one at a time into a reused T and calls fn for each;
// fn returning false stops early. It closes rows.
func ScanEach[T any](rows *Rows, fn func(T) bool) error {
	defer rows.Close()
	var cur T
	stop := false
	err := schema.Scan(rows, reflect.TypeFor[T](), func() reflect.Value {
		if stop {
			return reflect.Value{}
		}
		var zero T
		cur = zero
		return reflect.ValueOf(&cur).Elem()
	}, func(reflect.Value, []any) error {
		if !fn(cur) {
			stop = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	return rows.Close()
}

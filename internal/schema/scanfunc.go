package schema

import (
	"fmt"
	"reflect"
)

// ScanFunc reads every row into struct values of type t that next
// provides, and closes rows. next returns an addressable t to scan the
// coming row into (an element of the caller's own storage), or an invalid
// reflect.Value to stop early. Columns map to fields as in [ScanInto];
// extra (may be nil) selects unmapped columns and receives them after each
// row. It lets a caller that manages its own storage (eager loading in
// fixed chunks, say) scan without a growing slice.
func ScanFunc(rows Rows, t reflect.Type, next func() reflect.Value, extra *Extra) error {
	defer rows.Close()
	if t == nil || t.Kind() != reflect.Struct {
		return fmt.Errorf("scan into %v: %w", t, ErrNotStruct)
	}
	var cb func(reflect.Value, []any) error
	var extraCols []string
	if extra != nil && extra.Row != nil {
		cb = func(elem reflect.Value, vals []any) error { return extra.Row(elem, extraCols, vals) }
	}
	if err := scanRowsExtra(rows, t, next, cb, extra, &extraCols); err != nil {
		return err
	}
	return rows.Close()
}

package render

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
)

// ErrBadArgument is query.ErrBadArgument, defined here so that the
// renderer's errors match it.
var ErrBadArgument = errors.New("relkit: bad argument")

// PivotExtra is the scanning hook of a belongsToMany read: it moves the
// pivot_* columns into the related struct's pivot field (relmeta.Meta's
// PivotDest), or drops them when the struct has none.
func PivotExtra(m *relmeta.Meta) *schema.Extra {
	return &schema.Extra{
		Want: func(col string) bool { return strings.HasPrefix(col, "pivot_") },
		Row: func(elem reflect.Value, cols []string, vals []any) error {
			if m.PivotDest == nil {
				return nil
			}
			return SetPivot(elem.FieldByIndex(m.PivotDest), cols, vals)
		},
	}
}

// SetPivot stores pivot values (columns named pivot_<col>) into a pivot
// field of type map[string]any, a struct or a pointer to a struct whose
// columns are matched by name (unknown columns are ignored there).
func SetPivot(fv reflect.Value, cols []string, vals []any) error {
	t := fv.Type()
	switch {
	case t.Kind() == reflect.Map:
		mv := reflect.MakeMapWithSize(t, len(cols))
		for i, c := range cols {
			v := reflect.ValueOf(vals[i])
			if !v.IsValid() {
				v = reflect.Zero(t.Elem())
			} else if !v.Type().AssignableTo(t.Elem()) {
				if !v.Type().ConvertibleTo(t.Elem()) {
					return fmt.Errorf("pivot %s: %s into %s: %w", c, v.Type(), t.Elem(), ErrBadArgument)
				}
				v = v.Convert(t.Elem())
			}
			mv.SetMapIndex(reflect.ValueOf(strings.TrimPrefix(c, "pivot_")).Convert(t.Key()), v)
		}
		fv.Set(mv)
		return nil
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := SetPivot(p.Elem(), cols, vals); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	pm, err := schema.ModelOf(t)
	if err != nil {
		return fmt.Errorf("pivot field: %w", err)
	}
	for i, c := range cols {
		f, ok := pm.Column(strings.TrimPrefix(c, "pivot_"))
		if !ok {
			continue
		}
		if err := schema.Assign(f.Set(fv), vals[i]); err != nil {
			return fmt.Errorf("pivot %s: %w", c, err)
		}
	}
	return nil
}

// PivotTouch renders the UPDATE setting column (the related model's
// updated_at) to at on every related row attached to the parent whose
// bound key is parentKey, through the pivot rows the relation's pivot
// filters select, in one statement:
//
//	update "roles" set "updated_at" = ? where "roles"."id" in
//	  (select "role_user"."role_id" from "role_user" where "role_user"."user_id" = ? [and (filters)])
func PivotTouch(m *relmeta.Meta, column string, at time.Time, parentKey any) (string, []any, error) {
	q, args, _, err := Touch(m, column, at, Owners{keys: []any{parentKey}})
	return q, args, err
}

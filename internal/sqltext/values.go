package sqltext

import "reflect"

// ListValues returns the values of an "in" list as a caller passes them:
// each slice argument (other than a []byte, which is one value) is spread
// into its elements, so that WhereIn("id", []int64{1, 2}) and
// WhereIn("id", 1, 2) bind the same values.
func ListValues(values []any) []any {
	var out []any
	for _, v := range values {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
			for i := 0; i < rv.Len(); i++ {
				out = append(out, rv.Index(i).Interface())
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

package schema

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
)

// Assign stores v (a value as drivers return it, or as a caller passes it)
// into the settable field fv, converting between integer widths, floats,
// strings and []byte, allocating pointers, and calling sql.Scanner. A value
// of the field's own type is stored as is; another driver.Valuer
// (sql.NullString{} into a *string) is stored as its Value. nil stores the
// zero value.
func Assign(fv reflect.Value, v any) error {
	if v == nil {
		fv.Set(reflect.Zero(fv.Type()))
		return nil
	}
	if t := reflect.TypeOf(v); t.AssignableTo(fv.Type()) {
		fv.Set(reflect.ValueOf(v)) // sql.NullString into a sql.NullString field
		return nil
	}
	if dv, ok := v.(driver.Valuer); ok {
		val, err := dv.Value()
		if err != nil {
			return fmt.Errorf("assign %T to %s: %w", v, fv.Type(), err)
		}
		return Assign(fv, val)
	}
	if sc, ok := fv.Addr().Interface().(sql.Scanner); ok {
		if err := sc.Scan(v); err != nil {
			return fmt.Errorf("assign %T to %s: %w", v, fv.Type(), err)
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			fv.Set(reflect.Zero(fv.Type()))
			return nil
		}
		if rv.Type().AssignableTo(fv.Type()) {
			fv.Set(rv)
			return nil
		}
		return Assign(fv, rv.Elem().Interface())
	}
	ft := fv.Type()
	if ft.Kind() == reflect.Pointer {
		p := reflect.New(ft.Elem())
		if err := Assign(p.Elem(), v); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	if rv.Type().AssignableTo(ft) {
		fv.Set(rv)
		return nil
	}
	switch {
	case ft.Kind() == reflect.String && rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		fv.SetString(string(rv.Bytes()))
		return nil
	case ft.Kind() == reflect.Bool && rv.CanInt():
		fv.SetBool(rv.Int() != 0)
		return nil
	case ft.Kind() == reflect.String && rv.CanInt():
		fv.SetString(strconv.FormatInt(rv.Int(), 10))
		return nil
	case IsNumber(ft.Kind()) && IsNumber(rv.Kind()), ft.Kind() == reflect.String && rv.Kind() == reflect.String:
		cv := rv.Convert(ft)
		if cv.Convert(rv.Type()).Interface() != rv.Interface() {
			return fmt.Errorf("assign %v to %s: value out of range", v, ft)
		}
		fv.Set(cv)
		return nil
	case rv.Type().ConvertibleTo(ft) && rv.Kind() == ft.Kind():
		fv.Set(rv.Convert(ft))
		return nil
	}
	return fmt.Errorf("assign %T to %s: incompatible types", v, ft)
}

// IsNumber reports whether k is an integer or floating-point kind.
func IsNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

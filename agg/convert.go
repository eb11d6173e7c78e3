package agg

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/relkit/relkit/internal/schema"
)

// Null holds an aggregate that may be NULL — the sum, min, max or avg of a
// parent without related rows — and converts what either database returns
// into T: PostgreSQL's numeric sums and averages (sent as text), SQLite's
// timestamps (an aggregate over a timestamp column comes back as text
// there), integers into floats and back when exact. Use it as the field of
// an aggregate column:
//
//	LastComment agg.Null[time.Time] `db:"comments_max_created_at,readonly"`
type Null[T any] struct {
	V     T
	Valid bool // false when the aggregate was NULL
}

// Scan implements sql.Scanner.
func (n *Null[T]) Scan(src any) error {
	if src == nil {
		*n = Null[T]{}
		return nil
	}
	if err := assign(reflect.ValueOf(&n.V).Elem(), src); err != nil {
		return err
	}
	n.Valid = true
	return nil
}

// Value implements driver.Valuer: NULL when not Valid.
func (n Null[T]) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return driver.DefaultParameterConverter.ConvertValue(n.V)
}

var timeType = reflect.TypeFor[time.Time]()

// timeFormats are the layouts SQLite timestamps are written in (those of
// mattn/go-sqlite3, which relkit uses).
var timeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSuffix(s, "Z")
	for _, f := range timeFormats {
		if t, err := time.ParseInLocation(f, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parse time %q: unknown format", s)
}

// assign stores a value as a driver returns it (src) into fv: NULL gives
// the zero value (nil for pointers); numbers convert between widths when
// exact, and from text; text timestamps are parsed; sql.Scanner fields
// scan src themselves.
func assign(fv reflect.Value, src any) error {
	if src == nil {
		fv.SetZero()
		return nil
	}
	if b, ok := src.([]byte); ok {
		src = string(b)
	}
	ft := fv.Type()
	if ft.Kind() == reflect.Pointer {
		p := reflect.New(ft.Elem())
		if err := assign(p.Elem(), src); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	if sc, ok := fv.Addr().Interface().(sql.Scanner); ok {
		return sc.Scan(src)
	}
	bad := func(err error) error {
		if err != nil {
			return fmt.Errorf("assign %v (%T) to %s: %w", src, src, ft, err)
		}
		return fmt.Errorf("assign %v (%T) to %s: incompatible types", src, src, ft)
	}
	if ft == timeType {
		switch v := src.(type) {
		case time.Time:
			fv.Set(reflect.ValueOf(v))
			return nil
		case string:
			t, err := parseTime(v)
			if err != nil {
				return bad(err)
			}
			fv.Set(reflect.ValueOf(t))
			return nil
		}
		return bad(nil)
	}
	sv := reflect.ValueOf(src)
	switch ft.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := toInt(sv)
		if err != nil {
			return bad(err)
		}
		if fv.OverflowInt(n) {
			return bad(fmt.Errorf("overflow"))
		}
		fv.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := toInt(sv)
		if err != nil {
			return bad(err)
		}
		if n < 0 || fv.OverflowUint(uint64(n)) {
			return bad(fmt.Errorf("overflow"))
		}
		fv.SetUint(uint64(n))
		return nil
	case reflect.Float32, reflect.Float64:
		f, err := toFloat(sv)
		if err != nil {
			return bad(err)
		}
		fv.SetFloat(f)
		return nil
	case reflect.String:
		switch {
		case sv.Kind() == reflect.String:
			fv.SetString(sv.String())
		case sv.CanInt():
			fv.SetString(strconv.FormatInt(sv.Int(), 10))
		case sv.CanUint():
			fv.SetString(strconv.FormatUint(sv.Uint(), 10))
		case sv.CanFloat():
			fv.SetString(strconv.FormatFloat(sv.Float(), 'f', -1, 64))
		case sv.Kind() == reflect.Bool:
			fv.SetString(strconv.FormatBool(sv.Bool()))
		default:
			if t, ok := src.(time.Time); ok {
				fv.SetString(t.Format(time.RFC3339Nano))
				return nil
			}
			return bad(nil)
		}
		return nil
	case reflect.Bool:
		switch {
		case sv.Kind() == reflect.Bool:
			fv.SetBool(sv.Bool())
		case sv.CanInt():
			fv.SetBool(sv.Int() != 0)
		case sv.CanUint():
			fv.SetBool(sv.Uint() != 0)
		case sv.Kind() == reflect.String:
			b, err := strconv.ParseBool(sv.String())
			if err != nil {
				return bad(err)
			}
			fv.SetBool(b)
		default:
			return bad(nil)
		}
		return nil
	}
	if err := schema.Assign(fv, src); err != nil {
		return bad(err)
	}
	return nil
}

// toInt reads an integer, refusing a fraction.
func toInt(v reflect.Value) (int64, error) {
	switch {
	case v.CanInt():
		return v.Int(), nil
	case v.CanUint():
		if v.Uint() > math.MaxInt64 {
			return 0, fmt.Errorf("overflow")
		}
		return int64(v.Uint()), nil
	case v.CanFloat():
		return floatToInt(v.Float())
	case v.Kind() == reflect.Bool:
		if v.Bool() {
			return 1, nil
		}
		return 0, nil
	case v.Kind() == reflect.String:
		s := strings.TrimSpace(v.String())
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, err
		}
		return floatToInt(f)
	}
	return 0, fmt.Errorf("not a number")
}

func floatToInt(f float64) (int64, error) {
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("%v is not an integer", f)
	}
	return int64(f), nil
}

func toFloat(v reflect.Value) (float64, error) {
	switch {
	case v.CanInt():
		return float64(v.Int()), nil
	case v.CanUint():
		return float64(v.Uint()), nil
	case v.CanFloat():
		return v.Float(), nil
	case v.Kind() == reflect.String:
		return strconv.ParseFloat(strings.TrimSpace(v.String()), 64)
	}
	return 0, fmt.Errorf("not a number")
}

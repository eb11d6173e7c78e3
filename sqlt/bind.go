package sqlt

import (
	"database/sql"
	"database/sql/driver"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// utcArgs returns the statement arguments with every time in UTC: a
// time.Time, a non-nil *time.Time, a valid sql.NullTime or sql.Null[time.Time],
// and the elements of a []time.Time (a PostgreSQL array parameter). The
// instant is unchanged; only its location is.
//
// Binding in UTC is what makes times round-trip: pgx writes the wall clock
// of a time.Time into a PostgreSQL timestamp (without time zone) column,
// dropping its offset, and SQLite stores times as text with their offset,
// so that two instants written with different offsets compare by their
// wall clocks.
//
// args itself is never modified: when a time needs converting, the result
// is a copy; otherwise it is args (no allocation). A driver.Valuer other
// than sql.NullTime is passed as it is, even if its value is a time.
func utcArgs(args []any) []any {
	if out, ok := convertArgs(args, utcArg); ok {
		return out
	}
	return args
}

// convertArgs returns a copy of args with every argument that conv
// converts replaced, and true; or nil and false when conv converts none
// (without allocating). args itself is never modified.
func convertArgs(args []any, conv func(any) (any, bool)) ([]any, bool) {
	var out []any
	for i, a := range args {
		v, ok := conv(a)
		if !ok {
			continue
		}
		if out == nil {
			out = make([]any, len(args))
			copy(out, args)
		}
		out[i] = v
	}
	return out, out != nil
}

// utcArg returns a in UTC and true when a is a time that is not in UTC.
func utcArg(a any) (any, bool) {
	switch t := a.(type) {
	case time.Time:
		if t.Location() != time.UTC {
			return t.UTC(), true
		}
	case *time.Time:
		if t != nil && t.Location() != time.UTC {
			u := t.UTC()
			return &u, true
		}
	case sql.NullTime:
		if t.Valid && t.Time.Location() != time.UTC {
			return sql.NullTime{Time: t.Time.UTC(), Valid: true}, true
		}
	case sql.Null[time.Time]:
		if t.Valid && t.V.Location() != time.UTC {
			return sql.Null[time.Time]{V: t.V.UTC(), Valid: true}, true
		}
	case []time.Time:
		for i := range t {
			if t[i].Location() != time.UTC {
				u := make([]time.Time, len(t))
				for j, x := range t {
					u[j] = x.UTC()
				}
				return u, true
			}
		}
	}
	return nil, false
}

// textArgs returns the statement arguments with every boolean and number
// in its text form, and whether it converted any: true and false become
// "1" and "0" (what SQLite stores for them in a text column, and what
// Laravel binds), integers their decimal form, floats their shortest
// decimal form that parses back to the same value (strconv 'g', -1).
// Named types (type Level int), non-nil pointers to these kinds and
// driver.Valuers whose value is one (sql.NullInt64, sql.NullBool…) are
// converted too; everything else is passed as it is.
//
// pgx encodes an argument by the type PostgreSQL infers for its parameter
// and refuses a Go bool for a text parameter, or an int for a varchar one.
// Sent as text, the value is parsed by PostgreSQL as the parameter's type:
// "1" is 1 for an integer, true for a boolean and "1" for text. The pgx
// adapter retries a statement with these arguments when pgx could not
// encode the first ones (see bindAsText); args itself is never modified.
func textArgs(args []any) ([]any, bool) {
	return convertArgs(args, func(a any) (any, bool) { return textForm(a) })
}

// textForm returns the text form of a boolean or a number (see textArgs).
func textForm(a any) (string, bool) {
	if a == nil {
		return "", false
	}
	v := reflect.ValueOf(a)
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return "", false
	}
	if vr, ok := a.(driver.Valuer); ok {
		// sql.NullInt64, sql.NullBool…: the value the type stands for.
		x, err := vr.Value()
		if err != nil || x == nil {
			return "", false
		}
		v = reflect.ValueOf(x)
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return "1", true
		}
		return "0", true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10), true
	case reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32), true
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64), true
	}
	return "", false
}

// bindAsText reports whether err is pgx failing to encode an argument for
// its parameter's type ("failed to encode args[i]: unable to encode true
// into binary format for text …"). pgx reports it before the statement
// runs (after preparing it), so running the statement again is safe, even
// inside a transaction. pgx has no error type for it: its message is the
// only sign, and the tests of the rule (textbind_test.go in sqlt, pivot
// and query) catch a pgx release that changes it.
func bindAsText(err error) bool {
	return err != nil && strings.Contains(err.Error(), "failed to encode args[")
}

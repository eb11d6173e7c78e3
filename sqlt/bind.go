package sqlt

import (
	"database/sql"
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
	var out []any
	for i, a := range args {
		v, ok := utcArg(a)
		if !ok {
			continue
		}
		if out == nil {
			out = make([]any, len(args))
			copy(out, args)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
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

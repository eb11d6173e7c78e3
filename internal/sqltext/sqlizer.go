package sqltext

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// ErrNilValue is returned when a nil pointer is passed where a value is
// needed. sqlt.ErrNilValue is this value.
var ErrNilValue = errors.New("relkit: nil value")

// Sqlizer is anything that renders SQL with its arguments, as squirrel's
// conditions and relkit's queries do.
type Sqlizer interface {
	ToSql() (string, []any, error)
}

// CheckSqlizer renders s and checks the SQL with [CheckFragment]; it
// returns the rendering error, if any. The parts of a composite condition
// are checked too, since the composite's own parentheses could hide a part
// that breaks out of them ("(a) or (b AND c)" from sq.And{"a) or (b", c}):
// each member of a slice of Sqlizers (sq.And, sq.Or) and each column name
// of a map condition (sq.Eq, sq.Gt, …).
func CheckSqlizer(s Sqlizer) error {
	_, err := Freeze(s)
	return err
}

// Freeze checks s with [CheckSqlizer] and returns its rendering: a
// Sqlizer that gives the SQL and arguments checked, whatever the caller
// does to s afterwards (an sq.Eq map changed, a condition's slice reused).
// Builders keep what they froze, so that what runs is what was checked.
func Freeze(s Sqlizer) (Sqlizer, error) {
	if s == nil {
		return nil, fmt.Errorf("nil SQL fragment: %w", ErrNilValue)
	}
	switch v := reflect.ValueOf(s); v.Kind() {
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if e.Kind() == reflect.Interface && e.IsNil() {
				return nil, fmt.Errorf("nil SQL fragment in %T: %w", s, ErrNilValue)
			}
			if m, ok := e.Interface().(Sqlizer); ok {
				if err := CheckSqlizer(m); err != nil {
					return nil, err
				}
			}
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String {
			for it := v.MapRange(); it.Next(); {
				if err := CheckFragment(it.Key().String()); err != nil {
					return nil, err
				}
			}
		}
	}
	sql, args, err := s.ToSql()
	if err != nil {
		return nil, err
	}
	if err := CheckFragment(sql); err != nil {
		return nil, err
	}
	return frozen{sql, slices.Clone(args)}, nil
}

// frozen is a rendered fragment.
type frozen struct {
	sql  string
	args []any
}

func (f frozen) ToSql() (string, []any, error) { return f.sql, f.args, nil }

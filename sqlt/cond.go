package sqlt

import (
	"fmt"
	"reflect"

	"github.com/relkit/relkit/internal/sqltext"
)

// CheckFragment returns an *UnsafeFragmentError unless the raw SQL fragment
// s is self-contained, so that nothing written after it can be affected.
// Outside string literals and quoted identifiers, s must have no comment
// ("--", "/*"), no ";", no ")" without its "(" and no "(" left open, no
// backtick (PostgreSQL does not quote with it; use double quotes), no
// dollar-quoted string and no $1 or $name placeholder (bind with ?); no quote may be left open, no '…' or E'…' literal
// may have a backslash before a quote (an escaped quote to PostgreSQL in
// E'…' or where standard_conforming_strings is off, the literal's end to
// SQLite: double the quote instead), a literal opened inside a SQLite
// [name] may not run past its "]", and s may hold no NUL byte except the
// marks around the identifiers relkit writes (see internal/sqltext). Comment and
// separator characters inside 'literals', E'escaped\\literals' and
// "identifiers" are fine.
func CheckFragment(s string) error {
	if r := sqltext.Read(s); r.Problem != "" {
		return &UnsafeFragmentError{Fragment: sqltext.Requote(s, quoteDouble), Offset: r.At, Reason: r.Problem}
	}
	return nil
}

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
	if s == nil {
		return fmt.Errorf("nil SQL fragment: %w", ErrNilValue)
	}
	switch v := reflect.ValueOf(s); v.Kind() {
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if e.Kind() == reflect.Interface && e.IsNil() {
				return fmt.Errorf("nil SQL fragment in %T: %w", s, ErrNilValue)
			}
			if m, ok := e.Interface().(Sqlizer); ok {
				if err := CheckSqlizer(m); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String {
			for it := v.MapRange(); it.Next(); {
				if err := CheckFragment(it.Key().String()); err != nil {
					return err
				}
			}
		}
	}
	sql, _, err := s.ToSql()
	if err != nil {
		return err
	}
	return CheckFragment(sql)
}

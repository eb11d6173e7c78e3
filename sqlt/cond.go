package sqlt

import (
	"fmt"
	"reflect"
	"strings"
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
// [name] may not run past its "]", and s may hold no NUL byte. Comment and
// separator characters inside 'literals', E'escaped\\literals' and
// "identifiers" are fine.
func CheckFragment(s string) error {
	if r := read(s); r.problem != "" {
		return &UnsafeFragmentError{Fragment: s, Offset: r.at, Reason: r.problem}
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

// NeedsParens reports whether the SQL condition s has an OR at its top
// level, so that it must be put in parentheses before it is joined to other
// conditions with AND. It reads s as SQL: text inside quotes and inside
// parentheses does not count, and "or" is found as a word whatever
// surrounds it ("a\nor b", "a or(b)", "(a)OR(b)"). When in doubt (s is not
// a self-contained fragment, see [CheckFragment]) it answers true.
func NeedsParens(s string) bool {
	r := read(s)
	return r.topOr || r.problem != ""
}

// reading is what read finds in a SQL fragment.
type reading struct {
	topOr   bool   // an OR at the top level (before any problem)
	problem string // why the fragment is not self-contained; "" when it is
	at      int    // where the problem is
}

// read reads s as SQL text for NeedsParens and CheckFragment; it stops at
// the first problem.
func read(s string) reading {
	var r reading
	fail := func(i int, why string) reading {
		r.problem, r.at = why, i
		return r
	}
	depth := 0
	var quote byte   // the quote being read; 0 outside quotes
	var opened int   // where it was opened
	escapes := false // the literal is an E'…' string: backslash escapes
	bracket := false // inside a SQLite [name]
	quoteInBracket := false
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fail(i, "a NUL byte") // SQLite would stop reading there
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch {
			case escapes && c == '\\' && i+1 < len(s) && s[i+1] == '\'':
				// PostgreSQL reads an escaped quote, SQLite the
				// literal's end: the text after it would be SQL to one
				// and quoted to the other.
				return fail(i, "a backslash before a quote in an E'…' literal (write '' instead)")
			case escapes && c == '\\':
				i++
			case c == quote:
				quote = 0 // a doubled quote ('it''s') opens again at once
			case c == '\\' && quote == '\'' && i+1 < len(s) && s[i+1] == '\'':
				return fail(i, "a backslash before a quote in a '…' literal")
			case c == ']' && quoteInBracket:
				return fail(i, "a quoted string running past the ] of a [name]")
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote, opened, quoteInBracket = c, i, bracket
			escapes = c == '\'' && i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && (i == 1 || !identByte(s[i-2]))
		case '`':
			return fail(i, "a backtick (quote identifiers with double quotes)")
		case '$':
			switch {
			case dollarQuote(s, i):
				return fail(i, "a dollar-quoted string")
			case i == 0 || !identByte(s[i-1]):
				// $1 would be the statement's first bound value on
				// PostgreSQL, $name a named parameter on SQLite.
				return fail(i, "a $ placeholder (bind values with ?)")
			}
		case '[':
			bracket = true
		case ']':
			bracket = false
		case '(':
			depth++
		case ')':
			if depth--; depth < 0 {
				return fail(i, "a ) without its (")
			}
		case ';':
			return fail(i, "a statement separator (;)")
		case '-':
			if i+1 < len(s) && s[i+1] == '-' {
				return fail(i, "a comment (--)")
			}
		case '/':
			if i+1 < len(s) && s[i+1] == '*' {
				return fail(i, "a comment (/*)")
			}
		case 'o', 'O':
			if depth == 0 && i+1 < len(s) && (s[i+1] == 'r' || s[i+1] == 'R') &&
				(i == 0 || !identByte(s[i-1])) && (i+2 == len(s) || !identByte(s[i+2])) {
				r.topOr = true
			}
		}
	}
	if quote != 0 {
		return fail(opened, "an unterminated quote")
	}
	if depth > 0 {
		return fail(len(s), "a ( left open")
	}
	return r
}

// dollarQuote reports whether the "$" at s[i] opens a PostgreSQL
// dollar-quoted string: $$ or $tag$, not inside an identifier.
func dollarQuote(s string, i int) bool {
	if i > 0 && identByte(s[i-1]) {
		return false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return true
		case c >= '0' && c <= '9' && j == i+1: // $1 is a parameter
			return false
		case !identByte(c):
			return false
		}
	}
	return false
}

func identByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

package sqltext

import (
	"errors"
	"fmt"
	"strings"

	"github.com/relkit/relkit/internal/errtext"
)

// ErrUnsafeFragment is matched by every error about a raw SQL fragment
// that could change the statement around it. sqlt.ErrUnsafeFragment is
// this value.
var ErrUnsafeFragment = errors.New("relkit: unsafe SQL fragment")

// UnsafeFragmentError reports a raw SQL fragment that was refused before
// any statement ran. It matches ErrUnsafeFragment.
// sqlt.UnsafeFragmentError is this type.
type UnsafeFragmentError struct {
	Fragment string // the fragment as given (rendered, for a squirrel condition)
	Offset   int    // byte offset of the problem in Fragment
	Reason   string // what was found there
}

func (e *UnsafeFragmentError) Error() string {
	return fmt.Sprintf("relkit: unsafe SQL fragment %q: %s at byte %d (bind values with ? instead)", errtext.Clip(e.Fragment), e.Reason, e.Offset)
}

// Is reports whether target is ErrUnsafeFragment.
func (e *UnsafeFragmentError) Is(target error) bool { return target == ErrUnsafeFragment }

// CheckFragment returns an *UnsafeFragmentError unless the raw SQL fragment
// s is self-contained (sqlt.CheckFragment states the rules).
func CheckFragment(s string) error {
	if r := read(s); r.problem != "" {
		return &UnsafeFragmentError{Fragment: s, Offset: r.at, Reason: r.problem}
	}
	return nil
}

// NeedsParens reports whether the SQL condition s has an OR at its top
// level, or is not self-contained (sqlt.NeedsParens states the rules).
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

package sqltext

import "strings"

// NeedsParens reports whether the SQL condition s has an OR at its top
// level, so that it must be put in parentheses before it is joined to other
// conditions with AND. It reads s as SQL: text inside quotes and inside
// parentheses does not count, and "or" is found as a word whatever
// surrounds it ("a\nor b", "a or(b)", "(a)OR(b)"). When in doubt (s is not
// a self-contained fragment, see Read) it answers true.
func NeedsParens(s string) bool {
	r := Read(s)
	return r.topOr || r.Problem != ""
}

// Reading is what Read finds in a SQL fragment.
type Reading struct {
	topOr   bool   // an OR at the top level (before any problem)
	Problem string // why the fragment is not self-contained; "" when it is
	At      int    // where the problem is
}

// Read reads s as SQL text for NeedsParens and sqlt.CheckFragment; it stops
// at the first problem. A marked identifier (see Mark) reads as a quoted
// one; a NUL byte anywhere else, or around anything but an identifier, is
// a problem.
func Read(s string) Reading {
	var r Reading
	fail := func(i int, why string) Reading {
		r.Problem, r.At = why, i
		return r
	}
	depth := 0
	var quote byte   // the quote being read; 0 outside quotes
	var opened int   // where it was opened
	escapes := false // the literal is an E'…' string: backslash escapes
	bracket := false // inside a SQLite [name]
	quoteInBracket := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch {
			case c == Mark:
				return fail(i, "a NUL byte")
			case escapes && c == '\\' && i+1 < len(s) && s[i+1] == '\'':
				// PostgreSQL reads an escaped quote, SQLite the
				// literal's end: the text after it would be SQL to one
				// and quoted to the other.
				return fail(i, "a backslash before a quote in an E'…' literal (write '' instead)")
			case escapes && c == '\\':
				if i+1 < len(s) && s[i+1] == Mark {
					return fail(i+1, "a NUL byte")
				}
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
		case Mark:
			n := markedLen(s[i+1:])
			if n < 0 {
				return fail(i, "a NUL byte") // SQLite would stop reading there
			}
			i += n + 1
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

// markedLen returns the length of the identifier that s begins with,
// closed by a Mark, or -1 when s does not begin so.
func markedLen(s string) int {
	n := strings.IndexByte(s, Mark)
	if n <= 0 {
		return -1
	}
	for j := 0; j < n; j++ {
		if !identByte(s[j]) || s[j] >= 0x80 {
			return -1
		}
	}
	return n
}

package sqlt

import "github.com/relkit/relkit/internal/sqltext"

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
	return sqltext.CheckFragment(s)
}

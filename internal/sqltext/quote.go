package sqltext

import "strings"

// Mark wraps each identifier in the SQL that relkit's builders write: the
// dialect-neutral form of a quoted identifier, as "?" is the neutral form
// of a placeholder. relkit renders statements before it knows the executor
// that will run them, so it cannot choose the quote character then; every
// dialect's final pass over a statement (sqlt's Dialect.Rebind, run by the
// executor on every statement) quotes each marked identifier its way
// (see Requote).
//
// A NUL byte can appear in no SQL text a caller gives relkit (neither
// database reads past one, and CheckFragment refuses it), and the text
// between two marks is always a validated identifier, so the final pass
// needs no escaping and no SQL lexer.
const Mark = '\x00'

// Ident renders a validated, possibly dotted identifier in the neutral
// form: "posts.user_id" is the identifier pair posts, user_id; "posts.*"
// is every column of posts.
func Ident(ident string) string {
	if t, c, ok := strings.Cut(ident, "."); ok {
		if c == "*" {
			return mark(t) + ".*"
		}
		return mark(t) + "." + mark(c)
	}
	return mark(ident)
}

// TextType is the type name of a cast to text, "cast(x as " + TextType +
// ")", in the neutral form: the identifier text, which SQLite and
// PostgreSQL read (quoted) as their text type; MySQL, which has no
// "cast(… as text)", reads it as char (see sqlt's MySQL dialect).
const TextType = string(Mark) + "text" + string(Mark)

// Qualified renders table.column in the neutral form.
func Qualified(table, column string) string { return mark(table) + "." + mark(column) }

func mark(s string) string { return string(Mark) + s + string(Mark) }

// QuoteDouble quotes one identifier with SQL-standard double quotes,
// doubling embedded quotes: SQLite's and PostgreSQL's quoting, and the
// form of identifiers in error messages and in the SQL a query's ToSql
// shows.
func QuoteDouble(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// Requote replaces each marked identifier of q with quote(identifier):
// the final pass of a dialect, with the dialect's quoting. It returns q
// itself when q has no mark.
func Requote(q string, quote func(ident string) string) string {
	i := strings.IndexByte(q, Mark)
	if i < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	for i >= 0 {
		j := strings.IndexByte(q[i+1:], Mark)
		if j < 0 {
			break // an unpaired mark: never written by Ident, left as is
		}
		b.WriteString(q[:i])
		b.WriteString(quote(q[i+1 : i+1+j]))
		q = q[i+j+2:]
		i = strings.IndexByte(q, Mark)
	}
	b.WriteString(q)
	return b.String()
}

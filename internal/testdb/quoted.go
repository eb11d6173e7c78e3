package testdb

import (
	"context"
	"database/sql"
	"testing"

	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

// Bracketed is SQLite's dialect quoting identifiers with brackets ([posts].[id]),
// which SQLite also reads: under it, a statement whose identifiers relkit
// quoted without asking the dialect would show a double quote.
var Bracketed sqlt.Dialect = bracketed{sqlt.SQLite}

type bracketed struct{ sqlt.Dialect }

// Quote quotes with brackets (relkit's identifiers are validated: no "]").
func (bracketed) Quote(ident string) string { return "[" + ident + "]" }

// Rebind quotes the marked identifiers with brackets, then lets SQLite's
// dialect rewrite the placeholders.
func (d bracketed) Rebind(q string) string {
	return d.Dialect.Rebind(sqltext.Requote(q, d.Quote))
}

// An Option changes what Run and RunWithFile check.
type Option func(*options)

type options struct{ rawQuotes string }

// RawQuotes declares that the test runs SQL of its own with double-quoted
// identifiers (a raw fragment that SQLite and PostgreSQL read), so the
// "sqlite_quoted" subtest lets statements holding a double quote through;
// why says which.
func RawQuotes(why string) Option { return func(o *options) { o.rawQuotes = why } }

// SQLiteQuoted opens a fresh in-memory SQLite database for t under the
// [Bracketed] dialect: t fails when a statement holds a double quote (or a
// NUL byte) outside string literals, unless the test declared [RawQuotes].
func SQLiteQuoted(t testing.TB, opts ...Option) *DB {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	sdb, err := sql.Open("sqlite3", "file::memory:?_foreign_keys=1&_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	sdb.SetMaxOpenConns(1) // every connection to :memory: is another database
	sdb.SetConnMaxIdleTime(0)
	sdb.SetConnMaxLifetime(0)
	if err := sdb.PingContext(context.Background()); err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { sdb.Close() })
	check := sqlt.HookFunc(func(_ context.Context, q sqlt.QueryEnd) {
		if i := quoteOutsideLiterals(q.SQL); i >= 0 && (q.SQL[i] != '"' || o.rawQuotes == "") {
			t.Errorf("a statement quotes outside its dialect (%q at byte %d):\n%s", q.SQL[i], i, q.SQL)
		}
	})
	d := wrap(sqlt.FromDB(sdb, Bracketed).WithHook(check), "sqlite")
	d.Quoted, d.Counter.asRead = true, readBrackets
	return d
}

// quoteOutsideLiterals returns the offset of the first double quote or NUL
// byte of q outside '…' literals, or -1.
func quoteOutsideLiterals(q string) int {
	in := false
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == 0:
			return i
		case c == '\'':
			in = !in
		case c == '"' && !in:
			return i
		}
	}
	return -1
}

// asRead rewrites the bracketed identifiers of a statement run under
// Bracketed as SQLite and PostgreSQL read them ([posts].[id] →
// "posts"."id"), so that tests write the SQL they expect once: the Counter
// of a "sqlite_quoted" database records statements so, after its dialect
// hook has checked what was sent.
func asRead(q string) string {
	b := []byte(q)
	in := false
	for i, c := range b {
		switch {
		case c == '\'':
			in = !in
		case (c == '[' || c == ']') && !in:
			b[i] = '"'
		}
	}
	return string(b)
}

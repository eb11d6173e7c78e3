package sqlt

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/relkit/relkit/internal/sqltext"
)

// Dialect describes the SQL differences relkit cares about between
// databases, and is the only authority on them: relkit's builders write
// every statement in a dialect-neutral form, with "?" placeholders and
// identifiers marked rather than quoted (they render before the executor
// that runs them is known), and the executor hands each statement to its
// dialect's Rebind, which rewrites both, before it is sent or reported to
// a hook. Key lists, RETURNING, upserts, row locks and the length of
// identifiers come from the dialect too.
//
// relkit owns its dialects: SQLite and Postgres are the values, and the
// interface is sealed, since a dialect must read relkit's neutral form.
// A value that embeds one of them (to override Returning, say) is a
// Dialect too.
type Dialect interface {
	// Name is a short lower-case name: "sqlite", "postgres".
	Name() string
	// Quote quotes one identifier (no dots) for the database, doubling
	// embedded quotes.
	Quote(ident string) string
	// Rebind turns a statement of relkit's neutral form into the
	// dialect's: each marked identifier quoted with Quote, and "?"
	// placeholders rewritten ("??" is an escaped literal question mark).
	// Text without marks or placeholders comes back unchanged.
	Rebind(query string) string
	// Returning reports whether INSERT … RETURNING is supported.
	Returning() bool
	// KeyList renders a membership test "col in (…)" for a list of keys
	// (already normalised: all int64, all string, or all []byte for a
	// column of bytes), as SQL with "?" placeholders and its arguments.
	// Implementations keep the number of bound parameters bounded,
	// whatever the number of keys, and match every key byte for byte
	// (strings that are not valid UTF-8 included).
	KeyList(qualifiedCol string, keys []any) (string, []any)
	// Upsert renders the conflict clause of an insert that updates the
	// given columns when the conflict columns collide. The columns, like
	// KeyList's qualifiedCol, come in relkit's neutral form (marked
	// identifiers, which Rebind quotes): write them as given.
	Upsert(conflict []string, update []string) string
	// RowLock renders the row-locking clause l of a SELECT (whose Mode
	// is not LockNone), with a leading space, or fails when the database
	// cannot take such a lock: a lock that silently went missing would
	// let two transactions take the same row.
	RowLock(l RowLock) (string, error)
	// MaxIdentLen is the length in bytes of the longest identifier the
	// database keeps whole, 0 when relkit enforces no limit. PostgreSQL
	// keeps 63 bytes and silently truncates longer names, so an alias
	// such as an aggregate's would come back under another name.
	MaxIdentLen() int

	sealed()
}

// SQLite is the dialect of SQLite (mattn/go-sqlite3).
var SQLite Dialect = sqliteDialect{}

// Postgres is the dialect of PostgreSQL (jackc/pgx/v5).
var Postgres Dialect = postgresDialect{}

// quoteDouble is SQLite's and PostgreSQL's quoting.
func quoteDouble(ident string) string { return sqltext.QuoteDouble(ident) }

// sqliteInlineMax is the largest key list that SQLite gets as individual
// placeholders; longer lists travel as one JSON array parameter, read with
// json_each, so one statement serves any number of keys and never meets
// SQLite's bound-parameter limit.
const sqliteInlineMax = 500

type sqliteDialect struct{}

func (sqliteDialect) Name() string              { return "sqlite" }
func (sqliteDialect) Quote(ident string) string { return quoteDouble(ident) }
func (sqliteDialect) Rebind(query string) string {
	// Every marked identifier is validated (no quote to double): the
	// marks become quotes one for one, in a single allocation.
	query = strings.ReplaceAll(query, string(sqltext.Mark), `"`)
	if strings.Contains(query, "??") {
		query = strings.ReplaceAll(query, "??", "?")
	}
	return query
}
func (sqliteDialect) MaxIdentLen() int { return 0 }
func (sqliteDialect) sealed()          {}
func (sqliteDialect) Returning() bool  { return true }
func (sqliteDialect) KeyList(col string, keys []any) (string, []any) {
	if len(keys) <= sqliteInlineMax {
		return col + " in (" + placeholders(len(keys)) + ")", keys
	}
	// JSON carries only valid UTF-8 text: keys of bytes, and strings that
	// are not valid UTF-8, travel hex-encoded. unhex gives a BLOB, cast
	// back to TEXT for string keys (SQLite never finds TEXT equal to a BLOB).
	switch {
	case isBytes(keys[0]):
		return col + " in (select unhex(value) from json_each(?))", []any{hexArray(keys)}
	case !validUTF8(keys):
		return col + " in (select cast(unhex(value) as text) from json_each(?))", []any{hexArray(keys)}
	}
	return col + " in (select value from json_each(?))", []any{jsonArray(keys)}
}

func isBytes(k any) bool {
	_, ok := k.([]byte)
	return ok
}

// validUTF8 reports whether every string key is valid UTF-8.
func validUTF8(keys []any) bool {
	for _, k := range keys {
		if s, ok := k.(string); ok && !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// hexArray renders string or []byte keys as a JSON array of their bytes
// in hexadecimal.
func hexArray(keys []any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		switch v := k.(type) {
		case []byte:
			b.WriteString(hex.EncodeToString(v))
		case string:
			b.WriteString(hex.EncodeToString([]byte(v)))
		default:
			b.WriteString(hex.EncodeToString([]byte(fmt.Sprint(v))))
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}
func (sqliteDialect) Upsert(conflict, update []string) string {
	return upsertClause(conflict, update)
}

// RowLock: SQLite has no row locks: a write
// transaction locks the whole database, so every lock renders nothing. To
// hold the write lock from the start of a transaction (what a job queue's
// "select … for update" would give), begin it with BEGIN IMMEDIATE, which
// [Open] makes the default for SQLite files (_txlock=immediate). A
// transaction reading the database sees no other writer's uncommitted
// changes, and no other writer can commit until it ends.
func (sqliteDialect) RowLock(RowLock) (string, error) { return "", nil }

type postgresDialect struct{}

func (postgresDialect) Name() string              { return "postgres" }
func (postgresDialect) Quote(ident string) string { return quoteDouble(ident) }
func (postgresDialect) Rebind(query string) string {
	return rebindDollar(query)
}
func (postgresDialect) Returning() bool { return true }
func (postgresDialect) sealed()         {}

// MaxIdentLen is NAMEDATALEN-1.
func (postgresDialect) MaxIdentLen() int { return 63 }
func (postgresDialect) KeyList(col string, keys []any) (string, []any) {
	// One array parameter: the SQL text is the same for any number of keys.
	if len(keys) > 0 {
		if isBytes(keys[0]) {
			arr := make([][]byte, len(keys))
			for i, k := range keys {
				arr[i], _ = k.([]byte)
			}
			return col + " = any(?)", []any{arr}
		}
		if _, ok := keys[0].(string); ok {
			arr := make([]string, len(keys))
			for i, k := range keys {
				arr[i] = k.(string)
			}
			return col + " = any(?)", []any{arr}
		}
	}
	arr := make([]int64, len(keys))
	for i, k := range keys {
		arr[i], _ = k.(int64)
	}
	return col + " = any(?)", []any{arr}
}
func (postgresDialect) Upsert(conflict, update []string) string {
	return upsertClause(conflict, update)
}

// RowLock renders " for update", " for share skip locked", …
func (postgresDialect) RowLock(l RowLock) (string, error) {
	var s string
	switch l.Mode {
	case LockForUpdate:
		s = " for update"
	case LockForNoKeyUpdate:
		s = " for no key update"
	case LockForShare:
		s = " for share"
	case LockForKeyShare:
		s = " for key share"
	default:
		return "", fmt.Errorf("lock mode %d unknown", l.Mode)
	}
	return withLockWait(s, l.Wait)
}

// LockMode is the strength of the row locks a SELECT takes (see
// [Dialect].RowLock), named as in PostgreSQL.
type LockMode uint8

// The lock modes, strongest first.
const (
	LockNone           LockMode = iota // no lock
	LockForUpdate                      // FOR UPDATE: the rows may be updated or deleted
	LockForNoKeyUpdate                 // FOR NO KEY UPDATE: updated without changing a key
	LockForShare                       // FOR SHARE: nobody may change the rows
	LockForKeyShare                    // FOR KEY SHARE: nobody may change their keys or delete them
)

// LockWait is what a locking SELECT does with rows another transaction
// has locked.
type LockWait uint8

// The lock waits.
const (
	LockWaitBlock  LockWait = iota // wait until the other transaction ends
	LockNoWait                     // NOWAIT: fail at once
	LockSkipLocked                 // SKIP LOCKED: leave those rows out
)

// RowLock is the locking clause of a SELECT.
type RowLock struct {
	Mode LockMode
	Wait LockWait
}

func upsertClause(conflict, update []string) string {
	var b strings.Builder
	b.WriteString(" on conflict (")
	b.WriteString(strings.Join(conflict, ", "))
	b.WriteString(")")
	if len(update) == 0 {
		b.WriteString(" do nothing")
		return b.String()
	}
	b.WriteString(" do update set ")
	for i, c := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// rebindDollar turns ? into $1, $2, … skipping quoted strings and
// identifiers; "??" becomes a literal "?". Marked identifiers are quoted
// in the same pass.
func rebindDollar(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return strings.ReplaceAll(q, string(sqltext.Mark), `"`)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == sqltext.Mark:
			b.WriteByte('"') // validated identifiers: nothing to double
		case c == '?':
			if i+1 < len(q) && q[i+1] == '?' {
				b.WriteByte('?')
				i++
				continue
			}
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func jsonArray(keys []any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		switch v := k.(type) {
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case string:
			enc, _ := json.Marshal(v)
			b.Write(enc)
		default:
			enc, _ := json.Marshal(fmt.Sprint(v))
			b.Write(enc)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// withLockWait appends the clause of wait to the lock clause s: " nowait"
// or " skip locked" (PostgreSQL's and MySQL's spelling alike).
func withLockWait(s string, wait LockWait) (string, error) {
	switch wait {
	case LockWaitBlock:
	case LockNoWait:
		s += " nowait"
	case LockSkipLocked:
		s += " skip locked"
	default:
		return "", fmt.Errorf("lock wait %d unknown", wait)
	}
	return s, nil
}

package sqlt

import (
	"fmt"
	"strings"

	"github.com/relkit/relkit/internal/sqltext"
)

// MySQL is the dialect of MySQL 8.0+ (go-sql-driver/mysql, through
// database/sql). It quotes identifiers with backticks, keeps "?"
// placeholders, and has no RETURNING: generated keys come from the
// driver's last insert id, one row per statement (see [MySQL]'s notes in
// the package documentation).
var MySQL Dialect = mysqlDialect{}

// MariaDB is the dialect of MariaDB 10.6+: [MySQL]'s, with INSERT …
// RETURNING (MariaDB 10.5+), so that generated keys of a multi-row insert
// come back with their rows. [Open] chooses it when the server says it is
// MariaDB; its Name is "mysql" too, since every other SQL shape is the
// same.
var MariaDB Dialect = mariadbDialect{}

// mysqlInlineMax is the largest key list that MySQL gets as individual
// placeholders; longer lists travel as one JSON array parameter, read
// with json_table, so that one statement serves any number of keys (the
// protocol takes at most 65,535 parameters a statement).
const mysqlInlineMax = 500

// mysqlMaxIdent is the longest identifier MySQL and MariaDB accept, in
// characters; longer ones are refused by the server (error 1059), so
// relkit refuses them first with a clear error.
const mysqlMaxIdent = 64

type mysqlDialect struct{}

func (mysqlDialect) Name() string { return "mysql" }

// Quote quotes with backticks, doubling embedded backticks.
func (mysqlDialect) Quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

// Rebind quotes the marked identifiers with backticks; "?" placeholders
// stay as they are ("??" becomes one literal "?"); relkit's casts to text
// become casts to char.
func (mysqlDialect) Rebind(query string) string {
	if strings.Contains(query, mysqlTextCast) {
		query = strings.ReplaceAll(query, mysqlTextCast, " as char)")
	}
	query = strings.ReplaceAll(query, string(sqltext.Mark), "`")
	if strings.Contains(query, "??") {
		query = strings.ReplaceAll(query, "??", "?")
	}
	return query
}

// mysqlTextCast is the end of relkit's neutral cast to text (see
// sqltext.TextType), which MySQL spells "cast(x as char)".
const mysqlTextCast = " as " + sqltext.TextType + ")"

func (mysqlDialect) Returning() bool  { return false }
func (mysqlDialect) MaxIdentLen() int { return mysqlMaxIdent }
func (mysqlDialect) sealed()          {}

// KeyList renders col in (?, …) for short lists; a longer list is one
// JSON array parameter read by json_table (MySQL 8.0.4+, MariaDB 10.6+).
// Keys of bytes and strings that are not valid UTF-8 travel hex-encoded
// and are compared after unhex, byte for byte; string keys are compared
// under the column's collation (see the package documentation on
// case-insensitive collations).
func (mysqlDialect) KeyList(col string, keys []any) (string, []any) {
	if len(keys) <= mysqlInlineMax {
		return col + " in (" + placeholders(len(keys)) + ")", keys
	}
	switch {
	case isBytes(keys[0]):
		return col + " in (select unhex(k) from json_table(?, '$[*]' columns (k text path '$')) as relkit_keys)", []any{hexArray(keys)}
	case !validUTF8(keys):
		return col + " in (select cast(unhex(k) as char) from json_table(?, '$[*]' columns (k text path '$')) as relkit_keys)", []any{hexArray(keys)}
	}
	if _, ok := keys[0].(string); ok {
		return col + " in (select k from json_table(?, '$[*]' columns (k text path '$')) as relkit_keys)", []any{jsonArray(keys)}
	}
	return col + " in (select k from json_table(?, '$[*]' columns (k bigint path '$')) as relkit_keys)", []any{jsonArray(keys)}
}

// Upsert renders MySQL's "on duplicate key update": MySQL takes the
// conflict from any unique index of the table, so the conflict columns
// name nothing in the SQL (relkit has checked them). With nothing to
// update, the first conflict column is set to itself, which changes no
// row (MySQL has no "do nothing" but "insert ignore", which would hide
// other errors too).
func (mysqlDialect) Upsert(conflict, update []string) string {
	var b strings.Builder
	b.WriteString(" on duplicate key update ")
	if len(update) == 0 {
		if len(conflict) == 0 {
			return ""
		}
		update = conflict[:1]
	}
	for i, c := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = values(" + c + ")")
	}
	return b.String()
}

// RowLock renders " for update", " lock in share mode", with " nowait" or
// " skip locked" (MySQL 8.0, MariaDB 10.6). MySQL has no key-only locks:
// FOR NO KEY UPDATE takes FOR UPDATE and FOR KEY SHARE a share lock, each
// at least as strong as asked.
func (mysqlDialect) RowLock(l RowLock) (string, error) {
	var s string
	switch l.Mode {
	case LockForUpdate, LockForNoKeyUpdate:
		s = " for update"
	case LockForShare, LockForKeyShare:
		s = " lock in share mode"
	default:
		return "", fmt.Errorf("lock mode %d unknown", l.Mode)
	}
	return withLockWait(s, l.Wait)
}

type mariadbDialect struct{ mysqlDialect }

func (mariadbDialect) Returning() bool { return true }

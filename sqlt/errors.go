package sqlt

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
)

// ErrNotFound is returned when a query that expects a row finds none.
// It also matches [sql.ErrNoRows], so code written against database/sql
// keeps working: errors.Is(err, sql.ErrNoRows) is true as well.
var ErrNotFound = &notFoundError{}

type notFoundError struct{}

func (*notFoundError) Error() string { return "relkit: no rows found" }

// Is makes ErrNotFound match sql.ErrNoRows (and pgx.ErrNoRows, which wraps it).
func (*notFoundError) Is(target error) bool { return target == sql.ErrNoRows }

// ErrInvalidIdentifier is matched by every error about a table or column
// name that is not a plain SQL identifier (for example "id; drop table x").
var ErrInvalidIdentifier = sqltext.ErrInvalidIdentifier

// ErrUnknownColumn is matched by every error about a column that the mapped
// struct does not have.
var ErrUnknownColumn = schema.ErrUnknownColumn

// ErrUnmappedResultColumn is matched by the error of a scan whose result
// has a column that the destination struct does not map (a raw query's
// "select *" over a table with a column the struct lacks, a typo in a `db`
// tag). It is the application's mistake, not the caller's: a handler
// answers it with a 500, where [ErrUnknownColumn] (a column name the
// caller chose, as in Select("nope")) is a 400. It does not match
// ErrUnknownColumn. Reads that relkit renders never meet it: they name the
// mapped columns.
var ErrUnmappedResultColumn = schema.ErrUnmappedResultColumn

// ErrNoPrimaryKey is returned when an operation needs a primary key and the
// struct has none.
var ErrNoPrimaryKey = errors.New("relkit: no primary key")

// ErrNotStruct is returned when a type parameter or value is not a struct
// (or pointer to struct) where one is required.
var ErrNotStruct = schema.ErrNotStruct

// ErrNilValue is returned when a nil pointer is passed where a value is needed.
var ErrNilValue = sqltext.ErrNilValue

// UnknownColumnError reports a column that is not mapped on a struct type.
// It matches ErrUnknownColumn.
// Its fields are Type (the Go type's name) and Column.
type UnknownColumnError = schema.UnknownColumnError

// UnmappedResultColumnError reports a result column with no field in the
// struct scanned into. It matches [ErrUnmappedResultColumn] (and not
// [ErrUnknownColumn]).
// Its fields are Type (the Go type's name) and Column (the result column).
type UnmappedResultColumnError = schema.UnmappedResultColumnError

// InvalidIdentifierError reports a string that was rejected as an identifier.
// It matches ErrInvalidIdentifier.
// Its fields are Ident and Reason, which, when set, says why a well-formed
// identifier was refused (it is longer than the database keeps).
type InvalidIdentifierError = sqltext.InvalidIdentifierError

// ErrUnsafeFragment is matched by every error about a raw SQL fragment (a
// Where condition, a relation's Where, a join, a select or order
// expression) that could change the statement around it: see
// [CheckFragment].
var ErrUnsafeFragment = sqltext.ErrUnsafeFragment

// UnsafeFragmentError reports a raw SQL fragment that was refused before
// any statement ran. It matches ErrUnsafeFragment.
// Its fields are Fragment (the fragment as given; rendered, for a squirrel
// condition), Offset (the byte offset of the problem in Fragment) and
// Reason (what was found there).
type UnsafeFragmentError = sqltext.UnsafeFragmentError

// IsUniqueViolation reports whether err says that a statement failed
// because it would have duplicated a unique or primary key: SQLite's
// extended codes SQLITE_CONSTRAINT_UNIQUE (2067) and
// SQLITE_CONSTRAINT_PRIMARYKEY (1555), PostgreSQL's SQLSTATE 23505
// (unique_violation). It classifies by driver code, never by message
// text, and sees through wrapping (errors.As); MySQL's and MariaDB's
// errors 1062 (ER_DUP_ENTRY) and 1586 (ER_DUP_ENTRY_WITH_KEY_NAME). Package pivot's CreateOrFirst and
// FirstOrCreate use it to tell "already there" from other failures.
func IsUniqueViolation(err error) bool {
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr sqlite3.Error
	if errors.As(err, &liteErr) {
		return liteErr.ExtendedCode == sqlite3.ErrConstraintUnique || liteErr.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	code := mysqlCode(err)
	return code == mysqlDupEntry || code == mysqlDupEntryWithKey
}

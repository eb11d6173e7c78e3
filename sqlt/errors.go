package sqlt

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/relkit/relkit/internal/errtext"
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
var ErrInvalidIdentifier = errors.New("relkit: invalid identifier")

// ErrUnknownColumn is matched by every error about a column that the mapped
// struct does not have.
var ErrUnknownColumn = errors.New("relkit: unknown column")

// ErrUnmappedResultColumn is matched by the error of a scan whose result
// has a column that the destination struct does not map (a raw query's
// "select *" over a table with a column the struct lacks, a typo in a `db`
// tag). It is the application's mistake, not the caller's: a handler
// answers it with a 500, where [ErrUnknownColumn] (a column name the
// caller chose, as in Select("nope")) is a 400. It does not match
// ErrUnknownColumn. Reads that relkit renders never meet it: they name the
// mapped columns (see [Model.ReadColumns]).
var ErrUnmappedResultColumn = errors.New("relkit: result column not mapped")

// ErrNoPrimaryKey is returned when an operation needs a primary key and the
// struct has none.
var ErrNoPrimaryKey = errors.New("relkit: no primary key")

// ErrNotStruct is returned when a type parameter or value is not a struct
// (or pointer to struct) where one is required.
var ErrNotStruct = errors.New("relkit: not a struct")

// ErrNilValue is returned when a nil pointer is passed where a value is needed.
var ErrNilValue = errors.New("relkit: nil value")

// UnknownColumnError reports a column that is not mapped on a struct type.
// It matches ErrUnknownColumn.
type UnknownColumnError struct {
	Type   string // Go type name
	Column string
}

func (e *UnknownColumnError) Error() string {
	return fmt.Sprintf("relkit: unknown column %q for %s", errtext.Clip(e.Column), e.Type)
}

// Is reports whether target is ErrUnknownColumn.
func (e *UnknownColumnError) Is(target error) bool { return target == ErrUnknownColumn }

// UnmappedResultColumnError reports a result column with no field in the
// struct scanned into. It matches [ErrUnmappedResultColumn] (and not
// [ErrUnknownColumn]).
type UnmappedResultColumnError struct {
	Type   string // Go type name
	Column string // the result column
}

func (e *UnmappedResultColumnError) Error() string {
	return fmt.Sprintf("relkit: result column %q has no field in %s (map it, select the columns you read, or use DB.IgnoreUnknownColumns)", errtext.Clip(e.Column), e.Type)
}

// Is reports whether target is ErrUnmappedResultColumn.
func (e *UnmappedResultColumnError) Is(target error) bool { return target == ErrUnmappedResultColumn }

// InvalidIdentifierError reports a string that was rejected as an identifier.
// It matches ErrInvalidIdentifier.
type InvalidIdentifierError struct {
	Ident string
	// Reason, when set, says why a well-formed identifier was refused
	// (it is longer than the database keeps).
	Reason string
}

func (e *InvalidIdentifierError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("relkit: invalid identifier %q: %s", errtext.Clip(e.Ident), e.Reason)
	}
	return fmt.Sprintf("relkit: invalid identifier %q", errtext.Clip(e.Ident))
}

// Is reports whether target is ErrInvalidIdentifier.
func (e *InvalidIdentifierError) Is(target error) bool { return target == ErrInvalidIdentifier }

// ValidIdentifier reports whether s is a plain identifier: a letter or
// underscore followed by letters, digits or underscores.
func ValidIdentifier(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// CheckIdentifier returns an *InvalidIdentifierError unless s is a plain
// identifier or two plain identifiers joined by a dot ("table.column").
func CheckIdentifier(s string) error {
	table, col, ok := strings.Cut(s, ".")
	if ok {
		if ValidIdentifier(table) && ValidIdentifier(col) {
			return nil
		}
	} else if ValidIdentifier(s) {
		return nil
	}
	return &InvalidIdentifierError{Ident: s}
}

// ErrUnsafeFragment is matched by every error about a raw SQL fragment (a
// Where condition, a relation's Where, a join, a select or order
// expression) that could change the statement around it: see
// [CheckFragment].
var ErrUnsafeFragment = errors.New("relkit: unsafe SQL fragment")

// UnsafeFragmentError reports a raw SQL fragment that was refused before
// any statement ran. It matches ErrUnsafeFragment.
type UnsafeFragmentError struct {
	Fragment string // the fragment as given (rendered, for a squirrel condition, as SQLite reads it)
	Offset   int    // byte offset of the problem in Fragment
	Reason   string // what was found there
}

func (e *UnsafeFragmentError) Error() string {
	return fmt.Sprintf("relkit: unsafe SQL fragment %q: %s at byte %d (bind values with ? instead)", errtext.Clip(e.Fragment), e.Reason, e.Offset)
}

// Is reports whether target is ErrUnsafeFragment.
func (e *UnsafeFragmentError) Is(target error) bool { return target == ErrUnsafeFragment }

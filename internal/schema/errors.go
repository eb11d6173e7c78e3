package schema

import (
	"errors"
	"fmt"

	"github.com/relkit/relkit/internal/errtext"
)

// The errors of mapping and scanning. Package sqlt re-exports each under
// the same name, with the doc comment a user reads.
var (
	// ErrUnknownColumn: a column name a caller chose is not mapped.
	ErrUnknownColumn = errors.New("relkit: unknown column")
	// ErrUnmappedResultColumn: a result column has no field to scan into.
	ErrUnmappedResultColumn = errors.New("relkit: result column not mapped")
	// ErrNotStruct: a type that must be a struct (or a pointer to one) is not.
	ErrNotStruct = errors.New("relkit: not a struct")
)

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
// struct scanned into. It matches ErrUnmappedResultColumn (and not
// ErrUnknownColumn).
type UnmappedResultColumnError struct {
	Type   string // Go type name
	Column string // the result column
}

func (e *UnmappedResultColumnError) Error() string {
	return fmt.Sprintf("relkit: result column %q has no field in %s (map it, select the columns you read, or use DB.IgnoreUnknownColumns)", errtext.Clip(e.Column), e.Type)
}

// Is reports whether target is ErrUnmappedResultColumn.
func (e *UnmappedResultColumnError) Is(target error) bool { return target == ErrUnmappedResultColumn }

package sqltext

import (
	"errors"
	"fmt"
	"strings"

	"github.com/relkit/relkit/internal/errtext"
)

// ErrInvalidIdentifier is matched by every error about a table or column
// name that is not a plain SQL identifier. sqlt.ErrInvalidIdentifier is
// this value.
var ErrInvalidIdentifier = errors.New("relkit: invalid identifier")

// InvalidIdentifierError reports a string that was rejected as an
// identifier. It matches ErrInvalidIdentifier. sqlt.InvalidIdentifierError
// is this type.
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

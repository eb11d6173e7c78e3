package sqltext

import (
	"errors"
	"fmt"

	"github.com/relkit/relkit/internal/errtext"
)

// ErrUnsafeFragment is matched by every error about a raw SQL fragment
// that could change the statement around it. sqlt.ErrUnsafeFragment is
// this value.
var ErrUnsafeFragment = errors.New("relkit: unsafe SQL fragment")

// UnsafeFragmentError reports a raw SQL fragment that was refused before
// any statement ran. It matches ErrUnsafeFragment.
// sqlt.UnsafeFragmentError is this type.
type UnsafeFragmentError struct {
	Fragment string // the fragment as given (rendered, for a squirrel condition)
	Offset   int    // byte offset of the problem in Fragment
	Reason   string // what was found there
}

func (e *UnsafeFragmentError) Error() string {
	return fmt.Sprintf("relkit: unsafe SQL fragment %q: %s at byte %d (bind values with ? instead)", errtext.Clip(e.Fragment), e.Reason, e.Offset)
}

// Is reports whether target is ErrUnsafeFragment.
func (e *UnsafeFragmentError) Is(target error) bool { return target == ErrUnsafeFragment }

// CheckFragment returns an *UnsafeFragmentError unless the raw SQL fragment
// s is self-contained (sqlt.CheckFragment states the rules).
func CheckFragment(s string) error {
	if r := Read(s); r.Problem != "" {
		return &UnsafeFragmentError{Fragment: Requote(s, QuoteDouble), Offset: r.At, Reason: r.Problem}
	}
	return nil
}

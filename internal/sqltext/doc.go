// Package sqltext holds relkit's rules for the SQL text that callers hand
// it: which identifiers pass unquoted checks, which raw fragments are
// self-contained, and how squirrel conditions are checked part by part.
// Package sqlt re-exports the errors (ErrInvalidIdentifier,
// ErrUnsafeFragment, ErrNilValue and their types) so that users match
// them there.
package sqltext

// Package sqltext holds relkit's rules for the SQL text that callers hand
// it: which identifiers pass unquoted checks, which raw fragments are
// self-contained, how squirrel conditions are checked part by part, and
// how the values of an "in" list are spread (ListValues).
// Package sqlt re-exports the errors (ErrInvalidIdentifier,
// ErrUnsafeFragment, ErrNilValue and their types) so that users match
// them there.
package sqltext

// Package names holds the rules for the names relkit writes into a read
// that are shared by package query (relation-scoped reads) and package
// load (eager loads): the alias of a pivot column, and the check that the
// database keeps every name of a read whole.
package names

import (
	"fmt"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/sqlt"
)

// PivotAlias is the result-column alias of pivot column col in a read of
// a belongsToMany relation's related rows.
func PivotAlias(col string) string { return "pivot_" + col }

// ThroughKey is the result column under which an eager load of a through
// relation reads the through table's first key ("users"."country_id"),
// the key its rows are matched to their parents by. It is never scanned
// into a struct.
const ThroughKey = "relkit_through_key"

// Fit returns an error matching sqlt.ErrInvalidIdentifier when d would
// truncate a name of a read of model (see sqlt.Dialect.MaxIdentLen): a truncated
// result column would no longer match its field. It checks the table, the
// model's columns (an aggregate's alias is one of them, so agg.WithCount
// on a long relation name or a long agg.As is caught) and, when pivot is a
// belongsToMany relation whose related rows are read, the pivot aliases.
// It returns nil at once when d has no limit.
func Fit(d sqlt.Dialect, model *schema.Model, pivot *relmeta.Meta) error {
	if d.MaxIdentLen() == 0 {
		return nil
	}
	if err := fits(d, model.Table); err != nil {
		return err
	}
	for _, f := range model.Fields {
		if err := fits(d, f.Column); err != nil {
			return err
		}
	}
	if pivot != nil {
		for _, c := range append([]string{pivot.ForeignPivotKey, pivot.RelatedPivotKey}, pivot.PivotColumns...) {
			if err := fits(d, PivotAlias(c)); err != nil {
				return fmt.Errorf("pivot column %s: %w", c, err)
			}
		}
	}
	return nil
}

// fits returns an *sqlt.InvalidIdentifierError (matching
// sqlt.ErrInvalidIdentifier) when ident is longer than d keeps whole.
func fits(d sqlt.Dialect, ident string) error {
	if limit := d.MaxIdentLen(); limit > 0 && len(ident) > limit {
		return &sqlt.InvalidIdentifierError{Ident: ident, Reason: fmt.Sprintf("%d bytes, longer than the %d %s keeps", len(ident), limit, d.Name())}
	}
	return nil
}

package render

import (
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
)

// Constraint narrows the related rows of relation m: it returns the parts
// of a query on the related model (aliased in a self-relation's
// subquery) that a caller's function built — its joins, conditions,
// columns, order and limit; each statement takes the parts it can use.
type Constraint func(model *schema.Model, m *relmeta.Meta) (*Select, error)

// narrow runs fn on q (a *query.Query of the related type) re-targeted at
// model and m, and returns the parts of the query fn returns. Package
// query sets it when it is initialised (see Register); this package cannot
// import query, which imports it.
var narrow func(q any, model *schema.Model, m *relmeta.Meta, fn func(any) any) (*Select, error)

// Register is called once, by package query's init, with the function
// that gives a constraint query's parts.
func Register(f func(q any, model *schema.Model, m *relmeta.Meta, fn func(any) any) (*Select, error)) {
	narrow = f
}

// Narrow turns a caller's constraint function on a query type Q
// (*query.Query[C]) into a Constraint: from makes the query the function
// receives (query.From[C]). A nil fn is no constraint.
func Narrow[Q any](from func() Q, fn func(Q) Q) Constraint {
	if fn == nil {
		return nil
	}
	return func(model *schema.Model, m *relmeta.Meta) (*Select, error) {
		return narrow(from(), model, m, func(q any) any { return fn(q.(Q)) })
	}
}

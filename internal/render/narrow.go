package render

import (
	"fmt"

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

// Whole is cons refusing a Limit or an Offset with an error matching
// ErrBadArgument: for a statement that reads all the related rows of each
// parent at once (an aggregate), where a limit could not mean what it
// says. A nil cons is no constraint.
func Whole(cons Constraint) Constraint {
	if cons == nil {
		return nil
	}
	return func(model *schema.Model, m *relmeta.Meta) (*Select, error) {
		p, err := cons(model, m)
		if err == nil && Limited(p) {
			err = fmt.Errorf("constraint on %s: a limit or offset cannot narrow the rows an aggregate reads: %w", m.Name, ErrBadArgument)
		}
		return p, err
	}
}

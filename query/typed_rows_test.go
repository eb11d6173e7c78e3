package query_test

import (
	"context"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// The many-writes take typed slices, so a slice of the wrong type is a
// compile error at the call (Go converts no []Post to a []Comment, nor a
// []*Comment to a []Comment), not an error at run time. These assignments
// pin the signatures: they stop compiling if a rows parameter becomes
// `any` again.
type commentQuery = query.Query[fixture.Comment]

var (
	_ func(*commentQuery, context.Context, sqlt.Executor, []fixture.Comment) error                       = (*commentQuery).InsertMany
	_ func(*commentQuery, context.Context, sqlt.Executor, []*fixture.Comment) error                      = (*commentQuery).InsertManyPtrs
	_ func(*commentQuery, context.Context, sqlt.Executor, []fixture.Comment) error                       = (*commentQuery).SaveMany
	_ func(*commentQuery, context.Context, sqlt.Executor, []*fixture.Comment) error                      = (*commentQuery).SaveManyPtrs
	_ func(*commentQuery, context.Context, sqlt.Executor, []fixture.Comment, []string, ...string) error  = (*commentQuery).UpsertMany
	_ func(*commentQuery, context.Context, sqlt.Executor, []*fixture.Comment, []string, ...string) error = (*commentQuery).UpsertManyPtrs
)

package agg_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
)

// DECISION 14.4: a Limit or an Offset in an aggregate's constraint is an
// error before any statement (Laravel ignores it).
func TestConstraintLimitRefused(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		us := []fixture.User{{ID: 1}, {ID: 2}}
		db.Counter.Reset()
		limit := func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] { return q.Limit(1) }
		offset := func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] { return q.OrderBy("id").Offset(1) }

		err := agg.Load(ctx, db, us, agg.WithCount(fixture.UserPosts, limit))
		require.ErrorIs(t, err, query.ErrBadArgument)
		err = agg.LoadSum(ctx, db, us, fixture.UserPosts, "votes", offset)
		require.ErrorIs(t, err, query.ErrBadArgument)
		_, err = agg.Values[bool](ctx, db, us, agg.WithExists(fixture.UserPosts, limit))
		require.ErrorIs(t, err, query.ErrBadArgument)
		assert.Zero(t, db.Counter.Count(), db.Counter.String())
	})
}

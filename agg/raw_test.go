package agg_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestAggregateOfRelationWithUnsafeFragmentRunsNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		for _, frag := range fixture.UnsafeFragments {
			t.Run(frag, func(t *testing.T) {
				db.Counter.Reset()
				r := PostComments.Where(sq.Expr(frag))
				_, err := query.From[Post]().Apply(agg.WithCount(r)).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "with count of a relation")

				raw := func(q *query.Query[fixture.Comment]) *query.Query[fixture.Comment] { return q.Where(sq.Expr(frag)) }
				_, err = query.From[Post]().Apply(agg.WithSum(PostComments, "votes", raw)).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "with sum, constrained")

				err = agg.LoadCount(ctx, db, posts, r)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "load count of a relation")
				err = agg.LoadCount(ctx, db, posts, PostComments, raw)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "load count, constrained")

				assert.Zero(t, db.Counter.Count(), "no statement ran: %s", db.Counter)
			})
		}
		for _, frag := range fixture.SafeFragments[:5] { // the last one names posts
			r := PostComments.Where(sq.Expr(frag))
			got, err := query.From[Post]().Apply(agg.WithCount(r)).OrderBy("id").Get(ctx, db)
			require.NoError(t, err, frag)
			assert.Equal(t, []int64{3, 1, 0, 0}, []int64{got[0].CommentsCount, got[1].CommentsCount, got[2].CommentsCount, got[3].CommentsCount}, frag)
		}
	}, testdb.RawQuotes("fixture.SafeFragments double-quote identifiers around comment characters"))
}

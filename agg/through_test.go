package agg_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
)

func TestThroughAggregates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		check := func(cs []th.Country) {
			t.Helper()
			require.Len(t, cs, 3)
			assert.Equal(t, []int64{3, 1, 0}, []int64{cs[0].PostsCount, cs[1].PostsCount, cs[2].PostsCount})
			assert.Equal(t, []int64{9, 2, 0}, []int64{cs[0].PostsSumVotes, cs[1].PostsSumVotes, cs[2].PostsSumVotes})
		}

		db.Counter.Reset()
		cs, err := query.From[th.Country]().Apply(agg.WithCount(th.CountryPosts), agg.WithSum(th.CountryPosts, "votes")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		check(cs)
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0],
			`(select count(*) from "posts" join "users" on "users"."id" = "posts"."user_id" where "countries"."id" = "users"."country_id") as "posts_count"`)
		assert.Contains(t, db.Counter.Statements()[0], `sum("posts"."votes")`)

		cs, err = query.From[th.Country]().Apply(agg.CountOf[th.Country]("posts"), agg.SumOf[th.Country]("posts", "votes")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		check(cs) // by name, through the registry

		// Deferred: one grouped statement, keyed on the through key.
		cs, err = query.From[th.Country]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, cs, agg.WithCount(th.CountryPosts), agg.WithSum(th.CountryPosts, "votes")))
		check(cs)
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `select "users"."country_id", count(*), sum("posts"."votes") from "posts" join "users" on "users"."id" = "posts"."user_id" where "users"."country_id"`)
		assert.Contains(t, db.Counter.Statements()[0], `group by "users"."country_id"`)

		// withCount on a hasOneThrough counts every matching row (Laravel).
		ps, err := query.From[th.Position]().Apply(agg.WithCount(th.PositionContract)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{2, 0, 0}, []int64{ps[0].ContractCount, ps[1].ContractCount, ps[2].ContractCount})
	})
}

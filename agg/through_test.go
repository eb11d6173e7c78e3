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
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
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

// aggCategory is th.Category with a field for an aggregate over its
// sub-categories' products.
type aggCategory struct {
	ID       int64  `db:"id"`
	ParentID *int64 `db:"parent_id"`
	MaxSub   *int64 `db:"max_sub,readonly"`
}

func (aggCategory) TableName() string { return "categories" }

// aggCategorySubProducts is th.CategorySubProducts on aggCategory: the
// through table is the parent's.
var aggCategorySubProducts = rel.HasManyThrough[aggCategory, aggCategory, th.Product]("parent_id", "category_id").Named("sub_products")

// CONTRACT-ELOQUENT §21, rule 3: a column of the through table
// ("users.id"), mapped on the through model, is in scope; when the
// through table is the parent's, it is read from the through table's
// alias, not from the parent row.
func TestThroughAggregateThroughColumn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		db.Counter.Reset()
		cs, err := query.From[th.Country]().Apply(agg.WithSum(th.CountryPosts, "users.id").As("posts_sum_votes")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `sum("users"."id")`)
		assert.Equal(t, []int64{1 + 1 + 2, 3, 0}, []int64{cs[0].PostsSumVotes, cs[1].PostsSumVotes, cs[2].PostsSumVotes}, "the posts' users' ids")

		for i := range cs {
			cs[i].PostsSumVotes = 0
		}
		require.NoError(t, agg.Load(ctx, db, cs, agg.WithSum(th.CountryPosts, "users.id").As("posts_sum_votes")))
		assert.Equal(t, []int64{4, 3, 0}, []int64{cs[0].PostsSumVotes, cs[1].PostsSumVotes, cs[2].PostsSumVotes})

		// Not mapped on the through model, or not an identifier: refused before any statement.
		db.Counter.Reset()
		_, err = query.From[th.Country]().Apply(agg.WithSum(th.CountryPosts, "users.nope").As("posts_sum_votes")).Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		_, err = query.From[th.Country]().Apply(agg.WithSum(th.CountryPosts, "users.id; drop table users").As("posts_sum_votes")).Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		assert.Zero(t, db.Counter.Count())

		// The through table is the parent's: its alias, not the parent row.
		max := agg.WithMax(aggCategorySubProducts, "categories.id").As("max_sub")
		cats, err := query.From[aggCategory]().Apply(max).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, cats, 4)
		require.NotNil(t, cats[0].MaxSub)
		assert.Equal(t, int64(3), *cats[0].MaxSub, "sub-category 3 holds the products of category 1")
		assert.Nil(t, cats[1].MaxSub)
		cats[0].MaxSub = nil
		require.NoError(t, agg.Load(ctx, db, cats, max))
		require.NotNil(t, cats[0].MaxSub)
		assert.Equal(t, int64(3), *cats[0].MaxSub)
	})
}

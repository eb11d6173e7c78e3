package load_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
)

func ptrTitles(ps []*th.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

func thTitles(ps []th.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

func countries(t *testing.T, db *testdb.DB) []th.Country {
	t.Helper()
	cs, err := query.From[th.Country]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, cs, 3)
	db.Counter.Reset()
	return cs
}

// Laravel: testEagerLoadingLoadsRelatedModelsCorrectly,
// testEagerLoadingARelationWithCustomIntermediateAndLocalKey.
func TestEagerHasManyThrough(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)

		cs := countries(t, db)
		byID := func(q *query.Query[th.Post]) *query.Query[th.Post] { return q.OrderBy("id") }
		require.NoError(t, load.With(ctx, db, cs, load.Where(th.CountryPosts, byID), load.Where(th.CountryShortPosts, byID), load.Where(th.CountryFirstPost, byID)))
		require.Equal(t, 3, db.Counter.Count(), "one statement per relation")
		st := db.Counter.Statements()[0]
		assert.Contains(t, st, `, "users"."country_id" as "relkit_through_key" from "posts" inner join "users" on "users"."id" = "posts"."user_id" where "users"."country_id" `)
		assert.Equal(t, []string{"A title", "Another title", "Hers"}, ptrTitles(cs[0].Posts))
		assert.Equal(t, []string{"Bonjour"}, ptrTitles(cs[1].Posts))
		assert.NotNil(t, cs[2].Posts)
		assert.Empty(t, cs[2].Posts)
		assert.Equal(t, []string{"A title", "Another title", "Hers"}, thTitles(cs[0].ShortPosts), "custom keys: matched on the short name")
		assert.Equal(t, []string{"Bonjour"}, thTitles(cs[1].ShortPosts))
		assert.Contains(t, db.Counter.Statements()[1], `"users"."country_short" as "relkit_through_key"`)
		require.NotNil(t, cs[0].FirstPost)
		assert.Equal(t, "A title", cs[0].FirstPost.Title, "One: the first row of the parent's group")
		assert.Nil(t, cs[2].FirstPost)

		// String paths, through the registry; nested under the through relation.
		cs = countries(t, db)
		require.NoError(t, load.Paths(ctx, db, cs, "posts", "users.posts"))
		assert.ElementsMatch(t, []string{"A title", "Another title", "Hers"}, ptrTitles(cs[0].Posts))
		require.Len(t, cs[0].Users, 2)
		assert.Len(t, cs[0].Users[0].Posts, 2)

		// Columns and a constraint; the match key is read whatever the choice.
		cs = countries(t, db)
		require.NoError(t, load.With(ctx, db, cs, load.Columns(th.CountryPosts, "title"), load.Where(th.CountryShortPosts, func(q *query.Query[th.Post]) *query.Query[th.Post] {
			return q.WhereOp("votes", ">", 2).OrderByDesc("votes")
		})))
		assert.Contains(t, db.Counter.Statements()[0], `select "posts"."title", "users"."country_id" as "relkit_through_key" from "posts"`)
		assert.ElementsMatch(t, []string{"A title", "Another title", "Hers"}, ptrTitles(cs[0].Posts))
		assert.Zero(t, cs[0].Posts[0].ID, "only the chosen column")
		assert.Equal(t, []string{"Another title", "A title"}, thTitles(cs[0].ShortPosts))
		assert.Contains(t, db.Counter.Statements()[1], `"posts"."votes" > `)
		assert.Contains(t, db.Counter.Statements()[1], `order by "posts"."votes" desc`)

	})
}

func TestEagerHasOneThrough(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		ps, err := query.From[th.Position]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		withDefault := th.PositionContract.WithDefault(th.Contract{Title: "none"})
		require.NoError(t, load.With(ctx, db, ps, load.Where(withDefault, func(q *query.Query[th.Contract]) *query.Query[th.Contract] { return q.OrderBy("id") })))
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `"users"."position_id" as "relkit_through_key" from "contracts" inner join "users" on "users"."id" = "contracts"."user_id"`)
		require.NotNil(t, ps[0].Contract)
		assert.Equal(t, "first", ps[0].Contract.Title, "the first row in statement order")
		assert.Equal(t, "none", ps[1].Contract.Title)
		assert.Equal(t, "none", ps[2].Contract.Title)

		// Self cases: related table = parent table.
		us, err := query.From[th.User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, us, th.UserTeamMates))
		require.Len(t, us[0].TeamMates, 2)
		assert.ElementsMatch(t, []int64{3, 4}, []int64{us[0].TeamMates[0].ID, us[0].TeamMates[1].ID})
		assert.Empty(t, us[1].TeamMates)

		// Through table = parent table.
		cats, err := query.From[th.Category]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, cats, th.CategorySubProducts))
		assert.Len(t, cats[0].SubProducts, 2)
		assert.Empty(t, cats[1].SubProducts)
	})
}

// Laravel's EloquentEagerLoadingLimitTest for hasManyThrough: the window
// is partitioned by the through table's first key, so each country gets
// its own top posts (with offset), in one statement.
func TestEagerLimitHasManyThrough(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		top := func(limit, offset uint64) load.Spec[th.Country, th.Post] {
			return load.Where(th.CountryPosts, func(q *query.Query[th.Post]) *query.Query[th.Post] {
				q = q.OrderByDesc("votes").Limit(limit)
				if offset > 0 {
					q = q.Offset(offset)
				}
				return q
			})
		}

		cs := countries(t, db)
		require.NoError(t, load.With(ctx, db, cs, top(2, 0)))
		require.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[0], `row_number() over (partition by "users"."country_id" order by "posts"."votes" desc, "posts"."id") as "relkit_row"`)
		assert.Equal(t, []string{"Another title", "A title"}, ptrTitles(cs[0].Posts), "us: votes 5, 3 (not Hers, 1)")
		assert.Equal(t, []string{"Bonjour"}, ptrTitles(cs[1].Posts))
		assert.NotNil(t, cs[2].Posts)
		assert.Empty(t, cs[2].Posts)

		cs = countries(t, db)
		require.NoError(t, load.With(ctx, db, cs, top(2, 1)))
		assert.Equal(t, []string{"A title", "Hers"}, ptrTitles(cs[0].Posts))
		assert.Empty(t, cs[1].Posts)
	})
}

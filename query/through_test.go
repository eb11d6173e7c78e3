package query_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

func titles(ps []th.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

// Laravel: testItLoadsADefaultHasManyThroughRelation,
// testItLoadsAHasManyThroughRelationWithCustomKeys,
// testFirstRetrievesFirstRecord, testAllColumnsAreRetrievedByDefault.
func TestHasManyThroughLazyRead(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		us := th.Country{ID: 1, Shortname: "us"}

		db.Counter.Reset()
		posts, err := query.GetMany(ctx, db, th.CountryPosts, &us)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"A title", "Another title", "Hers"}, titles(posts))
		require.Equal(t, 1, db.Counter.Count())
		st := db.Counter.Statements()[0]
		assert.Contains(t, st, `from "posts" inner join "users" on "users"."id" = "posts"."user_id" where "users"."country_id" = `)
		assert.NotContains(t, st, "relkit_through_key", "DECISION 15.1: a relation query reads C alone")
		assert.NotContains(t, st, "is not null", "no null test on the first key (Laravel)")

		posts, err = query.GetMany(ctx, db, th.CountryShortPosts, &us)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"A title", "Another title", "Hers"}, titles(posts), "custom keys: country_short/shortname, email/email")
		assert.Contains(t, db.Counter.Statements()[1], `inner join "users" on "users"."email" = "posts"."email" where "users"."country_short" = `)

		composed, err := query.GetMany(ctx, db, th.CountryPostsComposed, &us)
		require.NoError(t, err)
		assert.ElementsMatch(t, titles(posts), titles(composed), "ThroughMany takes the keys of the two relations")

		first, err := query.Related(th.CountryPosts, &us).OrderByDesc("votes").First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "Another title", first.Title)

		// DECISION 15.2: typed helpers qualify with C's table, so "id" and
		// "email" (both tables have them) are never ambiguous.
		db.Counter.Reset()
		got, err := query.Related(th.CountryPosts, &us).WhereOp("email", "=", "taylor@example.com").WhereIn("id", 1, 2, 3).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"A title", "Another title"}, titles(got))
		assert.Contains(t, db.Counter.Statements()[0], `"posts"."email" = `)
		assert.Contains(t, db.Counter.Statements()[0], `order by "posts"."id"`)

		// The through table's columns may be named, qualified.
		got, err = query.Related(th.CountryPosts, &us).WhereOp("users.email", "=", "abigail@example.com").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"Hers"}, titles(got))

		n, err := query.Related(th.CountryPosts, &us).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)

		de := th.Country{ID: 3}
		none, err := query.GetMany(ctx, db, th.CountryPosts, &de)
		require.NoError(t, err)
		assert.Empty(t, none)
		assert.NotNil(t, none)

		db.Counter.Reset()
		unsaved := th.Country{}
		none, err = query.GetMany(ctx, db, th.CountryPosts, &unsaved)
		require.NoError(t, err)
		assert.Empty(t, none)
		assert.Equal(t, 0, db.Counter.Count(), "a parent without a key runs no statement")
	})
}

func TestHasOneThroughLazyRead(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		dev, ops, cto := th.Position{ID: 1}, th.Position{ID: 2}, th.Position{ID: 3}

		db.Counter.Reset()
		c, err := query.GetOne(ctx, db, th.PositionContract, &dev) // the first of two: the one the database returns first
		require.NoError(t, err)
		require.NotNil(t, c)
		assert.Contains(t, []string{"first", "second"}, c.Title)
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `from "contracts" inner join "users" on "users"."id" = "contracts"."user_id" where "users"."position_id" = `)
		assert.Contains(t, db.Counter.Statements()[0], "limit 1")

		c, err = query.GetOne(ctx, db, th.PositionContract, &ops)
		require.NoError(t, err)
		assert.Nil(t, c, "the user has no contract")
		c, err = query.GetOne(ctx, db, th.PositionContract, &cto)
		require.NoError(t, err)
		assert.Nil(t, c, "no user holds the position")

		withDefault := th.PositionContract.WithDefault(th.Contract{Title: "none"})
		c, err = query.GetOne(ctx, db, withDefault, &cto)
		require.NoError(t, err)
		require.NotNil(t, c)
		assert.Equal(t, th.Contract{Title: "none"}, *c, "the default carries no key")

		last := th.PositionContract.Where(sq.Eq{"contracts.title": "second"})
		c, err = query.GetOne(ctx, db, last, &dev)
		require.NoError(t, err)
		assert.Equal(t, "second", c.Title)

		one, err := query.GetOne(ctx, db, th.CountryFirstPost, &th.Country{ID: 2})
		require.NoError(t, err)
		assert.Equal(t, "Bonjour", one.Title, "HasManyThrough.One")
	})
}

func TestThroughWritesAreUnsupported(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		us := th.Country{ID: 1}
		db.Counter.Reset()
		q := query.Related(th.CountryPosts, &us)
		p := th.Post{Title: "x", Email: "x"}
		assert.ErrorIs(t, q.Insert(ctx, db, &p), query.ErrUnsupported)
		_, err := q.UpdateAll(ctx, db, map[string]any{"votes": 0})
		assert.ErrorIs(t, err, query.ErrUnsupported)
		_, err = q.DeleteAll(ctx, db)
		assert.ErrorIs(t, err, query.ErrUnsupported)
		_, err = q.FirstOrCreate(ctx, db, map[string]any{"title": "x"})
		assert.ErrorIs(t, err, query.ErrUnsupported)
		_, err = query.Related(th.PositionContract, &th.Position{ID: 1}).FirstOrNew(ctx, db, map[string]any{"title": "x"})
		assert.ErrorIs(t, err, query.ErrUnsupported)
		assert.Equal(t, 0, db.Counter.Count(), "refused before any statement")
	})
}

// Laravel: testBasicCreateAndRetrieve, testHasSelf (related table = parent
// table), testHasSameParentAndThroughParentTable (through table = parent
// table).
func TestThroughExistence(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		countryIDs := func(c ...any) []int64 {
			t.Helper()
			q := query.From[th.Country]().OrderBy("id")
			for _, w := range c {
				q = q.Where(w.(sq.Sqlizer))
			}
			cs, err := q.Get(ctx, db)
			require.NoError(t, err)
			var ids []int64
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return ids
		}

		db.Counter.Reset()
		assert.Equal(t, []int64{1, 2}, countryIDs(query.Has(th.CountryPosts)))
		assert.Contains(t, db.Counter.Statements()[0],
			`where exists (select * from "posts" join "users" on "users"."id" = "posts"."user_id" where "countries"."id" = "users"."country_id")`)
		assert.Equal(t, []int64{1}, countryIDs(query.Has(th.CountryPosts, ">=", 3)))
		assert.Equal(t, []int64{3}, countryIDs(query.DoesntHave(th.CountryPosts)))
		assert.Equal(t, []int64{1, 2}, countryIDs(query.Has(th.CountryPostsComposed)))
		assert.Equal(t, []int64{1}, countryIDs(query.WhereHas(th.CountryPosts, func(q *query.Query[th.Post]) *query.Query[th.Post] {
			return q.WhereOp("votes", ">", 4)
		})))
		assert.Equal(t, []int64{2}, countryIDs(query.WhereRelation(th.CountryPosts, "title", "=", "Bonjour")))
		assert.Equal(t, []int64{1}, countryIDs(query.WhereRelation(th.CountryPosts, "users.email", "=", "abigail@example.com")), "a through column, qualified")
		assert.Equal(t, []int64{1, 2}, countryIDs(query.HasPath[th.Country]("posts")), "by name, through the registry")
		assert.Equal(t, []int64{1}, countryIDs(query.Nested(th.CountryUsers, th.UserPosts).Has(">=", 2)))

		positions, err := query.From[th.Position]().Where(query.Has(th.PositionContract)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, positions, 1)
		assert.Equal(t, "dev", positions[0].Name)

		// Related table = parent table: the related users are aliased.
		db.Counter.Reset()
		users, err := query.From[th.User]().Where(query.Has(th.UserTeamMates)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, users, 1)
		assert.Equal(t, int64(1), users[0].ID)
		assert.Contains(t, db.Counter.Statements()[0],
			`exists (select * from "users" as "relkit_reserved_0" join "teams" on "teams"."id" = "relkit_reserved_0"."team_id" where "users"."id" = "teams"."owner_id")`)
		composed := rel.ThroughMany(th.UserOwnedTeams, th.TeamMembers)
		users, err = query.From[th.User]().Where(query.Has(composed)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, users, 1)

		// Through table = parent table: the through categories are aliased.
		db.Counter.Reset()
		cats, err := query.From[th.Category]().Where(query.Has(th.CategorySubProducts)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, cats, 1)
		assert.Equal(t, int64(1), cats[0].ID)
		assert.Contains(t, db.Counter.Statements()[0],
			`exists (select * from "products" join "categories" as "relkit_reserved_0" on "relkit_reserved_0"."id" = "products"."category_id" where "categories"."id" = "relkit_reserved_0"."parent_id")`)
	})
}

func TestPushSavesTheRowsLoadedThroughAThroughRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		fr := th.Country{ID: 2, Name: "France", Shortname: "fr"}
		posts, err := query.Related(th.CountryPosts, &fr).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		posts[0].Title = "Salut"
		fr.Posts = []*th.Post{&posts[0]}
		require.NoError(t, query.Push(ctx, db, &fr, th.CountryPosts))
		got, err := query.From[th.Post]().Find(ctx, db, posts[0].ID)
		require.NoError(t, err)
		assert.Equal(t, "Salut", got.Title)
		assert.Equal(t, posts[0].UserID, got.UserID, "the key is left as it was")
	})
}

// DECISION 15.3: a second local key that is not unique on the through
// table returns a related row once per matching through row, as the join
// (and Laravel) does.
func TestThroughKeepsTheDuplicatesOfANonUniqueSecondLocalKey(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		db.MustExec(t, `insert into users (email, country_id, country_short) values ('taylor@example.com', 1, 'us')`)
		us := th.Country{ID: 1, Shortname: "us"}
		posts, err := query.GetMany(ctx, db, th.CountryShortPosts, &us)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"A title", "A title", "Another title", "Another title", "Hers"}, titles(posts))
		n, err := query.From[th.Country]().Where(query.Has(th.CountryShortPosts, "=", 5)).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "the count form counts the joined rows")
	})
}

func TestHasOneThroughWithoutAParentKeyRunsNoStatement(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		th.Seed(t, db)
		db.Counter.Reset()
		c, err := query.GetOne(ctx, db, th.PositionContract.WithDefault(th.Contract{Title: "vacant"}), &th.Position{})
		require.NoError(t, err)
		assert.Equal(t, "vacant", c.Title)
		c, err = query.GetOne(ctx, db, th.PositionContract, &th.Position{})
		require.NoError(t, err)
		assert.Nil(t, c)
		assert.Equal(t, 0, db.Counter.Count())
	})
}

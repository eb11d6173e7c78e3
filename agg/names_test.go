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
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestAggregatesByName(t *testing.T) {
	cases := []struct {
		a     agg.Aggregate[Post]
		alias string
	}{
		{agg.CountOf[Post]("comments"), "comments_count"},
		{agg.CountOf[Post]("comments as code_count"), "code_count"},
		{agg.CountOf[Post](" comments  AS  code_count "), "code_count"},
		{agg.ExistsOf[Post]("comments"), "comments_exists"},
		{agg.SumOf[Post]("comments", "votes"), "comments_sum_votes"},
		{agg.SumOf[Post]("comments As sum_votes", "votes"), "sum_votes"},
		{agg.MinOf[Post]("comments", "votes"), "comments_min_votes"},
		{agg.MaxOf[Post]("comments", "votes"), "comments_max_votes"},
		{agg.AvgOf[Post]("comments", "votes"), "comments_avg_votes"},
		{agg.CountOf[Post]("author"), "author_count"},
	}
	for _, c := range cases {
		require.NoError(t, c.a.Err(), c.alias)
		assert.Equal(t, c.alias, c.a.Alias())
	}
	bad := []struct {
		a  agg.Aggregate[Post]
		is error
	}{
		{agg.CountOf[Post]("nope"), rel.ErrUnknownRelation},
		{agg.CountOf[Post]("comments as"), query.ErrBadArgument},
		{agg.CountOf[Post]("comments as a b"), query.ErrBadArgument},
		{agg.CountOf[Post]("comments to cc"), query.ErrBadArgument},
		{agg.CountOf[Post](""), query.ErrBadArgument},
		{agg.CountOf[Post](`comments as x"y`), sqlt.ErrInvalidIdentifier},
		{agg.SumOf[Post]("comments", "nope"), sqlt.ErrUnknownColumn},
	}
	for _, b := range bad {
		assert.ErrorIs(t, b.a.Err(), b.is)
	}

	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		db.Counter.Reset()
		byName, err := query.From[Post]().Apply(agg.CountOf[Post]("comments"), agg.SumOf[Post]("comments as sum_votes", "votes")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		typed, err := query.From[Post]().Apply(agg.WithCount(PostComments), agg.WithSum(PostComments, "votes").As("sum_votes")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, typed, byName)
		assert.Equal(t, int64(3), byName[0].CommentsCount)

		db.Counter.Reset()
		_, err = query.From[Post]().Apply(agg.CountOf[Post]("nope")).Get(ctx, db)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		assert.ErrorIs(t, agg.Load(ctx, db, byName, agg.CountOf[Post]("nope")), rel.ErrUnknownRelation)
		assert.Equal(t, 0, db.Counter.Count())

		require.NoError(t, agg.Load(ctx, db, byName, agg.CountOf[Post]("author"), agg.ExistsOf[Post]("comments")))
		assert.Equal(t, []int64{1, 1, 1, 0}, []int64{byName[0].AuthorCount, byName[1].AuthorCount, byName[2].AuthorCount, byName[3].AuthorCount})
		assert.Equal(t, []bool{true, true, false, false}, []bool{byName[0].CommentsExists, byName[1].CommentsExists, byName[2].CommentsExists, byName[3].CommentsExists})
	})
}

// postCounts is what a service serving posts would allow for ?with_count=.
var postCounts = agg.Allow[Post]("comments", "comments as code_count")

func TestAllowedAggregatesRefuseUnlistedRelationsAndForeignAliases(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ps, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		cases := []struct {
			a    agg.Aggregate[Post]
			says string
			want error
		}{
			// The comment count written into the author count.
			{postCounts.CountOf("comments as author_count"), "comments as author_count", agg.ErrAliasNotAllowed},
			{postCounts.SumOf("comments as comments_count", "votes"), "comments as comments_count", agg.ErrAliasNotAllowed},
			{postCounts.SumOf("comments as code_count", "votes"), "comments as code_count", nil}, // listed for comments
			{postCounts.CountOf("comments as cc"), "comments as cc", agg.ErrAliasNotAllowed},
			{postCounts.CountOf(`comments as x"y`), `"comments as x\"y"`, agg.ErrAliasNotAllowed},
			{postCounts.CountOf("author"), "author", agg.ErrNotAllowed},
			{postCounts.ExistsOf("author as code_count"), "author as code_count", agg.ErrNotAllowed},
			{postCounts.CountOf("nope"), "nope", agg.ErrNotAllowed},
			{postCounts.CountOf("comments as"), "comments as", query.ErrBadArgument},
			{postCounts.CountOf(""), "", query.ErrBadArgument},
			{postCounts.SumOf("comments", "nope"), "comments.nope", sqlt.ErrUnknownColumn},
			{agg.Allowed[Post]{}.CountOf("comments"), "comments", agg.ErrNotAllowed},
			{agg.Allow[Post]("comments", "comments as").CountOf("comments"), "comments", query.ErrBadArgument},
		}
		for _, c := range cases {
			if c.want == nil {
				require.NoError(t, c.a.Err(), c.says)
				continue
			}
			require.ErrorIs(t, c.a.Err(), c.want, c.says)
			assert.Contains(t, c.a.Err().Error(), c.says, "names what was asked")
			db.Counter.Reset()
			_, err := query.From[Post]().Apply(c.a).Get(ctx, db)
			assert.ErrorIs(t, err, c.want)
			before := append([]Post(nil), ps...)
			assert.ErrorIs(t, agg.Load(ctx, db, ps, agg.CountOf[Post]("comments"), c.a), c.want)
			assert.Equal(t, before, ps)
			assert.Equal(t, 0, db.Counter.Count(), "refused before any statement: %s", db.Counter)
		}
		// An unlisted name is refused before it is looked up.
		assert.NotErrorIs(t, postCounts.CountOf("nope").Err(), rel.ErrUnknownRelation)
	})
}

func TestAllowedAggregatesLoadTheirOwnFields(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		counts := agg.Allow[Post]("comments", "author", "comments as code_count")
		db.Counter.Reset()
		got, err := query.From[Post]().Apply(
			counts.CountOf("comments"),
			counts.CountOf("author as author_count"), // the default alias
			counts.SumOf("comments", "votes"),
			counts.ExistsOf("comments"),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count())
		want, err := query.From[Post]().Apply(
			agg.WithCount(PostComments), agg.WithCount(PostAuthor), agg.WithSum(PostComments, "votes"), agg.WithExists(PostComments),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		assert.Equal(t, int64(3), got[0].CommentsCount)
		assert.Equal(t, int64(1), got[0].AuthorCount)

		// An explicitly listed alias, deferred: one statement.
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, got, counts.CountOf("comments as code_count"), counts.MaxOf("comments", "votes"), counts.MinOf("comments", "votes"), counts.AvgOf("comments", "votes")))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []int{3, 1, 0, 0}, []int{got[0].CodeCount, got[1].CodeCount, got[2].CodeCount, got[3].CodeCount})
		assert.Equal(t, int32(5), got[0].CommentsMaxVotes)
	})
}

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

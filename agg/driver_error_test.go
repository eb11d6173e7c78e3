package agg_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/rel"
)

// countedUser reads users with aggregate columns of their posts.
type countedUser struct {
	ID            int64  `db:"id"`
	Name          string `db:"name"`
	PostsCount    int64  `db:"posts_count,readonly"`
	PostsSumVotes int64  `db:"posts_sum_votes,readonly"`
}

func (countedUser) TableName() string { return "users" }

func TestAggregatesKeepTheDriverError(t *testing.T) {
	ctx := context.Background()
	pgBad, liteBad := testdb.FailingCodes()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fixture.Seed(t, db)
		users := []countedUser{{ID: 1}, {ID: 2}}
		failingPosts := rel.HasMany[countedUser, fixture.Post]("user_id").Where(sq.Expr(db.FailingCondition("posts.votes")))
		t.Run("Load", func(t *testing.T) {
			err := agg.Load(ctx, db, users, agg.WithCount(failingPosts), agg.WithSum(failingPosts, "votes"))
			db.RequireDriverError(t, err, pgBad, liteBad)
		})
		t.Run("LoadCount", func(t *testing.T) {
			db.RequireDriverError(t, agg.LoadCount(ctx, db, users, failingPosts), pgBad, liteBad)
		})
		t.Run("Values", func(t *testing.T) {
			_, err := agg.Values[int64](ctx, db, users, agg.WithCount(failingPosts))
			db.RequireDriverError(t, err, pgBad, liteBad)
		})
	})
}

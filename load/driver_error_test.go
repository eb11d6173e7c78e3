package load_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

func TestEagerLoadKeepsTheDriverError(t *testing.T) {
	ctx := context.Background()
	pgBad, liteBad := testdb.FailingCodes()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		users := []User{{ID: 1}, {ID: 2}}
		failingPosts := rel.HasMany[User, Post]().Where(sq.Expr(db.FailingCondition("posts.votes")))
		t.Run("With", func(t *testing.T) {
			db.RequireDriverError(t, load.With(ctx, db, users, failingPosts), pgBad, liteBad)
		})
		t.Run("With belongsToMany", func(t *testing.T) {
			failingRoles := UserRoles.Where(sq.Expr(db.FailingCondition("roles.id")))
			db.RequireDriverError(t, load.With(ctx, db, users, failingRoles), pgBad, liteBad)
		})
		t.Run("Eager loader of a query", func(t *testing.T) {
			_, err := query.From[User]().With(load.Eager[User](failingPosts)).Get(ctx, db)
			db.RequireDriverError(t, err, pgBad, liteBad)
		})
	})
}

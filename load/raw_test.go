package load_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestEagerLoadWithUnsafeFragmentRunsNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		users, err := query.From[User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		for _, frag := range UnsafeFragments {
			t.Run(frag, func(t *testing.T) {
				db.Counter.Reset()
				// The relation's Where comes before the key condition.
				err := load.With(ctx, db, users, UserPosts.Where(sq.Expr(frag)))
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "relation where")

				err = load.With(ctx, db, users, UserRoles.Where(sq.Expr(frag)))
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "belongs to many, relation where")

				err = load.With(ctx, db, users, load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
					return q.Where(sq.Expr(frag)).OrderBy("id")
				}))
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "constrained load")

				assert.Zero(t, db.Counter.Count(), "no statement ran: %s", db.Counter)

				_, err = query.From[User]().With(load.Eager[User](UserPosts.Where(sq.Expr(frag)))).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "eager loader on a query")
				assert.Equal(t, []string{`select "users"."id", "users"."name" from "users"`}, db.Counter.Statements(), "only the parents were read")
				for _, u := range users {
					assert.Empty(t, u.Posts, "nothing loaded")
				}
			})
		}
		for _, frag := range SafeFragments {
			err := load.With(ctx, db, users, UserPosts.Where(sq.Expr(frag)))
			require.NoError(t, err, frag)
			assert.Equal(t, []int{2, 1, 0}, []int{len(users[0].Posts), len(users[1].Posts), len(users[2].Posts)}, frag)
		}
	}, testdb.RawQuotes("fixture.SafeFragments double-quote identifiers around comment characters"))
}

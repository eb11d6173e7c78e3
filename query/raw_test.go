package query_test

import (
	"context"
	"strconv"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// allPosts reads every post, to check that nothing changed.
func allPosts(t *testing.T, db *testdb.DB) []Post {
	t.Helper()
	ps, err := query.From[Post]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	return ps
}

func TestRelationWhereWithUnsafeFragmentRunsNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann, err := query.From[User]().Find(ctx, db, 1)
		require.NoError(t, err)
		before := allPosts(t, db)
		for _, frag := range UnsafeFragments {
			t.Run(frag, func(t *testing.T) {
				r := UserPosts.Where(sq.Expr(frag))
				if assert.ErrorIs(t, relmeta.Of(r).Err(), sqlt.ErrUnsafeFragment, "refused at declaration") {
					assert.Contains(t, relmeta.Of(r).Err().Error(), strconv.Quote(frag), "the error names the fragment")
				}
				db.Counter.Reset()

				n, err := query.Related(r, &ann).WhereOp("id", "=", 2).UpdateAll(ctx, db, map[string]any{"title": "changed"})
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "update all")
				assert.Zero(t, n)

				n, err = query.Related(r, &ann).WhereOp("id", "=", 2).DeleteAll(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "delete all")
				assert.Zero(t, n)

				_, err = query.Related(r, &ann).WhereOp("id", "=", 2).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "get")

				_, err = query.GetMany(ctx, db, r, &ann)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "get many")

				_, err = query.From[User]().Where(query.Has(r)).WhereOp("id", "=", 2).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "has")

				_, err = query.From[User]().Where(query.WhereHas(r, func(q *query.Query[Post]) *query.Query[Post] {
					return q.WhereOp("votes", ">", 5)
				})).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "where has")

				assert.Zero(t, db.Counter.Count(), "no statement ran: %s", db.Counter)
				assert.Equal(t, before, allPosts(t, db), "no post changed")
			})
		}
	})
}

func TestQueryWhereWithUnsafeFragmentRunsNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann, err := query.From[User]().Find(ctx, db, 1)
		require.NoError(t, err)
		before := allPosts(t, db)
		for _, frag := range UnsafeFragments {
			t.Run(frag, func(t *testing.T) {
				db.Counter.Reset()
				// Find adds its key condition after the caller's.
				_, err := query.From[Post]().Where(sq.Expr(frag)).Find(ctx, db, 2)
				if assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "find") {
					assert.Contains(t, err.Error(), strconv.Quote(frag), "the error names the fragment")
				}

				_, err = query.From[Post]().WhereRaw(frag).WhereOp("id", "=", 2).DeleteAll(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "where raw, delete all")

				_, err = query.Related(UserPosts, &ann).OrWhere(sq.Expr(frag)).UpdateAll(ctx, db, map[string]any{"title": "changed"})
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "or where on a relation")

				_, err = query.From[Post]().Where(sq.And{sq.Expr(frag), sq.Eq{"id": 2}}).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "inside sq.And")

				_, err = query.From[Post]().GroupBy("user_id").Having(sq.Expr(frag)).Limit(1).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "having")

				// The limit after an order expression.
				_, err = query.From[Post]().OrderByRaw("id, "+frag).Limit(1).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "order by raw")

				_, err = query.From[Post]().Join("join users on "+frag).WhereOp("posts.id", "=", 2).DeleteAll(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "join")

				_, err = query.From[Post]().SelectRaw(frag).WhereOp("id", "=", 2).Get(ctx, db)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "select raw")

				assert.Zero(t, db.Counter.Count(), "no statement ran: %s", db.Counter)
				assert.Equal(t, before, allPosts(t, db), "no post changed")
			})
		}
	})
}

func TestFragmentsWithCommentCharactersInsideQuotesStillWork(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann, err := query.From[User]().Find(ctx, db, 1)
		require.NoError(t, err)
		for _, frag := range SafeFragments {
			t.Run(frag, func(t *testing.T) {
				r := UserPosts.Where(sq.Expr(frag))
				require.NoError(t, relmeta.Of(r).Err())

				posts, err := query.GetMany(ctx, db, r, &ann)
				require.NoError(t, err)
				assert.Len(t, posts, 2)

				users, err := query.From[User]().Where(query.Has(r)).OrderBy("id").Get(ctx, db)
				require.NoError(t, err)
				require.Len(t, users, 2, "ann and bob have posts")
				assert.Equal(t, []string{"ann", "bob"}, []string{users[0].Name, users[1].Name})

				p, err := query.From[Post]().Where(sq.Expr(frag)).Find(ctx, db, 2)
				require.NoError(t, err)
				assert.Equal(t, "code tips", p.Title)

				n, err := query.Related(r, &ann).WhereOp("id", "=", 2).UpdateAll(ctx, db, map[string]any{"votes": 4})
				require.NoError(t, err)
				assert.Equal(t, int64(1), n, "only post 2")
				posts = allPosts(t, db)
				assert.Equal(t, []int64{10, 4, 0, 7}, []int64{posts[0].Votes, posts[1].Votes, posts[2].Votes, posts[3].Votes})
				_, err = query.From[Post]().WhereOp("id", "=", 2).UpdateAll(ctx, db, map[string]any{"votes": 3})
				require.NoError(t, err)
			})
		}
	}, testdb.RawQuotes("fixture.SafeFragments double-quote identifiers around comment characters"))
}

package query_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestRelatedReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann, err := query.From[User]().Find(ctx, db, 1)
		require.NoError(t, err)

		posts, err := query.Related(UserPosts, &ann).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 2)
		assert.Equal(t, "hello", posts[0].Title)

		// The scope cannot be escaped by OrWhere: bob's post (0 votes) stays out.
		posts, err = query.Related(UserPosts, &ann).Where(sq.Eq{"title": "nope"}).OrWhere(sq.LtOrEq{"votes": 3}).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "code tips", posts[0].Title)
		assert.Contains(t, db.Counter.Statements()[db.Counter.Count()-1], `"posts"."user_id" is not null and (title = `)

		n, err := query.Related(UserPosts, &ann).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)

		phone, err := query.GetOne(ctx, db, UserPhone, &ann)
		require.NoError(t, err)
		require.NotNil(t, phone)
		assert.Equal(t, "555-0101", phone.Number)

		roles, err := query.GetMany(ctx, db, UserRoles, &ann)
		require.NoError(t, err)
		require.Len(t, roles, 2)
		assert.Equal(t, "admin", roles[0].Name)
		assert.EqualValues(t, 1, roles[0].Pivot["user_id"])
		assert.EqualValues(t, 1, roles[0].Pivot["role_id"])
		assert.Contains(t, roles[0].Pivot, "active")

		orphan, err := query.From[Post]().Find(ctx, db, 4)
		require.NoError(t, err)
		db.Counter.Reset()
		author, err := query.GetOne(ctx, db, PostAuthor, &orphan)
		require.NoError(t, err)
		assert.Nil(t, author)
		assert.Equal(t, 0, db.Counter.Count(), "a NULL foreign key runs no statement")

		guest := PostAuthor.WithDefault(User{Name: "Guest Author"})
		author, err = query.GetOne(ctx, db, guest, &orphan)
		require.NoError(t, err)
		require.NotNil(t, author)
		assert.Equal(t, "Guest Author", author.Name)

		cy, err := query.From[User]().Find(ctx, db, 3)
		require.NoError(t, err)
		def, err := query.GetOne(ctx, db, UserPhone.WithDefault(), &cy)
		require.NoError(t, err)
		require.NotNil(t, def)
		assert.Equal(t, int64(3), def.UserID, "a hasOne default carries the parent's key")

		_, err = query.From[User]().Find(ctx, db, 99)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
	})
}

func TestRelatedWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		post, err := query.From[Post]().Find(ctx, db, 3)
		require.NoError(t, err)

		c, err := query.Related(PostComments, &post).Create(ctx, db, Comment{Content: "first"})
		require.NoError(t, err)
		assert.Equal(t, int64(3), c.PostID)
		assert.NotZero(t, c.ID)

		_, err = query.Related(PostComments, &post).CreateMany(ctx, db, []Comment{{Content: "a"}, {Content: "b"}})
		require.NoError(t, err)
		n, err := query.Related(PostComments, &post).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)

		got, err := query.Related(PostComments, &post).FirstOrCreate(ctx, db, map[string]any{"content": "zzz"}, map[string]any{"votes": 4})
		require.NoError(t, err)
		assert.Equal(t, int64(3), got.PostID)
		assert.Equal(t, int64(4), got.Votes)

		fresh, err := query.Related(PostComments, &post).FirstOrNew(ctx, db, map[string]any{"content": "code is fun"})
		require.NoError(t, err)
		assert.Zero(t, fresh.ID, "post 1's comment is not post 3's")
		assert.Equal(t, int64(3), fresh.PostID)
	})
}

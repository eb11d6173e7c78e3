package acceptance_test

// A column added to a table while the service runs (the migrate-then-deploy
// order) never breaks a read relkit renders: every read names the mapped
// columns instead of "table".*. A caller's bad column name and a raw
// query's unmapped result column stay two different errors.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// acPost reads posts with an aggregate field, which is no column of the
// table: it is read only when agg supplies it.
type acPost struct {
	ID            int64     `db:"id"`
	UserID        *int64    `db:"user_id"`
	Title         string    `db:"title"`
	Votes         int64     `db:"votes"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
	CommentsCount int64     `db:"comments_count,readonly"`
}

func (acPost) TableName() string { return "posts" }

var acPostComments = rel.HasMany[acPost, fx.Comment]("post_id").Named("comments")

// addViews adds a column that no struct maps to every fixture table a
// read touches, the pivot table included.
func addViews(t *testing.T, db *testdb.DB) {
	t.Helper()
	for _, table := range []string{"users", "phones", "posts", "comments", "images", "roles", "role_user"} {
		db.MustExec(t, `alter table `+table+` add column views integer default 0`)
	}
}

func TestReadsIgnoreAColumnAddedToTheTable(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		addViews(t, db)
		posts := query.From[fx.Post]().OrderBy("id")
		ann := fx.User{ID: 1}
		postIDs := func(ps []fx.Post) []int64 {
			out := make([]int64, len(ps))
			for i, p := range ps {
				out[i] = p.ID
			}
			return out
		}

		t.Run("builder reads", func(t *testing.T) {
			ps, err := posts.Get(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 2, 3, 4}, postIDs(ps))
			p, err := posts.First(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, "hello", p.Title)
			p, err = posts.Find(ctx, db, 3)
			require.NoError(t, err)
			assert.Equal(t, "news", p.Title)
			ps, err = posts.FindMany(ctx, db, 2, 4)
			require.NoError(t, err)
			assert.Equal(t, []int64{2, 4}, postIDs(ps))
			var iterated []int64
			for p, err := range posts.Iter(ctx, db) {
				require.NoError(t, err)
				iterated = append(iterated, p.ID)
			}
			assert.Equal(t, []int64{1, 2, 3, 4}, iterated)
			joined, err := query.From[fx.Post]().Join("join users on users.id = posts.user_id").OrderBy("id").Get(ctx, db)
			require.NoError(t, err, "a join reads the model's columns only")
			assert.Equal(t, []int64{1, 2, 3}, postIDs(joined))
		})

		t.Run("relation reads", func(t *testing.T) {
			ps, err := query.Related(fx.UserPosts, &ann).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 2}, postIDs(ps))
			phone, err := query.GetOne(ctx, db, fx.UserPhone, &ann)
			require.NoError(t, err)
			assert.Equal(t, "555-0101", phone.Number)
			author, err := query.GetOne(ctx, db, fx.PostAuthor, &ps[0])
			require.NoError(t, err)
			assert.Equal(t, "ann", author.Name)
			ps, err = query.GetMany(ctx, db, fx.UserPosts, &ann)
			require.NoError(t, err)
			assert.Len(t, ps, 2)
			roles, err := query.Related(fx.UserRoles, &ann).OrderBy("id").Get(ctx, db)
			require.NoError(t, err, "belongsToMany with pivot columns")
			require.Len(t, roles, 2)
			assert.Contains(t, roles[0].Pivot, "active")
			var names []string
			for r, err := range query.Related(fx.UserRoles, &ann).OrderBy("id").Iter(ctx, db) {
				require.NoError(t, err)
				names = append(names, r.Name)
			}
			assert.Equal(t, []string{"admin", "editor"}, names)
		})

		t.Run("eager loads", func(t *testing.T) {
			us, err := query.From[fx.User]().OrderBy("id").With(
				load.Eager(fx.UserPhone, fx.UserPosts, fx.UserRoles)).Get(ctx, db)
			require.NoError(t, err)
			require.NotNil(t, us[0].Phone)
			assert.Len(t, us[0].Posts, 2)
			assert.Len(t, us[0].Roles, 2)
			ps, err := posts.Get(ctx, db)
			require.NoError(t, err)
			require.NoError(t, load.With(ctx, db, ps, fx.PostAuthor, load.Nested(fx.PostComments, fx.CommentImages)))
			require.NotNil(t, ps[0].Author)
			require.Len(t, ps[0].Comments, 3)
			assert.Len(t, ps[0].Comments[0].Images, 2)

			popular := func(q *query.Query[fx.Comment]) *query.Query[fx.Comment] { return q.WhereOp("votes", ">", 1) }
			activeRoles := func(q *query.Query[fx.Role]) *query.Query[fx.Role] { return q.WhereOp("name", "<>", "") }
			us = []fx.User{{ID: 1}, {ID: 2}}
			require.NoError(t, load.With(ctx, db, us,
				load.Where(fx.UserRoles, activeRoles),
				load.Where(fx.UserPosts, func(q *query.Query[fx.Post]) *query.Query[fx.Post] { return q.OrderBy("id") })))
			assert.Len(t, us[0].Roles, 2)
			assert.Len(t, us[0].Posts, 2)
			ps = []fx.Post{{ID: 1}}
			require.NoError(t, load.With(ctx, db, ps, load.Where(fx.PostComments, popular)))
			assert.Len(t, ps[0].Comments, 2)
			ps = []fx.Post{{ID: 1}}
			require.NoError(t, load.With(ctx, db, ps, load.Columns(fx.PostComments, "content")))
			assert.Len(t, ps[0].Comments, 3)
			require.NoError(t, load.Paths(ctx, db, us, "phone", "posts.comments:content"))
			require.NotNil(t, us[0].Phone)

			one := fx.Post{ID: 1}
			require.NoError(t, load.Refresh(ctx, db, &one, fx.PostComments))
			assert.Equal(t, "hello", one.Title)
			assert.Len(t, one.Comments, 3)
		})

		t.Run("aggregates", func(t *testing.T) {
			ps, err := query.From[acPost]().Apply(agg.WithCount(acPostComments)).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			require.Len(t, ps, 4)
			assert.Equal(t, []int64{3, 1, 0, 0}, []int64{ps[0].CommentsCount, ps[1].CommentsCount, ps[2].CommentsCount, ps[3].CommentsCount})
			assert.Equal(t, "hello", ps[0].Title)
			plain, err := query.From[acPost]().Find(ctx, db, 1)
			require.NoError(t, err, "without an aggregate the readonly field is not selected")
			assert.Zero(t, plain.CommentsCount)
			require.NoError(t, agg.Load(ctx, db, ps, agg.WithCount(acPostComments)))
			assert.Equal(t, int64(3), ps[0].CommentsCount)
		})
	})
}

func TestBadColumnNameAndUnmappedResultColumnAreDifferentErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		addViews(t, db)

		_, err := query.From[fx.Post]().Select("nope").Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn, "a caller's column: 400")
		assert.NotErrorIs(t, err, sqlt.ErrUnmappedResultColumn)
		_, err = query.From[fx.Post]().OrderBy("x; drop").Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		assert.NotErrorIs(t, err, sqlt.ErrUnmappedResultColumn)

		rows, err := db.Query(ctx, `select * from posts order by id`)
		require.NoError(t, err)
		_, err = sqlt.ScanAll[fx.Post](rows)
		assert.ErrorIs(t, err, sqlt.ErrUnmappedResultColumn, "the application's query: 500")
		assert.NotErrorIs(t, err, sqlt.ErrUnknownColumn)
		var uc *sqlt.UnmappedResultColumnError
		require.True(t, errors.As(err, &uc))
		assert.Equal(t, "views", uc.Column)
		assert.Equal(t, "fixture.Post", uc.Type)
	})
}

package query_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

var (
	chapComments = rel.HasMany[Post, Comment]().Chaperone(CommentPost)
	chapPhone    = rel.HasOne[User, Phone]().Chaperone(PhoneUser).WithDefault()
)

// DatabaseEloquentInverseRelationHasManyTest::…WhenLazyLoaded: the rows
// read through a relation with a chaperone point at the parent passed in,
// with no statement added; a WithDefault value too.
func TestChaperoneReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		post, err := query.From[Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		db.Counter.Reset()

		cs, err := query.GetMany(ctx, db, chapComments, &post)
		require.NoError(t, err)
		require.Len(t, cs, 3)
		for i := range cs {
			assert.Same(t, &post, cs[i].Post)
		}
		c, err := query.Related(chapComments, &post).OrderBy("id").First(ctx, db)
		require.NoError(t, err)
		assert.Same(t, &post, c.Post)
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())

		us, err := query.From[User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		phone, err := query.GetOne(ctx, db, chapPhone, &us[0])
		require.NoError(t, err)
		assert.Same(t, &us[0], phone.User)
		none, err := query.GetOne(ctx, db, chapPhone, &us[2])
		require.NoError(t, err)
		assert.Zero(t, none.ID, "cy has no phone: the default")
		assert.Same(t, &us[2], none.User)
	})
}

// …WhenMakingMany, CreatingMany, SavingMany, UpdatingMany: the rows
// written through the relation point at the parent.
func TestChaperoneWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		post, err := query.From[Post]().Find(ctx, db, 2)
		require.NoError(t, err)
		q := query.Related(chapComments, &post)

		c, err := q.Create(ctx, db, Comment{Content: "new"})
		require.NoError(t, err)
		assert.Same(t, &post, c.Post)
		many, err := q.CreateMany(ctx, db, []Comment{{Content: "a"}, {Content: "b"}})
		require.NoError(t, err)
		for i := range many {
			assert.Same(t, &post, many[i].Post)
		}
		made, err := q.FirstOrNew(ctx, db, map[string]any{"content": "unsaved"})
		require.NoError(t, err)
		assert.Same(t, &post, made.Post)

		// Saving existing comments of another post moves them here.
		others, err := query.Related(PostComments, &Post{ID: 1}).Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, q.SaveMany(ctx, db, others))
		for i := range others {
			assert.Same(t, &post, others[i].Post)
			assert.Equal(t, int64(2), others[i].PostID)
		}
		n, err := q.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(7), n)
	})
}

package rel_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestAssociateDissociate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		posts := query.From[fixture.Post]()
		bob, err := query.From[fixture.User]().Find(ctx, db, 2)
		require.NoError(t, err)

		t.Run("associate a model, then save", func(t *testing.T) {
			post, err := posts.Find(ctx, db, 4) // the orphan
			require.NoError(t, err)
			require.Nil(t, post.UserID)
			db.Counter.Reset()
			require.NoError(t, fixture.PostAuthor.Associate(&post, &bob))
			assert.Zero(t, db.Counter.Count(), "associate does not write")
			require.NotNil(t, post.UserID)
			assert.Equal(t, int64(2), *post.UserID)
			assert.Same(t, &bob, post.Author, "the owner is stored in the destination field")

			stored, err := posts.Find(ctx, db, 4)
			require.NoError(t, err)
			assert.Nil(t, stored.UserID, "nothing saved yet")

			require.NoError(t, posts.Update(ctx, db, &post))
			stored, err = posts.Find(ctx, db, 4)
			require.NoError(t, err)
			require.NotNil(t, stored.UserID)
			assert.Equal(t, int64(2), *stored.UserID)
			author, err := query.GetOne(ctx, db, fixture.PostAuthor, &stored)
			require.NoError(t, err)
			assert.Equal(t, "bob", author.Name)
		})

		t.Run("dissociate a nullable foreign key, then save: NULL", func(t *testing.T) {
			post, err := posts.Find(ctx, db, 1)
			require.NoError(t, err)
			post.Author = &fixture.User{ID: 1}
			require.NoError(t, fixture.PostAuthor.Dissociate(&post))
			assert.Nil(t, post.UserID)
			assert.Nil(t, post.Author, "the loaded owner is cleared")
			require.NoError(t, posts.Update(ctx, db, &post))
			n, err := posts.WhereNull("user_id").Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, int64(1), n, "post 1 is NULL now (post 4 was associated above)")
			stored, err := posts.Find(ctx, db, 1)
			require.NoError(t, err)
			assert.Nil(t, stored.UserID)
			db.Counter.Reset()
			author, err := query.GetOne(ctx, db, fixture.PostAuthor, &stored)
			require.NoError(t, err)
			assert.Nil(t, author)
			assert.Zero(t, db.Counter.Count())
		})

		t.Run("associate by key", func(t *testing.T) {
			post, err := posts.Find(ctx, db, 3)
			require.NoError(t, err)
			post.Author = &bob
			require.NoError(t, fixture.PostAuthor.AssociateKey(&post, 1))
			require.NotNil(t, post.UserID)
			assert.Equal(t, int64(1), *post.UserID)
			assert.Nil(t, post.Author, "an id alone unsets the loaded owner")
			require.NoError(t, posts.Save(ctx, db, &post))
			n, err := query.Related(fixture.UserPosts, &fixture.User{ID: 1}).Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, int64(2), n, "posts 2 and 3 (post 1 was dissociated)")
		})

		t.Run("non-nullable foreign key: the zero value", func(t *testing.T) {
			c := fixture.Comment{ID: 9, PostID: 1, Post: &fixture.Post{ID: 1}}
			require.NoError(t, fixture.CommentPost.Dissociate(&c))
			assert.Zero(t, c.PostID)
			assert.Nil(t, c.Post)
		})

		t.Run("custom owner key", func(t *testing.T) {
			seedCustom(t, db)
			notes := query.From[Note]()
			note, err := notes.Find(ctx, db, 4)
			require.NoError(t, err)
			deep, err := query.From[Article]().Where(sq.Eq{"slug": "deep"}).First(ctx, db)
			require.NoError(t, err)
			require.NoError(t, NoteArticle.Associate(&note, &deep))
			require.NotNil(t, note.ArticleSlug)
			assert.Equal(t, "deep", *note.ArticleSlug)
			assert.Same(t, &deep, note.Article)
			require.NoError(t, notes.Update(ctx, db, &note))
			got, err := query.GetMany(ctx, db, ArticleNotes, &deep)
			require.NoError(t, err)
			assert.Len(t, got, 2)

			require.NoError(t, NoteArticle.Dissociate(&note))
			require.NoError(t, notes.Update(ctx, db, &note))
			got, err = query.GetMany(ctx, db, ArticleNotes, &deep)
			require.NoError(t, err)
			assert.Len(t, got, 1)

			// int owner key into an int64 foreign key.
			book := Book{ID: 3, ShelfID: 99, Title: "lost"}
			require.NoError(t, BookShelf.Associate(&book, &Shelf{ID: 2, Name: "empty"}))
			assert.Equal(t, int64(2), book.ShelfID)
			require.NoError(t, query.From[Book]().Update(ctx, db, &book))
			shelf, err := query.GetOne(ctx, db, BookShelf, &book)
			require.NoError(t, err)
			assert.Equal(t, "empty", shelf.Name)
		})

		t.Run("bad input", func(t *testing.T) {
			post := fixture.Post{ID: 2}
			assert.ErrorIs(t, fixture.PostAuthor.Associate(nil, &bob), sqlt.ErrNilValue)
			assert.ErrorIs(t, fixture.PostAuthor.Associate(&post, nil), sqlt.ErrNilValue)
			assert.ErrorIs(t, fixture.PostAuthor.Dissociate(nil), sqlt.ErrNilValue)
			assert.ErrorIs(t, fixture.PostAuthor.AssociateKey(&post, "two"), rel.ErrUnsupportedKey)
			assert.ErrorIs(t, fixture.PostAuthor.AssociateKey(&post, 2.5), rel.ErrUnsupportedKey)
			assert.Nil(t, post.UserID, "a failed associate leaves the key alone")
			broken := rel.BelongsTo[fixture.Post, fixture.User]("user_id; --")
			assert.ErrorIs(t, broken.Associate(&post, &bob), sqlt.ErrInvalidIdentifier)
			assert.ErrorIs(t, broken.Dissociate(&post), sqlt.ErrInvalidIdentifier)
		})
	})
}

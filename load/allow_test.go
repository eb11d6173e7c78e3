package load_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// postIncludes is what a service serving posts would allow for ?include=.
var postIncludes = load.Allow[Post]("author.phone", "comments:id,content", "comments.images")

// refused asserts that loading paths through allow fails with want, as a
// *PathError naming path, before any statement and without touching ps.
func refused(t *testing.T, db *testdb.DB, allow load.Allowed[Post], ps []Post, want error, path string, paths ...string) {
	t.Helper()
	db.Counter.Reset()
	before := append([]Post(nil), ps...)
	err := allow.Load(context.Background(), db, ps, paths...)
	require.Error(t, err)
	assert.ErrorIs(t, err, want)
	var pe *load.PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, path, pe.Path)
	assert.Contains(t, err.Error(), path)
	_, perr := allow.Parse(paths...)
	assert.ErrorIs(t, perr, want)
	assert.Equal(t, 0, db.Counter.Count(), "refused before any statement: %s", db.Counter)
	assert.Equal(t, before, ps)
}

func TestAllowedPathsRefuseAWalkOfTheRelationGraph(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		ps := posts(t, db)
		walk := "author.posts.comments.post.author.posts.comments.post.author.posts.comments.post"
		// An allowed path next to the walk: nothing runs at all.
		refused(t, db, postIncludes, ps, load.ErrNotAllowed, walk, "comments", walk)
		refused(t, db, postIncludes, ps, load.ErrNotAllowed, "author.posts", "author", "author.posts")
		refused(t, db, postIncludes, ps, load.ErrNotAllowed, "comments.post", "comments.post")
		// An unlisted name is refused before it is looked up: the error
		// does not list the relations that exist.
		refused(t, db, postIncludes, ps, load.ErrNotAllowed, "nope", "nope")
		err := postIncludes.Load(context.Background(), db, ps, "nope")
		assert.NotErrorIs(t, err, rel.ErrUnknownRelation)
		assert.NotContains(t, err.Error(), "comments")
		// The zero value allows nothing.
		refused(t, db, load.Allowed[Post]{}, ps, load.ErrNotAllowed, "author", "author")
	})
}

func TestAllowedPathsAndTheirPrefixesLoad(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ps := posts(t, db)

		require.NoError(t, postIncludes.Load(ctx, db, ps, "author.phone", "comments.images"))
		assert.Equal(t, 4, db.Counter.Count(), db.Counter.String())
		require.NotNil(t, ps[0].Author)
		assert.Equal(t, "ann", ps[0].Author.Name)
		assert.Equal(t, "555-0101", ps[0].Author.Phone.Number)
		require.Len(t, ps[0].Comments, 3)
		assert.Len(t, ps[0].Comments[0].Images, 2)
		// comments is listed with columns: they hold on the way to images.
		assert.Equal(t, "code is fun", ps[0].Comments[0].Content)
		assert.Zero(t, ps[0].Comments[0].Votes, "not an allowed column")
		for _, st := range db.Counter.Statements() {
			if strings.Contains(st, `from "comments"`) {
				assert.NotContains(t, st, `"votes"`)
			}
		}

		// Prefixes of listed paths, one statement each.
		ps = posts(t, db)
		require.NoError(t, postIncludes.Load(ctx, db, &ps, "author", "comments"))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, "bob", ps[2].Author.Name)
		assert.Nil(t, ps[0].Author.Phone, "phone not asked for")
		assert.Len(t, ps[0].Comments, 3)

		// A subset of the allowed columns; keys are added as in Paths.
		ps = posts(t, db)
		require.NoError(t, postIncludes.Load(ctx, db, ps, "comments:content"))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `select "comments"."content", "comments"."post_id" from "comments"`)
		assert.Equal(t, "code is fun", ps[0].Comments[0].Content)

		// From a query, through Parse.
		db.Counter.Reset()
		l, err := postIncludes.Parse("author", "comments.images")
		require.NoError(t, err)
		got, err := query.From[Post]().With(l).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 4, db.Counter.Count(), db.Counter.String())
		assert.Len(t, got[0].Comments[0].Images, 2)
		assert.Equal(t, "ann", got[0].Author.Name)

		// An allow-list is not bound by MaxPathDepth: it is its own limit.
		deep := load.Allow[Post]("author.posts.comments.post.author")
		ps = posts(t, db)
		require.NoError(t, deep.Load(ctx, db, ps, "author.posts.comments.post.author"))
		assert.Equal(t, 5, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, "ann", ps[0].Author.Posts[0].Comments[0].Post.Author.Name)
	})
}

func TestAllowedPathsRefuseColumnsAndBadSyntax(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		ps := posts(t, db)
		for _, c := range []struct {
			path string
			want error
		}{
			{"comments:votes", load.ErrNotAllowed},
			{"comments:content,votes", load.ErrNotAllowed},
			{"comments.images:url", nil}, // allowed: checked below
			{"comments:nope", sqlt.ErrUnknownColumn},
			{"", sqlt.ErrInvalidIdentifier},
			{"author.", sqlt.ErrInvalidIdentifier},
			{"author..phone", sqlt.ErrInvalidIdentifier},
			{"author;drop table users", sqlt.ErrInvalidIdentifier},
			{"author:", sqlt.ErrInvalidIdentifier},
			{"comments:id;drop table comments", sqlt.ErrInvalidIdentifier},
			{"comments:id:content", sqlt.ErrInvalidIdentifier},
		} {
			t.Run(c.path, func(t *testing.T) {
				if c.want == nil {
					db.Counter.Reset()
					require.NoError(t, postIncludes.Load(context.Background(), db, ps, c.path))
					assert.Equal(t, 2, db.Counter.Count())
					return
				}
				refused(t, db, postIncludes, ps, c.want, c.path, "author", c.path)
			})
		}
		// A malformed entry fails every call; a listed name that is not a
		// relation fails as in Paths.
		bad := load.Allow[Post]("author", "comments:")
		refused(t, db, bad, ps, sqlt.ErrInvalidIdentifier, "comments:", "author")
		refused(t, db, load.Allow[Post]("nope"), ps, rel.ErrUnknownRelation, "nope", "nope")
	})
}

func TestPathsRefuseMoreThanMaxPathDepth(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)
		ps := posts(t, db)

		deep := "author.posts.comments.post.author"
		err := load.Paths(ctx, db, ps, "comments", deep)
		require.ErrorIs(t, err, load.ErrTooDeep)
		var pe *load.PathError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, deep, pe.Path)
		_, err = query.From[Post]().With(load.PathsLoader[Post](deep+":id")).Get(ctx, db)
		assert.ErrorIs(t, err, load.ErrTooDeep)
		assert.Equal(t, 1, db.Counter.Count(), "only the main statement: %s", db.Counter)
		assert.Nil(t, ps[0].Author)

		// MaxPathDepth relations load.
		db.Counter.Reset()
		require.Equal(t, 4, load.MaxPathDepth)
		require.NoError(t, load.Paths(ctx, db, us, "posts.comments.post.author"))
		assert.Equal(t, 4, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, "ann", us[0].Posts[0].Comments[0].Post.Author.Name)
	})
}

// A client's megabyte path is refused before any statement with an error
// that quotes only its beginning, so that it cannot flood a log.
func TestAllowedPathsErrorsOfHugePathsStaySmall(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		ps := posts(t, db)
		for _, path := range []string{
			"author." + strings.Repeat("x", 1<<20),
			"comments:" + strings.Repeat("content,", 1<<17),
			strings.Repeat("é", 1<<19),
		} {
			db.Counter.Reset()
			err := postIncludes.Load(context.Background(), db, ps, path)
			require.Error(t, err)
			var pe *load.PathError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, path, pe.Path, "the error keeps the whole path")
			assert.Less(t, len(err.Error()), 2048, "the message quotes only the start: %.300s", err.Error())
			assert.True(t, utf8.ValidString(err.Error()))
			assert.Zero(t, db.Counter.Count())
		}
	})
}

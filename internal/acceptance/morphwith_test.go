package acceptance_test

// Per-type loads below a morphTo (CONTRACT-ELOQUENT §17 "Eager"):
// load.Morph with load.On[T], after Laravel's EloquentMorphEagerLoadingTest,
// EloquentMorphLazyEagerLoadingTest, EloquentMorphConstrainTest,
// EloquentMorphCountEagerLoadingTest and EloquentMorphCountLazyEagerLoadingTest.
// The fixture's comments 1, 2 and 4 point at posts 1, 1 and 2, comment 3
// at video 1, and comments 5 and 6 (replies) at comment 1.

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	mo "github.com/relkit/relkit/internal/fixture/morph"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Laravel: EloquentMorphEagerLoadingTest (testWithMorphLoading,
// testWithMorphLoadingWithSingleRelation): morphWith([Post::class =>
// ['user']]) loads the posts' relation, the other types plainly.
func TestMorphWithEager(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable,
			load.On[mo.Post](mo.PostImage, load.Columns(mo.PostTags, "name")),
			load.On[mo.Video](),
		)))
		// posts, their image, their tags; videos; comments (no On: plain).
		require.Equal(t, 5, db.Counter.Count(), db.Counter.Statements())
		assert.Contains(t, stmt(db, 0), ` from "posts" where "posts"."id" `)
		assert.Contains(t, stmt(db, 1), ` from "images" `)
		assert.Contains(t, stmt(db, 2), ` from "tags" `)
		assert.Contains(t, stmt(db, 3), ` from "videos" `)
		assert.Contains(t, stmt(db, 4), ` from "comments" `)

		require.NotNil(t, cs[0].Post)
		require.NotNil(t, cs[0].Post.Image)
		assert.Equal(t, "p1.png", cs[0].Post.Image.URL)
		assert.ElementsMatch(t, []string{"go", "sql"}, tagNames(cs[0].Post.Tags))
		assert.Same(t, cs[0].Post, cs[1].Post, "comments of one post share its row")
		require.NotNil(t, cs[3].Post)
		assert.Nil(t, cs[3].Post.Image, "post 2 has no image")
		assert.Equal(t, []string{"sql"}, tagNames(cs[3].Post.Tags))
		require.NotNil(t, cs[2].Video)
		assert.Nil(t, cs[2].Video.Image, "no On relation for videos: not loaded")
		assert.Nil(t, cs[2].Video.Tags)
		require.NotNil(t, cs[4].Parent)
		assert.Equal(t, "p1a", cs[4].Parent.Body)
		assert.Nil(t, cs[4].Parent.Replies, "plain target")

		// One relation given alone (testWithMorphLoadingWithSingleRelation),
		// through a query's loader.
		db.Counter.Reset()
		got, err := query.From[mo.Comment]().OrderBy("id").With(load.Eager(load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostImage)))).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 5, db.Counter.Count(), "comments, posts, images, videos, comments")
		require.NotNil(t, got[0].Post.Image)
		assert.Equal(t, "p1.png", got[0].Post.Image.URL)
	})
}

// A nested chain per type runs one statement per level, over that type's
// targets only; the types without parents run nothing.
func TestMorphWithNestedLevels(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs, err := query.From[mo.Comment]().Where(sq.Eq{"commentable_type": "post"}).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable,
			load.On[mo.Post](load.Nested(mo.PostComments, mo.CommentReplies)),
			load.On[mo.Video](mo.VideoTags),
			load.On[mo.Comment](mo.CommentReplies),
		)))
		// posts, their comments, those comments' replies; no video or
		// comment parent: nothing for them.
		require.Equal(t, 3, db.Counter.Count(), db.Counter.Statements())
		assert.Contains(t, stmt(db, 1), ` from "comments" where `)
		assert.Contains(t, stmt(db, 1), `"comments"."commentable_type" = ?`)
		p1 := cs[0].Post
		require.NotNil(t, p1)
		require.Len(t, p1.Comments, 2)
		assert.ElementsMatch(t, []string{"r1", "r2"}, bodies(p1.Comments[0].Replies))
		assert.Empty(t, p1.Comments[1].Replies)
		assert.Equal(t, []string{"p2a"}, bodies(cs[2].Post.Comments))
	})
}

// Laravel: EloquentMorphConstrainTest (testMorphConstraints): each type's
// statement gets its own constraint; a target filtered out is nil. The
// morphTo's own Where applies as well.
func TestMorphConstrain(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		db.MustExec(t, `insert into comments (commentable_type, commentable_id, body) values ('video', 2, 'v2a')`)
		cs := commentsByID(t, ctx, db)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable,
			load.On[mo.Post]().Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
				return q.Where(sq.Eq{"title": "First post"})
			}),
			load.On[mo.Video]().Where(func(q *query.Query[mo.Video]) *query.Query[mo.Video] {
				return q.Where(sq.Eq{"title": "Second video"})
			}),
		)))
		require.Equal(t, 3, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` from "posts" where "posts"."id" `)
		assert.Contains(t, stmt(db, 0), `(title = ?)`)
		require.NotNil(t, cs[0].Post)
		assert.Equal(t, "First post", cs[0].Post.Title)
		assert.Nil(t, cs[3].Post, "post 2 is filtered out")
		assert.Nil(t, cs[2].Video, "video 1 is filtered out")
		require.NotNil(t, cs[6].Video)
		assert.Equal(t, "Second video", cs[6].Video.Title)
		require.NotNil(t, cs[4].Parent, "no constraint for comments")

		// With the morphTo's own Where: both apply.
		onlyFirst := mo.CommentCommentable.Where(sq.Like{"title": "First%"})
		cs, err := query.From[mo.Comment]().Where(sq.NotEq{"commentable_type": "comments"}).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Morph(onlyFirst,
			load.On[mo.Video]().Where(func(q *query.Query[mo.Video]) *query.Query[mo.Video] {
				return q.Where(sq.Eq{"title": "Second video"})
			}),
			load.On[mo.Post](),
		)))
		assert.Equal(t, 2, db.Counter.Count(), "posts and videos (comments have no title: none of their type here)")
		assert.Contains(t, stmt(db, 1), `where title LIKE ? and "videos"."id" `, "the morphTo's Where")
		assert.Contains(t, stmt(db, 1), ` and (title = ?)`, "the On's")
		assert.NotNil(t, cs[0].Post)
		assert.Nil(t, cs[3].Post, "Second post: the morphTo's Where")
		assert.Nil(t, cs[2].Video, "First video: the On's Where")
		assert.Nil(t, cs[4].Video, "Second video: the morphTo's Where")
		assert.Equal(t, "v2a", cs[4].Body)
	})
}

// Laravel: EloquentMorphCountEagerLoadingTest (testWithMorphCountLoading):
// an aggregate applied in a type's constraint is read by that type's one
// statement; the other types' counts stay zero.
func TestMorphWithCount(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs, err := query.From[mo.Comment]().Where(sq.NotEq{"commentable_type": "comments"}).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable,
			load.On[mo.Post]().Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
				return q.Apply(agg.WithCount(mo.PostComments))
			}),
		)))
		require.Equal(t, 2, db.Counter.Count(), "one statement per type, the count inside the posts'")
		assert.Contains(t, stmt(db, 0), `count(*)`)
		assert.Contains(t, stmt(db, 0), `comments_count`)
		assert.Equal(t, int64(2), cs[0].Post.CommentsCount)
		assert.Equal(t, int64(1), cs[3].Post.CommentsCount)
		require.NotNil(t, cs[2].Video)
		assert.Zero(t, cs[2].Video.CommentsCount, "no count asked for videos")

		// Counts and a nested load on both types, still one statement per
		// type and level.
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable,
			load.On[mo.Post](mo.PostTags).Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
				return q.Apply(agg.WithCount(mo.PostComments))
			}),
			load.On[mo.Video]().Where(func(q *query.Query[mo.Video]) *query.Query[mo.Video] {
				return q.Apply(agg.WithCount(mo.VideoComments), agg.WithCount(mo.VideoTags))
			}),
		)))
		require.Equal(t, 3, db.Counter.Count())
		assert.Equal(t, int64(2), cs[0].Post.CommentsCount)
		assert.ElementsMatch(t, []string{"go", "sql"}, tagNames(cs[0].Post.Tags))
		assert.Equal(t, int64(1), cs[2].Video.CommentsCount)
		assert.Equal(t, int64(2), cs[2].Video.TagsCount)
	})
}

// Laravel: EloquentMorphLazyEagerLoadingTest and
// EloquentMorphCountLazyEagerLoadingTest (loadMorph, loadMorphCount on a
// fetched comment): the same spec on fetched rows; load.Missing keeps the
// targets already loaded and loads only what they miss.
func TestMorphLazy(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		c, err := query.From[mo.Comment]().OrderBy("id").First(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, &c, load.Morph(mo.CommentCommentable,
			load.On[mo.Post](mo.PostImage).Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
				return q.Apply(agg.WithCount(mo.PostComments))
			}),
		)))
		require.Equal(t, 2, db.Counter.Count())
		require.NotNil(t, c.Post)
		assert.Equal(t, int64(2), c.Post.CommentsCount)
		require.NotNil(t, c.Post.Image)

		// Refresh takes the spec too.
		c.Post = nil
		db.Counter.Reset()
		require.NoError(t, load.Refresh(ctx, db, &c, load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostTags))))
		assert.Equal(t, 3, db.Counter.Count(), "the comment, its post, the post's tags")
		assert.ElementsMatch(t, []string{"go", "sql"}, tagNames(c.Post.Tags))

		// Missing: targets loaded plainly first are kept, and their
		// relations loaded, one statement per type and level.
		cs := commentsByID(t, ctx, db)
		require.NoError(t, load.With(ctx, db, cs, mo.CommentCommentable))
		p1, v1 := cs[0].Post, cs[2].Video
		db.Counter.Reset()
		spec := load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostImage), load.On[mo.Video](mo.VideoTags))
		require.NoError(t, load.Missing(ctx, db, cs, spec))
		require.Equal(t, 2, db.Counter.Count(), "images of the posts, tags of the video; no target read again")
		assert.Contains(t, stmt(db, 0), ` from "images" `)
		assert.Same(t, p1, cs[0].Post, "the loaded post is kept")
		assert.Same(t, v1, cs[2].Video)
		require.NotNil(t, cs[0].Post.Image)
		assert.Equal(t, "p1.png", cs[0].Post.Image.URL)
		assert.ElementsMatch(t, []string{"go", "video-only"}, tagNames(cs[2].Video.Tags))
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, cs, spec))
		require.Equal(t, 1, db.Counter.Count(), "only post 2's image, nil, is asked again (Missing's rule)")
		assert.Contains(t, stmt(db, 0), ` from "images" `)
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostTags))))
		require.Equal(t, 1, db.Counter.Count(), "the posts' tags")
		require.NoError(t, load.Missing(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostTags))))
		assert.Equal(t, 1, db.Counter.Count(), "everything is loaded: nothing more")

		// Missing on rows whose targets are not loaded reads them, with
		// the On's constraint, and their relations.
		cs = commentsByID(t, ctx, db)
		cs[2].Video = &mo.Video{ID: 1, Title: "kept"}
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, cs, load.Morph(mo.CommentCommentable,
			load.On[mo.Post](mo.PostImage).Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
				return q.Apply(agg.WithCount(mo.PostComments))
			}),
			load.On[mo.Video](mo.VideoTags),
		)))
		// posts (with counts), images, the kept video's tags, comments.
		require.Equal(t, 4, db.Counter.Count(), db.Counter.Statements())
		assert.Equal(t, int64(2), cs[0].Post.CommentsCount)
		assert.Equal(t, "kept", cs[2].Video.Title)
		assert.ElementsMatch(t, []string{"go", "video-only"}, tagNames(cs[2].Video.Tags))
		assert.NotNil(t, cs[4].Parent)
	})
}

// A Morph below another relation, and the morphTo's columns read when the
// level above chooses its columns.
func TestMorphWithUnderRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		ps, err := query.From[mo.Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, ps, load.Nested(load.Columns(mo.PostComments, "body"),
			load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostImage)))))
		require.Equal(t, 3, db.Counter.Count(), "comments, their posts, those posts' images")
		require.Len(t, ps[0].Comments, 2)
		back := ps[0].Comments[0].Post
		require.NotNil(t, back)
		assert.Equal(t, int64(1), back.ID)
		require.NotNil(t, back.Image)
		assert.Equal(t, "p1.png", back.Image.URL)
		assert.Empty(t, ps[2].Comments)

		// A plain morphTo below a relation (it used to reach the
		// belongsTo loader, which has no related table for it).
		cs, err := query.From[mo.Comment]().Where(sq.Eq{"id": 5}).Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, mo.CommentTarget))
		require.NoError(t, load.With(ctx, db, ps, load.Nested(mo.PostComments, mo.CommentCommentable)))
		assert.Equal(t, 3, db.Counter.Count(), "the reply's parent; the posts' comments, their posts")
		assert.Equal(t, "p1a", cs[0].Target.(*mo.Comment).Body)
		assert.Same(t, ps[0].Comments[0].Post, ps[0].Comments[1].Post)
		assert.Nil(t, ps[0].Comments[0].Post.Image, "no Morph: plain")

		// Missing below a relation.
		ps, err = query.From[mo.Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, ps, load.Nested(mo.PostComments, load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostImage)))))
		require.Equal(t, 3, db.Counter.Count())
		assert.Nil(t, ps[1].Comments[0].Post.Image, "post 2 has no image")
		assert.Equal(t, "p1.png", ps[0].Comments[1].Post.Image.URL)
	})
}

// The interface field (CommentTarget) takes per-type loads too, and
// specs for one morphTo merge: the targets are read once.
func TestMorphWithInterfaceAndMerge(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs,
			load.Morph(mo.CommentTarget, load.On[mo.Post](mo.PostImage)),
			load.Morph(mo.CommentTarget, load.On[mo.Post](mo.PostTags), load.On[mo.Video](mo.VideoImage)),
		))
		// posts, images, tags; videos, their images; comments.
		require.Equal(t, 6, db.Counter.Count(), db.Counter.Statements())
		p, ok := cs[0].Target.(*mo.Post)
		require.True(t, ok, "%T", cs[0].Target)
		require.NotNil(t, p.Image)
		assert.ElementsMatch(t, []string{"go", "sql"}, tagNames(p.Tags))
		v, ok := cs[2].Target.(*mo.Video)
		require.True(t, ok, "%T", cs[2].Target)
		require.NotNil(t, v.Image)
		assert.Equal(t, "v1.png", v.Image.URL)
		assert.Nil(t, cs[0].Post, "the typed fields are left alone")

		// Missing through the interface field: kept, then descended into.
		cs = commentsByID(t, ctx, db)
		require.NoError(t, load.With(ctx, db, cs, mo.CommentTarget))
		kept := cs[0].Target
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, cs, load.Morph(mo.CommentTarget, load.On[mo.Post](mo.PostImage))))
		assert.Equal(t, 1, db.Counter.Count(), "the posts' images only")
		assert.Same(t, kept.(*mo.Post), cs[0].Target.(*mo.Post))
		assert.NotNil(t, cs[0].Target.(*mo.Post).Image)
	})
}

// A chaperone below a target sets its back-reference where the target
// ended up.
func TestMorphWithChaperone(t *testing.T) {
	commentsBack := mo.PostComments.ChaperoneFunc(func(c *mo.Comment, p *mo.Post) { c.Post = p })
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)
		require.NoError(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post](commentsBack))))
		p := cs[3].Post
		require.NotNil(t, p)
		require.Len(t, p.Comments, 1)
		assert.Same(t, p, p.Comments[0].Post)
		cs = commentsByID(t, ctx, db)
		require.NoError(t, load.Missing(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post](commentsBack))))
		p = cs[0].Post
		require.Len(t, p.Comments, 2)
		assert.Same(t, p, p.Comments[1].Post)
	})
}

// Bad per-type specs are refused before any statement, and nothing is
// written.
func TestMorphWithErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)
		for name, spec := range map[string]load.Of[mo.Comment]{
			"not a target":                       load.Morph(mo.CommentCommentable, load.On[mo.Tag](mo.TagPosts)),
			"not a target of the interface form": load.Morph(mo.CommentTarget, load.On[mo.Image]()),
			"a chain that does not fit":          load.Morph(mo.CommentCommentable, load.On[mo.Post](load.Nested(mo.PostComments, mo.PostImage))),
		} {
			db.Counter.Reset()
			err := load.With(ctx, db, cs, spec)
			assert.ErrorIs(t, err, rel.ErrBadRelation, name)
			err = load.Missing(ctx, db, cs, spec)
			assert.ErrorIs(t, err, rel.ErrBadRelation, name)
			assert.Equal(t, 0, db.Counter.Count(), name)
		}
		err := load.With(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Tag]()))
		assert.ErrorContains(t, err, "Tag is not a target of")

		db.Counter.Reset()
		err = load.With(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post]().Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
			return q.Limit(1)
		})))
		assert.ErrorIs(t, err, query.ErrBadArgument, "a limit on a target, which is a belongsTo")
		err = load.With(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post]().Where(nil)))
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		err = load.With(ctx, db, cs, load.Morph(mo.CommentCommentable, nil))
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		err = load.With(ctx, db, cs, load.Morph(rel.MorphToRelation[mo.Comment]{}))
		assert.ErrorIs(t, err, rel.ErrBadRelation, "a zero morphTo")
		assert.ErrorIs(t, load.Paths(ctx, db, cs, "commentable.image"), rel.ErrBadRelation)
		assert.Equal(t, 0, db.Counter.Count())
		for _, c := range cs {
			assert.Nil(t, c.Post)
			assert.Nil(t, c.Video)
		}

		// An unknown type fails the load with the per-type specs too.
		db.MustExec(t, `insert into comments (commentable_type, commentable_id, body) values ('photo', 1, 'stray')`)
		cs = commentsByID(t, ctx, db)
		db.Counter.Reset()
		assert.ErrorIs(t, load.With(ctx, db, cs, load.Morph(mo.CommentCommentable, load.On[mo.Post](mo.PostImage))), rel.ErrUnknownMorphType)
		assert.ErrorIs(t, load.Missing(ctx, db, cs, load.Morph(mo.CommentCommentable)), rel.ErrUnknownMorphType)
		assert.Equal(t, 0, db.Counter.Count())
	})
}

package acceptance_test

// Polymorphic relations of one parent type (CONTRACT-ELOQUENT §17):
// morphOne/morphMany, morphToMany/morphedByMany, after Laravel's
// EloquentMorphManyTest, EloquentMorphOneIsTest, EloquentMorphToManyTest,
// DatabaseEloquentMorphTest and DatabaseEloquentMorphToManyTest. Posts
// and videos share ids: every statement must keep post 1's rows and
// video 1's apart.

import (
	"context"
	"regexp"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	mo "github.com/relkit/relkit/internal/fixture/morph"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
)

func bodies(cs []mo.Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Body
	}
	return out
}

func tagNames(ts []mo.Tag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// stmt is the i-th statement counted, with PostgreSQL's placeholders
// written as "?".
func stmt(db *testdb.DB, i int) string {
	return regexp.MustCompile(`\$\d+`).ReplaceAllString(db.Counter.Statements()[i], "?")
}

func byID[T any](q *query.Query[T]) *query.Query[T] { return q.OrderBy("id") }

// Laravel: DatabaseEloquentMorphTest (testMorphManySetsProperConstraints,
// testMorphManyEagerConstraintsAreProperlyAdded), EloquentMorphManyTest.
func TestMorphManyReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)

		got, err := query.GetMany(ctx, db, mo.PostComments, &mo.Post{ID: 1})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"p1a", "p1b"}, bodies(got), "post 1's comments, not video 1's")
		assert.Contains(t, stmt(db, 0), ` from "comments" where "comments"."commentable_id" = ? and "comments"."commentable_id" is not null and "comments"."commentable_type" = ?`)
		got, err = query.GetMany(ctx, db, mo.VideoComments, &mo.Video{ID: 1})
		require.NoError(t, err)
		assert.Equal(t, []string{"v1a"}, bodies(got), "the MorphClass method's alias")
		got, err = query.GetMany(ctx, db, mo.CommentReplies, &mo.Comment{ID: 1})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"r1", "r2"}, bodies(got), "the table name, by default")
		img, err := query.GetOne(ctx, db, mo.VideoImage, &mo.Video{ID: 1})
		require.NoError(t, err)
		require.NotNil(t, img)
		assert.Equal(t, "v1.png", img.URL)

		// Eager: one statement per relation, the type after the key list.
		posts := []mo.Post{{ID: 1}, {ID: 2}, {ID: 3}}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, posts, load.Where(mo.PostComments, byID), mo.PostImage))
		require.Equal(t, 2, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` and "comments"."commentable_type" = ? order by`)
		assert.Equal(t, []string{"p1a", "p1b"}, bodies(posts[0].Comments))
		assert.Equal(t, []string{"p2a"}, bodies(posts[1].Comments))
		assert.Empty(t, posts[2].Comments)
		require.NotNil(t, posts[0].Image)
		assert.Equal(t, "p1.png", posts[0].Image.URL)
		assert.Nil(t, posts[1].Image)

		// Nested, through the registry: post comments' replies.
		posts = []mo.Post{{ID: 1}}
		require.NoError(t, load.Paths(ctx, db, posts, "comments.replies"))
		require.Len(t, posts[0].Comments, 2)
		for _, c := range posts[0].Comments {
			if c.ID == 1 {
				assert.ElementsMatch(t, []string{"r1", "r2"}, bodies(c.Replies))
			} else {
				assert.Empty(t, c.Replies)
			}
		}

		// A per-parent limit (§14) keeps the type in the window's statement.
		posts = []mo.Post{{ID: 1}, {ID: 2}}
		videos := []mo.Video{{ID: 1}}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, posts, load.Where(mo.PostComments, func(q *query.Query[mo.Comment]) *query.Query[mo.Comment] {
			return q.OrderByDesc("id").Limit(1)
		})))
		require.NoError(t, load.With(ctx, db, videos, load.Where(mo.VideoComments, func(q *query.Query[mo.Comment]) *query.Query[mo.Comment] {
			return q.OrderByDesc("id").Limit(1)
		})))
		require.Equal(t, 2, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), `"comments"."commentable_type" = ?`)
		assert.Equal(t, []string{"p1b"}, bodies(posts[0].Comments))
		assert.Equal(t, []string{"p2a"}, bodies(posts[1].Comments))
		assert.Equal(t, []string{"v1a"}, bodies(videos[0].Comments))
	})
}

// Laravel: EloquentMorphManyTest (testSelfReferencingExistenceQuery),
// DatabaseEloquentMorphTest's existence and count queries.
func TestMorphManyExistenceAndAggregates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)

		ids := func(ps []mo.Post) []int64 {
			var out []int64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		ps, err := query.From[mo.Post]().Where(query.Has(mo.PostComments, ">=", 2)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, ids(ps))
		assert.Contains(t, stmt(db, 0), `where "posts"."id" = "comments"."commentable_id" and "comments"."commentable_type" = ?`)
		vs, err := query.From[mo.Video]().Where(query.Has(mo.VideoComments)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, vs, 1, "video 2 shares no comment with post 2")
		assert.Equal(t, int64(1), vs[0].ID)
		ps, err = query.From[mo.Post]().Where(query.WhereHas(mo.PostComments, func(q *query.Query[mo.Comment]) *query.Query[mo.Comment] {
			return q.Where(query.Has(mo.CommentReplies))
		})).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, ids(ps), "nested, through a self relation")

		// The self relation qualifies its type column with the alias.
		db.Counter.Reset()
		cs, err := query.From[mo.Comment]().Where(query.Has(mo.CommentReplies)).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"p1a"}, bodies(cs))
		assert.Contains(t, stmt(db, 0), `from "comments" as "relkit_reserved_0" where "comments"."id" = "relkit_reserved_0"."commentable_id" and "relkit_reserved_0"."commentable_type" = ?`)

		// Aggregates: a column, and loaded afterwards.
		ps, err = query.From[mo.Post]().Apply(agg.WithCount(mo.PostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ps, 3)
		assert.Equal(t, []int64{2, 1, 0}, []int64{ps[0].CommentsCount, ps[1].CommentsCount, ps[2].CommentsCount})
		videos := []mo.Video{{ID: 1}, {ID: 2}}
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, videos, mo.VideoComments))
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), `"comments"."commentable_type" = ?`)
		assert.Equal(t, []int64{1, 0}, []int64{videos[0].CommentsCount, videos[1].CommentsCount})
	})
}

// Laravel: DatabaseEloquentMorphTest (testCreateFunctionOnMorph,
// testFindOrNewMethodReturnsNewModelWithMorphKeysSet,
// testFirstOrNewMethodReturnsNewModelWithMorphKeysSet, …).
func TestMorphManyWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		video := mo.Video{ID: 1}

		c, err := query.Related(mo.VideoComments, &video).Create(ctx, db, mo.Comment{Body: "v1b"})
		require.NoError(t, err)
		assert.Equal(t, "video", c.CommentableType)
		assert.Equal(t, int64(1), c.CommentableID)
		got, err := query.GetMany(ctx, db, mo.VideoComments, &video)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"v1a", "v1b"}, bodies(got))

		n, err := query.Related(mo.PostComments, &mo.Post{ID: 2}).FirstOrNew(ctx, db, map[string]any{"body": "new"})
		require.NoError(t, err)
		assert.Equal(t, mo.Comment{CommentableType: "post", CommentableID: 2, Body: "new"}, n, "a new instance with both columns set")
		n, err = query.Related(mo.PostComments, &mo.Post{ID: 2}).FindOrNew(ctx, db, 3)
		require.NoError(t, err)
		assert.Equal(t, mo.Comment{CommentableType: "post", CommentableID: 2}, n, "comment 3 is video 1's")

		// A scoped update or delete on post 1 leaves video 1's rows alone.
		_, err = query.Related(mo.PostComments, &mo.Post{ID: 1}).DeleteAll(ctx, db)
		require.NoError(t, err)
		got, err = query.GetMany(ctx, db, mo.VideoComments, &video)
		require.NoError(t, err)
		assert.Len(t, got, 2)

		// Push sets both columns of a new child.
		post := mo.Post{Title: "Pushed", Comments: []mo.Comment{{Body: "pushed"}}, Image: &mo.Image{URL: "x.png"}}
		require.NoError(t, query.Push(ctx, db, &post, mo.PostComments, mo.PostImage))
		assert.Equal(t, "post", post.Comments[0].CommentableType)
		assert.Equal(t, post.ID, post.Comments[0].CommentableID)
		assert.Equal(t, "post", post.Image.ImageableType)
		got, err = query.GetMany(ctx, db, mo.PostComments, &post)
		require.NoError(t, err)
		assert.Equal(t, []string{"pushed"}, bodies(got))

		// WithDefault carries both columns.
		d, err := query.GetOne(ctx, db, mo.PostImage.WithDefault(), &mo.Post{ID: 3})
		require.NoError(t, err)
		assert.Equal(t, mo.Image{ImageableType: "post", ImageableID: 3}, *d)
	})
}

// Laravel: DatabaseEloquentMorphToManyTest, EloquentMorphToManyTest.
func TestMorphToManyReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)

		tags, err := query.Related(mo.PostTags, &mo.Post{ID: 1}).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"go", "sql"}, tagNames(tags))
		assert.Contains(t, stmt(db, 0), `, "taggables"."taggable_id" as "pivot_taggable_id", "taggables"."tag_id" as "pivot_tag_id", "taggables"."taggable_type" as "pivot_taggable_type" from "tags" inner join "taggables" on "tags"."id" = "taggables"."tag_id" where "taggables"."taggable_id" = ? and "taggables"."taggable_type" = ? order by`)
		assert.Equal(t, "post", tags[0].Pivot["taggable_type"])
		tags, err = query.GetMany(ctx, db, mo.VideoTags, &mo.Video{ID: 1})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"go", "video-only"}, tagNames(tags))

		posts, err := query.GetMany(ctx, db, mo.TagPosts, &mo.Tag{ID: 1})
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "First post", posts[0].Title)
		vids, err := query.GetMany(ctx, db, mo.TagVideos, &mo.Tag{ID: 3})
		require.NoError(t, err)
		require.Len(t, vids, 1)
		assert.Equal(t, "First video", vids[0].Title)

		// Eager, existence, aggregates.
		ps := []mo.Post{{ID: 1}, {ID: 2}, {ID: 3}}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, ps, load.Where(mo.PostTags, byID)))
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` and "taggables"."taggable_type" = ?`)
		assert.Equal(t, []string{"go", "sql"}, tagNames(ps[0].Tags))
		assert.Equal(t, []string{"sql"}, tagNames(ps[1].Tags))
		assert.Empty(t, ps[2].Tags)
		ts := []mo.Tag{{ID: 1}, {ID: 2}, {ID: 3}}
		require.NoError(t, load.With(ctx, db, ts, mo.TagPosts, mo.TagVideos))
		assert.Len(t, ts[0].Posts, 1)
		assert.Len(t, ts[0].Videos, 1)
		assert.Len(t, ts[1].Posts, 2)
		assert.Empty(t, ts[1].Videos)
		assert.Empty(t, ts[2].Posts)
		assert.Len(t, ts[2].Videos, 1)

		used, err := query.From[mo.Tag]().Where(query.Has(mo.TagVideos)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"go", "video-only"}, tagNames(used))
		vs, err := query.From[mo.Video]().Apply(agg.WithCount(mo.VideoComments)).Where(query.Has(mo.VideoTags, ">=", 2)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, vs, 1)
		assert.Equal(t, int64(1), vs[0].ID)
	})
}

// Laravel: DatabaseEloquentMorphToManyTest (testAttachInsertsPivotTableRecord,
// testDetachRemovesPivotTableRecord, testDetachMethodClearsAllPivotRecordsWhenNoIDsAreGiven).
// The same id under two types never crosses: every write on video 1
// leaves post 1's rows alone.
func TestMorphToManyWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		post, video := mo.Post{ID: 1}, mo.Video{ID: 1}
		postTags := func() []string {
			t.Helper()
			ts, err := query.Related(mo.PostTags, &post).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			return tagNames(ts)
		}
		videoTags := func() []string {
			t.Helper()
			ts, err := query.Related(mo.VideoTags, &video).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			return tagNames(ts)
		}

		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, mo.VideoTags, &video, []int64{2}))
		assert.Equal(t, []string{`insert into "taggables" ("tag_id", "taggable_id", "taggable_type") values (?, ?, ?)`}, []string{stmt(db, db.Counter.Count()-1)})
		assert.Equal(t, []string{"go", "sql", "video-only"}, videoTags())

		n, err := pivot.Detach(ctx, db, mo.VideoTags, &video, []int64{1})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, []string{"go", "sql"}, postTags(), "post 1 keeps tag 1")

		ch, err := pivot.Sync(ctx, db, mo.VideoTags, &video, []int64{3})
		require.NoError(t, err)
		assert.Equal(t, []any{int64(2)}, ch.Detached)
		assert.Equal(t, []string{"go", "sql"}, postTags(), "sync on video 1 leaves post 1's rows")
		assert.Equal(t, []string{"video-only"}, videoTags())

		tg, err := pivot.Toggle(ctx, db, mo.VideoTags, &video, []int64{1, 3})
		require.NoError(t, err)
		assert.Equal(t, []any{int64(1)}, tg.Attached)
		assert.Equal(t, []any{int64(3)}, tg.Detached)
		assert.Equal(t, []string{"go", "sql"}, postTags())

		n, err = pivot.UpdateExistingPivot(ctx, db, mo.VideoTags, &video, 1, map[string]any{"note": "video's"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "video 1's row only")
		noted, err := query.Related(mo.PostTags.WithPivot("note"), &post).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Nil(t, noted[0].Pivot["note"], "post 1's row for tag 1 is not video 1's")
		_, err = pivot.UpdateExistingPivot(ctx, db, mo.VideoTags, &video, 1, map[string]any{"tag_id": 1})
		require.ErrorIs(t, err, pivot.ErrBadAttributes, "a pivot key")
		err = pivot.Attach(ctx, db, mo.VideoTags, &video, []int64{2}, map[string]any{"taggable_type": "post"})
		require.ErrorIs(t, err, pivot.ErrBadAttributes, "the type is the relation's")

		n, err = pivot.DetachAll(ctx, db, mo.VideoTags, &video)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Empty(t, videoTags())
		assert.Equal(t, []string{"go", "sql"}, postTags())

		// The inverse writes the related model's class.
		tag := mo.Tag{ID: 3}
		require.NoError(t, pivot.Attach(ctx, db, mo.TagPosts, &tag, []int64{1}))
		assert.Equal(t, []string{"go", "sql", "video-only"}, postTags())
		assert.Empty(t, videoTags())
		_, err = pivot.Detach(ctx, db, mo.TagVideos, &tag, []int64{1})
		require.NoError(t, err)
		assert.Equal(t, []string{"go", "sql", "video-only"}, postTags(), "a tag's videos are not its posts")

		// Touch: only the tags attached to the post, under the post's type.
		db.Counter.Reset()
		n, err = pivot.Touch(ctx, db, mo.PostTouchedTags, &mo.Post{ID: 2})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Contains(t, stmt(db, 0), `"taggables"."taggable_type" = ?`)
	})
}

// The SQL of the polymorphic relations, pinned in
// testdata/golden/morph_<database>.sql (see TestRelationSQLGolden).
func TestMorphSQLGolden(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		post, video, tag := mo.Post{ID: 1}, mo.Video{ID: 1}, mo.Tag{ID: 1}
		posts := func() []mo.Post { return []mo.Post{{ID: 1}, {ID: 2}} }
		comments := func() []mo.Comment {
			return []mo.Comment{{CommentableType: "post", CommentableID: 2}, {CommentableType: "video", CommentableID: 1},
				{CommentableType: "post", CommentableID: 1}, {CommentableType: "comments", CommentableID: 1}}
		}
		checkGolden(t, db, "morph_"+db.Name, []goldenCase{
			{"related morphMany", func() error { _, err := query.GetMany(ctx, db, mo.PostComments, &post); return err }},
			{"related morphOne", func() error { _, err := query.GetOne(ctx, db, mo.VideoImage, &video); return err }},
			{"create through morphMany", func() error {
				_, err := query.Related(mo.VideoComments, &video).Create(ctx, db, mo.Comment{Body: "new"})
				return err
			}},
			{"has morphMany", func() error {
				_, err := query.From[mo.Post]().Where(query.Has(mo.PostComments, ">=", 2)).Get(ctx, db)
				return err
			}},
			{"has self morphMany", func() error {
				_, err := query.From[mo.Comment]().Where(query.Has(mo.CommentReplies)).Get(ctx, db)
				return err
			}},
			{"eager morphMany and morphOne", func() error { return load.With(ctx, db, posts(), mo.PostComments, mo.PostImage) }},
			{"eager morphMany with a per-parent limit", func() error {
				return load.With(ctx, db, posts(), load.Where(mo.PostComments, func(q *query.Query[mo.Comment]) *query.Query[mo.Comment] { return q.Limit(1) }))
			}},
			{"aggregate morphMany count", func() error {
				_, err := query.From[mo.Post]().Apply(agg.WithCount(mo.PostComments)).Get(ctx, db)
				return err
			}},
			{"deferred morphMany count", func() error { return agg.LoadCount(ctx, db, posts(), mo.PostComments) }},
			{"related morphToMany", func() error { _, err := query.GetMany(ctx, db, mo.PostTags, &post); return err }},
			{"related morphedByMany", func() error { _, err := query.GetMany(ctx, db, mo.TagPosts, &tag); return err }},
			{"eager morphToMany", func() error { return load.With(ctx, db, posts(), mo.PostTags) }},
			{"has morphToMany", func() error {
				_, err := query.From[mo.Post]().Where(query.Has(mo.PostTags)).Get(ctx, db)
				return err
			}},
			{"aggregate morphToMany count", func() error {
				_, err := query.From[mo.Video]().Apply(agg.WithCount(mo.VideoTags)).Get(ctx, db)
				return err
			}},
			{"morphToMany attach and detach", func() error {
				if err := pivot.Attach(ctx, db, mo.VideoTags, &video, []int64{2}); err != nil {
					return err
				}
				_, err := pivot.Detach(ctx, db, mo.VideoTags, &video, []int64{2})
				return err
			}},
			{"morphToMany sync", func() error { _, err := pivot.Sync(ctx, db, mo.VideoTags, &video, []int64{1, 2}); return err }},
			{"morphToMany toggle", func() error { _, err := pivot.Toggle(ctx, db, mo.VideoTags, &video, []int64{2, 3}); return err }},
			{"morphToMany updateExistingPivot", func() error {
				_, err := pivot.UpdateExistingPivot(ctx, db, mo.VideoTags, &video, 1, map[string]any{"note": "x"})
				return err
			}},
			{"morphToMany touch", func() error { _, err := pivot.Touch(ctx, db, mo.PostTouchedTags, &post); return err }},
			{"eager morphTo", func() error { return load.With(ctx, db, comments(), mo.CommentCommentable) }},
			{"eager morphTo with a constraint", func() error {
				return load.With(ctx, db, comments(), mo.CommentCommentable.Where(sq.Gt{"id": 0}))
			}},
			{"eager morphTo with per-type loads, a constraint and a count", func() error {
				return load.With(ctx, db, comments(), load.Morph(mo.CommentCommentable.Where(sq.Gt{"id": 0}),
					load.On[mo.Post](load.Nested(mo.PostComments, mo.CommentReplies)).Where(func(q *query.Query[mo.Post]) *query.Query[mo.Post] {
						return q.Where(sq.NotEq{"title": "x"}).Apply(agg.WithCount(mo.PostComments))
					}),
					load.On[mo.Video](mo.VideoTags),
				))
			}},
			{"related morphTo", func() error { _, err := query.GetMorph(ctx, db, mo.CommentCommentable, &comments()[1]); return err }},
			{"related morphTo query", func() error {
				_, err := query.RelatedMorph[mo.Video](mo.CommentCommentable, &comments()[1]).Get(ctx, db)
				return err
			}},
			{"where morphed to", func() error {
				_, err := query.From[mo.Comment]().Where(query.WhereMorphedTo(mo.CommentCommentable, &post)).Get(ctx, db)
				return err
			}},
			{"where morphed to nothing", func() error {
				_, err := query.From[mo.Comment]().Where(query.WhereMorphedTo(mo.CommentCommentable, (*mo.Post)(nil))).Get(ctx, db)
				return err
			}},
			{"has morphTo", func() error {
				_, err := query.From[mo.Comment]().Where(query.WhereHasMorph(mo.CommentCommentable,
					query.On[mo.Post](func(q *query.Query[mo.Post]) *query.Query[mo.Post] { return q.Where(sq.Eq{"title": "x"}) }),
					query.On[mo.Comment](nil))).Get(ctx, db)
				return err
			}},
			{"doesnt have morphTo, every target", func() error {
				_, err := query.From[mo.Comment]().Where(query.WhereDoesntHaveMorph(mo.CommentCommentable, query.AllMorphs)).Get(ctx, db)
				return err
			}},
		})
	})
}

// A morphOne one-of-many chooses among the rows of its own type: comment
// 6 (a reply, commentable_id 1) has the greatest id of all rows with
// commentable_id 1, but video 1's latest comment is comment 3.
func TestMorphOneOfMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)

		c, err := query.GetOne(ctx, db, mo.VideoLatestComment, &mo.Video{ID: 1})
		require.NoError(t, err)
		require.NotNil(t, c)
		assert.Equal(t, "v1a", c.Body)

		vs, err := query.From[mo.Video]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, vs, mo.VideoLatestComment))
		require.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		require.NotNil(t, vs[0].LatestComment)
		assert.Equal(t, "v1a", vs[0].LatestComment.Body)
		assert.Nil(t, vs[1].LatestComment)

		with, err := query.From[mo.Video]().Where(query.Has(mo.VideoLatestComment)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, with, 1)
		assert.Equal(t, "First video", with[0].Title)
	})
}

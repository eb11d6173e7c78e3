package acceptance_test

// morphTo (CONTRACT-ELOQUENT §17), after Laravel's EloquentMorphToTest and
// EloquentMorphEagerLoadingTest: comments pointing at posts, videos and
// other comments, which share ids.

import (
	"context"
	"errors"
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

func commentsByID(t *testing.T, ctx context.Context, db sqlt.Executor) []mo.Comment {
	cs, err := query.From[mo.Comment]().OrderBy("id").Get(ctx, db)
	require.NoError(t, err)
	return cs
}

// Laravel: EloquentMorphEagerLoadingTest (testWithMorphLoading),
// EloquentMorphToTest.
func TestMorphToEager(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)

		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, mo.CommentCommentable))
		require.Equal(t, 3, db.Counter.Count(), "one statement per type present")
		assert.Contains(t, stmt(db, 0), `select "posts"."id", "posts"."title", "posts"."updated_at" from "posts" where "posts"."id" `)
		assert.Contains(t, stmt(db, 1), ` from "videos" where "videos"."id" `, "in order of first appearance")
		assert.Contains(t, stmt(db, 2), ` from "comments" where "comments"."id" `)
		for _, c := range cs {
			switch c.CommentableType {
			case "post":
				require.NotNil(t, c.Post, c.Body)
				assert.Equal(t, c.CommentableID, c.Post.ID)
				assert.Nil(t, c.Video)
				assert.Nil(t, c.Parent)
			case "video":
				require.NotNil(t, c.Video, c.Body)
				assert.Equal(t, "First video", c.Video.Title, "video 1, not post 1")
				assert.Nil(t, c.Post)
			case "comments":
				require.NotNil(t, c.Parent, c.Body)
				assert.Equal(t, "p1a", c.Parent.Body)
				assert.Nil(t, c.Post)
			}
		}

		// The interface destination (DECISION 17.3).
		cs = commentsByID(t, ctx, db)
		require.NoError(t, load.With(ctx, db, cs, mo.CommentTarget))
		require.IsType(t, &mo.Post{}, cs[0].Target)
		assert.Equal(t, "First post", cs[0].Target.(*mo.Post).Title)
		require.IsType(t, &mo.Video{}, cs[2].Target)
		assert.Equal(t, "First video", cs[2].Target.(*mo.Video).Title)
		require.IsType(t, &mo.Comment{}, cs[4].Target)
		assert.Nil(t, cs[0].Post, "the typed fields are left alone")

		// By name, through the registry.
		cs = commentsByID(t, ctx, db)
		require.NoError(t, load.Paths(ctx, db, cs, "commentable"))
		require.NotNil(t, cs[3].Post)
		assert.Equal(t, "Second post", cs[3].Post.Title)

		// Where applies to every target's statement.
		cs = commentsByID(t, ctx, db)[:4]
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, mo.CommentCommentable.Where(sq.Eq{"title": "First video"})))
		require.Equal(t, 2, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` from "posts" where title = ? and "posts"."id" `)
		assert.Nil(t, cs[0].Post, "filtered out")
		require.NotNil(t, cs[2].Video)

		// Refresh reloads the comment and its target.
		one := mo.Comment{ID: 3, Post: &mo.Post{}, Replies: []mo.Comment{{ID: 9}}}
		require.NoError(t, load.Refresh(ctx, db, &one, mo.CommentCommentable))
		assert.Equal(t, "v1a", one.Body)
		assert.Len(t, one.Replies, 1, "other relations are left as they are")
		require.NotNil(t, one.Video)
		assert.Nil(t, one.Post)

		// A missing target leaves nil; a load replaces what was loaded.
		db.MustExec(t, `delete from videos where id = 1`)
		require.NoError(t, load.With(ctx, db, cs, mo.CommentCommentable))
		assert.Nil(t, cs[2].Video)
		require.NotNil(t, cs[0].Post)
	})
}

// Laravel: MorphTo::buildDictionary skips empty types; an unknown type
// fails (DECISION 17.5) and writes nothing.
func TestMorphToEagerEdges(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		db.MustExec(t, `insert into comments (commentable_type, commentable_id, body) values ('', 1, 'orphan')`)
		cs, err := query.From[mo.Comment]().Where(sq.Eq{"body": "orphan"}).Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, mo.CommentCommentable))
		assert.Equal(t, 0, db.Counter.Count(), "an empty type: no statement")
		assert.Nil(t, cs[0].Post)

		db.MustExec(t, `insert into comments (commentable_type, commentable_id, body) values ('photo', 1, 'stray')`)
		cs = commentsByID(t, ctx, db)
		db.Counter.Reset()
		err = load.With(ctx, db, cs, mo.CommentCommentable)
		require.ErrorIs(t, err, rel.ErrUnknownMorphType)
		var ue *rel.UnknownMorphTypeError
		require.True(t, errors.As(err, &ue))
		assert.Equal(t, rel.UnknownMorphTypeError{Relation: "Comment.commentable", Type: "photo"}, *ue)
		assert.Equal(t, 0, db.Counter.Count(), "refused before any statement")
		for _, c := range cs {
			assert.Nil(t, c.Post)
			assert.Nil(t, c.Video)
		}
	})
}

// Note is a morphTo with nullable columns, in other columns.
type Note struct {
	ID       int64     `db:"id"`
	KindOf   *string   `db:"about_kind"`
	About    *int64    `db:"about_ref"`
	Post     mo.Post   `db:"-"`
	Video    *mo.Video `db:"-"`
	Subjects []mo.Tag  `db:"-"`
}

func (Note) TableName() string { return "notes" }

var NoteAbout = rel.MorphTo[Note]("about", rel.Target[mo.Post](), rel.Target[mo.Video]()).Columns("about_kind", "about_ref").Named("about")

func TestMorphToNullColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		db.MustExec(t, `create table notes (id {{pk}}, about_kind text, about_ref bigint)`,
			`insert into notes (about_kind, about_ref) values ('post', 2), ('video', null), (null, 1), ('video', 1)`)
		ns, err := query.From[Note]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, ns, NoteAbout))
		require.Equal(t, 2, db.Counter.Count())
		assert.Equal(t, "Second post", ns[0].Post.Title, "a value destination")
		assert.Nil(t, ns[1].Video, "a NULL id")
		assert.Zero(t, ns[2].Post, "a NULL type")
		require.NotNil(t, ns[3].Video)
		assert.Equal(t, int64(1), ns[3].Video.ID)
		assert.Contains(t, stmt(db, 1), ` from "videos" where "videos"."id" `)
		if db.Name != "postgres" {
			assert.Contains(t, stmt(db, 1), `"videos"."id" in (?)`, "the NULL id is not sent")
		}
	})
}

// A morphTo found by name is refused where one related table is needed.
func TestMorphToByNameElsewhere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		_, err := query.From[mo.Comment]().Where(query.PathOf[mo.Comment]("commentable").Has()).Get(ctx, db)
		assert.ErrorIs(t, err, rel.ErrBadRelation)
		cs := commentsByID(t, ctx, db)
		assert.ErrorIs(t, agg.Load(ctx, db, cs, agg.CountOf[mo.Comment]("commentable")), rel.ErrBadRelation)
		assert.ErrorIs(t, load.Paths(ctx, db, cs, "commentable.comments"), rel.ErrBadRelation)
	})
}

// Laravel: EloquentMorphToTest (testMorphToRelation…, associate and
// dissociate), MorphTo::getResults.
func TestMorphToLazy(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)

		db.Counter.Reset()
		got, err := query.GetMorph(ctx, db, mo.CommentCommentable, &cs[2])
		require.NoError(t, err)
		require.IsType(t, &mo.Video{}, got)
		assert.Equal(t, "First video", got.(*mo.Video).Title, "video 1, not post 1")
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` from "videos" where "videos"."id" = ? limit 1`)
		got, err = query.GetMorph(ctx, db, mo.CommentCommentable, &cs[4])
		require.NoError(t, err)
		assert.Equal(t, "p1a", got.(*mo.Comment).Body, "a self target")
		got, err = query.GetMorph(ctx, db, mo.CommentCommentable.Where(sq.Eq{"title": "nope"}), &cs[0])
		require.NoError(t, err)
		assert.Nil(t, got, "filtered out: nil")

		// Empty type, unknown type: no statement.
		db.Counter.Reset()
		got, err = query.GetMorph(ctx, db, mo.CommentCommentable, &mo.Comment{CommentableID: 1})
		require.NoError(t, err)
		assert.Nil(t, got)
		_, err = query.GetMorph(ctx, db, mo.CommentCommentable, &mo.Comment{CommentableType: "photo", CommentableID: 1})
		require.ErrorIs(t, err, rel.ErrUnknownMorphType)
		assert.Equal(t, 0, db.Counter.Count())
		ns := []Note{{KindOf: ptr("video")}}
		got, err = query.GetMorph(ctx, db, NoteAbout, &ns[0])
		require.NoError(t, err)
		assert.Nil(t, got, "a NULL id")
		assert.Equal(t, 0, db.Counter.Count())

		// Associate, save, read again; dissociate.
		c := cs[0]
		v := mo.Video{ID: 2}
		require.NoError(t, rel.AssociateMorph(mo.CommentCommentable, &c, &v))
		assert.Equal(t, "video", c.CommentableType)
		assert.Equal(t, int64(2), c.CommentableID)
		assert.Same(t, &v, c.Video)
		assert.Nil(t, c.Post)
		require.NoError(t, query.From[mo.Comment]().Save(ctx, db, &c))
		got, err = query.GetMorph(ctx, db, mo.CommentCommentable, &c)
		require.NoError(t, err)
		assert.Equal(t, "Second video", got.(*mo.Video).Title)
		require.NoError(t, mo.CommentCommentable.Dissociate(&c))
		assert.Equal(t, "", c.CommentableType)
		assert.Zero(t, c.CommentableID)
		assert.Nil(t, c.Video)
		n := Note{KindOf: ptr("post"), About: new(int64)}
		require.NoError(t, NoteAbout.Dissociate(&n))
		assert.Nil(t, n.KindOf, "NULL")
		assert.Nil(t, n.About)
	})
}

func ptr[T any](v T) *T { return &v }

// A morphTo read per comment is an N+1 the guard reports; post 1 and
// video 1 are different parents.
func TestMorphToRepeatGuard(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mo.Seed(t, db)
		g := sqlt.NewRepeatGuard(sqlt.RepeatOptions{})
		ctx, scope := g.Scope(context.Background())
		gdb := db.DB.WithHook(g)
		cs := commentsByID(t, ctx, gdb)[:3] // post 1, post 1, video 1
		for i := range cs {
			_, err := query.GetMorph(ctx, gdb, mo.CommentCommentable, &cs[i])
			require.NoError(t, err)
		}
		errs := repeatErrs(t, scope.Err())
		require.Len(t, errs, 1)
		assert.Equal(t, "Comment.commentable", errs[0].Origin)
		assert.Len(t, errs[0].Keys, 2, "post 1 and video 1")
	})
}

// Laravel: EloquentWhereHasMorphTest (testWhereHasMorph,
// testWhereHasMorphWithAlias, testWhereDoesntHaveMorph, testHasMorph with
// '*', …).
func TestMorphToExistence(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		ids := func(cond sq.Sqlizer) []int64 {
			t.Helper()
			cs, err := query.From[mo.Comment]().Where(cond).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			out := []int64{}
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		first := func(q *query.Query[mo.Post]) *query.Query[mo.Post] { return q.Where(sq.Eq{"title": "First post"}) }
		r := mo.CommentCommentable

		db.Counter.Reset()
		assert.Equal(t, []int64{1, 2}, ids(query.WhereHasMorph(r, query.On[mo.Post](first))))
		assert.Contains(t, stmt(db, 0), `where (("comments"."commentable_type" = ? and exists (select * from "posts" where "comments"."commentable_id" = "posts"."id" and title = ?)))`)
		assert.Equal(t, []int64{1, 2, 3, 4}, ids(query.WhereHasMorph(r, query.On[mo.Post](nil), query.On[mo.Video](nil))))
		assert.Equal(t, []int64{1, 2, 3, 4, 5, 6}, ids(query.WhereHasMorph(r, query.AllMorphs)))
		assert.Equal(t, []int64{5, 6}, ids(query.WhereHasMorph(r, query.On[mo.Comment](nil))), "a self target, aliased")
		assert.Equal(t, []int64{4}, ids(query.WhereDoesntHaveMorph(r, query.On[mo.Post](first))), "other types never match")
		assert.Equal(t, []int64{1, 2, 4}, ids(query.HasMorph(r, []query.MorphOn{query.On[mo.Post](nil)}, "=", 1)), "the count form")
		assert.Empty(t, ids(query.HasMorph(r, nil)), "no branch: false")
		assert.Len(t, ids(query.WhereDoesntHaveMorph(r)), 6, "no branch: true")
		db.MustExec(t, `delete from videos where id = 1`)
		assert.Equal(t, []int64{3}, ids(query.WhereDoesntHaveMorph(r, query.AllMorphs)))
		// The morphTo's own Where is part of every branch.
		assert.Equal(t, []int64{4}, ids(query.WhereHasMorph(r.Where(sq.Gt{"id": 1}), query.AllMorphs)))

		_, err := query.From[mo.Comment]().Where(query.WhereHasMorph(r, query.On[mo.Tag](nil))).Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument, "not a target")

		// A NULL type matches a negative test over AllMorphs only.
		db.MustExec(t, `create table notes (id {{pk}}, about_kind text, about_ref bigint)`,
			`insert into notes (about_kind, about_ref) values ('post', 2), (null, null), ('video', 9)`)
		var got []int64
		ns, err := query.From[Note]().Where(query.WhereDoesntHaveMorph(NoteAbout, query.AllMorphs)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		for _, n := range ns {
			got = append(got, n.ID)
		}
		assert.Equal(t, []int64{2, 3}, got)
		ns, err = query.From[Note]().Where(query.WhereDoesntHaveMorph(NoteAbout, query.On[mo.Video](nil))).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ns, 1)
		assert.Equal(t, int64(3), ns[0].ID)
	})
}

// Laravel: $comment->commentable() as a query, MorphTo::getResults.
func TestMorphToRelatedQuery(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		cs := commentsByID(t, ctx, db)
		r := mo.CommentCommentable

		db.Counter.Reset()
		vs, err := query.RelatedMorph[mo.Video](r, &cs[2]).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, vs, 1)
		assert.Equal(t, "First video", vs[0].Title, "video 1, not post 1")
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` from "videos" where "videos"."id" = ?`)
		ps, err := query.RelatedMorph[mo.Post](r, &cs[0]).Where(sq.Eq{"title": "First post"}).Get(ctx, db)
		require.NoError(t, err)
		assert.Len(t, ps, 1, "builder methods work on it")
		parent, err := query.RelatedMorph[mo.Comment](r, &cs[4]).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "p1a", parent.Body, "a self target")
		ps, err = query.RelatedMorph[mo.Post](r.Where(sq.Eq{"title": "nope"}), &cs[0]).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, ps, "the morphTo's own Where")

		// Another type, a NULL id, a NULL type: empty, no statement.
		db.Counter.Reset()
		ps, err = query.RelatedMorph[mo.Post](r, &cs[2]).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, ps, "a video comment has no post")
		n, err := query.RelatedMorph[mo.Post](r, &cs[2]).Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n)
		vs, err = query.RelatedMorph[mo.Video](NoteAbout, &Note{KindOf: ptr("video")}).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, vs, "a NULL id")
		vs, err = query.RelatedMorph[mo.Video](NoteAbout, &Note{About: ptr(int64(1))}).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, vs, "a NULL type")
		assert.Equal(t, 0, db.Counter.Count())

		// Not a target, a nil child: errors before any statement.
		_, err = query.RelatedMorph[mo.Tag](r, &cs[0]).Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		_, err = query.RelatedMorph[mo.Post](r, nil).Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		assert.Equal(t, 0, db.Counter.Count())
	})
}

// Laravel: EloquentWhereMorphedToTest (testWhereMorphedTo,
// testWhereMorphedToNull, testOrWhereMorphedTo).
func TestMorphToWhereMorphedTo(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		ids := func(cond sq.Sqlizer) []int64 {
			t.Helper()
			cs, err := query.From[mo.Comment]().Where(cond).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			out := []int64{}
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		r := mo.CommentCommentable

		db.Counter.Reset()
		assert.Equal(t, []int64{1, 2}, ids(query.WhereMorphedTo(r, &mo.Post{ID: 1})))
		require.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, stmt(db, 0), ` where ("comments"."commentable_type" = ? and "comments"."commentable_id" = ?)`)
		assert.Equal(t, []int64{3}, ids(query.WhereMorphedTo(r, &mo.Video{ID: 1})), "video 1, not post 1")
		assert.Equal(t, []int64{5, 6}, ids(query.WhereMorphedTo(r, &mo.Comment{ID: 1})), "a self target")
		assert.Equal(t, []int64{1, 2, 3}, ids(sq.Or{query.WhereMorphedTo(r, &mo.Post{ID: 1}), query.WhereMorphedTo(r, &mo.Video{ID: 1})}))
		assert.Empty(t, ids(query.WhereMorphedTo(r, &mo.Post{})), "an unsaved model")
		assert.Empty(t, ids(query.WhereMorphedTo(r, (*mo.Post)(nil))), "no NULL types here")

		// A nil model: the rows with a NULL type.
		db.MustExec(t, `create table notes (id {{pk}}, about_kind text, about_ref bigint)`,
			`insert into notes (about_kind, about_ref) values ('post', 2), (null, null), ('video', 2)`)
		db.Counter.Reset()
		ns, err := query.From[Note]().Where(query.WhereMorphedTo(NoteAbout, (*mo.Video)(nil))).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ns, 1)
		assert.Equal(t, int64(2), ns[0].ID)
		assert.Contains(t, stmt(db, 0), ` where "notes"."about_kind" is null`)
		ns, err = query.From[Note]().Where(query.WhereMorphedTo(NoteAbout, &mo.Video{ID: 2})).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ns, 1)
		assert.Equal(t, int64(3), ns[0].ID)

		// Not a target: an error before any statement.
		db.Counter.Reset()
		_, err = query.From[mo.Comment]().Where(query.WhereMorphedTo(r, &mo.Tag{ID: 1})).Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		_, err = query.From[mo.Comment]().Where(query.WhereMorphedTo(r, (*mo.Tag)(nil))).Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument, "even nil")
		assert.Equal(t, 0, db.Counter.Count())
	})
}

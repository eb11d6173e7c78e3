package load_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// The models of Laravel's EloquentCollectionLoadMissingTest: comments
// with a parent comment, revisions, and a chain of post relations.
type (
	lmUser struct {
		ID      int64     `db:"id"`
		Posts   []lmPost  `db:"-"`
		Profile lmProfile `db:"-"` // a to-one value: the zero value is "not loaded"
	}
	lmProfile struct {
		ID       int64  `db:"id"`
		LmUserID int64  `db:"lm_user_id"`
		Bio      string `db:"bio"`
	}
	lmPost struct {
		ID       int64           `db:"id"`
		LmUserID *int64          `db:"lm_user_id"`
		User     *lmUser         `db:"-"`
		Comments []lmComment     `db:"-"`
		Relation *lmPostRelation `db:"-"`
	}
	lmComment struct {
		ID        int64        `db:"id"`
		ParentID  *int64       `db:"parent_id"`
		LmPostID  int64        `db:"lm_post_id"`
		Parent    *lmComment   `db:"-"`
		Revisions []lmRevision `db:"-"`
		Post      *lmPost      `db:"-" json:"-"` // the chaperone's back-reference
	}
	lmRevision struct {
		ID          int64      `db:"id"`
		LmCommentID int64      `db:"lm_comment_id"`
		Comment     *lmComment `db:"-" json:"-"`
	}
	lmPostRelation struct {
		ID       int64               `db:"id"`
		LmPostID int64               `db:"lm_post_id"`
		Subs     []lmPostSubRelation `db:"-"`
		Post     *lmPost             `db:"-" json:"-"`
	}
	lmPostSubRelation struct {
		ID               int64                  `db:"id"`
		LmPostRelationID int64                  `db:"lm_post_relation_id"`
		SubSubs          []lmPostSubSubRelation `db:"-"`
	}
	lmPostSubSubRelation struct {
		ID                  int64 `db:"id"`
		LmPostSubRelationID int64 `db:"lm_post_sub_relation_id"`
	}
)

var (
	lmUserPosts      = rel.HasMany[lmUser, lmPost]()
	lmUserProfile    = rel.HasOne[lmUser, lmProfile]()
	lmPostUser       = rel.BelongsTo[lmPost, lmUser]()
	lmPostComments   = rel.HasMany[lmPost, lmComment]()
	lmPostRelations  = rel.HasOne[lmPost, lmPostRelation]()
	lmCommentParent  = rel.BelongsTo[lmComment, lmComment]("parent_id")
	lmCommentRevs    = rel.HasMany[lmComment, lmRevision]()
	lmRelationSubs   = rel.HasMany[lmPostRelation, lmPostSubRelation]()
	lmSubSubs        = rel.HasMany[lmPostSubRelation, lmPostSubSubRelation]()
	lmCommentPost    = rel.BelongsTo[lmComment, lmPost]()
	lmRevisionOwner  = rel.BelongsTo[lmRevision, lmComment]()
	lmPostUserOrNone = lmPostUser.WithDefault()
)

// seedMissing creates Laravel's rows: user 1; posts 1 and 2 of user 1 and
// post 3 without a user; comments 1 (no parent), 2 (parent 1), 3 (parent
// 2) on post 1 and 4 (parent 1) on post 2; revision 1 of comment 1; post relation 1 of post 2 with
// one sub relation and one sub-sub relation; profile 1 of user 1.
func seedMissing(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table lm_users (id {{pk}})`,
		`create table lm_profiles (id {{pk}}, lm_user_id bigint not null, bio text not null)`,
		`create table lm_posts (id {{pk}}, lm_user_id bigint)`,
		`create table lm_comments (id {{pk}}, parent_id bigint, lm_post_id bigint not null)`,
		`create table lm_revisions (id {{pk}}, lm_comment_id bigint not null)`,
		`create table lm_post_relations (id {{pk}}, lm_post_id bigint not null)`,
		`create table lm_post_sub_relations (id {{pk}}, lm_post_relation_id bigint not null)`,
		`create table lm_post_sub_sub_relations (id {{pk}}, lm_post_sub_relation_id bigint not null)`,
		`insert into lm_users (id) values (1)`,
		`insert into lm_profiles (lm_user_id, bio) values (1, 'hi')`,
		`insert into lm_posts (lm_user_id) values (1), (1), (null)`,
		`insert into lm_comments (parent_id, lm_post_id) values (null, 1), (1, 1), (2, 1), (1, 2)`,
		`insert into lm_revisions (lm_comment_id) values (1)`,
		`insert into lm_post_relations (lm_post_id) values (2)`,
		`insert into lm_post_sub_relations (lm_post_relation_id) values (1)`,
		`insert into lm_post_sub_sub_relations (lm_post_sub_relation_id) values (1)`,
	)
}

// lmPosts reads posts 1 and 2 with specs loaded, then resets the counter.
func lmPosts(t *testing.T, db *testdb.DB, specs ...load.Of[lmPost]) []lmPost {
	t.Helper()
	ps, err := query.From[lmPost]().WhereOp("id", "<=", 2).OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.NoError(t, load.With(context.Background(), db, ps, specs...))
	db.Counter.Reset()
	return ps
}

// EloquentModelLoadMissingTest::testLoadMissing: comments loaded,
// comments.parent runs one statement; a second call runs none, although
// comment 1's parent stays nil: its key is NULL, so no statement asks.
func TestMissingLoadsOnlyTheMissingLevel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db, lmPostComments)
		post := &ps[0]
		first := &post.Comments[0]

		require.NoError(t, load.Missing(ctx, db, post, load.Nested(lmPostComments, lmCommentParent)))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[0], `"lm_comments"."id"`)
		assert.Same(t, first, &post.Comments[0], "the loaded slice is kept, not replaced")
		assert.Nil(t, post.Comments[0].Parent, "parent_id is NULL")
		require.NotNil(t, post.Comments[1].Parent)
		assert.Equal(t, int64(1), post.Comments[1].Parent.ID)
		assert.Equal(t, int64(2), post.Comments[2].Parent.ID)

		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, post, load.Nested(lmPostComments, lmCommentParent)))
		require.NoError(t, load.MissingPaths(ctx, db, post, "comments.parent"))
		assert.Equal(t, 0, db.Counter.Count(), "everything loaded, the NULL key is not sent: %s", db.Counter)
	})
}

// EloquentCollectionLoadMissingTest::testLoadMissing, with Columns for
// Laravel's :columns: comments and user loaded, parent and revisions
// missing: two statements.
func TestMissingNestedWithColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db, lmPostComments, lmPostUser)
		user := ps[0].User

		require.NoError(t, load.Missing(ctx, db, ps,
			load.Nested(lmPostComments, lmCommentParent, load.Columns(lmCommentRevs, "lm_comment_id")),
			load.Columns(lmPostUser, "id")))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		assert.Same(t, user, ps[0].User, "the loaded user is kept")
		require.NotNil(t, ps[0].Comments[1].Parent)
		revs := ps[0].Comments[1].Parent.Revisions
		require.Len(t, revs, 1)
		assert.Zero(t, revs[0].ID, "only lm_comment_id was read")
		assert.Equal(t, int64(1), revs[0].LmCommentID)
		assert.NotNil(t, ps[0].Comments[2].Parent.Revisions, "loaded, empty")

		// testLoadMissingWithClosure / WithNestedArrayWithColon: one statement.
		ps = lmPosts(t, db, lmPostComments)
		require.NoError(t, load.MissingPaths(ctx, db, ps, "comments.parent:id"))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Zero(t, ps[0].Comments[1].Parent.LmPostID, "only id was read")
	})
}

// testLoadMissingWithDuplicateRelationName: comments.parent.parent runs
// two statements, the second on the parents read by the first.
func TestMissingRepeatedRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db, lmPostComments)

		require.NoError(t, load.MissingPaths(ctx, db, ps, "comments.parent.parent"))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		c3 := ps[0].Comments[2]
		require.NotNil(t, c3.Parent)
		require.NotNil(t, c3.Parent.Parent)
		assert.Equal(t, int64(1), c3.Parent.Parent.ID)
		assert.Nil(t, ps[0].Comments[1].Parent.Parent, "comment 1 has no parent")
	})
}

// testLoadMissingWithoutInitialLoad and testLoadMissingWithMultipleNestedArrays:
// nothing loaded, a four-level path on one user; each level is one statement.
func TestMissingNothingLoaded(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		u := lmUser{ID: 1}

		require.NoError(t, load.Missing(ctx, db, &u, load.Nested(lmUserPosts, lmPostRelations, lmRelationSubs, lmSubSubs)))
		assert.Equal(t, 4, db.Counter.Count(), db.Counter.String())
		require.Len(t, u.Posts, 2)
		assert.Nil(t, u.Posts[0].Relation)
		require.NotNil(t, u.Posts[1].Relation)
		require.Len(t, u.Posts[1].Relation.Subs, 1)
		assert.Len(t, u.Posts[1].Relation.Subs[0].SubSubs, 1)

		// post 1's relation is nil (no row): asked again, with post 1's key
		// only; the loaded levels below post 2's are not.
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, &u, load.Nested(lmUserPosts, lmPostRelations, lmRelationSubs, lmSubSubs)))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[0], "lm_post_relations")
	})
}

// testLoadMissingWithMultipleDotNotationRelations: comments.parent and
// user.posts on posts with comments loaded: three statements.
func TestMissingSeveralPaths(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db, lmPostComments)

		require.NoError(t, load.Missing(ctx, db, ps,
			load.Nested(lmPostComments, lmCommentParent),
			load.Nested(lmPostUser, lmUserPosts)))
		assert.Equal(t, 3, db.Counter.Count(), db.Counter.String())
		require.NotNil(t, ps[0].User)
		assert.Len(t, ps[0].User.Posts, 2)
		assert.NotNil(t, ps[0].Comments[1].Parent)

		// Post 1's comments loaded, post 2's not: post 2's are read, then
		// the parents of all four comments in one statement.
		ps = lmPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps[:1], lmPostComments))
		db.Counter.Reset()
		require.NoError(t, load.Missing(ctx, db, ps, load.Nested(lmPostComments, lmCommentParent)))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, int64(1), ps[0].Comments[1].Parent.ID)
		require.Len(t, ps[1].Comments, 1)
		assert.Equal(t, int64(1), ps[1].Comments[0].Parent.ID)

		// A []*P, and a spec given twice, still one statement per level.
		ps = lmPosts(t, db)
		ptrs := []*lmPost{&ps[1], &ps[0]}
		require.NoError(t, load.Missing(ctx, db, ptrs, lmPostComments, load.Nested(lmPostComments, lmCommentParent)))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		assert.Len(t, ps[0].Comments, 3)
		assert.NotNil(t, ps[1].Comments)
	})
}

// DECISION 20.1: nil slices and pointers and zero values are missing; a
// non-nil empty slice and a non-zero value are loaded and kept as they are.
func TestMissingLoadedRule(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db)
		mine := []lmComment{{ID: 42}}
		ps[0].Comments = mine          // loaded: kept, not merged
		ps[1].Comments = []lmComment{} // loaded (empty): not asked

		require.NoError(t, load.Missing(ctx, db, ps, lmPostComments))
		assert.Equal(t, 0, db.Counter.Count(), db.Counter.String())
		assert.Same(t, &mine[0], &ps[0].Comments[0])
		assert.Len(t, ps[0].Comments, 1)

		// A to-one value: the zero value is missing, another is loaded.
		us := []lmUser{{ID: 1}, {ID: 1, Profile: lmProfile{Bio: "mine"}}}
		require.NoError(t, load.Missing(ctx, db, us, lmUserProfile))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, "hi", us[0].Profile.Bio)
		assert.Equal(t, "mine", us[1].Profile.Bio)
	})
}

// WithDefault values count as loaded, and Missing does not descend into
// them: the default user's zero key would match nothing.
func TestMissingSkipsDefaults(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		orphans, err := query.From[lmPost]().Where(sq.Expr("lm_user_id is null")).Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, orphans, lmPostUserOrNone))
		require.NotNil(t, orphans[0].User, "the default")
		db.Counter.Reset()

		require.NoError(t, load.Missing(ctx, db, orphans, load.Nested(lmPostUserOrNone, lmUserPosts)))
		assert.Equal(t, 0, db.Counter.Count(), db.Counter.String())
		assert.Nil(t, orphans[0].User.Posts, "not descended into")
	})
}

// Bad input: an unknown path is a *PathError before any statement, and a
// failing statement at any level leaves every parent as it was.
func TestMissingErrorsWriteNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedMissing(t, db)
		ps := lmPosts(t, db)

		err := load.MissingPaths(ctx, db, ps, "comments", "comments.nope")
		var pe *load.PathError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "comments.nope", pe.Path)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		err = load.MissingPaths(ctx, db, ps, "comments:nope")
		assert.ErrorAs(t, err, &pe)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Nil(t, ps[0].Comments)

		failing := lmCommentParent.Where(sq.Expr(db.FailingCondition("lm_comments.id")))
		err = load.Missing(ctx, db, ps, load.Nested(lmPostComments, failing), lmPostUser)
		pg, lite := testdb.FailingCodes()
		db.RequireDriverError(t, err, pg, lite)
		assert.Equal(t, 2, db.Counter.Count(), "comments read, then parent failed: %s", db.Counter)
		assert.Nil(t, ps[0].Comments, "nothing written")
		assert.Nil(t, ps[0].User)
	})
}

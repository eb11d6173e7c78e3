package query_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// Touching through a morphTo (CONTRACT-ELOQUENT §19; Laravel's
// EloquentMorphToTouchesTest). The models are these tests' own: the touch
// registry is process-wide.
//
// mxComment → mxPost | mxVideo (morphTo, touching); mxVideo → mxUser
// (belongsTo, touching: the chain goes on past the target);
// mxReply → mxImage (belongsTo) → mxPost | mxVideo (morphTo): a morphTo
// in the middle of a chain. mxNote's text id column points at an
// integer-keyed mxPost or a string-keyed mxDoc.
type mxUser struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (mxUser) TableName() string { return "mx_users" }

type mxPost struct {
	ID        int64       `db:"id"`
	Title     string      `db:"title"`
	UpdatedAt time.Time   `db:"updated_at"`
	Comments  []mxComment `db:"-"`
}

func (mxPost) TableName() string { return "mx_posts" }

type mxVideo struct {
	ID        int64     `db:"id"`
	UserID    *int64    `db:"user_id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (mxVideo) TableName() string { return "mx_videos" }

// mxComment has no timestamps of its own (Laravel's test Comment:
// $timestamps = false) and nullable morph columns.
type mxComment struct {
	ID              int64    `db:"id"`
	CommentableType *string  `db:"commentable_type"`
	CommentableID   *int64   `db:"commentable_id"`
	Body            string   `db:"body"`
	Post            *mxPost  `db:"-"`
	Video           *mxVideo `db:"-"`
}

func (mxComment) TableName() string { return "mx_comments" }

type mxImage struct {
	ID            int64     `db:"id"`
	ImageableType string    `db:"imageable_type"`
	ImageableID   int64     `db:"imageable_id"`
	UpdatedAt     time.Time `db:"updated_at"`
	Post          *mxPost   `db:"-"`
	Video         *mxVideo  `db:"-"`
}

func (mxImage) TableName() string { return "mx_images" }

type mxReply struct {
	ID      int64 `db:"id"`
	ImageID int64 `db:"image_id"`
}

func (mxReply) TableName() string { return "mx_replies" }

// mxDoc has a string (uuid) key.
type mxDoc struct {
	ID        string    `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (mxDoc) TableName() string { return "mx_docs" }

type mxNote struct {
	ID          int64     `db:"id"`
	NotableType string    `db:"notable_type"`
	NotableID   string    `db:"notable_id"`
	UpdatedAt   time.Time `db:"updated_at"`
	Post        *mxPost   `db:"-"`
	Doc         *mxDoc    `db:"-"`
}

func (mxNote) TableName() string { return "mx_notes" }

// mxPin touches its note, which touches its target.
type mxPin struct {
	ID     int64 `db:"id"`
	NoteID int64 `db:"note_id"`
}

func (mxPin) TableName() string { return "mx_pins" }

// mxPlain has no updated_at; mxBad points at it.
type mxPlain struct {
	ID int64 `db:"id"`
}

func (mxPlain) TableName() string { return "mx_plains" }

type mxBad struct {
	ID        int64    `db:"id"`
	ThingType string   `db:"thing_type"`
	ThingID   int64    `db:"thing_id"`
	Post      *mxPost  `db:"-"`
	Plain     *mxPlain `db:"-"`
}

func (mxBad) TableName() string { return "mx_bads" }

var (
	mxCommentable = rel.MorphTo[mxComment]("commentable", rel.Target[mxPost](), rel.Target[mxVideo]()).Touches()
	mxVideoUser   = rel.BelongsTo[mxVideo, mxUser]("user_id").Touches()
	mxImageable   = rel.MorphTo[mxImage]("imageable", rel.Target[mxPost](), rel.Target[mxVideo]()).Touches()
	mxReplyImage  = rel.BelongsTo[mxReply, mxImage]("image_id").Touches()
	mxNotable     = rel.MorphTo[mxNote]("notable", rel.Target[mxPost](), rel.Target[mxDoc]()).Touches()
	mxPostComms   = rel.MorphMany[mxPost, mxComment]("commentable")
	mxPinNote     = rel.BelongsTo[mxPin, mxNote]("note_id").Touches()
)

const mxDocID = "3f2a1b0c-4d5e-4f60-8a7b-9c8d7e6f5a4b"

// mxSeed: users 1, 2; posts 1, 2, 3; videos 1 (user 1), 2 (no user);
// doc mxDocID; images 1 of post 2, 2 of video 1; everything at mxOld.
func mxSeed(t *testing.T, db *testdb.DB) {
	t.Helper()
	docID := "varchar(36)"
	if db.Name == "postgres" {
		docID = "uuid"
	}
	db.MustExec(t,
		`create table mx_users (id {{pk}}, updated_at timestamp not null)`,
		`create table mx_posts (id {{pk}}, title text not null, updated_at timestamp not null)`,
		`create table mx_videos (id {{pk}}, user_id bigint, updated_at timestamp not null)`,
		`create table mx_docs (id `+docID+` primary key, updated_at timestamp not null)`,
		`create table mx_comments (id {{pk}}, commentable_type varchar(255), commentable_id bigint, body text not null)`,
		`create table mx_images (id {{pk}}, imageable_type varchar(255) not null, imageable_id bigint not null, updated_at timestamp not null)`,
		`create table mx_replies (id {{pk}}, image_id bigint not null)`,
		`create table mx_notes (id {{pk}}, notable_type varchar(255) not null, notable_id varchar(255) not null, updated_at timestamp not null)`,
		`create table mx_pins (id {{pk}}, note_id bigint not null)`,
		`insert into mx_users (updated_at) values ('2000-01-01 00:00:00'), ('2000-01-01 00:00:00')`,
		`insert into mx_posts (title, updated_at) values ('p1', '2000-01-01 00:00:00'), ('p2', '2000-01-01 00:00:00'), ('p3', '2000-01-01 00:00:00')`,
		`insert into mx_videos (user_id, updated_at) values (1, '2000-01-01 00:00:00'), (null, '2000-01-01 00:00:00')`,
		`insert into mx_docs (id, updated_at) values ('`+mxDocID+`', '2000-01-01 00:00:00')`,
		`insert into mx_images (imageable_type, imageable_id, updated_at) values ('mx_posts', 2, '2000-01-01 00:00:00'), ('mx_videos', 1, '2000-01-01 00:00:00')`,
	)
}

// mxReset puts every updated_at back to tcOld.
func mxReset(t *testing.T, db *testdb.DB) {
	t.Helper()
	for _, tb := range []string{"mx_users", "mx_posts", "mx_videos", "mx_docs", "mx_images"} {
		db.MustExec(t, `update `+tb+` set updated_at = '2000-01-01 00:00:00'`)
	}
	db.Counter.Reset()
}

// mxTouched lists, per table, the ids whose updated_at moved from tcOld.
func mxTouched(t *testing.T, db *testdb.DB) map[string][]any {
	t.Helper()
	ctx := context.Background()
	out := map[string][]any{}
	add := func(table string, id any, at time.Time) {
		if !at.Equal(tcOld) {
			out[table] = append(out[table], id)
		}
	}
	us, err := query.From[mxUser]().OrderBy("id").Get(ctx, db)
	require.NoError(t, err)
	for _, x := range us {
		add("users", x.ID, x.UpdatedAt)
	}
	ps, err := query.From[mxPost]().OrderBy("id").Get(ctx, db)
	require.NoError(t, err)
	for _, x := range ps {
		add("posts", x.ID, x.UpdatedAt)
	}
	vs, err := query.From[mxVideo]().OrderBy("id").Get(ctx, db)
	require.NoError(t, err)
	for _, x := range vs {
		add("videos", x.ID, x.UpdatedAt)
	}
	ds, err := query.From[mxDoc]().Get(ctx, db)
	require.NoError(t, err)
	for _, x := range ds {
		add("docs", x.ID, x.UpdatedAt)
	}
	is, err := query.From[mxImage]().OrderBy("id").Get(ctx, db)
	require.NoError(t, err)
	for _, x := range is {
		add("images", x.ID, x.UpdatedAt)
	}
	return out
}

// updates returns the UPDATE statements db counted, "?" placeholders.
func updates(db *testdb.DB) []string {
	var out []string
	for _, s := range sent(db) {
		if strings.HasPrefix(s, "update ") {
			out = append(out, s)
		}
	}
	return out
}

// keyList is the dialect's list of n keys on col.
func keyList(db *testdb.DB, col string, n int) string {
	if db.Name == "postgres" {
		return col + " = any(?)"
	}
	return col + " in (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// Laravel: EloquentMorphToTouchesTest::test_not_null — saving a comment
// associated with a post runs the insert and one touch of the post.
func TestMorphToTouchesNotNull(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		var c mxComment
		require.NoError(t, rel.AssociateMorph(mxCommentable, &c, &mxPost{ID: 1}))
		require.NoError(t, query.From[mxComment]().Save(ctx, db, &c))
		require.Equal(t, 2, db.Counter.Count(), db.Counter)
		assert.Equal(t, []string{`update "mx_posts" set "updated_at" = ? where "mx_posts"."id" = ?`}, updates(db))
		assert.Equal(t, map[string][]any{"posts": {int64(1)}}, mxTouched(t, db))
	})
}

// Laravel: EloquentMorphToTouchesTest::test_null — a comment pointing at
// nothing runs its insert only.
func TestMorphToTouchesNull(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		log := &txLog{}
		require.NoError(t, query.From[mxComment]().Insert(ctx, db.DB.WithHook(log), &mxComment{Body: "none"}))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.Equal(t, []string{"begin", "insert into", "commit"}, log.take(), "the write's transaction, no touch in it")
		// A type without an id, an id without a type: nothing either.
		require.NoError(t, query.From[mxComment]().InsertMany(ctx, db, []mxComment{
			{CommentableType: ptr("mx_posts"), Body: "no id"},
			{CommentableID: ptr(int64(1)), Body: "no type"},
			{CommentableType: ptr(""), CommentableID: ptr(int64(1)), Body: "empty type"},
		}))
		assert.Empty(t, updates(db), db.Counter)
		assert.Empty(t, mxTouched(t, db))
	})
}

// One statement per type present among the written rows, in order of
// first appearance, with the distinct keys; the target's own touching
// relations continue the chain (video 1 → user 1).
func TestMorphToTouchesGroupedPerType(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		post, video := ptr("mx_posts"), ptr("mx_videos")
		require.NoError(t, query.From[mxComment]().InsertMany(ctx, db, []mxComment{
			{CommentableType: video, CommentableID: ptr(int64(1)), Body: "a"},
			{CommentableType: post, CommentableID: ptr(int64(2)), Body: "b"},
			{CommentableType: post, CommentableID: ptr(int64(1)), Body: "c"},
			{Body: "d"},
			{CommentableType: post, CommentableID: ptr(int64(2)), Body: "e"},
			{CommentableType: video, CommentableID: ptr(int64(1)), Body: "f"},
		}))
		assert.Equal(t, []string{
			`update "mx_videos" set "updated_at" = ? where "mx_videos"."id" = ?`,
			`update "mx_users" set "updated_at" = ? where "mx_users"."id" in (select "mx_videos"."user_id" from "mx_videos" where "mx_videos"."id" = ?)`,
			`update "mx_posts" set "updated_at" = ? where ` + keyList(db, `"mx_posts"."id"`, 2),
		}, updates(db))
		assert.Equal(t, map[string][]any{"posts": {int64(1), int64(2)}, "videos": {int64(1)}, "users": {int64(1)}}, mxTouched(t, db))
	})
}

// Every write of a comment through relkit touches its target, as
// belongsTo touches do (TestTouchOnEveryWrite).
func TestMorphToTouchesOnEveryWrite(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		ctx := context.Background()
		qc := query.From[mxComment]()
		check := func(name string, want map[string][]any, write func() error) {
			t.Helper()
			mxReset(t, db)
			require.NoError(t, write(), name)
			got := mxTouched(t, db)
			if want == nil {
				want = map[string][]any{}
			}
			assert.Equal(t, want, got, name)
		}
		post, video := ptr("mx_posts"), ptr("mx_videos")
		c := mxComment{CommentableType: post, CommentableID: ptr(int64(3)), Body: "a"}
		check("insert", map[string][]any{"posts": {int64(3)}}, func() error { return qc.Insert(ctx, db, &c) })
		check("update", map[string][]any{"posts": {int64(3)}}, func() error { return qc.Update(ctx, db, &c) })
		require.NoError(t, rel.AssociateMorph(mxCommentable, &c, &mxVideo{ID: 2}))
		check("save (moved: the new target only)", map[string][]any{"videos": {int64(2)}}, func() error { return qc.Save(ctx, db, &c) })
		check("upsert", map[string][]any{"posts": {int64(1)}}, func() error {
			return qc.Upsert(ctx, db, &mxComment{ID: c.ID, CommentableType: post, CommentableID: ptr(int64(1)), Body: "u"}, []string{"id"})
		})
		check("create many", map[string][]any{"posts": {int64(2)}, "videos": {int64(1)}, "users": {int64(1)}}, func() error {
			_, err := qc.CreateMany(ctx, db, []mxComment{{CommentableType: post, CommentableID: ptr(int64(2)), Body: "x"}, {CommentableType: video, CommentableID: ptr(int64(1)), Body: "y"}})
			return err
		})
		p3 := mxPost{ID: 3}
		check("relation write", map[string][]any{"posts": {int64(3)}}, func() error {
			_, err := query.Related(mxPostComms, &p3).Create(ctx, db, mxComment{Body: "r"})
			return err
		})
		d := mxComment{ID: c.ID, CommentableType: video, CommentableID: ptr(int64(1))}
		check("delete (the deleted row's target)", map[string][]any{"videos": {int64(1)}, "users": {int64(1)}}, func() error { return qc.Delete(ctx, db, &d) })
		p2 := mxPost{ID: 2, Title: "p2", Comments: []mxComment{{Body: "pushed"}}}
		check("push", map[string][]any{"posts": {int64(2)}}, func() error { return query.Push(ctx, db, &p2, mxPostComms) })
		check("update all does not touch", nil, func() error {
			_, err := qc.UpdateAll(ctx, db, map[string]any{"body": "all"})
			return err
		})
	})
}

// A type that is the alias of no target fails the write with
// UnknownMorphTypeError, and the write is rolled back.
func TestMorphToTouchesUnknownTypeRollsBack(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		err := query.From[mxComment]().InsertMany(ctx, db, []mxComment{
			{CommentableType: ptr("mx_posts"), CommentableID: ptr(int64(1)), Body: "ok"},
			{CommentableType: ptr("nope"), CommentableID: ptr(int64(1)), Body: "unknown"},
		})
		require.ErrorIs(t, err, rel.ErrUnknownMorphType)
		var ue *rel.UnknownMorphTypeError
		require.True(t, errors.As(err, &ue), "%v", err)
		assert.Equal(t, "nope", ue.Type)
		assert.Equal(t, "mxComment.commentable", ue.Relation)
		assert.Empty(t, updates(db), "no touch ran")
		n, err := query.From[mxComment]().Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n, "the write rolled back")
		assert.Empty(t, mxTouched(t, db))
	})
}

// Every target must map updated_at: a declaration error otherwise.
func TestMorphToTouchesNeedsUpdatedAt(t *testing.T) {
	bad := rel.MorphTo[mxBad]("thing", rel.Target[mxPost](), rel.Target[mxPlain]()).Touches()
	err := rel.Check(bad)
	require.ErrorIs(t, err, rel.ErrBadRelation)
	assert.Contains(t, err.Error(), "target mxPlain maps no updated_at")
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		db.MustExec(t, `create table mx_bads (id {{pk}}, thing_type text not null, thing_id bigint not null)`)
		// Not registered: a write of mxBad touches nothing and runs alone.
		log := &txLog{}
		require.NoError(t, query.From[mxBad]().Insert(context.Background(), db.DB.WithHook(log), &mxBad{ThingType: "mx_posts", ThingID: 1}))
		assert.Equal(t, []string{"insert into"}, log.take())
	})
}

// WithoutTouching and WithoutTouchingOn[T] hold per target type.
func TestMorphToTouchesWithoutTouching(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		ctx := context.Background()
		rows := func() []mxComment {
			return []mxComment{
				{CommentableType: ptr("mx_posts"), CommentableID: ptr(int64(1)), Body: "a"},
				{CommentableType: ptr("mx_videos"), CommentableID: ptr(int64(1)), Body: "b"},
			}
		}
		mxReset(t, db)
		require.NoError(t, query.From[mxComment]().InsertMany(query.WithoutTouchingOn[mxVideo](ctx), db, rows()))
		assert.Equal(t, map[string][]any{"posts": {int64(1)}}, mxTouched(t, db), "videos, and the users past them, are not touched")
		mxReset(t, db)
		require.NoError(t, query.From[mxComment]().InsertMany(query.WithoutTouchingOn[mxUser](ctx), db, rows()))
		assert.Equal(t, map[string][]any{"posts": {int64(1)}, "videos": {int64(1)}}, mxTouched(t, db))
		mxReset(t, db)
		log := &txLog{}
		wctx := query.WithoutTouchingOn[mxVideo](query.WithoutTouchingOn[mxPost](ctx))
		require.NoError(t, query.From[mxComment]().Insert(wctx, db.DB.WithHook(log), &rows()[0]))
		assert.Equal(t, []string{"insert into"}, log.take(), "every target suspended: the write alone")
		require.NoError(t, query.From[mxComment]().Insert(query.WithoutTouching(ctx), db.DB.WithHook(log), &rows()[1]))
		assert.Equal(t, []string{"insert into"}, log.take())
		assert.Empty(t, mxTouched(t, db))
	})
}

// A morphTo in the middle of a chain (reply → image → its post or video →
// the video's user): the touched image's type selects the target, one
// statement per declared target type, without reading the image.
func TestMorphToTouchesMidChain(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		require.NoError(t, query.From[mxReply]().Insert(ctx, db, &mxReply{ImageID: 2}))
		img := `(select "mx_images"."imageable_id" from "mx_images" where ("mx_images"."id" = ?) and "mx_images"."imageable_type" = ?)`
		assert.Equal(t, []string{
			`update "mx_images" set "updated_at" = ? where "mx_images"."id" = ?`,
			`update "mx_posts" set "updated_at" = ? where "mx_posts"."id" in ` + img,
			`update "mx_videos" set "updated_at" = ? where "mx_videos"."id" in ` + img,
			`update "mx_users" set "updated_at" = ? where "mx_users"."id" in (select "mx_videos"."user_id" from "mx_videos" where "mx_videos"."id" in ` + img + `)`,
		}, updates(db))
		assert.Equal(t, map[string][]any{"images": {int64(2)}, "videos": {int64(1)}, "users": {int64(1)}}, mxTouched(t, db), "image 2 is video 1's: post 1 (same id) is not touched")

		mxReset(t, db)
		require.NoError(t, query.From[mxReply]().Insert(ctx, db, &mxReply{ImageID: 1}))
		assert.Equal(t, map[string][]any{"images": {int64(1)}, "posts": {int64(2)}}, mxTouched(t, db))
	})
}

// A text id column: integer-keyed targets get integer keys (an id that
// spells no integer points at nothing), string-keyed ones their ids as
// they are, empty ones skipped (no "" against a uuid column).
func TestMorphToTouchesTextIDs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		require.NoError(t, query.From[mxNote]().InsertMany(ctx, db, []mxNote{
			{NotableType: "mx_posts", NotableID: "2"},
			{NotableType: "mx_docs", NotableID: ""},
			{NotableType: "mx_posts", NotableID: "abc"},
			{NotableType: "mx_docs", NotableID: mxDocID},
		}))
		assert.Equal(t, []string{
			`update "mx_posts" set "updated_at" = ? where "mx_posts"."id" = ?`,
			`update "mx_docs" set "updated_at" = ? where "mx_docs"."id" = ?`,
		}, updates(db))
		assert.Equal(t, map[string][]any{"posts": {int64(2)}, "docs": {mxDocID}}, mxTouched(t, db))

		// Only skipped ids: no statement.
		mxReset(t, db)
		require.NoError(t, query.From[mxNote]().Insert(ctx, db, &mxNote{NotableType: "mx_docs"}))
		assert.Empty(t, updates(db))

		// In the middle of a chain (pin → note → post or doc) the targets'
		// keys are compared as text with the id column: PostgreSQL has no
		// bigint = text, nor uuid = varchar.
		for i, want := range []map[string][]any{{"posts": {int64(2)}}, {"docs": {mxDocID}}} {
			mxReset(t, db)
			require.NoError(t, query.From[mxPin]().Insert(ctx, db, &mxPin{NoteID: int64([]int{1, 4}[i])}))
			text := `"text"`
			if db.Name == "mysql" {
				text = "char"
			}
			assert.Contains(t, updates(db), `update "mx_posts" set "updated_at" = ? where cast("mx_posts"."id" as `+text+`) in (select "mx_notes"."notable_id" from "mx_notes" where ("mx_notes"."id" = ?) and "mx_notes"."notable_type" = ?)`)
			assert.Equal(t, want, mxTouched(t, db), "note %d", []int{1, 4}[i])
		}
	})
}

// query.TouchMorph: Laravel's $comment->commentable()->touch().
func TestTouchMorph(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		mxSeed(t, db)
		mxReset(t, db)
		ctx := context.Background()
		c := mxComment{CommentableType: ptr("mx_videos"), CommentableID: ptr(int64(1))}
		n, err := query.TouchMorph(ctx, db, mxCommentable, &c)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, []string{`update "mx_videos" set "updated_at" = ? where "mx_videos"."id" = ?`}, sent(db), "one statement, not transitive")
		assert.Equal(t, map[string][]any{"videos": {int64(1)}}, mxTouched(t, db))

		// The morphTo's Where applies.
		mxReset(t, db)
		p := mxComment{CommentableType: ptr("mx_posts"), CommentableID: ptr(int64(2))}
		n, err = query.TouchMorph(ctx, db, mxCommentable.Where(sq.Eq{"id": 3}), &p)
		require.NoError(t, err)
		assert.Zero(t, n)

		// Nothing to touch: 0, no statement.
		mxReset(t, db)
		for _, x := range []mxComment{{}, {CommentableType: ptr("mx_posts")}, {CommentableID: ptr(int64(1))}} {
			n, err = query.TouchMorph(ctx, db, mxCommentable, &x)
			require.NoError(t, err)
			assert.Zero(t, n)
		}
		n, err = query.TouchMorph(ctx, db, mxNotable, &mxNote{NotableType: "mx_docs"})
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = query.TouchMorph(query.WithoutTouchingOn[mxVideo](ctx), db, mxCommentable, &c)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Zero(t, db.Counter.Count(), db.Counter)

		// A text id for a string-keyed target.
		n, err = query.TouchMorph(ctx, db, mxNotable, &mxNote{NotableType: "mx_docs", NotableID: mxDocID})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)

		// Errors, before any statement.
		db.Counter.Reset()
		_, err = query.TouchMorph(ctx, db, mxCommentable, &mxComment{CommentableType: ptr("nope"), CommentableID: ptr(int64(1))})
		require.ErrorIs(t, err, rel.ErrUnknownMorphType)
		_, err = query.TouchMorph(ctx, db, mxCommentable, nil)
		require.Error(t, err)
		// A morphTo not declared Touches still touches explicitly; a target
		// without updated_at is ErrBadArgument.
		plain := rel.MorphTo[mxBad]("thing", rel.Target[mxPost](), rel.Target[mxPlain]())
		_, err = query.TouchMorph(ctx, db, plain, &mxBad{ThingType: "mx_plains", ThingID: 1})
		require.ErrorIs(t, err, query.ErrBadArgument)
		assert.Zero(t, db.Counter.Count(), db.Counter)
		n, err = query.TouchMorph(ctx, db, plain, &mxBad{ThingType: "mx_posts", ThingID: 1})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
	})
}

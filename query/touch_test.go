package query_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The touch registry is process-wide, so these models are the tests' own:
// declaring Touches on a shared fixture would change the statements of
// every other test writing it.
//
// tcComment → tcPost → tcUser → tcPost (the user's pinned post): a
// transitive chain with a cycle, as Laravel's touchOwners walks it.
type tcUser struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	PinnedID  *int64    `db:"pinned_id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (tcUser) TableName() string { return "tc_users" }

type tcPost struct {
	ID        int64       `db:"id"`
	UserID    *int64      `db:"user_id"`
	Title     string      `db:"title"`
	UpdatedAt time.Time   `db:"updated_at"`
	Comments  []tcComment `db:"-"`
}

func (tcPost) TableName() string { return "tc_posts" }

// tcComment has no updated_at of its own: a child need not have one.
type tcComment struct {
	ID     int64  `db:"id"`
	PostID *int64 `db:"post_id"`
	Body   string `db:"body"`
}

func (tcComment) TableName() string { return "tc_comments" }

// tcNote has timestamps: the owner gets the note's updated_at.
type tcNote struct {
	ID        int64     `db:"id"`
	PostID    int64     `db:"post_id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (tcNote) TableName() string { return "tc_notes" }

// tcPlain has no updated_at: Touches on a relation to it is refused.
type tcPlain struct {
	ID int64 `db:"id"`
}

func (tcPlain) TableName() string { return "tc_plains" }

var (
	tcCommentPost = rel.BelongsTo[tcComment, tcPost]("post_id").Touches()
	tcNotePost    = rel.BelongsTo[tcNote, tcPost]("post_id").Touches()
	tcPostUser    = rel.BelongsTo[tcPost, tcUser]("user_id").Touches()
	tcUserPinned  = rel.BelongsTo[tcUser, tcPost]("pinned_id").Touches()
	tcPostComms   = rel.HasMany[tcPost, tcComment]("post_id")
	tcPostNotes   = rel.HasMany[tcPost, tcNote]("post_id")
	tcUserPosts   = rel.HasMany[tcUser, tcPost]("user_id")
)

var tcOld = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func createTouchTables(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table tc_users (id {{pk}}, name text not null, pinned_id bigint, updated_at timestamp not null)`,
		`create table tc_posts (id {{pk}}, user_id bigint, title text not null, updated_at timestamp not null)`,
		`create table tc_comments (id {{pk}}, post_id bigint, body text not null check (body <> 'bad'))`,
		`create table tc_notes (id {{pk}}, post_id bigint not null, updated_at timestamp not null)`,
	)
	// users 1 (pins post 2) and 2; posts 1, 2 by user 1, post 3 by user 2,
	// post 4 by nobody.
	db.MustExec(t,
		`insert into tc_users (name, pinned_id, updated_at) values ('ann', 2, '2000-01-01 00:00:00'), ('bob', null, '2000-01-01 00:00:00')`,
		`insert into tc_posts (user_id, title, updated_at) values (1, 'p1', '2000-01-01 00:00:00'), (1, 'p2', '2000-01-01 00:00:00'), (2, 'p3', '2000-01-01 00:00:00'), (null, 'p4', '2000-01-01 00:00:00')`,
	)
}

// tcTimes returns the updated_at of the posts and users, by id.
func tcTimes(t *testing.T, db *testdb.DB) (posts, users map[int64]time.Time) {
	t.Helper()
	ctx := context.Background()
	ps, err := query.From[tcPost]().Get(ctx, db.DB)
	require.NoError(t, err)
	us, err := query.From[tcUser]().Get(ctx, db.DB)
	require.NoError(t, err)
	posts, users = map[int64]time.Time{}, map[int64]time.Time{}
	for _, p := range ps {
		posts[p.ID] = p.UpdatedAt
	}
	for _, u := range us {
		users[u.ID] = u.UpdatedAt
	}
	return posts, users
}

// touched lists the ids whose updated_at moved from tcOld.
func touched(m map[int64]time.Time) []int64 {
	var ids []int64
	for id := int64(1); id <= int64(len(m)); id++ {
		if !m[id].Equal(tcOld) {
			ids = append(ids, id)
		}
	}
	return ids
}

// txLog records statements and transaction boundaries, in order.
type txLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *txLog) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (l *txLog) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	f := strings.Fields(strings.NewReplacer("[", `"`, "]", `"`, "`", `"`).Replace(q.SQL))
	l.add(f[0] + " " + f[1])
}
func (l *txLog) BeforeTx(ctx context.Context, _ sqlt.TxStart) context.Context { return ctx }
func (l *txLog) AfterTx(_ context.Context, t sqlt.TxEnd)                      { l.add(string(t.Op)) }
func (l *txLog) add(s string) {
	l.mu.Lock()
	l.ops = append(l.ops, s)
	l.mu.Unlock()
}
func (l *txLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

func ptr[T any](v T) *T { return &v }

// Laravel: EloquentTouchParentWithGlobalScopeTest::testBasicCreateAndRetrieve
// (creating a comment touches its post) and touchOwners' recursion (the
// post's user, then the user's pinned post, then stop: the cycle guard).
func TestTouchOnInsertIsTransitiveAndAtomic(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		ctx := context.Background()
		log := &txLog{}
		ex := db.DB.WithHook(log)

		c := tcComment{PostID: ptr(int64(1)), Body: "hi"}
		require.NoError(t, query.From[tcComment]().Insert(ctx, ex, &c))
		assert.Equal(t, []string{"begin", "insert into", `update "tc_posts"`, `update "tc_users"`, `update "tc_posts"`, "commit"}, log.take(), db.Counter)
		st := sent(db)
		assert.Contains(t, st, `update "tc_posts" set "updated_at" = ? where "tc_posts"."id" = ?`)
		assert.Contains(t, st, `update "tc_users" set "updated_at" = ? where "tc_users"."id" in (select "tc_posts"."user_id" from "tc_posts" where "tc_posts"."id" = ?)`)
		assert.Contains(t, st, `update "tc_posts" set "updated_at" = ? where "tc_posts"."id" in (select "tc_users"."pinned_id" from "tc_users" where "tc_users"."id" in (select "tc_posts"."user_id" from "tc_posts" where "tc_posts"."id" = ?))`)
		posts, users := tcTimes(t, db)
		assert.Equal(t, []int64{1, 2}, touched(posts), "post 1 and the user's pinned post 2")
		assert.Equal(t, []int64{1}, touched(users))
		assert.True(t, posts[1].Equal(posts[2]) && posts[1].Equal(users[1]), "one timestamp per write")
	})
}

// sent returns the statements db counted, with PostgreSQL's placeholders
// written as "?".
func sent(db *testdb.DB) []string {
	st := db.Counter.Statements()
	for i, s := range st {
		st[i] = dollar.ReplaceAllString(s, "?")
	}
	return st
}

var dollar = regexp.MustCompile(`\$\d+`)

func TestTouchOnEveryWrite(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		ctx := context.Background()
		reset := func() {
			db.MustExec(t, `update tc_posts set updated_at = '2000-01-01 00:00:00'`, `update tc_users set updated_at = '2000-01-01 00:00:00'`)
		}
		qc := query.From[tcComment]()
		check := func(name string, wantPosts []int64, write func() error) {
			t.Helper()
			reset()
			require.NoError(t, write(), name)
			posts, _ := tcTimes(t, db)
			assert.Equal(t, wantPosts, touched(posts), name)
		}
		c := tcComment{PostID: ptr(int64(3)), Body: "a"}
		check("insert", []int64{3}, func() error { return qc.Insert(ctx, db, &c) })
		check("update", []int64{3}, func() error { return qc.Update(ctx, db, &c) })
		c.PostID = ptr(int64(4)) // moved: only the new owner is touched, as in Laravel
		check("save (update)", []int64{4}, func() error { return qc.Save(ctx, db, &c) })
		check("save (insert)", []int64{3}, func() error { return qc.Save(ctx, db, &tcComment{PostID: ptr(int64(3)), Body: "b"}) })
		check("insert many", []int64{1, 2, 3}, func() error {
			return qc.InsertMany(ctx, db, []tcComment{{PostID: ptr(int64(3)), Body: "x"}, {PostID: ptr(int64(1)), Body: "y"}, {PostID: ptr(int64(3)), Body: "z"}})
		}) // 2: the user's pinned post
		check("create", []int64{4}, func() error { _, err := qc.Create(ctx, db, tcComment{PostID: ptr(int64(4)), Body: "c"}); return err })
		check("create many", []int64{3, 4}, func() error {
			_, err := qc.CreateMany(ctx, db, []tcComment{{PostID: ptr(int64(4)), Body: "d"}, {PostID: ptr(int64(3)), Body: "e"}})
			return err
		})
		check("save many", []int64{3, 4}, func() error {
			return qc.SaveMany(ctx, db, []tcComment{c, {PostID: ptr(int64(3)), Body: "f"}})
		})
		check("upsert", []int64{3}, func() error {
			return qc.Upsert(ctx, db, &tcComment{ID: c.ID, PostID: ptr(int64(3)), Body: "u"}, []string{"id"})
		})
		check("upsert many", []int64{4}, func() error {
			return qc.UpsertMany(ctx, db, []tcComment{{ID: c.ID, PostID: ptr(int64(4)), Body: "v"}}, []string{"id"})
		})
		check("first or create (creates)", []int64{3}, func() error {
			_, err := qc.FirstOrCreate(ctx, db, map[string]any{"body": "new"}, map[string]any{"post_id": 3})
			return err
		})
		check("first or create (finds)", nil, func() error {
			_, err := qc.FirstOrCreate(ctx, db, map[string]any{"body": "new"}, map[string]any{"post_id": 4})
			return err
		})
		check("update or create", []int64{4}, func() error {
			_, err := qc.UpdateOrCreate(ctx, db, map[string]any{"body": "new"}, map[string]any{"post_id": 4})
			return err
		})
		p3 := tcPost{ID: 3}
		check("relation write", []int64{3}, func() error {
			_, err := query.Related(tcPostComms, &p3).Create(ctx, db, tcComment{Body: "r"})
			return err
		})
		check("delete", []int64{4}, func() error { return qc.Delete(ctx, db, &c) })
		check("NULL foreign key", nil, func() error { return qc.Insert(ctx, db, &tcComment{Body: "orphan"}) })
		check("update all does not touch (Laravel's query-builder updates)", nil, func() error {
			_, err := qc.UpdateAll(ctx, db, map[string]any{"body": "all"})
			return err
		})
		p1 := tcPost{ID: 1, Title: "p1", UserID: ptr(int64(1)), Comments: []tcComment{{Body: "pushed"}}}
		check("push", []int64{1, 2}, func() error { return query.Push(ctx, db, &p1, tcPostComms) })
	})
}

func TestTouchUsesTheWritesTimestamp(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		ctx := context.Background()
		n := tcNote{PostID: 3}
		require.NoError(t, query.From[tcNote]().Insert(ctx, db, &n))
		posts, users := tcTimes(t, db)
		assert.True(t, n.UpdatedAt.Equal(posts[3]), "note %v, post %v", n.UpdatedAt, posts[3])
		assert.True(t, n.UpdatedAt.Equal(users[2]))
	})
}

func TestTouchRollsBackWithTheWrite(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		ctx := context.Background()
		// A failing insert: nothing is touched.
		require.Error(t, query.From[tcComment]().Insert(ctx, db, &tcComment{PostID: ptr(int64(1)), Body: "bad"}))
		posts, users := tcTimes(t, db)
		assert.Empty(t, touched(posts))
		assert.Empty(t, touched(users))
		// Inside the caller's transaction the write and its touches are a
		// savepoint.
		log := &txLog{}
		ex := db.DB.WithHook(log)
		require.NoError(t, sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			return query.From[tcComment]().Insert(ctx, tx, &tcComment{PostID: ptr(int64(4)), Body: "ok"})
		}))
		assert.Equal(t, []string{"begin", "savepoint", "insert into", `update "tc_posts"`, `update "tc_users"`, "release savepoint", "commit"}, log.take())
		// A touch that fails rolls the write back.
		switch db.Name {
		case "postgres":
			db.MustExec(t, `alter table tc_posts add constraint tc_not_new check (updated_at < '2001-01-01') not valid`)
		case "mysql":
			db.MustExec(t, `create trigger tc_no_touch before update on tc_posts for each row signal sqlstate '45000' set message_text = 'no touch'`)
		default:
			db.MustExec(t, `create trigger tc_no_touch before update on tc_posts begin select raise(abort, 'no touch'); end`)
		}
		err := query.From[tcComment]().Insert(ctx, db, &tcComment{PostID: ptr(int64(1)), Body: "rolled back"})
		require.Error(t, err)
		n, err := query.From[tcComment]().Where(sq.Eq{"body": "rolled back"}).Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}

func TestWriteWithoutTouchesSendsNoTransaction(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		ctx := context.Background()
		log := &txLog{}
		ex := db.DB.WithHook(log)
		// tcPost's own relation (to tcUser) touches; tcPlain has none.
		db.MustExec(t, `create table tc_plains (id {{pk}})`)
		require.NoError(t, query.From[tcPlain]().Insert(ctx, ex, &tcPlain{}))
		assert.Equal(t, []string{"insert into"}, log.take())
		// Suspended touches: the write alone too.
		wctx := query.WithoutTouching(ctx)
		require.NoError(t, query.From[tcComment]().Insert(wctx, ex, &tcComment{PostID: ptr(int64(1)), Body: "quiet"}))
		assert.Equal(t, []string{"insert into"}, log.take())
		posts, _ := tcTimes(t, db)
		assert.Empty(t, touched(posts))
	})
}

// Laravel: Model::withoutTouching / withoutTouchingOn, here scoped by a
// context (TD/DatabaseEloquentBelongsToManyWithoutTouchingTest: the flag
// holds inside the scope only).
func TestWithoutTouchingOn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		ctx := context.Background()
		// Users are not touched; posts are.
		wctx := query.WithoutTouchingOn[tcUser](ctx)
		require.NoError(t, query.From[tcComment]().Insert(wctx, db, &tcComment{PostID: ptr(int64(1)), Body: "a"}))
		posts, users := tcTimes(t, db)
		assert.Equal(t, []int64{1}, touched(posts), "the pinned post is reached through the user only")
		assert.Empty(t, touched(users))
		// Posts are not touched: nor is anything past them.
		db.MustExec(t, `update tc_posts set updated_at = '2000-01-01 00:00:00'`)
		require.NoError(t, query.From[tcComment]().Insert(query.WithoutTouchingOn[tcPost](ctx), db, &tcComment{PostID: ptr(int64(1)), Body: "b"}))
		posts, users = tcTimes(t, db)
		assert.Empty(t, touched(posts))
		assert.Empty(t, touched(users))
		// The outer context still touches.
		require.NoError(t, query.From[tcComment]().Insert(ctx, db, &tcComment{PostID: ptr(int64(3)), Body: "c"}))
		posts, users = tcTimes(t, db)
		assert.Equal(t, []int64{3}, touched(posts))
		assert.Equal(t, []int64{2}, touched(users))
	})
}

func TestTouchRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		db.MustExec(t, `insert into tc_comments (post_id, body) values (1, 'a')`,
			`insert into tc_notes (post_id, updated_at) values (1, '2000-01-01 00:00:00'), (1, '2000-01-01 00:00:00'), (2, '2000-01-01 00:00:00')`)
		ctx := context.Background()

		// belongsTo: the owner, not transitively.
		n, err := query.Touch(ctx, db, tcPostUser, &tcPost{ID: 1, UserID: ptr(int64(2))})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		require.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.Equal(t, `update "tc_users" set "updated_at" = ? where "tc_users"."id" = ?`, sent(db)[0])
		posts, users := tcTimes(t, db)
		assert.Equal(t, []int64{2}, touched(users))
		assert.Empty(t, touched(posts))

		// NULL foreign key: 0, no statement.
		db.Counter.Reset()
		n, err = query.Touch(ctx, db, tcPostUser, &tcPost{ID: 4})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Zero(t, db.Counter.Count())

		// hasMany: every child.
		n, err = query.Touch(ctx, db, tcPostNotes, &tcPost{ID: 1})
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		assert.Equal(t, `update "tc_notes" set "updated_at" = ? where "tc_notes"."post_id" = ?`, sent(db)[0])

		// A relation's constraints apply.
		n, err = query.Touch(ctx, db, tcUserPosts.Where(sq.Eq{"title": "p2"}), &tcUser{ID: 1})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)

		// Suspended: 0, no statement.
		db.Counter.Reset()
		n, err = query.Touch(query.WithoutTouching(ctx), db, tcPostNotes, &tcPost{ID: 1})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Zero(t, db.Counter.Count())
	})
}

func TestTouchBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		// The touched model has no updated_at: a declaration error.
		bad := rel.BelongsTo[tcComment, tcPlain]("post_id").Touches()
		err := rel.Check(bad)
		require.ErrorIs(t, err, rel.ErrBadRelation)
		assert.Contains(t, err.Error(), "tcPlain maps no updated_at")
		_, err = query.Related(bad, &tcComment{}).Get(ctx, db)
		require.ErrorIs(t, err, rel.ErrBadRelation, "every use fails")
		// Touching it explicitly: ErrBadArgument, before any statement.
		_, err = query.Touch(ctx, db, rel.HasMany[tcPost, tcPlain]("id"), &tcPost{ID: 1})
		require.ErrorIs(t, err, query.ErrBadArgument)
		assert.Contains(t, err.Error(), "tcPlain maps no updated_at")
		// Through relations cannot be touched.
		_, err = query.Touch(ctx, db, rel.HasManyThrough[tcUser, tcPost, tcComment]("user_id", "post_id"), &tcUser{ID: 1})
		require.ErrorIs(t, err, query.ErrUnsupported)
		_, err = query.Touch(ctx, db, tcPostUser, nil)
		require.ErrorIs(t, err, sqlt.ErrNilValue)
		assert.Zero(t, db.Counter.Count())
	})
}

// tcMark belongs to a post or a user (a polymorphic pair): posts and users
// share ids, so a touch missing the type condition shows.
type tcMark struct {
	ID           int64     `db:"id"`
	MarkableType string    `db:"markable_type"`
	MarkableID   int64     `db:"markable_id"`
	UpdatedAt    time.Time `db:"updated_at"`
}

func (tcMark) TableName() string { return "tc_marks" }

var (
	tcPostMarks      = rel.MorphMany[tcPost, tcMark]("markable")
	tcUserMark       = rel.MorphOne[tcUser, tcMark]("markable")
	tcPostLatestNote = rel.HasOne[tcPost, tcNote]("post_id").LatestOfMany()
)

// The explicit touch of a morphOne/morphMany carries the type condition,
// as every statement of the relation does (CONTRACT-ELOQUENT §17, §19):
// touching post 1's marks leaves user 1's alone.
func TestTouchMorphRelationKeepsToItsType(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		db.MustExec(t, `create table tc_marks (id {{pk}}, markable_type text not null, markable_id bigint not null, updated_at timestamp not null)`,
			`insert into tc_marks (markable_type, markable_id, updated_at) values ('tc_posts', 1, '2000-01-01 00:00:00'), ('tc_users', 1, '2000-01-01 00:00:00'), ('tc_posts', 1, '2000-01-01 00:00:00')`)
		ctx := context.Background()
		n, err := query.Touch(ctx, db, tcPostMarks, &tcPost{ID: 1})
		require.NoError(t, err)
		assert.Equal(t, int64(2), n, "post 1's two marks, not user 1's")
		n, err = query.Touch(ctx, db, tcUserMark, &tcUser{ID: 1})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "user 1's mark")
		ms, err := query.From[tcMark]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		for _, m := range ms {
			assert.False(t, m.UpdatedAt.Equal(tcOld), "mark %d", m.ID)
		}
	})
}

// The explicit touch of a one-of-many relation updates the chosen row
// only, as the relation reads it (Laravel's touch runs on the relation
// query, joins included).
func TestTouchOneOfManyTouchesTheChosenRow(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createTouchTables(t, db)
		db.MustExec(t, `insert into tc_notes (post_id, updated_at) values (1, '2000-01-01 00:00:00'), (1, '2000-01-01 00:00:00'), (2, '2000-01-01 00:00:00')`)
		ctx := context.Background()
		n, err := query.Touch(ctx, db, tcPostLatestNote, &tcPost{ID: 1})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "post 1's latest note only")
		ns, err := query.From[tcNote]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ns, 3)
		assert.True(t, ns[0].UpdatedAt.Equal(tcOld), "note 1 is not the latest")
		assert.False(t, ns[1].UpdatedAt.Equal(tcOld), "note 2 is")
		assert.True(t, ns[2].UpdatedAt.Equal(tcOld), "post 2's note")
	})
}

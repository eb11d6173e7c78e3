package acceptance_test

// The SQL relkit sends for every kind of relation statement — relation
// reads, existence tests, eager loads with and without constraints,
// aggregate columns and deferred aggregates, pivot writes — pinned per
// database in testdata/golden/<database>.sql. A change to any statement's
// text shows up here as a diff; regenerate the files after an intended
// change with
//
//	go test ./internal/acceptance -run TestRelationSQLGolden -update
//
// and review the diff of testdata/golden.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from the statements sent")

type goldenPost struct {
	ID            int64  `db:"id"`
	UserID        *int64 `db:"user_id"`
	Title         string `db:"title"`
	Votes         int64  `db:"votes"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
	CommentsCount int64 `db:"comments_count,readonly"`
	VotesSum      int64 `db:"comments_sum_votes,readonly"`
	HasComments   bool  `db:"comments_exists,readonly"`
	Comments      []fx.Comment
}

func (goldenPost) TableName() string { return "posts" }

// goldenRole is fx.Role with an updated_at column (added by the test), for
// pivot.Touch.
type goldenRole struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (goldenRole) TableName() string { return "roles" }

// goldenUser is the fixture's users table with the comments of its posts
// (a through relation) and their count.
type goldenUser struct {
	ID            int64  `db:"id"`
	Name          string `db:"name"`
	Comments      []fx.Comment
	FirstComment  *fx.Comment
	CommentsCount int64 `db:"comments_count,readonly"`
	TopPost       *fx.Post
	TopPostCount  int64 `db:"top_post_count,readonly"`
}

func (goldenUser) TableName() string { return "users" }

// goldenTouchComment, goldenTouchPost and goldenTouchUser map the
// fixture's comments, posts and users (given an updated_at by the test)
// with touching relations, for the touch statements: the registry of
// touches is per type, so the fixture's own types keep writing alone.
type goldenTouchComment struct {
	ID      int64  `db:"id"`
	PostID  int64  `db:"post_id"`
	Content string `db:"content"`
	Votes   int64  `db:"votes"`
}

func (goldenTouchComment) TableName() string { return "comments" }

type goldenTouchPost struct {
	ID        int64  `db:"id"`
	UserID    *int64 `db:"user_id"`
	Title     string `db:"title"`
	Votes     int64  `db:"votes"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (goldenTouchPost) TableName() string { return "posts" }

type goldenTouchUser struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (goldenTouchUser) TableName() string { return "users" }

var (
	_                  = rel.BelongsTo[goldenTouchComment, goldenTouchPost]("post_id").Touches()
	goldenTouchAuthor  = rel.BelongsTo[goldenTouchPost, goldenTouchUser]("user_id").Touches()
	goldenTouchRoles   = rel.BelongsToMany[fx.User, goldenRole]("role_user", "user_id", "role_id").WherePivot("active", true).Named("golden_touch_roles")
	goldenUserComments = rel.HasManyThrough[goldenUser, fx.Post, fx.Comment]("user_id", "post_id")
	goldenFirstComment = goldenUserComments.One()
	goldenTopPost      = rel.HasOne[goldenUser, fx.Post]("user_id").OfMany("votes", rel.Max)
	goldenLastComment  = goldenFirstComment.LatestOfMany()
	goldenComments     = rel.HasMany[goldenPost, fx.Comment]("post_id").Named("comments")
	activeUserRoles    = fx.UserRoles.WherePivot("active", true).Named("golden_active_roles")
	codeComments       = fx.PostComments.Where(sq.Like{"content": "code%"}).Named("golden_code_comments")
	goldenConstrained  = func(q *query.Query[fx.Comment]) *query.Query[fx.Comment] {
		return q.WhereOp("votes", ">", 1)
	}
)

func TestRelationSQLGolden(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		db.MustExec(t, `alter table roles add column updated_at timestamp`, `alter table users add column updated_at timestamp`)
		ann, bob := fx.User{ID: 1}, fx.User{ID: 2}
		post := fx.Post{ID: 1}
		phone := fx.Phone{ID: 1, UserID: 1}
		users := func() []fx.User { return []fx.User{{ID: 1}, {ID: 2}, {ID: 3}} }
		posts := func() []goldenPost { return []goldenPost{{ID: 1}, {ID: 2}, {ID: 3}} }

		cases := []goldenCase{
			{"related hasOne", func() error { _, err := query.GetOne(ctx, db, fx.UserPhone, &ann); return err }},
			{"related hasMany", func() error { _, err := query.Related(fx.UserPosts, &ann).OrderBy("id").Get(ctx, db); return err }},
			{"related belongsTo", func() error { _, err := query.GetOne(ctx, db, fx.PhoneUser, &phone); return err }},
			{"related belongsToMany with pivot filter", func() error {
				_, err := query.Related(activeUserRoles, &ann).Get(ctx, db)
				return err
			}},
			{"related constrained relation with or", func() error {
				_, err := query.Related(codeComments, &post).OrWhere(sq.Eq{"votes": 0}).Get(ctx, db)
				return err
			}},
			{"has", func() error { _, err := query.From[fx.User]().Where(query.Has(fx.UserPosts)).Get(ctx, db); return err }},
			{"has count", func() error {
				_, err := query.From[fx.Post]().Where(query.Has(fx.PostComments, ">=", 2)).Get(ctx, db)
				return err
			}},
			{"doesntHave belongsToMany", func() error {
				_, err := query.From[fx.User]().Where(query.DoesntHave(fx.UserRoles)).Get(ctx, db)
				return err
			}},
			{"whereHas constrained", func() error {
				_, err := query.From[fx.Post]().Where(query.WhereHas(fx.PostComments, goldenConstrained)).Get(ctx, db)
				return err
			}},
			{"has nested path", func() error {
				_, err := query.From[fx.User]().Where(query.HasPath[fx.User]("posts.comments")).Get(ctx, db)
				return err
			}},
			{"eager hasOne, hasMany, belongsToMany", func() error {
				return load.With(ctx, db, users(), fx.UserPhone, fx.UserPosts, fx.UserRoles)
			}},
			{"eager belongsTo", func() error {
				return load.With(ctx, db, []fx.Post{{ID: 1, UserID: &ann.ID}, {ID: 3, UserID: &bob.ID}}, fx.PostAuthor)
			}},
			{"eager constrained and nested", func() error {
				return load.With(ctx, db, []fx.Post{{ID: 1}, {ID: 2}}, load.Where(fx.PostComments, goldenConstrained), load.Nested(fx.PostComments, fx.CommentImages))
			}},
			{"eager per-parent limit and offset, nested", func() error {
				return load.With(ctx, db, users(), load.Nested(load.Where(fx.UserPosts, func(q *query.Query[fx.Post]) *query.Query[fx.Post] {
					return q.OrderByDesc("votes").Limit(2).Offset(1)
				}), load.Where(fx.PostComments, func(q *query.Query[fx.Comment]) *query.Query[fx.Comment] { return q.Limit(1) })))
			}},
			{"eager belongsToMany per-parent limit, columns", func() error {
				return load.With(ctx, db, users(), load.Columns(load.Where(fx.UserRoles, func(q *query.Query[fx.Role]) *query.Query[fx.Role] {
					return q.OrderBy("name").Limit(1)
				}), "name"))
			}},
			{"eager columns", func() error {
				return load.With(ctx, db, []fx.Post{{ID: 1}, {ID: 2}}, load.Columns(fx.PostComments, "content"))
			}},
			{"aggregate columns", func() error {
				_, err := query.From[goldenPost]().
					Apply(agg.WithCount(goldenComments), agg.WithSum(goldenComments, "votes"), agg.WithExists(goldenComments, goldenConstrained)).
					OrderBy("id").Get(ctx, db)
				return err
			}},
			{"deferred count", func() error { return agg.LoadCount(ctx, db, posts(), goldenComments) }},
			{"deferred combined", func() error {
				return agg.Load(ctx, db, posts(), agg.WithCount(goldenComments), agg.WithSum(goldenComments, "votes"))
			}},
			{"related hasManyThrough", func() error {
				_, err := query.Related(goldenUserComments, &goldenUser{ID: 1}).OrderBy("id").Get(ctx, db)
				return err
			}},
			{"related hasOneThrough", func() error { _, err := query.GetOne(ctx, db, goldenFirstComment, &goldenUser{ID: 1}); return err }},
			{"has hasManyThrough", func() error {
				_, err := query.From[goldenUser]().Where(query.Has(goldenUserComments), query.Has(goldenUserComments, ">=", 2)).Get(ctx, db)
				return err
			}},
			{"eager hasManyThrough and hasOneThrough", func() error {
				return load.With(ctx, db, []goldenUser{{ID: 1}, {ID: 2}, {ID: 3}}, goldenUserComments, goldenFirstComment)
			}},
			{"aggregate hasManyThrough count", func() error {
				_, err := query.From[goldenUser]().Apply(agg.WithCount(goldenUserComments)).OrderBy("id").Get(ctx, db)
				return err
			}},
			{"deferred hasManyThrough count", func() error {
				return agg.LoadCount(ctx, db, []goldenUser{{ID: 1}, {ID: 2}}, goldenUserComments)
			}},
			{"related hasOne of many", func() error { _, err := query.GetOne(ctx, db, goldenTopPost, &goldenUser{ID: 1}); return err }},
			{"related hasOneThrough of many", func() error {
				_, err := query.GetOne(ctx, db, goldenLastComment, &goldenUser{ID: 1})
				return err
			}},
			{"eager hasOne and hasOneThrough of many", func() error {
				return load.With(ctx, db, []goldenUser{{ID: 1}, {ID: 2}, {ID: 3}}, goldenTopPost, goldenLastComment)
			}},
			{"whereHas one of many", func() error {
				_, err := query.From[goldenUser]().Where(query.WhereHas(goldenTopPost, func(q *query.Query[fx.Post]) *query.Query[fx.Post] {
					return q.WhereOp("votes", ">", 5)
				})).Get(ctx, db)
				return err
			}},
			{"aggregate one of many count", func() error {
				_, err := query.From[goldenUser]().Apply(agg.WithCount(goldenTopPost)).OrderBy("id").Get(ctx, db)
				return err
			}},
			{"pivot sync", func() error { _, err := pivot.Sync(ctx, db, fx.UserRoles, &ann, []int64{2, 3}); return err }},
			{"pivot attach and detach", func() error {
				if err := pivot.Attach(ctx, db, fx.UserRoles, &bob, []int64{1}, map[string]any{"active": false}); err != nil {
					return err
				}
				_, err := pivot.Detach(ctx, db, fx.UserRoles, &bob, []int64{1})
				return err
			}},
			{"pivot toggle", func() error { _, err := pivot.Toggle(ctx, db, fx.UserRoles, &bob, []int64{1, 3}); return err }},
			{"pivot touch", func() error { _, err := pivot.Touch(ctx, db, goldenTouchRoles, &ann); return err }},
			{"touch owners of an insert, transitively", func() error {
				return query.From[goldenTouchComment]().Insert(ctx, db, &goldenTouchComment{PostID: 1, Content: "touching"})
			}},
			{"touch owners of a many-insert", func() error {
				return query.From[goldenTouchComment]().InsertMany(ctx, db, []goldenTouchComment{{PostID: 1, Content: "a"}, {PostID: 2, Content: "b"}})
			}},
			{"touch belongsTo", func() error {
				one := int64(1)
				_, err := query.Touch(ctx, db, goldenTouchAuthor, &goldenTouchPost{UserID: &one})
				return err
			}},
		}
		checkGolden(t, db, db.Name, cases)
	})
}

// goldenCase is one entry of a golden file: the statements run sends.
type goldenCase struct {
	name string
	run  func() error
}

// checkGolden runs the cases and compares their statements with
// testdata/golden/<file>.sql (rewrites it under -update).
func checkGolden(t *testing.T, db *testdb.DB, file string, cases []goldenCase) {
	t.Helper()
	var got strings.Builder
	for _, c := range cases {
		db.Counter.Reset()
		require.NoError(t, c.run(), c.name)
		fmt.Fprintf(&got, "-- %s\n", c.name)
		stmts := db.Counter.Statements()
		if db.Name == "mysql" {
			stmts = db.Counter.Sent() // with MySQL's backticks, as the server gets them
		}
		for _, s := range stmts {
			got.WriteString(strings.Join(strings.Fields(s), " "))
			got.WriteString(";\n")
		}
		got.WriteString("\n")
	}
	path := filepath.Join("testdata", "golden", file+".sql")
	if *updateGolden {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got.String()), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create the golden file")
	assert.Equal(t, string(want), got.String(), "statements differ from %s (rerun with -update after an intended change and review the diff)", path)
}

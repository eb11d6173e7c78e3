package load_test

// Per-parent Limit and Offset in eager constraints (CONTRACT-ELOQUENT §14),
// mirroring Laravel's tests/Integration/Database/EloquentEagerLoadingLimitTest.php:
// two users, three posts and three roles each, the newest last.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// seedLimit seeds Laravel's data on the fixture schema: users 1 and 2;
// posts 1–3 of user 1 and 4–6 of user 2, created a second apart (or all
// at once when tied); roles 1–3 of user 1 and 4–6 of user 2; one comment
// on each post.
func seedLimit(t *testing.T, db *testdb.DB, tied bool) []User {
	t.Helper()
	db.MustExec(t, Schema...)
	db.MustExec(t, `insert into users (name) values ('u1'), ('u2')`)
	for i := 1; i <= 6; i++ {
		ts := "'2024-01-01 00:00:0" + string(rune('0'+i)) + "'"
		if tied {
			ts = "'2024-01-01 00:00:00'"
		}
		uid := "1"
		if i > 3 {
			uid = "2"
		}
		db.MustExec(t,
			`insert into posts (user_id, title, created_at, updated_at) values (`+uid+`, 'p`+string(rune('0'+i))+`', `+ts+`, `+ts+`)`,
			`insert into roles (name) values ('r`+string(rune('0'+i))+`')`,
			`insert into role_user (user_id, role_id) values (`+uid+`, `+string(rune('0'+i))+`)`,
			`insert into comments (post_id, content) values (`+string(rune('0'+i))+`, 'c')`,
		)
	}
	us, err := query.From[User]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	db.Counter.Reset()
	return us
}

func postIDs(ps []Post) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func roleIDs(rs []Role) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func latestPosts(limit, offset uint64) load.Spec[User, Post] {
	return load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
		q = q.OrderByDesc("created_at").Limit(limit)
		if offset > 0 {
			q = q.Offset(offset)
		}
		return q
	})
}

// assertOneWindow checks that the load ran one windowed statement.
func assertOneWindow(t *testing.T, db *testdb.DB) {
	t.Helper()
	require.Equal(t, 1, db.Counter.Count(), db.Counter.String())
	assert.Contains(t, db.Counter.Statements()[0], "row_number() over (partition by ")
}

func TestEagerLimitHasMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		us := seedLimit(t, db, false)
		require.NoError(t, load.With(context.Background(), db, us, latestPosts(2, 0)))
		assertOneWindow(t, db)
		assert.Equal(t, []int64{3, 2}, postIDs(us[0].Posts))
		assert.Equal(t, []int64{6, 5}, postIDs(us[1].Posts))

		// The case: three each, which a global limit gave to user 2 alone.
		require.NoError(t, load.With(context.Background(), db, us, latestPosts(3, 0)))
		assert.Equal(t, []int64{3, 2, 1}, postIDs(us[0].Posts))
		assert.Equal(t, []int64{6, 5, 4}, postIDs(us[1].Posts))
	})
}

func TestEagerLimitHasManyWithOffset(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		us := seedLimit(t, db, false)
		require.NoError(t, load.With(context.Background(), db, us, latestPosts(2, 1)))
		assertOneWindow(t, db)
		assert.Contains(t, db.Counter.Statements()[0], `"relkit_row" <= 3 and "relkit_row" > 1`)
		assert.Equal(t, []int64{2, 1}, postIDs(us[0].Posts))
		assert.Equal(t, []int64{5, 4}, postIDs(us[1].Posts))
	})
}

func latestRoles(limit, offset uint64) load.Spec[User, Role] {
	return load.Where(UserRoles, func(q *query.Query[Role]) *query.Query[Role] {
		return q.OrderByDesc("id").Limit(limit).Offset(offset)
	})
}

func TestEagerLimitBelongsToMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		us := seedLimit(t, db, false)
		require.NoError(t, load.With(context.Background(), db, us, latestRoles(2, 0)))
		assertOneWindow(t, db)
		assert.Contains(t, db.Counter.Statements()[0], `partition by "role_user"."user_id"`)
		assert.Equal(t, []int64{3, 2}, roleIDs(us[0].Roles))
		assert.Equal(t, []int64{6, 5}, roleIDs(us[1].Roles))
		// The pivot is read as without a limit; the row number is not in it.
		require.NotEmpty(t, us[0].Roles)
		assert.Equal(t, map[string]any{"user_id": int64(1), "role_id": int64(3), "active": true}, normPivot(us[0].Roles[0].Pivot))
	})
}

// A relation's OrderByPivot goes into the window before the constraint's
// order.
var rolesByPivot = UserRoles.OrderByPivot("role_id", "desc").Named("roles_by_pivot")

func TestEagerLimitBelongsToManyPivotOrder(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		us := seedLimit(t, db, false)
		require.NoError(t, load.With(context.Background(), db, us, load.Where(rolesByPivot, func(q *query.Query[Role]) *query.Query[Role] {
			return q.OrderBy("name").Limit(2)
		})))
		assertOneWindow(t, db)
		assert.Contains(t, db.Counter.Statements()[0], `order by "role_user"."role_id" desc, "roles"."name" asc, "roles"."id")`)
		assert.Equal(t, []int64{3, 2}, roleIDs(us[0].Roles))
		assert.Equal(t, []int64{6, 5}, roleIDs(us[1].Roles))
	})
}

func TestEagerLimitBelongsToManyWithOffset(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		us := seedLimit(t, db, false)
		require.NoError(t, load.With(context.Background(), db, us, latestRoles(2, 1)))
		assertOneWindow(t, db)
		assert.Equal(t, []int64{2, 1}, roleIDs(us[0].Roles))
		assert.Equal(t, []int64{5, 4}, roleIDs(us[1].Roles))
	})
}

// normPivot gives the pivot values SQLite and PostgreSQL read differently
// (booleans as integers) one form.
func normPivot(p map[string]any) map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		switch v := v.(type) {
		case int64:
			if k == "active" {
				out[k] = v != 0
				continue
			}
		case int32:
			out[k] = int64(v)
			continue
		}
		out[k] = v
	}
	return out
}

// DECISION 14.2: ties are broken by the related primary key, which alone
// orders the rows when the constraint gives no order; DECISION 14.3: an
// Offset without a Limit is per parent.
func TestEagerLimitTiesAndOffsetAlone(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		us := seedLimit(t, db, true)
		require.NoError(t, load.With(ctx, db, us, latestPosts(2, 0)))
		assert.Contains(t, db.Counter.Statements()[0], `order by "posts"."created_at" desc, "posts"."id")`)
		assert.Equal(t, []int64{1, 2}, postIDs(us[0].Posts), "ties: by id")
		assert.Equal(t, []int64{4, 5}, postIDs(us[1].Posts))

		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, us, load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
			return q.Offset(1)
		})))
		assertOneWindow(t, db)
		st := db.Counter.Statements()[0]
		assert.Contains(t, st, `over (partition by "posts"."user_id" order by "posts"."id")`)
		assert.Contains(t, st, `where "relkit_row" > 1 order by`)
		assert.Equal(t, []int64{2, 3}, postIDs(us[0].Posts))
		assert.Equal(t, []int64{5, 6}, postIDs(us[1].Posts))

		// Limit(0): no rows, and an empty slice.
		require.NoError(t, load.With(ctx, db, us, latestPosts(0, 0)))
		require.NotNil(t, us[0].Posts)
		assert.Empty(t, us[0].Posts)
	})
}

// latestPostUser has one latest post: a hasOne with an order and offset.
type latestPostUser struct {
	ID     int64  `db:"id"`
	Name   string `db:"name"`
	Latest *Post  `db:"-"`
}

func (latestPostUser) TableName() string { return "users" }

var latestPost = rel.HasOne[latestPostUser, Post]("user_id").Named("latest")

func TestEagerLimitHasOne(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		seedLimit(t, db, false)
		us := []latestPostUser{{ID: 1}, {ID: 2}}
		// The second newest post of each user.
		require.NoError(t, load.With(context.Background(), db, us, load.Where(latestPost, func(q *query.Query[Post]) *query.Query[Post] {
			return q.Latest().Limit(1).Offset(1)
		})))
		require.NotNil(t, us[0].Latest)
		require.NotNil(t, us[1].Latest)
		assert.Equal(t, int64(2), us[0].Latest.ID)
		assert.Equal(t, int64(5), us[1].Latest.ID)
		assertOneWindow(t, db)
	})
}

// Nested loads run on the limited rows only; chosen columns work with a
// limit, the keys added as without one.
func TestEagerLimitNestedAndColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		us := seedLimit(t, db, false)
		require.NoError(t, load.With(ctx, db, us, load.Nested(load.Columns(latestPosts(1, 0), "title"), PostComments)))
		require.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		st := db.Counter.Statements()
		assert.Contains(t, st[0], `select "posts"."title", "posts"."user_id", "posts"."id", row_number() over`)
		assert.Equal(t, []int64{3}, postIDs(us[0].Posts))
		assert.Equal(t, []int64{6}, postIDs(us[1].Posts))
		require.Len(t, us[0].Posts, 1)
		require.Len(t, us[1].Posts, 1)
		assert.Equal(t, "p3", us[0].Posts[0].Title)
		assert.True(t, us[0].Posts[0].CreatedAt.IsZero(), "not chosen")
		require.Len(t, us[0].Posts[0].Comments, 1)
		assert.Equal(t, int64(3), us[0].Posts[0].Comments[0].PostID)
		assert.Equal(t, int64(6), us[1].Posts[0].Comments[0].PostID)

		// A limit on the nested level, the parents' rows limited too.
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, us, load.Nested(latestPosts(2, 0), load.Where(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
			return q.Limit(1)
		}))))
		require.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[1], `partition by "comments"."post_id" order by "comments"."id"`)
		assert.Equal(t, []int64{3, 2}, postIDs(us[0].Posts))
		require.Len(t, us[0].Posts, 2)
		assert.Len(t, us[0].Posts[1].Comments, 1)
	})
}

// DECISION 14.4: a limit or offset that cannot be per parent is an error
// before any statement, at any depth; a relation query's Limit stays a
// plain LIMIT.
func TestEagerLimitRefused(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		us := seedLimit(t, db, false)
		ps, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()

		author := func(q *query.Query[User]) *query.Query[User] { return q.Limit(1) }
		err = load.With(ctx, db, ps, load.Where(PostAuthor, author))
		require.ErrorIs(t, err, query.ErrBadArgument)
		assert.Contains(t, err.Error(), "belongsTo")
		err = load.With(ctx, db, us, load.Nested(UserPosts, load.Where(PostAuthor, func(q *query.Query[User]) *query.Query[User] {
			return q.Offset(1)
		})))
		require.ErrorIs(t, err, query.ErrBadArgument)
		assert.Zero(t, db.Counter.Count(), "refused before any statement: %s", db.Counter)
		assert.Nil(t, us[0].Posts, "nothing written")

		got, err := query.Related(UserPosts, &us[0]).OrderBy("id").Limit(2).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2}, postIDs(got))
		require.Equal(t, 1, db.Counter.Count())
		assert.False(t, strings.Contains(db.Counter.Statements()[0], "row_number"), db.Counter.Statements()[0])
		assert.Contains(t, db.Counter.Statements()[0], " limit 2")
		assert.False(t, errors.Is(err, query.ErrBadArgument))
	})
}

package query_test

import (
	"context"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestSQLShapes(t *testing.T) {
	ann := User{ID: 1}
	cases := []struct {
		name string
		q    interface {
			ToSql() (string, []any, error)
		}
		sql  string
		args []any
	}{
		{"select all", query.From[Post](), `select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts"`, nil},
		{"columns validated and quoted", query.From[Post]().Select("id", "posts.title"), `select "posts"."id", "posts"."title" from "posts"`, nil},
		{"where and or where", query.From[Post]().Where(sq.Eq{"votes": 1}).OrWhere(sq.Gt{"votes": 5}),
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where votes = ? or votes > ?`, []any{1, 5}},
		{"or inside a condition is parenthesised", query.From[Post]().Where(sq.Or{sq.Eq{"a": 1}, sq.Eq{"b": 2}}).Where(sq.Eq{"c": 3}),
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where (a = ? OR b = ?) and c = ?`, []any{1, 2, 3}},
		{"where group", query.From[Post]().Where(sq.Eq{"a": 1}).WhereGroup(func(g *query.Query[Post]) *query.Query[Post] {
			return g.WhereOp("votes", ">", 1).OrWhereOp("title", "like", "x%")
		}), `select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where a = ? and ("posts"."votes" > ? or "posts"."title" like ?)`, []any{1, 1, "x%"}},
		{"in, null, between", query.From[Post]().WhereIn("id", []int{1, 2}).WhereNull("user_id").WhereBetween("votes", 1, 9).WhereNotIn("id"),
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where "posts"."id" in (?, ?) and "posts"."user_id" is null and "posts"."votes" between ? and ? and 1 = 1`, []any{1, 2, 1, 9}},
		{"empty in matches nothing", query.From[Post]().WhereIn("id"), `select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where 1 = 0`, nil},
		{"order, limit, offset", query.From[Post]().OrderBy("votes", "desc").Latest().Limit(5).Offset(10),
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" order by "posts"."votes" desc, "posts"."created_at" desc limit 5 offset 10`, nil},
		{"group by having distinct", query.From[Post]().Distinct().Select("user_id").GroupBy("user_id").Having(sq.Expr("count(*) > ?", 1)),
			`select distinct "posts"."user_id" from "posts" group by "posts"."user_id" having count(*) > ?`, []any{1}},
		{"relation scope is kept apart from or where", query.Related(UserPosts, &ann).Where(sq.Eq{"active": 1}).OrWhere(sq.GtOrEq{"votes": 100}),
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null and (active = ? or votes >= ?)`, []any{int64(1), 1, 100}},
		{"belongs to many joins the pivot", query.Related(UserRoles, &ann).OrderBy("name"),
			`select "roles"."id", "roles"."name", "role_user"."user_id" as "pivot_user_id", "role_user"."role_id" as "pivot_role_id", "role_user"."active" as "pivot_active" from "roles" inner join "role_user" on "roles"."id" = "role_user"."role_id" where "role_user"."user_id" = ? order by "roles"."name" asc`, []any{int64(1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, args, err := c.q.ToSql()
			require.NoError(t, err)
			assert.Equal(t, norm(c.sql), norm(s))
			assert.Equal(t, c.args, args)
		})
	}
}

func TestBadInput(t *testing.T) {
	for name, q := range map[string]*query.Query[Post]{
		"select injection":   query.From[Post]().Select("id; drop table posts"),
		"unknown column":     query.From[Post]().Select("nope"),
		"order injection":    query.From[Post]().OrderBy("id desc; drop table posts"),
		"order direction":    query.From[Post]().OrderBy("id", "sideways"),
		"other table":        query.From[Post]().Select("users.name"),
		"where op injection": query.From[Post]().WhereOp("votes", "= 1 or 1 =", 1),
		"where column":       query.From[Post]().WhereIn("x) or (1", 1),
		"group by":           query.From[Post]().GroupBy("1; drop"),
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, q.Err())
			_, _, err := q.ToSql()
			require.Error(t, err)
			// The error sticks through later builder calls and reaches the run.
			_, err = q.Where(sq.Eq{"id": 1}).Get(context.Background(), nil)
			require.Error(t, err)
		})
	}
	_, err := query.From[Post]().Select("id; drop table posts").Get(context.Background(), nil)
	assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
	_, err = query.From[Post]().OrderBy("nope").Get(context.Background(), nil)
	assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)

	type NoStruct int
	_, err = query.From[NoStruct]().Get(context.Background(), nil)
	assert.ErrorIs(t, err, sqlt.ErrNotStruct)

	type NoPK struct {
		Name string
	}
	_, err = query.From[NoPK]().Find(context.Background(), nil, 1)
	assert.ErrorIs(t, err, sqlt.ErrNoPrimaryKey)
}

func TestImmutable(t *testing.T) {
	base := query.From[Post]().Where(sq.Eq{"a": 1})
	x := base.Where(sq.Eq{"b": 2})
	y := base.Where(sq.Eq{"c": 3})
	sx, _, _ := x.ToSql()
	sy, _, _ := y.ToSql()
	sb, _, _ := base.ToSql()
	assert.Contains(t, sx, "b = ?")
	assert.NotContains(t, sx, "c = ?")
	assert.Contains(t, sy, "c = ?")
	assert.NotContains(t, sb, "b = ?")
}

func TestScopeCannotBeEscapedByRawOr(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := User{ID: 1}
		for _, raw := range []string{"votes > 100\nor 1 = 1", "votes > 100 or(1=1)", "votes > 100 OR\t1 = 1"} {
			posts, err := query.Related(UserPosts, &ann).WhereRaw(raw).Get(ctx, db)
			require.NoError(t, err)
			for _, p := range posts {
				require.NotNil(t, p.UserID)
				assert.Equal(t, int64(1), *p.UserID, "raw %q leaked another parent's post", raw)
			}
			n, err := query.Related(UserPosts, &ann).WhereRaw(raw).UpdateAll(ctx, db, map[string]any{"votes": 999})
			require.NoError(t, err)
			assert.LessOrEqual(t, n, int64(2))
		}
		bobs, err := query.From[Post]().Where(sq.Eq{"votes": 999}, sq.NotEq{"user_id": 1}).Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, bobs, "no other parent's post was updated")
	})
}

// A query keeps its conditions as they were checked when added: changing
// the caller's condition afterwards (an sq.Eq map, a reused slice) changes
// neither the query nor slips an unchecked fragment past the scope.
func TestConditionsAreFixedWhenAdded(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := User{ID: 1}
		cond := sq.Eq{"votes": 10}
		conds := []sq.Sqlizer{cond, sq.Expr("title <> ?", "x")}
		q := query.Related(UserPosts, &ann).Where(conds...).Having().OrderByRaw("id")
		cond["votes"] = 3
		cond["1 = 1) or (1"] = 1 // refused by the check, had it been given
		conds[1] = sq.Expr("1 = 1")
		posts, err := q.Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "hello", posts[0].Title)
		s, args, err := q.ToSql()
		require.NoError(t, err)
		assert.NotContains(t, s, "1 = 1")
		assert.Equal(t, []any{int64(1), 10, "x"}, args)
	})
}

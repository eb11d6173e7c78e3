package query_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/fixture/counts"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// category is a self-referencing model: categories have child categories.
type category struct {
	ID       int64      `db:"id"`
	ParentID *int64     `db:"parent_id"`
	Name     string     `db:"name"`
	Children []category `db:"-"`
	Parent   *category  `db:"-"`
}

var (
	categoryChildren = rel.HasMany[category, category]("parent_id")
	categoryParent   = rel.BelongsTo[category, category]("parent_id")
)

func squashSQL(s string) string { return strings.Join(strings.Fields(s), " ") }

func idsOf[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(rows))
	for _, r := range rows {
		out = append(out, id(r))
	}
	return out
}

func hasPostIDs(ps []Post) []int64 { return idsOf(ps, func(p Post) int64 { return p.ID }) }
func hasUserIDs(us []User) []int64 { return idsOf(us, func(u User) int64 { return u.ID }) }
func likeCodeComments(q *query.Query[Comment]) *query.Query[Comment] {
	return q.WhereOp("content", "like", "code%")
}

// TestHasSQL pins the statements existence conditions render (whitespace
// normalised), arguments included.
func TestHasSQL(t *testing.T) {
	const (
		corr   = `"posts"."id" = "comments"."post_id"`
		sel    = `select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where `
		usel   = `select "users"."id", "users"."name" from "users" where `
		roles  = `from "roles" join "role_user" on "roles"."id" = "role_user"."role_id" where "users"."id" = "role_user"."user_id"`
		images = `exists (select * from "images" where "comments"."id" = "images"."comment_id")`
	)
	cases := []struct {
		name string
		sql  string // statement on posts unless users is set
		args []any
		cond sq.Sqlizer
		user bool
	}{
		{"has", sel + `exists (select * from "comments" where ` + corr + `)`, nil, query.Has(PostComments), false},
		{"has >= 1 is exists", sel + `exists (select * from "comments" where ` + corr + `)`, nil, query.Has(PostComments, ">=", 1), false},
		{"has >= 3 counts", sel + `(select count(*) from "comments" where ` + corr + `) >= 3`, nil, query.Has(PostComments, ">=", 3), false},
		{"has < 1 is not exists", sel + `not exists (select * from "comments" where ` + corr + `)`, nil, query.Has(PostComments, "<", 1), false},
		{"doesnt have", sel + `not exists (select * from "comments" where ` + corr + `)`, nil, query.DoesntHave(PostComments), false},
		{"has = 0 writes the count", sel + `(select count(*) from "comments" where ` + corr + `) = 0`, nil, query.Has(PostComments, "=", 0), false},
		{"has != uint8", sel + `(select count(*) from "comments" where ` + corr + `) <> 2`, nil, query.Has(PostComments, "!=", uint8(2)), false},
		{"where has", sel + `exists (select * from "comments" where ` + corr + ` and "comments"."content" like ?)`,
			[]any{"code%"}, query.WhereHas(PostComments, likeCodeComments), false},
		{"where has with count keeps bindings", sel + `(select count(*) from "comments" where ` + corr + ` and "comments"."content" like ?) >= 2`,
			[]any{"code%"}, query.WhereHas(PostComments, likeCodeComments, ">=", 2), false},
		{"where doesnt have", sel + `not exists (select * from "comments" where ` + corr + ` and "comments"."content" like ?)`,
			[]any{"code%"}, query.WhereDoesntHave(PostComments, likeCodeComments), false},
		{"where relation", sel + `exists (select * from "comments" where ` + corr + ` and "comments"."votes" > ?)`,
			[]any{3}, query.WhereRelation(PostComments, "votes", ">", 3), false},
		{"relation-level where", sel + `(select count(*) from "comments" where ` + corr + ` and votes > ? and "comments"."content" like ?) = 1`,
			[]any{1, "code%"}, query.WhereHas(PostComments.Where(sq.Gt{"votes": 1}), likeCodeComments, "=", 1), false},
		{"relation-level or is grouped", sel + `exists (select * from "comments" where ` + corr + ` and (votes > ? OR content = ?))`,
			[]any{4, "meh"}, query.Has(PostComments.Where(sq.Or{sq.Gt{"votes": 4}, sq.Eq{"content": "meh"}})), false},
		{"relation-level raw or is grouped", sel + `exists (select * from "comments" where ` + corr + ` and (votes > ? or content = ?))`,
			[]any{4, "meh"}, query.Has(PostComments.Where(sq.Expr("votes > ? or content = ?", 4, "meh"))), false},
		{"constraint or is grouped", sel + `exists (select * from "comments" where ` + corr + ` and ("comments"."content" like ? or "comments"."votes" > ?))`,
			[]any{"code%", 4}, query.WhereHas(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
				return q.WhereOp("content", "like", "code%").OrWhereOp("votes", ">", 4)
			}), false},
		{"belongs to", sel + `exists (select * from "users" where "posts"."user_id" = "users"."id")`, nil, query.Has(PostAuthor), false},
		{"belongs to count", sel + `(select count(*) from "users" where "posts"."user_id" = "users"."id") = 0`, nil, query.Has(PostAuthor, "=", 0), false},
		{"has one", usel + `exists (select * from "phones" where "users"."id" = "phones"."user_id")`, nil, query.Has(UserPhone), true},
		{"belongs to many", usel + `exists (select * ` + roles + `)`, nil, query.Has(UserRoles), true},
		{"belongs to many with pivot filter", usel + `(select count(*) ` + roles + ` and ("role_user"."active" = ?)) >= 2`,
			[]any{true}, query.Has(UserRoles.WherePivot("active", true), ">=", 2), true},
		{"belongs to many pivot column", usel + `exists (select * ` + roles + ` and "role_user"."active" = ?)`,
			[]any{false}, query.WhereRelation(UserRoles, "role_user.active", "=", false), true},
		{"nested string path", sel + `exists (select * from "comments" where ` + corr + ` and ` + images + `)`, nil, query.HasPath[Post]("comments.images"), false},
		{"nested typed", sel + `exists (select * from "comments" where ` + corr + ` and ` + images + `)`, nil, query.Nested(PostComments, CommentImages).Has(), false},
		{"nested count applies to the leaf", usel + `exists (select * from "posts" where "users"."id" = "posts"."user_id" and (select count(*) from "comments" where ` + corr + `) >= 2)`,
			nil, query.Nested(UserPosts, PostComments).Has(">=", 2), true},
		{"nested doesnt have negates the chain", usel + `not exists (select * from "posts" where "users"."id" = "posts"."user_id" and exists (select * from "comments" where ` + corr + `))`,
			nil, query.DoesntHavePath[User]("posts.comments"), true},
		{"nested where has", sel + `exists (select * from "comments" where ` + corr + ` and exists (select * from "images" where "comments"."id" = "images"."comment_id" and "images"."url" = ?))`,
			[]any{"c.png"}, query.WhereHasPath[Post]("comments.images", func(q *query.Query[Image]) *query.Query[Image] { return q.WhereOp("url", "=", "c.png") }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s string
			var args []any
			var err error
			if tc.user {
				s, args, err = query.From[User]().Where(tc.cond).ToSql()
			} else {
				s, args, err = query.From[Post]().Where(tc.cond).ToSql()
			}
			require.NoError(t, err)
			assert.Equal(t, squashSQL(tc.sql), squashSQL(s))
			assert.Equal(t, tc.args, args)
		})
	}

	t.Run("self relation aliases the inner table", func(t *testing.T) {
		s, args, err := query.From[category]().Where(query.WhereHas(categoryChildren, func(q *query.Query[category]) *query.Query[category] {
			return q.WhereOp("name", "=", "b")
		})).ToSql()
		require.NoError(t, err)
		assert.Equal(t, squashSQL(`select "categories"."id", "categories"."parent_id", "categories"."name" from "categories" where exists (select * from "categories" as "relkit_reserved_0"
			where "categories"."id" = "relkit_reserved_0"."parent_id" and "relkit_reserved_0"."name" = ?)`), squashSQL(s))
		assert.Equal(t, []any{"b"}, args)

		s, _, err = query.From[category]().Where(query.Nested(categoryChildren, categoryChildren).Has()).ToSql()
		require.NoError(t, err)
		assert.Equal(t, squashSQL(`select "categories"."id", "categories"."parent_id", "categories"."name" from "categories" where exists (select * from "categories" as "relkit_reserved_0"
			where "categories"."id" = "relkit_reserved_0"."parent_id" and exists (select * from "categories"
			where "relkit_reserved_0"."id" = "categories"."parent_id"))`), squashSQL(s))
	})

	t.Run("or has with a count keeps the or", func(t *testing.T) {
		s, args, err := query.From[Post]().Where(sq.Eq{"votes": 0}).OrWhere(query.Has(PostComments, ">=", 3)).ToSql()
		require.NoError(t, err)
		assert.Equal(t, squashSQL(sel+`votes = ? or (select count(*) from "comments" where `+corr+`) >= 3`), squashSQL(s))
		assert.Equal(t, []any{0}, args)
	})

	t.Run("squirrel and/or", func(t *testing.T) {
		s, args, err := query.From[Post]().Where(sq.Or{
			sq.And{query.Has(PostComments, ">", 1), sq.Gt{"votes": 5}},
			query.WhereHas(PostComments, likeCodeComments, "=", 0),
		}).ToSql()
		require.NoError(t, err)
		assert.Equal(t, squashSQL(sel+`(((select count(*) from "comments" where `+corr+`) > 1 AND votes > ?) OR `+
			`(select count(*) from "comments" where `+corr+` and "comments"."content" like ?) = 0)`), squashSQL(s))
		assert.Equal(t, []any{5, "code%"}, args)
	})
}

func TestHas(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		posts := func(conds ...sq.Sqlizer) []int64 {
			t.Helper()
			db.Counter.Reset()
			q := query.From[Post]().OrderBy("id")
			for _, c := range conds {
				q = q.Where(c)
			}
			got, err := q.Get(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, 1, db.Counter.Count(), "one statement")
			return hasPostIDs(got)
		}
		users := func(conds ...sq.Sqlizer) []int64 {
			t.Helper()
			db.Counter.Reset()
			q := query.From[User]().OrderBy("id")
			for _, c := range conds {
				q = q.Where(c)
			}
			got, err := q.Get(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, 1, db.Counter.Count(), "one statement")
			return hasUserIDs(got)
		}
		// comments per post: 1 → 3, 2 → 1, 3 → 0, 4 → 0.
		assert.Equal(t, []int64{1, 2}, posts(query.Has(PostComments)))
		assert.Equal(t, []int64{1}, posts(query.Has(PostComments, ">=", 3)))
		assert.Equal(t, []int64{1}, posts(query.Has(PostComments, ">", 1)))
		assert.Equal(t, []int64{2}, posts(query.Has(PostComments, "=", 1)))
		assert.Equal(t, []int64{2, 3, 4}, posts(query.Has(PostComments, "<=", 1)))
		assert.Equal(t, []int64{3, 4}, posts(query.Has(PostComments, "<", 1)), "parents with no children at all")
		assert.Equal(t, []int64{3, 4}, posts(query.DoesntHave(PostComments)))
		assert.Equal(t, []int64{3, 4}, posts(query.Has(PostComments, "=", 0)), "= 0 is bound")
		assert.Equal(t, []int64{1, 2}, posts(query.Has(PostComments, "<>", 0)))

		// whereHas, with a count: the constraint's binding survives.
		assert.Equal(t, []int64{1}, posts(query.WhereHas(PostComments, likeCodeComments)))
		assert.Equal(t, []int64{1}, posts(query.WhereHas(PostComments, likeCodeComments, ">=", 2)))
		assert.Empty(t, posts(query.WhereHas(PostComments, likeCodeComments, ">=", 3)))
		assert.Equal(t, []int64{2, 3, 4}, posts(query.WhereHas(PostComments, likeCodeComments, "<", 1)))
		assert.Equal(t, []int64{2, 3, 4}, posts(query.WhereDoesntHave(PostComments, likeCodeComments)))
		assert.Equal(t, []int64{1, 2}, posts(query.WhereHas[Post, Comment](PostComments, nil)), "a nil constraint is Has")
		assert.Equal(t, []int64{1}, posts(query.WhereRelation(PostComments, "votes", ">", 3)))
		assert.Empty(t, posts(query.WhereRelation(PostComments, "content", "=", "nope")))

		// orHas with a count keeps its OR: votes = 0 (post 3) or 3+ comments (post 1).
		db.Counter.Reset()
		got, err := query.From[Post]().Where(sq.Eq{"votes": 0}).OrWhere(query.Has(PostComments, ">=", 3)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 3}, hasPostIDs(got))
		got, err = query.From[Post]().Where(sq.Eq{"id": 4}).OrWhere(query.WhereHas(PostComments, likeCodeComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 4}, hasPostIDs(got))
		assert.Equal(t, 2, db.Counter.Count())

		// squirrel composition.
		assert.Equal(t, []int64{1, 4}, posts(sq.Or{sq.And{query.Has(PostComments), sq.Gt{"votes": 5}}, query.Has(PostAuthor, "=", 0)}))

		// A relation's own Where is part of every subquery:
		// post 1's comments have 5, 1, 2 votes; post 2's has 0.
		voted := PostComments.Where(sq.Gt{"votes": 1})
		assert.Equal(t, []int64{1}, posts(query.Has(voted)))
		assert.Equal(t, []int64{1}, posts(query.Has(voted, "=", 2)))
		assert.Equal(t, []int64{2, 3, 4}, posts(query.DoesntHave(voted)))
		assert.Equal(t, []int64{1}, posts(query.WhereHas(voted, likeCodeComments, ">=", 2)))
		assert.Empty(t, posts(query.WhereHas(PostComments.Where(sq.Gt{"votes": 4}), likeCodeComments, ">=", 2)))

		// belongsTo: a count is 0 or 1; post 4 has no author.
		assert.Equal(t, []int64{1, 2, 3}, posts(query.Has(PostAuthor)))
		assert.Equal(t, []int64{1, 2, 3}, posts(query.Has(PostAuthor, "=", 1)))
		assert.Equal(t, []int64{4}, posts(query.Has(PostAuthor, "=", 0)))
		assert.Equal(t, []int64{4}, posts(query.DoesntHave(PostAuthor)))
		assert.Equal(t, []int64{3}, posts(query.WhereRelation(PostAuthor, "name", "=", "bob")))

		// hasOne.
		assert.Equal(t, []int64{1, 2}, users(query.Has(UserPhone)))
		assert.Equal(t, []int64{3}, users(query.DoesntHave(UserPhone)))

		// belongsToMany: ann has admin (active) and editor (inactive), bob viewer (active).
		assert.Equal(t, []int64{1, 2}, users(query.Has(UserRoles)))
		assert.Equal(t, []int64{1}, users(query.Has(UserRoles, ">=", 2)))
		assert.Equal(t, []int64{3}, users(query.DoesntHave(UserRoles)))
		active := UserRoles.WherePivot("active", true)
		assert.Empty(t, users(query.Has(active, ">=", 2)), "the pivot filter is part of the count")
		assert.Equal(t, []int64{1, 2}, users(query.Has(active, "=", 1)))
		assert.Equal(t, []int64{1}, users(query.WhereRelation(UserRoles, "name", "=", "editor")))
		assert.Empty(t, users(query.WhereRelation(active, "name", "=", "editor")))
		assert.Equal(t, []int64{1}, users(query.WhereRelation(UserRoles, "role_user.active", "=", false)))
		assert.Equal(t, []int64{2}, users(query.WhereHas(UserRoles, func(q *query.Query[Role]) *query.Query[Role] {
			return q.WhereOp("name", "like", "v%")
		})))
		assert.Equal(t, []int64{1}, users(query.Has(UserRoles.Where(sq.Eq{"name": "admin"}))))

		// Nested paths: comment 1 (post 1) and comment 4 (post 2) have images.
		assert.Equal(t, []int64{1, 2}, posts(query.HasPath[Post]("comments.images")))
		assert.Equal(t, []int64{1, 2}, posts(query.Nested(PostComments, CommentImages).Has()))
		assert.Equal(t, []int64{1}, posts(query.Nested(PostComments, CommentImages).Has(">=", 2)))
		assert.Equal(t, []int64{3, 4}, posts(query.DoesntHavePath[Post]("comments.images")))
		assert.Equal(t, []int64{2}, posts(query.WhereHasPath[Post]("comments.images", func(q *query.Query[Image]) *query.Query[Image] {
			return q.WhereOp("url", "=", "c.png")
		})))
		assert.Equal(t, []int64{2}, posts(query.PathOf[Post]("comments.images").WhereRelation("url", "=", "c.png")))
		assert.Equal(t, []int64{1}, users(query.Nested(UserPosts, PostComments).Has(">=", 2)))
		assert.Equal(t, []int64{1}, users(query.HasPath[User]("posts.comments.images")))
		assert.Equal(t, []int64{2, 3}, users(query.DoesntHavePath[User]("posts.comments")), "cy has no posts at all")
		assert.Equal(t, []int64{1}, users(query.WhereHasNested(query.Nested(UserPosts, PostComments), likeCodeComments)))

		// Existence conditions in a relation query and in Count/Exists.
		ann, err := query.From[User]().Find(ctx, db, 1)
		require.NoError(t, err)
		got, err = query.Related(UserPosts, &ann).Where(query.Has(PostComments, "=", 1)).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{2}, hasPostIDs(got))
		n, err := query.From[Post]().Where(query.DoesntHave(PostComments)).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		ok, err := query.From[Post]().Where(query.Has(PostComments, ">", 3)).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

func TestHasErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		run := func(c sq.Sqlizer) error {
			t.Helper()
			db.Counter.Reset()
			_, err := query.From[Post]().Where(c).Get(ctx, db)
			require.Error(t, err)
			assert.Equal(t, 0, db.Counter.Count(), "no statement runs: %v", err)
			return err
		}

		err := run(query.HasPath[Post]("comments.nope"))
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		var ue *rel.UnknownRelationError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, "nope", ue.Name)
		assert.Contains(t, ue.Known, "images")

		assert.ErrorIs(t, run(query.HasPath[Post]("comments;drop table posts")), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, run(query.HasPath[Post]("")), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, run(query.Has(PostComments, "~", 1)), query.ErrBadArgument)
		assert.ErrorIs(t, run(query.Has(PostComments, ">=", "1")), query.ErrBadArgument)
		assert.ErrorIs(t, run(query.Has(PostComments, ">= 1 or 1=1 --", 1)), query.ErrBadArgument, "an operator with SQL")
		assert.ErrorIs(t, run(query.Has(PostComments, ">=", "1; drop table posts")), query.ErrBadArgument, "a count with SQL")
		assert.ErrorIs(t, run(query.Has(PostComments, 3)), query.ErrBadArgument)
		assert.ErrorIs(t, run(query.Has(PostComments, ">=", 1, 2)), query.ErrBadArgument)
		assert.ErrorIs(t, run(query.Has(nil)), sqlt.ErrNilValue)
		assert.Error(t, run(query.Has(rel.HasManyRelation[Post, Comment]{})), "an undeclared relation")
		nilComments := (*rel.HasManyRelation[Post, Comment])(nil)
		assert.ErrorIs(t, run(query.Has(nilComments)), rel.ErrBadRelation, "a nil relation pointer")
		assert.ErrorIs(t, run(query.WhereHas(nilComments, func(q *query.Query[Comment]) *query.Query[Comment] { return q })), rel.ErrBadRelation)
		_, err = query.Related(nilComments, &Post{ID: 1}).Get(ctx, db)
		assert.ErrorIs(t, err, rel.ErrBadRelation)
		_, err = query.GetMany(ctx, db, nilComments, &Post{ID: 1})
		assert.ErrorIs(t, err, rel.ErrBadRelation)
		assert.ErrorIs(t, run(query.WhereRelation(PostComments, "votes; drop table posts", "=", 1)), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, run(query.WhereRelation(PostComments, "nope", "=", 1)), sqlt.ErrUnknownColumn)
		assert.ErrorIs(t, run(query.WhereRelation(PostComments, "votes", "= 1 or 1 =", 1)), query.ErrBadArgument)
		assert.ErrorIs(t, run(query.WhereHas(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
			return q.WhereOp("nope", "=", 1)
		}, ">=", 2)), sqlt.ErrUnknownColumn)
		assert.ErrorIs(t, run(query.WhereHas(PostComments, func(*query.Query[Comment]) *query.Query[Comment] { return nil })), query.ErrBadArgument)
		assert.ErrorIs(t, run(query.Nested(PostComments, UserPosts).Has()), rel.ErrBadRelation, "a chain that does not connect")
		assert.ErrorIs(t, run(query.WhereHasPath[Post]("comments.images", func(q *query.Query[Comment]) *query.Query[Comment] { return q })),
			query.ErrBadArgument, "a constraint on the wrong type")
		assert.ErrorIs(t, run(sq.And{sq.Eq{"id": 1}, query.HasPath[Post]("nope")}), rel.ErrUnknownRelation, "inside sq.And")
		assert.ErrorIs(t, run(sq.Or{sq.Eq{"id": 1}, query.Has(PostComments, "like", 1)}), query.ErrBadArgument, "inside sq.Or")

		// The error also reaches Count, Exists and ToSql.
		_, err = query.From[Post]().Where(query.HasPath[Post]("nope")).Count(ctx, db)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		_, err = query.From[Post]().Where(query.HasPath[Post]("nope")).Exists(ctx, db)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		_, _, err = query.From[Post]().OrWhere(query.HasPath[Post]("nope")).ToSql()
		assert.True(t, errors.Is(err, rel.ErrUnknownRelation), "%v", err)
		assert.Contains(t, err.Error(), `has: relation path "nope"`)

		n, err := query.From[Post]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), n, "data unchanged")
	})
}

// operator and count, the exists and count forms, and what each
// returns.
func TestHasOperatorAndCountForms(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		counts.Seed(t, db)
		from := query.From[counts.Post]()
		exists := `exists (select * from "comments" where ` + counts.Corr + `)`
		count := `(select count(*) from "comments" where ` + counts.Corr + `)`
		cases := []struct {
			name string
			cond sq.Sqlizer
			want []int64
			sql  string
		}{
			{"has", query.Has(counts.PostComments), []int64{1, 2, 5}, `where ` + exists},
			{">= 1 is exists", query.Has(counts.PostComments, ">=", 1), []int64{1, 2, 5}, `where ` + exists},
			{"< 1 is not exists", query.Has(counts.PostComments, "<", 1), []int64{3, 4}, `where not ` + exists},
			{"doesnt have", query.DoesntHave(counts.PostComments), []int64{3, 4}, `where not ` + exists},
			{">= 3 counts, literal", query.Has(counts.PostComments, ">=", 3), []int64{1}, `where ` + count + ` >= 3`},
			{">= 2", query.Has(counts.PostComments, ">=", 2), []int64{1, 2}, count + ` >= 2`},
			{"> 1", query.Has(counts.PostComments, ">", 1), []int64{1, 2}, count + ` > 1`},
			{"> 0 is a count (only >=1 and <1 use exists)", query.Has(counts.PostComments, ">", 0), []int64{1, 2, 5}, count + ` > 0`},
			{"= 0", query.Has(counts.PostComments, "=", 0), []int64{3, 4}, count + ` = 0`},
			{"= 2", query.Has(counts.PostComments, "=", 2), []int64{2}, count + ` = 2`},
			{"< 2", query.Has(counts.PostComments, "<", 2), []int64{3, 4, 5}, count + ` < 2`},
			{"<= 1", query.Has(counts.PostComments, "<=", 1), []int64{3, 4, 5}, count + ` <= 1`},
			{"<> 3", query.Has(counts.PostComments, "<>", 3), []int64{2, 3, 4, 5}, count + ` <> 3`},
			{"!= 3", query.Has(counts.PostComments, "!=", 3), []int64{2, 3, 4, 5}, count + ` <> 3`},
		}
		for _, c := range cases {
			ids, stmt := counts.Posts(t, db, from.Where(c.cond))
			assert.Equal(t, c.want, ids, c.name)
			assert.Contains(t, stmt, counts.Norm(c.sql), c.name)
			if strings.Contains(c.sql, "count(*)") {
				assert.NotContains(t, stmt, "exists", c.name)
			} else {
				assert.NotContains(t, stmt, "count(*)", c.name)
			}
		}
	})
}

// whereHas / orWhereHas / whereRelation.
func TestWhereHasAndWhereDoesntHave(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		counts.Seed(t, db)
		from := query.From[counts.Post]()

		ids, stmt := counts.Posts(t, db, from.Where(query.WhereHas(counts.PostComments, counts.Code)))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, counts.Norm(`where exists (select * from "comments" where `+counts.Corr+` and `))
		assert.Contains(t, stmt, `like ?)`)

		// the count form keeps its bindings.
		ids, stmt = counts.Posts(t, db, from.Where(query.WhereHas(counts.PostComments, counts.Code, ">=", 2)))
		assert.Equal(t, []int64{1}, ids)
		assert.Contains(t, stmt, counts.Norm(`(select count(*) from "comments" where `+counts.Corr+` and `))
		assert.Contains(t, stmt, `like ?) >= 2`)
		s, args, err := from.Where(query.WhereHas(counts.PostComments, counts.Code, ">=", 2)).ToSql()
		require.NoError(t, err)
		assert.Equal(t, strings.Count(s, "?"), len(args), "every placeholder is bound: %s %v", s, args)
		assert.Contains(t, args, "code%")

		// The documentation's ">= 10" gives nothing here, and binds too.
		ids, _ = counts.Posts(t, db, from.Where(query.WhereHas(counts.PostComments, counts.Code, ">=", 10)))
		assert.Empty(t, ids)

		// nil constraint is plain has.
		ids, _ = counts.Posts(t, db, from.Where(query.WhereHas(counts.PostComments, nil)))
		assert.Equal(t, []int64{1, 2, 5}, ids)

		// whereDoesntHave.
		ids, _ = counts.Posts(t, db, from.Where(query.WhereDoesntHave(counts.PostComments, counts.Code)))
		assert.Equal(t, []int64{3, 4, 5}, ids)

		// orWhereHas after where id = 4: "where id = ? or exists (…)".
		ids, stmt = counts.Posts(t, db, from.Where(sq.Eq{"id": 4}).OrWhere(query.WhereHas(counts.PostComments, counts.Code)))
		assert.Equal(t, []int64{1, 2, 4}, ids)
		assert.Contains(t, stmt, counts.Norm(`id = ? or exists (select * from "comments" where `+counts.Corr))

		// orHas: the or stays an or.
		ids, stmt = counts.Posts(t, db, from.Where(sq.Eq{"votes": 0}).OrWhere(query.Has(counts.PostComments, ">=", 3)))
		assert.Equal(t, []int64{1, 3}, ids)
		assert.Contains(t, stmt, counts.Norm(`votes = ? or (select count(*) from "comments" where `+counts.Corr+`) >= 3`))
		ids, _ = counts.Posts(t, db, from.Where(sq.Eq{"votes": 0}).OrWhere(query.Has(counts.PostComments)))
		assert.Equal(t, []int64{1, 2, 3, 5}, ids)
		ids, _ = counts.Posts(t, db, from.Where(sq.Eq{"votes": 10}).OrWhere(query.DoesntHave(counts.PostComments)))
		assert.Equal(t, []int64{1, 3, 4}, ids)

		// whereRelation ≡ whereHas with one condition.
		ids, stmt = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostComments, "votes", ">", 3)))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "comments" where `+counts.Corr+` and`))
		assert.Contains(t, stmt, `votes" > ?)`)
		viaWhereHas, _ := counts.Posts(t, db, from.Where(query.WhereHas(counts.PostComments, func(q *query.Query[counts.Comment]) *query.Query[counts.Comment] {
			return q.WhereOp("votes", ">", 3)
		})))
		assert.Equal(t, ids, viaWhereHas)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostComments, "votes", ">", 10)))
		assert.Empty(t, ids)

		// Combined with other conditions and counted.
		n, err := from.Where(query.Has(counts.PostComments)).Where(sq.Gt{"votes": 2}).Count(context.Background(), db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
	})
}

// correlation for each relation kind; whereRelation with
// belongsTo; belongsToMany through its pivot.
func TestHasCorrelatesToTheOuterQuery(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		counts.Seed(t, db)
		from := query.From[counts.Post]()

		// belongsTo: posts.user_id = users.id; post 4 (NULL) and 5 (user 99) have no author.
		ids, stmt := counts.Posts(t, db, from.Where(query.Has(counts.PostAuthor)))
		assert.Equal(t, []int64{1, 2, 3}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "users" where "posts"."user_id" = "users"."id")`))
		ids, _ = counts.Posts(t, db, from.Where(query.DoesntHave(counts.PostAuthor)))
		assert.Equal(t, []int64{4, 5}, ids)
		ids, stmt = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostAuthor, "name", "=", "ann")))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "users" where "posts"."user_id" = "users"."id" and "users"."name" = ?)`))
		ids, _ = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostAuthor, "name", "=", "bob")))
		assert.Equal(t, []int64{3}, ids)

		// hasMany from users: users.id = posts.user_id.
		db.Counter.Reset()
		us, err := query.From[counts.User]().Where(query.Has(counts.UserPosts)).OrderBy("id").Get(context.Background(), db)
		require.NoError(t, err)
		require.Len(t, us, 2)
		assert.Equal(t, []string{"ann", "bob"}, []string{us[0].Name, us[1].Name})
		assert.Contains(t, counts.Last(t, db), counts.Norm(`exists (select * from "posts" where "users"."id" = "posts"."user_id")`))

		// belongsToMany: from tags join post_tag on tags.id = post_tag.tag_id where posts.id = post_tag.post_id.
		ids, stmt = counts.Posts(t, db, from.Where(query.Has(counts.PostTags)))
		assert.Equal(t, []int64{1, 2, 3}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "tags"`))
		assert.Contains(t, stmt, counts.Norm(`join "post_tag" on "tags"."id" = "post_tag"."tag_id" where "posts"."id" = "post_tag"."post_id"`))
		// Counting joined pivot rows: post 2 has tag 1 twice.
		ids, _ = counts.Posts(t, db, from.Where(query.Has(counts.PostTags, ">=", 2)))
		assert.Equal(t, []int64{1, 2}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.Has(counts.PostTags, ">=", 3)))
		assert.Equal(t, []int64{1}, ids)
		// whereRelation on a pivot column and on a related column.
		ids, _ = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostTags, "post_tag.active", "=", false)))
		assert.Equal(t, []int64{1, 3}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostTags, "name", "=", "sql")))
		assert.Equal(t, []int64{1, 3}, ids)
	})
}

// relation-level constraints and pivot filters are part of the
// existence subquery.
func TestHasKeepsTheRelationConstraints(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		counts.Seed(t, db)
		from := query.From[counts.Post]()

		// votes > 2: comments 1 (post 1) and 5 (post 2); post 5's only comment has 2.
		ids, stmt := counts.Posts(t, db, from.Where(query.Has(counts.PostPopular)))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "comments" where `+counts.Corr+` and votes > ?)`))
		ids, _ = counts.Posts(t, db, from.Where(query.Has(counts.PostPopular, ">=", 2)))
		assert.Empty(t, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.DoesntHave(counts.PostPopular)))
		assert.Equal(t, []int64{3, 4, 5}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereHas(counts.PostPopular, counts.Code)))
		assert.Equal(t, []int64{1, 2}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostPopular, "content", "=", "code review")))
		assert.Empty(t, ids, "comment 3 has 2 votes: outside the relation")

		// A relation-level OR cannot escape the correlation: comments 1
		// (post 1, 5 votes) and 6 (post 5, "ok").
		ids, _ = counts.Posts(t, db, from.Where(query.Has(counts.PostOrComments)))
		assert.Equal(t, []int64{1, 5}, ids)

		// Pivot filters: only active pivot rows.
		ids, stmt = counts.Posts(t, db, from.Where(query.Has(counts.PostActiveTags)))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, `"post_tag"."active" = ?`)
		ids, _ = counts.Posts(t, db, from.Where(query.Has(counts.PostActiveTags, ">=", 3)))
		assert.Empty(t, ids, "post 1 has 3 tags, 2 of them active")
		ids, _ = counts.Posts(t, db, from.Where(query.DoesntHave(counts.PostActiveTags)))
		assert.Equal(t, []int64{3, 4, 5}, ids)
	})
}

// nested has: operator, count and callback on the last segment; outer
// segments are existence tests; doesntHave negates the whole chain.
func TestHasNestedPaths(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		counts.Seed(t, db)
		from := query.From[counts.Post]()
		images := `exists (select * from "images" where "comments"."id" = "images"."comment_id")`

		ids, stmt := counts.Posts(t, db, from.Where(query.Nested(counts.PostComments, counts.CommentImages).Has()))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, counts.Norm(`where exists (select * from "comments" where `+counts.Corr+` and `+images+`)`))
		byPath, stmt2 := counts.Posts(t, db, from.Where(query.HasPath[counts.Post]("comments.images")))
		assert.Equal(t, ids, byPath)
		assert.Equal(t, stmt, stmt2)

		// The count applies to the last segment: comments with 2+ images.
		ids, stmt = counts.Posts(t, db, from.Where(query.HasPath[counts.Post]("comments.images", ">=", 2)))
		assert.Equal(t, []int64{1}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "comments" where `+counts.Corr+
			` and (select count(*) from "images" where "comments"."id" = "images"."comment_id") >= 2)`))

		// doesntHave('comments.images') → not exists (comments … and exists (images …)).
		ids, stmt = counts.Posts(t, db, from.Where(query.DoesntHavePath[counts.Post]("comments.images")))
		assert.Equal(t, []int64{3, 4, 5}, ids)
		assert.Contains(t, stmt, counts.Norm(`where not exists (select * from "comments" where `+counts.Corr+` and `+images+`)`))
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostComments, counts.CommentImages).DoesntHave()))
		assert.Equal(t, []int64{3, 4, 5}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostComments, counts.CommentImages).Has("<", 1)))
		assert.Equal(t, []int64{3, 4, 5}, ids)

		// The callback narrows the last segment.
		ids, _ = counts.Posts(t, db, from.Where(query.WhereHasNested(query.Nested(counts.PostComments, counts.CommentImages), func(q *query.Query[counts.Image]) *query.Query[counts.Image] {
			return q.WhereOp("url", "=", "c.png")
		})))
		assert.Equal(t, []int64{2}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereHasPath[counts.Post, counts.Image]("comments.images", func(q *query.Query[counts.Image]) *query.Query[counts.Image] {
			return q.WhereOp("url", "like", "%.png")
		}, ">=", 2)))
		assert.Equal(t, []int64{1}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostComments, counts.CommentImages).WhereRelation("url", "=", "b.png")))
		assert.Equal(t, []int64{1}, ids)

		// Three levels from users: has('posts.comments', '>=', 2).
		ctx := context.Background()
		db.Counter.Reset()
		us, err := query.From[counts.User]().Where(query.Nested(counts.UserPosts, counts.PostComments).Has(">=", 2)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, us, 1)
		assert.Equal(t, "ann", us[0].Name)
		assert.Contains(t, counts.Last(t, db), counts.Norm(`exists (select * from "posts" where "users"."id" = "posts"."user_id" and (select count(*) from "comments" where `+counts.Corr+`) >= 2)`))
		us, err = query.From[counts.User]().Where(query.HasPath[counts.User]("posts.comments.images")).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, us, 1)
		assert.Equal(t, "ann", us[0].Name)
		us, err = query.From[counts.User]().Where(query.DoesntHavePath[counts.User]("posts.comments")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, us, 2)
		assert.Equal(t, []string{"bob", "cy"}, []string{us[0].Name, us[1].Name})
	})
}

// self-relations alias the inner table with a numbered reserved alias
// (never "…NaN").
func TestHasOnASelfRelationAliasesTheInnerLevel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		counts.Seed(t, db)
		from := query.From[counts.Post]()
		a0 := `"` + render.ReservedAlias + `0"`

		ids, stmt := counts.Posts(t, db, from.Where(query.Has(counts.PostChildren)))
		assert.Equal(t, []int64{1, 2}, ids)
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "posts" as `+a0+` where "posts"."id" = `+a0+`."parent_id")`))
		assert.NotContains(t, stmt, "nan")

		ids, stmt = counts.Posts(t, db, from.Where(query.Has(counts.PostParent)))
		assert.Equal(t, []int64{2, 3, 5}, ids)
		assert.Contains(t, stmt, counts.Norm(`(select * from "posts" as `+a0+` where "posts"."parent_id" = `+a0+`."id")`))

		ids, _ = counts.Posts(t, db, from.Where(query.Has(counts.PostChildren, ">=", 2)))
		assert.Equal(t, []int64{1}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.DoesntHave(counts.PostChildren)))
		assert.Equal(t, []int64{3, 4, 5}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereRelation(counts.PostChildren, "title", "=", "news")))
		assert.Equal(t, []int64{1}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.WhereHas(counts.PostChildren, func(q *query.Query[counts.Post]) *query.Query[counts.Post] {
			return q.WhereOp("title", "=", "news")
		})))
		assert.Equal(t, []int64{1}, ids)

		// Nested self-relation: as in Laravel, a level is aliased when its
		// table is the enclosing one's; the innermost "posts" shadows the
		// outer query's and is correlated to the aliased middle level.
		ids, stmt = counts.Posts(t, db, from.Where(query.Nested(counts.PostChildren, counts.PostChildren).Has()))
		assert.Equal(t, []int64{1}, ids, "post 1's child 2 has child 5")
		assert.Contains(t, stmt, counts.Norm(`exists (select * from "posts" as `+a0+` where "posts"."id" = `+a0+`."parent_id" and `+
			`exists (select * from "posts" where `+a0+`."id" = "posts"."parent_id"))`))
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostChildren, counts.PostChildren, counts.PostChildren).Has()))
		assert.Empty(t, ids, "no great-grandchildren")
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostChildren, counts.PostChildren).Has(">=", 1)))
		assert.Equal(t, []int64{1}, ids)
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostChildren, counts.PostComments).Has(">=", 2)))
		assert.Equal(t, []int64{1}, ids, "post 1's child 2 has 2 comments")

		// The grandparent chain: posts whose parent has a parent.
		ids, _ = counts.Posts(t, db, from.Where(query.Nested(counts.PostParent, counts.PostParent).Has()))
		assert.Equal(t, []int64{5}, ids)
	})
}

// Existence on users and posts with a first_name column.
type haSuUser struct {
	ID        int64      `db:"id"`
	Name      string     `db:"name"`
	FirstName string     `db:"first_name"`
	Posts     []haSuPost `db:"-"`
}

func (haSuUser) TableName() string { return "users" }

type haSuPost struct {
	ID      int64  `db:"id"`
	UserID  int64  `db:"user_id"`
	Name    string `db:"name"`
	Content string `db:"content"`
}

func (haSuPost) TableName() string { return "posts" }

var haSuUserPosts = rel.HasMany[haSuUser, haSuPost]("user_id")

func TestHasOfUsersPosts(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table users (id {{pk}}, name text, first_name text)`,
			`create table posts (id {{pk}}, user_id bigint default 0, name text, content text)`,
			`insert into users (name, first_name) values ('Tim', 'Shuri'), ('X', 'Alice')`,
			`insert into posts (user_id, name, content) values
				(1, 'changed name', 'c1'), (2, 'This is a new Title 2!', 'c2'), (2, 'This is a new Title 3!', 'c3'),
				(30, 'This is a new Title 4!', 'c4'), (4, 'This is a new Title 5!', 'c5')`,
		)
		users := query.From[haSuUser]()
		count := func(q *query.Query[haSuUser]) int64 {
			t.Helper()
			db.Counter.Reset()
			n, err := q.Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, 1, db.Counter.Count())
			return n
		}
		assert.Equal(t, int64(2), count(users.Where(query.Has(haSuUserPosts))))
		assert.Equal(t, int64(1), count(users.Where(query.Has(haSuUserPosts, ">", 1))))
		assert.Equal(t, int64(1), count(users.Where(query.WhereHas(haSuUserPosts, func(q *query.Query[haSuPost]) *query.Query[haSuPost] {
			return q.Where(sq.Eq{"name": "This is a new Title 3!"})
		}))))
		assert.Equal(t, int64(1), count(users.Where(query.WhereRelation(haSuUserPosts, "name", "=", "This is a new Title 3!"))))
		assert.Equal(t, int64(0), count(users.Where(query.WhereRelation(haSuUserPosts, "name", "=", "This is a new Title 6!"))))
		// By name.
		assert.Equal(t, int64(2), count(users.Where(query.HasPath[haSuUser]("posts"))))
	})
}

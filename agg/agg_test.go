package agg_test

import (
	"context"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Post is the fixture's posts table with aggregate fields.
type Post struct {
	ID        int64     `db:"id"`
	UserID    *int64    `db:"user_id"`
	Title     string    `db:"title"`
	Votes     int64     `db:"votes"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`

	CommentsCount    int64           `db:"comments_count,readonly"`
	CodeCount        int             `db:"code_count,readonly"`
	CommentsSumVotes int64           `db:"comments_sum_votes,readonly"`
	CommentsMinVotes *int64          `db:"comments_min_votes,readonly"`
	CommentsMaxVotes int32           `db:"comments_max_votes,readonly"`
	CommentsAvgVotes *float64        `db:"comments_avg_votes,readonly"`
	AvgVotes         float64         `db:"avg_votes,readonly"`
	CommentsExists   bool            `db:"comments_exists,readonly"`
	VotesText        string          `db:"votes_text,readonly"`
	MaxContent       string          `db:"max_content,readonly"`
	SumVotes         agg.Null[int64] `db:"sum_votes,readonly"`
	AuthorCount      int64           `db:"author_count,readonly"`
}

// User is the fixture's users table with aggregate fields.
type User struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`

	PostsCount        int64               `db:"posts_count,readonly"`
	PostsMaxCreatedAt agg.Null[time.Time] `db:"posts_max_created_at,readonly"`
	PostsMinCreatedAt *time.Time          `db:"posts_min_created_at,readonly"`
	RolesCount        int64               `db:"roles_count,readonly"`
	ActiveRoles       int64               `db:"active_roles,readonly"`
	RolesExists       bool                `db:"roles_exists,readonly"`
	PhoneCount        int64               `db:"phone_count,readonly"`
}

// Category is a self-relation: categories with child categories.
type Category struct {
	ID            int64  `db:"id"`
	ParentID      *int64 `db:"parent_id"`
	Name          string `db:"name"`
	ChildrenCount int64  `db:"children_count,readonly"`
}

var (
	PostComments     = rel.HasMany[Post, fixture.Comment]()
	PostAuthor       = rel.BelongsTo[Post, User]("user_id").Named("author")
	UserPosts        = rel.HasMany[User, Post]()
	UserRoles        = rel.BelongsToMany[User, fixture.Role]().WithPivot("active")
	UserPhone        = rel.HasOne[User, fixture.Phone]()
	CategoryChildren = rel.HasMany[Category, Category]("parent_id").Named("children")
)

func codeComments(q *query.Query[fixture.Comment]) *query.Query[fixture.Comment] {
	return q.WhereOp("content", "like", "code%")
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestAggregateSQL pins the statements the select-column form renders
// (whitespace normalised), arguments included.
func TestAggregateSQL(t *testing.T) {
	const corr = `"posts"."id" = "comments"."post_id"`
	cases := []struct {
		name string
		got  func() (string, []any, error)
		sql  string
		args []any
	}{
		{"count", query.From[Post]().Apply(agg.WithCount(PostComments)).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select count(*) from "comments" where ` + corr + `) as "comments_count" from "posts"`, nil},
		{"count after select", query.From[Post]().Select("id", "title").Apply(agg.WithCount(PostComments)).ToSql,
			`select "posts"."id", "posts"."title", (select count(*) from "comments" where ` + corr + `) as "comments_count" from "posts"`, nil},
		{"count before select", query.From[Post]().Apply(agg.WithCount(PostComments)).Select("id", "title").ToSql,
			`select "posts"."id", "posts"."title", (select count(*) from "comments" where ` + corr + `) as "comments_count" from "posts"`, nil},
		{"constrained count with alias", query.From[Post]().Where(sq.Gt{"votes": 2}).Apply(agg.WithCount(PostComments, codeComments).As("code_count")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select count(*) from "comments" where ` + corr + ` and "comments"."content" like ?) as "code_count" from "posts" where votes > ?`,
			[]any{"code%", 2}},
		{"sum into an int is coalesced", query.From[Post]().Apply(agg.WithSum(PostComments, "votes")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", coalesce((select sum("comments"."votes") from "comments" where ` + corr + `), 0) as "comments_sum_votes" from "posts"`, nil},
		{"qualified column", query.From[Post]().Apply(agg.WithSum(PostComments, "comments.votes").As("sum_votes")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select sum("comments"."votes") from "comments" where ` + corr + `) as "sum_votes" from "posts"`, nil},
		{"min into a pointer stays NULL", query.From[Post]().Apply(agg.WithMin(PostComments, "votes")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select min("comments"."votes") from "comments" where ` + corr + `) as "comments_min_votes" from "posts"`, nil},
		{"max of text into a string", query.From[Post]().Apply(agg.WithMax(PostComments, "content").As("max_content")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", coalesce((select max("comments"."content") from "comments" where ` + corr + `), '') as "max_content" from "posts"`, nil},
		{"avg", query.From[Post]().Apply(agg.WithAvg(PostComments, "votes")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select avg("comments"."votes") from "comments" where ` + corr + `) as "comments_avg_votes" from "posts"`, nil},
		{"exists", query.From[Post]().Apply(agg.WithExists(PostComments, codeComments)).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", exists (select * from "comments" where ` + corr + ` and "comments"."content" like ?) as "comments_exists" from "posts"`,
			[]any{"code%"}},
		{"relation-level where", query.From[Post]().Apply(agg.WithCount(PostComments.Where(sq.Gt{"votes": 1}), codeComments)).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select count(*) from "comments" where ` + corr + ` and votes > ? and "comments"."content" like ?) as "comments_count" from "posts"`,
			[]any{1, "code%"}},
		{"belongs to", query.From[Post]().Apply(agg.WithCount(PostAuthor)).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select count(*) from "users" where "posts"."user_id" = "users"."id") as "author_count" from "posts"`, nil},
		{"belongs to many with pivot filter", query.From[User]().Apply(agg.WithCount(UserRoles.WherePivot("active", true)).As("active_roles")).ToSql,
			`select "users"."id", "users"."name", (select count(*) from "roles" join "role_user" on "roles"."id" = "role_user"."role_id"
			where "users"."id" = "role_user"."user_id" and ("role_user"."active" = ?)) as "active_roles" from "users"`, []any{true}},
		{"self relation", query.From[Category]().Apply(agg.WithCount(CategoryChildren)).ToSql,
			`select "categories"."id", "categories"."parent_id", "categories"."name", (select count(*) from "categories" as "relkit_reserved_0"
			where "categories"."id" = "relkit_reserved_0"."parent_id") as "children_count" from "categories"`, nil},
		{"with a where and an existence test", query.From[Post]().Where(query.Has(PostComments, ">=", 2)).Apply(agg.WithCount(PostComments, codeComments).As("code_count")).ToSql,
			`select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at", (select count(*) from "comments" where ` + corr + ` and "comments"."content" like ?) as "code_count" from "posts"
			where (select count(*) from "comments" where ` + corr + `) >= 2`, []any{"code%"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, args, err := tc.got()
			require.NoError(t, err)
			assert.Equal(t, squash(tc.sql), squash(s))
			assert.Equal(t, tc.args, args)
		})
	}
	assert.Equal(t, "comments_sum_votes", agg.WithSum(PostComments, "votes").Alias())
	assert.Equal(t, "comments_sum_commentsvotes", agg.WithSum(PostComments, "comments.votes").Alias(), "Laravel strips the dot")
	assert.Equal(t, "comments_exists", agg.WithExists(PostComments).Alias())
	assert.Equal(t, "author_count", agg.WithCount(PostAuthor).Alias())
}

func seedCategories(t *testing.T, db *testdb.DB) {
	db.MustExec(t,
		`create table categories (id {{pk}}, parent_id bigint references categories(id), name text not null)`,
		`insert into categories (parent_id, name) values (null, 'root'), (1, 'a'), (1, 'b'), (2, 'a1'), (null, 'lone')`,
	)
}

// seedTimes gives the posts distinct creation times: post n at day n.
func seedTimes(t *testing.T, db *testdb.DB) {
	db.MustExec(t,
		`update posts set created_at = '2024-03-01 10:00:00' where id = 1`,
		`update posts set created_at = '2024-03-02 10:00:00' where id = 2`,
		`update posts set created_at = '2024-03-03 10:00:00' where id = 3`,
		`update posts set created_at = '2024-03-04 10:00:00' where id = 4`,
	)
}

func day(n int) time.Time { return time.Date(2024, 3, n, 10, 0, 0, 0, time.UTC) }

func TestWithAggregates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		seedTimes(t, db)
		get := func(q *query.Query[Post]) []Post {
			t.Helper()
			db.Counter.Reset()
			posts, err := q.OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			require.Len(t, posts, 4)
			assert.Equal(t, 1, db.Counter.Count(), "one statement")
			return posts
		}
		// comments: post 1 → votes 5, 1, 2 ("code is fun", "nice", "code review"); post 2 → 0 ("meh").
		posts := get(query.From[Post]().Apply(
			agg.WithCount(PostComments),
			agg.WithCount(PostComments, codeComments).As("code_count"),
			agg.WithSum(PostComments, "votes"),
			agg.WithMin(PostComments, "votes"),
			agg.WithMax(PostComments, "votes"),
			agg.WithAvg(PostComments, "votes"),
			agg.WithAvg(PostComments, "votes").As("avg_votes"),
			agg.WithExists(PostComments),
			agg.WithSum(PostComments, "votes").As("votes_text"),
			agg.WithMax(PostComments, "content").As("max_content"),
			agg.WithSum(PostComments, "votes").As("sum_votes"),
			agg.WithCount(PostAuthor),
		))
		p1, p2, p3, p4 := posts[0], posts[1], posts[2], posts[3]
		assert.Equal(t, "hello", p1.Title, "the parent's columns are read too")
		assert.Equal(t, []int64{3, 1, 0, 0}, []int64{p1.CommentsCount, p2.CommentsCount, p3.CommentsCount, p4.CommentsCount})
		assert.Equal(t, []int{2, 0, 0, 0}, []int{p1.CodeCount, p2.CodeCount, p3.CodeCount, p4.CodeCount})
		assert.Equal(t, []int64{8, 0, 0, 0}, []int64{p1.CommentsSumVotes, p2.CommentsSumVotes, p3.CommentsSumVotes, p4.CommentsSumVotes})
		require.NotNil(t, p1.CommentsMinVotes)
		require.NotNil(t, p2.CommentsMinVotes)
		assert.Equal(t, int64(1), *p1.CommentsMinVotes)
		assert.Equal(t, int64(0), *p2.CommentsMinVotes)
		assert.Nil(t, p3.CommentsMinVotes, "no children: NULL → nil pointer")
		assert.Equal(t, []int32{5, 0, 0, 0}, []int32{p1.CommentsMaxVotes, p2.CommentsMaxVotes, p3.CommentsMaxVotes, p4.CommentsMaxVotes})
		require.NotNil(t, p1.CommentsAvgVotes)
		assert.InDelta(t, 8.0/3, *p1.CommentsAvgVotes, avgDelta(db))
		assert.Nil(t, p4.CommentsAvgVotes)
		assert.InDelta(t, 8.0/3, p1.AvgVotes, avgDelta(db))
		if db.Name == "mysql" {
			assert.Equal(t, 2.6667, p1.AvgVotes, "MySQL's DECIMAL average, as the server gives it")
		}
		assert.Zero(t, p3.AvgVotes, "no children: NULL → 0 in a float field")
		assert.Equal(t, []bool{true, true, false, false}, []bool{p1.CommentsExists, p2.CommentsExists, p3.CommentsExists, p4.CommentsExists})
		assert.Equal(t, []string{"8", "0", "0", "0"}, []string{p1.VotesText, p2.VotesText, p3.VotesText, p4.VotesText})
		assert.Equal(t, []string{"nice", "meh", "", ""}, []string{p1.MaxContent, p2.MaxContent, p3.MaxContent, p4.MaxContent})
		assert.Equal(t, agg.Null[int64]{V: 8, Valid: true}, p1.SumVotes)
		assert.Equal(t, agg.Null[int64]{}, p3.SumVotes)
		assert.Equal(t, []int64{1, 1, 1, 0}, []int64{p1.AuthorCount, p2.AuthorCount, p3.AuthorCount, p4.AuthorCount}, "belongsTo: 0 or 1")

		// Combined with a select list: the parent's columns stay as selected.
		posts = get(query.From[Post]().Select("id", "title").Apply(agg.WithCount(PostComments)))
		assert.Equal(t, "code tips", posts[1].Title)
		assert.Zero(t, posts[0].Votes, "not selected")
		assert.Equal(t, int64(3), posts[0].CommentsCount)

		// A relation's own Where is part of the aggregate.
		posts = get(query.From[Post]().Apply(agg.WithCount(PostComments.Where(sq.Gt{"votes": 1}))))
		assert.Equal(t, []int64{2, 0, 0, 0}, []int64{posts[0].CommentsCount, posts[1].CommentsCount, posts[2].CommentsCount, posts[3].CommentsCount})

		// With conditions and an existence test in the same statement.
		db.Counter.Reset()
		got, err := query.From[Post]().Where(query.Has(PostComments)).Apply(agg.WithCount(PostComments, codeComments).As("code_count")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []int{2, 0}, []int{got[0].CodeCount, got[1].CodeCount})

		// belongsToMany and hasOne, on users: ann admin+editor(inactive), bob viewer, cy nothing.
		db.Counter.Reset()
		users, err := query.From[User]().Apply(
			agg.WithCount(UserRoles),
			agg.WithCount(UserRoles.WherePivot("active", true)).As("active_roles"),
			agg.WithExists(UserRoles),
			agg.WithCount(UserPhone),
			agg.WithCount(UserPosts),
			agg.WithMax(UserPosts, "created_at"),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count())
		require.Len(t, users, 3)
		assert.Equal(t, []int64{2, 1, 0}, []int64{users[0].RolesCount, users[1].RolesCount, users[2].RolesCount})
		assert.Equal(t, []int64{1, 1, 0}, []int64{users[0].ActiveRoles, users[1].ActiveRoles, users[2].ActiveRoles})
		assert.Equal(t, []bool{true, true, false}, []bool{users[0].RolesExists, users[1].RolesExists, users[2].RolesExists})
		assert.Equal(t, []int64{1, 1, 0}, []int64{users[0].PhoneCount, users[1].PhoneCount, users[2].PhoneCount})
		assert.Equal(t, []int64{2, 1, 0}, []int64{users[0].PostsCount, users[1].PostsCount, users[2].PostsCount})
		assert.Equal(t, agg.Null[time.Time]{V: day(2), Valid: true}, users[0].PostsMaxCreatedAt, "max of a timestamp")
		assert.True(t, users[1].PostsMaxCreatedAt.V.Equal(day(3)))
		assert.False(t, users[2].PostsMaxCreatedAt.Valid)

		// A *time.Time field takes the min of a timestamp on PostgreSQL and
		// MySQL (parseTime); SQLite returns it as text, which only
		// agg.Null[time.Time] parses in this form (documented).
		minQ := query.From[User]().Apply(agg.WithMin(UserPosts, "created_at")).OrderBy("id")
		if db.Name != "sqlite" {
			users, err := minQ.Get(ctx, db)
			require.NoError(t, err)
			require.NotNil(t, users[0].PostsMinCreatedAt)
			assert.True(t, users[0].PostsMinCreatedAt.Equal(day(1)))
			assert.Nil(t, users[2].PostsMinCreatedAt)
		} else {
			_, err := minQ.Get(ctx, db)
			assert.ErrorContains(t, err, "posts_min_created_at")
		}

		// A constrained exists keeps its binding.
		posts = get(query.From[Post]().Apply(agg.WithExists(PostComments, codeComments)))
		assert.Equal(t, []bool{true, false, false, false}, []bool{posts[0].CommentsExists, posts[1].CommentsExists, posts[2].CommentsExists, posts[3].CommentsExists})

		// A relation query keeps working with aggregates.
		ann := users[0]
		got, err = query.Related(UserPosts, &ann).Apply(agg.WithCount(PostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []int64{3, 1}, []int64{got[0].CommentsCount, got[1].CommentsCount})

		// Writes never touch readonly aggregate fields.
		p := got[0]
		p.Title = "hello again"
		require.NoError(t, query.From[Post]().Update(ctx, db, &p))
		fresh, err := query.From[Post]().Find(ctx, db, p.ID)
		require.NoError(t, err)
		assert.Equal(t, "hello again", fresh.Title)
		assert.Zero(t, fresh.CommentsCount, "a plain query does not read aggregates")
	})
}

func TestWithCountSelfRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedCategories(t, db)
		cats, err := query.From[Category]().Apply(agg.WithCount(CategoryChildren)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		counts := make([]int64, len(cats))
		for i, c := range cats {
			counts[i] = c.ChildrenCount
		}
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, counts)

		require.NoError(t, agg.LoadCount(ctx, db, cats, CategoryChildren, func(q *query.Query[Category]) *query.Query[Category] {
			return q.WhereOp("name", "=", "b")
		}))
		for i, c := range cats {
			counts[i] = c.ChildrenCount
		}
		assert.Equal(t, []int64{1, 0, 0, 0, 0}, counts)
	})
}

func TestAggregateErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		run := func(a agg.Aggregate[Post]) error {
			t.Helper()
			db.Counter.Reset()
			_, err := query.From[Post]().Apply(a).Get(ctx, db)
			require.Error(t, err)
			assert.Equal(t, 0, db.Counter.Count(), "no statement: %v", err)
			return err
		}
		assert.ErrorIs(t, run(agg.WithSum(PostComments, "nope")), sqlt.ErrUnknownColumn)
		assert.ErrorIs(t, run(agg.WithSum(PostComments, "votes; drop table posts")), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, run(agg.WithSum(PostComments, "posts.votes")), sqlt.ErrUnknownColumn, "another table's column")
		assert.ErrorIs(t, run(agg.WithMax(PostComments, "")), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, run(agg.WithCount(PostComments).As("nope")), agg.ErrNoField)
		assert.ErrorIs(t, run(agg.WithCount(PostComments).As(`x" from users --`)), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, run(agg.WithCount[Post, fixture.Comment](nil)), sqlt.ErrNilValue)
		assert.Error(t, run(agg.WithCount(rel.HasManyRelation[Post, fixture.Comment]{})))
		assert.ErrorIs(t, run(agg.Aggregate[Post]{}), query.ErrBadArgument)
		assert.ErrorIs(t, run(agg.WithCount(PostComments, codeComments, codeComments)), query.ErrBadArgument)
		assert.ErrorIs(t, run(agg.WithCount(PostComments, func(q *query.Query[fixture.Comment]) *query.Query[fixture.Comment] {
			return q.WhereOp("nope", "=", 1)
		})), sqlt.ErrUnknownColumn)
		err := run(agg.WithSum(PostComments, "nope"))
		assert.Contains(t, err.Error(), "with sum comments.nope")

		// The deferred forms check the same things, and leave the parents alone.
		posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		before := append([]Post(nil), posts...)
		db.Counter.Reset()
		assert.ErrorIs(t, agg.LoadSum(ctx, db, posts, PostComments, "nope"), sqlt.ErrUnknownColumn)
		assert.ErrorIs(t, agg.Load(ctx, db, posts, agg.WithCount(PostComments), agg.WithCount(PostComments).As("nope")), agg.ErrNoField)
		assert.ErrorIs(t, agg.Load(ctx, nil, posts, agg.WithCount(PostComments)), sqlt.ErrNilValue)
		_, err = agg.Values[int64](ctx, db, posts, agg.WithSum(PostComments, "id; drop table posts"))
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		assert.Equal(t, 0, db.Counter.Count())

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		err = agg.Load(cancelled, db, posts, agg.WithCount(PostComments), agg.WithCount(PostAuthor))
		assert.ErrorIs(t, err, context.Canceled)
		// A failing second statement leaves the first relation's fields unset.
		err = agg.Load(ctx, db, posts, agg.WithCount(PostComments), agg.WithCount(PostComments, func(q *query.Query[fixture.Comment]) *query.Query[fixture.Comment] {
			return q.WhereRaw("no_such_column = 1")
		}))
		assert.Error(t, err)
		assert.Equal(t, before, posts, "parents unchanged")
	})
}

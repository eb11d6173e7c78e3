package agg_test

// Aggregate columns (WithCount, WithSum, …) and deferred aggregates
// (Load*) over every relation kind, their aliases, constraints and bad
// input, on the blog models of models_test.go. Every test runs on SQLite
// and PostgreSQL.

import (
	"context"
	"regexp"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// haUser is users, with an aggregate over its posts.
type haUser struct {
	ID        int64    `db:"id"`
	Name      string   `db:"name"`
	Posts     []haPost `db:"-"`
	FirstPost *haPost  `db:"-"`

	PostsCount     int64 `db:"posts_count,readonly"`
	FirstPostCount int64 `db:"first_post_count,readonly"`
}

func (haUser) TableName() string { return "users" }

// haPost is posts: an author (belongsTo, NULL or dangling for some rows),
// a parent post and child posts (self-relations), comments (plain, with a
// relation-level where, with a relation-level OR), tags through post_tag
// (plain and filtered on the pivot), and the aggregate fields.
type haPost struct {
	ID       int64  `db:"id"`
	UserID   *int64 `db:"user_id"`
	ParentID *int64 `db:"parent_id"`
	Title    string `db:"title"`
	Votes    int64  `db:"votes"`

	Author          *haUser     `db:"-"`
	Parent          *haPost     `db:"-"`
	Children        []haPost    `db:"-"`
	Comments        []haComment `db:"-"`
	PopularComments []haComment `db:"-"`
	OrComments      []haComment `db:"-"`
	ChildFoos       []haComment `db:"-"`
	Tags            []haTag     `db:"-"`
	ActiveTags      []haTag     `db:"-"`

	CommentsCount        int64    `db:"comments_count,readonly"`
	CommentsExists       bool     `db:"comments_exists,readonly"`
	CommentsSumVotes     *int64   `db:"comments_sum_votes,readonly"`
	CommentsMinVotes     *int64   `db:"comments_min_votes,readonly"`
	CommentsMaxVotes     *int64   `db:"comments_max_votes,readonly"`
	CommentsAvgVotes     *float64 `db:"comments_avg_votes,readonly"`
	CodeCount            int64    `db:"code_count,readonly"`
	CC                   int64    `db:"cc,readonly"`
	CodeExists           bool     `db:"code_exists,readonly"`
	AuthorCount          int64    `db:"author_count,readonly"`
	AuthorExists         bool     `db:"author_exists,readonly"`
	TagsCount            int64    `db:"tags_count,readonly"`
	ActiveTagsCount      int64    `db:"active_tags_count,readonly"`
	PopularCommentsCount int64    `db:"popular_comments_count,readonly"`
	OrCommentsCount      int64    `db:"or_comments_count,readonly"`
	ChildrenCount        int64    `db:"children_count,readonly"`
	ParentExists         bool     `db:"parent_exists,readonly"`
}

func (haPost) TableName() string { return "posts" }

type haComment struct {
	ID      int64     `db:"id"`
	PostID  int64     `db:"post_id"`
	Content string    `db:"content"`
	Votes   int64     `db:"votes"`
	Images  []haImage `db:"-"`
}

func (haComment) TableName() string { return "comments" }

type haImage struct {
	ID        int64  `db:"id"`
	CommentID int64  `db:"comment_id"`
	URL       string `db:"url"`
}

func (haImage) TableName() string { return "images" }

type haTag struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Pivot map[string]any `db:"-"`
}

func (haTag) TableName() string { return "tags" }

// Keys are given explicitly: the conventions would derive them from the
// Go type names (ha_post_id), not from the tables.
var (
	haUserPosts    = rel.HasMany[haUser, haPost]("user_id")
	haUserFirst    = rel.HasOne[haUser, haPost]("user_id")
	haPostAuthor   = rel.BelongsTo[haPost, haUser]("user_id")
	haPostParent   = rel.BelongsTo[haPost, haPost]("parent_id")
	haPostChildren = rel.HasMany[haPost, haPost]("parent_id")
	haPostComments = rel.HasMany[haPost, haComment]("post_id").Field("Comments")
	// A relation-level constraint.
	haPostPopular = rel.HasMany[haPost, haComment]("post_id").Field("PopularComments").Where(sq.Gt{"votes": 2})
	// A relation-level OR must stay inside the correlation.
	haPostOrComments = rel.HasMany[haPost, haComment]("post_id").Field("OrComments").Where(sq.Expr("votes > ? or content = ?", 4, "ok"))
	// Named after its field: child_foos.
	haPostChildFoos  = rel.HasMany[haPost, haComment]("post_id").Field("ChildFoos")
	haPostTags       = rel.BelongsToMany[haPost, haTag]("post_tag", "post_id", "tag_id").Field("Tags").WithPivot("active")
	haPostActiveTags = rel.BelongsToMany[haPost, haTag]("post_tag", "post_id", "tag_id").Field("ActiveTags").WherePivot("active", true)
	haCommentImages  = rel.HasMany[haComment, haImage]("comment_id")
)

// haSeed creates and fills the schema:
//
//	users:    1 ann, 2 bob, 3 cy (no posts)
//	posts:    1 ann "hello" 10; 2 ann "code tips" 3 (parent 1); 3 bob "news" 0 (parent 1);
//	          4 no author "orphan" 7; 5 user 99, missing, "lost" 1 (parent 2)
//	comments: post 1: 1 "code is fun" 5, 2 "nice" 1, 3 "code review" 2;
//	          post 2: 4 "meh" 0, 5 "code golf" 4; post 5: 6 "ok" 2
//	images:   comment 1: 1, 2; comment 4: 3
//	tags:     1 go, 2 sql, 3 orm, 4 unused
//	post_tag: (1,1 active) (1,2 active) (1,3 inactive) (2,1 active) twice (3,2 inactive)
func haSeed(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table users (id {{pk}}, name text not null)`,
		`create table posts (id {{pk}}, user_id bigint, parent_id bigint, title text not null, votes bigint not null default 0)`,
		`create table comments (id {{pk}}, post_id bigint not null, content text not null, votes bigint not null default 0)`,
		`create table images (id {{pk}}, comment_id bigint not null, url text not null)`,
		`create table tags (id {{pk}}, name text not null)`,
		`create table post_tag (id {{pk}}, post_id bigint not null, tag_id bigint not null, active boolean not null default true)`,
		`insert into users (name) values ('ann'), ('bob'), ('cy')`,
		`insert into posts (user_id, parent_id, title, votes) values
			(1, null, 'hello', 10), (1, 1, 'code tips', 3), (2, 1, 'news', 0), (null, null, 'orphan', 7), (99, 2, 'lost', 1)`,
		`insert into comments (post_id, content, votes) values
			(1, 'code is fun', 5), (1, 'nice', 1), (1, 'code review', 2), (2, 'meh', 0), (2, 'code golf', 4), (5, 'ok', 2)`,
		`insert into images (comment_id, url) values (1, 'a.png'), (1, 'b.png'), (4, 'c.png')`,
		`insert into tags (name) values ('go'), ('sql'), ('orm'), ('unused')`,
		`insert into post_tag (post_id, tag_id, active) values (1, 1, true), (1, 2, true), (1, 3, false), (2, 1, true), (2, 1, true), (3, 2, false)`,
	)
}

var haPlaceholder = regexp.MustCompile(`\$\d+`)

// haNorm normalises SQL for substring checks: whitespace collapsed, lower
// case, PostgreSQL's $n placeholders read as ?.
func haNorm(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(haPlaceholder.ReplaceAllString(s, "?")), " "))
}

// haLast is the last statement run, normalised.
func haLast(t *testing.T, db *testdb.DB) string {
	t.Helper()
	st := db.Counter.Statements()
	require.NotEmpty(t, st, "no statement ran")
	return haNorm(st[len(st)-1])
}

func haPostIDs(ps []haPost) []int64 {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// haPosts runs a query on posts filtered by cond, ordered by id, and
// checks that it ran exactly one statement.
func haPosts(t *testing.T, db *testdb.DB, q *query.Query[haPost]) ([]int64, string) {
	t.Helper()
	db.Counter.Reset()
	ps, err := q.OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Equal(t, 1, db.Counter.Count(), db.Counter.String())
	return haPostIDs(ps), haLast(t, db)
}

func haCode(q *query.Query[haComment]) *query.Query[haComment] {
	return q.WhereOp("content", "like", "code%")
}

const haCorr = `"posts"."id" = "comments"."post_id"`

// withCount and the other aggregates as select columns; no related
// rows give count 0, NULL sum/min/max/avg and exists false.
func TestWithAggregateColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()

		db.Counter.Reset()
		ps, err := query.From[haPost]().Apply(agg.WithCount(haPostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))
		assert.Equal(t, "hello", ps[0].Title, "the parent's columns are read too")
		assert.Contains(t, haLast(t, db), haNorm(`select "posts"."id", "posts"."user_id", "posts"."parent_id", "posts"."title", "posts"."votes", (select count(*) from "comments" where `+haCorr+`) as "comments_count" from "posts"`))

		db.Counter.Reset()
		ps, err = query.From[haPost]().Apply(
			agg.WithSum(haPostComments, "votes"),
			agg.WithMin(haPostComments, "votes"),
			agg.WithMax(haPostComments, "votes"),
			agg.WithAvg(haPostComments, "votes"),
			agg.WithExists(haPostComments),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		stmt := haLast(t, db)
		for _, fn := range []string{"sum", "min", "max", "avg"} {
			assert.Contains(t, stmt, haNorm(`(select `+fn+`("comments"."votes") from "comments" where `+haCorr+`)`), fn)
			assert.Contains(t, stmt, haNorm(`as "comments_`+fn+`_votes"`))
		}
		assert.Contains(t, stmt, haNorm(`exists (select * from "comments" where `+haCorr+`) as "comments_exists"`))
		haCheckAggregates(t, ps)
	})
}

// haCheckAggregates checks sum/min/max/avg/exists over comments.votes:
// post 1 {5,1,2}, post 2 {0,4}, posts 3 and 4 none, post 5 {2}.
func haCheckAggregates(t *testing.T, ps []haPost) {
	t.Helper()
	require.Len(t, ps, 5)
	ptr := func(v int64) *int64 { return &v }
	assert.Equal(t, []*int64{ptr(8), ptr(4), nil, nil, ptr(2)}, haField(ps, func(p haPost) *int64 { return p.CommentsSumVotes }))
	assert.Equal(t, []*int64{ptr(1), ptr(0), nil, nil, ptr(2)}, haField(ps, func(p haPost) *int64 { return p.CommentsMinVotes }))
	assert.Equal(t, []*int64{ptr(5), ptr(4), nil, nil, ptr(2)}, haField(ps, func(p haPost) *int64 { return p.CommentsMaxVotes }))
	avg := haField(ps, func(p haPost) *float64 { return p.CommentsAvgVotes })
	require.NotNil(t, avg[0])
	assert.InDelta(t, 8.0/3, *avg[0], 1e-9)
	require.NotNil(t, avg[1])
	assert.InDelta(t, 2.0, *avg[1], 1e-9)
	assert.Nil(t, avg[2])
	assert.Nil(t, avg[3])
	require.NotNil(t, avg[4])
	assert.InDelta(t, 2.0, *avg[4], 1e-9)
	assert.Equal(t, []bool{true, true, false, false, true}, haField(ps, func(p haPost) bool { return p.CommentsExists }))
}

func haField[V any](ps []haPost, f func(haPost) V) []V {
	out := make([]V, len(ps))
	for i, p := range ps {
		out[i] = f(p)
	}
	return out
}

// Parent select list: with a select, the aggregate is
// appended to it (before or after Select); without one, the mapped columns first.
func TestWithCountKeepsTheSelectedColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		code := agg.WithCount(haPostComments, haCode).As("code_count")
		after := query.From[haPost]().Select("id", "title").Apply(agg.WithCount(haPostComments), code).OrderBy("id")
		before := query.From[haPost]().Apply(agg.WithCount(haPostComments), code).Select("id", "title").OrderBy("id")
		for name, q := range map[string]*query.Query[haPost]{"after select": after, "before select": before} {
			db.Counter.Reset()
			ps, err := q.Get(ctx, db)
			require.NoError(t, err, name)
			require.Equal(t, 1, db.Counter.Count(), name)
			stmt := haLast(t, db)
			assert.Contains(t, stmt, haNorm(`select "posts"."id", "posts"."title", (select count(*) from "comments" where `+haCorr+`) as "comments_count", (select count(*)`), name)
			assert.NotContains(t, stmt, `"posts"."user_id"`, name)
			assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.CommentsCount }), name)
			assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.CodeCount }), name)
			assert.Equal(t, "code tips", ps[1].Title, name)
			assert.Zero(t, ps[1].Votes, "%s: not selected", name)
		}
		s1, a1, err := after.ToSql()
		require.NoError(t, err)
		s2, a2, err := before.ToSql()
		require.NoError(t, err)
		assert.Equal(t, s1, s2, "the same statement either way")
		assert.Equal(t, a1, a2)
		assert.Equal(t, []any{"code%"}, a1, "the constraint's binding is kept")
	})
}

// Alias table, custom alias, one relation aggregated twice.
func TestAggregateColumnAliases(t *testing.T) {
	cases := []struct {
		a    interface{ Alias() string }
		want string
	}{
		{agg.WithCount(haPostComments), "comments_count"},
		{agg.WithExists(haPostComments), "comments_exists"},
		{agg.WithSum(haPostComments, "votes"), "comments_sum_votes"},
		{agg.WithAvg(haPostComments, "votes"), "comments_avg_votes"},
		{agg.WithMin(haPostChildFoos, "votes"), "child_foos_min_votes"},
		{agg.WithMax(haPostChildFoos, "post_id"), "child_foos_max_post_id"},
		{agg.WithCount(haPostTags), "tags_count"},
		{agg.WithCount(haPostActiveTags), "active_tags_count"},
		{agg.WithCount(haPostAuthor), "author_count"},
		{agg.WithCount(haUserPosts), "posts_count"},
		{agg.WithCount(haPostComments).As("cc"), "cc"},
		// By name: "comments as cc", the "as" in any case.
		{agg.CountOf[haPost]("comments"), "comments_count"},
		{agg.CountOf[haPost]("comments as cc"), "cc"},
		{agg.CountOf[haPost]("comments AS cc"), "cc"},
		{agg.SumOf[haPost]("comments", "votes"), "comments_sum_votes"},
		{agg.MinOf[haPost]("child_foos", "votes"), "child_foos_min_votes"},
		{agg.ExistsOf[haPost]("comments as code_exists"), "code_exists"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.a.Alias())
	}
	assert.ErrorIs(t, agg.CountOf[haPost]("comments as").Err(), query.ErrBadArgument, "the as form has exactly three words")
	assert.ErrorIs(t, agg.CountOf[haPost]("nope").Err(), rel.ErrUnknownRelation)
	// Laravel strips the dot of a qualified column.
	dotted := agg.WithSum(haPostComments, "comments.votes")
	require.NoError(t, dotted.Err())
	assert.Equal(t, "comments_sum_commentsvotes", dotted.Alias())

	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		db.Counter.Reset()
		ps, err := query.From[haPost]().Apply(
			agg.WithCount(haPostComments),
			agg.CountOf[haPost]("comments as cc"),
			agg.WithCount(haPostComments, haCode).As("code_count"),
			agg.WithExists(haPostComments, haCode).As("code_exists"),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		stmt := haLast(t, db)
		assert.Contains(t, stmt, `as "comments_count"`)
		assert.Contains(t, stmt, `as "cc"`)
		assert.Contains(t, stmt, `as "code_count"`)
		assert.Contains(t, stmt, `as "code_exists"`)
		assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))
		assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.CC }))
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.CodeCount }))
		assert.Equal(t, []bool{true, true, false, false, false}, haField(ps, func(p haPost) bool { return p.CodeExists }))
	})
}

// belongsTo counts 0 or 1; belongsToMany counts joined pivot rows,
// pivot filters included; relation-level wheres apply; the
// self-relation aliases.
func TestWithCountOfEveryRelationKind(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		db.Counter.Reset()
		ps, err := query.From[haPost]().Apply(
			agg.WithCount(haPostAuthor),
			agg.WithExists(haPostAuthor),
			agg.WithCount(haPostTags),
			agg.WithCount(haPostActiveTags),
			agg.WithCount(haPostPopular),
			agg.WithCount(haPostOrComments),
			agg.WithCount(haPostChildren),
			agg.WithExists(haPostParent),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		stmt := haLast(t, db)
		assert.Equal(t, []int64{1, 1, 1, 0, 0}, haField(ps, func(p haPost) int64 { return p.AuthorCount }), "NULL and dangling keys count 0")
		assert.Equal(t, []bool{true, true, true, false, false}, haField(ps, func(p haPost) bool { return p.AuthorExists }))
		assert.Contains(t, stmt, haNorm(`(select count(*) from "users" where "posts"."user_id" = "users"."id") as "author_count"`))
		assert.Equal(t, []int64{3, 2, 1, 0, 0}, haField(ps, func(p haPost) int64 { return p.TagsCount }), "post 2's duplicate pivot row counts")
		assert.Contains(t, stmt, haNorm(`(select count(*) from "tags" join "post_tag" on "tags"."id" = "post_tag"."tag_id" where "posts"."id" = "post_tag"."post_id") as "tags_count"`))
		assert.Equal(t, []int64{2, 2, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.ActiveTagsCount }))
		assert.Equal(t, []int64{1, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.PopularCommentsCount }))
		assert.Equal(t, []int64{1, 0, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.OrCommentsCount }), "a relation-level OR stays inside")
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.ChildrenCount }))
		assert.Equal(t, []bool{false, true, true, false, true}, haField(ps, func(p haPost) bool { return p.ParentExists }))
		assert.Contains(t, stmt, haNorm(`(select count(*) from "posts" as "`+render.ReservedAlias+`0" where "posts"."id" = "`+render.ReservedAlias+`0"."parent_id") as "children_count"`))

		// From users.
		us, err := query.From[haUser]().Apply(agg.WithCount(haUserPosts)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, us, 3)
		assert.Equal(t, []int64{2, 1, 0}, []int64{us[0].PostsCount, us[1].PostsCount, us[2].PostsCount})

		// Combined with existence filters.
		ps, err = query.From[haPost]().Where(query.Has(haPostComments)).Apply(agg.WithCount(haPostComments, haCode).As("code_count")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2, 5}, haPostIDs(ps))
		assert.Equal(t, []int64{2, 1, 0}, haField(ps, func(p haPost) int64 { return p.CodeCount }))
	})
}

// withExists with a constraint keeps its bindings (and
// withCount with one, too).
func TestWithExistsAndWithCountConstraints(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		votes := func(q *query.Query[haComment]) *query.Query[haComment] { return q.WhereOp("votes", ">", 3) }
		q := query.From[haPost]().Apply(agg.WithExists(haPostComments, votes), agg.WithCount(haPostComments, haCode)).OrderBy("id")
		s, args, err := q.ToSql()
		require.NoError(t, err)
		assert.Equal(t, strings.Count(s, "?"), len(args))
		assert.Equal(t, []any{int64(3), "code%"}, haNormArgs(args))
		assert.Contains(t, haNorm(s), haNorm(`exists (select * from "comments" where `+haCorr+` and "comments"."votes" > ?) as "comments_exists"`))
		db.Counter.Reset()
		ps, err := q.Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []bool{true, true, false, false, false}, haField(ps, func(p haPost) bool { return p.CommentsExists }))
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))
	})
}

// haNormArgs reads integer arguments as int64.
func haNormArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int:
			out[i] = int64(v)
		default:
			out[i] = a
		}
	}
	return out
}

// Deferred forms: one statement each, the values of the select-column
// form, nothing else touched, no statement for no parents.
func TestDeferredLoadAggregates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		ps, err := query.From[haPost]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ps, 5)
		// Local changes and loaded relations must survive.
		ps[0].Title = "changed locally"
		ps[1].Comments = []haComment{{ID: 42}}

		type call struct {
			name string
			run  func() error
		}
		calls := []call{
			{"loadCount", func() error { return agg.LoadCount(ctx, db, ps, haPostComments) }},
			{"loadCount constrained", func() error { return agg.Load(ctx, db, ps, agg.WithCount(haPostComments, haCode).As("code_count")) }},
			{"loadSum", func() error { return agg.LoadSum(ctx, db, ps, haPostComments, "votes") }},
			{"loadMin", func() error { return agg.LoadMin(ctx, db, ps, haPostComments, "votes") }},
			{"loadMax", func() error { return agg.LoadMax(ctx, db, ps, haPostComments, "votes") }},
			{"loadAvg", func() error { return agg.LoadAvg(ctx, db, ps, haPostComments, "votes") }},
			{"loadExists", func() error { return agg.LoadExists(ctx, db, ps, haPostComments) }},
			{"belongsTo", func() error { return agg.LoadCount(ctx, db, ps, haPostAuthor) }},
			{"belongsToMany", func() error { return agg.LoadCount(ctx, db, ps, haPostTags) }},
			{"wherePivot", func() error { return agg.LoadCount(ctx, db, ps, haPostActiveTags) }},
			{"relation where", func() error { return agg.LoadCount(ctx, db, ps, haPostPopular) }},
			{"relation-level or", func() error { return agg.LoadCount(ctx, db, ps, haPostOrComments) }},
			{"self", func() error { return agg.LoadCount(ctx, db, ps, haPostChildren) }},
		}
		for _, c := range calls {
			db.Counter.Reset()
			require.NoError(t, c.run(), c.name)
			assert.Equal(t, 1, db.Counter.Count(), "%s: %s", c.name, db.Counter)
		}
		assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.CodeCount }))
		haCheckAggregates(t, ps)
		assert.Equal(t, []int64{1, 1, 1, 0, 0}, haField(ps, func(p haPost) int64 { return p.AuthorCount }))
		assert.Equal(t, []int64{3, 2, 1, 0, 0}, haField(ps, func(p haPost) int64 { return p.TagsCount }))
		assert.Equal(t, []int64{2, 2, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.ActiveTagsCount }))
		assert.Equal(t, []int64{1, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.PopularCommentsCount }))
		assert.Equal(t, []int64{1, 0, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.OrCommentsCount }), "a relation-level OR stays inside")
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.ChildrenCount }))
		assert.Equal(t, "changed locally", ps[0].Title, "nothing else is touched")
		assert.Equal(t, []haComment{{ID: 42}}, ps[1].Comments, "nothing else is touched")

		// Several aggregates of one relation in one call: one statement.
		fresh, err := query.From[haPost]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, fresh,
			agg.WithCount(haPostComments), agg.WithSum(haPostComments, "votes"), agg.WithMin(haPostComments, "votes"),
			agg.WithMax(haPostComments, "votes"), agg.WithAvg(haPostComments, "votes"), agg.WithExists(haPostComments)))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		haCheckAggregates(t, fresh)

		// Several relations in one call (loadCount(['comments', 'tags'])),
		// and one relation twice under different constraints: one query.
		multi, err := query.From[haPost]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, multi,
			agg.WithCount(haPostComments), agg.WithCount(haPostComments, haCode).As("code_count"),
			agg.WithCount(haPostTags), agg.WithCount(haPostActiveTags), agg.WithCount(haPostAuthor),
			agg.WithExists(haPostParent), agg.WithCount(haPostChildren), agg.WithSum(haPostComments, "votes"),
			agg.WithAvg(haPostComments, "votes"), agg.WithExists(haPostComments, func(q *query.Query[haComment]) *query.Query[haComment] {
				return q.WhereOp("votes", ">", 3)
			}).As("code_exists")))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(multi, func(p haPost) int64 { return p.CommentsCount }))
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(multi, func(p haPost) int64 { return p.CodeCount }))
		assert.Equal(t, []int64{3, 2, 1, 0, 0}, haField(multi, func(p haPost) int64 { return p.TagsCount }))
		assert.Equal(t, []int64{2, 2, 0, 0, 0}, haField(multi, func(p haPost) int64 { return p.ActiveTagsCount }))
		assert.Equal(t, []int64{1, 1, 1, 0, 0}, haField(multi, func(p haPost) int64 { return p.AuthorCount }))
		assert.Equal(t, []bool{false, true, true, false, true}, haField(multi, func(p haPost) bool { return p.ParentExists }))
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(multi, func(p haPost) int64 { return p.ChildrenCount }))
		assert.Equal(t, []bool{true, true, false, false, false}, haField(multi, func(p haPost) bool { return p.CodeExists }))
		sum := haField(multi, func(p haPost) *int64 { return p.CommentsSumVotes })
		require.NotNil(t, sum[0])
		assert.Equal(t, int64(8), *sum[0])
		assert.Nil(t, sum[2], "no related rows: NULL")
		avg := haField(multi, func(p haPost) *float64 { return p.CommentsAvgVotes })
		require.NotNil(t, avg[0])
		assert.InDelta(t, 8.0/3, *avg[0], 1e-9)
		assert.Nil(t, avg[3])

		// One model, and pointers to models.
		one, err := query.From[haPost]().Find(ctx, db, 1)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, &one, haPostComments, haCode))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, int64(2), one.CommentsCount)
		ptrs := []*haPost{&fresh[2], &fresh[4]}
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, ptrs, haPostTags))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []int64{1, 0}, []int64{fresh[2].TagsCount, fresh[4].TagsCount})

		// A constrained loadExists keeps its binding.
		require.NoError(t, agg.LoadExists(ctx, db, fresh, haPostComments, func(q *query.Query[haComment]) *query.Query[haComment] {
			return q.WhereOp("votes", ">", 3)
		}))
		assert.Equal(t, []bool{true, true, false, false, false}, haField(fresh, func(p haPost) bool { return p.CommentsExists }))

		// Empty collection: no statement.
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, []haPost{}, haPostComments))
		require.NoError(t, agg.LoadSum(ctx, db, []haPost(nil), haPostComments, "votes"))
		require.NoError(t, agg.Load(ctx, db, []*haPost{}, agg.WithCount(haPostTags), agg.WithExists(haPostAuthor)))
		assert.Equal(t, 0, db.Counter.Count())

		// Values, by parent key, for a struct without the field.
		db.Counter.Reset()
		vals, err := agg.Values[int64](ctx, db, fresh, agg.WithCount(haPostComments))
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, map[any]int64{int64(1): 3, int64(2): 2, int64(3): 0, int64(4): 0, int64(5): 1}, vals)
	})
}

// Bad aggregate input fails before any statement runs.
func TestAggregatesRejectBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		cases := []struct {
			name string
			a    agg.Aggregate[haPost]
			is   error
		}{
			{"column with SQL", agg.WithSum(haPostComments, "votes); drop table posts; --"), sqlt.ErrInvalidIdentifier},
			{"unknown column", agg.WithSum(haPostComments, "nope"), sqlt.ErrUnknownColumn},
			{"bad alias", agg.WithCount(haPostComments).As(`x" from posts; --`), sqlt.ErrInvalidIdentifier},
			{"no field for the alias", agg.WithCount(haPostComments).As("nowhere"), agg.ErrNoField},
		}
		ps := []haPost{{ID: 1}}
		for _, c := range cases {
			db.Counter.Reset()
			_, err := query.From[haPost]().Apply(c.a).Get(ctx, db)
			assert.ErrorIs(t, err, c.is, c.name)
			err = agg.Load(ctx, db, ps, c.a)
			assert.ErrorIs(t, err, c.is, c.name)
			assert.Equal(t, 0, db.Counter.Count(), c.name)
		}
		var zero agg.Aggregate[haPost]
		_, err := query.From[haPost]().Apply(zero).Get(ctx, db)
		assert.Error(t, err)
		require.NoError(t, agg.Load(ctx, db, ps, agg.WithCount(haPostComments)))
		assert.Equal(t, int64(3), ps[0].CommentsCount)
	})
}

// Edge cases: a constraint's own OR stays inside the correlation;
// a constraint's select, order and limit do not change what is counted;
// existence and aggregates on a relation-scoped query; hasOne; a
// belongsToMany constraint on a pivot column.
func TestExistenceAndAggregatesEdgeCases(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		haSeed(t, db)
		ctx := context.Background()
		from := query.From[haPost]()

		codeOrPopular := func(q *query.Query[haComment]) *query.Query[haComment] {
			return q.WhereOp("content", "like", "code%").OrWhereOp("votes", ">", 4)
		}
		ids, stmt := haPosts(t, db, from.Where(query.WhereHas(haPostComments, codeOrPopular)))
		assert.Equal(t, []int64{1, 2}, ids, "the constraint's OR must not escape the correlation")
		assert.Contains(t, stmt, haNorm(`where `+haCorr+` and (`))
		ids, _ = haPosts(t, db, from.Where(query.WhereHas(haPostComments, codeOrPopular, ">=", 2)))
		assert.Equal(t, []int64{1}, ids)
		ids, _ = haPosts(t, db, from.Where(query.WhereDoesntHave(haPostComments, codeOrPopular)))
		assert.Equal(t, []int64{3, 4, 5}, ids)
		ps, err := from.Apply(agg.WithCount(haPostComments, codeOrPopular)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))
		require.NoError(t, agg.LoadCount(ctx, db, ps, haPostComments, codeOrPopular))
		assert.Equal(t, []int64{2, 1, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))

		// Laravel strips a constraint's order (and relkit its select and
		// limit): every matching row is aggregated.
		shaped := func(q *query.Query[haComment]) *query.Query[haComment] {
			return q.WhereOp("votes", ">=", 0).Select("id").OrderByDesc("votes").Limit(1)
		}
		ps, err = from.Apply(agg.WithCount(haPostComments, shaped), agg.WithSum(haPostComments, "votes", shaped)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{3, 2, 0, 0, 1}, haField(ps, func(p haPost) int64 { return p.CommentsCount }))
		require.NotNil(t, ps[0].CommentsSumVotes)
		assert.Equal(t, int64(8), *ps[0].CommentsSumVotes)
		ids, _ = haPosts(t, db, from.Where(query.WhereHas(haPostComments, shaped, ">=", 2)))
		assert.Equal(t, []int64{1, 2}, ids)

		// On a relation-scoped query: ann's posts with comments, counted.
		ann, err := query.From[haUser]().Find(ctx, db, 1)
		require.NoError(t, err)
		db.Counter.Reset()
		ps, err = query.Related(haUserPosts, &ann).Where(query.Has(haPostComments, ">=", 3)).Apply(agg.WithCount(haPostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []int64{1}, haPostIDs(ps))
		assert.Equal(t, int64(3), ps[0].CommentsCount)
		ps, err = query.Related(haUserPosts, &ann).OrWhere(query.Has(haPostComments, "=", 0)).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, ps, "an existence test in OrWhere cannot escape the relation scope")

		// hasOne.
		db.Counter.Reset()
		us, err := query.From[haUser]().Where(query.Has(haUserFirst)).Apply(agg.WithCount(haUserFirst)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, 1, db.Counter.Count())
		require.Len(t, us, 2)
		assert.Contains(t, haLast(t, db), haNorm(`exists (select * from "posts" where "users"."id" = "posts"."user_id")`))
		assert.Equal(t, []int64{2, 1}, []int64{us[0].FirstPostCount, us[1].FirstPostCount}, "the count is of the related rows")
		us, err = query.From[haUser]().Where(query.DoesntHave(haUserFirst)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, us, 1)
		assert.Equal(t, "cy", us[0].Name)

		// belongsToMany constraint naming a pivot column.
		active := func(q *query.Query[haTag]) *query.Query[haTag] { return q.WhereOp("post_tag.active", "=", true) }
		ids, _ = haPosts(t, db, from.Where(query.WhereHas(haPostTags, active, ">=", 2)))
		assert.Equal(t, []int64{1, 2}, ids)
		ps, err = from.Apply(agg.WithCount(haPostTags, active)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{2, 2, 0, 0, 0}, haField(ps, func(p haPost) int64 { return p.TagsCount }))
	})
}

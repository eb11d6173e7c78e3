package query_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
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

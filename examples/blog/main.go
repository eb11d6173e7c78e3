// Command blog is relkit's demo: it builds a small blog schema in an
// in-memory SQLite database, seeds it, and runs the main calls of the
// library, printing for each what it returns and the SQL it issued.
//
//	go run ./examples/blog
//
// It needs only Go and a C compiler (cgo, for the embedded SQLite driver);
// no database server. With -dsn it runs on PostgreSQL or MySQL/MariaDB
// instead, in a scratch schema (PostgreSQL) or database (MySQL) that it
// creates and drops:
//
//	go run ./examples/blog -dsn 'postgres://user:pass@127.0.0.1:5432/db'
//	go run ./examples/blog -dsn 'mysql://user:pass@127.0.0.1:3306/db'
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The models are plain structs: `db` tags name the columns, `db:"-"`
// fields hold loaded relations. Table names follow the type names
// (User → users, Post → posts, Tag → tags); the json tags only shape the
// demo's output.

// User writes posts and has one phone.
type User struct {
	ID    int64  `db:"id" json:"id"`
	Name  string `db:"name" json:"name"`
	Email string `db:"email" json:"email,omitempty"`
	Phone *Phone `db:"-" json:"phone,omitempty"`
	Posts []Post `db:"-" json:"posts,omitempty"`
	// Comments are the comments on the user's posts (UserComments, a
	// hasManyThrough).
	Comments []Comment `db:"-" json:"comments,omitempty"`
	// LatestPost is the user's latest post (UserLatestPost, one of many).
	LatestPost *Post `db:"-" json:"latest_post,omitempty"`

	// Filled by agg.WithCount(UserPosts) or agg.LoadCount: readonly
	// fields are read but never written.
	PostsCount    int64 `db:"posts_count,readonly" json:"posts_count,omitempty"`
	CommentsCount int64 `db:"comments_count,readonly" json:"comments_count,omitempty"`
	// LatestPostCount: agg.WithCount(UserLatestPost), 0 or 1.
	LatestPostCount int64 `db:"latest_post_count,readonly" json:"latest_post_count,omitempty"`
}

// Phone belongs to a user.
type Phone struct {
	ID     int64  `db:"id" json:"id"`
	UserID int64  `db:"user_id" json:"user_id"`
	Number string `db:"number" json:"number"`
}

// Post belongs to a user (NULL for an anonymous post), has many comments
// and many tags.
type Post struct {
	ID        int64      `db:"id" json:"id"`
	UserID    *int64     `db:"user_id" json:"user_id"`
	Title     string     `db:"title" json:"title"`
	Votes     int64      `db:"votes" json:"votes"`
	Published bool       `db:"published" json:"published"`
	CreatedAt time.Time  `db:"created_at" json:"-"`
	UpdatedAt time.Time  `db:"updated_at" json:"-"`
	Author    *User      `db:"-" json:"author,omitempty"`
	Comments  []Comment  `db:"-" json:"comments,omitempty"`
	Tags      []Tag      `db:"-" json:"tags,omitempty"`
	Reactions []Reaction `db:"-" json:"reactions,omitempty"`

	// Aggregates of the comments and tags relations (package agg).
	CommentsCount    int64 `db:"comments_count,readonly" json:"comments_count,omitempty"`
	CommentsSumVotes int64 `db:"comments_sum_votes,readonly" json:"comments_sum_votes,omitempty"`
	LikedCount       int64 `db:"liked_count,readonly" json:"liked_count,omitempty"`
	TagsExists       bool  `db:"tags_exists,readonly" json:"tags_exists,omitempty"`
	// Positions is the sum of the post's pivot positions (agg.WithSum over
	// "post_tag.position").
	Positions int64 `db:"positions,readonly" json:"positions,omitempty"`
}

// Comment belongs to a post.
type Comment struct {
	ID     int64  `db:"id" json:"id"`
	PostID int64  `db:"post_id" json:"post_id"`
	Body   string `db:"body" json:"body"`
	Votes  int64  `db:"votes" json:"votes"`
	// Post points back at the post the comment was loaded for
	// (PostComments' chaperone). json:"-": post → comments → post is a
	// cycle, which encoding/json refuses.
	Post *Post `db:"-" json:"-"`
}

// Video has reactions, as posts do: the reactions table holds both, told
// apart by reactable_type.
type Video struct {
	ID        int64      `db:"id" json:"id"`
	Title     string     `db:"title" json:"title"`
	Reactions []Reaction `db:"-" json:"reactions,omitempty"`
}

// MorphClass is the value of reactable_type for videos (rel.MorphClasser);
// posts use the alias given with rel.MorphAlias.
func (Video) MorphClass() string { return "video" }

// Reaction belongs to a post or a video (a polymorphic relation): its
// target is loaded into Post or Video (ReactionReactable).
type Reaction struct {
	ID            int64  `db:"id" json:"id"`
	ReactableType string `db:"reactable_type" json:"reactable_type"`
	ReactableID   int64  `db:"reactable_id" json:"reactable_id"`
	Emoji         string `db:"emoji" json:"emoji"`
	Post          *Post  `db:"-" json:"post,omitempty"`
	Video         *Video `db:"-" json:"video,omitempty"`
}

// Tag is shared by many posts through the pivot table post_tag; the pivot
// row's columns are read into Pivot.
type Tag struct {
	ID    int64          `db:"id" json:"id"`
	Name  string         `db:"name" json:"name"`
	Pivot map[string]any `db:"-" json:"pivot,omitempty"`
}

// Relations are typed values, declared once next to the models. Keys
// follow the conventions: posts.user_id = users.id, post_tag(post_id,
// tag_id).
var (
	UserPhone = rel.HasOne[User, Phone]()
	UserPosts = rel.HasMany[User, Post]()
	// PostAuthor falls back to a "Guest Author" for anonymous posts.
	PostAuthor = rel.BelongsTo[Post, User]().WithDefault(User{Name: "Guest Author"}).Named("author")
	// CommentPost is the comment's post. Touches: writing a comment sets
	// its post's updated_at, in the same transaction.
	CommentPost = rel.BelongsTo[Comment, Post]().Touches()
	// PostComments sets each comment's Post to the post it was read for
	// (its chaperone): no statement added.
	PostComments = rel.HasMany[Post, Comment]().Chaperone(CommentPost)
	// Named (or Field) ends a declaration with options, so that its name
	// ("tags" in a string path) finds the relation with them.
	PostTags = rel.BelongsToMany[Post, Tag]().WithPivot("position").OrderByPivot("position").Named("tags")
	// UserComments reaches comments through posts: posts.user_id =
	// users.id, comments.post_id = posts.id (rel.ThroughMany(UserPosts,
	// PostComments) declares the same relation from the two).
	UserComments = rel.HasManyThrough[User, Post, Comment]()
	// UserLatestPost keeps, of a user's posts, the one with the greatest
	// id (Laravel's latestOfMany).
	UserLatestPost = rel.HasOne[User, Post]().LatestOfMany()

	// Polymorphic: reactions.reactable_type is "post" or "video" (the
	// alias is given before the relations that use it).
	_              = rel.MorphAlias[Post]("post")
	PostReactions  = rel.MorphMany[Post, Reaction]("reactable")
	VideoReactions = rel.MorphMany[Video, Reaction]("reactable")
	// ReactionReactable is the inverse: the reaction's post or video.
	ReactionReactable = rel.MorphTo[Reaction]("reactable", rel.Target[Post](), rel.Target[Video]())
)

// postTags is PostTags with typed keys: its Sync and Toggle take a []int64,
// so tag names (strings) do not compile.
var postTags = pivot.Keys[int64](PostTags)

var schema = []string{
	`create table users (id integer primary key autoincrement, name text not null, email text not null default '')`,
	`create table phones (id integer primary key autoincrement, user_id integer not null references users(id), number text not null)`,
	`create table posts (id integer primary key autoincrement, user_id integer references users(id), title text not null,
		votes integer not null default 0, published boolean not null default false,
		created_at timestamp not null, updated_at timestamp not null)`,
	`create table comments (id integer primary key autoincrement, post_id integer not null references posts(id),
		body text not null, votes integer not null default 0)`,
	`create table tags (id integer primary key autoincrement, name text not null unique)`,
	`create table post_tag (post_id integer not null references posts(id), tag_id integer not null references tags(id),
		position integer not null default 0, primary key (post_id, tag_id))`,
	`create table videos (id integer primary key autoincrement, title text not null)`,
	`create table reactions (id integer primary key autoincrement, reactable_type text not null, reactable_id integer not null, emoji text not null)`,
}

// schemaFor is the demo's schema (written for SQLite) in the SQL of
// dialect d: keys generated by the database, and MySQL's types for
// indexed text and for times.
func schemaFor(d sqlt.Dialect) []string {
	var r *strings.Replacer
	switch d.Name() {
	case "postgres":
		r = strings.NewReplacer("integer primary key autoincrement", "bigint generated by default as identity primary key")
	case "mysql":
		r = strings.NewReplacer("integer primary key autoincrement", "bigint auto_increment primary key",
			"integer", "bigint", " text ", " varchar(255) ", "timestamp", "datetime(6)")
	default:
		return schema
	}
	out := make([]string, len(schema))
	for i, s := range schema {
		out[i] = r.Replace(s)
	}
	return out
}

// sqlLog collects the statements the hook reports, to print after each call.
type sqlLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *sqlLog) hook(_ context.Context, q sqlt.QueryEnd) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := q.SQL
	if len(q.Args) > 0 {
		line += "  -- " + formatArgs(q.Args)
	}
	if q.Err != nil {
		line += "  -- error: " + q.Err.Error()
	}
	l.lines = append(l.lines, line)
}

// txLog adds the transaction boundaries to a sqlLog (a sqlt.TxHook that
// logs no statement itself).
type txLog struct{ *sqlLog }

func (txLog) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (txLog) AfterQuery(context.Context, sqlt.QueryEnd)                          {}
func (txLog) BeforeTx(ctx context.Context, _ sqlt.TxStart) context.Context       { return ctx }
func (t txLog) AfterTx(_ context.Context, e sqlt.TxEnd) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, string(e.Op))
}

func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			parts[i] = fmt.Sprintf("%q", v)
		case time.Time:
			parts[i] = v.Format(time.RFC3339)
		case *int64:
			if v == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = fmt.Sprint(*v)
			}
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// demo prints one call: its code, what it returned and the SQL it issued.
type demo struct {
	log *sqlLog
	out *strings.Builder
}

func (d *demo) section(title string) {
	fmt.Fprintf(d.out, "\n== %s ==\n", title)
}

func (d *demo) show(code string, result any, err error) {
	fmt.Fprintf(d.out, "\n> %s\n", code)
	if err != nil {
		fmt.Fprintf(d.out, "  error: %v\n", err)
	} else if result != nil {
		b, jerr := json.Marshal(result)
		if jerr != nil {
			fmt.Fprintf(d.out, "  = %+v\n", result)
		} else {
			fmt.Fprintf(d.out, "  = %s\n", b)
		}
	}
	lines := d.log.take()
	if len(lines) == 0 {
		fmt.Fprintln(d.out, "  (no SQL)")
	}
	for _, l := range lines {
		fmt.Fprintf(d.out, "  sql: %s\n", l)
	}
	os.Stdout.WriteString(d.out.String())
	d.out.Reset()
}

func main() {
	dsn := flag.String("dsn", "", "run on this database instead of in-memory SQLite: postgres://… or mysql://… (a scratch schema or database is created in it and dropped)")
	flag.Parse()
	if err := run(context.Background(), *dsn); err != nil {
		log.Fatal(err)
	}
}

// run opens the demo's database: in-memory SQLite without a DSN, else a
// scratch schema (PostgreSQL) or database (MySQL) of the server the DSN
// names, dropped at the end.
func run(ctx context.Context, dsn string) error {
	if dsn == "" {
		base, err := sqlt.Open(ctx, "sqlite::memory:")
		if err != nil {
			return err
		}
		defer base.Close()
		fmt.Println("relkit demo: a blog in an in-memory SQLite database")
		return demoOn(ctx, base)
	}
	admin, err := sqlt.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer admin.Close()
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	scratch := "relkit_demo_" + hex.EncodeToString(b)
	kind := "database"
	switch admin.Dialect().Name() {
	case "postgres":
		kind = "schema"
		q := u.Query()
		q.Set("search_path", scratch)
		u.RawQuery = q.Encode()
	case "mysql":
		u.Path = "/" + scratch
	}
	if _, err := admin.Exec(ctx, "create "+kind+" "+scratch); err != nil {
		return fmt.Errorf("create the demo's %s: %w", kind, err)
	}
	defer func() {
		drop := "drop " + kind + " " + scratch
		if kind == "schema" {
			drop += " cascade"
		}
		if _, err := admin.Exec(context.WithoutCancel(ctx), drop); err != nil {
			log.Printf("drop the demo's %s %s: %v", kind, scratch, err)
		}
	}()
	base, err := sqlt.Open(ctx, u.String())
	if err != nil {
		return err
	}
	defer base.Close()
	fmt.Printf("relkit demo: a blog in %s %s on %s\n", kind, scratch, admin.Dialect().Name())
	return demoOn(ctx, base)
}

// demoOn creates the demo's tables on base and runs every section.
func demoOn(ctx context.Context, base *sqlt.DB) error {
	for _, s := range schemaFor(base.Dialect()) {
		if _, err := base.Exec(ctx, s); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}

	// Every statement relkit sends goes through the hook.
	l := &sqlLog{}
	db := base.WithHook(sqlt.HookFunc(l.hook))
	d := &demo{log: l, out: &strings.Builder{}}

	if err := writes(ctx, db, d); err != nil {
		return err
	}
	if err := reads(ctx, db, d); err != nil {
		return err
	}
	if err := related(ctx, db, d); err != nil {
		return err
	}
	if err := relations(ctx, db, d); err != nil {
		return err
	}
	if err := eager(ctx, db, d); err != nil {
		return err
	}
	if err := aggregates(ctx, db, d); err != nil {
		return err
	}
	if err := existence(ctx, db, d); err != nil {
		return err
	}
	if err := graph(ctx, db, d); err != nil {
		return err
	}
	if err := pivots(ctx, db, d); err != nil {
		return err
	}
	if err := through(ctx, db, d); err != nil {
		return err
	}
	if err := eloquent(ctx, db, d); err != nil {
		return err
	}
	if err := latestPost(ctx, db, d); err != nil {
		return err
	}
	if err := morph(ctx, db, d); err != nil {
		return err
	}
	if err := owners(ctx, db, d); err != nil {
		return err
	}
	badInput(ctx, db, d)
	return nil
}

// writes seeds the database through the query builder.
func writes(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Writes: Insert, InsertMany, Save")

	ann := User{Name: "Ann", Email: "ann@example.com"}
	err := query.From[User]().Insert(ctx, db, &ann)
	d.show(`query.From[User]().Insert(ctx, db, &ann)  // fills ann.ID`, ann, err)
	if err != nil {
		return err
	}

	others := []User{{Name: "Bob", Email: "bob@example.com"}, {Name: "Cy"}}
	err = query.From[User]().InsertMany(ctx, db, others)
	d.show(`query.From[User]().InsertMany(ctx, db, []User{{Name: "Bob"}, {Name: "Cy"}})`, others, err)
	if err != nil {
		return err
	}
	bob := others[0]

	phones := []Phone{{UserID: ann.ID, Number: "555-0101"}, {UserID: bob.ID, Number: "555-0102"}}
	if err := query.From[Phone]().InsertMany(ctx, db, phones); err != nil {
		return err
	}
	posts := []Post{
		{UserID: &ann.ID, Title: "Hello, relkit", Votes: 12, Published: true},
		{UserID: &ann.ID, Title: "Generics and relations", Votes: 30, Published: true},
		{UserID: &ann.ID, Title: "Draft: eager loading", Votes: 0},
		{UserID: &bob.ID, Title: "Bob's first post", Votes: 4, Published: true},
		{UserID: nil, Title: "An anonymous note", Votes: 7, Published: true},
	}
	if err := query.From[Post]().InsertMany(ctx, db, posts); err != nil {
		return err
	}
	comments := []Comment{
		{PostID: posts[0].ID, Body: "Nice intro", Votes: 3},
		{PostID: posts[0].ID, Body: "How does it compare to sqlx?", Votes: 5},
		{PostID: posts[1].ID, Body: "Type parameters everywhere", Votes: 1},
		{PostID: posts[3].ID, Body: "Welcome, Bob", Votes: 2},
	}
	if err := query.From[Comment]().InsertMany(ctx, db, comments); err != nil {
		return err
	}
	tags := []Tag{{Name: "go"}, {Name: "sql"}, {Name: "news"}}
	if err := query.From[Tag]().InsertMany(ctx, db, tags); err != nil {
		return err
	}
	// The pivot table has no model of its own: seed it with plain SQL here.
	for _, pt := range [][3]int64{{posts[0].ID, tags[0].ID, 2}, {posts[0].ID, tags[1].ID, 1}, {posts[1].ID, tags[0].ID, 1}} {
		if _, err := db.Exec(ctx, `insert into post_tag (post_id, tag_id, position) values (?, ?, ?)`, pt[0], pt[1], pt[2]); err != nil {
			return err
		}
	}
	d.log.take()
	fmt.Println("\n(seeded: 3 users, 2 phones, 5 posts, 4 comments, 3 tags, 3 post_tag rows)")

	draft := posts[2]
	draft.Title = "Eager loading, explained"
	draft.Published = true
	err = query.From[Post]().Save(ctx, db, &draft)
	d.show(`query.From[Post]().Save(ctx, db, &draft)  // has an id: update`, draft, err)
	return err
}

func reads(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Reads: Where, OrderBy, Get, Find, Count, Pluck")

	popular, err := query.From[Post]().
		Where(sq.Eq{"published": true}).
		WhereOp("votes", ">=", 5).
		OrderByDesc("votes").
		Get(ctx, db)
	d.show(`query.From[Post]().Where(sq.Eq{"published": true}).WhereOp("votes", ">=", 5).OrderByDesc("votes").Get(ctx, db)`, popular, err)
	if err != nil {
		return err
	}

	p, err := query.From[Post]().Find(ctx, db, 2)
	d.show(`query.From[Post]().Find(ctx, db, 2)`, p, err)
	if err != nil {
		return err
	}

	_, err = query.From[Post]().Find(ctx, db, 99)
	d.show(`query.From[Post]().Find(ctx, db, 99)  // errors.Is(err, sqlt.ErrNotFound) == true`, nil, err)
	if !errors.Is(err, sqlt.ErrNotFound) {
		return fmt.Errorf("find 99: want ErrNotFound, got %v", err)
	}

	n, err := query.From[Post]().Where(sq.Eq{"published": true}).Count(ctx, db)
	d.show(`query.From[Post]().Where(sq.Eq{"published": true}).Count(ctx, db)`, n, err)
	if err != nil {
		return err
	}

	titles, err := query.Pluck[string](ctx, db, query.From[Post]().OrderBy("title"), "title")
	d.show(`query.Pluck[string](ctx, db, query.From[Post]().OrderBy("title"), "title")`, titles, err)
	return err
}

func related(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Relation-scoped queries: query.Related")

	ann, err := query.From[User]().Where(sq.Eq{"name": "Ann"}).First(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()

	posts, err := query.Related(UserPosts, &ann).
		Where(sq.Eq{"published": true}).
		OrWhere(sq.GtOrEq{"votes": 100}).
		Get(ctx, db)
	d.show(`query.Related(UserPosts, &ann).Where(sq.Eq{"published": true}).OrWhere(sq.GtOrEq{"votes": 100}).Get(ctx, db)
  // the OR is grouped: the relation's scope cannot be escaped`, posts, err)
	if err != nil {
		return err
	}

	n, err := query.Related(UserPosts, &ann).Count(ctx, db)
	d.show(`query.Related(UserPosts, &ann).Count(ctx, db)`, n, err)
	if err != nil {
		return err
	}

	c := Comment{Body: "Written through the relation", Votes: 1}
	post := posts[0]
	err = query.Related(PostComments, &post).Insert(ctx, db, &c)
	d.show(`query.Related(PostComments, &post).Insert(ctx, db, &Comment{Body: "Written through the relation"})
  // sets post_id and c.Post (PostComments' chaperone); CommentPost.Touches() updates the post's updated_at`, c, err)
	return err
}

func relations(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Reading relations: GetOne, GetMany")

	ann, err := query.From[User]().Find(ctx, db, 1)
	if err != nil {
		return err
	}
	cy, err := query.From[User]().Where(sq.Eq{"name": "Cy"}).First(ctx, db)
	if err != nil {
		return err
	}
	anon, err := query.From[Post]().WhereNull("user_id").First(ctx, db)
	if err != nil {
		return err
	}
	hello, err := query.From[Post]().Find(ctx, db, 1)
	if err != nil {
		return err
	}
	d.log.take()

	phone, err := query.GetOne(ctx, db, UserPhone, &ann)
	d.show(`query.GetOne(ctx, db, UserPhone, &ann)  // hasOne`, phone, err)
	if err != nil {
		return err
	}

	none, err := query.GetOne(ctx, db, UserPhone, &cy)
	d.show(`query.GetOne(ctx, db, UserPhone, &cy)  // Cy has no phone: nil, no error`, none, err)
	if err != nil {
		return err
	}

	author, err := query.GetOne(ctx, db, PostAuthor, &hello)
	d.show(`query.GetOne(ctx, db, PostAuthor, &hello)  // belongsTo`, author, err)
	if err != nil {
		return err
	}

	guest, err := query.GetOne(ctx, db, PostAuthor, &anon)
	d.show(`query.GetOne(ctx, db, PostAuthor, &anon)  // user_id is NULL: WithDefault, no SQL`, guest, err)
	if err != nil {
		return err
	}

	comments, err := query.GetMany(ctx, db, PostComments, &hello)
	d.show(`query.GetMany(ctx, db, PostComments, &hello)  // hasMany`, comments, err)
	if err != nil {
		return err
	}

	tags, err := query.GetMany(ctx, db, PostTags, &hello)
	d.show(`query.GetMany(ctx, db, PostTags, &hello)  // belongsToMany, pivot columns in Tag.Pivot`, tags, err)
	return err
}

// eager loads relations into fetched rows: one statement per relation per
// level, however many parents.
func eager(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Eager loading: load.With, Nested, Where, Columns, Paths")

	users, err := query.From[User]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, users, UserPosts, UserPhone)
	d.show(`load.With(ctx, db, users, UserPosts, UserPhone)  // 3 users, 2 statements`, summarizeUsers(users), err)
	if err != nil {
		return err
	}

	posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, posts, PostAuthor, PostTags)
	d.show(`load.With(ctx, db, posts, PostAuthor, PostTags)  // the anonymous post gets the WithDefault author`, summarizePosts(posts), err)
	if err != nil {
		return err
	}

	users, err = query.From[User]().
		With(load.Eager(load.Nested(UserPosts, PostComments))).
		OrderBy("id").
		Get(ctx, db)
	d.show(`query.From[User]().With(load.Eager(load.Nested(UserPosts, PostComments))).OrderBy("id").Get(ctx, db)
  // one statement per level`, summarizeUsers(users), err)
	if err != nil {
		return err
	}

	err = load.With(ctx, db, users,
		load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
			return q.Where(sq.Eq{"published": true}).OrderByDesc("votes")
		}),
		load.Columns(UserPhone, "number"))
	d.show(`load.With(ctx, db, users,
      load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
          return q.Where(sq.Eq{"published": true}).OrderByDesc("votes")
      }),
      load.Columns(UserPhone, "number"))  // the key columns are added for you`, summarizeUsers(users), err)
	if err != nil {
		return err
	}

	err = load.Paths(ctx, db, users, "posts.comments", "phone")
	d.show(`load.Paths(ctx, db, users, "posts.comments", "phone")  // names chosen at run time, resolved through the registry`, summarizeUsers(users), err)
	if err != nil {
		return err
	}

	err = load.Paths(ctx, db, users, "posts.likes")
	d.show(`load.Paths(ctx, db, users, "posts.likes")  // an unknown name: an error, no SQL`, nil, err)
	return nil
}

// summarizeUsers shows users with their loaded relations in short.
func summarizeUsers(users []User) []map[string]any {
	out := make([]map[string]any, len(users))
	for i, u := range users {
		m := map[string]any{"name": u.Name}
		if u.Phone != nil {
			m["phone"] = u.Phone.Number
		}
		posts := []string{}
		for _, p := range u.Posts {
			t := p.Title
			if p.Comments != nil {
				t += fmt.Sprintf(" [comments: %d]", len(p.Comments))
			}
			posts = append(posts, t)
		}
		m["posts"] = posts
		out[i] = m
	}
	return out
}

// summarizePosts shows posts with their author and tags in short.
func summarizePosts(posts []Post) []map[string]any {
	out := make([]map[string]any, len(posts))
	for i, p := range posts {
		m := map[string]any{"title": p.Title}
		if p.Author != nil {
			m["author"] = p.Author.Name
		}
		tags := []string{}
		for _, t := range p.Tags {
			tags = append(tags, t.Name)
		}
		m["tags"] = tags
		out[i] = m
	}
	return out
}

// aggregates reads counts, sums and existence of related rows, as select
// columns or on fetched rows.
func aggregates(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Aggregates: agg.WithCount, WithSum, WithExists, LoadCount, Values")

	liked := func(q *query.Query[Comment]) *query.Query[Comment] { return q.WhereOp("votes", ">=", 3) }
	posts, err := query.From[Post]().
		Select("id", "title").
		Apply(
			agg.WithCount(PostComments),
			agg.WithSum(PostComments, "votes"),
			agg.WithCount(PostComments, liked).As("liked_count"),
			agg.WithExists(PostTags),
		).
		OrderBy("id").
		Get(ctx, db)
	out := make([]map[string]any, len(posts))
	for i, p := range posts {
		out[i] = map[string]any{"title": p.Title, "comments_count": p.CommentsCount,
			"comments_sum_votes": p.CommentsSumVotes, "liked_count": p.LikedCount, "tags_exists": p.TagsExists}
	}
	d.show(`liked := func(q *query.Query[Comment]) *query.Query[Comment] { return q.WhereOp("votes", ">=", 3) }
  query.From[Post]().Select("id", "title").Apply(
      agg.WithCount(PostComments),
      agg.WithSum(PostComments, "votes"),
      agg.WithCount(PostComments, liked).As("liked_count"),
      agg.WithExists(PostTags),
  ).OrderBy("id").Get(ctx, db)  // one statement`, out, err)
	if err != nil {
		return err
	}

	users, err := query.From[User]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = agg.LoadCount(ctx, db, users, UserPosts)
	counts := map[string]int64{}
	for _, u := range users {
		counts[u.Name] = u.PostsCount
	}
	d.show(`agg.LoadCount(ctx, db, users, UserPosts)  // on fetched users: one grouped statement`, counts, err)
	if err != nil {
		return err
	}

	votes, err := agg.Values[int64](ctx, db, users, agg.WithSum(UserPosts, "votes"))
	byID := map[string]int64{}
	for k, v := range votes {
		byID[fmt.Sprint(k)] = v
	}
	d.show(`agg.Values[int64](ctx, db, users, agg.WithSum(UserPosts, "votes"))  // by user id, no field needed`, byID, err)
	return err
}

// existence filters parents by their relations (Sutando's has, whereHas).
func existence(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Existence: query.Has, DoesntHave, WhereHas, WhereRelation")

	withComments, err := query.From[Post]().Where(query.Has(PostComments)).Get(ctx, db)
	d.show(`query.From[Post]().Where(query.Has(PostComments)).Get(ctx, db)`, titlesOf(withComments), err)
	if err != nil {
		return err
	}

	busy, err := query.From[Post]().Where(query.Has(PostComments, ">=", 2)).Get(ctx, db)
	d.show(`query.From[Post]().Where(query.Has(PostComments, ">=", 2)).Get(ctx, db)  // a count, not exists`, titlesOf(busy), err)
	if err != nil {
		return err
	}

	quiet, err := query.From[Post]().Where(query.DoesntHave(PostComments)).Get(ctx, db)
	d.show(`query.From[Post]().Where(query.DoesntHave(PostComments)).Get(ctx, db)`, titlesOf(quiet), err)
	if err != nil {
		return err
	}

	asked, err := query.From[Post]().Where(query.WhereHas(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
		return q.WhereOp("body", "like", "%sqlx%")
	})).Get(ctx, db)
	d.show(`query.From[Post]().Where(query.WhereHas(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
      return q.WhereOp("body", "like", "%sqlx%")
  })).Get(ctx, db)`, titlesOf(asked), err)
	if err != nil {
		return err
	}

	authors, err := query.From[User]().
		Where(query.WhereRelation(UserPosts, "votes", ">", 20)).
		OrWhere(query.Has(UserPhone, "<", 1)).
		Get(ctx, db)
	names := make([]string, len(authors))
	for i, u := range authors {
		names[i] = u.Name
	}
	d.show(`query.From[User]().Where(query.WhereRelation(UserPosts, "votes", ">", 20)).OrWhere(query.Has(UserPhone, "<", 1)).Get(ctx, db)
  // users with a post above 20 votes, or without a phone`, names, err)
	return err
}

func titlesOf(posts []Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.Title
	}
	return out
}

// graph writes through belongsTo (Associate) and saves a loaded tree
// (Push).
func graph(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Writing models and their relations: Associate, Push")

	bob, err := query.From[User]().Where(sq.Eq{"name": "Bob"}).First(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	post := Post{Title: "Bob's second post", Published: true}
	err = PostAuthor.Associate(&post, &bob)
	d.show(`PostAuthor.Associate(&post, &bob)  // sets post.UserID and post.Author; no SQL`, map[string]any{"user_id": post.UserID, "author": post.Author.Name}, err)
	if err != nil {
		return err
	}
	err = query.From[Post]().Insert(ctx, db, &post)
	d.show(`query.From[Post]().Insert(ctx, db, &post)`, post.ID, err)
	if err != nil {
		return err
	}

	if err := load.With(ctx, db, &post, PostComments); err != nil {
		return err
	}
	d.log.take()
	post.Votes = 1
	post.Comments = append(post.Comments, Comment{Body: "First!"}, Comment{Body: "Second"})
	err = query.Push(ctx, db, &post, PostComments)
	d.show(`post.Comments = append(post.Comments, Comment{Body: "First!"}, Comment{Body: "Second"})
  query.Push(ctx, db, &post, PostComments)  // saves the post, then each comment with post_id set, in one transaction
  // (each comment's insert touches the post: CommentPost.Touches())`, post.Comments, err)
	return err
}

// pivots writes the many-to-many pivot table through package pivot.
func pivots(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Many-to-many writes: pivot.Attach, Sync, Detach")

	post, err := query.From[Post]().Where(sq.Eq{"title": "Generics and relations"}).First(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()

	err = pivot.Attach(ctx, db, PostTags, &post, 2, map[string]any{"position": 2})
	d.show(`pivot.Attach(ctx, db, PostTags, &post, 2, map[string]any{"position": 2})  // tag "sql"`, nil, err)
	if err != nil {
		return err
	}

	changes, err := pivot.Sync(ctx, db, PostTags, &post, map[int64]map[string]any{1: {"position": 2}, 3: {"position": 1}})
	d.show(`pivot.Sync(ctx, db, PostTags, &post, map[int64]map[string]any{1: {"position": 2}, 3: {"position": 1}})
  // keep "go" (moved to position 2), add "news", drop "sql"`, changes, err)
	if err != nil {
		return err
	}

	tags, err := query.GetMany(ctx, db, PostTags, &post)
	d.show(`query.GetMany(ctx, db, PostTags, &post)`, tags, err)
	if err != nil {
		return err
	}

	n, err := pivot.Detach(ctx, db, PostTags, &post, []int64{3})
	d.show(`pivot.Detach(ctx, db, PostTags, &post, []int64{3})  // rows deleted`, n, err)
	return err
}

func badInput(ctx context.Context, db *sqlt.DB, d *demo) {
	d.section("Bad input is an error, never SQL")

	_, err := query.From[Post]().OrderBy("id; drop table posts").Get(ctx, db)
	d.show(`query.From[Post]().OrderBy("id; drop table posts").Get(ctx, db)`, nil, err)

	_, err = query.From[Post]().Select("secret").Get(ctx, db)
	d.show(`query.From[Post]().Select("secret").Get(ctx, db)  // errors.Is(err, sqlt.ErrUnknownColumn)`, nil, err)
}

// through reads a hasManyThrough relation: the comments on a user's posts.
func through(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Through relations: rel.HasManyThrough")

	ann, err := query.From[User]().Where(sq.Eq{"name": "Ann"}).First(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	comments, err := query.Related(UserComments, &ann).OrderByDesc("votes").Get(ctx, db)
	d.show(`query.Related(UserComments, &ann).OrderByDesc("votes").Get(ctx, db)  // joins posts`, comments, err)
	if err != nil {
		return err
	}

	users, err := query.From[User]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, users, UserComments)
	counts := make(map[string]int, len(users))
	for _, u := range users {
		counts[u.Name] = len(u.Comments)
	}
	d.show(`load.With(ctx, db, users, UserComments)  // one statement, matched on relkit_through_key`, counts, err)
	if err != nil {
		return err
	}

	talked, err := query.From[User]().Where(query.Has(UserComments, ">=", 2)).Apply(agg.WithCount(UserComments)).Get(ctx, db)
	d.show(`query.From[User]().Where(query.Has(UserComments, ">=", 2)).Apply(agg.WithCount(UserComments)).Get(ctx, db)`, talked, err)
	if err != nil {
		return err
	}

	err = query.Related(UserComments, &ann).Insert(ctx, db, &Comment{Body: "where would it go?"})
	d.show(`query.Related(UserComments, &ann).Insert(ctx, db, &Comment{…})  // a through relation reads only`, nil, err)
	if !errors.Is(err, query.ErrUnsupported) {
		return fmt.Errorf("insert through UserComments: got %v, want query.ErrUnsupported", err)
	}
	return nil
}

// eloquent shows what relkit has beyond Sutando, from Laravel's Eloquent:
// per-parent limits in eager loads, loadMissing, typed pivot keys with
// Toggle, writes through a many-to-many relation and aggregates over a
// pivot column.
func eloquent(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("From Eloquent: per-parent limits, load.Missing, pivot.Toggle, pivot.FirstOrCreate, pivot-column sums")

	users, err := query.From[User]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, users, load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
		return q.OrderByDesc("votes").Limit(1)
	}))
	d.show(`load.With(ctx, db, users, load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
      return q.OrderByDesc("votes").Limit(1)
  }))  // each user's own best post, one statement (a row_number() window)`, summarizeUsers(users), err)
	if err != nil {
		return err
	}

	err = load.Missing(ctx, db, users, UserPosts, UserPhone)
	d.show(`load.Missing(ctx, db, users, UserPosts, UserPhone)  // posts are loaded already: only the phones are read`, summarizeUsers(users), err)
	if err != nil {
		return err
	}

	post, err := query.From[Post]().Where(sq.Eq{"title": "Generics and relations"}).First(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	toggled, err := postTags.Toggle(ctx, db, &post, []int64{1, 2})
	d.show(`postTags.Toggle(ctx, db, &post, []int64{1, 2})  // postTags = pivot.Keys[int64](PostTags): detach the attached, attach the others`, toggled, err)
	if err != nil {
		return err
	}

	tag, err := pivot.FirstOrCreate(ctx, db, PostTags, &post, map[string]any{"name": "databases"}, nil, map[string]any{"position": 7})
	d.show(`pivot.FirstOrCreate(ctx, db, PostTags, &post, map[string]any{"name": "databases"}, nil, map[string]any{"position": 7})
  // creates the tag and attaches it, in one transaction`, tag, err)
	if err != nil {
		return err
	}

	posts, err := query.From[Post]().Apply(agg.WithSum(PostTags, "post_tag.position").As("positions")).OrderBy("id").Get(ctx, db)
	sums := make(map[string]any, len(posts))
	for _, p := range posts {
		sums[p.Title] = p.Positions
	}
	d.show(`query.From[Post]().Apply(agg.WithSum(PostTags, "post_tag.position").As("positions")).OrderBy("id").Get(ctx, db)
  // an aggregate over a pivot column`, sums, err)
	return err
}

// morph writes and reads polymorphic relations: reactions on posts and
// on videos, in one table, and the reactions' targets with the posts' authors
// (load.Morph).
func morph(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Polymorphic relations: rel.MorphMany, rel.MorphTo, load.Morph")

	video := Video{Title: "Launch talk"}
	if err := query.From[Video]().Insert(ctx, db, &video); err != nil {
		return err
	}
	post, err := query.From[Post]().OrderBy("id").First(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	r, err := query.Related(VideoReactions, &video).Create(ctx, db, Reaction{Emoji: "🎉"})
	d.show(`query.Related(VideoReactions, &video).Create(ctx, db, Reaction{Emoji: "🎉"})  // sets reactable_type and reactable_id`, r, err)
	if err != nil {
		return err
	}
	if _, err := query.Related(PostReactions, &post).Create(ctx, db, Reaction{Emoji: "👍"}); err != nil {
		return err
	}
	d.log.take()

	posts := []Post{post}
	err = load.With(ctx, db, posts, PostReactions)
	d.show(`load.With(ctx, db, posts, PostReactions)  // "reactions"."reactable_type" = 'post'`, posts[0].Reactions, err)
	if err != nil {
		return err
	}
	if len(posts[0].Reactions) != 1 {
		return fmt.Errorf("post reactions: got %d, want 1 (the video's must not show)", len(posts[0].Reactions))
	}

	rs, err := query.From[Reaction]().OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, rs, load.Morph(ReactionReactable, load.On[Post](PostAuthor)))
	var on []map[string]any
	for _, r := range rs {
		switch {
		case r.Post != nil && r.Post.Author != nil:
			on = append(on, map[string]any{"emoji": r.Emoji, "post": r.Post.Title, "author": r.Post.Author.Name})
		case r.Video != nil:
			on = append(on, map[string]any{"emoji": r.Emoji, "video": r.Video.Title})
		default:
			return fmt.Errorf("reaction %d: no target loaded", r.ID)
		}
	}
	d.show(`load.With(ctx, db, reactions, load.Morph(ReactionReactable, load.On[Post](PostAuthor)))
  // one statement per type present, and the posts' authors (Laravel's morphWith)`, on, err)
	return err
}

// owners shows the two sides of CommentPost: PostComments' chaperone
// points every comment loaded back at its post, and Touches makes writing
// a comment update its post's updated_at.
func owners(ctx context.Context, db *sqlt.DB, d *demo) error {
	d.section("Owners: Chaperone, Touches, WithoutTouching")

	posts, err := query.From[Post]().WhereIn("title", "Hello, relkit", "Generics and relations").OrderBy("id").Get(ctx, db)
	if err != nil {
		return err
	}
	d.log.take()
	err = load.With(ctx, db, posts, PostComments)
	var back []map[string]any
	for i := range posts {
		for _, c := range posts[i].Comments {
			if c.Post != &posts[i] {
				return fmt.Errorf("comment %d: Post does not point at its parent", c.ID)
			}
			back = append(back, map[string]any{"comment": c.Body, "post": c.Post.Title, "is_the_parent": c.Post == &posts[i]})
		}
	}
	d.show(`load.With(ctx, db, posts, PostComments)  // PostComments = rel.HasMany[Post, Comment]().Chaperone(CommentPost)
  // each comment's Post is &posts[i], with no statement added; Post is tagged json:"-":
  // post → comments → post is a cycle, which encoding/json refuses`, back, err)
	if err != nil {
		return err
	}

	hello := &posts[0]
	tx := db.WithHook(txLog{d.log}) // the log shows the transaction too
	c := Comment{PostID: hello.ID, Body: "Touching"}
	err = query.From[Comment]().Insert(ctx, tx, &c)
	d.show(`query.From[Comment]().Insert(ctx, db, &Comment{PostID: hello.ID, Body: "Touching"})
  // CommentPost = rel.BelongsTo[Comment, Post]().Touches(): the insert and the post's updated_at, in one transaction`, c.ID, err)
	if err != nil {
		return err
	}
	touched, err := query.From[Post]().Find(ctx, db, hello.ID)
	d.show(`query.From[Post]().Find(ctx, db, hello.ID)  // updated_at moved`, map[string]any{"updated_at_moved": touched.UpdatedAt.After(hello.UpdatedAt)}, err)
	if err != nil {
		return err
	}
	if !touched.UpdatedAt.After(hello.UpdatedAt) {
		return fmt.Errorf("post %d: updated_at not touched", hello.ID)
	}

	c = Comment{PostID: hello.ID, Body: "Not touching"}
	err = query.From[Comment]().Insert(query.WithoutTouching(ctx), tx, &c)
	d.show(`query.From[Comment]().Insert(query.WithoutTouching(ctx), db, &Comment{PostID: hello.ID, Body: "Not touching"})  // the insert alone`, c.ID, err)
	return err
}

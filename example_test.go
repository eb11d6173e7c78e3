package relkit_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Plain structs: `db` tags name the columns; `db:"-"` fields receive
// loaded relations. Tables follow the type names: users, phones, posts,
// tags, and the pivot table post_tag.

// User writes posts and has one phone.
type User struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Phone *Phone `db:"-"`
	Posts []Post `db:"-"`

	PostsCount int64 `db:"posts_count,readonly"` // an aggregate: read, never written
}

// Phone belongs to a user.
type Phone struct {
	ID     int64  `db:"id"`
	UserID int64  `db:"user_id"`
	Number string `db:"number"`
}

// Post belongs to a user and has many tags.
type Post struct {
	ID     int64  `db:"id"`
	UserID *int64 `db:"user_id"` // NULL for an anonymous post
	Title  string `db:"title"`
	Votes  int64  `db:"votes"`
	Author *User  `db:"-"`
	Tags   []Tag  `db:"-"`

	TagsCount int64 `db:"tags_count,readonly"`
}

// Tag is shared by posts through post_tag.
type Tag struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Pivot map[string]any `db:"-"` // post_tag columns of a loaded tag
}

// Relations are typed values, declared once.
var (
	UserPhone  = rel.HasOne[User, Phone]()                                                    // phones.user_id = users.id
	UserPosts  = rel.HasMany[User, Post]()                                                    // posts.user_id = users.id
	PostAuthor = rel.BelongsTo[Post, User]().WithDefault(User{Name: "Guest"}).Named("author") // posts.user_id → users.id
	// PostTags goes through the pivot table post_tag, ordered by its position.
	// A declaration with options ends with Named (or Field) so that its
	// name ("tags" in load.Paths) finds the relation with them.
	PostTags = rel.BelongsToMany[Post, Tag]().WithPivot("position").OrderByPivot("position").Named("tags")
)

// openBlog opens an in-memory SQLite database with a small blog:
//
//	users: 1 ann (phone 555-0101), 2 bob
//	posts: 1 ann "hello" 10 votes, 2 ann "tips" 3, 3 bob "news" 0, 4 (anonymous) "note" 7
//	tags:  1 go, 2 sql; post 1 is tagged go (position 2) and sql (position 1)
func openBlog(ctx context.Context) *sqlt.DB {
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []string{
		`create table users (id integer primary key, name text not null)`,
		`create table phones (id integer primary key, user_id integer not null references users(id), number text not null)`,
		`create table posts (id integer primary key, user_id integer references users(id), title text not null, votes integer not null default 0)`,
		`create table tags (id integer primary key, name text not null)`,
		`create table post_tag (post_id integer not null references posts(id), tag_id integer not null references tags(id), position integer not null)`,
		`insert into users (name) values ('ann'), ('bob')`,
		`insert into phones (user_id, number) values (1, '555-0101')`,
		`insert into posts (user_id, title, votes) values (1, 'hello', 10), (1, 'tips', 3), (2, 'news', 0), (null, 'note', 7)`,
		`insert into tags (name) values ('go'), ('sql')`,
		`insert into post_tag (post_id, tag_id, position) values (1, 1, 2), (1, 2, 1)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			log.Fatal(err)
		}
	}
	return db
}

// printSQL returns a handle on db that prints every statement it runs.
func printSQL(db *sqlt.DB) *sqlt.DB {
	return db.WithHook(sqlt.HookFunc(func(_ context.Context, q sqlt.QueryEnd) {
		fmt.Println("sql:", q.SQL, q.Args)
	}))
}

// Read rows with the typed builder: conditions are squirrel Sqlizers or
// validated helpers, values are bound parameters.
func Example_from() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	posts, err := query.From[Post]().
		Where(sq.Gt{"votes": 2}).
		OrderByDesc("votes").
		Get(ctx, printSQL(db))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range posts {
		fmt.Println(p.ID, p.Title, p.Votes)
	}
	// Output:
	// sql: select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes" from "posts" where votes > ? order by "posts"."votes" desc [2]
	// 1 hello 10
	// 4 note 7
	// 2 tips 3
}

// Count and Pluck run aggregate and single-column reads.
func Example_count() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	n, err := query.From[Post]().WhereNotNull("user_id").Count(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	titles, err := query.Pluck[string](ctx, db, query.From[Post]().OrderBy("title"), "title")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, titles)
	// Output:
	// 3 [hello news note tips]
}

// Find reads a row by primary key; a missing row is an error matching
// sqlt.ErrNotFound (and sql.ErrNoRows).
func Example_find() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	p, err := query.From[Post]().Find(ctx, db, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Title)

	_, err = query.From[Post]().Find(ctx, db, 99)
	fmt.Println(errors.Is(err, sqlt.ErrNotFound), err)
	// Output:
	// tips
	// true find posts 99: relkit: no rows found
}

// Related scopes a query to one parent's related rows. Conditions you add
// are grouped after the scope, so OrWhere cannot escape it.
func Example_related() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	ann, err := query.From[User]().Find(ctx, db, 1)
	if err != nil {
		log.Fatal(err)
	}
	posts, err := query.Related(UserPosts, &ann).
		Where(sq.Gt{"votes": 5}).
		OrWhere(sq.Eq{"title": "tips"}).
		Get(ctx, printSQL(db))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range posts {
		fmt.Println(p.ID, p.Title)
	}
	// Output:
	// sql: select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes" from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null and (votes > ? or title = ?) [1 5 tips]
	// 1 hello
	// 2 tips
}

// GetOne reads a to-one relation. With WithDefault, a post without an
// author gets the default instead of nil, and no statement runs for its
// NULL key.
func Example_getOne() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	for _, i := range []int{0, 3} { // "hello" by ann, and the anonymous "note"
		author, err := query.GetOne(ctx, printSQL(db), PostAuthor, &posts[i])
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(posts[i].Title, "by", author.Name)
	}

	ann := User{ID: 1}
	phone, err := query.GetOne(ctx, db, UserPhone, &ann)
	if err != nil {
		log.Fatal(err)
	}
	bob := User{ID: 2}
	none, err := query.GetOne(ctx, db, UserPhone, &bob)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(phone.Number, none == nil)
	// Output:
	// sql: select "users"."id", "users"."name" from "users" where "users"."id" = ? limit 1 [1]
	// hello by ann
	// note by Guest
	// 555-0101 true
}

// GetMany reads a to-many relation; for belongsToMany the pivot columns go
// into the related struct's Pivot field.
func Example_getMany() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	hello, err := query.From[Post]().Find(ctx, db, 1)
	if err != nil {
		log.Fatal(err)
	}
	tags, err := query.GetMany(ctx, db, PostTags, &hello)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tags {
		fmt.Println(t.Name, t.Pivot["position"])
	}
	// Output:
	// sql 1
	// go 2
}

// Insert stores a row and fills in its generated primary key. Through a
// relation, it also sets the foreign key.
func Example_insert() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	cy := User{Name: "cy"}
	if err := query.From[User]().Insert(ctx, printSQL(db), &cy); err != nil {
		log.Fatal(err)
	}
	fmt.Println("cy.ID =", cy.ID)

	p := Post{Title: "first"}
	if err := query.Related(UserPosts, &cy).Insert(ctx, db, &p); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.ID, *p.UserID, p.Title)
	// Output:
	// sql: insert into "users" ("name") values (?) returning "id" [cy]
	// cy.ID = 3
	// 5 3 first
}

// load.With fills relation fields of rows you already have, with one
// statement per relation per level whatever the number of rows; to-one
// relations get the row, the WithDefault value, or nil.
func Example_load() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	statements := 0
	counting := db.WithHook(sqlt.HookFunc(func(context.Context, sqlt.QueryEnd) { statements++ }))
	if err := load.With(ctx, counting, posts, PostAuthor, PostTags); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(posts), "posts,", statements, "statements")
	for _, p := range posts {
		fmt.Println(p.Title, "by", p.Author.Name, "tags:", len(p.Tags))
	}
	// Output:
	// 4 posts, 2 statements
	// hello by ann tags: 2
	// tips by ann tags: 0
	// news by bob tags: 0
	// note by Guest tags: 0
}

// Aggregates of related rows: as select columns (one statement, correlated
// subqueries) or on rows already fetched (one grouped statement).
func Example_aggregates() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	posts, err := query.From[Post]().
		Select("id", "title").
		Apply(agg.WithCount(PostTags)).
		OrderBy("id").
		Get(ctx, printSQL(db))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range posts {
		fmt.Println(p.Title, p.TagsCount)
	}

	users, err := query.From[User]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	if err := agg.LoadCount(ctx, db, users, UserPosts); err != nil {
		log.Fatal(err)
	}
	votes, err := agg.Values[int64](ctx, db, users, agg.WithSum(UserPosts, "votes"))
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Println(u.Name, u.PostsCount, votes[u.ID])
	}
	// Output:
	// sql: select "posts"."id", "posts"."title", (select count(*) from "tags" join "post_tag" on "tags"."id" = "post_tag"."tag_id" where "posts"."id" = "post_tag"."post_id") as "tags_count" from "posts" order by "posts"."id" asc []
	// hello 2
	// tips 0
	// news 0
	// note 0
	// ann 2 13
	// bob 1 0
}

// pivot.Sync makes the given keys the only ones attached, and reports
// what changed; pivot.Attach and pivot.Detach add and remove rows.
func Example_sync() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	tips := Post{ID: 2} // tagged with nothing yet
	if err := pivot.Attach(ctx, db, PostTags, &tips, 2, map[string]any{"position": 1}); err != nil {
		log.Fatal(err)
	}
	changes, err := pivot.Sync(ctx, db, PostTags, &tips, map[int64]map[string]any{1: {"position": 2}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("attached %v, detached %v, updated %v\n", changes.Attached, changes.Detached, changes.Updated)

	tags, err := query.GetMany(ctx, db, PostTags, &tips)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tags {
		fmt.Println(t.Name, t.Pivot["position"])
	}
	// Output:
	// attached [1], detached [2], updated []
	// go 2
}

// query.Has filters parents by their relations: exists for "has any",
// a correlated count for other tests. It combines with OrWhere like any
// other condition.
func Example_has() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	posts, err := query.From[Post]().
		Where(query.Has(PostTags)).
		OrWhere(query.WhereRelation(PostAuthor, "name", "=", "bob")).
		OrderBy("id").
		Get(ctx, printSQL(db))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range posts {
		fmt.Println(p.ID, p.Title)
	}
	users, err := query.From[User]().Where(query.Has(UserPosts, ">=", 2)).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(users), users[0].Name)
	// Output:
	// sql: select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes" from "posts" where exists (select * from "tags" join "post_tag" on "tags"."id" = "post_tag"."tag_id" where "posts"."id" = "post_tag"."post_id") or exists (select * from "users" where "posts"."user_id" = "users"."id" and "users"."name" = ?) order by "posts"."id" asc [bob]
	// 1 hello
	// 3 news
	// 1 ann
}

// Column names given as strings are checked against the struct, so SQL
// cannot be smuggled in through them.
func Example_badColumn() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	_, err := query.From[Post]().OrderBy("id; drop table posts").Get(ctx, db)
	fmt.Println(errors.Is(err, sqlt.ErrInvalidIdentifier))
	_, err = query.From[Post]().Select("password").Get(ctx, db)
	fmt.Println(errors.Is(err, sqlt.ErrUnknownColumn), strings.Contains(err.Error(), `"password"`))
	// Output:
	// true
	// true true
}

// The README's quickstart, run on the blog above.
func Example_quickstart() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	users, err := query.From[User]().Where(sq.Like{"name": "a%"}).OrderBy("name").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	posts, err := query.Related(UserPosts, &users[0]).
		Where(sq.Gt{"votes": 5}).
		OrWhere(sq.Eq{"title": "tips"}).
		Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	err = load.With(ctx, db, users, UserPhone, load.Nested(UserPosts, PostTags))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(users[0].Phone.Number, len(users[0].Posts), len(users[0].Posts[0].Tags))
	users, err = query.From[User]().With(load.Eager(UserPosts)).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(users), len(users[0].Posts), len(users[1].Posts))
	tagged, err := query.From[Post]().Where(query.Has(PostTags, ">=", 2)).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	counted, err := query.From[Post]().Apply(agg.WithCount(PostTags)).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	err = agg.LoadCount(ctx, db, users, UserPosts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(counted), counted[0].TagsCount, counted[1].TagsCount, users[0].PostsCount, users[1].PostsCount)
	author, err := query.GetOne(ctx, db, PostAuthor, &posts[0])
	if err != nil {
		log.Fatal(err)
	}
	tags, err := query.GetMany(ctx, db, PostTags, &posts[0])
	if err != nil {
		log.Fatal(err)
	}
	draft := Post{Title: "draft"}
	err = query.Related(UserPosts, &users[0]).Insert(ctx, db, &draft)
	if err != nil {
		log.Fatal(err)
	}
	changes, err := pivot.Sync(ctx, db, PostTags, &posts[0], map[int64]map[string]any{
		1: {"position": 1},
		2: {"position": 2},
	})
	if err != nil {
		log.Fatal(err)
	}
	tag, err := pivot.Create(ctx, db, PostTags, &posts[0], Tag{Name: "go"}, map[string]any{"position": 3})
	if err != nil {
		log.Fatal(err)
	}
	n, err := query.From[Post]().WhereNotNull("user_id").Count(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	titles, err := query.Pluck[string](ctx, db, query.From[Post]().OrderBy("title"), "title")
	if err != nil {
		log.Fatal(err)
	}
	p, err := query.From[Post]().Find(ctx, db, 2)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(len(users), users[0].Name, users[1].Name)
	fmt.Println(len(posts), posts[0].Title, posts[1].Title)
	fmt.Println(len(tagged), tagged[0].Title)
	fmt.Println(author.Name)
	fmt.Println(len(tags), tags[0].Name, tags[0].Pivot["position"])
	fmt.Println(draft.ID, *draft.UserID)
	fmt.Println(changes.Attached, changes.Detached, changes.Updated)
	fmt.Println(tag.Name, tag.Pivot["position"])
	fmt.Println(n, titles)
	fmt.Println(p.Title)
	// Output:
	// 555-0101 2 2
	// 2 2 1
	// 4 2 0 2 1
	// 2 ann bob
	// 2 hello tips
	// 1 hello
	// ann
	// 2 sql 1
	// 5 1
	// [] [] [1 2]
	// go 3
	// 4 [draft hello news note tips]
	// tips
}

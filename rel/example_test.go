package rel_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The blog of the relationship documentation, as plain structs.

type User struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Phone *Phone `db:"-"`
	Posts []Post `db:"-"`
	Roles []Role `db:"-"`
}

type Phone struct {
	ID     int64  `db:"id"`
	UserID int64  `db:"user_id"`
	Number string `db:"number"`
}

type Post struct {
	ID       int64     `db:"id"`
	UserID   *int64    `db:"user_id"` // NULL: no author
	Title    string    `db:"title"`
	Author   *User     `db:"-"`
	Comments []Comment `db:"-"`
}

type Comment struct {
	ID     int64  `db:"id"`
	PostID int64  `db:"post_id"`
	Body   string `db:"body"`
}

type Role struct {
	ID    int64     `db:"id"`
	Name  string    `db:"name"`
	Pivot RolePivot `db:"-"` // the role_user row it was read through
}

type RolePivot struct {
	UserID int64 `db:"user_id"`
	RoleID int64 `db:"role_id"`
	Active bool  `db:"active"`
}

var (
	UserPhone    = rel.HasOne[User, Phone]()                           // phones.user_id = users.id
	UserPosts    = rel.HasMany[User, Post]()                           // posts.user_id = users.id
	PostAuthor   = rel.BelongsTo[Post, User]()                         // posts.user_id → users.id
	PostComments = rel.HasMany[Post, Comment]()                        // comments.post_id = posts.id
	UserRoles    = rel.BelongsToMany[User, Role]().WithPivot("active") // through role_user
)

// openBlog opens an in-memory SQLite database holding:
//
//	users:     1 ann, 2 bob, 3 cy
//	phones:    ann 555-0101
//	posts:     1 ann "hello", 2 ann "tips", 3 (no author) "orphan"
//	comments:  post 1: "nice", "great"
//	roles:     1 admin, 2 editor; role_user: ann admin (active), ann editor
func openBlog(ctx context.Context) *sqlt.DB {
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	for _, s := range []string{
		`create table users (id integer primary key, name text not null)`,
		`create table phones (id integer primary key, user_id bigint not null references users(id), number text not null)`,
		`create table posts (id integer primary key, user_id bigint references users(id), title text not null)`,
		`create table comments (id integer primary key, post_id bigint not null references posts(id), body text not null)`,
		`create table roles (id integer primary key, name text not null unique)`,
		`create table role_user (user_id bigint not null, role_id bigint not null, active boolean not null default false)`,
		`insert into users (name) values ('ann'), ('bob'), ('cy')`,
		`insert into phones (user_id, number) values (1, '555-0101')`,
		`insert into posts (user_id, title) values (1, 'hello'), (1, 'tips'), (null, 'orphan')`,
		`insert into comments (post_id, body) values (1, 'nice'), (1, 'great')`,
		`insert into roles (name) values ('admin'), ('editor')`,
		`insert into role_user (user_id, role_id, active) values (1, 1, true), (1, 2, false)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}
	return db
}

func find[T any](ctx context.Context, db sqlt.Executor, id int64) T {
	v, err := query.From[T]().Find(ctx, db, id)
	if err != nil {
		panic(err)
	}
	return v
}

// A user has one phone; query.GetOne returns it, or nil.
func ExampleHasOne() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	for _, id := range []int64{1, 3} {
		u := find[User](ctx, db, id)
		phone, err := query.GetOne(ctx, db, UserPhone, &u)
		if err != nil {
			panic(err)
		}
		if phone == nil {
			fmt.Println(u.Name, "has no phone")
			continue
		}
		fmt.Println(u.Name, phone.Number)
	}
	// Output:
	// ann 555-0101
	// cy has no phone
}

// A user has many posts. query.Related scopes a query to one user; every
// builder method works on it.
func ExampleHasMany() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	ann := find[User](ctx, db, 1)
	posts, err := query.GetMany(ctx, db, UserPosts, &ann)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(posts), "posts")

	latest, err := query.Related(UserPosts, &ann).OrderByDesc("id").First(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println("latest:", latest.Title)

	// Create sets the foreign key.
	p, err := query.Related(UserPosts, &ann).Create(ctx, db, Post{Title: "news"})
	if err != nil {
		panic(err)
	}
	fmt.Println("created post", p.ID, "for user", *p.UserID)
	// Output:
	// 2 posts
	// latest: tips
	// created post 4 for user 1
}

// A post belongs to its author. A NULL foreign key runs no statement.
func ExampleBelongsTo() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	for _, id := range []int64{1, 3} {
		p := find[Post](ctx, db, id)
		author, err := query.GetOne(ctx, db, PostAuthor, &p)
		if err != nil {
			panic(err)
		}
		if author == nil {
			fmt.Printf("%q has no author\n", p.Title)
			continue
		}
		fmt.Printf("%q by %s\n", p.Title, author.Name)
	}
	// Output:
	// "hello" by ann
	// "orphan" has no author
}

// Users and roles are related through the role_user pivot table; its
// columns arrive in each role's Pivot field.
func ExampleBelongsToMany() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	ann := find[User](ctx, db, 1)
	roles, err := query.Related(UserRoles, &ann).OrderBy("name").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, r := range roles {
		fmt.Printf("%s active=%v (user %d, role %d)\n", r.Name, r.Pivot.Active, r.Pivot.UserID, r.Pivot.RoleID)
	}

	active, err := query.GetMany(ctx, db, UserRoles.WherePivot("active", true), &ann)
	if err != nil {
		panic(err)
	}
	fmt.Println("active roles:", len(active))
	// Output:
	// admin active=true (user 1, role 1)
	// editor active=false (user 1, role 2)
	// active roles: 1
}

// WithDefault returns a default model instead of nil: the Null Object
// pattern. A hasOne default carries the parent's key.
func ExampleHasOneRelation_WithDefault() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	cy := find[User](ctx, db, 3)
	phone, err := query.GetOne(ctx, db, UserPhone.WithDefault(Phone{Number: "000"}), &cy)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", *phone)

	orphan := find[Post](ctx, db, 3)
	guest := PostAuthor.WithDefaultFunc(func(p *Post) User {
		return User{Name: fmt.Sprintf("Post %d Author", p.ID)}
	})
	author, err := query.GetOne(ctx, db, guest, &orphan)
	if err != nil {
		panic(err)
	}
	fmt.Println(author.Name)
	// Output:
	// {ID:0 UserID:3 Number:000}
	// Post 3 Author
}

// The relation's scope cannot be escaped: OrWhere is grouped with the
// conditions you add, not with the relation's key.
func ExampleHasManyRelation_Where() {
	ann := User{ID: 1}
	sql, args, err := query.Related(UserPosts, &ann).
		Where(sq.Eq{"title": "hello"}).
		OrWhere(sq.Eq{"title": "tips"}).
		ToSql()
	if err != nil {
		panic(err)
	}
	fmt.Println(sql)
	fmt.Println(args)

	// A constraint declared on the relation is part of its scope.
	hello := UserPosts.Where(sq.Eq{"title": "hello"}).Named("hello_posts")
	sql, _, _ = query.Related(hello, &ann).ToSql()
	fmt.Println(sql)
	// Output:
	// select "posts"."id", "posts"."user_id", "posts"."title" from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null and (title = ? or title = ?)
	// [1 hello tips]
	// select "posts"."id", "posts"."user_id", "posts"."title" from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null and title = ?
}

// Associate sets the foreign key (and the loaded owner) in memory; save
// the child to write it.
func ExampleBelongsToRelation_Associate() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	orphan := find[Post](ctx, db, 3)
	bob := find[User](ctx, db, 2)
	if err := PostAuthor.Associate(&orphan, &bob); err != nil {
		panic(err)
	}
	fmt.Println("in memory:", *orphan.UserID, orphan.Author.Name)
	if err := query.From[Post]().Update(ctx, db, &orphan); err != nil {
		panic(err)
	}
	n, _ := query.Related(UserPosts, &bob).Count(ctx, db)
	fmt.Println("bob's posts:", n)

	if err := PostAuthor.Dissociate(&orphan); err != nil {
		panic(err)
	}
	fmt.Println("dissociated:", orphan.UserID == nil, orphan.Author == nil)
	// Output:
	// in memory: 2 bob
	// bob's posts: 1
	// dissociated: true true
}

// query.Push saves a model and the models loaded into its relations, in
// one transaction, setting the foreign keys on the way.
func Example_push() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	dee := User{
		Name:  "dee",
		Phone: &Phone{Number: "555-0104"},
		Posts: []Post{
			{Title: "first", Comments: []Comment{{Body: "welcome"}}},
			{Title: "second"},
		},
	}
	if err := query.Push(ctx, db, &dee, UserPhone, UserPosts, PostComments); err != nil {
		panic(err)
	}
	fmt.Println("user", dee.ID, "phone of user", dee.Phone.UserID)
	for _, p := range dee.Posts {
		fmt.Printf("post %d %q of user %d, %d comments\n", p.ID, p.Title, *p.UserID, len(p.Comments))
	}
	fmt.Println("comment of post", dee.Posts[0].Comments[0].PostID)

	// A failure anywhere writes nothing: role "admin" exists already.
	eve := User{Name: "eve", Roles: []Role{{Name: "auditor"}, {Name: "admin"}}}
	err := query.Push(ctx, db, &eve, UserRoles)
	n, _ := query.From[User]().Where(sq.Eq{"name": "eve"}).Count(ctx, db)
	fmt.Println("failed:", err != nil, "users named eve:", n, "eve.ID:", eve.ID)
	// Output:
	// user 4 phone of user 4
	// post 4 "first" of user 4, 1 comments
	// post 5 "second" of user 4, 0 comments
	// comment of post 4
	// failed: true users named eve: 0 eve.ID: 0
}

// Relations are found by name for string paths; an unknown name lists the
// known ones.
func ExampleParsePath() {
	path, err := rel.ParsePath(reflect.TypeFor[User](), "posts.comments")
	if err != nil {
		panic(err)
	}
	fmt.Println(path, path.Len())

	_, err = rel.ParsePath(reflect.TypeFor[User](), "posts.likes")
	var unknown *rel.UnknownRelationError
	fmt.Println(errors.Is(err, rel.ErrUnknownRelation), errors.As(err, &unknown))
	fmt.Println(unknown.Type, unknown.Name, unknown.Known)
	// Output:
	// posts.comments 2
	// true true
	// Post likes [author comments]
}

package query_test

import (
	"context"
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Thread has many replies; a reply has many attachments.
type Thread struct {
	ID      int64   `db:"id"`
	Title   string  `db:"title"`
	Replies []Reply `db:"-"`
}

type Reply struct {
	ID          int64        `db:"id"`
	ThreadID    int64        `db:"thread_id"`
	Body        string       `db:"body"`
	Likes       int64        `db:"likes"`
	Attachments []Attachment `db:"-"`
}

type Attachment struct {
	ID      int64  `db:"id"`
	ReplyID int64  `db:"reply_id"`
	Name    string `db:"name"`
}

var (
	ThreadReplies    = rel.HasMany[Thread, Reply]()
	ReplyAttachments = rel.HasMany[Reply, Attachment]()
)

// openForum opens an in-memory SQLite database with three threads:
// "welcome" (replies "hi" with an attachment, and "hello" with 5 likes),
// "rules" (reply "ok") and "empty" (no replies).
func openForum(ctx context.Context) *sqlt.DB {
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	for _, s := range []string{
		`create table threads (id integer primary key, title text not null)`,
		`create table replies (id integer primary key, thread_id bigint not null, body text not null, likes bigint not null default 0)`,
		`create table attachments (id integer primary key, reply_id bigint not null, name text not null)`,
		`insert into threads (title) values ('welcome'), ('rules'), ('empty')`,
		`insert into replies (thread_id, body, likes) values (1, 'hi', 0), (1, 'hello', 5), (2, 'ok', 1)`,
		`insert into attachments (reply_id, name) values (1, 'wave.gif')`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}
	return db
}

func printTitles(threads []Thread, err error) {
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	titles := make([]string, len(threads))
	for i, t := range threads {
		titles[i] = t.Title
	}
	fmt.Println(strings.Join(titles, " "))
}

func ExampleHas() {
	ctx := context.Background()
	db := openForum(ctx)
	defer db.Close()

	printTitles(query.From[Thread]().Where(query.Has(ThreadReplies)).OrderBy("id").Get(ctx, db))
	printTitles(query.From[Thread]().Where(query.Has(ThreadReplies, ">=", 2)).OrderBy("id").Get(ctx, db))

	s, args, _ := query.From[Thread]().Where(query.Has(ThreadReplies, ">=", 2)).ToSql()
	fmt.Println(s, args)
	// Output:
	// welcome rules
	// welcome
	// select "threads"."id", "threads"."title" from "threads" where (select count(*) from "replies" where "threads"."id" = "replies"."thread_id") >= 2 []
}

func ExampleDoesntHave() {
	ctx := context.Background()
	db := openForum(ctx)
	defer db.Close()

	// orDoesntHave: OrWhere with the condition.
	printTitles(query.From[Thread]().
		Where(sq.Eq{"title": "rules"}).
		OrWhere(query.DoesntHave(ThreadReplies)).
		OrderBy("id").Get(ctx, db))
	// Output:
	// rules empty
}

func ExampleWhereHas() {
	ctx := context.Background()
	db := openForum(ctx)
	defer db.Close()

	liked := func(q *query.Query[Reply]) *query.Query[Reply] {
		return q.WhereOp("likes", ">", 0)
	}
	printTitles(query.From[Thread]().Where(query.WhereHas(ThreadReplies, liked)).OrderBy("id").Get(ctx, db))

	// The count form keeps the constraint's binding; the count is a literal.
	s, args, _ := query.From[Thread]().Where(query.WhereHas(ThreadReplies, liked, "=", 1)).ToSql()
	fmt.Println(s, args)
	// Output:
	// welcome rules
	// select "threads"."id", "threads"."title" from "threads" where (select count(*) from "replies" where "threads"."id" = "replies"."thread_id" and "replies"."likes" > ?) = 1 [0]
}

func ExampleWhereRelation() {
	ctx := context.Background()
	db := openForum(ctx)
	defer db.Close()

	printTitles(query.From[Thread]().Where(query.WhereRelation(ThreadReplies, "body", "=", "ok")).Get(ctx, db))
	// Output:
	// rules
}

func ExampleHasPath() {
	ctx := context.Background()
	db := openForum(ctx)
	defer db.Close()

	// Threads with a reply that has an attachment, by name and typed.
	printTitles(query.From[Thread]().Where(query.HasPath[Thread]("replies.attachments")).Get(ctx, db))
	printTitles(query.From[Thread]().Where(query.Nested(ThreadReplies, ReplyAttachments).Has()).Get(ctx, db))

	// A misspelt path fails before any statement runs.
	_, err := query.From[Thread]().Where(query.HasPath[Thread]("replies.attachment")).Get(ctx, db)
	fmt.Println(err)
	// Output:
	// welcome
	// welcome
	// get threads: where: has: relation path "replies.attachment": relkit: Reply has no relation "attachment" (known: attachments)
}

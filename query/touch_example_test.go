package query_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type Topic struct {
	ID        int64     `db:"id"`
	Title     string    `db:"title"`
	UpdatedAt time.Time `db:"updated_at"`
}

type Answer struct {
	ID      int64  `db:"id"`
	TopicID int64  `db:"topic_id"`
	Body    string `db:"body"`
}

// AnswerTopic touches the topic: every write of an answer through relkit
// sets the topic's updated_at, in the same transaction.
var AnswerTopic = rel.BelongsTo[Answer, Topic]().Touches()

// An answer written with a plain Insert touches its topic; under
// WithoutTouching it does not.
func ExampleWithoutTouching() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `create table topics (id integer primary key, title text not null, updated_at timestamp not null);
		create table answers (id integer primary key, topic_id bigint not null, body text not null);
		insert into topics (title, updated_at) values ('Go 1.26', '2020-01-01 00:00:00')`); err != nil {
		panic(err)
	}
	logged := db.WithHook(sqlt.HookFunc(func(_ context.Context, q sqlt.QueryEnd) {
		fmt.Println(q.SQL)
	}))

	if err := query.From[Answer]().Insert(ctx, logged, &Answer{TopicID: 1, Body: "nice"}); err != nil {
		panic(err)
	}
	if err := query.From[Answer]().Insert(query.WithoutTouching(ctx), logged, &Answer{TopicID: 1, Body: "quiet"}); err != nil {
		panic(err)
	}
	th, err := query.From[Topic]().Find(ctx, db, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("touched:", th.UpdatedAt.Year() > 2020)
	// Output:
	// insert into "answers" ("topic_id", "body") values (?, ?) returning "id"
	// update "topics" set "updated_at" = ? where "topics"."id" = ?
	// insert into "answers" ("topic_id", "body") values (?, ?) returning "id"
	// touched: true
}

type Clip struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Remark points at a topic or a clip.
type Remark struct {
	ID             int64  `db:"id"`
	RemarkableType string `db:"remarkable_type"`
	RemarkableID   int64  `db:"remarkable_id"`
	Topic          *Topic `db:"-"`
	Clip           *Clip  `db:"-"`
}

// RemarkRemarkable touches the topic or clip of every remark written.
var RemarkRemarkable = rel.MorphTo[Remark]("remarkable", rel.Target[Topic](), rel.Target[Clip]()).Touches()

// Writing remarks touches their targets, one statement per type; TouchMorph
// touches one remark's target explicitly.
func ExampleTouchMorph() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `create table topics (id integer primary key, title text not null, updated_at timestamp not null);
		create table clips (id integer primary key, updated_at timestamp not null);
		create table remarks (id integer primary key, remarkable_type text not null, remarkable_id bigint not null);
		insert into topics (title, updated_at) values ('a', '2020-01-01 00:00:00'), ('b', '2020-01-01 00:00:00');
		insert into clips (updated_at) values ('2020-01-01 00:00:00')`); err != nil {
		panic(err)
	}
	logged := db.WithHook(sqlt.HookFunc(func(_ context.Context, q sqlt.QueryEnd) {
		if strings.HasPrefix(q.SQL, "update") {
			fmt.Println(q.SQL)
		}
	}))

	remarks := []Remark{
		{RemarkableType: "topics", RemarkableID: 1},
		{RemarkableType: "clips", RemarkableID: 1},
		{RemarkableType: "topics", RemarkableID: 2},
	}
	if err := query.From[Remark]().InsertMany(ctx, logged, remarks); err != nil {
		panic(err)
	}
	n, err := query.TouchMorph(ctx, logged, RemarkRemarkable, &remarks[1])
	if err != nil {
		panic(err)
	}
	fmt.Println("touched:", n)
	// Output:
	// update "topics" set "updated_at" = ? where "topics"."id" in (?, ?)
	// update "clips" set "updated_at" = ? where "clips"."id" = ?
	// update "clips" set "updated_at" = ? where "clips"."id" = ?
	// touched: 1
}

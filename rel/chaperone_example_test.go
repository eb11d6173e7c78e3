package rel_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type Thread struct {
	ID      int64   `db:"id"`
	Title   string  `db:"title"`
	Replies []Reply `db:"-"`
}

type Reply struct {
	ID       int64   `db:"id"`
	ThreadID int64   `db:"thread_id"`
	Body     string  `db:"body"`
	Thread   *Thread `db:"-" json:"-"` // the back-reference: json:"-" breaks the cycle
}

var (
	ReplyThread   = rel.BelongsTo[Reply, Thread]()
	ThreadReplies = rel.HasMany[Thread, Reply]().Chaperone(ReplyThread)
)

// Each reply read through the relation points at its thread, with no
// statement added; encoding the thread does not follow the back-reference.
func ExampleHasManyRelation_Chaperone() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	for _, s := range []string{
		`create table threads (id integer primary key, title text not null)`,
		`create table replies (id integer primary key, thread_id bigint not null, body text not null)`,
		`insert into threads (title) values ('Generics')`,
		`insert into replies (thread_id, body) values (1, 'yes'), (1, 'no')`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}

	thread := find[Thread](ctx, db, 1)
	thread.Replies, err = query.GetMany(ctx, db, ThreadReplies, &thread)
	if err != nil {
		panic(err)
	}
	for _, r := range thread.Replies {
		fmt.Println(r.Body, "in", r.Thread.Title, r.Thread == &thread)
	}
	js, _ := json.Marshal(thread)
	fmt.Println(string(js))
	// Output:
	// yes in Generics true
	// no in Generics true
	// {"ID":1,"Title":"Generics","Replies":[{"ID":1,"ThreadID":1,"Body":"yes"},{"ID":2,"ThreadID":1,"Body":"no"}]}
}

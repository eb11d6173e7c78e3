package rel_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// Writer is the users table with its latest post.
type Writer struct {
	ID         int64  `db:"id"`
	Name       string `db:"name"`
	LatestPost *Post  `db:"-"`
}

func (Writer) TableName() string { return "users" }

// A user's latest post: a hasOne that keeps, of the user's posts, the one
// with the greatest id. Reads, eager loads, existence tests and
// aggregates all see that one row.
func ExampleHasOneRelation_LatestOfMany() {
	ctx := context.Background()
	db := openBlog(ctx)
	defer db.Close()

	latestPost := rel.HasOne[Writer, Post]("user_id").LatestOfMany()

	ann := find[Writer](ctx, db, 1)
	p, err := query.GetOne(ctx, db, latestPost, &ann)
	if err != nil {
		panic(err)
	}
	fmt.Println(ann.Name, "latest:", p.Title)

	writers, err := query.From[Writer]().OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	if err := load.With(ctx, db, writers, latestPost); err != nil { // one statement
		panic(err)
	}
	for _, w := range writers {
		if w.LatestPost != nil {
			fmt.Println(w.Name, "latest:", w.LatestPost.Title)
		} else {
			fmt.Println(w.Name, "has no post")
		}
	}
	// Output:
	// ann latest: tips
	// ann latest: tips
	// bob has no post
	// cy has no post
}

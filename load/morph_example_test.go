package load_test

import (
	"context"
	"fmt"
	"log"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// Review is about a book or a publisher: reviewable_type holds the
// target's morph class (its table name by default).
type Review struct {
	ID             int64      `db:"id"`
	ReviewableType string     `db:"reviewable_type"`
	ReviewableID   int64      `db:"reviewable_id"`
	Stars          int        `db:"stars"`
	Book           *Book      `db:"-"`
	Publisher      *Publisher `db:"-"`
}

var ReviewReviewable = rel.MorphTo[Review]("reviewable", rel.Target[Book](), rel.Target[Publisher]())

func ExampleMorph() {
	ctx := context.Background()
	db := library()
	defer db.Close()
	for _, s := range []string{
		`create table reviews (id integer primary key, reviewable_type text not null, reviewable_id integer not null, stars integer not null)`,
		`insert into reviews values (1, 'books', 2, 5), (2, 'publishers', 1, 3), (3, 'books', 3, 4), (4, 'publishers', 2, 4)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			log.Fatal(err)
		}
	}
	reviews, err := query.From[Review]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// The books with their authors (Laravel's morphWith), the publishers
	// of Turin only (constrain): one statement per type, one per level.
	err = load.With(ctx, db.WithHook(printSQL{}), reviews, load.Morph(ReviewReviewable,
		load.On[Book](BookAuthor),
		load.On[Publisher]().Where(func(q *query.Query[Publisher]) *query.Query[Publisher] {
			return q.Where(sq.Eq{"city": "Turin"})
		}),
	))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range reviews {
		switch {
		case r.Book != nil:
			fmt.Printf("%d stars: %s by %s\n", r.Stars, r.Book.Title, r.Book.Author.Name)
		case r.Publisher != nil:
			fmt.Printf("%d stars: %s\n", r.Stars, r.Publisher.Name)
		default:
			fmt.Printf("%d stars: (filtered out)\n", r.Stars)
		}
	}
	// Output:
	//   sql: select "books"."id", "books"."author_id", "books"."publisher_id", "books"."title", "books"."year" from "books" where "books"."id" in (?, ?)
	//   sql: select "authors"."id", "authors"."name" from "authors" where "authors"."id" in (?, ?)
	//   sql: select "publishers"."id", "publishers"."name", "publishers"."city" from "publishers" where "publishers"."id" in (?, ?) and (city = ?)
	// 5 stars: Invisible Cities by Italo
	// 3 stars: (filtered out)
	// 4 stars: The Dispossessed by Ursula
	// 4 stars: Einaudi
}

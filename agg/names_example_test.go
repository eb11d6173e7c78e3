package agg_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/query"
)

func ExampleCountOf() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	// By name, as Sutando's withCount('books') and withExists('books').
	authors, err := query.From[Author]().
		Apply(agg.CountOf[Author]("books"), agg.ExistsOf[Author]("books")).
		OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	// Deferred, with "relation as alias": two aggregates, one statement.
	if err := agg.Load(ctx, db, authors, agg.CountOf[Author]("books as long_books"), agg.SumOf[Author]("books", "pages")); err != nil {
		panic(err)
	}
	for _, a := range authors {
		fmt.Println(a.Name, a.BooksCount, a.BooksExists, a.LongBooks, a.BooksSumPages)
	}
	// Output:
	// ursula 2 true 2 650
	// terry 1 true 1 300
	// nobody 0 false 0 0
}

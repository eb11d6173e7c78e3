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

	// By name, as withCount('books') and withExists('books').
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

func ExampleAllow() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	// Built once, at initialisation: what clients may count, and the one
	// alias beside the default ones they may use.
	authorCounts := agg.Allow[Author]("books", "books as long_books")

	// GET /authors?with_count=books&with_count=books as long_books
	var mods []query.Mod[Author]
	for _, name := range []string{"books", "books as long_books"} {
		a := authorCounts.CountOf(name)
		if err := a.Err(); err != nil {
			panic(err) // 400 Bad Request
		}
		mods = append(mods, a)
	}
	authors, err := query.From[Author]().Apply(mods...).OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	fmt.Println(authors[0].Name, authors[0].BooksCount, authors[0].LongBooks)

	// A count under another field's name, or of a relation not listed, is
	// refused before any statement.
	fmt.Println(authorCounts.CountOf("books as books_sum_pages").Err())
	fmt.Println(authorCounts.CountOf("awards").Err())
	// Output:
	// ursula 2 2
	// with count "books as books_sum_pages": alias "books_sum_pages": want "books_count" or one listed for books: relkit: aggregate alias not allowed
	// with count "awards": relation "awards" is not in the allow-list: relkit: aggregate not allowed
}

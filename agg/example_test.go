package agg_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Author has many books; the readonly fields receive aggregates.
type Author struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`

	BooksCount    int64    `db:"books_count,readonly"`
	LongBooks     int64    `db:"long_books,readonly"`
	BooksSumPages int64    `db:"books_sum_pages,readonly"`
	BooksAvgPages *float64 `db:"books_avg_pages,readonly"`
	BooksExists   bool     `db:"books_exists,readonly"`
}

type Book struct {
	ID       int64  `db:"id"`
	AuthorID int64  `db:"author_id"`
	Title    string `db:"title"`
	Pages    int64  `db:"pages"`
}

var AuthorBooks = rel.HasMany[Author, Book]()

// openLibrary opens an in-memory SQLite database: ursula wrote two books
// (250 and 400 pages), terry one (300 pages), and nobody none.
func openLibrary(ctx context.Context) *sqlt.DB {
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	for _, s := range []string{
		`create table authors (id integer primary key, name text not null)`,
		`create table books (id integer primary key, author_id bigint not null, title text not null, pages bigint not null)`,
		`insert into authors (name) values ('ursula'), ('terry'), ('nobody')`,
		`insert into books (author_id, title, pages) values (1, 'earthsea', 250), (1, 'the dispossessed', 400), (2, 'mort', 300)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}
	return db
}

func long(q *query.Query[Book]) *query.Query[Book] { return q.WhereOp("pages", ">", 280) }

func ExampleWithCount() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	q := query.From[Author]().Select("id", "name").Apply(agg.WithCount(AuthorBooks)).OrderBy("id")
	authors, err := q.Get(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, a := range authors {
		fmt.Println(a.Name, a.BooksCount)
	}
	s, _, _ := q.ToSql()
	fmt.Println(s)
	// Output:
	// ursula 2
	// terry 1
	// nobody 0
	// select "authors"."id", "authors"."name", (select count(*) from "books" where "authors"."id" = "books"."author_id") as "books_count" from "authors" order by "authors"."id" asc
}

func ExampleAggregate_As() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	// One relation aggregated twice: all books, and long ones only.
	authors, err := query.From[Author]().Apply(
		agg.WithCount(AuthorBooks),
		agg.WithCount(AuthorBooks, long).As("long_books"),
	).OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, a := range authors {
		fmt.Println(a.Name, a.BooksCount, a.LongBooks)
	}
	// Output:
	// ursula 2 1
	// terry 1 1
	// nobody 0 0
}

func ExampleWithSum() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	// No books: the sum reads 0 into an int64 field, the average nil into
	// a *float64 field.
	authors, err := query.From[Author]().Apply(
		agg.WithSum(AuthorBooks, "pages"),
		agg.WithAvg(AuthorBooks, "pages"),
		agg.WithExists(AuthorBooks),
	).OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	for _, a := range authors {
		avg := "nil"
		if a.BooksAvgPages != nil {
			avg = fmt.Sprint(*a.BooksAvgPages)
		}
		fmt.Println(a.Name, a.BooksSumPages, avg, a.BooksExists)
	}
	// Output:
	// ursula 650 325 true
	// terry 300 300 true
	// nobody 0 nil false
}

func ExampleLoadCount() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	authors, err := query.From[Author]().OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	// One grouped statement for the whole slice.
	if err := agg.LoadCount(ctx, db, authors, AuthorBooks, long); err != nil {
		panic(err)
	}
	for _, a := range authors {
		fmt.Println(a.Name, a.BooksCount)
	}
	// Output:
	// ursula 1
	// terry 1
	// nobody 0
}

func ExampleValues() {
	ctx := context.Background()
	db := openLibrary(ctx)
	defer db.Close()

	authors, err := query.From[Author]().OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	pages, err := agg.Values[int64](ctx, db, authors, agg.WithMax(AuthorBooks, "pages"))
	if err != nil {
		panic(err)
	}
	for _, a := range authors {
		fmt.Println(a.Name, pages[a.ID])
	}
	// Output:
	// ursula 400
	// terry 300
	// nobody 0
}

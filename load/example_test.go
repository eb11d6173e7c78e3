package load_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"strings"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The models of the documentation's eager-loading section.
type (
	Author struct {
		ID       int64     `db:"id"`
		Name     string    `db:"name"`
		Contacts []Contact `db:"-"`
		Books    []Book    `db:"-"`
	}
	Contact struct {
		ID       int64  `db:"id"`
		AuthorID int64  `db:"author_id"`
		Email    string `db:"email"`
	}
	Publisher struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
		City string `db:"city"`
	}
	Book struct {
		ID          int64      `db:"id"`
		AuthorID    int64      `db:"author_id"`
		PublisherID *int64     `db:"publisher_id"`
		Title       string     `db:"title"`
		Year        int        `db:"year"`
		Author      *Author    `db:"-"`
		Publisher   *Publisher `db:"-"`
	}
)

var (
	BookAuthor     = rel.BelongsTo[Book, Author]()
	BookPublisher  = rel.BelongsTo[Book, Publisher]()
	AuthorBooks    = rel.HasMany[Author, Book]()
	AuthorContacts = rel.HasMany[Author, Contact]()
)

// printSQL is a query hook that prints each statement, shortened.
type printSQL struct{}

func (printSQL) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (printSQL) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	fmt.Println("  sql:", strings.Join(strings.Fields(q.SQL), " "))
}

// library opens an in-memory SQLite database with a few books.
func library() *sqlt.DB {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []string{
		`create table authors (id integer primary key, name text not null)`,
		`create table contacts (id integer primary key, author_id integer not null, email text not null)`,
		`create table publishers (id integer primary key, name text not null, city text not null)`,
		`create table books (id integer primary key, author_id integer not null, publisher_id integer, title text not null, year integer not null)`,
		`insert into authors values (1, 'Ursula'), (2, 'Italo')`,
		`insert into contacts values (1, 1, 'ursula@example.com'), (2, 2, 'italo@example.com'), (3, 2, 'calvino@example.com')`,
		`insert into publishers values (1, 'Ace', 'New York'), (2, 'Einaudi', 'Turin')`,
		`insert into books values (1, 1, 1, 'The Left Hand of Darkness', 1969), (2, 2, 2, 'Invisible Cities', 1972),
			(3, 1, null, 'The Dispossessed', 1974), (4, 2, 2, 'If on a winter''s night a traveler', 1979)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			log.Fatal(err)
		}
	}
	return db
}

func ExampleWith() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	books, err := query.From[Book]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// Two statements for any number of books: one per relation.
	if err := load.With(ctx, db.WithHook(printSQL{}), books, BookAuthor, BookPublisher); err != nil {
		log.Fatal(err)
	}
	for _, b := range books {
		publisher := "-"
		if b.Publisher != nil {
			publisher = b.Publisher.Name
		}
		fmt.Printf("%s by %s (%s)\n", b.Title, b.Author.Name, publisher)
	}
	// Output:
	//   sql: select "authors"."id", "authors"."name" from "authors" where "authors"."id" in (?, ?)
	//   sql: select "publishers"."id", "publishers"."name", "publishers"."city" from "publishers" where "publishers"."id" in (?, ?)
	// The Left Hand of Darkness by Ursula (Ace)
	// Invisible Cities by Italo (Einaudi)
	// The Dispossessed by Ursula (-)
	// If on a winter's night a traveler by Italo (Einaudi)
}

func ExampleNested() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	books, err := query.From[Book]().OrderBy("id").Limit(2).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// with('author.contacts'): one statement per level.
	if err := load.With(ctx, db.WithHook(printSQL{}), books, load.Nested(BookAuthor, AuthorContacts)); err != nil {
		log.Fatal(err)
	}
	for _, b := range books {
		fmt.Println(b.Title, "→", b.Author.Name, len(b.Author.Contacts), "contacts")
	}
	// Output:
	//   sql: select "authors"."id", "authors"."name" from "authors" where "authors"."id" in (?, ?)
	//   sql: select "contacts"."id", "contacts"."author_id", "contacts"."email" from "contacts" where "contacts"."author_id" in (?, ?)
	// The Left Hand of Darkness → Ursula 1 contacts
	// Invisible Cities → Italo 2 contacts
}

func ExampleColumns() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	books, err := query.From[Book]().OrderBy("id").Limit(1).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// with('author:name'): the owner key is added, so the author is found.
	if err := load.With(ctx, db.WithHook(printSQL{}), books, load.Columns(BookAuthor, "name")); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", *books[0].Author)
	// Output:
	//   sql: select "authors"."name", "authors"."id" from "authors" where "authors"."id" in (?)
	// {ID:1 Name:Ursula Contacts:[] Books:[]}
}

func ExampleWhere() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	authors, err := query.From[Author]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// with({books: q => q.where('year', '>', 1970).orderBy('year', 'desc')})
	recent := load.Where(AuthorBooks, func(q *query.Query[Book]) *query.Query[Book] {
		return q.WhereOp("year", ">", 1970).OrderByDesc("year")
	})
	if err := load.With(ctx, db, authors, recent); err != nil {
		log.Fatal(err)
	}
	for _, a := range authors {
		fmt.Print(a.Name, ":")
		for _, b := range a.Books {
			fmt.Print(" ", b.Year)
		}
		fmt.Println()
	}
	// Output:
	// Ursula: 1974
	// Italo: 1979 1972
}

// Limit and Offset in a constraint are per parent: each author's newest
// book, in one statement for all the authors.
func ExampleWhere_limit() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	authors, err := query.From[Author]().OrderBy("id").Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// with({books: q => q.orderBy('year', 'desc').limit(1)})
	newest := load.Where(AuthorBooks, func(q *query.Query[Book]) *query.Query[Book] {
		return q.OrderByDesc("year").Limit(1)
	})
	if err := load.With(ctx, db.WithHook(printSQL{}), authors, newest); err != nil {
		log.Fatal(err)
	}
	for _, a := range authors {
		fmt.Println(a.Name+":", a.Books[0].Title)
	}
	// Output:
	//   sql: select * from (select "books"."id", "books"."author_id", "books"."publisher_id", "books"."title", "books"."year", row_number() over (partition by "books"."author_id" order by "books"."year" desc, "books"."id") as "relkit_row" from "books" where "books"."author_id" in (?, ?)) as "relkit_table" where "relkit_row" <= 1 order by "relkit_row"
	// Ursula: The Dispossessed
	// Italo: If on a winter's night a traveler
}

func ExamplePaths() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	books, err := query.From[Book]().OrderBy("id").Limit(2).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// ?include=author.contacts&include=publisher:name
	if err := load.Paths(ctx, db, books, "author.contacts", "publisher:name"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(books[1].Author.Contacts[1].Email, books[1].Publisher.Name, books[1].Publisher.City == "")

	// Anything that is not a declared relation or a mapped column is
	// rejected before a statement runs.
	err = load.Paths(ctx, db, books, "publisher:name;drop table books")
	fmt.Println(err)
	err = load.Paths(ctx, db, books, "editor")
	fmt.Println(err)
	// Output:
	// calvino@example.com Einaudi true
	// load path "publisher:name;drop table books": columns of publisher: relkit: invalid identifier "name;drop table books"
	// load path "editor": relation path "editor": relkit: Book has no relation "editor" (known: author, publisher)
}

func ExampleAllow() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	// Built once, at initialisation: the includes clients may ask for
	// (and every prefix of them), the publisher with two columns only.
	bookIncludes := load.Allow[Book]("author.contacts", "publisher:id,name")

	// GET /books?include=author.contacts&include=publisher
	include := url.Values{"include": {"author.contacts", "publisher"}}["include"]
	books, err := query.From[Book]().OrderBy("id").Limit(2).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	if err := bookIncludes.Load(ctx, db, books, include...); err != nil {
		log.Fatal(err) // 400 Bad Request
	}
	fmt.Println(books[1].Author.Contacts[1].Email, books[1].Publisher.Name, books[1].Publisher.City == "")

	// Unlisted paths and columns are refused before any statement, with
	// an error that names the path and nothing else of the model.
	err = bookIncludes.Load(ctx, db, books, "author.books.author")
	fmt.Println(err, errors.Is(err, load.ErrNotAllowed))
	fmt.Println(bookIncludes.Load(ctx, db, books, "publisher:city"))
	// Output:
	// calvino@example.com Einaudi true
	// load path "author.books.author": not in the allow-list: relkit: path not allowed true
	// load path "publisher:city": column "city" of publisher: relkit: path not allowed
}

func ExampleEager() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	books, err := query.From[Book]().
		Where(query.Has(BookPublisher, ">=", 1)).
		OrderBy("year").
		With(load.Eager(BookAuthor)).
		Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range books {
		fmt.Println(b.Year, b.Author.Name)
	}
	// Output:
	// 1969 Ursula
	// 1972 Italo
	// 1979 Italo
}

func ExampleRefresh() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	book, err := query.From[Book]().Find(ctx, db, 3)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(ctx, `update books set publisher_id = 1, year = 1975 where id = 3`); err != nil {
		log.Fatal(err)
	}
	if err := load.Refresh(ctx, db, &book, BookPublisher); err != nil {
		log.Fatal(err)
	}
	fmt.Println(book.Year, book.Publisher.Name)
	// Output:
	// 1975 Ace
}

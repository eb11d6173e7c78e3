package load_test

import (
	"context"
	"fmt"
	"log"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
)

func ExampleMissing() {
	ctx := context.Background()
	db := library()
	defer db.Close()

	books, err := query.From[Book]().OrderBy("id").With(load.Eager(BookAuthor)).Get(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	// The authors are loaded: only their contacts are read, with the
	// authors' keys (loadMissing('author.contacts')).
	spec := load.Nested(BookAuthor, AuthorContacts)
	if err := load.Missing(ctx, db.WithHook(printSQL{}), books, spec); err != nil {
		log.Fatal(err)
	}
	// Everything is loaded now: no statement.
	if err := load.Missing(ctx, db.WithHook(printSQL{}), books, spec); err != nil {
		log.Fatal(err)
	}
	for _, b := range books[:2] {
		fmt.Println(b.Title, "→", b.Author.Name, len(b.Author.Contacts), "contacts")
	}
	// Output:
	//   sql: select "contacts"."id", "contacts"."author_id", "contacts"."email" from "contacts" where "contacts"."author_id" in (?, ?)
	// The Left Hand of Darkness → Ursula 1 contacts
	// Invisible Cities → Italo 2 contacts
}

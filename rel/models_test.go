package rel_test

import (
	"testing"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/rel"
)

// The seed documentation's examples with custom keys:
//   - members/handsets: hasOne with a custom foreign key and local key
//     (handsets.owner_ref = members.ref), and its inverse;
//   - articles/notes: hasMany and the inverse belongsTo with a custom owner
//     key (notes.article_slug = articles.slug), the foreign key nullable;
//   - members/teams: belongsToMany through a custom pivot table with custom
//     keys and a custom parent key (memberships.member_ref = members.ref,
//     memberships.team_id = teams.id), its pivot read as "membership";
//   - shelves/books: an int primary key against an int64 foreign key, and
//     no foreign key constraint (a book may point at a missing shelf).

type Member struct {
	ID      int64    `db:"id"`
	Ref     string   `db:"ref"`
	Name    string   `db:"name"`
	Handset *Handset `db:"-"`
	Teams   []Team   `db:"-"`
}

type Handset struct {
	ID       int64   `db:"id"`
	OwnerRef string  `db:"owner_ref"`
	Number   string  `db:"number"`
	Owner    *Member `db:"-"`
}

type Article struct {
	ID    int64  `db:"id"`
	Slug  string `db:"slug"`
	Title string `db:"title"`
	Notes []Note `db:"-"`
}

type Note struct {
	ID          int64    `db:"id"`
	ArticleSlug *string  `db:"article_slug"`
	Body        string   `db:"body"`
	Votes       int64    `db:"votes"`
	Article     *Article `db:"-"`
}

type Team struct {
	ID         int64          `db:"id"`
	Name       string         `db:"name"`
	Membership map[string]any `db:"-"`
}

type Shelf struct {
	ID    int    `db:"id"`
	Name  string `db:"name"`
	Books []Book `db:"-"`
}

type Book struct {
	ID      int64  `db:"id"`
	ShelfID int64  `db:"shelf_id"`
	Title   string `db:"title"`
	Shelf   *Shelf `db:"-"`
}

var (
	MemberHandset = rel.HasOne[Member, Handset]("owner_ref", "ref")
	HandsetOwner  = rel.BelongsTo[Handset, Member]("owner_ref", "ref")
	ArticleNotes  = rel.HasMany[Article, Note]("article_slug", "slug")
	NoteArticle   = rel.BelongsTo[Note, Article]("article_slug", "slug")
	MemberTeams   = rel.BelongsToMany[Member, Team]("memberships", "member_ref", "team_id", "ref").As("membership").WithPivot("level")
	ShelfBooks    = rel.HasMany[Shelf, Book]()
	BookShelf     = rel.BelongsTo[Book, Shelf]()
)

// seedCustom creates and fills the custom-key tables:
//
//	members:     1 ann "m-ann", 2 bob "m-bob", 3 cy "m-cy"
//	handsets:    1 → m-ann "111", 2 → m-bob "222"
//	articles:    1 "intro", 2 "deep", 3 "empty"
//	notes:       1 intro "first" 5, 2 intro "second" 1, 3 deep "third" 0, 4 NULL "loose" 9
//	teams:       1 red, 2 blue, 3 green
//	memberships: m-ann red "lead", m-ann blue "member", m-bob green "member"
//	shelves:     1 "fiction", 2 "empty"
//	books:       1 shelf 1 "dune", 2 shelf 1 "emma", 3 shelf 99 "lost"
func seedCustom(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table members (id {{pk}}, ref text not null unique, name text not null)`,
		`create table handsets (id {{pk}}, owner_ref text not null references members(ref), number text not null)`,
		`create table articles (id {{pk}}, slug text not null unique, title text not null)`,
		`create table notes (id {{pk}}, article_slug text references articles(slug), body text not null, votes bigint not null default 0)`,
		`create table teams (id {{pk}}, name text not null unique)`,
		`create table memberships (member_ref text not null references members(ref), team_id bigint not null references teams(id),
			level text not null default 'member', primary key (member_ref, team_id))`,
		`create table shelves (id {{pk}}, name text not null)`,
		`create table books (id {{pk}}, shelf_id bigint not null, title text not null)`,
		`insert into members (ref, name) values ('m-ann', 'ann'), ('m-bob', 'bob'), ('m-cy', 'cy')`,
		`insert into handsets (owner_ref, number) values ('m-ann', '111'), ('m-bob', '222')`,
		`insert into articles (slug, title) values ('intro', 'Intro'), ('deep', 'Deep dive'), ('empty', 'Empty')`,
		`insert into notes (article_slug, body, votes) values ('intro', 'first', 5), ('intro', 'second', 1), ('deep', 'third', 0), (null, 'loose', 9)`,
		`insert into teams (name) values ('red'), ('blue'), ('green')`,
		`insert into memberships (member_ref, team_id, level) values ('m-ann', 1, 'lead'), ('m-ann', 2, 'member'), ('m-bob', 3, 'member')`,
		`insert into shelves (name) values ('fiction'), ('empty')`,
		`insert into books (shelf_id, title) values (1, 'dune'), (1, 'emma'), (99, 'lost')`,
	)
}

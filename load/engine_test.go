package load_test

// Eager loading: keys, statements per relation kind, matching, nesting,
// columns, constraints, defaults, pivot filters, parent forms and scale,
// written against the public API only and run on SQLite and PostgreSQL.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ---------------------------------------------------------------------
// Helpers

// eagerLog records every statement with its arguments.
type eagerLog struct {
	mu sync.Mutex
	q  []sqlt.QueryEnd
}

func (l *eagerLog) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }

func (l *eagerLog) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	l.mu.Lock()
	l.q = append(l.q, q)
	l.mu.Unlock()
}

func (l *eagerLog) reset() {
	l.mu.Lock()
	l.q = nil
	l.mu.Unlock()
}

func (l *eagerLog) all() []sqlt.QueryEnd {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sqlt.QueryEnd(nil), l.q...)
}

func (l *eagerLog) String() string {
	var b strings.Builder
	for _, q := range l.all() {
		fmt.Fprintf(&b, "\n  %s -- %v", q.SQL, q.Args)
	}
	return fmt.Sprintf("%d statements:%s", len(l.all()), b.String())
}

// eagerLogged returns an executor over db that records statements and
// arguments in a fresh log.
func eagerLogged(db *testdb.DB) (*sqlt.DB, *eagerLog) {
	l := &eagerLog{}
	return db.DB.WithHook(l), l
}

var (
	eagerSpaces  = regexp.MustCompile(`\s+`)
	eagerDollars = regexp.MustCompile(`\$\d+`)
)

// eagerNorm normalises SQL for substring checks: lower case, single
// spaces, no identifier quotes, PostgreSQL's $n placeholders as ?.
func eagerNorm(s string) string {
	s = eagerDollars.ReplaceAllString(s, "?")
	s = strings.ReplaceAll(s, `"`, "")
	s = strings.ReplaceAll(s, "`", "")
	s = strings.NewReplacer("[", "", "]", "").Replace(s) // sqlite_quoted
	return strings.TrimSpace(eagerSpaces.ReplaceAllString(strings.ToLower(s), " "))
}

// eagerKeyTest is the normalised membership test for column col (e.g.
// "users.id") of a list of n keys, on db's dialect: `users.id in (?, ?)`
// on SQLite, `users.id = any(?)` (one array parameter) on PostgreSQL.
func eagerKeyTest(db *testdb.DB, col string, n int) string {
	if db.Name == "postgres" {
		return col + " = any(?)"
	}
	return col + " in (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// eagerKeyPrefix is the start of a membership test on col, whatever the
// position and count of its parameters.
func eagerKeyPrefix(db *testdb.DB, col string) string {
	if db.Name == "postgres" {
		return col + " = any("
	}
	return col + " in ("
}

// eagerFlat flattens statement arguments: an array parameter (PostgreSQL
// key lists) becomes its elements; integers become int64.
func eagerFlat(args []any) []any {
	var out []any
	for _, a := range args {
		switch v := a.(type) {
		case []int64:
			for _, x := range v {
				out = append(out, x)
			}
		case []string:
			for _, x := range v {
				out = append(out, x)
			}
		case int:
			out = append(out, int64(v))
		case int32:
			out = append(out, int64(v))
		default:
			out = append(out, a)
		}
	}
	return out
}

func eagerI64(xs ...int64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func eagerUsers(t *testing.T, db *testdb.DB) []fixture.User {
	t.Helper()
	us, err := query.From[fixture.User]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, us, 3)
	db.Counter.Reset()
	return us
}

func eagerPosts(t *testing.T, db *testdb.DB) []fixture.Post {
	t.Helper()
	ps, err := query.From[fixture.Post]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, ps, 4)
	db.Counter.Reset()
	return ps
}

func eagerTitles(ps []fixture.Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

func eagerIndex(t *testing.T, s, sub string) int {
	t.Helper()
	i := strings.Index(s, sub)
	require.GreaterOrEqual(t, i, 0, "%q not in %q", sub, s)
	return i
}

// ---------------------------------------------------------------------
// Own models: shelves and books (integer keys of different widths, a
// nullable foreign key, a foreign key pointing nowhere, every destination
// shape), countries and cities (string keys).

type eagerShelf struct {
	ID       int32         `db:"id"`
	Name     string        `db:"name"`
	Books    []eagerBook   `db:"-"`
	BookPtrs []*eagerBook  `db:"-"`
	Newest   *eagerBook    `db:"-"`
	Tags     []eagerTagged `db:"-"`
}

func (eagerShelf) TableName() string { return "eager_shelves" }

type eagerBook struct {
	ID      int64         `db:"id"`
	ShelfID sql.NullInt64 `db:"shelf_id"`
	Title   string        `db:"title"`
	Votes   int64         `db:"votes"`
	Shelf   *eagerShelf   `db:"-"`
	ShelfV  eagerShelf    `db:"-"`
}

func (eagerBook) TableName() string { return "eager_books" }

// eagerTagged is reached from shelves through a pivot, loaded into a
// []C destination of a parent keyed by an int32.
type eagerTagged struct {
	ID    int64          `db:"id"`
	Label string         `db:"label"`
	Pivot map[string]any `db:"-"`
}

func (eagerTagged) TableName() string { return "eager_tags" }

type eagerCountry struct {
	Code   string      `db:"code,pk"`
	Name   string      `db:"name"`
	Cities []eagerCity `db:"-"`
}

func (eagerCountry) TableName() string { return "eager_countries" }

type eagerCity struct {
	ID          int64         `db:"id"`
	CountryCode *string       `db:"country_code"`
	Name        string        `db:"name"`
	Country     *eagerCountry `db:"-"`
}

func (eagerCity) TableName() string { return "eager_cities" }

var (
	eagerShelfBooks    = rel.HasMany[eagerShelf, eagerBook]("shelf_id").Field("Books")
	eagerShelfBookPtrs = rel.HasMany[eagerShelf, eagerBook]("shelf_id").Field("BookPtrs")
	eagerShelfNewest   = rel.HasOne[eagerShelf, eagerBook]("shelf_id").Field("Newest")
	eagerShelfTags     = rel.BelongsToMany[eagerShelf, eagerTagged]("eager_shelf_tag", "shelf_id", "tag_id")
	eagerBookShelf     = rel.BelongsTo[eagerBook, eagerShelf]("shelf_id").Field("Shelf")
	eagerBookShelfV    = rel.BelongsTo[eagerBook, eagerShelf]("shelf_id").Field("ShelfV")
	eagerCountryCities = rel.HasMany[eagerCountry, eagerCity]("country_code", "code")
	eagerCityCountry   = rel.BelongsTo[eagerCity, eagerCountry]("country_code", "code")
)

// eagerShelfSchema: shelves 0 "zero", 1 "a", 2 "b", 3 "c" (no books);
// books 1 → shelf 1 (5 votes), 2 → shelf 1 (9), 3 → shelf 2 (1),
// 4 → NULL, 5 → shelf 999 (missing), 6 → shelf 0; tags: shelf 1 has
// tags 1 "red" and 2 "blue", shelf 2 has tag 1.
func eagerShelfSchema(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table eager_shelves (id {{pk}}, name text not null)`,
		`create table eager_books (id {{pk}}, shelf_id bigint, title text not null, votes bigint not null default 0)`,
		`create table eager_tags (id {{pk}}, label text not null)`,
		`create table eager_shelf_tag (shelf_id bigint not null, tag_id bigint not null, note text)`,
		`insert into eager_shelves (id, name) values (0, 'zero'), (1, 'a'), (2, 'b'), (3, 'c')`,
		`insert into eager_books (id, shelf_id, title, votes) values (1, 1, 'one', 5), (2, 1, 'two', 9), (3, 2, 'three', 1),
			(4, null, 'loose', 0), (5, 999, 'lost', 0), (6, 0, 'zeroth', 0)`,
		`insert into eager_tags (id, label) values (1, 'red'), (2, 'blue')`,
		`insert into eager_shelf_tag (shelf_id, tag_id, note) values (1, 1, 'x'), (1, 2, 'y'), (2, 1, 'z')`,
		`create table eager_countries (code text primary key, name text not null)`,
		`create table eager_cities (id {{pk}}, country_code text, name text not null)`,
		`insert into eager_countries (code, name) values ('', 'nowhere'), ('fr', 'France'), ('de', 'Germany')`,
		`insert into eager_cities (id, country_code, name) values (1, 'fr', 'Paris'), (2, 'fr', 'Lyon'), (3, '', 'Limbo'),
			(4, null, 'Atlantis'), (5, 'de', 'Berlin')`,
	)
	if db.Name == "postgres" {
		// Explicit ids were inserted: move the identity sequences on.
		db.MustExec(t,
			`select setval(pg_get_serial_sequence('eager_shelves', 'id'), 100)`,
			`select setval(pg_get_serial_sequence('eager_books', 'id'), 100)`,
			`select setval(pg_get_serial_sequence('eager_cities', 'id'), 100)`,
		)
	}
}

func eagerShelves(t *testing.T, db *testdb.DB) []eagerShelf {
	t.Helper()
	ss, err := query.From[eagerShelf]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, ss, 4)
	db.Counter.Reset()
	return ss
}

func eagerBooks(t *testing.T, db *testdb.DB) []eagerBook {
	t.Helper()
	bs, err := query.From[eagerBook]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, bs, 6)
	db.Counter.Reset()
	return bs
}

func eagerBookTitles(bs []eagerBook) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Title
	}
	return out
}

// ---------------------------------------------------------------------
// Algorithm: no parents, no query.

func TestEagerLoadOfNoParentsRunsNoStatement(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		all := []load.Of[fixture.User]{fixture.UserPosts, fixture.UserPhone, fixture.UserRoles,
			load.Nested(fixture.UserPosts, fixture.PostComments, fixture.CommentImages)}

		require.NoError(t, load.With(ctx, db, []fixture.User{}, all...))
		require.NoError(t, load.With(ctx, db, []fixture.User(nil), all...))
		require.NoError(t, load.With(ctx, db, []*fixture.User{}, all...))
		empty := []fixture.User{}
		require.NoError(t, load.With(ctx, db, &empty, all...))
		require.NoError(t, load.Paths(ctx, db, []fixture.User{}, "posts.comments.images", "phone", "roles"))
		assert.Equal(t, 0, db.Counter.Count(), db.Counter.String())

		// A query that returns no rows runs no eager statement either.
		us, err := query.From[fixture.User]().Where(sq.Eq{"name": "nobody"}).
			With(load.Eager(all...)).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, us)
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
	})
}

// ---------------------------------------------------------------------
// Keys: deduplicated, sorted, NULL dropped; an empty key list runs no
// query (never `where 1 = ?`); 0 and ''
// are legal keys.

func TestEagerLoadKeysAreDeduplicatedSortedAndNullFree(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ex, log := eagerLogged(db)

		// belongsTo, posts with user_id 2, 1, NULL, 1, 2 (in that order):
		// keys [1, 2], sorted, NULL dropped.
		ps := eagerPosts(t, db)
		mixed := []fixture.Post{ps[2], ps[0], ps[3], ps[1], ps[2]}
		require.NoError(t, load.With(ctx, ex, mixed, fixture.PostAuthor))
		qs := log.all()
		require.Len(t, qs, 1, log.String())
		assert.Contains(t, eagerNorm(qs[0].SQL), eagerKeyTest(db, "users.id", 2))
		assert.Equal(t, eagerI64(1, 2), eagerFlat(qs[0].Args))
		assert.NotContains(t, eagerNorm(qs[0].SQL), "1 = ?")
		assert.Equal(t, "bob", mixed[0].Author.Name)
		assert.Equal(t, "ann", mixed[1].Author.Name)
		assert.Nil(t, mixed[2].Author)

		// hasMany keys are deduplicated too and
		// sorted whatever the parents' order.
		us := eagerUsers(t, db)
		log.reset()
		twice := []fixture.User{us[2], us[0], us[1], us[0]}
		require.NoError(t, load.With(ctx, ex, twice, fixture.UserPosts))
		qs = log.all()
		require.Len(t, qs, 1, log.String())
		assert.Contains(t, eagerNorm(qs[0].SQL), eagerKeyTest(db, "posts.user_id", 3))
		assert.Equal(t, eagerI64(1, 2, 3), eagerFlat(qs[0].Args))
		assert.Equal(t, []string{"hello", "code tips"}, eagerTitles(twice[1].Posts))
		assert.Equal(t, twice[1].Posts, twice[3].Posts, "a duplicated parent gets the same rows")

		log.reset()
		same := []fixture.User{us[0], us[0], us[0]}
		require.NoError(t, load.With(ctx, ex, same, fixture.UserPosts))
		qs = log.all()
		require.Len(t, qs, 1)
		assert.Contains(t, eagerNorm(qs[0].SQL), eagerKeyTest(db, "posts.user_id", 1))
		assert.Equal(t, eagerI64(1), eagerFlat(qs[0].Args))

		// Every foreign key NULL: no statement at all, nil (or default) on
		// every parent.
		log.reset()
		orphans := []fixture.Post{ps[3], ps[3]}
		orphans[0].Author = &fixture.User{Name: "stale"}
		require.NoError(t, load.With(ctx, ex, orphans, fixture.PostAuthor))
		assert.Empty(t, log.all(), log.String())
		assert.Nil(t, orphans[0].Author, "loading replaces what was there")
		require.NoError(t, load.With(ctx, ex, orphans, fixture.PostAuthor.WithDefault(fixture.User{Name: "Guest Author"})))
		assert.Empty(t, log.all(), log.String())
		assert.Equal(t, "Guest Author", orphans[0].Author.Name)
		assert.Equal(t, "Guest Author", orphans[1].Author.Name)
		require.NoError(t, load.Paths(ctx, ex, orphans, "author"))
		assert.Empty(t, log.all(), log.String())
	})
}

// Skip NULL keys, keep 0 and the empty string (legal keys).
func TestEagerLoadSkipsNullKeysAndKeepsZeroAndEmpty(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerShelfSchema(t, db)

		shelves := eagerShelves(t, db)
		require.Equal(t, int32(0), shelves[0].ID)
		require.NoError(t, load.With(ctx, db, shelves, eagerShelfBooks))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []string{"zeroth"}, eagerBookTitles(shelves[0].Books), "shelf 0 has book 6")

		books := eagerBooks(t, db)
		require.NoError(t, load.With(ctx, db, books, eagerBookShelf))
		require.NotNil(t, books[5].Shelf, "book 6 belongs to shelf 0")
		assert.Equal(t, "zero", books[5].Shelf.Name)
		assert.Nil(t, books[3].Shelf, "NULL shelf_id")
		assert.Nil(t, books[4].Shelf, "shelf 999 does not exist")

		countries, err := query.From[eagerCountry]().OrderBy("code").Get(ctx, db)
		require.NoError(t, err)
		require.Equal(t, "", countries[0].Code)
		require.NoError(t, load.With(ctx, db, countries, eagerCountryCities))
		require.Len(t, countries[0].Cities, 1, "country '' has Limbo")
		assert.Equal(t, "Limbo", countries[0].Cities[0].Name)
		cities, err := query.From[eagerCity]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cities, eagerCityCountry))
		assert.Equal(t, 1, db.Counter.Count())
		require.NotNil(t, cities[2].Country)
		assert.Equal(t, "nowhere", cities[2].Country.Name)
		assert.Nil(t, cities[3].Country, "NULL country_code")
		assert.Equal(t, "France", cities[0].Country.Name)
	})
}

// ---------------------------------------------------------------------
// SQL per relation type.

func TestEagerLoadStatementPerRelationKind(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ex, log := eagerLogged(db)

		// belongsTo: select users.id, users.name from users where users.id in (?, ?) -- [1,2]
		ps := eagerPosts(t, db)
		require.NoError(t, load.With(ctx, ex, ps, fixture.PostAuthor))
		qs := log.all()
		require.Len(t, qs, 1)
		s := eagerNorm(qs[0].SQL)
		assert.Regexp(t, `^select users\.id, users\.name from users where `, s)
		assert.Contains(t, s, "where "+eagerKeyTest(db, "users.id", 2))
		assert.Equal(t, eagerI64(1, 2), eagerFlat(qs[0].Args))

		// hasMany: select posts.id, … from posts where posts.user_id in (?, ?, ?),
		// with no "is not null".
		us := eagerUsers(t, db)
		log.reset()
		require.NoError(t, load.With(ctx, ex, us, fixture.UserPosts))
		qs = log.all()
		require.Len(t, qs, 1)
		s = eagerNorm(qs[0].SQL)
		assert.Regexp(t, `^select posts\.id, posts\.user_id, posts\.title, posts\.votes, posts\.created_at, posts\.updated_at from posts where `, s)
		assert.Contains(t, s, "where "+eagerKeyTest(db, "posts.user_id", 3))
		assert.NotContains(t, s, "is not null")
		assert.Equal(t, eagerI64(1, 2, 3), eagerFlat(qs[0].Args))

		// hasOne: the same shape, no limit.
		log.reset()
		require.NoError(t, load.With(ctx, ex, us, fixture.UserPhone))
		qs = log.all()
		require.Len(t, qs, 1)
		s = eagerNorm(qs[0].SQL)
		assert.Regexp(t, `^select phones\.id, phones\.user_id, phones\.number from phones where `, s)
		assert.Contains(t, s, "where "+eagerKeyTest(db, "phones.user_id", 3))
		assert.NotContains(t, s, "limit")
		assert.NotContains(t, s, "is not null")

		// belongsToMany: the pivot select and join, keyed on the
		// foreign pivot key.
		log.reset()
		require.NoError(t, load.With(ctx, ex, us, fixture.UserRoles))
		qs = log.all()
		require.Len(t, qs, 1)
		s = eagerNorm(qs[0].SQL)
		assert.Contains(t, s, "select roles.id, roles.name, role_user.user_id as pivot_user_id, role_user.role_id as pivot_role_id, role_user.active as pivot_active from ")
		assert.Contains(t, s, "inner join role_user on roles.id = role_user.role_id")
		assert.Contains(t, s, "where "+eagerKeyTest(db, "role_user.user_id", 3))
		assert.Equal(t, eagerI64(1, 2, 3), eagerFlat(qs[0].Args))
	})
}

// ---------------------------------------------------------------------
// Matching.

func TestEagerLoadMatchesChildrenToTheirParents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		// One belongsTo row attaches to several parents.
		ps := eagerPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps, fixture.PostAuthor))
		require.NotNil(t, ps[0].Author)
		require.NotNil(t, ps[1].Author)
		assert.Equal(t, int64(1), ps[0].Author.ID)
		assert.Equal(t, int64(1), ps[1].Author.ID)
		assert.Equal(t, "bob", ps[2].Author.Name)

		// hasMany: all rows per key, in query order.
		us := eagerUsers(t, db)
		byVotes := load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return q.OrderBy("votes")
		})
		require.NoError(t, load.With(ctx, db, us, byVotes))
		assert.Equal(t, []string{"code tips", "hello"}, eagerTitles(us[0].Posts))
		for _, u := range us {
			for _, p := range u.Posts {
				assert.Equal(t, u.ID, *p.UserID)
			}
		}

		// hasOne: the first row per key, in query order.
		db.MustExec(t, `insert into phones (user_id, number) values (1, '555-9999')`)
		for _, c := range []struct {
			desc bool
			want string
		}{{false, "555-0101"}, {true, "555-9999"}} {
			us = eagerUsers(t, db)
			ordered := load.Where(fixture.UserPhone, func(q *query.Query[fixture.Phone]) *query.Query[fixture.Phone] {
				if c.desc {
					return q.OrderByDesc("id")
				}
				return q.OrderBy("id")
			})
			require.NoError(t, load.With(ctx, db, us, ordered))
			assert.Equal(t, 1, db.Counter.Count())
			require.NotNil(t, us[0].Phone)
			assert.Equal(t, c.want, us[0].Phone.Number)
			assert.Equal(t, "555-0102", us[1].Phone.Number)
			assert.Nil(t, us[2].Phone)
		}

		// belongsToMany: keyed by the pivot's foreign key, each model with
		// its own pivot. Admin is shared by ann and bob.
		db.MustExec(t, `insert into role_user (user_id, role_id, active) values (2, 1, false)`)
		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, fixture.UserRoles.OrderByPivot("role_id")))
		require.Len(t, us[0].Roles, 2)
		require.Len(t, us[1].Roles, 2)
		annAdmin, bobAdmin := us[0].Roles[0], us[1].Roles[0]
		require.Equal(t, "admin", annAdmin.Name)
		require.Equal(t, "admin", bobAdmin.Name)
		assert.EqualValues(t, 1, annAdmin.Pivot["user_id"])
		assert.EqualValues(t, 2, bobAdmin.Pivot["user_id"])
		assert.EqualValues(t, 1, bobAdmin.Pivot["role_id"])
		annAdmin.Pivot["user_id"] = int64(42)
		assert.EqualValues(t, 2, bobAdmin.Pivot["user_id"], "pivots are not shared")
		assert.Empty(t, us[2].Roles)
		assert.NotNil(t, us[2].Roles)

		// The pivot under the As name, with the timestamps.
		us = eagerUsers(t, db)
		require.NoError(t, load.Paths(ctx, db, us, "podcasts"))
		require.Len(t, us[0].Podcasts, 1)
		sub := us[0].Podcasts[0].Subscription
		assert.EqualValues(t, 1, sub["user_id"])
		assert.EqualValues(t, 1, sub["podcast_id"])
		assert.NotNil(t, sub["created_at"])
		assert.Contains(t, sub, "updated_at")
		assert.Len(t, sub, 4)
		assert.NotNil(t, us[1].Podcasts)
		assert.Empty(t, us[1].Podcasts)
	})
}

// Keys compare across Go integer widths and NULL-able forms (an int32
// parent key against a sql.NullInt64 foreign key), and strings with
// pointers to strings.
func TestEagerLoadMatchesKeysAcrossIntegerWidthsAndNullables(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerShelfSchema(t, db)
		ex, log := eagerLogged(db)

		shelves := eagerShelves(t, db)
		require.NoError(t, load.With(ctx, ex, shelves, eagerShelfBooks, eagerShelfNewest, eagerShelfTags))
		require.Len(t, log.all(), 3, log.String())
		assert.ElementsMatch(t, []string{"one", "two"}, eagerBookTitles(shelves[1].Books))
		assert.Equal(t, []string{"three"}, eagerBookTitles(shelves[2].Books))
		assert.NotNil(t, shelves[3].Books)
		assert.Empty(t, shelves[3].Books)
		require.NotNil(t, shelves[2].Newest)
		assert.Equal(t, "three", shelves[2].Newest.Title)
		assert.Nil(t, shelves[3].Newest)
		require.Len(t, shelves[1].Tags, 2)
		for _, tg := range shelves[1].Tags {
			assert.EqualValues(t, 1, tg.Pivot["shelf_id"])
			assert.EqualValues(t, tg.ID, tg.Pivot["tag_id"])
			assert.Len(t, tg.Pivot, 2, "only the pivot keys: no WithPivot")
		}
		require.Len(t, shelves[2].Tags, 1)
		assert.Equal(t, "red", shelves[2].Tags[0].Label)
		assert.Empty(t, shelves[3].Tags)

		books := eagerBooks(t, db)
		log.reset()
		require.NoError(t, load.With(ctx, ex, books, eagerBookShelf, eagerBookShelfV))
		require.Len(t, log.all(), 2, log.String())
		assert.Equal(t, "a", books[0].Shelf.Name)
		assert.Same(t, books[0].Shelf, books[1].Shelf)
		assert.Equal(t, "b", books[2].ShelfV.Name, "a value destination")
		assert.Equal(t, eagerShelf{}, books[3].ShelfV, "no owner: the zero value")
		assert.Nil(t, books[3].Shelf)
		assert.Nil(t, books[4].Shelf)
	})
}

// ---------------------------------------------------------------------
// Multiple relations: one query each, in order.

func TestEagerLoadRunsOneStatementPerRelationInOrder(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		check := func(t *testing.T, us []fixture.User, first, second string) {
			t.Helper()
			stmts := db.Counter.Statements()
			require.Len(t, stmts, 2, db.Counter.String())
			assert.Contains(t, eagerNorm(stmts[0]), "from "+first)
			assert.Contains(t, eagerNorm(stmts[1]), "from "+second)
		}

		us := eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, fixture.UserPosts, fixture.UserPhone))
		check(t, us, "posts", "phones")
		assert.Len(t, us[0].Posts, 2)
		assert.Equal(t, "555-0101", us[0].Phone.Number)

		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, fixture.UserPhone, fixture.UserPosts))
		check(t, us, "phones", "posts")

		us = eagerUsers(t, db)
		require.NoError(t, load.Paths(ctx, db, us, "posts", "phone"))
		check(t, us, "posts", "phones")
		assert.Len(t, us[0].Posts, 2)
		assert.Equal(t, "555-0102", us[1].Phone.Number)

		db.Counter.Reset()
		got, err := query.From[fixture.User]().OrderBy("id").With(load.Eager(fixture.UserPhone, fixture.UserRoles)).Get(ctx, db)
		require.NoError(t, err)
		stmts := db.Counter.Statements()
		require.Len(t, stmts, 3, db.Counter.String())
		assert.Contains(t, eagerNorm(stmts[1]), "from phones")
		assert.Contains(t, eagerNorm(stmts[2]), "role_user")
		assert.Len(t, got[0].Roles, 2)
		assert.Nil(t, got[2].Phone)
	})
}

// ---------------------------------------------------------------------
// Nested: posts.comments.images, one query per level keyed from the
// level above: posts.user_id in (1), comments.post_id in (1,2),
// images.comment_id in (1,2,3,4).

func TestNestedEagerLoadKeysEachLevelFromTheLevelAbove(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ex, log := eagerLogged(db)

		checkLevels := func(t *testing.T) {
			t.Helper()
			qs := log.all()
			require.Len(t, qs, 3, log.String())
			assert.Contains(t, eagerNorm(qs[0].SQL), eagerKeyTest(db, "posts.user_id", 1))
			assert.Equal(t, eagerI64(1), eagerFlat(qs[0].Args))
			assert.Contains(t, eagerNorm(qs[1].SQL), eagerKeyTest(db, "comments.post_id", 2))
			assert.Equal(t, eagerI64(1, 2), eagerFlat(qs[1].Args))
			assert.Contains(t, eagerNorm(qs[2].SQL), eagerKeyTest(db, "images.comment_id", 4))
			assert.Equal(t, eagerI64(1, 2, 3, 4), eagerFlat(qs[2].Args))
		}
		checkAnn := func(t *testing.T, ann fixture.User) {
			t.Helper()
			require.Len(t, ann.Posts, 2, "posts is implied")
			images := map[string]int{}
			comments := 0
			for _, p := range ann.Posts {
				require.NotNil(t, p.Comments, "posts.comments is implied")
				comments += len(p.Comments)
				for _, c := range p.Comments {
					assert.Equal(t, p.ID, c.PostID)
					require.NotNil(t, c.Images)
					images[c.Content] = len(c.Images)
				}
			}
			assert.Equal(t, 4, comments)
			assert.Equal(t, map[string]int{"code is fun": 2, "nice": 0, "code review": 0, "meh": 1}, images)
		}

		us := eagerUsers(t, db)
		ann := us[0]
		log.reset()
		require.NoError(t, load.With(ctx, ex, &ann, load.Nested(fixture.UserPosts, fixture.PostComments, fixture.CommentImages)))
		checkLevels(t)
		checkAnn(t, ann)

		ann = us[0]
		log.reset()
		require.NoError(t, load.Paths(ctx, ex, &ann, "posts.comments.images"))
		checkLevels(t)
		checkAnn(t, ann)

		log.reset()
		got, err := query.From[fixture.User]().Where(sq.Eq{"id": 1}).
			With(load.PathsLoader[fixture.User]("posts.comments.images")).Get(ctx, ex)
		require.NoError(t, err)
		require.Len(t, got, 1)
		qs := log.all()
		require.Len(t, qs, 4)
		log.q = qs[1:]
		checkLevels(t)
		checkAnn(t, got[0])

		// Every parent: still one statement per level.
		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Nested(fixture.UserPosts, fixture.PostComments, fixture.CommentImages)))
		assert.Equal(t, 3, db.Counter.Count(), db.Counter.String())
		assert.Empty(t, us[1].Posts[0].Comments)
		assert.NotNil(t, us[1].Posts[0].Comments)
		assert.Empty(t, us[2].Posts)

		// A level with no rows runs no statement below it.
		us = eagerUsers(t, db)
		cy := us[2]
		require.NoError(t, load.With(ctx, db, &cy, load.Nested(fixture.UserPosts, fixture.PostComments, fixture.CommentImages)))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.NotNil(t, cy.Posts)
	})
}

// ---------------------------------------------------------------------
// Column selection.

func TestEagerLoadSelectsTheRequestedColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		// with('author:id,name'): select id, name from users where users.id in (?)
		for _, form := range []string{"typed", "path"} {
			ps := eagerPosts(t, db)[:2]
			if form == "typed" {
				require.NoError(t, load.With(ctx, db, ps, load.Columns(fixture.PostAuthor, "id", "name")))
			} else {
				require.NoError(t, load.Paths(ctx, db, ps, "author:id,name"))
			}
			stmts := db.Counter.Statements()
			require.Len(t, stmts, 1, form)
			s := eagerNorm(stmts[0])
			assert.Regexp(t, `^select (users\.)?id, (users\.)?name from users where `, s, form)
			assert.Contains(t, s, eagerKeyTest(db, "users.id", 1), form)
			assert.Equal(t, fixture.User{ID: 1, Name: "ann"}, *ps[0].Author, form)
			assert.Same(t, ps[0].Author, ps[1].Author, form)
		}

		// A key left out is still read, so the relation is never
		// silently empty: the owner key for belongsTo…
		ps := eagerPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps, load.Columns(fixture.PostAuthor, "name")))
		require.NotNil(t, ps[0].Author)
		assert.Equal(t, fixture.User{ID: 1, Name: "ann"}, *ps[0].Author)
		assert.Equal(t, "bob", ps[2].Author.Name)
		// …and the foreign key for hasMany (docs: 'author:id,name,book_id').
		us := eagerUsers(t, db)
		require.NoError(t, load.Paths(ctx, db, us, "posts:title"))
		assert.ElementsMatch(t, []string{"hello", "code tips"}, eagerTitles(us[0].Posts))
		for _, p := range us[0].Posts {
			require.NotNil(t, p.UserID)
			assert.Equal(t, int64(1), *p.UserID)
			assert.Zero(t, p.Votes, "not selected")
		}
		assert.Equal(t, []string{"news"}, eagerTitles(us[1].Posts))
		// …and the key a nested level starts from.
		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Nested(load.Columns(fixture.UserPosts, "title"), fixture.PostComments)))
		assert.Equal(t, 2, db.Counter.Count())
		total := 0
		for _, p := range us[0].Posts {
			total += len(p.Comments)
		}
		assert.Equal(t, 4, total)

		// A nested path chooses the columns of its last relation only.
		us = eagerUsers(t, db)
		require.NoError(t, load.Paths(ctx, db, us, "posts.comments:content"))
		stmts0 := db.Counter.Statements()
		require.Len(t, stmts0, 2)
		assert.Regexp(t, `^select posts\.id, posts\.user_id, posts\.title, posts\.votes, posts\.created_at, posts\.updated_at from posts`, eagerNorm(stmts0[0]))
		assert.Regexp(t, `^select (comments\.)?content, `, eagerNorm(stmts0[1]))
		for _, p := range us[0].Posts {
			assert.NotZero(t, p.Votes+int64(len(p.Title)), "posts: every column")
			for _, c := range p.Comments {
				assert.NotEmpty(t, c.Content)
				assert.Equal(t, p.ID, c.PostID, "the foreign key is added")
				assert.Zero(t, c.Votes, "not selected")
			}
		}

		// belongsToMany: columns qualified with the related table, pivot
		// columns still added.
		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Columns(fixture.UserRoles, "id", "name")))
		stmts := db.Counter.Statements()
		require.Len(t, stmts, 1)
		s := eagerNorm(stmts[0])
		assert.Contains(t, s, "select roles.id, roles.name, role_user.user_id as pivot_user_id, role_user.role_id as pivot_role_id, role_user.active as pivot_active from")
		require.Len(t, us[0].Roles, 2)
		for _, r := range us[0].Roles {
			assert.NotZero(t, r.ID)
			assert.NotEmpty(t, r.Name)
			assert.EqualValues(t, 1, r.Pivot["user_id"])
			assert.EqualValues(t, r.ID, r.Pivot["role_id"])
		}
		us = eagerUsers(t, db)
		require.NoError(t, load.Paths(ctx, db, us, "roles:name"))
		s = eagerNorm(db.Counter.Statements()[0])
		assert.Contains(t, s, "roles.name")
		assert.Contains(t, s, "role_user.user_id as pivot_user_id")
		assert.NotContains(t, s, "roles.*")
		require.Len(t, us[1].Roles, 1)
		assert.Equal(t, fixture.Role{ID: 3, Name: "viewer", Pivot: us[1].Roles[0].Pivot}, us[1].Roles[0])
		assert.EqualValues(t, 2, us[1].Roles[0].Pivot["user_id"])

		// with({author: q => q.select('id','name')}): the constraint form.
		ps = eagerPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps, load.Where(fixture.PostAuthor, func(q *query.Query[fixture.User]) *query.Query[fixture.User] {
			return q.Select("name")
		})))
		assert.Equal(t, fixture.User{ID: 1, Name: "ann"}, *ps[0].Author)

		// Bad columns are rejected before any statement runs.
		db.Counter.Reset()
		ps = eagerPosts(t, db)
		err := load.With(ctx, db, ps, load.Columns(fixture.PostAuthor, "id; drop table users"))
		require.Error(t, err)
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		err = load.Paths(ctx, db, ps, "author:id,nope")
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Nil(t, ps[0].Author)
	})
}

// ---------------------------------------------------------------------
// Constraint closures.

func TestEagerLoadAppliesConstraintClosures(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ex, log := eagerLogged(db)

		// with({posts: q => q.where('title', 'like', '%code%')}): the
		// constraint is ANDed after the key test.
		us := eagerUsers(t, db)
		code := load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return q.WhereOp("title", "like", "%code%")
		})
		require.NoError(t, load.With(ctx, ex, us, code))
		qs := log.all()
		require.Len(t, qs, 1)
		s := eagerNorm(qs[0].SQL)
		key := eagerIndex(t, s, eagerKeyPrefix(db, "posts.user_id"))
		like := eagerIndex(t, s, "title like ")
		assert.Less(t, key, like, s)
		assert.Contains(t, s[key:like], " and ")
		assert.Equal(t, append(eagerI64(1, 2, 3), "%code%"), eagerFlat(qs[0].Args))
		assert.Equal(t, []string{"code tips"}, eagerTitles(us[0].Posts))
		assert.NotNil(t, us[1].Posts)
		assert.Empty(t, us[1].Posts)

		// The constraint cannot escape the key scope with an OR.
		us = eagerUsers(t, db)
		leaky := load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return q.Where(sq.Eq{"title": "nope"}).OrWhere(sq.GtOrEq{"votes": 0})
		})
		ann := us[0]
		require.NoError(t, load.With(ctx, db, &ann, leaky))
		assert.ElementsMatch(t, []string{"hello", "code tips"}, eagerTitles(ann.Posts))

		// A relation-level where comes before the key test (and before the
		// constraint): where votes > ? and posts.user_id in (…) and …
		us = eagerUsers(t, db)
		log.reset()
		popular := fixture.UserPosts.Where(sq.Gt{"votes": 2})
		require.NoError(t, load.With(ctx, ex, us, popular))
		s = eagerNorm(log.all()[0].SQL)
		assert.Less(t, eagerIndex(t, s, "votes > "), eagerIndex(t, s, eagerKeyPrefix(db, "posts.user_id")), s)
		assert.ElementsMatch(t, []string{"hello", "code tips"}, eagerTitles(us[0].Posts))
		assert.Empty(t, us[1].Posts, "news has 0 votes")

		us = eagerUsers(t, db)
		log.reset()
		require.NoError(t, load.With(ctx, ex, us, load.Where(popular, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return q.WhereOp("title", "like", "%o%")
		})))
		s = eagerNorm(log.all()[0].SQL)
		rw := eagerIndex(t, s, "votes > ")
		kt := eagerIndex(t, s, eagerKeyPrefix(db, "posts.user_id"))
		cw := eagerIndex(t, s, "title like ")
		assert.True(t, rw < kt && kt < cw, s)
		assert.ElementsMatch(t, []string{"hello", "code tips"}, eagerTitles(us[0].Posts))

		// Ordering is honoured per parent (with('posts', q => q.orderBy…)).
		for _, dir := range []string{"asc", "desc"} {
			us = eagerUsers(t, db)
			require.NoError(t, load.With(ctx, db, us, load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
				return q.OrderBy("votes", dir)
			})))
			want := []string{"code tips", "hello"}
			if dir == "desc" {
				want = []string{"hello", "code tips"}
			}
			assert.Equal(t, want, eagerTitles(us[0].Posts), dir)
			assert.Equal(t, []string{"news"}, eagerTitles(us[1].Posts), dir)
		}

		// with({'posts.comments': q => …}) constrains only the leaf.
		us = eagerUsers(t, db)
		log.reset()
		leaf := load.Where(fixture.PostComments, func(q *query.Query[fixture.Comment]) *query.Query[fixture.Comment] {
			return q.WhereOp("content", "like", "code%").OrderByDesc("votes")
		})
		require.NoError(t, load.With(ctx, ex, us, load.Nested(fixture.UserPosts, leaf)))
		qs = log.all()
		require.Len(t, qs, 2, log.String())
		assert.NotContains(t, eagerNorm(qs[0].SQL), "like", "posts are not constrained")
		assert.Contains(t, eagerNorm(qs[1].SQL), "content like ")
		require.Len(t, us[0].Posts, 2)
		for _, p := range us[0].Posts {
			if p.Title == "hello" {
				require.Len(t, p.Comments, 2)
				assert.Equal(t, "code is fun", p.Comments[0].Content)
				assert.Equal(t, "code review", p.Comments[1].Content)
			} else {
				assert.NotNil(t, p.Comments)
				assert.Empty(t, p.Comments)
			}
		}
		assert.Len(t, us[1].Posts, 1, "bob's post is kept though it has no matching comment")

		// A constrained middle level feeds its (fewer) keys to the next.
		us = eagerUsers(t, db)
		log.reset()
		hello := load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return q.Where(sq.Eq{"title": "hello"})
		})
		require.NoError(t, load.With(ctx, ex, us, load.Nested(hello, fixture.PostComments)))
		qs = log.all()
		require.Len(t, qs, 2)
		assert.Equal(t, eagerI64(1), eagerFlat(qs[1].Args))
		require.Len(t, us[0].Posts, 1)
		assert.Len(t, us[0].Posts[0].Comments, 3)

		// A constrained belongsToMany keeps its pivot.
		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Where(fixture.UserRoles, func(q *query.Query[fixture.Role]) *query.Query[fixture.Role] {
			return q.OrderBy("name", "desc")
		})))
		require.Len(t, us[0].Roles, 2)
		assert.Equal(t, "editor", us[0].Roles[0].Name)
		assert.EqualValues(t, 2, us[0].Roles[0].Pivot["role_id"])
		assert.EqualValues(t, 1, us[0].Roles[0].Pivot["user_id"])
		assert.Contains(t, eagerNorm(db.Counter.Statements()[0]), "inner join role_user on roles.id = role_user.role_id")
	})
}

// ---------------------------------------------------------------------
// Unknown relation names: an error, and no partial effect.

func TestEagerLoadOfAnUnknownRelationFailsWithoutEffect(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ps := eagerPosts(t, db)
		sentinel := &fixture.User{Name: "untouched"}
		ps[0].Author = sentinel

		err := load.Paths(ctx, db, ps, "undefinedRelation")
		require.Error(t, err)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		var ue *rel.UnknownRelationError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, "undefinedRelation", ue.Name)
		assert.Contains(t, err.Error(), "undefinedRelation")
		assert.Contains(t, err.Error(), "Post")
		var pe *load.PathError
		require.ErrorAs(t, err, &pe)

		// with(['author', 'undefinedRelation']): fails, nothing loaded,
		// no statement run.
		err = load.Paths(ctx, db, ps, "author", "undefinedRelation")
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		err = load.Paths(ctx, db, ps, "author", "comments.nope")
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		err = load.Paths(ctx, db, ps, "comments.images.nope")
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		for _, bad := range []string{"", "author.", ".author", "author..comments", "author; drop table users", "author:"} {
			assert.Error(t, load.Paths(ctx, db, ps, "author", bad), "%q", bad)
		}
		assert.Equal(t, 0, db.Counter.Count(), db.Counter.String())
		assert.Same(t, sentinel, ps[0].Author, "no partial effect")
		assert.Nil(t, ps[1].Author)
		assert.Nil(t, ps[0].Comments)

		// On a query: the main statement runs, no eager statement does.
		db.Counter.Reset()
		got, err := query.From[fixture.Post]().With(load.PathsLoader[fixture.Post]("author", "undefinedRelation")).Get(ctx, db)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		assert.Empty(t, got)
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())

		// The typed form: a relation without a destination field fails
		// before any statement, together with the valid specs.
		noDest := eagerPostNoDest
		db.Counter.Reset()
		ps[0].Author = sentinel
		err = load.With(ctx, db, ps, fixture.PostAuthor, noDest)
		require.Error(t, err)
		assert.ErrorIs(t, err, rel.ErrNoDestination)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Same(t, sentinel, ps[0].Author)

		// A chain that does not fit (comments.author) fails the same way.
		err = load.With(ctx, db, ps, fixture.PostAuthor, load.Nested(fixture.PostComments, fixture.UserPosts))
		assert.ErrorIs(t, err, rel.ErrBadRelation)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Same(t, sentinel, ps[0].Author)
	})
}

// eagerNoDest is related to fixture.Post, which has no field to load it
// into.
type eagerNoDest struct {
	ID     int64 `db:"id"`
	PostID int64 `db:"post_id"`
}

var eagerPostNoDest = rel.HasMany[fixture.Post, eagerNoDest]("post_id")

// A statement that fails mid-load, or a cancelled context, leaves the
// parents as they were.
type eagerGhost struct {
	ID     int64 `db:"id"`
	BookID int64 `db:"book_id"`
}

func (eagerGhost) TableName() string { return "eager_ghosts" } // never created

type eagerHaunted struct {
	ID      int64         `db:"id"`
	ShelfID sql.NullInt64 `db:"shelf_id"`
	Title   string        `db:"title"`
	Votes   int64         `db:"votes"`
	Shelf   *eagerShelf   `db:"-"`
	Ghosts  []eagerGhost  `db:"-"`
}

func (eagerHaunted) TableName() string { return "eager_books" }

var (
	eagerHauntedShelf  = rel.BelongsTo[eagerHaunted, eagerShelf]("shelf_id")
	eagerHauntedGhosts = rel.HasMany[eagerHaunted, eagerGhost]("book_id")
)

func TestFailedEagerLoadLeavesTheParentsAsTheyWere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerShelfSchema(t, db)
		bs, err := query.From[eagerHaunted]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		stale := &eagerShelf{Name: "stale"}
		bs[0].Shelf = stale

		err = load.With(ctx, db, bs, eagerHauntedShelf, eagerHauntedGhosts)
		require.Error(t, err)
		assert.Same(t, stale, bs[0].Shelf, "the first relation's rows are not written")
		assert.Nil(t, bs[1].Shelf)
		assert.Nil(t, bs[0].Ghosts)

		// A nested level that fails: the level above is not written either.
		err = load.With(ctx, db, bs, load.Nested(eagerHauntedShelf, eagerShelfBooks), eagerHauntedGhosts)
		require.Error(t, err)
		assert.Same(t, stale, bs[0].Shelf)

		// A cancelled context: an error, no statement.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		db.Counter.Reset()
		err = load.With(cctx, db, bs, eagerHauntedShelf)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Same(t, stale, bs[0].Shelf)

		// A nil executor.
		assert.ErrorIs(t, load.With(ctx, nil, bs, eagerHauntedShelf), sqlt.ErrNilValue)
	})
}

// String keys beyond the sizes bound one by one: still one statement,
// nothing lost.
func TestEagerLoadOfManyStringKeysIsOneStatement(t *testing.T) {
	const n = 3000
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerShelfSchema(t, db)
		if db.Name == "mysql" {
			db.MustExec(t,
				`insert into eager_countries (code, name) `+mysqlSeries("s", "n", n)+` select concat('c', n), 'country' from s`,
				`insert into eager_cities (country_code, name) `+mysqlSeries("s", "n", n)+` select concat('c', n), concat('city', n) from s where n % 2 = 0`)
		} else {
			db.MustExec(t, fmt.Sprintf(`with recursive s(n) as (select 1 union all select n + 1 from s where n < %d)
			insert into eager_countries (code, name) select 'c' || n, 'country' from s`, n))
			db.MustExec(t, fmt.Sprintf(`with recursive s(n) as (select 1 union all select n + 1 from s where n < %d)
			insert into eager_cities (country_code, name) select 'c' || n, 'city' || n from s where n %% 2 = 0`, n))
		}
		countries, err := query.From[eagerCountry]().Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, countries, n+3)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, countries, eagerCountryCities))
		assert.Equal(t, 1, db.Counter.Count())
		cities := 0
		for _, c := range countries {
			require.NotNil(t, c.Cities)
			for _, ci := range c.Cities {
				require.Equal(t, c.Code, *ci.CountryCode)
			}
			cities += len(c.Cities)
		}
		assert.Equal(t, n/2+4, cities, "every city with a country code")

		all, err := query.From[eagerCity]().Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.Paths(ctx, db, all, "country"))
		assert.Equal(t, 1, db.Counter.Count())
		for _, ci := range all {
			if ci.CountryCode == nil {
				assert.Nil(t, ci.Country)
				continue
			}
			require.NotNil(t, ci.Country, *ci.CountryCode)
			assert.Equal(t, *ci.CountryCode, ci.Country.Code)
		}
	})
}

// ---------------------------------------------------------------------
// Lazy eager loading: load() on fetched models replaces what is
// loaded.

func TestLoadOnFetchedModelsReplacesWhatIsLoaded(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		// model.load('a', 'b') on one model.
		us := eagerUsers(t, db)
		ann := us[0]
		ann.Posts = []fixture.Post{{Title: "stale"}}
		ann.Phone = &fixture.Phone{Number: "stale"}
		require.NoError(t, load.With(ctx, db, &ann, fixture.UserPosts, fixture.UserPhone))
		assert.Equal(t, 2, db.Counter.Count())
		assert.ElementsMatch(t, []string{"hello", "code tips"}, eagerTitles(ann.Posts))
		assert.Equal(t, "555-0101", ann.Phone.Number)

		// Loaded again after a change in the database: replaced, not merged.
		db.MustExec(t, `update posts set user_id = 2 where id = 2`, `delete from phones where user_id = 1`)
		require.NoError(t, load.With(ctx, db, &ann, fixture.UserPosts, fixture.UserPhone))
		assert.Equal(t, []string{"hello"}, eagerTitles(ann.Posts))
		assert.Nil(t, ann.Phone, "a to-one with no row any more is cleared")

		// model.load({posts: q => …}).
		require.NoError(t, load.With(ctx, db, &ann, load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return q.Where(sq.Eq{"title": "nope"})
		})))
		assert.NotNil(t, ann.Posts)
		assert.Empty(t, ann.Posts)

		// collection.load(...) on []P, []*P and *[]P.
		us = eagerUsers(t, db)
		for i := range us {
			us[i].Posts = []fixture.Post{{Title: "stale"}}
		}
		require.NoError(t, load.With(ctx, db, us, fixture.UserPosts))
		assert.Equal(t, []string{"hello"}, eagerTitles(us[0].Posts))
		assert.ElementsMatch(t, []string{"code tips", "news"}, eagerTitles(us[1].Posts))
		assert.Empty(t, us[2].Posts)
		assert.NotNil(t, us[2].Posts)

		us = eagerUsers(t, db)
		ptrs := []*fixture.User{&us[2], &us[0]}
		us[2].Roles = []fixture.Role{{Name: "stale"}}
		require.NoError(t, load.Paths(ctx, db, ptrs, "roles"))
		assert.Empty(t, us[2].Roles)
		assert.Len(t, us[0].Roles, 2)
		assert.Nil(t, us[1].Roles, "not in the collection: untouched")

		us = eagerUsers(t, db)
		require.NoError(t, load.With(ctx, db, &us, fixture.UserPhone))
		assert.Equal(t, "555-0102", us[1].Phone.Number)

		// Loaded through a query, then loaded again lazily with more.
		ps, err := query.From[fixture.Post]().OrderBy("id").With(load.Eager(fixture.PostAuthor)).Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, ps, fixture.PostAuthor, fixture.PostComments))
		assert.Equal(t, "ann", ps[0].Author.Name)
		assert.Len(t, ps[0].Comments, 3)
	})
}

// ---------------------------------------------------------------------
// withDefault in eager loading: the default on every unmatched parent,
// the row where there is one; hasMany/belongsToMany unmatched: empty.

func TestEagerLoadGivesUnmatchedParentsTheDefault(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		db.MustExec(t, `insert into users (name) values ('dee')`)

		// hasOne default: the fk set to the parent's key ({user_id:2, number:'000'}).
		us, err := query.From[fixture.User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, us, fixture.UserPhone.WithDefault(fixture.Phone{Number: "000"})))
		assert.Equal(t, "555-0101", us[0].Phone.Number)
		assert.Equal(t, "555-0102", us[1].Phone.Number)
		require.NotNil(t, us[2].Phone)
		require.NotNil(t, us[3].Phone)
		assert.Equal(t, fixture.Phone{UserID: 3, Number: "000"}, *us[2].Phone)
		assert.Equal(t, fixture.Phone{UserID: 4, Number: "000"}, *us[3].Phone)
		assert.NotSame(t, us[2].Phone, us[3].Phone, "each parent gets its own default")
		us[2].Phone.Number = "changed"
		assert.Equal(t, "000", us[3].Phone.Number)

		// withDefault() with no value: a bare instance, never nil.
		require.NoError(t, load.With(ctx, db, us, fixture.UserPhone.WithDefault()))
		require.NotNil(t, us[3].Phone)
		assert.Equal(t, int64(4), us[3].Phone.UserID)
		assert.Empty(t, us[3].Phone.Number)
		assert.Zero(t, us[3].Phone.ID, "unsaved")

		// The callback form receives the parent; the result is a model.
		require.NoError(t, load.With(ctx, db, us, fixture.UserPhone.WithDefaultFunc(func(u *fixture.User) fixture.Phone {
			return fixture.Phone{Number: "for " + u.Name}
		})))
		assert.Equal(t, "for cy", us[2].Phone.Number)
		assert.Equal(t, int64(3), us[2].Phone.UserID)
		assert.Equal(t, "for dee", us[3].Phone.Number)
		assert.Equal(t, "555-0101", us[0].Phone.Number)

		// belongsTo default: NULL fk (post 4 → {name:'Guest Author'}).
		ps := eagerPosts(t, db)
		require.NoError(t, load.With(ctx, db, ps, fixture.PostAuthor.WithDefault(fixture.User{Name: "Guest Author"})))
		assert.Equal(t, "ann", ps[0].Author.Name)
		require.NotNil(t, ps[3].Author)
		assert.Equal(t, fixture.User{Name: "Guest Author"}, *ps[3].Author)
		require.NoError(t, load.With(ctx, db, ps, fixture.PostAuthor.WithDefaultFunc(func(p *fixture.Post) fixture.User {
			return fixture.User{Name: fmt.Sprintf("Post %d Author", p.ID)}
		})))
		assert.Equal(t, "Post 4 Author", ps[3].Author.Name)
		assert.Equal(t, "bob", ps[2].Author.Name)

		// belongsTo default: a foreign key pointing at no row, and a NULL
		// one; pointer and value destinations.
		eagerShelfSchema(t, db)
		books := eagerBooks(t, db)
		guest := eagerBookShelf.WithDefault(eagerShelf{Name: "Guest"})
		guestV := eagerBookShelfV.WithDefault(eagerShelf{Name: "GuestV"})
		require.NoError(t, load.With(ctx, db, books, guest, guestV))
		assert.Equal(t, "a", books[0].Shelf.Name)
		assert.Equal(t, "a", books[0].ShelfV.Name)
		for _, i := range []int{3, 4} {
			require.NotNil(t, books[i].Shelf, books[i].Title)
			assert.Equal(t, eagerShelf{Name: "Guest"}, *books[i].Shelf, books[i].Title)
			assert.Equal(t, "GuestV", books[i].ShelfV.Name, books[i].Title)
		}
		assert.NotSame(t, books[3].Shelf, books[4].Shelf)

		// hasMany and belongsToMany have no default: an empty collection.
		us, err = query.From[fixture.User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, us, fixture.UserPosts, fixture.UserRoles))
		for _, f := range []any{us[2].Posts, us[2].Roles} {
			js, err := json.Marshal(f)
			require.NoError(t, err)
			assert.Equal(t, "[]", string(js))
		}
	})
}

// ---------------------------------------------------------------------
// Pivot filters and orderByPivot, on reads and eager loads.

type eagerMember struct {
	ID     int64        `db:"id"`
	Name   string       `db:"name"`
	Groups []eagerGroup `db:"-"`

	GroupsCount int64 `db:"groups_count,readonly"`
}

func (eagerMember) TableName() string { return "eager_members" }

type eagerGroup struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Pivot map[string]any `db:"-"`
}

func (eagerGroup) TableName() string { return "eager_groups" }

var eagerMemberGroups = rel.BelongsToMany[eagerMember, eagerGroup]("eager_group_member", "member_id", "group_id").
	WithPivot("active", "priority", "expires")

// eagerPivotSchema: members 1 ann, 2 bob, 3 cy (no groups); groups 1 a,
// 2 b, 3 c, 4 d. Pivot (member, group, active, priority, expires):
//
//	ann: (1, a, 1, 1, NULL), (1, b, 0, 2, '2030'), (1, c, 1, 3, NULL)
//	bob: (2, a, 1, 3, '2020'), (2, d, 0, 1, NULL)
func eagerPivotSchema(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table eager_members (id {{pk}}, name text not null)`,
		`create table eager_groups (id {{pk}}, name text not null)`,
		`create table eager_group_member (member_id bigint not null, group_id bigint not null,
			active integer not null, priority integer not null, expires text)`,
		`insert into eager_members (name) values ('ann'), ('bob'), ('cy')`,
		`insert into eager_groups (name) values ('a'), ('b'), ('c'), ('d')`,
		`insert into eager_group_member (member_id, group_id, active, priority, expires) values
			(1, 1, 1, 1, null), (1, 2, 0, 2, '2030'), (1, 3, 1, 3, null), (2, 1, 1, 3, '2020'), (2, 4, 0, 1, null)`,
	)
}

func eagerGroupNames(gs []eagerGroup) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	sort.Strings(out)
	return out
}

func TestEagerLoadAppliesPivotFiltersAndPivotOrder(t *testing.T) {
	r := eagerMemberGroups
	cases := []struct {
		name     string
		r        rel.BelongsToManyRelation[eagerMember, eagerGroup]
		fragment string // normalised, after the key test
		ann, bob []string
	}{
		{"wherePivot 2 args", r.WherePivot("active", 1), "eager_group_member.active = ?", []string{"a", "c"}, []string{"a"}},
		{"wherePivot 3 args", r.WherePivot("active", "=", 1), "eager_group_member.active = ?", []string{"a", "c"}, []string{"a"}},
		{"wherePivot operator", r.WherePivot("priority", ">", 1), "eager_group_member.priority > ?", []string{"b", "c"}, []string{"a"}},
		{"wherePivotIn", r.WherePivotIn("priority", []int{1, 2}), "eager_group_member.priority in (?, ?)", []string{"a", "b"}, []string{"d"}},
		{"wherePivotIn values", r.WherePivotIn("priority", 1, 2), "eager_group_member.priority in (?, ?)", []string{"a", "b"}, []string{"d"}},
		{"wherePivotNotIn", r.WherePivotNotIn("priority", []int{1, 2}), "eager_group_member.priority not in (?, ?)", []string{"c"}, []string{"a"}},
		{"wherePivotBetween", r.WherePivotBetween("priority", 2, 3), "eager_group_member.priority between ? and ?", []string{"b", "c"}, []string{"a"}},
		{"wherePivotNotBetween", r.WherePivotNotBetween("priority", 2, 3), "eager_group_member.priority not between ? and ?", []string{"a"}, []string{"d"}},
		{"wherePivotNull", r.WherePivotNull("expires"), "eager_group_member.expires is null", []string{"a", "c"}, []string{"d"}},
		{"wherePivotNotNull", r.WherePivotNotNull("expires"), "eager_group_member.expires is not null", []string{"b"}, []string{"a"}},
		{"withPivotValue", r.WithPivotValue("active", 1), "eager_group_member.active = ?", []string{"a", "c"}, []string{"a"}},
		{"filters and", r.WherePivot("active", 1).WherePivotIn("priority", 3), "eager_group_member.active = ? and eager_group_member.priority in (?)", []string{"c"}, []string{"a"}},
		{"qualified column", r.WherePivot("eager_group_member.priority", 1), "eager_group_member.priority = ?", []string{"a"}, []string{"d"}},
		{"orWherePivot", r.WherePivot("priority", 1).OrWherePivot("priority", 3), "eager_group_member.priority = ? or eager_group_member.priority = ?", []string{"a", "c"}, []string{"a", "d"}},
		{"orWherePivotIn", r.WherePivotNotNull("expires").OrWherePivotIn("priority", []int{3}), "eager_group_member.expires is not null or eager_group_member.priority in (?)", []string{"b", "c"}, []string{"a"}},
		{"orWherePivotNotIn", r.WherePivot("active", 0).OrWherePivotNotIn("priority", []int{1, 2}), "eager_group_member.active = ? or eager_group_member.priority not in (?, ?)", []string{"b", "c"}, []string{"a", "d"}},
		{"orWherePivotBetween", r.WherePivot("active", 0).OrWherePivotBetween("priority", 3, 5), "eager_group_member.active = ? or eager_group_member.priority between ? and ?", []string{"b", "c"}, []string{"a", "d"}},
		{"orWherePivotNotBetween", r.WherePivot("priority", 2).OrWherePivotNotBetween("priority", 1, 2), "eager_group_member.priority = ? or eager_group_member.priority not between ? and ?", []string{"b", "c"}, []string{"a"}},
		{"orWherePivotNull", r.WherePivot("priority", 2).OrWherePivotNull("expires"), "eager_group_member.priority = ? or eager_group_member.expires is null", []string{"a", "b", "c"}, []string{"d"}},
		{"orWherePivotNotNull", r.WherePivot("priority", 1).OrWherePivotNotNull("expires"), "eager_group_member.priority = ? or eager_group_member.expires is not null", []string{"a", "b"}, []string{"a", "d"}},
	}
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerPivotSchema(t, db)
		ex, log := eagerLogged(db)
		members, err := query.From[eagerMember]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, members, 3)

		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				require.NoError(t, relmeta.Of(c.r).Err())
				// Read (lazy, one parent).
				log.reset()
				got, err := query.GetMany(ctx, ex, c.r, &members[0])
				require.NoError(t, err)
				assert.Equal(t, c.ann, eagerGroupNames(got), "read ann")
				qs := log.all()
				require.Len(t, qs, 1)
				s := eagerNorm(qs[0].SQL)
				assert.Contains(t, s, c.fragment, "read")
				assert.Less(t, eagerIndex(t, s, "eager_group_member.member_id"), eagerIndex(t, s, c.fragment), s)
				got, err = query.GetMany(ctx, ex, c.r, &members[1])
				require.NoError(t, err)
				assert.Equal(t, c.bob, eagerGroupNames(got), "read bob")

				// Eager load of every member: one statement.
				ms := append([]eagerMember(nil), members...)
				log.reset()
				require.NoError(t, load.With(ctx, ex, ms, c.r))
				qs = log.all()
				require.Len(t, qs, 1, log.String())
				s = eagerNorm(qs[0].SQL)
				kt := eagerIndex(t, s, eagerKeyPrefix(db, "eager_group_member.member_id"))
				assert.Less(t, kt, eagerIndex(t, s, c.fragment), s)
				assert.Equal(t, c.ann, eagerGroupNames(ms[0].Groups), "eager ann")
				assert.Equal(t, c.bob, eagerGroupNames(ms[1].Groups), "eager bob")
				assert.NotNil(t, ms[2].Groups)
				assert.Empty(t, ms[2].Groups)
				for i, m := range ms {
					for _, g := range m.Groups {
						assert.EqualValues(t, members[i].ID, g.Pivot["member_id"])
						assert.EqualValues(t, g.ID, g.Pivot["group_id"])
						assert.Contains(t, g.Pivot, "priority")
					}
				}

				// The same with a constraint closure and chosen columns.
				ms = append([]eagerMember(nil), members...)
				log.reset()
				require.NoError(t, load.With(ctx, ex, ms, load.Columns(load.Where(c.r, func(q *query.Query[eagerGroup]) *query.Query[eagerGroup] {
					return q.Where(sq.NotEq{"name": "zz"})
				}), "name")))
				qs = log.all()
				require.Len(t, qs, 1, log.String())
				s = eagerNorm(qs[0].SQL)
				assert.Less(t, eagerIndex(t, s, eagerKeyPrefix(db, "eager_group_member.member_id")), eagerIndex(t, s, c.fragment), s)
				assert.Contains(t, s, "inner join eager_group_member on eager_groups.id = eager_group_member.group_id")
				assert.Equal(t, c.ann, eagerGroupNames(ms[0].Groups), "constrained ann")
				assert.Equal(t, c.bob, eagerGroupNames(ms[1].Groups), "constrained bob")
				assert.Empty(t, ms[2].Groups)
			})
		}

		// orderByPivot('priority', 'desc'): order by pivot_table.priority desc.
		ordered := r.OrderByPivot("priority", "desc")
		log.reset()
		got, err := query.GetMany(ctx, ex, ordered, &members[0])
		require.NoError(t, err)
		assert.Equal(t, []string{"c", "b", "a"}, []string{got[0].Name, got[1].Name, got[2].Name})
		assert.Contains(t, eagerNorm(log.all()[0].SQL), "order by eager_group_member.priority desc")
		ms := append([]eagerMember(nil), members...)
		log.reset()
		require.NoError(t, load.With(ctx, ex, ms, ordered))
		assert.Contains(t, eagerNorm(log.all()[0].SQL), "order by eager_group_member.priority desc")
		require.Len(t, ms[0].Groups, 3)
		assert.Equal(t, "c", ms[0].Groups[0].Name)
		assert.Equal(t, "b", ms[0].Groups[1].Name)
		assert.Equal(t, "a", ms[0].Groups[2].Name)
		require.Len(t, ms[1].Groups, 2)
		assert.Equal(t, "a", ms[1].Groups[0].Name)
		assert.Equal(t, "d", ms[1].Groups[1].Name)
		// Ascending by default, combined with a filter and a constraint.
		ms = append([]eagerMember(nil), members...)
		require.NoError(t, load.With(ctx, db, ms, load.Where(r.WherePivot("active", 1).OrderByPivot("priority"),
			func(q *query.Query[eagerGroup]) *query.Query[eagerGroup] { return q.Where(sq.NotEq{"name": "zz"}) })))
		require.Len(t, ms[0].Groups, 2)
		assert.Equal(t, "a", ms[0].Groups[0].Name)
		assert.Equal(t, "c", ms[0].Groups[1].Name)
		assert.Equal(t, []string{"a"}, eagerGroupNames(ms[1].Groups))

		// A pivot filter with an OR does not widen the relation beyond its
		// parent (unlike Laravel's wherePivot, which is not grouped).
		wide := r.WherePivot("priority", 1).OrWherePivot("priority", 3)
		got, err = query.GetMany(ctx, db, wide, &members[2])
		require.NoError(t, err)
		assert.Empty(t, got, "cy has no groups")

		// Bad pivot filters are declaration errors, reported before any
		// statement runs.
		db.Counter.Reset()
		bad := r.WherePivot("active; drop table eager_groups", 1)
		assert.Error(t, relmeta.Of(bad).Err())
		assert.Error(t, load.With(ctx, db, ms, bad))
		_, err = query.GetMany(ctx, db, bad, &members[0])
		assert.Error(t, err)
		assert.Error(t, relmeta.Of(r.WherePivot("active", "~~", 1)).Err())
		assert.Error(t, relmeta.Of(r.OrderByPivot("priority", "sideways")).Err())
		assert.Equal(t, 0, db.Counter.Count(), db.Counter.String())
	})
}

// ---------------------------------------------------------------------
// Posts with authors, defaults, tags and thumbnails: the with/load cases.

type (
	eagerSUser struct {
		ID        int64        `db:"id"`
		Name      string       `db:"name"`
		FirstName string       `db:"first_name"`
		Posts     []eagerSPost `db:"-"`
	}
	eagerSPost struct {
		ID                int64        `db:"id"`
		UserID            int64        `db:"user_id"`
		ThumbnailID       *int64       `db:"thumbnail_id"`
		Name              string       `db:"name"`
		Content           string       `db:"content"`
		Author            *eagerSUser  `db:"-"`
		DefaultAuthor     *eagerSUser  `db:"-"`
		DefaultPostAuthor *eagerSUser  `db:"-"`
		Thumbnail         *eagerSMedia `db:"-"`
		Tags              []eagerSTag  `db:"-"`
	}
	eagerSTag struct {
		ID    int64          `db:"id"`
		Name  string         `db:"name"`
		Pivot map[string]any `db:"-"`
	}
	eagerSMedia struct {
		ID  int64  `db:"id"`
		URL string `db:"url"`
	}
)

func (eagerSUser) TableName() string  { return "users" }
func (eagerSPost) TableName() string  { return "posts" }
func (eagerSTag) TableName() string   { return "tags" }
func (eagerSMedia) TableName() string { return "media" }

var (
	eagerSUserPosts     = rel.HasMany[eagerSUser, eagerSPost]("user_id")
	eagerSPostAuthor    = rel.BelongsTo[eagerSPost, eagerSUser]("user_id").Field("Author")
	eagerSPostDefault   = rel.BelongsTo[eagerSPost, eagerSUser]("user_id").WithDefault(eagerSUser{Name: "Default Author"}).Field("DefaultAuthor")
	eagerSPostDefaultFn = rel.BelongsTo[eagerSPost, eagerSUser]("user_id").Field("DefaultPostAuthor").
				WithDefaultFunc(func(p *eagerSPost) eagerSUser { return eagerSUser{Name: p.Name + " - Default Author"} })
	eagerSPostThumbnail = rel.BelongsTo[eagerSPost, eagerSMedia]("thumbnail_id")
	eagerSPostTags      = rel.BelongsToMany[eagerSPost, eagerSTag]("post_tag", "post_id", "tag_id")
)

func eagerBlogSeed(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table users (id {{pk}}, name text not null, first_name text not null)`,
		`create table tags (id {{pk}}, name text not null)`,
		`create table posts (id {{pk}}, user_id bigint not null default 0, thumbnail_id bigint, name text not null, content text not null)`,
		`create table post_tag (id {{pk}}, post_id bigint not null, tag_id bigint not null, created_at timestamp, updated_at timestamp)`,
		`create table comments (id {{pk}}, post_id bigint not null, name text, email text, comment text)`,
		`create table media (id {{pk}}, url text not null)`,
		`insert into users (name, first_name) values ('Shuri', 'Tim'), ('Alice', 'X')`,
		`insert into posts (user_id, name, content) values (1, 'changed name', 'c1'), (2, 'This is a new Title 2!', 'c2'),
			(2, 'This is a new Title 3!', 'c3'), (30, 'This is a new Title 4!', 'c4'), (4, 'This is a new Title 5!', 'c5')`,
		`insert into tags (name) values ('cool'), ('boring'), ('exciting'), ('amazing')`,
		`insert into post_tag (post_id, tag_id) values (1, 1), (1, 2), (1, 3), (4, 1)`,
		`insert into comments (post_id, name, email, comment) values (3, 'n', 'e', 'hi')`,
	)
}

func eagerSTagNames(ts []eagerSTag) []string {
	out := make([]string, len(ts))
	for i, tg := range ts {
		out[i] = tg.Name
	}
	return out
}

func TestEagerLoadAuthorsDefaultsTagsAndThumbnailsOfPosts(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerBlogSeed(t, db)
		find := func(id int64, loaders ...query.Loader[eagerSPost]) eagerSPost {
			t.Helper()
			p, err := query.From[eagerSPost]().With(loaders...).Find(ctx, db, id)
			require.NoError(t, err)
			return p
		}

		// post(1).related('author').first().id = 1
		p1 := find(1)
		a, err := query.GetOne(ctx, db, eagerSPostAuthor, &p1)
		require.NoError(t, err)
		require.NotNil(t, a)
		assert.Equal(t, int64(1), a.ID)

		// with('author').find(4).author = null (user 30 is missing).
		assert.Nil(t, find(4, load.Eager(eagerSPostAuthor)).Author)
		assert.Nil(t, find(4, load.PathsLoader[eagerSPost]("author")).Author)

		// with('default_author').find(4) → {name:'Default Author'}, a User.
		p := find(4, load.PathsLoader[eagerSPost]("default_author"))
		require.NotNil(t, p.DefaultAuthor)
		assert.Equal(t, eagerSUser{Name: "Default Author"}, *p.DefaultAuthor)
		// default_post_author → {name:'This is a new Title 4! - Default Author'}.
		p = find(4, load.Eager(eagerSPostDefaultFn))
		require.NotNil(t, p.DefaultPostAuthor)
		assert.Equal(t, eagerSUser{Name: "This is a new Title 4! - Default Author"}, *p.DefaultPostAuthor)
		// Where the owner exists, the default is not used.
		p = find(1, load.Eager(eagerSPostDefault, eagerSPostDefaultFn))
		assert.Equal(t, "Shuri", p.DefaultAuthor.Name)
		assert.Equal(t, "Shuri", p.DefaultPostAuthor.Name)

		// with('tags').find(1).tags = [{id:1,name:'cool',pivot:{post_id:1,tag_id:1}}, {id:2,…}, {id:3,…}]
		for _, l := range []query.Loader[eagerSPost]{load.Eager(eagerSPostTags), load.PathsLoader[eagerSPost]("tags")} {
			p = find(1, l)
			require.Len(t, p.Tags, 3)
			for i, tg := range p.Tags {
				assert.Equal(t, int64(i+1), tg.ID)
				assert.Len(t, tg.Pivot, 2, "pivot holds exactly post_id and tag_id")
				assert.EqualValues(t, 1, tg.Pivot["post_id"])
				assert.EqualValues(t, i+1, tg.Pivot["tag_id"])
			}
			assert.Equal(t, []string{"cool", "boring", "exciting"}, eagerSTagNames(p.Tags))
		}

		// with({author: q => q.select('id','name')}) and with('author:id,name')
		// → author: {id:1, name:'Shuri'}.
		sel := load.Where(eagerSPostAuthor, func(q *query.Query[eagerSUser]) *query.Query[eagerSUser] { return q.Select("id", "name") })
		assert.Equal(t, eagerSUser{ID: 1, Name: "Shuri"}, *find(1, load.Eager(sel)).Author)
		assert.Equal(t, eagerSUser{ID: 1, Name: "Shuri"}, *find(1, load.PathsLoader[eagerSPost]("author:id,name")).Author)
		assert.Equal(t, eagerSUser{ID: 1, Name: "Shuri"}, *find(1, load.Eager(load.Columns(eagerSPostAuthor, "id", "name"))).Author)

		// with('undefinedRelation') rejects; so does with(['author','undefinedRelation']).
		_, err = query.From[eagerSPost]().With(load.PathsLoader[eagerSPost]("undefinedRelation")).Find(ctx, db, 1)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		_, err = query.From[eagerSPost]().With(load.PathsLoader[eagerSPost]("author", "undefinedRelation")).Find(ctx, db, 1)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)

		// User.with('posts.tags').first() → nested tags.
		u, err := query.From[eagerSUser]().OrderBy("id").With(load.PathsLoader[eagerSUser]("posts.tags")).First(ctx, db)
		require.NoError(t, err)
		require.Len(t, u.Posts, 1)
		assert.Equal(t, []string{"cool", "boring", "exciting"}, eagerSTagNames(u.Posts[0].Tags))
		assert.EqualValues(t, 1, u.Posts[0].Tags[0].Pivot["post_id"])

		// with({'posts.tags': q => q.orderBy('tags.id','desc')}, 'posts.thumbnail')
		// → tags 3, 2, 1 and thumbnail: null.
		desc := load.Where(eagerSPostTags, func(q *query.Query[eagerSTag]) *query.Query[eagerSTag] {
			return q.OrderBy("tags.id", "desc")
		})
		db.Counter.Reset()
		u, err = query.From[eagerSUser]().OrderBy("id").
			With(load.Eager(load.Nested(eagerSUserPosts, desc), load.Nested(eagerSUserPosts, eagerSPostThumbnail))).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 3, db.Counter.Count(), "users, posts, tags; every thumbnail_id is NULL: no statement. %s", db.Counter)
		require.Len(t, u.Posts, 1)
		assert.Equal(t, []string{"exciting", "boring", "cool"}, eagerSTagNames(u.Posts[0].Tags))
		for _, tg := range u.Posts[0].Tags {
			assert.EqualValues(t, tg.ID, tg.Pivot["tag_id"], "each tag keeps its own pivot")
		}
		assert.Nil(t, u.Posts[0].Thumbnail)

		// Every user: posts of user 2 get their (empty) tags.
		all, err := query.From[eagerSUser]().OrderBy("id").
			With(load.Eager(load.Nested(eagerSUserPosts, desc), load.Nested(eagerSUserPosts, eagerSPostThumbnail))).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Len(t, all[1].Posts, 2)
		for _, p := range all[1].Posts {
			assert.NotNil(t, p.Tags)
			assert.Empty(t, p.Tags)
			assert.Nil(t, p.Thumbnail)
		}

		// post.load(['author','tags']) → author.id 1 and three tags.
		p = find(1)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, &p, eagerSPostAuthor, eagerSPostTags))
		assert.Equal(t, 2, db.Counter.Count())
		assert.Equal(t, int64(1), p.Author.ID)
		assert.Len(t, p.Tags, 3)
		p = find(1)
		require.NoError(t, load.Paths(ctx, db, &p, "author", "tags"))
		assert.Equal(t, int64(1), p.Author.ID)
		assert.Len(t, p.Tags, 3)

		// posts.load([...]) sets the relations on every model.
		posts, err := query.From[eagerSPost]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.Paths(ctx, db, posts, "author", "tags"))
		assert.Equal(t, 2, db.Counter.Count())
		assert.Equal(t, "Shuri", posts[0].Author.Name)
		assert.Equal(t, "Alice", posts[1].Author.Name)
		assert.Same(t, posts[1].Author, posts[2].Author)
		assert.Nil(t, posts[3].Author)
		assert.Nil(t, posts[4].Author)
		assert.Len(t, posts[0].Tags, 3)
		assert.Equal(t, []string{"cool"}, eagerSTagNames(posts[3].Tags))
		for _, i := range []int{1, 2, 4} {
			assert.NotNil(t, posts[i].Tags)
			assert.Empty(t, posts[i].Tags)
		}
		js, err := json.Marshal(posts[4].Tags)
		require.NoError(t, err)
		assert.Equal(t, "[]", string(js))
	})
}

// ---------------------------------------------------------------------
// Parent forms, JSON [] for empty relations, 100,000 parents in one load.

type eagerShelves2 []eagerShelf

func TestEagerLoadAcceptsEveryFormOfParents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		eagerShelfSchema(t, db)

		check := func(t *testing.T, ss []eagerShelf) {
			t.Helper()
			assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
			assert.ElementsMatch(t, []string{"one", "two"}, eagerBookTitles(ss[1].Books))
			require.Len(t, ss[1].BookPtrs, 2)
			assert.Equal(t, int64(1), ss[1].BookPtrs[0].ShelfID.Int64)
			for _, f := range []any{ss[3].Books, ss[3].BookPtrs} {
				js, err := json.Marshal(f)
				require.NoError(t, err)
				assert.Equal(t, "[]", string(js), "an empty, non-nil slice")
			}
		}
		ss := eagerShelves(t, db)
		require.NoError(t, load.With(ctx, db, ss, eagerShelfBooks, eagerShelfBookPtrs))
		check(t, ss)

		ss = eagerShelves(t, db)
		ptrs := []*eagerShelf{&ss[0], &ss[1], &ss[2], &ss[3]}
		require.NoError(t, load.With(ctx, db, ptrs, eagerShelfBooks, eagerShelfBookPtrs))
		check(t, ss)

		ss = eagerShelves(t, db)
		require.NoError(t, load.With(ctx, db, &ss, eagerShelfBooks, eagerShelfBookPtrs))
		check(t, ss)

		ss = eagerShelves(t, db)
		named := eagerShelves2(ss)
		require.NoError(t, load.With(ctx, db, named, eagerShelfBooks, eagerShelfBookPtrs))
		check(t, ss)

		ss = eagerShelves(t, db)
		one := ss[3]
		require.NoError(t, load.With(ctx, db, &one, eagerShelfBooks, eagerShelfBookPtrs))
		js, err := json.Marshal(map[string]any{"books": one.Books, "ptrs": one.BookPtrs})
		require.NoError(t, err)
		assert.JSONEq(t, `{"books": [], "ptrs": []}`, string(js))

		// String paths take the same forms.
		ss = eagerShelves(t, db)
		ptrs = []*eagerShelf{&ss[0], &ss[1], &ss[2], &ss[3]}
		require.NoError(t, load.Paths(ctx, db, ptrs, "books", "book_ptrs"))
		check(t, ss)

		// nil parents and nil elements are errors, before any statement.
		db.Counter.Reset()
		assert.ErrorIs(t, load.With(ctx, db, (*eagerShelf)(nil), eagerShelfBooks), sqlt.ErrNilValue)
		assert.ErrorIs(t, load.With(ctx, db, []*eagerShelf{&ss[0], nil}, eagerShelfBooks), sqlt.ErrNilValue)
		assert.ErrorIs(t, load.Paths(ctx, db, nil, "books"), sqlt.ErrNilValue)
		assert.Equal(t, 0, db.Counter.Count())
	})
}

func TestEagerLoadOfAHundredThousandParents(t *testing.T) {
	if testing.Short() {
		t.Skip("large load")
	}
	const n = 100_000
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table eager_shelves (id {{pk}}, name text not null)`,
			`create table eager_books (id {{pk}}, shelf_id bigint, title text not null, votes bigint not null default 0)`,
			`create table eager_tags (id {{pk}}, label text not null)`,
			`create table eager_shelf_tag (shelf_id bigint not null, tag_id bigint not null)`,
			`insert into eager_tags (label) values ('red'), ('blue')`,
		)
		// Shelves 1..n; one book per odd shelf, a second one when id%4 == 1;
		// tag 1 on every shelf divisible by 3, tag 2 on every shelf
		// divisible by 5.
		ins := func(into, sel, where string) string {
			if db.Name == "mysql" {
				return fmt.Sprintf("%s %s select %s from s %s", into, mysqlSeries("s", "n", n), sel, where)
			}
			return fmt.Sprintf("with recursive s(n) as (select 1 union all select n + 1 from s where n < %d) %s select %s from s %s",
				n, into, sel, where)
		}
		db.MustExec(t,
			ins("insert into eager_shelves (id, name)", "n, 'shelf'", ""),
			ins("insert into eager_books (shelf_id, title)", "n, 'first'", "where n % 2 = 1"),
			ins("insert into eager_books (shelf_id, title)", "n, 'second'", "where n % 4 = 1"),
			ins("insert into eager_shelf_tag (shelf_id, tag_id)", "n, 1", "where n % 3 = 0"),
			ins("insert into eager_shelf_tag (shelf_id, tag_id)", "n, 2", "where n % 5 = 0"),
		)
		wantBooks := func(id int32) int {
			switch {
			case id%4 == 1:
				return 2
			case id%2 == 1:
				return 1
			}
			return 0
		}
		wantTags := func(id int32) int {
			c := 0
			if id%3 == 0 {
				c++
			}
			if id%5 == 0 {
				c++
			}
			return c
		}

		shelves, err := query.From[eagerShelf]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, shelves, n)

		// []P: hasMany, hasOne and belongsToMany, one statement each.
		db.Counter.Reset()
		start := time.Now()
		require.NoError(t, load.With(ctx, db, shelves, eagerShelfBooks, eagerShelfNewest, eagerShelfTags))
		t.Logf("%s: hasMany, hasOne and belongsToMany of %d parents in %v", db.Name, n, time.Since(start))
		assert.Equal(t, 3, db.Counter.Count(), "one statement per relation")
		for _, s := range db.Counter.Statements() {
			assert.Contains(t, s, keyListSQL(db), "all keys in one parameter")
		}
		books := 0
		for _, s := range shelves {
			require.Len(t, s.Books, wantBooks(s.ID), "shelf %d", s.ID)
			require.NotNil(t, s.Books)
			books += len(s.Books)
			require.Equal(t, wantBooks(s.ID) > 0, s.Newest != nil, "shelf %d", s.ID)
			require.Len(t, s.Tags, wantTags(s.ID), "shelf %d", s.ID)
			for _, b := range s.Books {
				require.Equal(t, int64(s.ID), b.ShelfID.Int64)
			}
		}
		assert.Equal(t, n/2+n/4, books)

		// []*P and string paths.
		ptrs := make([]*eagerShelf, n)
		for i := range shelves {
			shelves[i].BookPtrs = nil
			ptrs[n-1-i] = &shelves[i]
		}
		db.Counter.Reset()
		require.NoError(t, load.Paths(ctx, db, ptrs, "book_ptrs"))
		assert.Equal(t, 1, db.Counter.Count())
		for _, s := range shelves {
			require.Len(t, s.BookPtrs, wantBooks(s.ID), "shelf %d", s.ID)
		}

		// belongsTo from 75,000 children to 50,000 distinct owners.
		all, err := query.From[eagerBook]().Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, all, n/2+n/4)
		db.Counter.Reset()
		start = time.Now()
		require.NoError(t, load.With(ctx, db, all, eagerBookShelf))
		t.Logf("%s: belongsTo of %d children (%d owners) in %v", db.Name, len(all), n/2, time.Since(start))
		assert.Equal(t, 1, db.Counter.Count())
		for _, b := range all {
			require.NotNil(t, b.Shelf)
			require.Equal(t, b.ShelfID.Int64, int64(b.Shelf.ID))
		}

		// Nested across the whole set: shelves → books → shelf.
		for i := range shelves {
			shelves[i].Books = nil
		}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, shelves, load.Nested(eagerShelfBooks, eagerBookShelf)))
		assert.Equal(t, 2, db.Counter.Count())
		for _, s := range shelves[:1000] {
			for _, b := range s.Books {
				require.Equal(t, s.ID, b.Shelf.ID)
			}
		}
	})
}

// Many goroutines loading with the same relation values.
func TestConcurrentEagerLoadsDoNotInterfere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		specs := []load.Of[fixture.User]{
			fixture.UserPhone,
			load.Nested(load.Where(fixture.UserPosts, func(q *query.Query[fixture.Post]) *query.Query[fixture.Post] { return q.OrderBy("votes") }),
				fixture.PostComments, fixture.CommentImages),
			load.Columns(fixture.UserRoles, "name"),
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				us, err := query.From[fixture.User]().OrderBy("id").Get(ctx, db)
				if err == nil {
					err = load.With(ctx, db, us, specs...)
				}
				if err == nil && (len(us[0].Posts) != 2 || us[0].Posts[0].Title != "code tips" || len(us[0].Roles) != 2 || us[1].Phone == nil) {
					err = errors.New("wrong result")
				}
				if err == nil {
					err = load.Paths(ctx, db, us, "posts.comments.images", "roles:name")
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	})
}

// String keys held in a PostgreSQL uuid column (text on SQLite), as in
// The UUID-keyed models.
type eagerDoc struct {
	ID    string         `db:"id,pk"`
	Title string         `db:"title"`
	Notes []eagerNote    `db:"-"`
	Refs  []eagerRefItem `db:"-"`
}

func (eagerDoc) TableName() string { return "eager_docs" }

type eagerNote struct {
	ID    int64     `db:"id"`
	DocID *string   `db:"doc_id"`
	Body  string    `db:"body"`
	Doc   *eagerDoc `db:"-"`
}

func (eagerNote) TableName() string { return "eager_notes" }

type eagerRefItem struct {
	ID    string         `db:"id,pk"`
	Label string         `db:"label"`
	Pivot map[string]any `db:"-"`
}

func (eagerRefItem) TableName() string { return "eager_ref_items" }

var (
	eagerDocNotes = rel.HasMany[eagerDoc, eagerNote]("doc_id")
	eagerNoteDoc  = rel.BelongsTo[eagerNote, eagerDoc]("doc_id")
	eagerDocRefs  = rel.BelongsToMany[eagerDoc, eagerRefItem]("eager_doc_ref", "doc_id", "ref_id")
)

func TestEagerLoadMatchesUUIDKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		typ := "text"
		if db.Name == "postgres" {
			typ = "uuid"
		}
		const (
			d1 = "6f1c2a4e-8d0b-4c1a-9e57-0c7a3b1d2e01"
			d2 = "6f1c2a4e-8d0b-4c1a-9e57-0c7a3b1d2e02"
			d3 = "6f1c2a4e-8d0b-4c1a-9e57-0c7a3b1d2e03"
			r1 = "0a0a0a0a-0000-4000-8000-000000000001"
			r2 = "0a0a0a0a-0000-4000-8000-000000000002"
		)
		db.MustExec(t,
			`create table eager_docs (id `+typ+` primary key, title text not null)`,
			`create table eager_notes (id {{pk}}, doc_id `+typ+`, body text not null)`,
			`create table eager_ref_items (id `+typ+` primary key, label text not null)`,
			`create table eager_doc_ref (doc_id `+typ+` not null, ref_id `+typ+` not null)`,
			`insert into eager_docs (id, title) values ('`+d1+`', 'one'), ('`+d2+`', 'two'), ('`+d3+`', 'three')`,
			`insert into eager_notes (doc_id, body) values ('`+d1+`', 'a'), ('`+d1+`', 'b'), ('`+d2+`', 'c'), (null, 'loose')`,
			`insert into eager_ref_items (id, label) values ('`+r1+`', 'x'), ('`+r2+`', 'y')`,
			`insert into eager_doc_ref (doc_id, ref_id) values ('`+d1+`', '`+r1+`'), ('`+d1+`', '`+r2+`'), ('`+d2+`', '`+r2+`')`,
		)
		docs, err := query.From[eagerDoc]().OrderBy("title").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, docs, 3) // one, three, two
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, docs, eagerDocNotes, eagerDocRefs))
		assert.Equal(t, 2, db.Counter.Count())
		assert.Len(t, docs[0].Notes, 2)
		assert.Len(t, docs[2].Notes, 1)
		assert.Empty(t, docs[1].Notes)
		require.Len(t, docs[0].Refs, 2)
		for _, r := range docs[0].Refs {
			assert.Equal(t, d1, r.Pivot["doc_id"], "the pivot holds the key's text form")
			assert.Equal(t, r.ID, r.Pivot["ref_id"])
		}
		require.Len(t, docs[2].Refs, 1)
		assert.Equal(t, "y", docs[2].Refs[0].Label)
		assert.NotNil(t, docs[1].Refs)

		notes, err := query.From[eagerNote]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.Paths(ctx, db, notes, "doc"))
		assert.Equal(t, "one", notes[0].Doc.Title)
		assert.Same(t, notes[0].Doc, notes[1].Doc)
		assert.Equal(t, "two", notes[2].Doc.Title)
		assert.Nil(t, notes[3].Doc)
	})
}

package rel_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

var dollar = regexp.MustCompile(`\$\d+`)

// norm lower-cases SQL and turns PostgreSQL's $n back into ?, so that one
// expectation fits both databases.
func norm(s string) string { return dollar.ReplaceAllString(strings.ToLower(s), "?") }

// last returns the last statement run, normalised.
func last(db *testdb.DB) string {
	s := db.Counter.Statements()
	if len(s) == 0 {
		return ""
	}
	return norm(s[len(s)-1])
}

func TestCustomKeysRead(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedCustom(t, db)
		ann, err := query.From[Member]().Where(sq.Eq{"name": "ann"}).First(ctx, db)
		require.NoError(t, err)
		cy, err := query.From[Member]().Find(ctx, db, 3)
		require.NoError(t, err)

		t.Run("hasOne with custom foreign and local keys", func(t *testing.T) {
			db.Counter.Reset()
			h, err := query.GetOne(ctx, db, MemberHandset, &ann)
			require.NoError(t, err)
			require.NotNil(t, h)
			assert.Equal(t, "111", h.Number)
			assert.Equal(t, 1, db.Counter.Count())
			assert.Contains(t, last(db), `where "handsets"."owner_ref" = `)
			assert.Contains(t, last(db), `"handsets"."owner_ref" is not null`)

			none, err := query.GetOne(ctx, db, MemberHandset, &cy)
			require.NoError(t, err)
			assert.Nil(t, none, "no row and no default")

			owner, err := query.GetOne(ctx, db, HandsetOwner, h)
			require.NoError(t, err)
			require.NotNil(t, owner)
			assert.Equal(t, "ann", owner.Name)
			assert.Contains(t, last(db), `where "members"."ref" = `)
		})

		t.Run("hasMany and belongsTo with a custom owner key", func(t *testing.T) {
			intro, err := query.From[Article]().Where(sq.Eq{"slug": "intro"}).First(ctx, db)
			require.NoError(t, err)
			notes, err := query.GetMany(ctx, db, ArticleNotes, &intro)
			require.NoError(t, err)
			require.Len(t, notes, 2)
			assert.ElementsMatch(t, []string{"first", "second"}, []string{notes[0].Body, notes[1].Body})
			assert.Contains(t, last(db), `"notes"."article_slug" = `)

			empty, err := query.From[Article]().Find(ctx, db, 3)
			require.NoError(t, err)
			none, err := query.GetMany(ctx, db, ArticleNotes, &empty)
			require.NoError(t, err)
			assert.NotNil(t, none)
			assert.Empty(t, none)

			art, err := query.GetOne(ctx, db, NoteArticle, &notes[0])
			require.NoError(t, err)
			require.NotNil(t, art)
			assert.Equal(t, "Intro", art.Title)
			assert.Contains(t, last(db), `where "articles"."slug" = `)

			loose, err := query.From[Note]().Find(ctx, db, 4)
			require.NoError(t, err)
			require.Nil(t, loose.ArticleSlug)
			db.Counter.Reset()
			art, err = query.GetOne(ctx, db, NoteArticle, &loose)
			require.NoError(t, err)
			assert.Nil(t, art)
			assert.Zero(t, db.Counter.Count(), "a NULL foreign key runs no statement")

			n, err := query.Related(ArticleNotes, &intro).Where(sq.Gt{"votes": 2}).Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, int64(1), n)
		})

		t.Run("belongsToMany with a custom pivot table and keys", func(t *testing.T) {
			db.Counter.Reset()
			teams, err := query.Related(MemberTeams, &ann).OrderBy("id").Get(ctx, db)
			require.NoError(t, err)
			require.Len(t, teams, 2)
			assert.Equal(t, "red", teams[0].Name)
			assert.Equal(t, "blue", teams[1].Name)
			assert.Equal(t, map[string]any{"member_ref": "m-ann", "team_id": int64(1), "level": "lead"}, teams[0].Membership)
			assert.Equal(t, "member", teams[1].Membership["level"])
			require.Equal(t, 1, db.Counter.Count())
			s := last(db)
			assert.Contains(t, s, `join "memberships" on "teams"."id" = "memberships"."team_id"`)
			assert.Contains(t, s, `"memberships"."member_ref" as "pivot_member_ref"`)
			assert.Contains(t, s, `"memberships"."level" as "pivot_level"`)
			assert.Contains(t, s, `where "memberships"."member_ref" = `)

			leads, err := query.Related(MemberTeams.WherePivot("level", "lead"), &ann).Get(ctx, db)
			require.NoError(t, err)
			require.Len(t, leads, 1)
			assert.Equal(t, "red", leads[0].Name)

			none, err := query.GetMany(ctx, db, MemberTeams, &cy)
			require.NoError(t, err)
			assert.Empty(t, none)

			// Every builder method works on the relation query.
			names, err := query.Pluck[string](ctx, db, query.Related(MemberTeams, &ann).OrderByDesc("name"), "name")
			require.NoError(t, err)
			assert.Equal(t, []string{"red", "blue"}, names)
			ok, err := query.Related(MemberTeams, &ann).Where(sq.Eq{"teams.name": "green"}).Exists(ctx, db)
			require.NoError(t, err)
			assert.False(t, ok, "bob's team is not ann's")
		})
	})
}

// TestIntKeys: a parent with an int key and a child with an int64 foreign
// key just work, in both directions.
func TestIntKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedCustom(t, db)
		fiction, err := query.From[Shelf]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, 1, fiction.ID)
		books, err := query.GetMany(ctx, db, ShelfBooks, &fiction)
		require.NoError(t, err)
		require.Len(t, books, 2)
		shelf, err := query.GetOne(ctx, db, BookShelf, &books[0])
		require.NoError(t, err)
		require.NotNil(t, shelf)
		assert.Equal(t, "fiction", shelf.Name)

		b, err := query.Related(ShelfBooks, &fiction).Create(ctx, db, Book{Title: "new"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), b.ShelfID)

		lost, err := query.From[Book]().Find(ctx, db, 3)
		require.NoError(t, err)
		shelf, err = query.GetOne(ctx, db, BookShelf, &lost)
		require.NoError(t, err)
		assert.Nil(t, shelf, "shelf 99 does not exist")
		def, err := query.GetOne(ctx, db, BookShelf.WithDefault(Shelf{Name: "limbo"}), &lost)
		require.NoError(t, err)
		require.NotNil(t, def)
		assert.Equal(t, Shelf{Name: "limbo"}, *def, "a belongsTo default does not carry a key")
	})
}

func TestWithDefault(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ann, err := query.From[fixture.User]().Find(ctx, db, 1)
		require.NoError(t, err)
		cy, err := query.From[fixture.User]().Find(ctx, db, 3)
		require.NoError(t, err)
		orphan, err := query.From[fixture.Post]().Find(ctx, db, 4)
		require.NoError(t, err)
		require.Nil(t, orphan.UserID)

		t.Run("hasOne", func(t *testing.T) {
			forms := map[string]rel.HasOneRelation[fixture.User, fixture.Phone]{
				"empty": fixture.UserPhone.WithDefault(),
				"value": fixture.UserPhone.WithDefault(fixture.Phone{Number: "000"}),
				"func": fixture.UserPhone.WithDefaultFunc(func(u *fixture.User) fixture.Phone {
					return fixture.Phone{Number: "for " + u.Name, UserID: 99}
				}),
			}
			want := map[string]fixture.Phone{
				"empty": {UserID: 3},
				"value": {UserID: 3, Number: "000"},
				"func":  {UserID: 3, Number: "for cy"},
			}
			for name, r := range forms {
				db.Counter.Reset()
				got, err := query.GetOne(ctx, db, r, &cy)
				require.NoError(t, err, name)
				require.NotNil(t, got, name)
				assert.Equal(t, want[name], *got, "%s: the default carries the parent's key", name)
				assert.Equal(t, 1, db.Counter.Count(), name)

				got.Number = "changed"
				again, err := query.GetOne(ctx, db, r, &cy)
				require.NoError(t, err)
				assert.Equal(t, want[name], *again, "%s: each default is a fresh value", name)

				real, err := query.GetOne(ctx, db, r, &ann)
				require.NoError(t, err)
				assert.Equal(t, "555-0101", real.Number, "%s: a row wins over the default", name)
			}
		})

		t.Run("belongsTo", func(t *testing.T) {
			forms := map[string]rel.BelongsToRelation[fixture.Post, fixture.User]{
				"empty": fixture.PostAuthor.WithDefault(),
				"value": fixture.PostAuthor.WithDefault(fixture.User{Name: "Guest Author"}),
				"func": fixture.PostAuthor.WithDefaultFunc(func(p *fixture.Post) fixture.User {
					return fixture.User{Name: fmt.Sprintf("Post %d Author", p.ID)}
				}),
			}
			want := map[string]fixture.User{
				"empty": {},
				"value": {Name: "Guest Author"},
				"func":  {Name: "Post 4 Author"},
			}
			for name, r := range forms {
				db.Counter.Reset()
				got, err := query.GetOne(ctx, db, r, &orphan)
				require.NoError(t, err, name)
				require.NotNil(t, got, name)
				assert.Equal(t, want[name], *got, name)
				assert.Zero(t, db.Counter.Count(), "%s: a NULL foreign key issues no statement", name)

				first, err := query.From[fixture.Post]().Find(ctx, db, 1)
				require.NoError(t, err)
				real, err := query.GetOne(ctx, db, r, &first)
				require.NoError(t, err)
				assert.Equal(t, "ann", real.Name, name)
			}
		})

		t.Run("Default without a database", func(t *testing.T) {
			d, ok := fixture.UserPhone.WithDefault(fixture.Phone{Number: "1"}).Default(&cy)
			assert.True(t, ok)
			assert.Equal(t, fixture.Phone{UserID: 3, Number: "1"}, d)
			_, ok = fixture.UserPhone.WithDefault().Default(nil)
			assert.False(t, ok, "no default for a nil parent")
		})
	})
}

func TestRelatedKeepsItsScope(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ann, err := query.From[fixture.User]().Find(ctx, db, 1)
		require.NoError(t, err)

		// bob's "news" has 0 votes: an escaped OR would return it.
		q := query.Related(fixture.UserPosts, &ann).Where(sq.Eq{"title": "nope"}).OrWhere(sq.LtOrEq{"votes": 3})
		s, args, err := q.ToSql()
		require.NoError(t, err)
		assert.Equal(t, `select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null and (title = ? or votes <= ?)`, norm(s))
		assert.Equal(t, []any{int64(1), "nope", 3}, args)
		posts, err := q.Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "code tips", posts[0].Title)
		n, err := q.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)

		// A single condition holding an OR is grouped as well.
		q = query.Related(fixture.UserPosts, &ann).Where(sq.Or{sq.Eq{"title": "nope"}, sq.LtOrEq{"votes": 3}})
		posts, err = q.Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		q = query.Related(fixture.UserPosts, &ann).WhereRaw("title = ? or votes <= ?", "nope", 3)
		posts, err = q.Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)

		// A closure group, as in the documentation.
		q = query.Related(fixture.UserPosts, &ann).WhereGroup(func(g *query.Query[fixture.Post]) *query.Query[fixture.Post] {
			return g.WhereOp("votes", ">=", 10).OrWhereOp("title", "=", "news")
		})
		s, _, err = q.ToSql()
		require.NoError(t, err)
		assert.Contains(t, s, `"posts"."user_id" is not null and ("posts"."votes" >= ? or "posts"."title" = ?)`)
		posts, err = q.Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "hello", posts[0].Title)

		// belongsToMany keeps its scope too: bob's viewer role stays out.
		roles, err := query.Related(fixture.UserRoles, &ann).Where(sq.Eq{"roles.name": "nope"}).OrWhere(sq.Eq{"roles.name": "viewer"}).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, roles)
		assert.Contains(t, last(db), `"role_user"."user_id" = ? and (roles.name = ? or roles.name = ?)`)

		// A constrained relation's own condition is part of the scope.
		hot := fixture.UserPosts.Where(sq.Gt{"votes": 5})
		posts, err = query.Related(hot, &ann).Where(sq.Eq{"title": "x"}).OrWhere(sq.Eq{"title": "news"}).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, posts)
		posts, err = query.Related(hot, &ann).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "hello", posts[0].Title)
	})
}

// A relation's Where condition is kept as it was rendered and checked at
// declaration: changing the caller's condition afterwards (an sq.Eq map)
// neither changes the relation nor slips an unchecked fragment past the
// scope.
func TestWhereIsFixedAtDeclaration(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ann, err := query.From[fixture.User]().Find(ctx, db, 1)
		require.NoError(t, err)
		cond := sq.Eq{"votes": 10}
		hot := fixture.UserPosts.Where(cond)
		cond["votes"] = 3
		cond["1 = 1) or (1"] = 1 // refused by the check, had it been given
		posts, err := query.Related(hot, &ann).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 1)
		assert.Equal(t, "hello", posts[0].Title)
		n, err := query.From[fixture.User]().Where(query.Has(hot)).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
	})
}

func TestRelatedBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		seedCustom(t, db)
		ann, err := query.From[fixture.User]().Find(ctx, db, 1)
		require.NoError(t, err)

		t.Run("nil parent", func(t *testing.T) {
			db.Counter.Reset()
			_, err := query.Related(fixture.UserPosts, nil).Get(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			_, err = query.GetOne(ctx, db, fixture.UserPhone, nil)
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			_, err = query.GetMany(ctx, db, fixture.UserRoles, nil)
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			_, err = query.Related(fixture.UserPosts, nil).Create(ctx, db, fixture.Post{Title: "x"})
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			_, err = query.GetOne[fixture.User, fixture.Phone](ctx, db, nil, &ann)
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			assert.Zero(t, db.Counter.Count())
		})

		t.Run("zero-key parent", func(t *testing.T) {
			db.Counter.Reset()
			unsaved := &fixture.User{Name: "new"}
			posts, err := query.Related(fixture.UserPosts, unsaved).Get(ctx, db)
			require.NoError(t, err)
			assert.NotNil(t, posts)
			assert.Empty(t, posts)
			n, err := query.Related(fixture.UserPosts, unsaved).Count(ctx, db)
			require.NoError(t, err)
			assert.Zero(t, n)
			ok, err := query.Related(fixture.UserPosts, unsaved).Exists(ctx, db)
			require.NoError(t, err)
			assert.False(t, ok)
			_, err = query.Related(fixture.UserPosts, unsaved).First(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrNotFound)
			roles, err := query.GetMany(ctx, db, fixture.UserRoles, unsaved)
			require.NoError(t, err)
			assert.Empty(t, roles)
			phone, err := query.GetOne(ctx, db, fixture.UserPhone, unsaved)
			require.NoError(t, err)
			assert.Nil(t, phone)
			def, err := query.GetOne(ctx, db, fixture.UserPhone.WithDefault(), unsaved)
			require.NoError(t, err)
			assert.Equal(t, fixture.Phone{}, *def)
			assert.Zero(t, db.Counter.Count(), "a parent without a key runs no statement:\n%s", db.Counter)
		})

		t.Run("destination of the wrong type", func(t *testing.T) {
			bad := rel.HasMany[fixture.User, fixture.Post]().Field("Name")
			_, err := query.Related(bad, &ann).Get(ctx, db)
			assert.ErrorIs(t, err, rel.ErrNoDestination)
			_, err = query.GetMany(ctx, db, bad, &ann)
			assert.ErrorIs(t, err, rel.ErrNoDestination)
		})

		t.Run("keys of mismatched types", func(t *testing.T) {
			// members.ref is a string, books.shelf_id an int64.
			bad := rel.HasMany[Member, Book]("shelf_id", "ref")
			assert.ErrorIs(t, relmeta.Of(bad).Err(), rel.ErrUnsupportedKey)
			_, err := query.Related(bad, &Member{ID: 1, Ref: "m-ann"}).Get(ctx, db)
			assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
			_, err = query.Related(bad, &Member{ID: 1, Ref: "m-ann"}).Create(ctx, db, Book{Title: "x"})
			assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		})

		t.Run("malicious identifiers", func(t *testing.T) {
			db.Counter.Reset()
			bad := rel.HasMany[fixture.User, fixture.Post]("x; drop table y")
			_, err := query.Related(bad, &ann).Get(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			_, err = query.Related(fixture.UserPosts, &ann).OrderBy("id; drop table posts").Get(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			_, err = query.Related(fixture.UserPosts, &ann).WhereOp("title = '' or 1=1 --", "=", 1).Get(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			assert.Zero(t, db.Counter.Count())
			n, err := query.From[fixture.Post]().Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, int64(4), n)
		})

		t.Run("unknown relation by name", func(t *testing.T) {
			r, err := rel.Find[fixture.User]("posts")
			require.NoError(t, err)
			assert.Same(t, relmeta.Of(fixture.UserPosts), relmeta.Of(r))
			_, err = rel.Find[fixture.User]("articles")
			assert.ErrorIs(t, err, rel.ErrUnknownRelation)
			var ue *rel.UnknownRelationError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, "User", ue.Type)
			assert.Equal(t, []string{"phone", "podcasts", "posts", "roles"}, ue.Known)
		})

		t.Run("cancelled context", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := query.Related(fixture.UserPosts, &ann).Get(cctx, db)
			assert.ErrorIs(t, err, context.Canceled)
			_, err = query.GetOne(cctx, db, fixture.UserPhone, &ann)
			assert.ErrorIs(t, err, context.Canceled)
			_, err = query.GetMany(cctx, db, fixture.UserRoles, &ann)
			assert.ErrorIs(t, err, context.Canceled)
			_, err = query.Related(fixture.UserPosts, &fixture.User{}).Get(cctx, db)
			assert.ErrorIs(t, err, context.Canceled, "even when no statement would run")
		})
	})
}

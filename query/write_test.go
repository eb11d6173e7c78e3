package query_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The custom-key examples of the seed documentation, with CHECK
// constraints that let a test make the last row of a batch fail:
//   - members/handsets: hasOne with custom foreign and local keys
//     (handsets.owner_ref = members.ref);
//   - articles/notes: hasMany and belongsTo with a custom owner key
//     (notes.article_slug = articles.slug), votes >= 0;
//   - members/teams through memberships: belongsToMany with a custom pivot
//     table, pivot keys and parent key.

type wtMember struct {
	ID      int64      `db:"id"`
	Ref     string     `db:"ref"`
	Name    string     `db:"name"`
	Handset *wtHandset `db:"-"`
	Teams   []wtTeam   `db:"-"`
}

func (wtMember) TableName() string { return "members" }

type wtHandset struct {
	ID       int64     `db:"id"`
	OwnerRef string    `db:"owner_ref"`
	Number   string    `db:"number"`
	Owner    *wtMember `db:"-"`
}

func (wtHandset) TableName() string { return "handsets" }

type wtArticle struct {
	ID    int64    `db:"id"`
	Slug  string   `db:"slug"`
	Title string   `db:"title"`
	Notes []wtNote `db:"-"`
}

func (wtArticle) TableName() string { return "articles" }

type wtNote struct {
	ID          int64      `db:"id"`
	ArticleSlug *string    `db:"article_slug"`
	Body        string     `db:"body"`
	Votes       int64      `db:"votes"`
	Article     *wtArticle `db:"-"`
}

func (wtNote) TableName() string { return "notes" }

type wtTeam struct {
	ID         int64          `db:"id"`
	Name       string         `db:"name"`
	Membership map[string]any `db:"-"`
}

func (wtTeam) TableName() string { return "teams" }

var (
	wtMemberHandset = rel.HasOne[wtMember, wtHandset]("owner_ref", "ref")
	wtHandsetOwner  = rel.BelongsTo[wtHandset, wtMember]("owner_ref", "ref")
	wtArticleNotes  = rel.HasMany[wtArticle, wtNote]("article_slug", "slug")
	wtNoteArticle   = rel.BelongsTo[wtNote, wtArticle]("article_slug", "slug")
	wtMemberTeams   = rel.BelongsToMany[wtMember, wtTeam]("memberships", "member_ref", "team_id", "ref").As("membership")
)

// wtSeed creates the custom-key tables:
//
//	members:     1 ann "m-ann", 2 bob "m-bob", 3 cy "m-cy"
//	handsets:    1 → m-ann "111", 2 → m-bob "222"
//	articles:    1 "intro", 2 "deep", 3 "empty"
//	notes:       1 intro "first" 5, 2 intro "second" 1, 3 deep "third" 0, 4 NULL "loose" 9
//	teams:       1 red, 2 blue; memberships: m-ann red
func wtSeed(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table members (id {{pk}}, ref text not null unique, name text not null)`,
		`create table handsets (id {{pk}}, owner_ref text not null references members(ref), number text not null check (number <> ''))`,
		`create table articles (id {{pk}}, slug text not null unique, title text not null)`,
		`create table notes (id {{pk}}, article_slug text references articles(slug), body text not null,
			votes bigint not null default 0 check (votes >= 0))`,
		`create table teams (id {{pk}}, name text not null unique)`,
		`create table memberships (member_ref text not null references members(ref), team_id bigint not null references teams(id),
			primary key (member_ref, team_id))`,
		`insert into members (ref, name) values ('m-ann', 'ann'), ('m-bob', 'bob'), ('m-cy', 'cy')`,
		`insert into handsets (owner_ref, number) values ('m-ann', '111'), ('m-bob', '222')`,
		`insert into articles (slug, title) values ('intro', 'Intro'), ('deep', 'Deep dive'), ('empty', 'Empty')`,
		`insert into notes (article_slug, body, votes) values ('intro', 'first', 5), ('intro', 'second', 1), ('deep', 'third', 0), (null, 'loose', 9)`,
		`insert into teams (name) values ('red'), ('blue')`,
		`insert into memberships (member_ref, team_id) values ('m-ann', 1)`,
	)
}

var wtDollar = regexp.MustCompile(`\$\d+`)

// wtSQL returns the statements run since the last reset, lower-cased, with
// PostgreSQL's $n turned back into ?.
func wtSQL(db *testdb.DB) []string {
	var out []string
	for _, s := range db.Counter.Statements() {
		out = append(out, wtDollar.ReplaceAllString(strings.ToLower(s), "?"))
	}
	return out
}

func wtCount[T any](t *testing.T, db *testdb.DB, q *query.Query[T]) int64 {
	t.Helper()
	n, err := q.Count(context.Background(), db)
	require.NoError(t, err)
	return n
}

func str(s string) *string { return &s }

type wtTicket struct {
	ID int64 `db:"id"`
}

func TestRelatedSave(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		posts := query.From[fixture.Post]()
		comments := query.From[fixture.Comment]()
		post3, err := posts.Find(ctx, db, 3)
		require.NoError(t, err)
		rc := query.Related(fixture.PostComments, &post3)

		// save: a new child gets the foreign key and is inserted.
		db.Counter.Reset()
		c := fixture.Comment{Content: "saved", PostID: 1}
		require.NoError(t, rc.Save(ctx, db, &c))
		assert.Equal(t, int64(3), c.PostID, "the foreign key is the parent's, whatever it was")
		assert.NotZero(t, c.ID)
		require.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.Contains(t, wtSQL(db)[0], `insert into "comments"`)
		stored, err := comments.Find(ctx, db, c.ID)
		require.NoError(t, err)
		assert.Equal(t, c.ID, stored.ID)
		assert.Equal(t, int64(3), stored.PostID)
		assert.Equal(t, "saved", stored.Content)

		// save: an existing row of another parent is moved here (an UPDATE).
		meh, err := comments.Find(ctx, db, 4) // post 2's
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, rc.Save(ctx, db, &meh))
		require.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.True(t, strings.HasPrefix(wtSQL(db)[0], `update "comments" set`))
		assert.Equal(t, int64(2), wtCount(t, db, rc))
		assert.Zero(t, wtCount(t, db, query.Related(fixture.PostComments, &fixture.Post{ID: 2})))

		// SaveMany and SaveManyPtrs, in one transaction.
		batch := []fixture.Comment{{Content: "m1"}, {Content: "m2"}}
		require.NoError(t, rc.SaveMany(ctx, db, batch))
		assert.NotZero(t, batch[0].ID, "keys are stored back into the slice")
		assert.Equal(t, int64(3), batch[1].PostID)
		ptrs := []*fixture.Comment{{Content: "p1"}, &batch[0]}
		ptrs[1].Content = "m1 edited"
		require.NoError(t, rc.SaveManyPtrs(ctx, db, ptrs))
		assert.Equal(t, int64(5), wtCount(t, db, rc))
		edited, err := comments.Find(ctx, db, batch[0].ID)
		require.NoError(t, err)
		assert.Equal(t, "m1 edited", edited.Content)

		// The relation already loaded on the parent is not touched (Laravel).
		assert.Empty(t, post3.Comments)

		// saveMany failure: the last row breaks votes >= 0 after an insert
		// and an update went through; neither is left.
		wtSeed(t, db)
		intro, err := query.From[wtArticle]().Find(ctx, db, 1)
		require.NoError(t, err)
		third, err := query.From[wtNote]().Find(ctx, db, 3) // deep's
		require.NoError(t, err)
		before := wtCount(t, db, query.From[wtNote]())
		bad := []*wtNote{{Body: "ok"}, &third, {Body: "bad", Votes: -1}}
		err = query.Related(wtArticleNotes, &intro).SaveManyPtrs(ctx, db, bad)
		require.Error(t, err)
		assert.Equal(t, before, wtCount(t, db, query.From[wtNote]()))
		stored3, err := query.From[wtNote]().Find(ctx, db, 3)
		require.NoError(t, err)
		assert.Equal(t, "deep", *stored3.ArticleSlug, "the update was rolled back")
	})
}

func TestRelatedCreate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		wtSeed(t, db)
		intro, err := query.From[wtArticle]().Where(sq.Eq{"slug": "intro"}).First(ctx, db)
		require.NoError(t, err)
		rn := query.Related(wtArticleNotes, &intro)

		// create: from a value; the result carries the key and the id.
		db.Counter.Reset()
		n, err := rn.Create(ctx, db, wtNote{Body: "created", Votes: 2})
		require.NoError(t, err)
		require.NotNil(t, n.ArticleSlug)
		assert.Equal(t, "intro", *n.ArticleSlug, "the custom local key, not the id")
		assert.NotZero(t, n.ID)
		assert.Equal(t, 1, db.Counter.Count())

		// createMany: one multi-row INSERT.
		db.Counter.Reset()
		many, err := rn.CreateMany(ctx, db, []wtNote{{Body: "a"}, {Body: "b", ArticleSlug: str("deep")}, {Body: "c"}})
		require.NoError(t, err)
		require.Len(t, many, 3)
		for _, m := range many {
			assert.NotZero(t, m.ID)
			assert.Equal(t, "intro", *m.ArticleSlug)
		}
		assert.Less(t, many[0].ID, many[2].ID)
		require.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.Equal(t, int64(6), wtCount(t, db, rn))

		empty, err := rn.CreateMany(ctx, db, nil)
		require.NoError(t, err)
		assert.NotNil(t, empty)
		assert.Empty(t, empty)

		// createMany failure: the last row breaks votes >= 0; no row is left.
		before := wtCount(t, db, query.From[wtNote]())
		out, err := rn.CreateMany(ctx, db, []wtNote{{Body: "ok1"}, {Body: "ok2"}, {Body: "bad", Votes: -1}})
		require.Error(t, err)
		assert.Nil(t, out)
		assert.Equal(t, before, wtCount(t, db, query.From[wtNote]()))
		assert.Zero(t, wtCount(t, db, query.From[wtNote]().WhereIn("body", "ok1", "ok2")))

		// The same with the fixture: the last comment of a batch points at a
		// post that does not exist. Within a transaction of the caller it
		// is a savepoint: the outer work survives.
		var inner error
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			_, err := query.Related(fixture.PostComments, &fixture.Post{ID: 2}).Create(ctx, tx, fixture.Comment{Content: "outer"})
			if err != nil {
				return err
			}
			_, inner = query.From[fixture.Comment]().CreateMany(ctx, tx, []fixture.Comment{
				{PostID: 1, Content: "inner"}, {PostID: 999, Content: "inner"},
			})
			return nil
		})
		require.NoError(t, err)
		require.Error(t, inner)
		assert.Equal(t, int64(1), wtCount(t, db, query.From[fixture.Comment]().Where(sq.Eq{"content": "outer"})))
		assert.Zero(t, wtCount(t, db, query.From[fixture.Comment]().Where(sq.Eq{"content": "inner"})))

		// hasOne create with custom foreign and local keys.
		cy, err := query.From[wtMember]().Find(ctx, db, 3)
		require.NoError(t, err)
		h, err := query.Related(wtMemberHandset, &cy).Create(ctx, db, wtHandset{Number: "333"})
		require.NoError(t, err)
		assert.Equal(t, "m-cy", h.OwnerRef)
		got, err := query.GetOne(ctx, db, wtMemberHandset, &cy)
		require.NoError(t, err)
		assert.Equal(t, h.ID, got.ID)
	})
}

func TestRelatedFindOrNew(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		wtSeed(t, db)
		post1, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		post3, err := query.From[fixture.Post]().Find(ctx, db, 3)
		require.NoError(t, err)

		// findOrNew: comment 1 is post 1's.
		found, err := query.Related(fixture.PostComments, &post1).FindOrNew(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "code is fun", found.Content)
		db.Counter.Reset()
		fresh, err := query.Related(fixture.PostComments, &post3).FindOrNew(ctx, db, 1)
		require.NoError(t, err)
		assert.Zero(t, fresh.ID, "another parent's row is not found")
		assert.Empty(t, fresh.Content)
		assert.Equal(t, int64(3), fresh.PostID, "the new model carries the foreign key")
		require.Equal(t, 1, db.Counter.Count(), "one lookup, no write: %s", db.Counter)
		assert.Contains(t, wtSQL(db)[0], `"comments"."post_id" = ? and "comments"."post_id" is not null and ("comments"."id" = ?)`)

		// firstOrNew: scoped lookup; the new model gets attrs, values and the key.
		db.Counter.Reset()
		fresh, err = query.Related(fixture.PostComments, &post3).FirstOrNew(ctx, db,
			map[string]any{"content": "code is fun"}, map[string]any{"votes": 8})
		require.NoError(t, err)
		assert.Zero(t, fresh.ID)
		assert.Equal(t, fixture.Comment{PostID: 3, Content: "code is fun", Votes: 8}, fresh)
		assert.Equal(t, 1, db.Counter.Count(), "firstOrNew does not write")
		assert.Zero(t, wtCount(t, db, query.Related(fixture.PostComments, &post3)))
		existing, err := query.Related(fixture.PostComments, &post1).FirstOrNew(ctx, db, map[string]any{"content": "nice"})
		require.NoError(t, err)
		assert.Equal(t, int64(2), existing.ID)

		// Custom keys.
		intro, err := query.From[wtArticle]().Find(ctx, db, 1)
		require.NoError(t, err)
		note, err := query.Related(wtArticleNotes, &intro).FirstOrNew(ctx, db, map[string]any{"body": "third"})
		require.NoError(t, err)
		assert.Zero(t, note.ID, `"third" is deep's`)
		assert.Equal(t, "intro", *note.ArticleSlug)
		note, err = query.Related(wtArticleNotes, &intro).FindOrNew(ctx, db, 4)
		require.NoError(t, err)
		assert.Zero(t, note.ID, "the loose note has no article")
		assert.Equal(t, "intro", *note.ArticleSlug)

		// Bad attribute names are rejected before any statement.
		db.Counter.Reset()
		_, err = query.Related(fixture.PostComments, &post3).FirstOrNew(ctx, db, map[string]any{"content = '' or 1=1 --": 1})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = query.Related(fixture.PostComments, &post3).FirstOrNew(ctx, db, map[string]any{"content": "x"}, map[string]any{"nope": 1})
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Zero(t, db.Counter.Count(), "values are checked before the lookup: %s", db.Counter)
	})
}

func TestRelatedFirstOrCreate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		post1, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		post3, err := query.From[fixture.Post]().Find(ctx, db, 3)
		require.NoError(t, err)

		got, err := query.Related(fixture.PostComments, &post1).FirstOrCreate(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 50})
		require.NoError(t, err)
		assert.Equal(t, int64(2), got.ID, "found: values are not applied")
		assert.Equal(t, int64(1), got.Votes)

		db.Counter.Reset()
		got, err = query.Related(fixture.PostComments, &post3).FirstOrCreate(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 50})
		require.NoError(t, err)
		assert.NotEqual(t, int64(2), got.ID, "post 1's comment is not post 3's")
		assert.Equal(t, int64(3), got.PostID)
		assert.Equal(t, int64(50), got.Votes)
		assert.Equal(t, 2, db.Counter.Count(), "lookup, insert: %s", db.Counter)
		stored, err := query.From[fixture.Comment]().Find(ctx, db, got.ID)
		require.NoError(t, err)
		assert.Equal(t, got, stored)
		nice, err := query.From[fixture.Comment]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(1), nice.PostID, "the other parent's row is untouched")
	})
}

func TestRelatedUpdateOrCreate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		wtSeed(t, db)
		post1, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		post3, err := query.From[fixture.Post]().Find(ctx, db, 3)
		require.NoError(t, err)

		// Updating: post 1 has "nice".
		db.Counter.Reset()
		up, err := query.Related(fixture.PostComments, &post1).UpdateOrCreate(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 9})
		require.NoError(t, err)
		assert.Equal(t, int64(2), up.ID)
		assert.Equal(t, int64(9), up.Votes)
		assert.Equal(t, int64(1), up.PostID)
		sqls := wtSQL(db)
		require.Len(t, sqls, 2, db.Counter)
		assert.True(t, strings.HasPrefix(sqls[1], `update "comments"`))
		stored, err := query.From[fixture.Comment]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(9), stored.Votes)

		// Creating: post 3 has no "nice"; post 1's stays as it is.
		db.Counter.Reset()
		cr, err := query.Related(fixture.PostComments, &post3).UpdateOrCreate(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 4})
		require.NoError(t, err)
		assert.NotEqual(t, int64(2), cr.ID)
		assert.Equal(t, fixture.Comment{ID: cr.ID, PostID: 3, Content: "nice", Votes: 4}, cr)
		sqls = wtSQL(db)
		require.Len(t, sqls, 2, db.Counter)
		assert.True(t, strings.HasPrefix(sqls[1], `insert into "comments"`))
		stored, err = query.From[fixture.Comment]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(9), stored.Votes)
		assert.Equal(t, int64(1), stored.PostID)

		// Custom keys, and a failing update leaves the row as it was.
		intro, err := query.From[wtArticle]().Find(ctx, db, 1)
		require.NoError(t, err)
		n, err := query.Related(wtArticleNotes, &intro).UpdateOrCreate(ctx, db, map[string]any{"body": "first"}, map[string]any{"votes": 6})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n.ID)
		assert.Equal(t, int64(6), n.Votes)
		_, err = query.Related(wtArticleNotes, &intro).UpdateOrCreate(ctx, db, map[string]any{"body": "first"}, map[string]any{"votes": -6})
		require.Error(t, err, "votes >= 0")
		stored2, err := query.From[wtNote]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, int64(6), stored2.Votes)
		n, err = query.Related(wtArticleNotes, &intro).UpdateOrCreate(ctx, db, map[string]any{"body": "third"}, map[string]any{"votes": 1})
		require.NoError(t, err)
		assert.NotEqual(t, int64(3), n.ID, `deep's "third" is not intro's`)
		assert.Equal(t, "intro", *n.ArticleSlug)
	})
}

func TestRelatedMassWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		ann := fixture.User{ID: 1}
		posts := query.From[fixture.Post]()

		// updateAll/deleteAll keep the relation's scope, OrWhere included.
		n, err := query.Related(fixture.UserPosts, &ann).Where(sq.Eq{"title": "nope"}).OrWhere(sq.LtOrEq{"votes": 3}).
			UpdateAll(ctx, db, map[string]any{"title": "low"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "only ann's post 2; bob's 0-vote post is out of scope")
		assert.Contains(t, wtSQL(db)[db.Counter.Count()-1], `"posts"."user_id" is not null and (title = ? or votes <= ?)`)
		news, err := posts.Find(ctx, db, 3)
		require.NoError(t, err)
		assert.Equal(t, "news", news.Title)

		n, err = query.Related(fixture.PostComments, &fixture.Post{ID: 1}).Where(sq.Eq{"content": "code review"}).OrWhere(sq.Eq{"content": "nice"}).OrWhere(sq.Eq{"votes": 0}).DeleteAll(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n, "post 2's 0-vote comment stays")
		assert.Equal(t, int64(1), wtCount(t, db, query.Related(fixture.PostComments, &fixture.Post{ID: 2})))

		// A keyless parent: nothing to update or delete, no statement.
		db.Counter.Reset()
		n, err = query.Related(fixture.UserPosts, &fixture.User{}).DeleteAll(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = query.Related(fixture.UserPosts, &fixture.User{}).UpdateAll(ctx, db, map[string]any{"votes": 1})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Zero(t, db.Counter.Count())

		// Column names are validated.
		_, err = query.Related(fixture.UserPosts, &ann).UpdateAll(ctx, db, map[string]any{"title = 'x', votes": 1})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = query.Related(fixture.UserPosts, &ann).UpdateAll(ctx, db, map[string]any{"nope": 1})
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Zero(t, db.Counter.Count())
	})
}

func TestRelatedWriteBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		count := func() int64 { return wtCount(t, db, query.From[fixture.Comment]()) }
		before := count()
		post := fixture.Post{ID: 1}

		t.Run("unsaved parent", func(t *testing.T) {
			db.Counter.Reset()
			unsaved := &fixture.Post{Title: "draft"}
			rq := query.Related(fixture.PostComments, unsaved)
			_, err := rq.Create(ctx, db, fixture.Comment{Content: "x"})
			assert.ErrorIs(t, err, query.ErrBadArgument)
			assert.Contains(t, err.Error(), "save it first")
			_, err = rq.CreateMany(ctx, db, []fixture.Comment{{Content: "x"}})
			assert.ErrorIs(t, err, query.ErrBadArgument)
			c := fixture.Comment{ID: 1, Content: "x"}
			assert.ErrorIs(t, rq.Save(ctx, db, &c), query.ErrBadArgument)
			assert.ErrorIs(t, rq.Update(ctx, db, &c), query.ErrBadArgument)
			assert.ErrorIs(t, rq.SaveManyPtrs(ctx, db, []*fixture.Comment{&c}), query.ErrBadArgument)
			u := fixture.Comment{Content: "x"}
			assert.ErrorIs(t, rq.Upsert(ctx, db, &u, []string{"id"}), query.ErrBadArgument)
			assert.ErrorIs(t, rq.UpsertMany(ctx, db, []fixture.Comment{u}, []string{"id"}), query.ErrBadArgument)
			_, err = rq.FirstOrCreate(ctx, db, map[string]any{"content": "x"})
			assert.ErrorIs(t, err, query.ErrBadArgument)
			_, err = rq.UpdateOrCreate(ctx, db, map[string]any{"content": "x"}, nil)
			assert.ErrorIs(t, err, query.ErrBadArgument)
			// Reading is fine: a new model with the (zero) key, no statement.
			n, err := rq.FirstOrNew(ctx, db, map[string]any{"content": "x"})
			require.NoError(t, err)
			assert.Equal(t, "x", n.Content)
			assert.Zero(t, db.Counter.Count(), db.Counter)
			assert.Equal(t, before, count())
		})

		t.Run("nil values and executors", func(t *testing.T) {
			rq := query.Related(fixture.PostComments, &post)
			assert.ErrorIs(t, rq.Insert(ctx, db, nil), sqlt.ErrNilValue)
			assert.ErrorIs(t, rq.Save(ctx, db, nil), sqlt.ErrNilValue)
			assert.ErrorIs(t, rq.Update(ctx, db, nil), sqlt.ErrNilValue)
			assert.ErrorIs(t, rq.Delete(ctx, db, nil), sqlt.ErrNilValue)
			// A nil element of a []*T: refused before any statement, and
			// the rows before it are left as they were.
			db.Counter.Reset()
			first := fixture.Comment{Content: "x"}
			for _, err := range []error{
				rq.InsertManyPtrs(ctx, db, []*fixture.Comment{&first, nil}),
				rq.SaveManyPtrs(ctx, db, []*fixture.Comment{&first, nil}),
				rq.UpsertManyPtrs(ctx, db, []*fixture.Comment{&first, nil}, []string{"id"}),
			} {
				assert.ErrorIs(t, err, sqlt.ErrNilValue)
				assert.ErrorContains(t, err, "row 1 is a nil pointer")
			}
			assert.Zero(t, db.Counter.Count(), db.Counter)
			assert.Equal(t, fixture.Comment{Content: "x"}, first)
			// No rows: no statement, no error, no executor needed.
			assert.NoError(t, rq.InsertMany(ctx, nil, nil))
			assert.NoError(t, rq.InsertManyPtrs(ctx, nil, []*fixture.Comment{}))
			assert.NoError(t, rq.SaveMany(ctx, nil, []fixture.Comment{}))
			assert.NoError(t, rq.SaveManyPtrs(ctx, nil, nil))
			_, err := rq.Create(ctx, nil, fixture.Comment{Content: "x"})
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			_, err = rq.CreateMany(ctx, nil, []fixture.Comment{{Content: "x"}})
			assert.ErrorIs(t, err, sqlt.ErrNilValue)
			assert.ErrorIs(t, rq.SaveMany(ctx, nil, []fixture.Comment{{Content: "x"}}), sqlt.ErrNilValue)
			assert.Equal(t, before, count())
		})

		t.Run("belongsToMany writes go through package pivot", func(t *testing.T) {
			rq := query.Related(fixture.UserRoles, &fixture.User{ID: 1})
			role := fixture.Role{Name: "x"}
			attrs := map[string]any{"name": "admin"} // role 1, attached to user 1
			// Each write names the pivot function that does it; FirstOrNew
			// and FindOrNew are refused the same way, hit or miss, before
			// any statement.
			for want, call := range map[string]func() error{
				"use pivot.Save":           func() error { return rq.Insert(ctx, db, &role) },
				"use pivot.Save ":          func() error { return rq.Save(ctx, db, &role) },
				"use pivot.SaveMany":       func() error { return rq.SaveMany(ctx, db, []fixture.Role{role}) },
				"use pivot.SaveMany ":      func() error { return rq.InsertMany(ctx, db, []fixture.Role{role}) },
				"use pivot.Create":         func() error { _, err := rq.Create(ctx, db, role); return err },
				"use pivot.CreateMany":     func() error { _, err := rq.CreateMany(ctx, db, []fixture.Role{role}); return err },
				"use pivot.FirstOrNew":     func() error { _, err := rq.FirstOrNew(ctx, db, attrs); return err },
				"use pivot.FirstOrNew ":    func() error { _, err := rq.FirstOrNew(ctx, db, map[string]any{"name": "none"}); return err },
				"use pivot.FindOrNew":      func() error { _, err := rq.FindOrNew(ctx, db, 1); return err },
				"use pivot.FindOrNew ":     func() error { _, err := rq.FindOrNew(ctx, db, 666); return err },
				"use pivot.FirstOrCreate":  func() error { _, err := rq.FirstOrCreate(ctx, db, attrs); return err },
				"use pivot.UpdateOrCreate": func() error { _, err := rq.UpdateOrCreate(ctx, db, attrs, nil); return err },
				"use query.From for the related rows, package pivot for the pivot rows": func() error {
					_, err := rq.DeleteAll(ctx, db)
					return err
				},
				"use query.From for the related rows, package pivot for the pivot rows ": func() error {
					_, err := rq.UpdateAll(ctx, db, map[string]any{"name": "x"})
					return err
				},
			} {
				db.Counter.Reset()
				err := call()
				assert.ErrorIs(t, err, query.ErrUnsupported, want)
				assert.ErrorContains(t, err, strings.TrimSpace(want)+": ")
				assert.ErrorContains(t, err, "through belongsToMany roles")
				assert.Zero(t, db.Counter.Count(), "%s: %s", want, db.Counter)
			}
			_, err := rq.Create(ctx, db, role)
			assert.EqualError(t, err, "create roles through belongsToMany roles: use pivot.Create: relkit: unsupported operation")
			_, err = rq.FirstOrCreate(ctx, db, attrs)
			assert.EqualError(t, err, "first or create roles through belongsToMany roles: use pivot.FirstOrCreate: relkit: unsupported operation", "the operation named once")
			assert.Equal(t, int64(3), wtCount(t, db, query.From[fixture.Role]()))
		})

		t.Run("broken relation", func(t *testing.T) {
			bad := rel.HasMany[fixture.Post, fixture.Comment]("post_id; drop table comments")
			_, err := query.Related(bad, &post).Create(ctx, db, fixture.Comment{Content: "x"})
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			_, err = query.Related(bad, &post).DeleteAll(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			assert.Equal(t, before, count())
		})

		t.Run("cancelled context", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			rq := query.Related(fixture.PostComments, &post)
			_, err := rq.Create(cctx, db, fixture.Comment{Content: "x"})
			assert.ErrorIs(t, err, context.Canceled)
			_, err = rq.CreateMany(cctx, db, []fixture.Comment{{Content: "x"}, {Content: "y"}})
			assert.ErrorIs(t, err, context.Canceled)
			assert.ErrorIs(t, rq.SaveMany(cctx, db, []fixture.Comment{{Content: "x"}}), context.Canceled)
			_, err = rq.UpdateOrCreate(cctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 1})
			assert.ErrorIs(t, err, context.Canceled)
			_, err = rq.DeleteAll(cctx, db)
			assert.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, before, count())
		})
	})
}

// TestPlainWrites covers Insert, InsertMany, Update, Save, Delete, UpdateAll
// and DeleteAll on a table query, beyond query_test.go's TestWrites.
func TestPlainWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		users := query.From[fixture.User]()
		posts := query.From[fixture.Post]()

		// InsertManyPtrs and InsertMany store keys in order.
		ptrs := []*fixture.User{{Name: "u1"}, {Name: "u2"}}
		require.NoError(t, users.InsertManyPtrs(ctx, db, ptrs))
		assert.Equal(t, int64(4), ptrs[0].ID)
		assert.Equal(t, int64(5), ptrs[1].ID)
		vals := []fixture.User{{Name: "u3"}, {Name: "u4"}}
		require.NoError(t, users.InsertMany(ctx, db, vals))
		assert.Equal(t, []int64{6, 7}, []int64{vals[0].ID, vals[1].ID})
		// Explicit and generated keys mixed.
		mixed := []fixture.User{{ID: 100, Name: "hundred"}, {Name: "u8"}}
		require.NoError(t, users.InsertMany(ctx, db, mixed))
		assert.Equal(t, int64(100), mixed[0].ID)
		assert.NotZero(t, mixed[1].ID)
		got, err := users.Find(ctx, db, 100)
		require.NoError(t, err)
		assert.Equal(t, "hundred", got.Name)

		// Update: every column by key; updated_at moves, created_at stays.
		p, err := posts.Find(ctx, db, 1)
		require.NoError(t, err)
		created, updated := p.CreatedAt, p.UpdatedAt
		p.Title, p.Votes = "edited", 11
		require.NoError(t, posts.Update(ctx, db, &p))
		assert.True(t, p.UpdatedAt.After(updated))
		assert.True(t, p.CreatedAt.Equal(created))
		stored, err := posts.Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "edited", stored.Title)
		assert.Equal(t, int64(11), stored.Votes)
		missing := fixture.Post{ID: 404, Title: "none"}
		assert.ErrorIs(t, posts.Update(ctx, db, &missing), sqlt.ErrNotFound)

		// Save: insert (zero key), update (existing key), insert with key.
		s := fixture.Post{Title: "saved"}
		require.NoError(t, posts.Save(ctx, db, &s))
		assert.NotZero(t, s.ID)
		s.Title = "saved again"
		require.NoError(t, posts.Save(ctx, db, &s))
		withKey := fixture.Post{ID: 500, Title: "keyed"}
		require.NoError(t, posts.Save(ctx, db, &withKey))
		got2, err := posts.Find(ctx, db, 500)
		require.NoError(t, err)
		assert.Equal(t, "keyed", got2.Title)
		assert.False(t, got2.CreatedAt.IsZero())

		// Delete by key.
		require.NoError(t, posts.Delete(ctx, db, &withKey))
		_, err = posts.Find(ctx, db, 500)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)

		// UpdateAll sets updated_at unless given; DeleteAll with conditions.
		n, err := posts.Where(sq.Eq{"title": "saved again"}).UpdateAll(ctx, db, map[string]any{"votes": 3})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Contains(t, wtSQL(db)[db.Counter.Count()-1], `"updated_at" = ?`)
		n, err = posts.Where(sq.Gt{"votes": 100}).DeleteAll(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = posts.UpdateAll(ctx, db, nil)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing to set")

		// A failing row in InsertMany leaves none of the batch: the last
		// role breaks the unique name.
		before := wtCount(t, db, query.From[fixture.Role]())
		err = query.From[fixture.Role]().InsertMany(ctx, db, []fixture.Role{{Name: "r1"}, {Name: "r2"}, {Name: "admin"}})
		require.Error(t, err)
		assert.Equal(t, before, wtCount(t, db, query.From[fixture.Role]()))

		// A model whose only column is its generated key.
		db.MustExec(t, `create table wt_tickets (id {{pk}})`)
		tickets := []wtTicket{{}, {}, {}}
		require.NoError(t, query.From[wtTicket]().InsertMany(ctx, db, tickets))
		assert.Equal(t, []int64{1, 2, 3}, []int64{tickets[0].ID, tickets[1].ID, tickets[2].ID})
		one := wtTicket{}
		require.NoError(t, query.From[wtTicket]().Save(ctx, db, &one))
		assert.Equal(t, int64(4), one.ID)

		// Cancelled context: nothing written.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		assert.ErrorIs(t, users.Insert(cctx, db, &fixture.User{Name: "late"}), context.Canceled)
		assert.ErrorIs(t, users.InsertMany(cctx, db, []fixture.User{{Name: "late"}}), context.Canceled)
		_, err = users.DeleteAll(cctx, db)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, wtCount(t, db, users.Where(sq.Eq{"name": "late"})))
	})
}

func TestBuilderMapsStructsAndWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		rwItemsSchema(t, db)
		items := query.From[rwItem]()
		note := "fragile"
		it := rwItem{Name: "lamp", Price: 30, Note: &note, Alias: sql.NullString{String: "L", Valid: true},
			Payload: []byte{0, 1, 2}, Status: "new", Ignored: "x", Computed: 7}
		require.NoError(t, items.Insert(ctx, db, &it))
		assert.NotZero(t, it.ID, "Insert fills the generated key")
		assert.False(t, it.CreatedAt.IsZero())
		assert.False(t, it.UpdatedAt.IsZero())
		s := rwOnly(t, db)
		assert.NotContains(t, s, `"computed"`, "readonly (generated) columns are not written")
		assert.NotContains(t, s, `"ignored"`)
		assert.Contains(t, s, `"name"`, "untagged fields map to snake_case")

		got, err := items.Find(ctx, db, it.ID)
		require.NoError(t, err)
		assert.Equal(t, "lamp", got.Name)
		require.NotNil(t, got.Note)
		assert.Equal(t, "fragile", *got.Note)
		assert.Equal(t, sql.NullString{String: "L", Valid: true}, got.Alias)
		assert.Equal(t, []byte{0, 1, 2}, got.Payload)
		assert.Equal(t, rwStatus("new"), got.Status)
		assert.Empty(t, got.Ignored)
		assert.Equal(t, int64(42), got.Computed, "generated columns are read")
		assert.WithinDuration(t, it.CreatedAt, got.CreatedAt, time.Second)
		raw, err := query.Pluck[string](ctx, db, items, "status")
		require.NoError(t, err)
		assert.Equal(t, []string{"st:new"}, raw, "the Valuer wrote it")

		// Update: every column, updated_at bumped, created_at kept.
		created := got.CreatedAt
		time.Sleep(5 * time.Millisecond)
		got.Price = 35
		got.Note = nil
		db.Counter.Reset()
		require.NoError(t, items.Update(ctx, db, &got))
		assert.True(t, strings.HasPrefix(rwOnly(t, db), `update "items" set`))
		after, err := items.Find(ctx, db, it.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(35), after.Price)
		assert.Nil(t, after.Note)
		assert.WithinDuration(t, created, after.CreatedAt, time.Millisecond)
		assert.True(t, after.UpdatedAt.After(created) || after.UpdatedAt.Equal(created))
		assert.True(t, !got.UpdatedAt.Before(created))

		// Update of a missing row: ErrNotFound.
		ghost := rwItem{ID: 999, Name: "ghost"}
		assert.ErrorIs(t, items.Update(ctx, db, &ghost), sqlt.ErrNotFound)

		// Save: insert when new, update when it has a key.
		n := rwItem{Name: "desk", Price: 100}
		require.NoError(t, items.Save(ctx, db, &n))
		assert.NotZero(t, n.ID)
		n.Price = 90
		db.Counter.Reset()
		require.NoError(t, items.Save(ctx, db, &n))
		assert.Equal(t, 1, rwCountPrefix(db, "update"))
		assert.Zero(t, rwCountPrefix(db, "insert"))
		d, err := items.Find(ctx, db, n.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(90), d.Price)

		// InsertMany: batched, one transaction, keys filled.
		batch := []rwItem{{Name: "a", Price: 1}, {Name: "b", Price: 2}, {Name: "c", Price: 3}}
		db.Counter.Reset()
		require.NoError(t, items.InsertMany(ctx, db, batch))
		assert.Equal(t, 1, db.Counter.Count(), "one multi-row insert: %s", db.Counter)
		for _, b := range batch {
			assert.NotZero(t, b.ID)
			assert.False(t, b.CreatedAt.IsZero())
		}
		assert.NotEqual(t, batch[0].ID, batch[1].ID)
		cnt, err := items.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(5), cnt)

		// InsertMany failing midway writes nothing.
		dup := []rwItem{{Name: "ok1"}, {ID: batch[0].ID, Name: "dup key"}}
		require.Error(t, items.InsertMany(ctx, db, dup))
		cnt2, err := items.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, cnt, cnt2)

		// Delete by key; a missing row is ErrNotFound.
		require.NoError(t, items.Delete(ctx, db, &batch[2]))
		assert.ErrorIs(t, items.Delete(ctx, db, &batch[2]), sqlt.ErrNotFound)

		// FirstOrNew / FirstOrCreate / UpdateOrCreate / FindOrNew on a plain query.
		fo, err := items.FirstOrNew(ctx, db, map[string]any{"name": "nope"}, map[string]any{"price": 5})
		require.NoError(t, err)
		assert.Zero(t, fo.ID)
		assert.Equal(t, int64(5), fo.Price)
		assert.Equal(t, "nope", fo.Name)
		fc, err := items.FirstOrCreate(ctx, db, map[string]any{"name": "chair"}, map[string]any{"price": 50})
		require.NoError(t, err)
		assert.NotZero(t, fc.ID)
		assert.False(t, fc.CreatedAt.IsZero())
		fc2, err := items.FirstOrCreate(ctx, db, map[string]any{"name": "chair"})
		require.NoError(t, err)
		assert.Equal(t, fc.ID, fc2.ID)
		uc, err := items.UpdateOrCreate(ctx, db, map[string]any{"name": "chair"}, map[string]any{"price": 55})
		require.NoError(t, err)
		assert.Equal(t, fc.ID, uc.ID)
		assert.Equal(t, int64(55), uc.Price)
		fn, err := items.FindOrNew(ctx, db, 12345)
		require.NoError(t, err)
		assert.Zero(t, fn.ID)
		fe, err := items.FindOrNew(ctx, db, fc.ID)
		require.NoError(t, err)
		assert.Equal(t, "chair", fe.Name)
	})
}

func TestWritesSetTimestamps(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		db.MustExec(t, `create table stamped (id {{pk}}, name text not null, created_at timestamp, updated_at timestamp)`)
		st := query.From[rwStamped]()
		before := time.Now().Add(-time.Second)
		s := rwStamped{Name: "a"}
		require.NoError(t, st.Insert(ctx, db, &s))
		require.NotNil(t, s.CreatedAt, "pointer timestamps are set")
		assert.True(t, s.UpdatedAt.Valid, "sql.NullTime timestamps are set")
		assert.True(t, s.CreatedAt.After(before))
		got, err := st.Find(ctx, db, s.ID)
		require.NoError(t, err)
		require.NotNil(t, got.CreatedAt)
		assert.True(t, got.CreatedAt.Equal(*s.CreatedAt), "stored exactly: %v vs %v", got.CreatedAt, s.CreatedAt)

		// An explicit created_at is kept on insert.
		fixed := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
		e := rwStamped{Name: "b", CreatedAt: &fixed}
		require.NoError(t, st.Insert(ctx, db, &e))
		got, err = st.Find(ctx, db, e.ID)
		require.NoError(t, err)
		assert.True(t, got.CreatedAt.Equal(fixed))
		assert.True(t, got.UpdatedAt.Time.After(before))

		// UpdateAll sets updated_at unless given.
		old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		_, err = st.UpdateAll(ctx, db, map[string]any{"updated_at": old})
		require.NoError(t, err)
		got, err = st.Find(ctx, db, e.ID)
		require.NoError(t, err)
		assert.True(t, got.UpdatedAt.Time.Equal(old))
		n, err := st.Where(sq.Eq{"name": "b"}).UpdateAll(ctx, db, map[string]any{"name": "bb"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		got, err = st.Find(ctx, db, e.ID)
		require.NoError(t, err)
		assert.True(t, got.UpdatedAt.Time.After(before))
		assert.True(t, got.CreatedAt.Equal(fixed), "created_at is never touched by updates")
		other, err := st.Find(ctx, db, s.ID)
		require.NoError(t, err)
		assert.True(t, other.UpdatedAt.Time.Equal(old), "only matched rows are touched")

		// Writes through a relation maintain the child's timestamps.
		ann := fixture.User{ID: 1}
		p, err := query.Related(fixture.UserPosts, &ann).Create(ctx, db, fixture.Post{Title: "stamped"})
		require.NoError(t, err)
		assert.False(t, p.CreatedAt.IsZero())
		assert.False(t, p.UpdatedAt.IsZero())
		require.NotNil(t, p.UserID)
		assert.Equal(t, int64(1), *p.UserID)
		time.Sleep(2 * time.Millisecond)
		created := p.CreatedAt
		p.Title = "restamped"
		require.NoError(t, query.Related(fixture.UserPosts, &ann).Save(ctx, db, &p))
		stored, err := query.From[fixture.Post]().Find(ctx, db, p.ID)
		require.NoError(t, err)
		assert.True(t, stored.CreatedAt.Equal(created))
		assert.True(t, stored.UpdatedAt.After(created))
	})
}

func TestEmbeddedStructsMapToColumns(t *testing.T) {
	m, err := schema.ModelFor[rwDoc]()
	require.NoError(t, err)
	cols := map[string]string{}
	for _, f := range m.Fields {
		cols[f.Column] = f.Name
	}
	assert.Len(t, cols, 4, "%v", cols)
	assert.Contains(t, cols, "id")
	assert.Contains(t, cols, "author")
	assert.Contains(t, cols, "created_at")
	f, ok := m.Column("title")
	require.True(t, ok)
	assert.Len(t, f.Index, 1, "the shallower Title wins")
	require.NotNil(t, m.PK)
	assert.Equal(t, "id", m.PK.Column)

	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table docs (id {{pk}}, title text not null, author text not null default '', created_at timestamp not null)`)
		docs := query.From[rwDoc]()
		d := rwDoc{Title: "top", hidden: "h"} // nil *RWMeta
		require.NoError(t, docs.Insert(ctx, db, &d))
		assert.NotZero(t, d.ID)
		require.NotNil(t, d.RWMeta, "setting created_at allocates the embedded pointer")
		assert.False(t, d.CreatedAt.IsZero())
		got, err := docs.Find(ctx, db, d.ID)
		require.NoError(t, err)
		assert.Equal(t, "top", got.Title)
		require.NotNil(t, got.RWMeta, "scanning allocates the embedded pointer")
		assert.Equal(t, "", got.Author)
		got.RWMeta.Author = "ann"
		require.NoError(t, docs.Save(ctx, db, &got))
		again, err := docs.Find(ctx, db, d.ID)
		require.NoError(t, err)
		assert.Equal(t, "ann", again.Author)
		assert.True(t, again.CreatedAt.Equal(d.CreatedAt))
	})
}

func TestWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		p := fixture.Post{Title: "new"}
		require.NoError(t, query.From[fixture.Post]().Insert(ctx, db, &p))
		assert.Equal(t, int64(5), p.ID)
		assert.False(t, p.CreatedAt.IsZero(), "created_at is set")
		assert.Equal(t, p.CreatedAt, p.UpdatedAt)

		p.Title = "renamed"
		require.NoError(t, query.From[fixture.Post]().Save(ctx, db, &p))
		got, err := query.From[fixture.Post]().Find(ctx, db, p.ID)
		require.NoError(t, err)
		assert.Equal(t, "renamed", got.Title)

		batch := make([]fixture.Post, 1200)
		for i := range batch {
			batch[i].Title = "bulk"
		}
		db.Counter.Reset()
		require.NoError(t, query.From[fixture.Post]().InsertMany(ctx, db, batch))
		assert.Equal(t, int64(6), batch[0].ID)
		assert.Equal(t, int64(1205), batch[1199].ID)
		assert.LessOrEqual(t, db.Counter.Count(), 2, "batched: %s", db.Counter)

		n, err := query.From[fixture.Post]().Where(sq.Eq{"title": "bulk"}).UpdateAll(ctx, db, map[string]any{"votes": 2})
		require.NoError(t, err)
		assert.Equal(t, int64(1200), n)
		_, err = query.From[fixture.Post]().UpdateAll(ctx, db, map[string]any{"votes = 0; drop table posts; --": 1})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)

		n, err = query.From[fixture.Post]().Where(sq.Eq{"title": "bulk"}).DeleteAll(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1200), n)

		require.NoError(t, query.From[fixture.Post]().Delete(ctx, db, &p))
		assert.ErrorIs(t, query.From[fixture.Post]().Delete(ctx, db, &p), sqlt.ErrNotFound)
		assert.ErrorIs(t, query.From[fixture.Post]().Insert(ctx, db, nil), sqlt.ErrNilValue)

		// A failing row leaves none of the batch behind.
		bad := []fixture.Comment{{PostID: 1, Content: "ok"}, {PostID: 999, Content: "no such post"}}
		err = query.From[fixture.Comment]().InsertMany(ctx, db, bad)
		require.Error(t, err)
		c, err := query.From[fixture.Comment]().Where(sq.Eq{"content": "ok"}).Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, c)

		u, err := query.From[fixture.User]().UpdateOrCreate(ctx, db, map[string]any{"name": "dee"}, map[string]any{})
		require.NoError(t, err)
		assert.NotZero(t, u.ID)
		u2, err := query.From[fixture.User]().FirstOrCreate(ctx, db, map[string]any{"name": "dee"})
		require.NoError(t, err)
		assert.Equal(t, u.ID, u2.ID)
	})
}

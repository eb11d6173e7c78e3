package query_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// pushStmts counts the statements of each kind run since the last reset.
func pushStmts(db *testdb.DB) (inserts, updates, others int) {
	for _, s := range wtSQL(db) {
		switch {
		case strings.HasPrefix(s, "insert"):
			inserts++
		case strings.HasPrefix(s, "update"):
			updates++
		default:
			others++
		}
	}
	return
}

func TestPushNewGraph(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		u := fixture.User{
			Name:  "dee",
			Phone: &fixture.Phone{Number: "555-0104"},
			Posts: []fixture.Post{
				{Title: "p1", Comments: []fixture.Comment{
					{Content: "c1", Images: []fixture.Image{{URL: "i1"}, {URL: "i2"}}},
					{Content: "c2"},
				}},
				{Title: "p2"},
			},
		}
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &u, fixture.UserPhone, fixture.UserPosts, fixture.PostComments, fixture.CommentImages))
		ins, upd, other := pushStmts(db)
		assert.Equal(t, 8, ins, "user, phone, 2 posts, 2 comments, 2 images: %s", db.Counter)
		assert.Zero(t, upd)
		assert.Zero(t, other)

		// Keys were generated and propagated in memory...
		require.NotZero(t, u.ID)
		assert.Equal(t, u.ID, u.Phone.UserID)
		require.NotNil(t, u.Posts[0].UserID)
		assert.Equal(t, u.ID, *u.Posts[0].UserID)
		assert.Equal(t, u.ID, *u.Posts[1].UserID)
		assert.False(t, u.Posts[0].CreatedAt.IsZero())
		c1 := u.Posts[0].Comments[0]
		assert.Equal(t, u.Posts[0].ID, c1.PostID)
		assert.Equal(t, c1.ID, c1.Images[1].CommentID)

		// ... and in the database.
		phone, err := query.GetOne(ctx, db, fixture.UserPhone, &u)
		require.NoError(t, err)
		assert.Equal(t, "555-0104", phone.Number)
		posts, err := query.Related(fixture.UserPosts, &u).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 2)
		assert.Equal(t, "p1", posts[0].Title)
		comments, err := query.GetMany(ctx, db, fixture.PostComments, &posts[0])
		require.NoError(t, err)
		assert.Len(t, comments, 2)
		images, err := query.GetMany(ctx, db, fixture.CommentImages, &c1)
		require.NoError(t, err)
		assert.Len(t, images, 2)
	})
}

func TestPushUpdatesLoadedModels(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		post, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		post.Comments, err = query.GetMany(ctx, db, fixture.PostComments, &post)
		require.NoError(t, err)
		require.Len(t, post.Comments, 3)
		for i := range post.Comments {
			post.Comments[i].Images, err = query.GetMany(ctx, db, fixture.CommentImages, &post.Comments[i])
			require.NoError(t, err)
		}
		post.Title = "hello, edited"
		post.Comments[0].Content = "code is still fun"
		post.Comments[0].Images[1].URL = "b2.png"
		post.Comments = append(post.Comments, fixture.Comment{Content: "added"})

		db.Counter.Reset()
		require.NoError(t, query.PushPaths(ctx, db, &post, mustChain(t, fixture.PostComments, fixture.CommentImages)))
		ins, upd, _ := pushStmts(db)
		assert.Equal(t, 1+3+2, upd, "post, 3 comments, 2 images: every model reached is written")
		assert.Equal(t, 1, ins, "the new comment")

		stored, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "hello, edited", stored.Title)
		c, err := query.From[fixture.Comment]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "code is still fun", c.Content)
		img, err := query.From[fixture.Image]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, "b2.png", img.URL)
		added := post.Comments[3]
		assert.NotZero(t, added.ID)
		assert.Equal(t, int64(1), added.PostID)
		n, err := query.Related(fixture.PostComments, &post).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)

		// String paths through the registry do the same.
		path, err := rel.ParsePath(reflect.TypeFor[fixture.Post](), "comments.images")
		require.NoError(t, err)
		post.Comments[0].Images[0].URL = "a2.png"
		require.NoError(t, query.PushPaths(ctx, db, &post, path))
		img, err = query.From[fixture.Image]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "a2.png", img.URL)
	})
}

func mustChain(t *testing.T, rels ...rel.Relation) rel.Path {
	t.Helper()
	p, err := rel.ChainOf(rels...)
	require.NoError(t, err)
	return p
}

func TestPushBelongsTo(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		// The owner is saved first, then the child's foreign key is set.
		post := fixture.Post{Title: "by a newcomer", Author: &fixture.User{Name: "eve"}}
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &post, fixture.PostAuthor))
		sqls := wtSQL(db)
		require.Len(t, sqls, 2)
		assert.True(t, strings.HasPrefix(sqls[0], `insert into "users"`))
		assert.True(t, strings.HasPrefix(sqls[1], `insert into "posts"`))
		require.NotNil(t, post.UserID)
		assert.Equal(t, post.Author.ID, *post.UserID)
		author, err := query.GetOne(ctx, db, fixture.PostAuthor, &post)
		require.NoError(t, err)
		assert.Equal(t, "eve", author.Name)

		// An existing owner: re-pointing the child at it.
		bob, err := query.From[fixture.User]().Find(ctx, db, 2)
		require.NoError(t, err)
		post.Author = &bob
		require.NoError(t, query.Push(ctx, db, &post, fixture.PostAuthor))
		assert.Equal(t, int64(2), *post.UserID)
		stored, err := query.From[fixture.Post]().Find(ctx, db, post.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), *stored.UserID)

		// A nil owner is skipped: the key is left as it is.
		post.Author = nil
		post.Title = "still bob's"
		require.NoError(t, query.Push(ctx, db, &post, fixture.PostAuthor))
		stored, err = query.From[fixture.Post]().Find(ctx, db, post.ID)
		require.NoError(t, err)
		assert.Equal(t, "still bob's", stored.Title)
		assert.Equal(t, int64(2), *stored.UserID)

		// Custom owner key: the note gets the article's slug.
		wtSeed(t, db)
		note := wtNote{Body: "about news", Article: &wtArticle{Slug: "news", Title: "News"}}
		require.NoError(t, query.Push(ctx, db, &note, wtNoteArticle))
		require.NotNil(t, note.ArticleSlug)
		assert.Equal(t, "news", *note.ArticleSlug)
		art, err := query.GetOne(ctx, db, wtNoteArticle, &note)
		require.NoError(t, err)
		assert.Equal(t, note.Article.ID, art.ID)
	})
}

func TestPushCustomKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		wtSeed(t, db)

		// hasOne with a custom local key: the handset gets the member's ref.
		m := wtMember{Ref: "m-dee", Name: "dee", Handset: &wtHandset{Number: "444"}}
		require.NoError(t, query.Push(ctx, db, &m, wtMemberHandset))
		assert.Equal(t, "m-dee", m.Handset.OwnerRef)
		h, err := query.GetOne(ctx, db, wtMemberHandset, &m)
		require.NoError(t, err)
		assert.Equal(t, "444", h.Number)

		// hasMany with a custom local key, and a cycle back to the parent
		// through the inverse relation: each model is saved once.
		a := wtArticle{Slug: "howto", Title: "How to"}
		a.Notes = []wtNote{{Body: "n1", Article: &a}, {Body: "n2", Article: &a}}
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &a, wtArticleNotes, wtNoteArticle))
		ins, upd, _ := pushStmts(db)
		assert.Equal(t, 3, ins, db.Counter)
		assert.Zero(t, upd)
		for _, n := range a.Notes {
			assert.Equal(t, "howto", *n.ArticleSlug)
		}
		notes, err := query.GetMany(ctx, db, wtArticleNotes, &a)
		require.NoError(t, err)
		assert.Len(t, notes, 2)

		// belongsToMany: the related models are saved, not attached.
		ann, err := query.From[wtMember]().Find(ctx, db, 1)
		require.NoError(t, err)
		ann.Teams, err = query.GetMany(ctx, db, wtMemberTeams, &ann)
		require.NoError(t, err)
		require.Len(t, ann.Teams, 1)
		ann.Teams[0].Name = "crimson"
		ann.Teams = append(ann.Teams, wtTeam{Name: "gold"})
		require.NoError(t, query.Push(ctx, db, &ann, wtMemberTeams))
		assert.NotZero(t, ann.Teams[1].ID)
		teams, err := query.GetMany(ctx, db, wtMemberTeams, &ann)
		require.NoError(t, err)
		require.Len(t, teams, 1, "gold is saved but not attached: that is package pivot's job")
		assert.Equal(t, "crimson", teams[0].Name)
		assert.Equal(t, int64(1), wtCount(t, db, query.From[wtTeam]().Where(sq.Eq{"name": "gold"})))
	})
}

// pushNode and pushEdge make a graph with pointer cycles.
type pushNode struct {
	ID    int64       `db:"id"`
	Label string      `db:"label"`
	Out   []*pushEdge `db:"-"`
}

func (pushNode) TableName() string { return "push_nodes" }

type pushEdge struct {
	ID         int64     `db:"id"`
	PushNodeID int64     `db:"push_node_id"`
	TargetID   *int64    `db:"target_id"`
	Target     *pushNode `db:"-"`
}

func (pushEdge) TableName() string { return "push_edges" }

var (
	pushNodeOut    = rel.HasMany[pushNode, pushEdge]()
	pushEdgeTarget = rel.BelongsTo[pushEdge, pushNode]("target_id")
)

func TestPushCycles(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		// User ↔ phone, both directions loaded.
		u := fixture.User{Name: "fay"}
		u.Phone = &fixture.Phone{Number: "555-0105", User: &u}
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &u, fixture.UserPhone, fixture.PhoneUser))
		ins, upd, _ := pushStmts(db)
		assert.Equal(t, 2, ins, db.Counter)
		assert.Zero(t, upd)
		assert.Equal(t, u.ID, u.Phone.UserID)

		// Start from the phone instead: the user is saved first (belongsTo),
		// then its hasOne phone is the phone being pushed: not saved twice.
		p := fixture.Phone{Number: "555-0106"}
		g := fixture.User{Name: "gus", Phone: &p}
		p.User = &g
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &p, fixture.PhoneUser, fixture.UserPhone))
		ins, upd, _ = pushStmts(db)
		assert.Equal(t, 2, ins, db.Counter)
		assert.Zero(t, upd)
		assert.Equal(t, g.ID, p.UserID)

		// A graph: a → b → c → a, and a → a; a diamond reaches c twice.
		db.MustExec(t,
			`create table push_nodes (id {{pk}}, label text not null)`,
			`create table push_edges (id {{pk}}, push_node_id bigint not null references push_nodes(id), target_id bigint references push_nodes(id))`,
		)
		a, b, c := &pushNode{Label: "a"}, &pushNode{Label: "b"}, &pushNode{Label: "c"}
		a.Out = []*pushEdge{{Target: b}, {Target: a}, nil, {Target: c}}
		b.Out = []*pushEdge{{Target: c}}
		c.Out = []*pushEdge{{Target: a}}
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, a, pushNodeOut, pushEdgeTarget))
		ins, upd, _ = pushStmts(db)
		assert.Equal(t, 3+5, ins, "3 nodes and 5 edges, each once: %s", db.Counter)
		assert.Zero(t, upd)
		assert.Equal(t, a.ID, *a.Out[1].TargetID, "a self-loop gets a's key")
		assert.Equal(t, b.ID, *a.Out[0].TargetID)
		assert.Equal(t, a.ID, *c.Out[0].TargetID)
		assert.Equal(t, b.ID, b.Out[0].PushNodeID)
		assert.Equal(t, c.ID, *b.Out[0].TargetID)
		n, err := query.From[pushEdge]().Where(sq.Eq{"target_id": a.ID}).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
	})
}

func TestPushSkipsNil(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		// Nil to-one, nil slice, empty slice: only the root is written.
		u := fixture.User{Name: "hal"}
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &u, fixture.UserPhone, fixture.UserPosts, fixture.UserRoles, fixture.PostAuthor))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.NotZero(t, u.ID)

		// A zero value in a C (not *C) destination counts as not loaded.
		type holder struct {
			ID    int64         `db:"id"`
			Phone fixture.Phone `db:"-"`
		}
		db.MustExec(t, `create table holders (id {{pk}})`)
		hp := rel.HasOne[holder, fixture.Phone]("user_id")
		h := holder{}
		require.NoError(t, query.Push(ctx, db, &h, hp))
		assert.NotZero(t, h.ID)
		assert.Equal(t, int64(2), wtCount(t, db, query.From[fixture.Phone]()), "no phone was inserted")
	})
}

func TestPushFailureLeavesNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		wtSeed(t, db)

		// The last model breaks a unique constraint (role "admin" exists).
		users := wtCount(t, db, query.From[fixture.User]())
		roles := wtCount(t, db, query.From[fixture.Role]())
		u := fixture.User{
			Name:  "ivy",
			Posts: []fixture.Post{{Title: "ivy's"}},
			Roles: []fixture.Role{{Name: "fresh"}, {Name: "admin"}},
		}
		err := query.Push(ctx, db, &u, fixture.UserPosts, fixture.UserRoles)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "push User")
		assert.Equal(t, users, wtCount(t, db, query.From[fixture.User]()))
		assert.Equal(t, roles, wtCount(t, db, query.From[fixture.Role]()))
		assert.Zero(t, wtCount(t, db, query.From[fixture.Post]().Where(sq.Eq{"title": "ivy's"})))
		// The models are as they were: no key of a row that does not exist.
		assert.Zero(t, u.ID)
		assert.Zero(t, u.Posts[0].ID)
		assert.Nil(t, u.Posts[0].UserID)
		assert.True(t, u.Posts[0].CreatedAt.IsZero())
		assert.Zero(t, u.Roles[0].ID)
		// Fixing the input and pushing again works.
		u.Roles[1].Name = "auditor"
		require.NoError(t, query.Push(ctx, db, &u, fixture.UserPosts, fixture.UserRoles))
		assert.NotZero(t, u.Roles[1].ID)
		assert.Equal(t, users+1, wtCount(t, db, query.From[fixture.User]()))

		// Updates are rolled back too: the last note breaks votes >= 0.
		intro, err := query.From[wtArticle]().Find(ctx, db, 1)
		require.NoError(t, err)
		intro.Notes, err = query.GetMany(ctx, db, wtArticleNotes, &intro)
		require.NoError(t, err)
		intro.Title = "Intro, edited"
		intro.Notes[0].Body = "first, edited"
		intro.Notes = append(intro.Notes, wtNote{Body: "ok"}, wtNote{Body: "bad", Votes: -1})
		err = query.Push(ctx, db, &intro, wtArticleNotes)
		require.Error(t, err)
		stored, err := query.From[wtArticle]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "Intro", stored.Title)
		n1, err := query.From[wtNote]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "first", n1.Body)
		assert.Equal(t, int64(2), wtCount(t, db, query.Related(wtArticleNotes, &intro)))
		assert.Zero(t, intro.Notes[2].ID)
		assert.Nil(t, intro.Notes[2].ArticleSlug)

		// Inside the caller's transaction Push is a savepoint.
		var inner error
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if err := query.Push(ctx, tx, &fixture.User{Name: "kept"}); err != nil {
				return err
			}
			inner = query.Push(ctx, tx, &fixture.User{Name: "gone", Roles: []fixture.Role{{Name: "admin"}}}, fixture.UserRoles)
			return nil
		})
		require.NoError(t, err)
		require.Error(t, inner)
		assert.Equal(t, int64(1), wtCount(t, db, query.From[fixture.User]().Where(sq.Eq{"name": "kept"})))
		assert.Zero(t, wtCount(t, db, query.From[fixture.User]().Where(sq.Eq{"name": "gone"})))
	})
}

func TestPushBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		users := func() int64 { return wtCount(t, db, query.From[fixture.User]()) }
		before := users()
		u := fixture.User{Name: "jo", Posts: []fixture.Post{{Title: "jo's", Comments: []fixture.Comment{{Content: "c"}}}}}

		db.Counter.Reset()
		assert.ErrorIs(t, query.Push[fixture.User](ctx, db, nil), sqlt.ErrNilValue)
		assert.ErrorIs(t, query.Push(ctx, nil, &u), sqlt.ErrNilValue)
		assert.ErrorIs(t, query.Push(ctx, db, &u, nil), sqlt.ErrNilValue)

		// A relation nothing given leads to.
		err := query.Push(ctx, db, &u, fixture.PostComments)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		assert.Contains(t, err.Error(), "from User to Post")
		err = query.Push(ctx, db, &u, fixture.UserPosts, fixture.CommentImages)
		assert.ErrorIs(t, err, query.ErrBadArgument)

		// Broken relations and missing destinations.
		err = query.Push(ctx, db, &u, rel.HasMany[fixture.User, fixture.Post]("x; drop table y"))
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		err = query.Push(ctx, db, &u, rel.HasMany[fixture.User, fixture.Comment]("post_id"))
		assert.ErrorIs(t, err, rel.ErrNoDestination)
		var zero rel.HasManyRelation[fixture.User, fixture.Post]
		err = query.Push(ctx, db, &u, zero)
		assert.ErrorIs(t, err, rel.ErrBadRelation)

		// Paths must start at the model's type.
		err = query.PushPaths(ctx, db, &u, mustChain(t, fixture.PostComments))
		assert.ErrorIs(t, err, query.ErrBadArgument)
		err = query.PushPaths(ctx, db, &u, rel.Path{})
		assert.ErrorIs(t, err, query.ErrBadArgument)

		// A type that is not a model, and a pointer too many.
		n := 3
		assert.ErrorIs(t, query.Push(ctx, db, &n), sqlt.ErrNotStruct)
		up := &u
		assert.ErrorIs(t, query.Push(ctx, db, &up, fixture.UserPosts), query.ErrBadArgument)

		assert.Zero(t, db.Counter.Count(), "nothing ran: %s", db.Counter)

		// Cancelled context.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err = query.Push(cctx, db, &u, fixture.UserPosts, fixture.PostComments)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, before, users())
		assert.Zero(t, u.ID)
		assert.Zero(t, u.Posts[0].Comments[0].PostID)

		// Keys of mismatched types are caught at declaration.
		type strComment struct {
			ID     int64  `db:"id"`
			PostID string `db:"str_post_id"`
		}
		type strPost struct {
			ID       int64        `db:"id"`
			Comments []strComment `db:"-"`
		}
		err = query.Push(ctx, db, &strPost{}, rel.HasMany[strPost, strComment]())
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		assert.Equal(t, before, users())
	})
}

func TestPushSavesTheModelAndItsLoadedRelations(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		post, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, &post, load.Nested(fixture.PostComments, fixture.CommentImages)))
		require.Len(t, post.Comments, 3)
		var c1 *fixture.Comment
		for i := range post.Comments {
			if post.Comments[i].ID == 1 {
				c1 = &post.Comments[i]
			}
		}
		require.NotNil(t, c1)
		require.Len(t, c1.Images, 2)
		post.Title = "pushed"
		c1.Content = "Message"
		c1.Images[0].URL = "z.png"

		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &post, fixture.PostComments, fixture.CommentImages))
		assert.Zero(t, rwCountPrefix(db, "insert"))
		assert.GreaterOrEqual(t, rwCountPrefix(db, "update"), 3)

		got, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "pushed", got.Title)
		cm, err := query.From[fixture.Comment]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "Message", cm.Content)
		img, err := query.From[fixture.Image]().Find(ctx, db, c1.Images[0].ID)
		require.NoError(t, err)
		assert.Equal(t, "z.png", img.URL)
		other, err := query.From[fixture.Comment]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, "nice", other.Content, "clean models keep their values")

		// post.comments[0].author.name = … ; push() also saves
		// belongsTo owners loaded on the children.
		p2, err := query.From[fixture.Post]().Find(ctx, db, 2)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, &p2, load.Nested(fixture.PostComments, fixture.CommentPost)))
		require.Len(t, p2.Comments, 1)
		require.NotNil(t, p2.Comments[0].Post)
		p2.Comments[0].Content = "edited"
		p2.Comments[0].Post.Votes = 99
		require.NoError(t, query.Push(ctx, db, &p2, fixture.PostComments, fixture.CommentPost))
		cm, err = query.From[fixture.Comment]().Find(ctx, db, 4)
		require.NoError(t, err)
		assert.Equal(t, "edited", cm.Content)
		got, err = query.From[fixture.Post]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(99), got.Votes)

		// null relations are skipped.
		orphan, err := query.From[fixture.Post]().Find(ctx, db, 4)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, &orphan, fixture.PostAuthor))
		require.Nil(t, orphan.Author)
		orphan.Title = "still orphan"
		db.Counter.Reset()
		require.NoError(t, query.Push(ctx, db, &orphan, fixture.PostAuthor, fixture.PostComments))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		got, err = query.From[fixture.Post]().Find(ctx, db, 4)
		require.NoError(t, err)
		assert.Equal(t, "still orphan", got.Title)
		assert.Nil(t, got.UserID)

		// A new child pushed under a saved parent is inserted with the fk.
		p3, err := query.From[fixture.Post]().Find(ctx, db, 3)
		require.NoError(t, err)
		p3.Comments = []fixture.Comment{{Content: "pushed child"}}
		require.NoError(t, query.Push(ctx, db, &p3, fixture.PostComments))
		assert.NotZero(t, p3.Comments[0].ID)
		assert.Equal(t, int64(3), p3.Comments[0].PostID)
	})
}

func TestFailedPushRollsBackEverything(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		db.MustExec(t, `create unique index images_url on images (url)`)
		post, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, &post, load.Nested(fixture.PostComments, fixture.CommentImages)))
		post.Title = "should not stick"
		for i := range post.Comments {
			post.Comments[i].Content = "nor this"
			if post.Comments[i].ID == 1 {
				post.Comments[i].Images = append(post.Comments[i].Images, fixture.Image{URL: "c.png"}) // duplicate url
			}
		}
		err = query.Push(ctx, db, &post, fixture.PostComments, fixture.CommentImages)
		require.Error(t, err)
		got, err := query.From[fixture.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "hello", got.Title)
		cs, err := query.GetMany(ctx, db, fixture.PostComments, &got)
		require.NoError(t, err)
		for _, c := range cs {
			assert.NotEqual(t, "nor this", c.Content)
		}
		n, err := query.From[fixture.Image]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
	})
}

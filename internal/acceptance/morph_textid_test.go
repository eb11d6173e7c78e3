package acceptance_test

// A polymorphic id column of type text (CONTRACT-ELOQUENT §17, edge
// cases): Laravel apps declare $table->string('commentable_id') so that
// integer-keyed and string-keyed parents share it. On PostgreSQL every
// statement comparing that column with integer keys must bind them, or
// cast the integer column it is joined with, as text; SQLite compares
// with type affinity and must behave the same.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	mo "github.com/relkit/relkit/internal/fixture/morph"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type txPost struct {
	ID       int64       `db:"id"`
	Title    string      `db:"title"`
	Comments []txComment `db:"-"`
	Tags     []txTag     `db:"-"`

	CommentsCount int64 `db:"comments_count,readonly"`
	TagsCount     int64 `db:"tags_count,readonly"`
}

func (txPost) TableName() string  { return "tx_posts" }
func (txPost) MorphClass() string { return "txpost" }

// txDoc has a string (uuid) key.
type txDoc struct {
	ID       string      `db:"id"`
	Title    string      `db:"title"`
	Comments []txComment `db:"-"`
}

func (txDoc) TableName() string  { return "tx_docs" }
func (txDoc) MorphClass() string { return "txdoc" }

// txComment maps the text id column as a string.
type txComment struct {
	ID              int64   `db:"id"`
	CommentableType string  `db:"commentable_type"`
	CommentableID   string  `db:"commentable_id"`
	Body            string  `db:"body"`
	Post            *txPost `db:"-"`
	Doc             *txDoc  `db:"-"`
}

func (txComment) TableName() string { return "tx_comments" }

type txTag struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Posts []txPost       `db:"-"`
	Pivot map[string]any `db:"-"`
}

func (txTag) TableName() string { return "tx_tags" }

var (
	txPostComments = rel.MorphMany[txPost, txComment]("commentable")
	txDocComments  = rel.MorphMany[txDoc, txComment]("commentable")
	txPostTags     = rel.MorphToMany[txPost, txTag]("taggable", "tx_taggables", "", "tag_id").IDText()
	txTagPosts     = rel.MorphedByMany[txTag, txPost]("taggable", "tx_taggables", "tag_id").IDText()
	txCommentable  = rel.MorphTo[txComment]("commentable", rel.Target[txPost](), rel.Target[txDoc]())
)

const txDocID = "0b6e7f0a-8f43-4a2e-9d51-3c1b2a4d5e6f"

// txSeed: posts 1, 2, 3; doc txDocID; comments 1 post 1 "p1a", 2 post 1
// "p1b", 3 post 2 "p2a", 4 doc "d1", 5 post "abc" (a bad id), 6 post "9"
// (dangling); tags 1 go, 2 sql; taggables post 1: go, sql; post 2: sql.
func txSeed(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table tx_posts (id {{pk}}, title text not null)`,
		`create table tx_docs (id varchar(36) primary key, title text not null)`,
		`create table tx_comments (id {{pk}}, commentable_type varchar(255) not null, commentable_id varchar(255) not null, body text not null)`,
		`create table tx_tags (id {{pk}}, name text not null)`,
		`create table tx_taggables (tag_id bigint not null references tx_tags(id), taggable_id varchar(255) not null, taggable_type varchar(255) not null)`,
		`insert into tx_posts (title) values ('one'), ('two'), ('three')`,
		`insert into tx_docs (id, title) values ('`+txDocID+`', 'doc')`,
		`insert into tx_comments (commentable_type, commentable_id, body) values
			('txpost', '1', 'p1a'), ('txpost', '1', 'p1b'), ('txpost', '2', 'p2a'), ('txdoc', '`+txDocID+`', 'd1'),
			('txpost', 'abc', 'bad'), ('txpost', '9', 'dangling')`,
		`insert into tx_tags (name) values ('go'), ('sql')`,
		`insert into tx_taggables (tag_id, taggable_id, taggable_type) values (1, '1', 'txpost'), (2, '1', 'txpost'), (2, '2', 'txpost')`,
	)
}

func txBodies(cs []txComment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Body
	}
	sort.Strings(out)
	return out
}

func txTagNames(ts []txTag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	sort.Strings(out)
	return out
}

func TestMorphTextIDOneOrMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		txSeed(t, db)

		got, err := query.GetMany(ctx, db, txPostComments, &txPost{ID: 1})
		require.NoError(t, err, "lazy read")
		assert.Equal(t, []string{"p1a", "p1b"}, txBodies(got))
		docs, err := query.GetMany(ctx, db, txDocComments, &txDoc{ID: txDocID})
		require.NoError(t, err, "string-keyed parent")
		assert.Equal(t, []string{"d1"}, txBodies(docs))

		posts := []txPost{{ID: 1}, {ID: 2}, {ID: 3}}
		require.NoError(t, load.With(ctx, db, posts, txPostComments), "eager load")
		assert.Equal(t, []string{"p1a", "p1b"}, txBodies(posts[0].Comments))
		assert.Equal(t, []string{"p2a"}, txBodies(posts[1].Comments))
		assert.Empty(t, posts[2].Comments)

		ps, err := query.From[txPost]().Where(query.Has(txPostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err, "existence")
		require.Len(t, ps, 2)
		assert.Equal(t, []int64{1, 2}, []int64{ps[0].ID, ps[1].ID})
		ps, err = query.From[txPost]().Where(query.Has(txPostComments, ">=", 2)).Get(ctx, db)
		require.NoError(t, err, "existence with a count")
		require.Len(t, ps, 1)
		assert.Equal(t, int64(1), ps[0].ID)
		ps, err = query.From[txPost]().Apply(agg.WithCount(txPostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err, "aggregate")
		require.Len(t, ps, 3)
		assert.Equal(t, []int64{2, 1, 0}, []int64{ps[0].CommentsCount, ps[1].CommentsCount, ps[2].CommentsCount})
		posts = []txPost{{ID: 1}, {ID: 3}}
		require.NoError(t, agg.LoadCount(ctx, db, posts, txPostComments), "aggregate of loaded parents")
		assert.Equal(t, []int64{2, 0}, []int64{posts[0].CommentsCount, posts[1].CommentsCount})

		// Writes set the id in its text form.
		c, err := query.Related(txPostComments, &txPost{ID: 3}).Create(ctx, db, txComment{Body: "p3a"})
		require.NoError(t, err, "create through the relation")
		assert.Equal(t, "3", c.CommentableID)
		assert.Equal(t, "txpost", c.CommentableType)
		got, err = query.GetMany(ctx, db, txPostComments, &txPost{ID: 3})
		require.NoError(t, err)
		assert.Equal(t, []string{"p3a"}, txBodies(got))
	})
}

func TestMorphTextIDPivot(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		txSeed(t, db)
		p1, p2, p3 := &txPost{ID: 1}, &txPost{ID: 2}, &txPost{ID: 3}

		tags, err := query.GetMany(ctx, db, txPostTags, p1)
		require.NoError(t, err, "lazy read")
		assert.Equal(t, []string{"go", "sql"}, txTagNames(tags))
		posts := []txPost{{ID: 1}, {ID: 2}, {ID: 3}}
		require.NoError(t, load.With(ctx, db, posts, txPostTags), "eager load")
		assert.Equal(t, []string{"go", "sql"}, txTagNames(posts[0].Tags))
		assert.Equal(t, []string{"sql"}, txTagNames(posts[1].Tags))
		assert.Empty(t, posts[2].Tags)
		ps, err := query.From[txPost]().Where(query.Has(txPostTags, ">=", 2)).Get(ctx, db)
		require.NoError(t, err, "existence")
		require.Len(t, ps, 1)
		ps, err = query.From[txPost]().Apply(agg.WithCount(txPostTags)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err, "aggregate")
		assert.Equal(t, []int64{2, 1, 0}, []int64{ps[0].TagsCount, ps[1].TagsCount, ps[2].TagsCount})

		// morphedByMany: the related key is compared with the text column.
		sqlTag := []txTag{{ID: 2}, {ID: 1}}
		require.NoError(t, load.With(ctx, db, sqlTag, txTagPosts), "inverse eager load")
		require.Len(t, sqlTag[0].Posts, 2)
		require.Len(t, sqlTag[1].Posts, 1)
		tps, err := query.GetMany(ctx, db, txTagPosts, &txTag{ID: 2})
		require.NoError(t, err, "inverse lazy read")
		assert.Len(t, tps, 2)
		used, err := query.From[txTag]().Where(query.Has(txTagPosts, ">=", 2)).Get(ctx, db)
		require.NoError(t, err, "inverse existence")
		require.Len(t, used, 1)
		assert.Equal(t, "sql", used[0].Name)

		// Writes.
		require.NoError(t, pivot.Attach(ctx, db, txPostTags, p3, []int64{1}), "attach")
		n, err := pivot.Detach(ctx, db, txPostTags, p1, []int64{1})
		require.NoError(t, err, "detach")
		assert.Equal(t, int64(1), n)
		ch, err := pivot.Sync(ctx, db, txPostTags, p2, []int64{1, 2})
		require.NoError(t, err, "sync")
		assert.Len(t, ch.Attached, 1)
		_, err = pivot.Toggle(ctx, db, txPostTags, p3, []int64{1, 2})
		require.NoError(t, err, "toggle")
		_, err = pivot.UpdateExistingPivot(ctx, db, txPostTags, p3, int64(2), map[string]any{})
		require.NoError(t, err, "update existing pivot")
		chs, err := pivot.SyncMany(ctx, db, txPostTags, []*txPost{p1, p2, p3}, func(p *txPost) any {
			return map[int64][]int64{1: {1}, 2: {2}, 3: {1, 2}}[p.ID]
		})
		require.NoError(t, err, "sync many")
		require.Len(t, chs, 3)
		require.NoError(t, pivot.Attach(ctx, db, txTagPosts, &txTag{ID: 1}, []int64{2}), "inverse attach")
		posts = []txPost{{ID: 1}, {ID: 2}, {ID: 3}}
		require.NoError(t, load.With(ctx, db, posts, txPostTags))
		assert.Equal(t, []string{"go"}, txTagNames(posts[0].Tags))
		assert.Equal(t, []string{"go", "sql"}, txTagNames(posts[1].Tags), "synced, then attached from the tag")
		assert.Equal(t, []string{"go", "sql"}, txTagNames(posts[2].Tags))
		n, err = pivot.DetachAll(ctx, db, txPostTags, p3)
		require.NoError(t, err, "detach all")
		assert.Equal(t, int64(2), n)
	})
}

func TestMorphTextIDMorphTo(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		txSeed(t, db)
		cs, err := query.From[txComment]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, cs, 6)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, txCommentable), "eager load")
		assert.Equal(t, 2, db.Counter.Count(), "one statement per type")
		for i, want := range []int64{1, 1, 2} {
			require.NotNil(t, cs[i].Post, cs[i].Body)
			assert.Equal(t, want, cs[i].Post.ID)
		}
		require.NotNil(t, cs[3].Doc)
		assert.Equal(t, "doc", cs[3].Doc.Title)
		assert.Nil(t, cs[4].Post, "a non-numeric id for an integer-keyed target is missing")
		assert.Nil(t, cs[5].Post, "dangling")

		got, err := query.GetMorph(ctx, db, txCommentable, &cs[2])
		require.NoError(t, err, "lazy")
		require.IsType(t, &txPost{}, got)
		assert.Equal(t, int64(2), got.(*txPost).ID)
		got, err = query.GetMorph(ctx, db, txCommentable, &cs[4])
		require.NoError(t, err, "lazy, a non-numeric id")
		assert.Nil(t, got)

		rp, err := query.RelatedMorph[txPost](txCommentable, &cs[0]).Get(ctx, db)
		require.NoError(t, err, "related morph")
		require.Len(t, rp, 1)
		assert.Equal(t, int64(1), rp[0].ID)
		rp, err = query.RelatedMorph[txPost](txCommentable, &cs[4]).Get(ctx, db)
		require.NoError(t, err, "related morph, a non-numeric id")
		assert.Empty(t, rp)

		mine, err := query.From[txComment]().Where(query.WhereMorphedTo(txCommentable, &txPost{ID: 1})).Get(ctx, db)
		require.NoError(t, err, "whereMorphedTo")
		assert.Equal(t, []string{"p1a", "p1b"}, txBodies(mine))
		withPost, err := query.From[txComment]().Where(query.WhereHasMorph(txCommentable, query.On[txPost](nil))).Get(ctx, db)
		require.NoError(t, err, "whereHasMorph")
		assert.Equal(t, []string{"p1a", "p1b", "p2a"}, txBodies(withPost))

		var c txComment
		require.NoError(t, rel.AssociateMorph(txCommentable, &c, &txPost{ID: 3}))
		assert.Equal(t, "3", c.CommentableID, "associate writes the id as text")
		assert.Equal(t, "txpost", c.CommentableType)
		require.NoError(t, rel.AssociateMorph(txCommentable, &c, &txDoc{ID: txDocID}))
		assert.Equal(t, txDocID, c.CommentableID)
	})
}

// The SQL of relations with a text id column, pinned in
// testdata/golden/morph_textid_<database>.sql (see TestRelationSQLGolden):
// the casts and the text[] arrays.
func TestMorphTextIDSQLGolden(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		txSeed(t, db)
		posts := func() []txPost { return []txPost{{ID: 1}, {ID: 2}} }
		checkGolden(t, db, "morph_textid_"+db.Name, []goldenCase{
			{"related morphMany", func() error { _, err := query.GetMany(ctx, db, txPostComments, &txPost{ID: 1}); return err }},
			{"eager morphMany", func() error { return load.With(ctx, db, posts(), txPostComments) }},
			{"has morphMany", func() error {
				_, err := query.From[txPost]().Where(query.Has(txPostComments)).Get(ctx, db)
				return err
			}},
			{"aggregate morphMany count", func() error {
				_, err := query.From[txPost]().Apply(agg.WithCount(txPostComments)).Get(ctx, db)
				return err
			}},
			{"deferred morphMany count", func() error { return agg.LoadCount(ctx, db, posts(), txPostComments) }},
			{"eager morphToMany", func() error { return load.With(ctx, db, posts(), txPostTags) }},
			{"has morphToMany", func() error {
				_, err := query.From[txPost]().Where(query.Has(txPostTags)).Get(ctx, db)
				return err
			}},
			{"related morphedByMany", func() error { _, err := query.GetMany(ctx, db, txTagPosts, &txTag{ID: 2}); return err }},
			{"morphToMany sync many", func() error {
				_, err := pivot.SyncMany(ctx, db, txPostTags, []*txPost{{ID: 1}, {ID: 2}}, func(*txPost) any { return []int64{} }) // detaches from both: the pairs term
				return err
			}},
			{"morphedByMany sync many", func() error {
				_, err := pivot.SyncMany(ctx, db, txTagPosts, []*txTag{{ID: 1}, {ID: 2}}, func(*txTag) any { return []int64{1, 2} })
				return err
			}},
			{"eager morphTo", func() error {
				cs := []txComment{{CommentableType: "txpost", CommentableID: "2"}, {CommentableType: "txpost", CommentableID: "abc"},
					{CommentableType: "txdoc", CommentableID: txDocID}}
				return load.With(ctx, db, cs, txCommentable)
			}},
			{"whereHasMorph", func() error {
				_, err := query.From[txComment]().Where(query.WhereHasMorph(txCommentable, query.On[txPost](nil))).Get(ctx, db)
				return err
			}},
			{"whereMorphedTo", func() error {
				_, err := query.From[txComment]().Where(query.WhereMorphedTo(txCommentable, &txPost{ID: 1})).Get(ctx, db)
				return err
			}},
		})
	})
}

// lockArgs records the arguments of PostgreSQL's pivot advisory locks.
type lockArgs struct{ keys []string }

func (l *lockArgs) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (l *lockArgs) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	if strings.Contains(q.SQL, "pg_advisory_xact_lock") {
		l.keys = append(l.keys, fmt.Sprint(q.Args...))
	}
}

// The advisory lock of a morphToMany's pivot rows is the type's: post 1
// and video 1 (same table, same key column, same id) take two locks.
func TestMorphToManyPivotLockHasTheType(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		mo.Seed(t, db)
		l := &lockArgs{}
		ex := db.DB.WithHook(l)
		require.NoError(t, pivot.Attach(ctx, ex, mo.PostTags, &mo.Post{ID: 1}, []int64{3}))
		require.NoError(t, pivot.Attach(ctx, ex, mo.VideoTags, &mo.Video{ID: 1}, []int64{2}))
		_, err := pivot.SyncMany(ctx, ex, mo.VideoTags, []*mo.Video{{ID: 1}, {ID: 2}}, func(*mo.Video) any { return []int64{1} })
		require.NoError(t, err)
		if db.Name != "postgres" {
			assert.Empty(t, l.keys, "SQLite takes no advisory lock")
			return
		}
		require.Len(t, l.keys, 3)
		assert.Equal(t, `relkit.pivot taggables taggable_id taggable_type="post" 1`, l.keys[0])
		assert.Equal(t, `relkit.pivot taggables taggable_id taggable_type="video" 1`, l.keys[1])
		assert.Equal(t, `[relkit.pivot taggables taggable_id taggable_type="video" 1 relkit.pivot taggables taggable_id taggable_type="video" 2]`, l.keys[2])
	})
}

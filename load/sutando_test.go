package load_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// The models of Sutando's own relation tests (test/index.test.js), where
// the contract's eager-loading cases come from.
type (
	SUser struct {
		ID        int64   `db:"id"`
		Name      string  `db:"name"`
		FirstName string  `db:"first_name"`
		Posts     []SPost `db:"-"`
	}
	SPost struct {
		ID                int64   `db:"id"`
		UserID            int64   `db:"user_id"`
		ThumbnailID       *int64  `db:"thumbnail_id"`
		Name              string  `db:"name"`
		Content           string  `db:"content"`
		Author            *SUser  `db:"-"`
		DefaultAuthor     *SUser  `db:"-"`
		DefaultPostAuthor *SUser  `db:"-"`
		Thumbnail         *SMedia `db:"-"`
		Tags              []STag  `db:"-"`
	}
	STag struct {
		ID    int64          `db:"id"`
		Name  string         `db:"name"`
		Pivot map[string]any `db:"-"`
	}
	SMedia struct {
		ID  int64  `db:"id"`
		URL string `db:"url"`
	}
)

// TableName names SUser's table.
func (SUser) TableName() string { return "users" }

// TableName names SPost's table.
func (SPost) TableName() string { return "posts" }

// TableName names STag's table.
func (STag) TableName() string { return "tags" }

// TableName names SMedia's table.
func (SMedia) TableName() string { return "media" }

var (
	sUserPosts        = rel.HasMany[SUser, SPost]("user_id")
	sPostAuthor       = rel.BelongsTo[SPost, SUser]("user_id").Field("Author")
	sPostDefault      = rel.BelongsTo[SPost, SUser]("user_id").Field("DefaultAuthor").WithDefault(SUser{Name: "Default Author"})
	sPostDefaultFn    = rel.BelongsTo[SPost, SUser]("user_id").Field("DefaultPostAuthor").WithDefaultFunc(func(p *SPost) SUser { return SUser{Name: p.Name + " - Default Author"} })
	sPostThumbnail    = rel.BelongsTo[SPost, SMedia]("thumbnail_id")
	sPostTags         = rel.BelongsToMany[SPost, STag]("post_tag", "post_id", "tag_id")
	sutandoSchemaSeed = []string{
		`create table users (id {{pk}}, name text not null, first_name text not null)`,
		`create table posts (id {{pk}}, user_id bigint not null default 0, thumbnail_id bigint, name text not null, content text not null)`,
		`create table tags (id {{pk}}, name text not null)`,
		`create table post_tag (id {{pk}}, post_id bigint not null, tag_id bigint not null)`,
		`create table media (id {{pk}}, url text not null)`,
		`insert into users (name, first_name) values ('Shuri', 'Tim'), ('Alice', 'X')`,
		`insert into posts (user_id, name, content) values (1, 'This is a new Title 1!', 'c'), (2, 'This is a new Title 2!', 'c'),
			(2, 'This is a new Title 3!', 'c'), (30, 'This is a new Title 4!', 'c'), (4, 'This is a new Title 5!', 'c')`,
		`insert into tags (name) values ('cool'), ('boring'), ('exciting'), ('amazing')`,
		`insert into post_tag (post_id, tag_id) values (1, 1), (1, 2), (1, 3), (4, 1)`,
	}
)

func tagNames(ts []STag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// TestSutandoSuite replays the eager-loading cases of Sutando's own test
// suite (CONTRACT §11), with Laravel's semantics where Sutando is buggy.
func TestSutandoSuite(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, sutandoSchemaSeed...)
		find := func(id int64, loaders ...query.Loader[SPost]) SPost {
			t.Helper()
			p, err := query.From[SPost]().With(loaders...).Find(ctx, db, id)
			require.NoError(t, err)
			return p
		}

		// with('author').find(4).author is null: user 30 does not exist.
		p := find(4, load.Eager(sPostAuthor))
		assert.Nil(t, p.Author)

		// with('default_author') and the callback form.
		p = find(4, load.Eager(sPostDefault, sPostDefaultFn))
		require.NotNil(t, p.DefaultAuthor)
		assert.Equal(t, SUser{Name: "Default Author"}, *p.DefaultAuthor)
		require.NotNil(t, p.DefaultPostAuthor)
		assert.Equal(t, "This is a new Title 4! - Default Author", p.DefaultPostAuthor.Name)

		// with('tags').find(1).tags, each with its own pivot.
		p = find(1, load.Eager(sPostTags))
		require.Equal(t, []string{"cool", "boring", "exciting"}, tagNames(p.Tags))
		for i, tag := range p.Tags {
			assert.EqualValues(t, 1, tag.Pivot["post_id"])
			assert.EqualValues(t, i+1, tag.Pivot["tag_id"])
			assert.Len(t, tag.Pivot, 2)
		}

		// with({author: q => q.select('id', 'name')}) and with('author:id,name').
		selected := load.Where(sPostAuthor, func(q *query.Query[SUser]) *query.Query[SUser] { return q.Select("id", "name") })
		p = find(1, load.Eager(selected))
		assert.Equal(t, SUser{ID: 1, Name: "Shuri"}, *p.Author)
		p = find(1, load.PathsLoader[SPost]("author:id,name"))
		assert.Equal(t, SUser{ID: 1, Name: "Shuri"}, *p.Author)

		// with('undefinedRelation') and with(['author', 'undefinedRelation']) reject.
		_, err := query.From[SPost]().With(load.PathsLoader[SPost]("undefinedRelation")).Get(ctx, db)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)
		_, err = query.From[SPost]().With(load.PathsLoader[SPost]("author", "undefinedRelation")).Get(ctx, db)
		assert.ErrorIs(t, err, rel.ErrUnknownRelation)

		// User.with('posts.tags').first().
		u, err := query.From[SUser]().With(load.PathsLoader[SUser]("posts.tags")).First(ctx, db)
		require.NoError(t, err)
		require.Len(t, u.Posts, 1)
		assert.Equal(t, []string{"cool", "boring", "exciting"}, tagNames(u.Posts[0].Tags))

		// with({'posts.tags': q => q.orderBy('tags.id', 'desc')}, 'posts.thumbnail').
		desc := load.Where(sPostTags, func(q *query.Query[STag]) *query.Query[STag] { return q.OrderBy("tags.id", "desc") })
		db.Counter.Reset()
		u, err = query.From[SUser]().With(load.Eager(load.Nested(sUserPosts, desc), load.Nested(sUserPosts, sPostThumbnail))).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 3, db.Counter.Count(), "users, posts, tags; every thumbnail key is NULL: no statement")
		assert.Equal(t, []string{"exciting", "boring", "cool"}, tagNames(u.Posts[0].Tags))
		assert.Nil(t, u.Posts[0].Thumbnail)

		// post.load(['author', 'tags']) on a fetched model.
		p = find(1)
		require.NoError(t, load.With(ctx, db, &p, sPostAuthor, sPostTags))
		assert.Equal(t, int64(1), p.Author.ID)
		assert.Len(t, p.Tags, 3)

		// posts.load(...) sets the relations on every model.
		posts, err := query.From[SPost]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.NoError(t, load.Paths(ctx, db, posts, "author", "tags"))
		assert.Equal(t, "Shuri", posts[0].Author.Name)
		assert.Equal(t, "Alice", posts[1].Author.Name)
		assert.Equal(t, "Alice", posts[2].Author.Name)
		assert.Nil(t, posts[3].Author)
		assert.Nil(t, posts[4].Author)
		assert.Equal(t, []string{"cool"}, tagNames(posts[3].Tags))
		assert.NotNil(t, posts[4].Tags)
		assert.Empty(t, posts[4].Tags)
	})
}

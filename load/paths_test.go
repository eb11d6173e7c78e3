package load_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestPaths(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)

		require.NoError(t, load.Paths(ctx, db, us, "posts.comments.images", "phone", "roles"))
		assert.Equal(t, 5, db.Counter.Count(), db.Counter.String())
		assert.Len(t, us[0].Posts, 2)
		assert.Equal(t, "555-0101", us[0].Phone.Number)
		assert.Len(t, us[0].Roles, 2)
		for _, p := range us[0].Posts {
			if p.Title == "hello" {
				require.Len(t, p.Comments, 3)
			}
		}

		// Columns on the last segment; keys added; a shared prefix shares
		// its statement.
		ps := posts(t, db)
		require.NoError(t, load.Paths(ctx, db, &ps, "author:name", "author.phone: number ", "comments:content"))
		assert.Equal(t, 3, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[0], `select "users"."name", "users"."id" from "users"`)
		require.NotNil(t, ps[0].Author)
		assert.Equal(t, "ann", ps[0].Author.Name)
		assert.Equal(t, int64(1), ps[0].Author.ID)
		assert.Equal(t, "555-0101", ps[0].Author.Phone.Number)
		assert.Equal(t, int64(1), ps[0].Author.Phone.UserID)
		assert.Zero(t, ps[0].Author.Phone.ID, "not selected")
		assert.Len(t, ps[0].Comments, 3)

		// One model.
		p := ps[2]
		require.NoError(t, load.Paths(ctx, db, &p, "author"))
		assert.Equal(t, "bob", p.Author.Name)
		ptrs := []*Post{&ps[0]}
		require.NoError(t, load.Paths(ctx, db, ptrs, "comments"))
	})
}

func TestPathRejections(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)
		cases := []struct {
			path string
			want error
		}{
			{"nope", rel.ErrUnknownRelation},
			{"posts.nope", rel.ErrUnknownRelation},
			{"Posts", rel.ErrUnknownRelation},
			{"", sqlt.ErrInvalidIdentifier},
			{"posts.", sqlt.ErrInvalidIdentifier},
			{".posts", sqlt.ErrInvalidIdentifier},
			{"posts..comments", sqlt.ErrInvalidIdentifier},
			{"posts;drop table users", sqlt.ErrInvalidIdentifier},
			{"posts comments", sqlt.ErrInvalidIdentifier},
			{"posts:", sqlt.ErrInvalidIdentifier},
			{"posts:id,,title", sqlt.ErrInvalidIdentifier},
			{"posts:id; drop table posts", sqlt.ErrInvalidIdentifier},
			{"posts:id:title", sqlt.ErrInvalidIdentifier},
			{`posts:"id"`, sqlt.ErrInvalidIdentifier},
			{"posts:nope", sqlt.ErrUnknownColumn},
			{"posts:users.id", sqlt.ErrUnknownColumn},
			{"posts:id,comments", sqlt.ErrUnknownColumn},
			{"posts.comments:post", sqlt.ErrUnknownColumn},
		}
		for _, c := range cases {
			t.Run(c.path, func(t *testing.T) {
				db.Counter.Reset()
				before := append([]User(nil), us...)
				// A valid path next to the bad one: nothing runs at all.
				err := load.Paths(ctx, db, us, "phone", c.path)
				require.Error(t, err)
				assert.ErrorIs(t, err, c.want)
				var pe *load.PathError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, c.path, pe.Path)
				assert.Equal(t, 0, db.Counter.Count(), "rejected before any statement")
				assert.Equal(t, before, us)
			})
		}
		var ure *rel.UnknownRelationError
		err := load.Paths(ctx, db, us, "posts.nope")
		require.ErrorAs(t, err, &ure)
		assert.Equal(t, "Post", ure.Type)
		assert.Contains(t, ure.Known, "comments")

		// Parents that are not structs.
		assert.ErrorIs(t, load.Paths(ctx, db, []int{1}, "posts"), sqlt.ErrNotStruct)
		assert.ErrorIs(t, load.Paths(ctx, db, nil, "posts"), sqlt.ErrNilValue)
		assert.ErrorIs(t, load.Paths(ctx, db, (*[]User)(nil), "posts"), sqlt.ErrNilValue)
		assert.True(t, errors.Is(load.Paths(ctx, db, []*User{nil}, "posts"), sqlt.ErrNilValue))
		assert.Equal(t, 0, db.Counter.Count())
	})
}

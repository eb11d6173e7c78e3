package agg_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestLoadAggregates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		seedTimes(t, db)
		posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 4)

		// Six aggregates of one relation: one grouped statement.
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, posts,
			agg.WithCount(PostComments),
			agg.WithSum(PostComments, "votes"),
			agg.WithMin(PostComments, "votes"),
			agg.WithMax(PostComments, "votes"),
			agg.WithAvg(PostComments, "votes"),
			agg.WithExists(PostComments),
			agg.WithSum(PostComments, "votes").As("votes_text"),
			agg.WithMax(PostComments, "content").As("max_content"),
			agg.WithSum(PostComments, "votes").As("sum_votes"),
		))
		require.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		stmt := db.Counter.Statements()[0]
		assert.Contains(t, stmt, `group by "comments"."post_id"`)
		if db.Name == "postgres" {
			assert.Contains(t, stmt, `where "comments"."post_id" = any($1)`)
		} else {
			assert.Contains(t, stmt, `where "comments"."post_id" in (?, ?, ?, ?)`)
		}
		p1, p2, p3, p4 := posts[0], posts[1], posts[2], posts[3]
		assert.Equal(t, []int64{3, 1, 0, 0}, []int64{p1.CommentsCount, p2.CommentsCount, p3.CommentsCount, p4.CommentsCount})
		assert.Equal(t, []int64{8, 0, 0, 0}, []int64{p1.CommentsSumVotes, p2.CommentsSumVotes, p3.CommentsSumVotes, p4.CommentsSumVotes})
		require.NotNil(t, p1.CommentsMinVotes)
		assert.Equal(t, int64(1), *p1.CommentsMinVotes)
		assert.Nil(t, p3.CommentsMinVotes)
		assert.Equal(t, []int32{5, 0, 0, 0}, []int32{p1.CommentsMaxVotes, p2.CommentsMaxVotes, p3.CommentsMaxVotes, p4.CommentsMaxVotes})
		require.NotNil(t, p1.CommentsAvgVotes)
		assert.InDelta(t, 8.0/3, *p1.CommentsAvgVotes, avgDelta(db))
		assert.Nil(t, p4.CommentsAvgVotes)
		assert.Equal(t, []bool{true, true, false, false}, []bool{p1.CommentsExists, p2.CommentsExists, p3.CommentsExists, p4.CommentsExists})
		assert.Equal(t, []string{"8", "0", "0", "0"}, []string{p1.VotesText, p2.VotesText, p3.VotesText, p4.VotesText}, "as the select-column form")
		assert.Equal(t, []string{"nice", "meh", "", ""}, []string{p1.MaxContent, p2.MaxContent, p3.MaxContent, p4.MaxContent})
		assert.Equal(t, agg.Null[int64]{V: 8, Valid: true}, p1.SumVotes)
		assert.False(t, p4.SumVotes.Valid)
		assert.Equal(t, "hello", p1.Title, "nothing else is touched")

		// The deferred and the select-column forms agree.
		withCols, err := query.From[Post]().Apply(agg.WithCount(PostComments), agg.WithMin(PostComments, "votes"), agg.WithExists(PostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		for i := range posts {
			assert.Equal(t, withCols[i].CommentsCount, posts[i].CommentsCount)
			assert.Equal(t, withCols[i].CommentsMinVotes, posts[i].CommentsMinVotes)
			assert.Equal(t, withCols[i].CommentsExists, posts[i].CommentsExists)
		}

		// Constrained forms, and the relation's own Where.
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, posts, PostComments, codeComments))
		assert.Equal(t, []int64{2, 0, 0, 0}, []int64{posts[0].CommentsCount, posts[1].CommentsCount, posts[2].CommentsCount, posts[3].CommentsCount})
		require.NoError(t, agg.LoadCount(ctx, db, posts, PostComments.Where(sq.Gt{"votes": 1})))
		assert.Equal(t, []int64{2, 0, 0, 0}, []int64{posts[0].CommentsCount, posts[1].CommentsCount, posts[2].CommentsCount, posts[3].CommentsCount})
		require.NoError(t, agg.LoadSum(ctx, db, posts, PostComments, "votes", codeComments))
		assert.Equal(t, int64(7), posts[0].CommentsSumVotes)
		require.NoError(t, agg.LoadMin(ctx, db, posts, PostComments, "votes"))
		require.NoError(t, agg.LoadMax(ctx, db, posts, PostComments, "votes"))
		require.NoError(t, agg.LoadAvg(ctx, db, posts, PostComments, "votes"))
		require.NoError(t, agg.LoadExists(ctx, db, posts, PostComments, codeComments))
		assert.Equal(t, 7, db.Counter.Count(), "one statement per call")
		assert.Equal(t, int64(1), *posts[0].CommentsMinVotes)
		assert.Equal(t, int32(5), posts[0].CommentsMaxVotes)
		assert.InDelta(t, 0.0, *posts[1].CommentsAvgVotes, 1e-9)
		assert.Equal(t, []bool{true, false, false, false}, []bool{posts[0].CommentsExists, posts[1].CommentsExists, posts[2].CommentsExists, posts[3].CommentsExists})

		// Two relations, and an aggregate with its aliased, constrained twin
		// on one relation: one statement over posts (Laravel's loadAggregate).
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, posts, agg.WithCount(PostComments), agg.WithCount(PostAuthor), agg.WithCount(PostComments, codeComments).As("code_count")))
		require.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []int64{1, 1, 1, 0}, []int64{posts[0].AuthorCount, posts[1].AuthorCount, posts[2].AuthorCount, posts[3].AuthorCount}, "belongsTo; post 4's key is NULL")
		assert.Equal(t, []int{2, 0, 0, 0}, []int{posts[0].CodeCount, posts[1].CodeCount, posts[2].CodeCount, posts[3].CodeCount})
		assert.Equal(t, int64(3), posts[0].CommentsCount)
		combined := squash(db.Counter.Statements()[0])
		assert.Contains(t, combined, `select "posts"."id", (select count(*) from "comments" where "posts"."id" = "comments"."post_id"), (select count(*) from "users" where "posts"."user_id" = "users"."id"), (select count(*) from "comments" where "posts"."id" = "comments"."post_id" and "comments"."content" like `)
		assert.Contains(t, combined, `from "posts" where "posts"."id"`)

		// An unsaved parent (zero key) is not in the table: the combined
		// statement cannot read it, so each relation runs its grouped one.
		unsaved := append(slices.Clone(posts), Post{UserID: posts[0].UserID})
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, unsaved, agg.WithCount(PostComments), agg.WithCount(PostAuthor), agg.WithCount(PostComments, codeComments).As("code_count")))
		assert.Equal(t, 3, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[1], `group by "users"."id"`)
		assert.Equal(t, []int64{1, 1, 1, 0, 1}, []int64{unsaved[0].AuthorCount, unsaved[1].AuthorCount, unsaved[2].AuthorCount, unsaved[3].AuthorCount, unsaved[4].AuthorCount})
		assert.Equal(t, []int{2, 0, 0, 0, 0}, []int{unsaved[0].CodeCount, unsaved[1].CodeCount, unsaved[2].CodeCount, unsaved[3].CodeCount, unsaved[4].CodeCount})

		// No parents, no statement.
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, []Post{}, PostComments))
		require.NoError(t, agg.Load(ctx, db, []Post(nil), agg.WithSum(PostComments, "votes")))
		assert.Equal(t, 0, db.Counter.Count())

		// Parents whose keys are all NULL: no statement, zero values.
		orphans := []Post{posts[3], posts[3]}
		orphans[0].AuthorCount = 9
		require.NoError(t, agg.LoadCount(ctx, db, orphans, PostAuthor))
		assert.Equal(t, 0, db.Counter.Count())
		assert.Zero(t, orphans[0].AuthorCount)

		// Users: belongsToMany with and without a pivot filter, hasOne, timestamps.
		users, err := query.From[User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, users,
			agg.WithCount(UserRoles), agg.WithExists(UserRoles),
			agg.WithCount(UserRoles.WherePivot("active", true)).As("active_roles"),
			agg.WithCount(UserPhone),
			agg.WithCount(UserPosts), agg.WithMin(UserPosts, "created_at"), agg.WithMax(UserPosts, "created_at"),
		))
		require.Equal(t, 1, db.Counter.Count(), "roles, active roles, phone, posts: one statement")
		assert.Contains(t, db.Counter.Statements()[0], `join "role_user" on "roles"."id" = "role_user"."role_id" where "users"."id" = "role_user"."user_id"`)
		assert.Equal(t, []int64{2, 1, 0}, []int64{users[0].RolesCount, users[1].RolesCount, users[2].RolesCount})
		assert.Equal(t, []bool{true, true, false}, []bool{users[0].RolesExists, users[1].RolesExists, users[2].RolesExists})
		assert.Equal(t, []int64{1, 1, 0}, []int64{users[0].ActiveRoles, users[1].ActiveRoles, users[2].ActiveRoles})
		assert.Equal(t, []int64{1, 1, 0}, []int64{users[0].PhoneCount, users[1].PhoneCount, users[2].PhoneCount})
		assert.Equal(t, []int64{2, 1, 0}, []int64{users[0].PostsCount, users[1].PostsCount, users[2].PostsCount})
		require.NotNil(t, users[0].PostsMinCreatedAt)
		assert.True(t, users[0].PostsMinCreatedAt.Equal(day(1)), "%v", users[0].PostsMinCreatedAt)
		assert.True(t, users[0].PostsMaxCreatedAt.V.Equal(day(2)))
		assert.True(t, users[1].PostsMinCreatedAt.Equal(day(3)))
		assert.Nil(t, users[2].PostsMinCreatedAt)
		assert.False(t, users[2].PostsMaxCreatedAt.Valid)
	})
}

func TestValues(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		seedTimes(t, db)
		// The fixture's own structs have no aggregate fields.
		posts, err := query.From[fixture.Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)

		db.Counter.Reset()
		counts, err := agg.Values[int64](ctx, db, posts, agg.WithCount(fixture.PostComments))
		require.NoError(t, err)
		assert.Equal(t, map[any]int64{int64(1): 3, int64(2): 1, int64(3): 0, int64(4): 0}, counts)
		assert.Equal(t, 1, db.Counter.Count())

		exists, err := agg.Values[bool](ctx, db, posts, agg.WithExists(fixture.PostComments, codeComments))
		require.NoError(t, err)
		assert.Equal(t, map[any]bool{int64(1): true, int64(2): false, int64(3): false, int64(4): false}, exists)

		avgs, err := agg.Values[*float64](ctx, db, posts, agg.WithAvg(fixture.PostComments, "votes"))
		require.NoError(t, err)
		require.NotNil(t, avgs[int64(2)])
		assert.InDelta(t, 0, *avgs[int64(2)], 1e-9)
		assert.Nil(t, avgs[int64(3)])
		assert.Len(t, avgs, 4)

		sums, err := agg.Values[string](ctx, db, posts, agg.WithSum(fixture.PostComments, "votes"))
		require.NoError(t, err)
		assert.Equal(t, "8", sums[int64(1)])

		// belongsTo: keyed by the parent's key for the relation (its foreign key).
		authors, err := agg.Values[int64](ctx, db, posts, agg.WithCount(fixture.PostAuthor))
		require.NoError(t, err)
		assert.Equal(t, map[any]int64{int64(1): 1, int64(2): 1}, authors, "post 4 has a NULL key")

		users, err := query.From[fixture.User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		latest, err := agg.Values[time.Time](ctx, db, users, agg.WithMax(fixture.UserPosts, "created_at"))
		require.NoError(t, err)
		assert.True(t, latest[int64(1)].Equal(day(2)))
		assert.True(t, latest[int64(3)].IsZero())
		roles, err := agg.Values[int](ctx, db, users, agg.WithCount(fixture.UserRoles.WherePivot("active", false)))
		require.NoError(t, err)
		assert.Equal(t, map[any]int{int64(1): 1, int64(2): 0, int64(3): 0}, roles)

		_, err = agg.Values[int64](ctx, db, posts, agg.WithAvg(fixture.PostComments, "votes"))
		assert.Error(t, err, "2.67 does not fit an int64")
	})
}

// TestLoadManyParents runs the deferred form over more parents than SQLite
// takes as separate placeholders: still one statement, no row lost.
func TestLoadManyParents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		const n = 1500
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			for i := 0; i < n; i++ {
				if _, err := tx.Exec(ctx, `insert into posts (title, votes, created_at, updated_at) values (?, 0, '2024-01-01 00:00:00', '2024-01-01 00:00:00')`, fmt.Sprint("p", i)); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `insert into comments (post_id, content) select id, 'x' from posts where id % 3 = 0`)
			return err
		})
		require.NoError(t, err)
		posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, n+4)
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, posts, PostComments))
		require.Equal(t, 1, db.Counter.Count())
		if db.Name == "sqlite" {
			assert.True(t, strings.Contains(db.Counter.Statements()[0], "json_each"))
		}
		withCols, err := query.From[Post]().Apply(agg.WithCount(PostComments)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		for i := range posts {
			require.Equal(t, withCols[i].CommentsCount, posts[i].CommentsCount, "post %d", posts[i].ID)
		}
	})
}

func TestLoadParentForms(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		posts, err := query.From[Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)

		ptrs := []*Post{&posts[0], &posts[1]}
		require.NoError(t, agg.LoadCount(ctx, db, ptrs, PostComments))
		assert.Equal(t, int64(3), posts[0].CommentsCount)
		assert.Equal(t, int64(1), posts[1].CommentsCount)

		one := posts[0]
		one.CommentsCount = 0
		db.Counter.Reset()
		require.NoError(t, agg.Load(ctx, db, &one, agg.WithCount(PostComments), agg.WithExists(PostComments)))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, int64(3), one.CommentsCount)
		assert.True(t, one.CommentsExists)

		type postList []Post
		named := postList(posts[:2])
		require.NoError(t, agg.LoadSum(ctx, db, named, PostComments, "votes"))
		assert.Equal(t, int64(8), named[0].CommentsSumVotes)

		sums, err := agg.Values[int64](ctx, db, &posts[1], agg.WithSum(PostComments, "votes"))
		require.NoError(t, err)
		assert.Equal(t, map[any]int64{int64(2): 0}, sums)

		assert.ErrorIs(t, agg.LoadCount(ctx, db, []*Post{&posts[0], nil}, PostComments), sqlt.ErrNilValue)
		assert.ErrorIs(t, agg.LoadCount(ctx, db, (*Post)(nil), PostComments), sqlt.ErrNilValue)
		assert.ErrorIs(t, agg.LoadCount(ctx, db, (*[]Post)(nil), PostComments), sqlt.ErrNilValue)
	})
}

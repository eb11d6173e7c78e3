package load_test

import (
	"context"
	"encoding/json"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func users(t *testing.T, db *testdb.DB) []User {
	t.Helper()
	us, err := query.From[User]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, us, 3)
	db.Counter.Reset()
	return us
}

func posts(t *testing.T, db *testdb.DB) []Post {
	t.Helper()
	ps, err := query.From[Post]().OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	require.Len(t, ps, 4)
	db.Counter.Reset()
	return ps
}

func titles(ps []Post) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	return out
}

func TestHasMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)
		us[2].Posts = []Post{{Title: "stale"}} // loading again replaces

		require.NoError(t, load.With(ctx, db, us, UserPosts))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[0], `"posts"."user_id"`)
		assert.ElementsMatch(t, []string{"hello", "code tips"}, titles(us[0].Posts))
		assert.Equal(t, []string{"news"}, titles(us[1].Posts))
		require.NotNil(t, us[2].Posts, "no rows: an empty, non-nil slice")
		assert.Empty(t, us[2].Posts)
		js, err := json.Marshal(us[2].Posts)
		require.NoError(t, err)
		assert.Equal(t, "[]", string(js))
		for _, u := range us {
			for _, p := range u.Posts {
				require.NotNil(t, p.UserID)
				assert.Equal(t, u.ID, *p.UserID)
			}
		}
	})
}

func TestParentForms(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)

		us := users(t, db)
		ptrs := []*User{&us[1], &us[0]}
		require.NoError(t, load.With(ctx, db, ptrs, UserPhone))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, "555-0102", ptrs[0].Phone.Number)
		assert.Equal(t, "555-0101", ptrs[1].Phone.Number)

		db.Counter.Reset()
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, &us, UserPosts))
		assert.Len(t, us[0].Posts, 2)

		db.Counter.Reset()
		ann := us[0]
		ann.Posts = nil
		require.NoError(t, load.With(ctx, db, &ann, UserPosts, UserRoles))
		assert.Equal(t, 2, db.Counter.Count())
		assert.Len(t, ann.Posts, 2)
		assert.Len(t, ann.Roles, 2)

		type Users []User
		named := Users(users(t, db))
		require.NoError(t, load.With(ctx, db, named, UserPhone))
		require.NotNil(t, named[0].Phone)
		assert.Nil(t, named[2].Phone, "cy has no phone")

		// No parents: no statement.
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, []User{}, UserPosts, load.Nested(UserPosts, PostComments)))
		require.NoError(t, load.With(ctx, db, []*User(nil), UserPosts))
		assert.Equal(t, 0, db.Counter.Count())
	})
}

func TestBelongsToAndDefaults(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ps := posts(t, db)
		ps[3].Author = &User{Name: "stale"}

		require.NoError(t, load.With(ctx, db, ps, PostAuthor))
		assert.Equal(t, 1, db.Counter.Count(), "one statement for four posts, keys 1,1,2 deduplicated")
		assert.Contains(t, db.Counter.Statements()[0], `"users"."id"`)
		assert.Equal(t, "ann", ps[0].Author.Name)
		assert.Same(t, ps[0].Author, ps[1].Author, "one owner row serves every post that points at it")
		assert.Equal(t, "bob", ps[2].Author.Name)
		assert.Nil(t, ps[3].Author, "NULL foreign key: nil, replacing what was there")

		db.Counter.Reset()
		guest := PostAuthor.WithDefault(User{Name: "Guest Author"})
		require.NoError(t, load.With(ctx, db, ps, guest))
		require.NotNil(t, ps[3].Author)
		assert.Equal(t, "Guest Author", ps[3].Author.Name)
		assert.Equal(t, "ann", ps[0].Author.Name)

		db.Counter.Reset()
		fn := PostAuthor.WithDefaultFunc(func(p *Post) User { return User{Name: p.Title + " - Default Author"} })
		require.NoError(t, load.With(ctx, db, ps, fn))
		assert.Equal(t, "orphan - Default Author", ps[3].Author.Name)

		// Only NULL keys: no statement, defaults everywhere.
		db.Counter.Reset()
		orphan := []Post{ps[3]}
		require.NoError(t, load.With(ctx, db, orphan, guest))
		assert.Equal(t, 0, db.Counter.Count())
		assert.Equal(t, "Guest Author", orphan[0].Author.Name)

		// hasOne default carries the parent's key.
		us := users(t, db)
		require.NoError(t, load.With(ctx, db, us, UserPhone.WithDefault(Phone{Number: "000"})))
		assert.Equal(t, "555-0101", us[0].Phone.Number)
		require.NotNil(t, us[2].Phone)
		assert.Equal(t, "000", us[2].Phone.Number)
		assert.Equal(t, int64(3), us[2].Phone.UserID)

		// Inverse direction through a belongsTo declared on a non-pointer key.
		phones, err := query.From[Phone]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, phones, PhoneUser))
		assert.Equal(t, "ann", phones[0].User.Name)
		assert.Equal(t, "bob", phones[1].User.Name)
	})
}

func TestNested(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)

		require.NoError(t, load.With(ctx, db, us, load.Nested(UserPosts, PostComments, CommentImages)))
		stmts := db.Counter.Statements()
		require.Len(t, stmts, 3, db.Counter.String())
		assert.Contains(t, stmts[0], `"posts"."user_id"`)
		assert.Contains(t, stmts[1], `"comments"."post_id"`)
		assert.Contains(t, stmts[2], `"images"."comment_id"`)

		var hello Post
		for _, p := range us[0].Posts {
			if p.Title == "hello" {
				hello = p
			}
		}
		require.Len(t, hello.Comments, 3)
		imgs := map[string]int{}
		for _, c := range hello.Comments {
			imgs[c.Content] = len(c.Images)
			assert.NotNil(t, c.Images)
		}
		assert.Equal(t, map[string]int{"code is fun": 2, "nice": 0, "code review": 0}, imgs)
		require.Len(t, us[1].Posts, 1)
		assert.NotNil(t, us[1].Posts[0].Comments)
		assert.Empty(t, us[1].Posts[0].Comments)

		// A shared prefix shares its statement.
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, UserPosts, load.Nested(UserPosts, PostComments), load.Nested(UserPosts, PostAuthor)))
		assert.Equal(t, 3, db.Counter.Count(), db.Counter.String())
		for _, p := range us[0].Posts {
			require.NotNil(t, p.Author)
			assert.Equal(t, "ann", p.Author.Name)
		}

		// Nested specs splice: Nested(Nested(a, b), c) is a.b.c.
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Nested(load.Nested(UserPosts, PostComments), CommentImages)))
		assert.Equal(t, 3, db.Counter.Count())

		// Through a to-one level: comments → post → author, copied values
		// carry their own nested relations.
		cs, err := query.From[Comment]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cs, load.Nested(CommentPost, PostAuthor, UserPhone)))
		assert.Equal(t, 3, db.Counter.Count())
		for _, c := range cs {
			require.NotNil(t, c.Post)
			require.NotNil(t, c.Post.Author)
			assert.Equal(t, "ann", c.Post.Author.Name)
			assert.Equal(t, "555-0101", c.Post.Author.Phone.Number)
		}

		// Roles → users → posts: belongsToMany in the middle.
		roles, err := query.From[Role]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, roles, load.Nested(RoleUsers, UserPosts)))
		assert.Equal(t, 2, db.Counter.Count())
		require.Len(t, roles[0].Users, 1)
		assert.Len(t, roles[0].Users[0].Posts, 2)
		require.Len(t, roles[2].Users, 1)
		assert.Equal(t, "bob", roles[2].Users[0].Name)
		assert.Equal(t, []string{"news"}, titles(roles[2].Users[0].Posts))
	})
}

func TestColumns(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ps := posts(t, db)

		// The owner key is added: the author is never lost.
		require.NoError(t, load.With(ctx, db, ps, load.Columns(PostAuthor, "name")))
		assert.Equal(t, 1, db.Counter.Count())
		s := db.Counter.Statements()[0]
		assert.Contains(t, s, `select "users"."name", "users"."id" from "users"`)
		require.NotNil(t, ps[0].Author)
		assert.Equal(t, User{ID: 1, Name: "ann"}, *ps[0].Author)

		// hasMany with chosen columns: the foreign key and the key the
		// nested level needs are added.
		us := users(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Nested(load.Columns(UserPosts, "title"), PostComments)))
		assert.Equal(t, 2, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `select "posts"."title", "posts"."user_id", "posts"."id" from`)
		require.Len(t, us[0].Posts, 2)
		for _, p := range us[0].Posts {
			assert.NotZero(t, p.ID)
			assert.Zero(t, p.Votes, "not selected")
			if p.Title == "hello" {
				assert.Len(t, p.Comments, 3)
			}
		}

		// belongsToMany with chosen columns keeps the pivot.
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Columns(UserRoles, "roles.name")))
		require.Len(t, us[0].Roles, 2)
		for _, r := range us[0].Roles {
			assert.NotZero(t, r.ID)
			assert.NotEmpty(t, r.Name)
			assert.EqualValues(t, 1, r.Pivot["user_id"])
		}
	})
}

func TestWhere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)

		code := load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
			return q.WhereOp("title", "like", "%code%")
		})
		require.NoError(t, load.With(ctx, db, us, code))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, []string{"code tips"}, titles(us[0].Posts))
		assert.Empty(t, us[1].Posts)
		assert.NotNil(t, us[1].Posts)

		// Ordering is honoured per parent.
		for _, dir := range []string{"asc", "desc"} {
			us = users(t, db)
			byVotes := load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] { return q.OrderBy("votes", dir) })
			require.NoError(t, load.With(ctx, db, us, byVotes))
			want := []string{"code tips", "hello"}
			if dir == "desc" {
				want = []string{"hello", "code tips"}
			}
			assert.Equal(t, want, titles(us[0].Posts), dir)
		}

		// OrWhere cannot escape the key scope: bob's post has 0 votes.
		us = users(t, db)
		leaky := load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] {
			return q.Where(sq.Eq{"title": "nope"}).OrWhere(sq.LtOrEq{"votes": 3})
		})
		require.NoError(t, load.With(ctx, db, []User{us[0]}, leaky))
		one := []User{us[0]}
		require.NoError(t, load.With(ctx, db, one, leaky))
		assert.Equal(t, []string{"code tips"}, titles(one[0].Posts))

		// A constraint that selects columns keeps the keys.
		ps := posts(t, db)
		nameOnly := load.Where(PostAuthor, func(q *query.Query[User]) *query.Query[User] { return q.Select("name") })
		require.NoError(t, load.With(ctx, db, ps, nameOnly))
		require.NotNil(t, ps[0].Author)
		assert.Equal(t, User{ID: 1, Name: "ann"}, *ps[0].Author)

		// Combined: columns + constraint, on a nested leaf.
		us = users(t, db)
		leaf := load.Columns(load.Where(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] {
			return q.Where(sq.GtOrEq{"votes": 2}).OrderByDesc("votes")
		}), "content")
		require.NoError(t, load.With(ctx, db, us, load.Nested(UserPosts, leaf)))
		assert.Equal(t, 2, db.Counter.Count())
		for _, p := range us[0].Posts {
			if p.Title == "hello" {
				require.Len(t, p.Comments, 2)
				assert.Equal(t, "code is fun", p.Comments[0].Content)
				assert.Equal(t, "code review", p.Comments[1].Content)
				assert.Zero(t, p.Comments[0].Votes, "not selected")
				assert.Equal(t, p.ID, p.Comments[0].PostID)
			} else {
				assert.Empty(t, p.Comments)
			}
		}

		// Chained Where: both constraints apply, the inner first.
		us = users(t, db)
		both := load.Where(code, func(q *query.Query[Post]) *query.Query[Post] { return q.Where(sq.Gt{"votes": 5}) })
		require.NoError(t, load.With(ctx, db, us, both))
		assert.Empty(t, us[0].Posts)

		// The relation's own Where comes before the user's constraint.
		us = users(t, db)
		popular := UserPosts.Where(sq.Gt{"votes": 1})
		require.NoError(t, load.With(ctx, db, us, load.Where(popular, func(q *query.Query[Post]) *query.Query[Post] {
			return q.Where(sq.Like{"title": "%o%"}).OrWhere(sq.Eq{"title": "news"})
		})))
		assert.ElementsMatch(t, []string{"hello", "code tips"}, titles(us[0].Posts))
		assert.Empty(t, us[1].Posts, "bob's news has 0 votes: the relation's Where is not escaped")
		s := db.Counter.Statements()[0]
		assert.Less(t, indexOf(s, "votes > "), indexOf(s, `"posts"."user_id" `), s)
	})
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestBelongsToMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)

		require.NoError(t, load.With(ctx, db, us, UserRoles))
		assert.Equal(t, 1, db.Counter.Count())
		require.Len(t, us[0].Roles, 2)
		names := map[string]map[string]any{}
		for _, r := range us[0].Roles {
			names[r.Name] = r.Pivot
		}
		require.Contains(t, names, "admin")
		require.Contains(t, names, "editor")
		assert.EqualValues(t, 1, names["admin"]["user_id"])
		assert.EqualValues(t, 1, names["admin"]["role_id"])
		assert.EqualValues(t, 2, names["editor"]["role_id"])
		assert.Contains(t, names["admin"], "active")
		require.Len(t, us[1].Roles, 1)
		assert.Equal(t, "viewer", us[1].Roles[0].Name)
		assert.EqualValues(t, 2, us[1].Roles[0].Pivot["user_id"])
		assert.NotNil(t, us[2].Roles)
		assert.Empty(t, us[2].Roles)

		// wherePivot and orderByPivot.
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, UserRoles.WherePivot("active", true)))
		require.Len(t, us[0].Roles, 1)
		assert.Equal(t, "admin", us[0].Roles[0].Name)
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, UserRoles.OrderByPivot("role_id", "desc")))
		assert.Equal(t, "editor", us[0].Roles[0].Name)
		assert.Equal(t, "admin", us[0].Roles[1].Name)

		// A constraint on the related table, ordering by a pivot column.
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, load.Where(UserRoles, func(q *query.Query[Role]) *query.Query[Role] {
			return q.OrderBy("role_user.role_id", "desc")
		})))
		assert.Equal(t, "editor", us[0].Roles[0].Name)
		assert.EqualValues(t, 2, us[0].Roles[0].Pivot["role_id"])

		// As("subscription") and timestamps.
		us = users(t, db)
		require.NoError(t, load.With(ctx, db, us, UserPodcasts))
		require.Len(t, us[0].Podcasts, 1)
		sub := us[0].Podcasts[0].Subscription
		assert.Equal(t, "Go Time", us[0].Podcasts[0].Title)
		assert.EqualValues(t, 1, sub["podcast_id"])
		assert.NotNil(t, sub["created_at"])
		assert.Contains(t, sub, "updated_at")
		assert.Empty(t, us[1].Podcasts)
	})
}

func TestJoinOrders(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		got := map[bool][]User{}
		for _, pf := range []bool{true, false} {
			restore := load.SetPivotFirst(pf)
			us := users(t, db)
			err := load.With(ctx, db, us, UserRoles.OrderByPivot("role_id"))
			restore()
			require.NoError(t, err)
			if pf {
				assert.Contains(t, db.Counter.Statements()[0], `from "role_user" inner join "roles"`)
			} else {
				assert.Contains(t, db.Counter.Statements()[0], `from "roles" inner join "role_user"`)
			}
			got[pf] = us
		}
		assert.Equal(t, got[false], got[true])
	})
}

func TestFromQuery(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ps, err := query.From[Post]().OrderBy("id").With(load.Eager(PostAuthor, load.Nested(PostComments, CommentImages))).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 4, db.Counter.Count(), db.Counter.String())
		assert.Equal(t, "ann", ps[0].Author.Name)
		assert.Len(t, ps[0].Comments, 3)
		assert.Nil(t, ps[3].Author)

		db.Counter.Reset()
		u, err := query.From[User]().With(load.PathsLoader[User]("posts.comments", "phone:number")).Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, 4, db.Counter.Count(), db.Counter.String())
		assert.Len(t, u.Posts, 2)
		assert.Equal(t, "555-0101", u.Phone.Number)

		db.Counter.Reset()
		_, err = query.From[User]().With(load.PathsLoader[User]("nope")).Get(ctx, db)
		var pe *load.PathError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 1, db.Counter.Count(), "only the main statement ran")
	})
}

func TestRefresh(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)
		ann := us[0]
		require.NoError(t, load.With(ctx, db, &ann, UserPhone))
		ann.Name = "changed locally"

		_, err := db.Exec(ctx, `update users set name = 'ann2' where id = 1`)
		require.NoError(t, err)
		_, err = db.Exec(ctx, `update posts set user_id = 2 where id = 2`)
		require.NoError(t, err)
		db.Counter.Reset()

		require.NoError(t, load.Refresh(ctx, db, &ann, UserPosts))
		assert.Equal(t, 2, db.Counter.Count())
		assert.Equal(t, "ann2", ann.Name)
		assert.Equal(t, []string{"hello"}, titles(ann.Posts))
		require.NotNil(t, ann.Phone, "relations not named are kept")

		gone := User{ID: 99, Name: "ghost"}
		err = load.Refresh(ctx, db, &gone, UserPosts)
		require.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.Equal(t, "ghost", gone.Name)

		unsaved := User{Name: "new"}
		require.ErrorIs(t, load.Refresh(ctx, db, &unsaved), sqlt.ErrNotFound)
		require.ErrorIs(t, load.Refresh[User](ctx, db, nil), sqlt.ErrNilValue)
	})
}

// TestStatementCounts asserts, for every spec form, the number of
// statements one load runs, and that it does not depend on the number of
// parents.
func TestStatementCounts(t *testing.T) {
	byVotes := func(q *query.Query[Post]) *query.Query[Post] { return q.OrderByDesc("votes") }
	cases := []struct {
		name string
		spec []load.Of[User]
		want int
	}{
		{"relation", []load.Of[User]{UserPosts}, 1},
		{"several relations", []load.Of[User]{UserPosts, UserPhone, UserRoles, UserPodcasts}, 4},
		{"nested", []load.Of[User]{load.Nested(UserPosts, PostComments, CommentImages)}, 3},
		{"nested through to-one", []load.Of[User]{load.Nested(UserPhone, PhoneUser, UserRoles)}, 3},
		{"shared prefix", []load.Of[User]{UserPosts, load.Nested(UserPosts, PostComments), load.Nested(UserPosts, PostAuthor, UserPhone)}, 4},
		{"same relation twice", []load.Of[User]{UserPosts, UserPosts}, 1},
		{"columns", []load.Of[User]{load.Columns(UserPosts, "title")}, 1},
		{"where", []load.Of[User]{load.Where(UserPosts, byVotes)}, 1},
		{"where and columns", []load.Of[User]{load.Columns(load.Where(UserPosts, byVotes), "title")}, 1},
		{"constrained leaf", []load.Of[User]{load.Nested(UserPosts, load.Where(PostComments, func(q *query.Query[Comment]) *query.Query[Comment] { return q.OrderBy("id") }))}, 2},
		{"constrained belongsToMany", []load.Of[User]{load.Where(UserRoles, func(q *query.Query[Role]) *query.Query[Role] { return q.OrderBy("name") })}, 1},
		{"pivot filters", []load.Of[User]{UserRoles.WherePivot("active", true).OrderByPivot("role_id")}, 1},
		{"relation with Where", []load.Of[User]{UserPosts.Where(sq.Gt{"votes": 1})}, 1},
	}
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, n := range []int{1, 3} {
					us := users(t, db)[:n]
					require.NoError(t, load.With(ctx, db, us, c.spec...))
					assert.Equal(t, c.want, db.Counter.Count(), "%d parents: %s", n, db.Counter)
				}
				// Duplicated parents share the statement and both get the rows.
				us := users(t, db)
				twice := []User{us[0], us[1], us[0]}
				require.NoError(t, load.With(ctx, db, twice, c.spec...))
				assert.Equal(t, c.want, db.Counter.Count())
				assert.Equal(t, twice[0], twice[2])
			})
		}
	})
}

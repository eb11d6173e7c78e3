package query_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ---------------------------------------------------------------------------
// helpers

var rwDollar = regexp.MustCompile(`\$\d+`)

// rwNorm normalises a statement for substring checks: PostgreSQL's $n
// placeholders become ?, runs of whitespace one space.
func rwNorm(s string) string {
	s = rwDollar.ReplaceAllString(s, "?")
	return strings.Join(strings.Fields(s), " ")
}

// rwStmts returns the normalised statements counted since the last reset.
func rwStmts(db *testdb.DB) []string {
	raw := db.Counter.Statements()
	out := make([]string, len(raw))
	for i, s := range raw {
		out[i] = rwNorm(s)
	}
	return out
}

// rwOnly asserts exactly one statement ran and returns it, normalised.
func rwOnly(t *testing.T, db *testdb.DB) string {
	t.Helper()
	st := rwStmts(db)
	require.Len(t, st, 1, db.Counter.String())
	return st[0]
}

// rwCountPrefix counts the statements starting with prefix ("update", "insert").
func rwCountPrefix(db *testdb.DB, prefix string) int {
	n := 0
	for _, s := range rwStmts(db) {
		if strings.HasPrefix(strings.ToLower(s), prefix) {
			n++
		}
	}
	return n
}

func rwPostIDs(ps []fx.Post) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func rwCommentIDs(cs []fx.Comment) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func rwI64(v int64) *int64 { return &v }

// ---------------------------------------------------------------------------
// Conventions

func TestConventionalTableNames(t *testing.T) {
	type User struct {
		ID int64 `db:"id"`
	}
	type UserProfile struct {
		ID int64 `db:"id"`
	}
	type Person struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	type Media struct {
		ID  int64  `db:"id"`
		URL string `db:"url"`
	}
	type BlogPost struct {
		ID int64 `db:"id"`
	}
	type Category struct {
		ID int64 `db:"id"`
	}
	for _, c := range []struct {
		table string
		m     func() (*schema.Model, error)
	}{
		{"users", schema.ModelFor[User]},
		{"user_profiles", schema.ModelFor[UserProfile]},
		{"people", schema.ModelFor[Person]},
		{"media", schema.ModelFor[Media]},
		{"blog_posts", schema.ModelFor[BlogPost]},
		{"categories", schema.ModelFor[Category]},
	} {
		m, err := c.m()
		require.NoError(t, err)
		assert.Equal(t, c.table, m.Table)
	}
	s, _, err := query.From[Person]().ToSql()
	require.NoError(t, err)
	assert.Contains(t, rwNorm(s), `from "people"`)

	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table people (id {{pk}}, name text not null)`,
			`create table media (id {{pk}}, url text not null)`,
		)
		p := Person{Name: "ada"}
		require.NoError(t, query.From[Person]().Insert(ctx, db, &p))
		assert.Contains(t, rwOnly(t, db), `insert into "people"`)
		m := Media{URL: "a.png"}
		require.NoError(t, query.From[Media]().Insert(ctx, db, &m))
		got, err := query.From[Media]().Find(ctx, db, m.ID)
		require.NoError(t, err)
		assert.Equal(t, "a.png", got.URL)
	})
}

func TestConventionalKeysAndPivotTables(t *testing.T) {
	type Tag struct {
		ID    int64          `db:"id"`
		Name  string         `db:"name"`
		Pivot map[string]any `db:"-"`
	}
	type UserProfile struct {
		ID   int64  `db:"id"`
		Bio  string `db:"bio"`
		Tags []Tag  `db:"-"`
	}
	type Avatar struct {
		ID            int64        `db:"id"`
		UserProfileID int64        `db:"user_profile_id"`
		Owner         *UserProfile `db:"-"`
	}
	type Account struct {
		UID  string `db:"uid,pk"`
		Name string `db:"name"`
	}
	type Login struct {
		ID         int64  `db:"id"`
		AccountUID string `db:"account_uid"`
	}

	hasOne := relmeta.Of(rel.HasOne[UserProfile, Avatar]())
	require.NoError(t, hasOne.Err())
	assert.Equal(t, "user_profile_id", hasOne.ForeignKey)
	assert.Equal(t, "id", hasOne.LocalKey)

	belongs := relmeta.Of(rel.BelongsTo[Avatar, UserProfile]())
	require.NoError(t, belongs.Err())
	assert.Equal(t, "user_profile_id", belongs.ForeignKey)
	assert.Equal(t, "id", belongs.OwnerKey)
	assert.Equal(t, "owner", belongs.Name, "relation name = snake of the destination field")

	// The foreign key is snake(Class) + "_" + its primary key.
	logins := relmeta.Of(rel.HasMany[Account, Login]())
	require.NoError(t, logins.Err())
	assert.Equal(t, "account_uid", logins.ForeignKey)
	assert.Equal(t, "uid", logins.LocalKey)
	owner := relmeta.Of(rel.BelongsTo[Login, Account]())
	require.NoError(t, owner.Err())
	assert.Equal(t, "account_uid", owner.ForeignKey)
	assert.Equal(t, "uid", owner.OwnerKey)

	tags := rel.BelongsToMany[UserProfile, Tag]()
	m := relmeta.Of(tags)
	require.NoError(t, m.Err())
	assert.Equal(t, "tag_user_profile", m.PivotTable)
	assert.Equal(t, "user_profile_id", m.ForeignPivotKey)
	assert.Equal(t, "tag_id", m.RelatedPivotKey)
	assert.Equal(t, "tags", m.Name)
	inv := relmeta.Of(rel.BelongsToMany[Tag, UserProfile]())
	require.NoError(t, inv.Err())
	assert.Equal(t, "tag_user_profile", inv.PivotTable)
	assert.Equal(t, "tag_id", inv.ForeignPivotKey)
	assert.Equal(t, "user_profile_id", inv.RelatedPivotKey)

	assert.Equal(t, "role_user", relmeta.Of(fx.UserRoles).PivotTable)
	assert.Equal(t, "user_id", relmeta.Of(fx.UserRoles).ForeignPivotKey)
	assert.Equal(t, "role_id", relmeta.Of(fx.UserRoles).RelatedPivotKey)
	assert.Equal(t, "user_id", relmeta.Of(fx.UserPosts).ForeignKey)
	assert.Equal(t, "posts", relmeta.Of(fx.UserPosts).Name)
	assert.Equal(t, "author", relmeta.Of(fx.PostAuthor).Name)
	assert.Equal(t, "user_id", relmeta.Of(rel.BelongsTo[fx.Post, fx.User]()).ForeignKey,
		"belongsTo default fk: snake(owner) + _ + owner pk")

	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table user_profiles (id {{pk}}, bio text not null)`,
			`create table tags (id {{pk}}, name text not null)`,
			`create table tag_user_profile (user_profile_id bigint not null, tag_id bigint not null)`,
			`create table avatars (id {{pk}}, user_profile_id bigint not null)`,
			`insert into user_profiles (bio) values ('x')`,
			`insert into tags (name) values ('go'), ('sql')`,
			`insert into tag_user_profile (user_profile_id, tag_id) values (1, 2)`,
			`insert into avatars (user_profile_id) values (1)`,
		)
		up := UserProfile{ID: 1}
		got, err := query.GetMany(ctx, db, tags, &up)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "sql", got[0].Name)
		assert.EqualValues(t, 1, got[0].Pivot["user_profile_id"])
		assert.EqualValues(t, 2, got[0].Pivot["tag_id"])
		s := rwOnly(t, db)
		assert.Contains(t, s, `join "tag_user_profile" on "tags"."id" = "tag_user_profile"."tag_id"`)
		assert.Contains(t, s, `where "tag_user_profile"."user_profile_id" = ?`)

		db.Counter.Reset()
		av, err := query.GetOne(ctx, db, rel.HasOne[UserProfile, Avatar](), &up)
		require.NoError(t, err)
		require.NotNil(t, av)
		assert.Contains(t, rwOnly(t, db), `"avatars"."user_profile_id" = ?`)
	})
}

// ---------------------------------------------------------------------------
// Reading relations lazily

// rwCommentsByAuthor keys comments by the post's nullable user_id (a
// relation whose local key can be NULL).
var (
	rwCommentsByAuthor = rel.HasMany[fx.Post, fx.Comment]("post_id", "user_id").Named("rw_comments_by_author")
	rwPostRoles        = rel.BelongsToMany[fx.Post, fx.Role]("role_user", "user_id", "role_id", "user_id").Named("rw_post_roles")
)

func TestRelatedReadsHasOne(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		ann := fx.User{ID: 1, Name: "ann"}
		phone, err := query.GetOne(ctx, db, fx.UserPhone, &ann)
		require.NoError(t, err)
		require.NotNil(t, phone)
		assert.Equal(t, "555-0101", phone.Number)
		assert.Equal(t, int64(1), phone.UserID)
		assert.Contains(t, rwOnly(t, db),
			`select "phones"."id", "phones"."user_id", "phones"."number" from "phones" where "phones"."user_id" = ? and "phones"."user_id" is not null limit 1`)

		// Several matching rows: the first one is returned.
		db.MustExec(t, `insert into phones (user_id, number) values (1, '555-0999')`)
		phone, err = query.GetOne(ctx, db, fx.UserPhone, &ann)
		require.NoError(t, err)
		require.NotNil(t, phone)
		assert.Equal(t, 1, db.Counter.Count())

		db.Counter.Reset()
		cy := fx.User{ID: 3}
		phone, err = query.GetOne(ctx, db, fx.UserPhone, &cy)
		require.NoError(t, err)
		assert.Nil(t, phone, "no row and no default: nil")
		assert.Equal(t, 1, db.Counter.Count())

		// An unsaved parent (zero key) has no related row and runs nothing.
		db.Counter.Reset()
		phone, err = query.GetOne(ctx, db, fx.UserPhone, &fx.User{})
		require.NoError(t, err)
		assert.Nil(t, phone)
		assert.Zero(t, db.Counter.Count())

		// first() on a hasOne query
		db.Counter.Reset()
		first, err := query.Related(fx.UserPhone, &ann).OrderBy("id").First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "555-0101", first.Number)
		assert.Contains(t, rwOnly(t, db), `limit 1`)
	})
}

func TestRelatedReadsHasMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		ann := fx.User{ID: 1}
		posts, err := query.GetMany(ctx, db, fx.UserPosts, &ann)
		require.NoError(t, err)
		assert.ElementsMatch(t, []int64{1, 2}, rwPostIDs(posts))
		s := rwOnly(t, db)
		assert.Contains(t, s, `select "posts"."id", "posts"."user_id", "posts"."title", "posts"."votes", "posts"."created_at", "posts"."updated_at" from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null`)
		assert.NotContains(t, s, "limit")

		db.Counter.Reset()
		posts, err = query.Related(fx.UserPosts, &ann).Get(ctx, db)
		require.NoError(t, err)
		assert.Len(t, posts, 2)
		assert.Equal(t, 1, db.Counter.Count())

		db.Counter.Reset()
		cy := fx.User{ID: 3}
		posts, err = query.GetMany(ctx, db, fx.UserPosts, &cy)
		require.NoError(t, err)
		assert.NotNil(t, posts, "an empty collection, not nil")
		assert.Empty(t, posts)
		assert.Equal(t, 1, db.Counter.Count())

		// A NULL parent key: empty collection and no statement (Laravel
		// HasOneOrMany::getResults).
		db.Counter.Reset()
		orphan := fx.Post{ID: 4, UserID: nil}
		cs, err := query.GetMany(ctx, db, rwCommentsByAuthor, &orphan)
		require.NoError(t, err)
		assert.NotNil(t, cs)
		assert.Empty(t, cs)
		n, err := query.Related(rwCommentsByAuthor, &orphan).Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n)
		ok, err := query.Related(rwCommentsByAuthor, &orphan).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok)
		_, err = query.Related(rwCommentsByAuthor, &orphan).First(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.Zero(t, db.Counter.Count(), db.Counter.String())

		// The same relation with a non-NULL key reads rows.
		p1 := fx.Post{ID: 1, UserID: rwI64(1)} // comments whose post_id = 1
		cs, err = query.GetMany(ctx, db, rwCommentsByAuthor, &p1)
		require.NoError(t, err)
		assert.ElementsMatch(t, []int64{1, 2, 3}, rwCommentIDs(cs))

		// Unsaved parent (zero key): nothing, no statement.
		db.Counter.Reset()
		posts, err = query.GetMany(ctx, db, fx.UserPosts, &fx.User{Name: "new"})
		require.NoError(t, err)
		assert.Empty(t, posts)
		assert.NotNil(t, posts)
		assert.Zero(t, db.Counter.Count())
	})
}

func TestRelatedReadsBelongsTo(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		p1, err := query.From[fx.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		db.Counter.Reset()
		author, err := query.GetOne(ctx, db, fx.PostAuthor, &p1)
		require.NoError(t, err)
		require.NotNil(t, author)
		assert.Equal(t, "ann", author.Name)
		s := rwOnly(t, db)
		assert.Contains(t, s, `select "users"."id", "users"."name" from "users" where "users"."id" = ? limit 1`)

		// post.related('author').first()
		db.Counter.Reset()
		u, err := query.Related(fx.PostAuthor, &p1).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), u.ID)
		assert.Equal(t, 1, db.Counter.Count())

		// NULL foreign key: no statement, nil.
		p4 := fx.Post{ID: 4, UserID: nil}
		db.Counter.Reset()
		author, err = query.GetOne(ctx, db, fx.PostAuthor, &p4)
		require.NoError(t, err)
		assert.Nil(t, author)
		us, err := query.Related(fx.PostAuthor, &p4).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, us)
		assert.Zero(t, db.Counter.Count())

		// Phone → user (non-pointer fk)
		ph := fx.Phone{ID: 2, UserID: 2}
		owner, err := query.GetOne(ctx, db, fx.PhoneUser, &ph)
		require.NoError(t, err)
		require.NotNil(t, owner)
		assert.Equal(t, "bob", owner.Name)
	})
}

func TestRelatedReadsBelongsToMany(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		ann := fx.User{ID: 1}
		roles, err := query.GetMany(ctx, db, fx.UserRoles, &ann)
		require.NoError(t, err)
		require.Len(t, roles, 2)
		byName := map[string]fx.Role{}
		for _, r := range roles {
			byName[r.Name] = r
		}
		admin := byName["admin"]
		assert.Equal(t, int64(1), admin.ID)
		assert.EqualValues(t, 1, admin.Pivot["user_id"])
		assert.EqualValues(t, 1, admin.Pivot["role_id"])
		assert.Contains(t, admin.Pivot, "active")
		assert.Len(t, admin.Pivot, 3, "the pivot holds exactly the keys and the withPivot columns, unprefixed")
		for k := range admin.Pivot {
			assert.False(t, strings.HasPrefix(k, "pivot_"), k)
		}
		assert.EqualValues(t, 2, byName["editor"].Pivot["role_id"])
		s := rwOnly(t, db)
		assert.Contains(t, s, `select "roles"."id", "roles"."name", "role_user"."user_id" as "pivot_user_id", "role_user"."role_id" as "pivot_role_id", "role_user"."active" as "pivot_active" from "roles"`)
		assert.Contains(t, s, `inner join "role_user" on "roles"."id" = "role_user"."role_id" where "role_user"."user_id" = ?`)

		// Pivot column order: foreign pivot key, related pivot key, then
		// withPivot columns in declaration order, duplicates removed.
		r2 := rel.BelongsToMany[fx.User, fx.Role]().WithPivot("active", "role_id", "active", "user_id")
		db.Counter.Reset()
		_, err = query.GetMany(ctx, db, r2, &ann)
		require.NoError(t, err)
		s = rwOnly(t, db)
		assert.Contains(t, s, `select "roles"."id", "roles"."name", "role_user"."user_id" as "pivot_user_id", "role_user"."role_id" as "pivot_role_id", "role_user"."active" as "pivot_active" from`)
		assert.Equal(t, 1, strings.Count(s, `as "pivot_active"`))

		// Keys only without WithPivot.
		db.Counter.Reset()
		bob := fx.User{ID: 2}
		rs, err := query.GetMany(ctx, db, rel.BelongsToMany[fx.User, fx.Role](), &bob)
		require.NoError(t, err)
		require.Len(t, rs, 1)
		assert.Equal(t, "viewer", rs[0].Name)
		assert.Equal(t, map[string]any{"user_id": rs[0].Pivot["user_id"], "role_id": rs[0].Pivot["role_id"]}, rs[0].Pivot)
		assert.EqualValues(t, 2, rs[0].Pivot["user_id"])

		// first() adds limit 1
		db.Counter.Reset()
		first, err := query.Related(fx.UserRoles, &ann).OrderBy("name", "desc").First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "editor", first.Name)
		assert.EqualValues(t, 2, first.Pivot["role_id"])
		assert.Contains(t, rwOnly(t, db), "limit 1")

		// A user without roles: empty, non-nil.
		cy := fx.User{ID: 3}
		rs, err = query.GetMany(ctx, db, fx.UserRoles, &cy)
		require.NoError(t, err)
		assert.NotNil(t, rs)
		assert.Empty(t, rs)

		// NULL parent key: empty, no statement.
		db.Counter.Reset()
		rs, err = query.GetMany(ctx, db, rwPostRoles, &fx.Post{ID: 4})
		require.NoError(t, err)
		assert.NotNil(t, rs)
		assert.Empty(t, rs)
		_, err = query.Related(rwPostRoles, &fx.Post{ID: 4}).First(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.Zero(t, db.Counter.Count())
		rs, err = query.GetMany(ctx, db, rwPostRoles, &fx.Post{ID: 1, UserID: rwI64(1)})
		require.NoError(t, err)
		assert.Len(t, rs, 2)

		// The accessor renamed with As: podcasts' pivot goes into Subscription.
		pods, err := query.GetMany(ctx, db, fx.UserPodcasts, &ann)
		require.NoError(t, err)
		require.Len(t, pods, 1)
		assert.EqualValues(t, 1, pods[0].Subscription["podcast_id"])
		assert.Contains(t, pods[0].Subscription, "created_at")
	})
}

func TestRelatedQueriesKeepTheRelationConstraints(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		ann := fx.User{ID: 1}
		scope := `where "posts"."user_id" = ? and "posts"."user_id" is not null and `

		// The user's wheres are ANDed after the relation constraint.
		posts, err := query.Related(fx.UserPosts, &ann).Where(sq.Eq{"votes": 10}).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, rwPostIDs(posts))
		s := rwOnly(t, db)
		assert.Regexp(t, regexp.QuoteMeta(scope)+`\(?votes = \?`, s)

		// orWhere: our improved, grouped form. Post 4 (no author, 7 votes)
		// and bob's post must not leak in.
		db.Counter.Reset()
		posts, err = query.Related(fx.UserPosts, &ann).
			Where(sq.Eq{"title": "hello"}).
			OrWhere(sq.GtOrEq{"votes": 0}).
			OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2}, rwPostIDs(posts))
		assert.Contains(t, rwOnly(t, db), scope+`(title = ? or votes >= ?)`)

		// The validated helpers.
		db.Counter.Reset()
		posts, err = query.Related(fx.UserPosts, &ann).WhereOp("title", "=", "nope").OrWhereOp("votes", ">=", 7).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, rwPostIDs(posts))
		assert.Contains(t, rwOnly(t, db), scope+`("posts"."title" = ? or "posts"."votes" >= ?)`)

		// A closure group gives "and (a or b)".
		db.Counter.Reset()
		posts, err = query.Related(fx.UserPosts, &ann).WhereGroup(func(g *query.Query[fx.Post]) *query.Query[fx.Post] {
			return g.Where(sq.Eq{"title": "zzz"}).OrWhere(sq.GtOrEq{"votes": 3})
		}).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2}, rwPostIDs(posts))
		assert.Regexp(t, regexp.QuoteMeta(scope)+`\(+title = \? or votes >= \?\)+`, rwOnly(t, db))

		// A raw OR cannot escape either.
		posts, err = query.Related(fx.UserPosts, &ann).WhereRaw("1 = 0 or 1 = 1").Get(ctx, db)
		require.NoError(t, err)
		assert.Len(t, posts, 2)

		// relation.count()
		db.Counter.Reset()
		n, err := query.Related(fx.UserPosts, &ann).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		assert.Contains(t, rwOnly(t, db), `select count(*) from "posts" where "posts"."user_id" = ? and "posts"."user_id" is not null`)
		db.Counter.Reset()
		n, err = query.Related(fx.UserPosts, &ann).OrWhere(sq.Eq{"votes": 0}).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(0), n, "bob's post with 0 votes does not leak into ann's count")

		// Relation-level constraints apply to reads.
		popular := fx.UserPosts.Where(sq.Gt{"votes": 5}).Named("rw_popular_posts")
		posts, err = query.GetMany(ctx, db, popular, &ann)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, rwPostIDs(posts))
		posts, err = query.Related(popular, &ann).Where(sq.Eq{"title": "hello"}).OrWhere(sq.Eq{"title": "code tips"}).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, rwPostIDs(posts), "a relation's own Where cannot be escaped by OrWhere")

		// Builders compose: order, limit, pluck, exists.
		titles, err := query.Pluck[string](ctx, db, query.Related(fx.UserPosts, &ann).OrderByDesc("votes"), "title")
		require.NoError(t, err)
		assert.Equal(t, []string{"hello", "code tips"}, titles)
		ok, err := query.Related(fx.UserPosts, &fx.User{ID: 3}).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok)
		// user.related('roles').orderBy('name').get()
		roles, err := query.Related(fx.UserRoles, &ann).OrderBy("name").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, roles, 2)
		assert.Equal(t, "admin", roles[0].Name)
		assert.Equal(t, "editor", roles[1].Name)
		// Comment docs: post.related('comments').where('content', …).first()
		c, err := query.Related(fx.PostComments, &fx.Post{ID: 1}).Where(sq.Eq{"content": "nice"}).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), c.ID)
	})
}

func TestRelatedQueriesRejectBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		_, err := query.GetMany(ctx, db, fx.UserPosts, nil)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		_, err = query.GetOne(ctx, db, fx.UserPhone, nil)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		_, err = query.Related(fx.UserPosts, &fx.User{ID: 1}).OrderBy("id; drop table posts").Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = query.Related(fx.UserPosts, &fx.User{ID: 1}).Select("nope").Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = query.GetMany(cctx, db, fx.UserPosts, &fx.User{ID: 1})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = query.GetOne(cctx, db, fx.UserPhone, &fx.User{ID: 1})
		assert.ErrorIs(t, err, context.Canceled)
		n, err := query.From[fx.Post]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), n, "the table is still there")
	})
}

// ---------------------------------------------------------------------------
// withDefault

func TestGetOneGivesTheDefaultWhenNothingMatches(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		cy := fx.User{ID: 3, Name: "cy"}
		orphan := fx.Post{ID: 4, Title: "orphan"}

		// withDefault(): an unsaved instance; hasOne carries the parent's key.
		ph, err := query.GetOne(ctx, db, fx.UserPhone.WithDefault(), &cy)
		require.NoError(t, err)
		require.NotNil(t, ph)
		assert.Equal(t, fx.Phone{UserID: 3}, *ph)
		assert.Equal(t, 1, db.Counter.Count(), "the select only; the default is not saved")

		db.Counter.Reset()
		u, err := query.GetOne(ctx, db, fx.PostAuthor.WithDefault(), &orphan)
		require.NoError(t, err)
		require.NotNil(t, u)
		assert.Equal(t, fx.User{}, *u, "belongsTo default: a bare instance")
		assert.Zero(t, db.Counter.Count(), "NULL foreign key: no statement")

		// withDefault(attrs)
		ph, err = query.GetOne(ctx, db, fx.UserPhone.WithDefault(fx.Phone{Number: "000"}), &cy)
		require.NoError(t, err)
		require.NotNil(t, ph)
		assert.Equal(t, fx.Phone{UserID: 3, Number: "000"}, *ph)
		guest := fx.PostAuthor.WithDefault(fx.User{Name: "Guest Author"})
		u, err = query.GetOne(ctx, db, guest, &orphan)
		require.NoError(t, err)
		require.NotNil(t, u)
		assert.Equal(t, fx.User{Name: "Guest Author"}, *u)

		// Each call yields a fresh instance: changing one does not change the
		// relation's default.
		u.Name = "mutated"
		u2, err := query.GetOne(ctx, db, guest, &orphan)
		require.NoError(t, err)
		assert.Equal(t, "Guest Author", u2.Name)

		// withDefault(func): receives the parent; the result is always a model.
		byPost := fx.PostAuthor.WithDefaultFunc(func(p *fx.Post) fx.User {
			return fx.User{Name: fmt.Sprintf("Post %d Author", p.ID)}
		})
		u, err = query.GetOne(ctx, db, byPost, &orphan)
		require.NoError(t, err)
		require.NotNil(t, u)
		assert.Equal(t, "Post 4 Author", u.Name)
		byUser := fx.UserPhone.WithDefaultFunc(func(p *fx.User) fx.Phone { return fx.Phone{Number: "for " + p.Name} })
		ph, err = query.GetOne(ctx, db, byUser, &cy)
		require.NoError(t, err)
		require.NotNil(t, ph)
		assert.Equal(t, fx.Phone{UserID: 3, Number: "for cy"}, *ph, "a hasOne default gets the parent's key")

		// A real row wins over the default.
		ann := fx.User{ID: 1, Name: "ann"}
		ph, err = query.GetOne(ctx, db, byUser, &ann)
		require.NoError(t, err)
		assert.Equal(t, "555-0101", ph.Number)
		assert.NotZero(t, ph.ID)
		p1 := fx.Post{ID: 1, UserID: rwI64(1)}
		u, err = query.GetOne(ctx, db, guest, &p1)
		require.NoError(t, err)
		assert.Equal(t, "ann", u.Name)

		// No matching row (a constraint that excludes the owner): default.
		u, err = query.GetOne(ctx, db, guest.Where(sq.Eq{"name": "nobody"}).Named("rw_nobody_author"), &p1)
		require.NoError(t, err)
		require.NotNil(t, u)
		assert.Equal(t, "Guest Author", u.Name)
	})
}

func TestEagerLoadWithDefaultOnRelationReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		users, err := query.From[fx.User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, users, fx.UserPhone.WithDefault(fx.Phone{Number: "000"})))
		assert.Equal(t, 1, db.Counter.Count())
		require.NotNil(t, users[0].Phone)
		assert.Equal(t, "555-0101", users[0].Phone.Number)
		assert.Equal(t, "555-0102", users[1].Phone.Number)
		require.NotNil(t, users[2].Phone)
		assert.Equal(t, fx.Phone{UserID: 3, Number: "000"}, *users[2].Phone)

		// withDefault() and a func, eager.
		require.NoError(t, load.With(ctx, db, users, fx.UserPhone.WithDefault()))
		assert.Equal(t, fx.Phone{UserID: 3}, *users[2].Phone)
		require.NoError(t, load.With(ctx, db, users,
			fx.UserPhone.WithDefaultFunc(func(u *fx.User) fx.Phone { return fx.Phone{Number: u.Name + "?"} })))
		assert.Equal(t, fx.Phone{UserID: 3, Number: "cy?"}, *users[2].Phone)
		assert.Equal(t, "555-0101", users[0].Phone.Number)

		posts, err := query.From[fx.Post]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		// A second orphan, to check every parent gets its own default.
		db.MustExec(t, `insert into posts (title, created_at, updated_at) values ('orphan2', '2024-01-01 00:00:00', '2024-01-01 00:00:00')`)
		more, err := query.From[fx.Post]().Find(ctx, db, 5)
		require.NoError(t, err)
		posts = append(posts, more)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, posts, fx.PostAuthor.WithDefault(fx.User{Name: "Guest Author"})))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, "ann", posts[0].Author.Name)
		assert.Equal(t, "bob", posts[2].Author.Name)
		require.NotNil(t, posts[3].Author)
		require.NotNil(t, posts[4].Author)
		assert.Equal(t, fx.User{Name: "Guest Author"}, *posts[3].Author)
		assert.NotSame(t, posts[3].Author, posts[4].Author, "each parent gets its own default")
		posts[3].Author.Name = "changed"
		assert.Equal(t, "Guest Author", posts[4].Author.Name)

		require.NoError(t, load.With(ctx, db, posts, fx.PostAuthor.WithDefaultFunc(func(p *fx.Post) fx.User {
			return fx.User{Name: fmt.Sprintf("Post %d Author", p.ID)}
		})))
		assert.Equal(t, "Post 4 Author", posts[3].Author.Name)
		assert.Equal(t, "Post 5 Author", posts[4].Author.Name)
		assert.Equal(t, "ann", posts[1].Author.Name)

		// Through the query: with('default_author').find(4)
		p4, err := query.From[fx.Post]().With(load.Eager(fx.PostAuthor.WithDefault(fx.User{Name: "Guest Author"}))).Find(ctx, db, 4)
		require.NoError(t, err)
		require.NotNil(t, p4.Author)
		assert.Equal(t, "Guest Author", p4.Author.Name)

		// hasMany / belongsToMany: no default, an empty collection.
		require.NoError(t, load.With(ctx, db, users, fx.UserPosts, fx.UserRoles))
		assert.NotNil(t, users[2].Posts)
		assert.Empty(t, users[2].Posts)
		assert.NotNil(t, users[2].Roles)
		assert.Empty(t, users[2].Roles)
		assert.Len(t, users[0].Posts, 2)
	})
}

// ---------------------------------------------------------------------------
// Writing through hasOne/hasMany

func TestRelatedSaveSetsTheForeignKey(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		post, err := query.From[fx.Post]().Find(ctx, db, 3)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, db, &post, fx.PostComments))
		require.Len(t, post.Comments, 0)

		db.Counter.Reset()
		c := fx.Comment{Content: "A new comment."}
		require.NoError(t, query.Related(fx.PostComments, &post).Save(ctx, db, &c))
		assert.Equal(t, int64(3), c.PostID, "save sets the foreign key")
		assert.NotZero(t, c.ID, "and the generated key")
		st := rwStmts(db)
		require.Len(t, st, 1, db.Counter.String())
		assert.Contains(t, st[0], `insert into "comments" (`)
		assert.Contains(t, st[0], `"post_id"`)
		assert.Empty(t, post.Comments, "the relation loaded on the parent is not updated")

		stored, err := query.From[fx.Comment]().Find(ctx, db, c.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(3), stored.PostID)
		assert.Equal(t, "A new comment.", stored.Content)

		// refresh() reloads the model and the named relations.
		require.NoError(t, load.Refresh(ctx, db, &post, fx.PostComments))
		require.Len(t, post.Comments, 1)
		assert.Equal(t, c.ID, post.Comments[0].ID)

		// Saving an existing model through another parent moves it (update).
		meh, err := query.From[fx.Comment]().Find(ctx, db, 4) // post 2's
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, query.Related(fx.PostComments, &post).Save(ctx, db, &meh))
		assert.Equal(t, int64(3), meh.PostID)
		st = rwStmts(db)
		require.Len(t, st, 1, db.Counter.String())
		assert.True(t, strings.HasPrefix(st[0], `update "comments" set`), st[0])
		assert.Contains(t, st[0], `"post_id" = ?`)
		n, err := query.Related(fx.PostComments, &post).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)

		// hasOne save
		cy := fx.User{ID: 3}
		ph := fx.Phone{Number: "555-0303"}
		require.NoError(t, query.Related(fx.UserPhone, &cy).Save(ctx, db, &ph))
		assert.Equal(t, int64(3), ph.UserID)
		got, err := query.GetOne(ctx, db, fx.UserPhone, &cy)
		require.NoError(t, err)
		assert.Equal(t, "555-0303", got.Number)

		// saveMany
		a := fx.Comment{Content: "a"}
		b := fx.Comment{Content: "b"}
		db.Counter.Reset()
		require.NoError(t, query.Related(fx.PostComments, &post).SaveManyPtrs(ctx, db, []*fx.Comment{&a, &b}))
		assert.Equal(t, int64(3), a.PostID)
		assert.Equal(t, int64(3), b.PostID)
		assert.NotZero(t, a.ID)
		assert.NotZero(t, b.ID)
		assert.NotEqual(t, a.ID, b.ID)
		assert.Equal(t, 2, rwCountPrefix(db, "insert"))
		vals := []fx.Comment{{Content: "c"}, {Content: "d"}}
		require.NoError(t, query.Related(fx.PostComments, &post).SaveMany(ctx, db, vals))
		assert.Equal(t, int64(3), vals[0].PostID)
		assert.NotZero(t, vals[1].ID)
		n, err = query.Related(fx.PostComments, &post).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(6), n)

		// An unsaved parent: the write fails and nothing is written.
		before, err := query.From[fx.Comment]().Count(ctx, db)
		require.NoError(t, err)
		x := fx.Comment{Content: "x"}
		err = query.Related(fx.PostComments, &fx.Post{}).Save(ctx, db, &x)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		_, err = query.Related(fx.PostComments, &fx.Post{}).Create(ctx, db, fx.Comment{Content: "x"})
		assert.ErrorIs(t, err, query.ErrBadArgument)
		err = query.Related(fx.PostComments, &post).Save(ctx, db, nil)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		after, err := query.From[fx.Comment]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, before, after)
	})
}

func TestRelatedCreateSetsTheForeignKey(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		post := fx.Post{ID: 2}
		db.Counter.Reset()
		c, err := query.Related(fx.PostComments, &post).Create(ctx, db, fx.Comment{Content: "A new comment."})
		require.NoError(t, err)
		assert.NotZero(t, c.ID)
		assert.Equal(t, int64(2), c.PostID)
		assert.Equal(t, "A new comment.", c.Content)
		assert.Equal(t, 1, db.Counter.Count())

		db.Counter.Reset()
		cs, err := query.Related(fx.PostComments, &post).CreateMany(ctx, db, []fx.Comment{{Content: "A"}, {Content: "B"}})
		require.NoError(t, err)
		require.Len(t, cs, 2)
		for _, c := range cs {
			assert.NotZero(t, c.ID)
			assert.Equal(t, int64(2), c.PostID)
		}
		assert.Equal(t, "A", cs[0].Content)
		assert.Equal(t, "B", cs[1].Content)
		assert.Equal(t, 1, rwCountPrefix(db, "insert"), "one multi-row insert: %s", db.Counter)
		got, err := query.GetMany(ctx, db, fx.PostComments, &post)
		require.NoError(t, err)
		assert.Len(t, got, 4)

		empty, err := query.Related(fx.PostComments, &post).CreateMany(ctx, db, nil)
		require.NoError(t, err)
		assert.NotNil(t, empty)
		assert.Empty(t, empty)

		// createMany is all or nothing: a failing row (content is NOT NULL
		// in the schema, so a row whose Comment.PostID is forced to a missing
		// post fails the foreign key) leaves nothing.
		before, _ := query.From[fx.Comment]().Count(ctx, db)
		_, err = query.Related(fx.PostComments, &fx.Post{ID: 999}).CreateMany(ctx, db, []fx.Comment{{Content: "ok"}, {Content: "also"}})
		require.Error(t, err)
		after, _ := query.From[fx.Comment]().Count(ctx, db)
		assert.Equal(t, before, after)
	})
}

func TestRelatedFindOrNewAndFirstOrNew(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		p1 := fx.Post{ID: 1}
		c, err := query.Related(fx.PostComments, &p1).FindOrNew(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(2), c.ID)
		assert.Equal(t, "nice", c.Content)
		s := rwOnly(t, db)
		assert.Contains(t, s, `"comments"."post_id" = ? and "comments"."post_id" is not null and`)
		assert.Contains(t, s, `"comments"."id" = ?`)

		// Comment 4 belongs to post 2: within post 1 it is a miss.
		db.Counter.Reset()
		c, err = query.Related(fx.PostComments, &p1).FindOrNew(ctx, db, 4)
		require.NoError(t, err)
		assert.Zero(t, c.ID, "a new, unsaved instance")
		assert.Equal(t, int64(1), c.PostID, "with the foreign key set")
		assert.Empty(t, c.Content)
		assert.Equal(t, 1, db.Counter.Count(), "nothing is inserted")

		// firstOrNew(attrs, values)
		db.Counter.Reset()
		c, err = query.Related(fx.PostComments, &p1).FirstOrNew(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 9})
		require.NoError(t, err)
		assert.Equal(t, int64(2), c.ID)
		assert.Equal(t, int64(1), c.Votes, "a hit keeps the stored values")
		s = rwOnly(t, db)
		assert.Contains(t, s, `"comments"."post_id" = ? and "comments"."post_id" is not null and`)
		assert.Contains(t, s, "content")
		assert.Contains(t, s, "limit 1")

		db.Counter.Reset()
		c, err = query.Related(fx.PostComments, &p1).FirstOrNew(ctx, db, map[string]any{"content": "meh"}, map[string]any{"votes": 9})
		require.NoError(t, err)
		assert.Zero(t, c.ID, "post 2's 'meh' is not post 1's")
		assert.Equal(t, fx.Comment{PostID: 1, Content: "meh", Votes: 9}, c)
		assert.Equal(t, 1, db.Counter.Count(), "firstOrNew does not save")

		// Bad attribute names are rejected before any statement.
		db.Counter.Reset()
		_, err = query.Related(fx.PostComments, &p1).FirstOrNew(ctx, db, map[string]any{"content; drop table comments": "x"})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = query.Related(fx.PostComments, &p1).FirstOrCreate(ctx, db, map[string]any{"nope": "x"})
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Zero(t, db.Counter.Count())
	})
}

func TestRelatedFirstOrCreateAndUpdateOrCreate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		p1 := fx.Post{ID: 1}
		comments := query.Related(fx.PostComments, &p1)

		// firstOrCreate: a hit inserts nothing.
		c, err := comments.FirstOrCreate(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 50})
		require.NoError(t, err)
		assert.Equal(t, int64(2), c.ID)
		assert.Equal(t, int64(1), c.Votes)
		assert.Equal(t, 1, db.Counter.Count())

		// A miss (the row exists, but under post 2) creates one with the fk.
		db.Counter.Reset()
		c, err = comments.FirstOrCreate(ctx, db, map[string]any{"content": "meh"}, map[string]any{"votes": 50})
		require.NoError(t, err)
		assert.NotZero(t, c.ID)
		assert.NotEqual(t, int64(4), c.ID)
		assert.Equal(t, int64(1), c.PostID)
		assert.Equal(t, int64(50), c.Votes)
		assert.Equal(t, "meh", c.Content)
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		stored, err := query.From[fx.Comment]().Find(ctx, db, c.ID)
		require.NoError(t, err)
		assert.Equal(t, c, stored)
		again, err := comments.FirstOrCreate(ctx, db, map[string]any{"content": "meh"})
		require.NoError(t, err)
		assert.Equal(t, c.ID, again.ID, "the second call finds it")

		// updateOrCreate: existing row → values filled and saved.
		db.Counter.Reset()
		u, err := comments.UpdateOrCreate(ctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 77})
		require.NoError(t, err)
		assert.Equal(t, int64(2), u.ID)
		assert.Equal(t, int64(77), u.Votes)
		assert.Equal(t, int64(1), u.PostID)
		assert.Equal(t, 1, rwCountPrefix(db, "update"), db.Counter.String())
		assert.Zero(t, rwCountPrefix(db, "insert"))
		stored, err = query.From[fx.Comment]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, int64(77), stored.Votes)
		other, err := query.From[fx.Comment]().Find(ctx, db, 4)
		require.NoError(t, err)
		assert.Equal(t, int64(0), other.Votes, "post 2's comment is untouched")

		// Missing → created with attrs, values and the fk.
		db.Counter.Reset()
		u, err = comments.UpdateOrCreate(ctx, db, map[string]any{"content": "brand new"}, map[string]any{"votes": 3})
		require.NoError(t, err)
		assert.NotZero(t, u.ID)
		assert.Equal(t, fx.Comment{ID: u.ID, PostID: 1, Content: "brand new", Votes: 3}, u)
		assert.Equal(t, 1, rwCountPrefix(db, "insert"))
		assert.Zero(t, rwCountPrefix(db, "update"))
		n, err := comments.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(5), n)

		// hasOne: firstOrCreate / updateOrCreate through the user's phone.
		cy := fx.User{ID: 3}
		ph, err := query.Related(fx.UserPhone, &cy).UpdateOrCreate(ctx, db, map[string]any{}, map[string]any{"number": "555-0303"})
		require.NoError(t, err)
		assert.Equal(t, int64(3), ph.UserID)
		ph2, err := query.Related(fx.UserPhone, &cy).UpdateOrCreate(ctx, db, map[string]any{}, map[string]any{"number": "555-0304"})
		require.NoError(t, err)
		assert.Equal(t, ph.ID, ph2.ID, "the existing phone is updated")
		assert.Equal(t, "555-0304", ph2.Number)
		nPhones, err := query.From[fx.Phone]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), nPhones)
	})
}

func TestRefreshAfterSaveRereadsRelations(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		post, err := query.From[fx.Post]().With(load.Eager(fx.PostComments)).Find(ctx, db, 2)
		require.NoError(t, err)
		require.Len(t, post.Comments, 1)
		_, err = query.Related(fx.PostComments, &post).Create(ctx, db, fx.Comment{Content: "new"})
		require.NoError(t, err)
		assert.Len(t, post.Comments, 1, "still 1 before refresh")
		post.Title = "edited locally"
		db.Counter.Reset()
		require.NoError(t, load.Refresh(ctx, db, &post, fx.PostComments))
		assert.Equal(t, 2, db.Counter.Count(), "the row, then the relation")
		assert.Len(t, post.Comments, 2)
		assert.Equal(t, "code tips", post.Title, "attributes reloaded")
	})
}

// ---------------------------------------------------------------------------
// associate / dissociate

func TestAssociateAndDissociateSetTheForeignKey(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		posts := query.From[fx.Post]()
		bob, err := query.From[fx.User]().Find(ctx, db, 2)
		require.NoError(t, err)
		post, err := posts.Find(ctx, db, 4)
		require.NoError(t, err)

		db.Counter.Reset()
		require.NoError(t, fx.PostAuthor.Associate(&post, &bob))
		assert.Zero(t, db.Counter.Count(), "associate does not save")
		require.NotNil(t, post.UserID)
		assert.Equal(t, int64(2), *post.UserID)
		require.NotNil(t, post.Author, "given a model, the relation is set")
		assert.Equal(t, "bob", post.Author.Name)

		require.NoError(t, posts.Save(ctx, db, &post))
		s := rwOnly(t, db)
		assert.True(t, strings.HasPrefix(s, `update "posts" set`), s)
		assert.Contains(t, s, `"user_id" = ?`)
		assert.Contains(t, s, `"updated_at" = ?`)
		assert.Contains(t, s, `where "id" = ?`)
		stored, err := posts.Find(ctx, db, 4)
		require.NoError(t, err)
		require.NotNil(t, stored.UserID)
		assert.Equal(t, int64(2), *stored.UserID)

		// associate(id): sets the key, unsets the loaded relation.
		db.Counter.Reset()
		require.NoError(t, fx.PostAuthor.AssociateKey(&post, int64(1)))
		assert.Zero(t, db.Counter.Count())
		assert.Equal(t, int64(1), *post.UserID)
		assert.Nil(t, post.Author)

		// dissociate(): fk NULL, relation nil, not saved.
		post.Author = &bob
		require.NoError(t, fx.PostAuthor.Dissociate(&post))
		assert.Zero(t, db.Counter.Count())
		assert.Nil(t, post.UserID)
		assert.Nil(t, post.Author)
		stored, err = posts.Find(ctx, db, 4)
		require.NoError(t, err)
		assert.NotNil(t, stored.UserID, "nothing saved yet")
		require.NoError(t, posts.Save(ctx, db, &post))
		stored, err = posts.Find(ctx, db, 4)
		require.NoError(t, err)
		assert.Nil(t, stored.UserID)

		// A non-pointer fk on a hasOne child's belongsTo.
		ph, err := query.From[fx.Phone]().Find(ctx, db, 1)
		require.NoError(t, err)
		require.NoError(t, fx.PhoneUser.Associate(&ph, &bob))
		assert.Equal(t, int64(2), ph.UserID)
		require.NotNil(t, ph.User)
		require.NoError(t, query.From[fx.Phone]().Save(ctx, db, &ph))
		owner, err := query.GetOne(ctx, db, fx.PhoneUser, &ph)
		require.NoError(t, err)
		assert.Equal(t, "bob", owner.Name)

		// Bad input.
		assert.ErrorIs(t, fx.PostAuthor.Associate(nil, &bob), sqlt.ErrNilValue)
		assert.ErrorIs(t, fx.PostAuthor.Associate(&post, nil), sqlt.ErrNilValue)
		assert.ErrorIs(t, fx.PostAuthor.Dissociate(nil), sqlt.ErrNilValue)
		assert.Error(t, fx.PostAuthor.AssociateKey(&post, 1.5), "a float is not a key")
	})
}

// ---------------------------------------------------------------------------
// Posts with authors, defaults, tags and thumbnails

type (
	rwsUser struct {
		ID        int64     `db:"id"`
		Name      string    `db:"name"`
		FirstName string    `db:"first_name"`
		Posts     []rwsPost `db:"-"`
	}
	rwsPost struct {
		ID                int64     `db:"id"`
		UserID            int64     `db:"user_id"`
		ThumbnailID       *int64    `db:"thumbnail_id"`
		Name              string    `db:"name"`
		Content           string    `db:"content"`
		Author            *rwsUser  `db:"-"`
		DefaultAuthor     *rwsUser  `db:"-"`
		DefaultPostAuthor *rwsUser  `db:"-"`
		Thumbnail         *rwsMedia `db:"-"`
		Tags              []rwsTag  `db:"-"`
	}
	rwsTag struct {
		ID    int64          `db:"id"`
		Name  string         `db:"name"`
		Pivot map[string]any `db:"-"`
	}
	rwsMedia struct {
		ID  int64  `db:"id"`
		URL string `db:"url"`
	}
)

func (rwsUser) TableName() string  { return "users" }
func (rwsPost) TableName() string  { return "posts" }
func (rwsTag) TableName() string   { return "tags" }
func (rwsMedia) TableName() string { return "media" }

var (
	rwsUserPosts         = rel.HasMany[rwsUser, rwsPost]("user_id")
	rwsPostAuthor        = rel.BelongsTo[rwsPost, rwsUser]("user_id").Field("Author")
	rwsPostDefaultAuthor = rel.BelongsTo[rwsPost, rwsUser]("user_id").Field("DefaultAuthor").
				WithDefault(rwsUser{Name: "Default Author"})
	rwsPostDefaultPostAuthor = rel.BelongsTo[rwsPost, rwsUser]("user_id").Field("DefaultPostAuthor").
					WithDefaultFunc(func(p *rwsPost) rwsUser { return rwsUser{Name: p.Name + " - Default Author"} })
	rwsPostThumbnail = rel.BelongsTo[rwsPost, rwsMedia]("thumbnail_id")
	rwsPostTags      = rel.BelongsToMany[rwsPost, rwsTag]("post_tag", "post_id", "tag_id")
)

func rwsSeed(t *testing.T, db *testdb.DB) {
	db.MustExec(t,
		`create table users (id {{pk}}, name text not null, first_name text not null)`,
		`create table posts (id {{pk}}, user_id bigint not null default 0, thumbnail_id bigint, name text not null, content text not null)`,
		`create table tags (id {{pk}}, name text not null)`,
		`create table post_tag (id {{pk}}, post_id bigint not null, tag_id bigint not null)`,
		`create table media (id {{pk}}, url text not null)`,
		`insert into users (name, first_name) values ('Shuri', 'Tim'), ('Alice', 'X')`,
		`insert into posts (user_id, name, content) values (1, 'changed name', 'c'), (2, 'This is a new Title 2!', 'c'),
			(2, 'This is a new Title 3!', 'c'), (30, 'This is a new Title 4!', 'c'), (4, 'This is a new Title 5!', 'c')`,
		`insert into tags (name) values ('cool'), ('boring'), ('exciting'), ('amazing')`,
		`insert into post_tag (post_id, tag_id) values (1, 1), (1, 2), (1, 3), (4, 1)`,
	)
}

func TestRelationReadsOfPostsAuthorsAndTags(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		rwsSeed(t, db)
		posts := query.From[rwsPost]()

		// post(1).related('author').first().id = 1
		p1, err := posts.Find(ctx, db, 1)
		require.NoError(t, err)
		a, err := query.Related(rwsPostAuthor, &p1).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), a.ID)

		// with('author').find(4).author = null (user 30 is missing)
		p4, err := posts.With(load.Eager(rwsPostAuthor)).Find(ctx, db, 4)
		require.NoError(t, err)
		assert.Nil(t, p4.Author)
		got, err := query.GetOne(ctx, db, rwsPostAuthor, &p4)
		require.NoError(t, err)
		assert.Nil(t, got)

		// with('default_author').find(4) → a User named 'Default Author'
		p4, err = posts.With(load.Eager(rwsPostDefaultAuthor)).Find(ctx, db, 4)
		require.NoError(t, err)
		require.NotNil(t, p4.DefaultAuthor)
		assert.Equal(t, rwsUser{Name: "Default Author"}, *p4.DefaultAuthor)
		got, err = query.GetOne(ctx, db, rwsPostDefaultAuthor, &p4)
		require.NoError(t, err)
		require.NotNil(t, got)
		assert.Equal(t, "Default Author", got.Name)

		// default_post_author → name built from the post
		p4, err = posts.With(load.Eager(rwsPostDefaultPostAuthor)).Find(ctx, db, 4)
		require.NoError(t, err)
		require.NotNil(t, p4.DefaultPostAuthor)
		assert.Equal(t, "This is a new Title 4! - Default Author", p4.DefaultPostAuthor.Name)
		got, err = query.GetOne(ctx, db, rwsPostDefaultPostAuthor, &p4)
		require.NoError(t, err)
		assert.Equal(t, "This is a new Title 4! - Default Author", got.Name)

		// Post 1 has its author: the default is not used.
		p1, err = posts.With(load.Eager(rwsPostDefaultAuthor, rwsPostDefaultPostAuthor)).Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "Shuri", p1.DefaultAuthor.Name)
		assert.Equal(t, "Shuri", p1.DefaultPostAuthor.Name)

		// thumbnail is always null (NULL key: no statement).
		db.Counter.Reset()
		th, err := query.GetOne(ctx, db, rwsPostThumbnail, &p1)
		require.NoError(t, err)
		assert.Nil(t, th)
		assert.Zero(t, db.Counter.Count())

		// tags of post 1 with their pivot.
		tags, err := query.Related(rwsPostTags, &p1).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, tags, 3)
		assert.Equal(t, "cool", tags[0].Name)
		assert.EqualValues(t, 1, tags[0].Pivot["post_id"])
		assert.EqualValues(t, 1, tags[0].Pivot["tag_id"])
		assert.EqualValues(t, 3, tags[2].Pivot["tag_id"])
		assert.Len(t, tags[0].Pivot, 2)

		// user.related('posts') of user 2
		u2 := rwsUser{ID: 2}
		ps, err := query.Related(rwsUserPosts, &u2).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, ps, 2)
		assert.Equal(t, "This is a new Title 3!", ps[1].Name)
	})
}

// ---------------------------------------------------------------------------
// The query builder

type rwStatus string

// Value implements driver.Valuer.
func (s rwStatus) Value() (driver.Value, error) { return "st:" + string(s), nil }

// Scan implements sql.Scanner.
func (s *rwStatus) Scan(src any) error {
	var str string
	switch v := src.(type) {
	case string:
		str = v
	case []byte:
		str = string(v)
	default:
		return fmt.Errorf("rwStatus: %T", src)
	}
	*s = rwStatus(strings.TrimPrefix(str, "st:"))
	return nil
}

type rwAudit struct {
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

type rwItem struct {
	ID       int64 `db:"id"`
	Name     string
	Price    int64          `db:"price"`
	Note     *string        `db:"note"`
	Alias    sql.NullString `db:"alias"`
	Payload  []byte         `db:"payload"`
	Status   rwStatus       `db:"status"`
	Ignored  string         `db:"-"`
	Computed int64          `db:"computed,generated"`
	rwAudit
}

func (rwItem) TableName() string { return "items" }

type rwNoKey struct {
	Name string `db:"name"`
}

func (rwNoKey) TableName() string { return "nokeys" }

func rwItemsSchema(t *testing.T, db *testdb.DB) {
	db.MustExec(t,
		`create table items (id {{pk}}, name text not null, price bigint not null default 0, note text, alias text,
			payload bytea, status text not null default '', computed bigint not null default 42,
			created_at timestamp not null, updated_at timestamp not null)`,
		`create table nokeys (name text not null)`,
	)
}

func rwItemNames(its []rwItem) []string {
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = it.Name
	}
	return out
}

func TestRelationKeyTypesAndNullKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		rwItemsSchema(t, db)
		users := query.From[fx.User]()

		// A key of the wrong type is refused before any statement, the same
		// way on both databases (SQLite would find nothing, PostgreSQL fail).
		_, err := users.Find(ctx, db, "abc")
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		_, err = users.Find(ctx, db, 1.5)
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		_, err = users.FindMany(ctx, db, 1, "two")
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		_, err = users.FindOrNew(ctx, db, "abc")
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		_, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).FindOrNew(ctx, db, struct{}{})
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		// A NULL id matches nothing.
		_, err = users.Find(ctx, db, nil)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		_, err = users.Find(ctx, db, (*int64)(nil))
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.Zero(t, db.Counter.Count(), db.Counter.String())

		// Any integer type, pointer or sql.NullInt64 is a key.
		for _, id := range []any{int32(2), uint8(2), rwI64(2), sql.NullInt64{Int64: 2, Valid: true}} {
			u, err := users.Find(ctx, db, id)
			require.NoError(t, err, "%T", id)
			assert.Equal(t, "bob", u.Name)
		}
		us, err := users.OrderBy("id").FindMany(ctx, db, []int32{1, 3}, nil)
		require.NoError(t, err)
		require.Len(t, us, 2)
		assert.Equal(t, "cy", us[1].Name)

		// Save needs a primary key; nothing is written without one.
		nk := query.From[rwNoKey]()
		assert.ErrorIs(t, nk.Save(ctx, db, &rwNoKey{Name: "a"}), sqlt.ErrNoPrimaryKey)
		assert.ErrorIs(t, nk.SaveMany(ctx, db, []rwNoKey{{Name: "a"}}), sqlt.ErrNoPrimaryKey)
		n, err := nk.Count(ctx, db)
		require.NoError(t, err)
		assert.Zero(t, n)

		// firstOrCreate / updateOrCreate with a NULL attribute look it up with
		// "is null" (Laravel's where(attributes)), so they do not duplicate.
		items := query.From[rwItem]()
		a, err := items.FirstOrCreate(ctx, db, map[string]any{"name": "x", "note": nil})
		require.NoError(t, err)
		db.Counter.Reset()
		b, err := items.FirstOrCreate(ctx, db, map[string]any{"name": "x", "note": nil})
		require.NoError(t, err)
		assert.Equal(t, a.ID, b.ID)
		assert.Contains(t, rwOnly(t, db), `"items"."note" is null`)
		c, err := items.UpdateOrCreate(ctx, db, map[string]any{"name": "x", "alias": sql.NullString{}}, map[string]any{"price": 8})
		require.NoError(t, err)
		assert.Equal(t, a.ID, c.ID)
		assert.Equal(t, int64(8), c.Price)
		fo, err := items.FirstOrNew(ctx, db, map[string]any{"name": "x", "note": (*string)(nil)})
		require.NoError(t, err)
		assert.Equal(t, a.ID, fo.ID)
		cnt, err := items.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), cnt)
	})
}

func TestAssociateWithAnUnsavedOwner(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		post, err := query.From[fx.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		dan := fx.User{Name: "dan"}
		db.Counter.Reset()
		require.NoError(t, fx.PostAuthor.Associate(&post, &dan))
		assert.Nil(t, post.UserID, "an unsaved owner has no key: the foreign key is NULL, not 0")
		assert.Same(t, &dan, post.Author)
		assert.Zero(t, db.Counter.Count())

		// push() saves the owner first, then sets the key.
		require.NoError(t, query.Push(ctx, db, &post, fx.PostAuthor))
		assert.NotZero(t, dan.ID)
		require.NotNil(t, post.UserID)
		assert.Equal(t, dan.ID, *post.UserID)
		author, err := query.GetOne(ctx, db, fx.PostAuthor, &post)
		require.NoError(t, err)
		assert.Equal(t, "dan", author.Name)

		// Associating an unsaved owner then saving only the child: NULL.
		p2, err := query.From[fx.Post]().Find(ctx, db, 2)
		require.NoError(t, err)
		require.NoError(t, fx.PostAuthor.Associate(&p2, &fx.User{Name: "eve"}))
		require.NoError(t, query.From[fx.Post]().Save(ctx, db, &p2))
		stored, err := query.From[fx.Post]().Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Nil(t, stored.UserID)
	})
}

func TestRelationsAreFoundByName(t *testing.T) {
	assert.Equal(t, "default_author", relmeta.Of(rwsPostDefaultAuthor).Name)
	assert.Equal(t, "default_post_author", relmeta.Of(rwsPostDefaultPostAuthor).Name)
	assert.Equal(t, "thumbnail", relmeta.Of(rwsPostThumbnail).Name)
	assert.Equal(t, "tags", relmeta.Of(rwsPostTags).Name)
	for _, name := range []string{"author", "default_author", "default_post_author", "thumbnail", "tags"} {
		r, err := rel.Find[rwsPost](name)
		require.NoError(t, err, name)
		assert.Equal(t, name, relmeta.Of(r).Name)
	}
	_, err := rel.Find[rwsPost]("undefinedRelation")
	assert.ErrorIs(t, err, rel.ErrUnknownRelation)
	var ue *rel.UnknownRelationError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, ue.Known, "default_author")
	assert.Equal(t, "rw_comments_by_author", relmeta.Of(rwCommentsByAuthor).Name)
	assert.Equal(t, "pivot", relmeta.Of(fx.UserRoles).PivotAs)
	assert.Equal(t, "subscription", relmeta.Of(fx.UserPodcasts).PivotAs)
}

type rwStamped struct {
	ID        int64        `db:"id"`
	Name      string       `db:"name"`
	CreatedAt *time.Time   `db:"created_at"`
	UpdatedAt sql.NullTime `db:"updated_at"`
}

func (rwStamped) TableName() string { return "stamped" }

func TestRelatedWritesEdgeCases(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		ann := fx.User{ID: 1}
		// Writing through belongsToMany is pivot's job.
		_, err := query.Related(fx.UserRoles, &ann).Create(ctx, db, fx.Role{Name: "x"})
		assert.ErrorIs(t, err, query.ErrUnsupported)
		// A cancelled context writes nothing.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).Create(cctx, db, fx.Comment{Content: "x"})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).CreateMany(cctx, db, []fx.Comment{{Content: "x"}, {Content: "y"}})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).FirstOrCreate(cctx, db, map[string]any{"content": "x"})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).UpdateOrCreate(cctx, db, map[string]any{"content": "nice"}, map[string]any{"votes": 1})
		assert.ErrorIs(t, err, context.Canceled)
		err = query.Push(cctx, db, &fx.Post{ID: 1, Title: "x"})
		assert.ErrorIs(t, err, context.Canceled)
		n, err := query.From[fx.Comment]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)
		p, err := query.From[fx.Post]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "hello", p.Title)

		// Mass writes through a relation stay within it.
		n, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).OrWhere(sq.Eq{"votes": 0}).UpdateAll(ctx, db, map[string]any{"votes": 100})
		require.NoError(t, err)
		assert.Equal(t, int64(0), n, "no comment of post 1 has 0 votes; post 2's 'meh' is not touched")
		meh, err := query.From[fx.Comment]().Find(ctx, db, 4)
		require.NoError(t, err)
		assert.Equal(t, int64(0), meh.Votes)
		n, err = query.Related(fx.PostComments, &fx.Post{ID: 1}).WhereOp("votes", "<", 3).DeleteAll(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		rest, err := query.From[fx.Comment]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), rest)
	})
}

func TestBelongsToManyRelatedQueryMethods(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		ann := fx.User{ID: 1}
		roles := query.Related(fx.UserRoles, &ann).OrderBy("id")

		// Iter streams a belongsToMany query with its pivot columns.
		var got []fx.Role
		for r, err := range roles.Iter(ctx, db) {
			require.NoError(t, err)
			got = append(got, r)
		}
		require.Len(t, got, 2)
		assert.Equal(t, "admin", got[0].Name)
		assert.EqualValues(t, 1, got[0].Pivot["role_id"])
		assert.EqualValues(t, 2, got[1].Pivot["role_id"])
		n := 0
		for r, err := range roles.Iter(ctx, db) {
			require.NoError(t, err)
			assert.Equal(t, "admin", r.Name)
			n++
			break
		}
		assert.Equal(t, 1, n)

		// Find, FindMany, Count, Exists, Select, Pluck within the relation.
		r, err := roles.Find(ctx, db, 2)
		require.NoError(t, err)
		assert.Equal(t, "editor", r.Name)
		assert.EqualValues(t, 1, r.Pivot["user_id"])
		_, err = roles.Find(ctx, db, 3) // bob's role
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		rs, err := roles.FindMany(ctx, db, 1, 2, 3)
		require.NoError(t, err)
		assert.Len(t, rs, 2)
		c, err := roles.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), c)
		ok, err := roles.Where(sq.Eq{"roles.name": "viewer"}).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok)
		rs, err = roles.Select("name").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, rs, 2)
		assert.Equal(t, "admin", rs[0].Name)
		assert.EqualValues(t, 1, rs[0].Pivot["role_id"], "pivot columns come along with a column selection")
		names, err := query.Pluck[string](ctx, db, roles, "name")
		require.NoError(t, err)
		assert.Equal(t, []string{"admin", "editor"}, names)
		active, err := roles.WhereOp("role_user.active", "=", true).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, active, 1)
		assert.Equal(t, "admin", active[0].Name)
	})
}

// rwNotStruct runs every method of a query whose type parameter is not a
// struct: each fails with sqlt.ErrNotStruct, none panics, nothing is written.
func rwNotStruct[T any](t *testing.T, db *testdb.DB, q *query.Query[T], v T) {
	t.Helper()
	ctx := context.Background()
	before, err := query.From[rwItem]().Count(ctx, db)
	require.NoError(t, err)
	db.Counter.Reset()
	is := func(err error, what string) {
		t.Helper()
		assert.ErrorIs(t, err, sqlt.ErrNotStruct, "%T %s", q, what)
	}
	is(q.Err(), "Err")
	_, err = q.Get(ctx, db)
	is(err, "Get")
	_, err = q.First(ctx, db)
	is(err, "First")
	_, err = q.Find(ctx, db, 1)
	is(err, "Find")
	_, err = q.FindMany(ctx, db, 1, 2)
	is(err, "FindMany")
	_, err = q.Count(ctx, db)
	is(err, "Count")
	_, err = q.Exists(ctx, db)
	is(err, "Exists")
	_, err = query.Pluck[string](ctx, db, q, "name")
	is(err, "Pluck")
	for _, err := range q.Iter(ctx, db) {
		is(err, "Iter")
	}
	_, _, err = q.Where(sq.Eq{"a": 1}).Select("name").OrderBy("name").ToSql()
	is(err, "ToSql")
	is(q.Insert(ctx, db, &v), "Insert")
	is(q.InsertMany(ctx, db, []T{v}), "InsertMany")
	is(q.Update(ctx, db, &v), "Update")
	is(q.Save(ctx, db, &v), "Save")
	is(q.SaveMany(ctx, db, []T{v}), "SaveMany")
	is(q.Delete(ctx, db, &v), "Delete")
	is(q.Upsert(ctx, db, &v, []string{"name"}), "Upsert")
	_, err = q.Create(ctx, db, v)
	is(err, "Create")
	_, err = q.CreateMany(ctx, db, []T{v})
	is(err, "CreateMany")
	_, err = q.UpdateAll(ctx, db, map[string]any{"name": "x"})
	is(err, "UpdateAll")
	_, err = q.DeleteAll(ctx, db)
	is(err, "DeleteAll")
	_, err = q.FirstOrNew(ctx, db, map[string]any{"name": "x"})
	is(err, "FirstOrNew")
	_, err = q.FirstOrCreate(ctx, db, map[string]any{"name": "x"})
	is(err, "FirstOrCreate")
	_, err = q.UpdateOrCreate(ctx, db, map[string]any{"name": "x"}, map[string]any{"price": 1})
	is(err, "UpdateOrCreate")
	_, err = q.FindOrNew(ctx, db, 1)
	is(err, "FindOrNew")
	is(query.Push(ctx, db, &v), "Push")
	assert.Zero(t, db.Counter.Count(), db.Counter.String())
	after, err := query.From[rwItem]().Count(ctx, db)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

// RWMeta is embedded by pointer in rwDoc.
type RWMeta struct {
	Author    string    `db:"author"`
	CreatedAt time.Time `db:"created_at"`
}

type rwDocBase struct {
	ID    int64  `db:"id"`
	Title string `db:"title"`
}

type rwDoc struct {
	rwDocBase
	*RWMeta
	Title  string // shadows rwDocBase.Title: the shallower field wins
	hidden string
}

func (rwDoc) TableName() string { return "docs" }

func TestInsertManyOfManyRowsThroughARelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		const n = 20000
		rows := make([]*fx.Comment, n)
		for i := range rows {
			rows[i] = &fx.Comment{Content: fmt.Sprintf("c%05d", i), Votes: int64(i)}
		}
		db.Counter.Reset()
		require.NoError(t, query.Related(fx.PostComments, &fx.Post{ID: 3}).InsertManyPtrs(ctx, db, rows))
		ins := rwCountPrefix(db, "insert")
		assert.GreaterOrEqual(t, ins, 1)
		assert.LessOrEqual(t, ins, 10, "batched: a few multi-row statements, not one per row")
		seen := map[int64]bool{}
		for i, r := range rows {
			require.NotZero(t, r.ID, "row %d", i)
			assert.False(t, seen[r.ID])
			seen[r.ID] = true
			assert.Equal(t, int64(3), r.PostID)
		}
		// Keys come back in row order.
		for _, i := range []int{0, 1, n / 2, n - 1} {
			c, err := query.From[fx.Comment]().Find(ctx, db, rows[i].ID)
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("c%05d", i), c.Content)
		}
		cnt, err := query.Related(fx.PostComments, &fx.Post{ID: 3}).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(n), cnt)
	})
}

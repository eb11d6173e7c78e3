package load_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
)

// TestHundredThousandParents loads relations of 100,000 parents: one
// statement per relation on both databases, nothing missing.
func TestHundredThousandParents(t *testing.T) {
	if testing.Short() {
		t.Skip("large load")
	}
	const n = 100_000
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, Schema...)
		series := fmt.Sprintf(`with recursive s(x) as (select 1 union all select x + 1 from s where x < %d) `, n)
		if db.Name == "postgres" {
			db.MustExec(t, fmt.Sprintf(`insert into users (name) select 'u' || x from generate_series(1, %d) as x`, n))
		} else {
			db.MustExec(t, series+`insert into users (name) select 'u' || x from s`)
		}
		db.MustExec(t,
			`insert into phones (user_id, number) select id, 'n' || id from users`,
			`insert into posts (user_id, title, created_at, updated_at) select id, 't' || id, '2024-01-01 00:00:00', '2024-01-01 00:00:00' from users where id % 2 = 0`,
			`insert into roles (name) values ('a'), ('b')`,
			`insert into role_user (user_id, role_id, active) select id, 1 + id % 2, true from users where id % 3 = 0`,
		)
		us, err := query.From[User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, us, n)

		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, us, UserPhone, UserPosts, UserRoles))
		stmts := db.Counter.Statements()
		require.Len(t, stmts, 3, "one statement per relation")
		for _, s := range stmts {
			if db.Name == "postgres" {
				assert.Contains(t, s, "= any($1)")
			} else {
				assert.Contains(t, s, "json_each(?)")
			}
		}
		for _, u := range us {
			require.NotNil(t, u.Phone, u.ID)
			require.Equal(t, u.ID, u.Phone.UserID)
			if u.ID%2 == 0 {
				require.Len(t, u.Posts, 1, u.ID)
				require.Equal(t, u.ID, *u.Posts[0].UserID)
			} else {
				require.Empty(t, u.Posts)
				require.NotNil(t, u.Posts)
			}
			if u.ID%3 == 0 {
				require.Len(t, u.Roles, 1, u.ID)
				require.EqualValues(t, u.ID, u.Roles[0].Pivot["user_id"])
			} else {
				require.Empty(t, u.Roles)
			}
		}

		// The other way: 100,000 phones, 100,000 distinct owner keys.
		phones, err := query.From[Phone]().Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, phones, PhoneUser))
		require.Equal(t, 1, db.Counter.Count())
		for _, p := range phones {
			require.NotNil(t, p.User)
			require.Equal(t, p.UserID, p.User.ID)
		}
	})
}

// TestConcurrentLoads shares relation values and specs between many
// goroutines (run with -race).
func TestConcurrentLoads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		nested := load.Nested(UserPosts, PostComments, CommentImages)
		phone := load.Columns(UserPhone, "number")
		roles := load.Where(UserRoles, func(q *query.Query[Role]) *query.Query[Role] { return q.OrderBy("name") })
		want := users(t, db)
		require.NoError(t, load.With(ctx, db, want, nested, phone, roles))

		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					us, err := query.From[User]().OrderBy("id").Get(ctx, db)
					if err == nil {
						if g%2 == 0 {
							err = load.With(ctx, db, us, nested, phone, roles)
						} else {
							err = load.With(ctx, db, us, roles, nested, phone)
						}
					}
					if err != nil {
						errs <- err
						return
					}
					if !assert.Equal(t, want, us) {
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
}

package load_test

import (
	"context"
	"fmt"
	"strings"
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
		// concat(a, b) for MySQL, where || is "or" (the tests' fixtures
		// only: relkit writes no concatenation).
		cat := func(a, b string) string { return a + " || " + b }
		switch db.Name {
		case "postgres":
			db.MustExec(t, fmt.Sprintf(`insert into users (name) select 'u' || x from generate_series(1, %d) as x`, n))
		case "mysql":
			cat = func(a, b string) string { return "concat(" + a + ", " + b + ")" }
			db.MustExec(t, `insert into users (name) `+mysqlSeries("s", "x", n)+` select concat('u', x) from s`)
		default:
			db.MustExec(t, series+`insert into users (name) select 'u' || x from s`)
		}
		db.MustExec(t,
			`insert into phones (user_id, number) select id, `+cat("'n'", "id")+` from users`,
			`insert into posts (user_id, title, created_at, updated_at) select id, `+cat("'t'", "id")+`, '2024-01-01 00:00:00', '2024-01-01 00:00:00' from users where id % 2 = 0`,
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
			assert.Contains(t, s, keyListSQL(db), "all keys in one parameter")
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

// mysqlSeries is a WITH clause naming table name, of one column col
// holding 1..n, for MySQL and MariaDB: a recursive CTE counting to n runs
// into their recursion limits (cte_max_recursion_depth,
// max_recursive_iterations: 1000 by default), so the series is the cross
// product of a ten-row digits table, recursing only ten deep. It goes
// between "insert into t (…)" and its select, where both servers take a
// WITH clause.
func mysqlSeries(name, col string, n int) string {
	var from, sum []string
	for i, p := 0, 1; p < n; i, p = i+1, p*10 {
		from = append(from, fmt.Sprintf("relkit_digits d%d", i))
		sum = append(sum, fmt.Sprintf("%d * d%d.x", p, i))
	}
	if len(from) == 0 {
		from, sum = []string{"relkit_digits d0"}, []string{"0"}
	}
	return fmt.Sprintf("with recursive relkit_digits(x) as (select 0 union all select x + 1 from relkit_digits where x < 9), "+
		"%s(%s) as (select 1 + %s from %s where %s < %d)",
		name, col, strings.Join(sum, " + "), strings.Join(from, ", "), strings.Join(sum, " + "), n)
}

// keyListSQL is what a long key list's statement holds on db: the one
// array parameter of its dialect's KeyList.
func keyListSQL(db *testdb.DB) string {
	switch db.Name {
	case "postgres":
		return "= any($1)"
	case "mysql":
		return "json_table(?, '$[*]'"
	}
	return "json_each(?)"
}

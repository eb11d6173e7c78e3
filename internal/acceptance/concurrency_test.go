package acceptance_test

// 16 goroutines writing and reading at once on every
// database (SQLite in memory, a SQLite file opened with sqlt.Open's
// defaults, PostgreSQL) — syncs of a shared parent and of their own,
// batched inserts, inserts in transactions that read first, eager loads —
// with no call failing and a final state that a serial order gives. Run
// with -race.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestSixteenGoroutinesWriteAndReadAtOnce(t *testing.T) {
	const workers, ops = 16, 100
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db) // users 1-3, roles 1-3
		// One user per worker, and roles 4-9.
		own := make([]fx.User, workers)
		for i := range own {
			own[i].Name = fmt.Sprintf("worker %d", i)
		}
		require.NoError(t, query.From[fx.User]().InsertMany(ctx, db, own))
		roles := make([]fx.Role, 6)
		for i := range roles {
			roles[i].Name = fmt.Sprintf("role %d", i+4)
		}
		require.NoError(t, query.From[fx.Role]().InsertMany(ctx, db, roles))

		sets := [][]int64{{1, 2}, {3, 4, 5}, {6}, {2, 7, 8, 9}, {}}
		lastOwn := make([][]int64, workers)
		var sharedSets sync.Map // the sets synced onto user 1
		var wg sync.WaitGroup
		errs := make(chan error, workers*ops)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				shared := fx.User{ID: 1}
				mine := own[w]
				for i := range ops {
					set := sets[(w+i)%len(sets)]
					var err error
					switch i % 5 {
					case 0: // the shared parent
						sharedSets.Store(fmt.Sprint(set), set)
						_, err = pivot.Sync(ctx, db, fx.UserRoles, &shared, set)
					case 1: // the worker's own parent
						_, err = pivot.Sync(ctx, db, fx.UserRoles, &mine, set)
						if err == nil {
							lastOwn[w] = set
						}
					case 2: // a batched insert
						posts := []fx.Post{{UserID: &mine.ID, Title: "a"}, {UserID: &mine.ID, Title: "b"}}
						err = query.From[fx.Post]().InsertMany(ctx, db, posts)
					case 3: // a transaction that reads before it writes
						err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
							n, err := query.From[fx.Post]().WhereOp("user_id", "=", mine.ID).Count(ctx, tx)
							if err != nil {
								return err
							}
							return query.From[fx.Post]().Insert(ctx, tx, &fx.Post{UserID: &mine.ID, Title: fmt.Sprint("after ", n)})
						})
					case 4: // an eager load while others write
						users, gerr := query.From[fx.User]().WhereIn("id", 1, mine.ID).Get(ctx, db)
						if err = gerr; err == nil {
							err = load.With(ctx, db, users, fx.UserRoles, fx.UserPosts)
						}
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d op %d: %w", w, i, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		var failed []string
		for err := range errs {
			failed = append(failed, err.Error())
		}
		require.Empty(t, failed, "%d of %d calls failed", len(failed), workers*ops)

		roleIDs := func(uid int64) []int64 {
			rows, err := db.Query(ctx, `select role_id from role_user where user_id = ? order by role_id`, uid)
			require.NoError(t, err)
			ids, err := sqlt.ScanAll[int64](rows)
			require.NoError(t, err)
			return ids
		}
		// The shared parent holds exactly one of the sets synced onto it.
		got := roleIDs(1)
		var candidates []string
		sharedSets.Range(func(_, v any) bool {
			s := slices.Sorted(slices.Values(v.([]int64)))
			if s == nil {
				s = []int64{}
			}
			candidates = append(candidates, fmt.Sprint(s))
			return true
		})
		assert.Contains(t, candidates, fmt.Sprint(got), "user 1's roles are the result of one serial order")
		for w := range workers {
			want := slices.Sorted(slices.Values(lastOwn[w]))
			if want == nil {
				want = []int64{}
			}
			assert.Equal(t, want, roleIDs(own[w].ID), "worker %d's own roles are its last sync", w)
			n, err := query.From[fx.Post]().WhereOp("user_id", "=", own[w].ID).Count(ctx, db)
			require.NoError(t, err)
			assert.EqualValues(t, ops/5*3, n, "worker %d's posts: two per batch, one per transaction", w)
		}
		// No duplicated pivot rows anywhere.
		rows, err := db.Query(ctx, `select count(*) from (select user_id, role_id from role_user group by user_id, role_id having count(*) > 1) d`)
		require.NoError(t, err)
		dups, err := sqlt.ScanOne[int](rows)
		require.NoError(t, err)
		assert.Zero(t, dups)
	})
}

package acceptance_test

// A cancelled context never destroys data. Every write that
// runs in a transaction (pivot.Sync, InsertMany, Push, sqlt.Tx) is cancelled
// before it starts, between two of its statements, and after it returned;
// the call fails with context.Canceled, nothing of it is committed, and the
// database — tables and committed rows — is there for the next call. Runs
// on SQLite in memory (one connection holds the whole database), a SQLite
// file and PostgreSQL.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// cancelAfter returns a handle on db whose hook cancels the returned
// context once n statements have finished (n = 0: cancelled already).
func cancelAfter(db *testdb.DB, n int64) (*sqlt.DB, context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	if n == 0 {
		cancel()
	}
	var seen atomic.Int64
	h := db.WithHook(sqlt.HookFunc(func(context.Context, sqlt.QueryEnd) {
		if seen.Add(1) == n {
			cancel()
		}
	}))
	return h, ctx, cancel
}

type cancelState struct {
	Users, Posts, Comments, RoleUser int
	AnnRoles                         []int64
}

func stateOf(t *testing.T, db sqlt.Executor) cancelState {
	t.Helper()
	ctx := context.Background()
	count := func(table string) int {
		rows, err := db.Query(ctx, `select count(*) from `+table)
		require.NoError(t, err, "table %s is still there", table)
		n, err := sqlt.ScanOne[int](rows)
		require.NoError(t, err)
		return n
	}
	rows, err := db.Query(ctx, `select role_id from role_user where user_id = 1 order by role_id`)
	require.NoError(t, err)
	roles, err := sqlt.ScanAll[int64](rows)
	require.NoError(t, err)
	return cancelState{count("users"), count("posts"), count("comments"), count("role_user"), roles}
}

func TestCancelledWritesKeepTheDatabase(t *testing.T) {
	writes := []struct {
		name string
		run  func(ctx context.Context, ex sqlt.Executor) error
	}{
		{"pivot.Sync", func(ctx context.Context, ex sqlt.Executor) error {
			ann := fx.User{ID: 1}
			_, err := pivot.Sync(ctx, ex, fx.UserRoles, &ann, []int64{2, 3})
			return err
		}},
		{"InsertMany", func(ctx context.Context, ex sqlt.Executor) error {
			users := make([]fx.User, 25000) // several batches
			for i := range users {
				users[i].Name = "bulk"
			}
			return query.From[fx.User]().InsertMany(ctx, ex, users)
		}},
		{"Push", func(ctx context.Context, ex sqlt.Executor) error {
			post := fx.Post{Title: "pushed", Comments: []fx.Comment{{Content: "one"}, {Content: "two"}}}
			return query.Push(ctx, ex, &post, fx.PostComments)
		}},
		{"sqlt.Tx", func(ctx context.Context, ex sqlt.Executor) error {
			return sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
				for _, name := range []string{"t1", "t2", "t3"} {
					if _, err := tx.Exec(ctx, `insert into users (name) values (?)`, name); err != nil {
						return err
					}
				}
				return nil
			})
		}},
	}
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		fx.Seed(t, db)
		before := stateOf(t, db)
		for _, w := range writes {
			// Count the write's statements in a transaction rolled back
			// afterwards; cancelling after each of them, the last
			// included, falls inside the write's own transaction.
			db.Counter.Reset()
			undo := errors.New("undo")
			require.ErrorIs(t, sqlt.Tx(context.Background(), db, func(tx sqlt.Executor) error {
				require.NoError(t, w.run(context.Background(), tx))
				return undo
			}), undo)
			statements := int64(db.Counter.Count())
			require.Greater(t, statements, int64(1), w.name)
			for n := int64(0); n <= statements; n++ {
				name := w.name + "/cancel before"
				if n > 0 {
					name = fmt.Sprintf("%s/cancel after statement %d of %d", w.name, n, statements)
				}
				t.Run(name, func(t *testing.T) {
					h, ctx, cancel := cancelAfter(db, n)
					defer cancel()
					err := w.run(ctx, h)
					require.Error(t, err)
					assert.ErrorIs(t, err, context.Canceled)
					assert.Equal(t, before, stateOf(t, db), "nothing written, nothing lost")
				})
			}
		}
		// Cancelling after the call returned changes nothing either, and
		// the handle goes on working.
		ctx, cancel := context.WithCancel(context.Background())
		ann := fx.User{ID: 1}
		_, err := pivot.Sync(ctx, db, fx.UserRoles, &ann, []int64{3})
		require.NoError(t, err)
		cancel()
		time.Sleep(10 * time.Millisecond)
		after := stateOf(t, db)
		assert.Equal(t, []int64{3}, after.AnnRoles)
		assert.Equal(t, before.Users, after.Users)
	})
}

package relkittest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/relkittest"
	"github.com/relkit/relkit/sqlt"
)

// recorder is a testing.TB whose Errorf and Cleanup are recorded.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()                  {}
func (r *recorder) Context() context.Context { return context.Background() }
func (r *recorder) Cleanup(f func())         { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestNoRepeatsReportsAtCleanup(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fx.Seed(t, db)
		rec := &recorder{TB: t}
		ctx, gdb := relkittest.NoRepeats(rec, db.DB)
		us, err := query.From[fx.User]().OrderBy("id").Get(ctx, gdb)
		require.NoError(t, err)
		for i := range us {
			_, err := query.GetMany(ctx, gdb, fx.UserPosts, &us[i])
			require.NoError(t, err)
		}
		assert.Empty(t, rec.errs, "reported at the end of the test")
		rec.end()
		require.Len(t, rec.errs, 1)
		assert.Contains(t, rec.errs[0], "relkit: N+1: relation User.posts read for 3 parents in one scope (max 1)")
	})
}

func TestGuardOptions(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fx.Seed(t, db)
		rec := &recorder{TB: t}
		ctx, gdb := relkittest.Guard(rec, db.DB, sqlt.RepeatOptions{Max: 3, AllSelects: true, Mode: sqlt.RepeatLog})
		for _, id := range []int64{1, 2, 3} {
			u, err := query.From[fx.User]().Find(ctx, gdb, id)
			require.NoError(t, err)
			_, err = query.GetMany(ctx, gdb, fx.UserPosts, &u)
			require.NoError(t, err)
		}
		for _, id := range []int64{1, 2, 3, 4} {
			_, err := query.From[fx.Post]().Find(ctx, gdb, id)
			require.NoError(t, err)
		}
		rec.end()
		require.Len(t, rec.errs, 1, "the mode is always Fail")
		assert.Contains(t, rec.errs[0], "statement run with 4 distinct argument lists in one scope (max 3)")
	})
}

package acceptance_test

// The N+1 guard (sqlt.NewRepeatGuard, CONTRACT-ELOQUENT §22) over the
// reads of query, load and agg, mirroring Laravel's
// tests/Integration/Database/EloquentStrictLoadingTest.php where the shape
// allows: Laravel checks a relation read through a model's property; relkit
// counts the distinct parents each single-parent relation read is for.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/relkittest"
	"github.com/relkit/relkit/sqlt"
)

// guarded seeds the fixture and returns db with a guard of opts and a
// scope on it.
func guarded(t *testing.T, db *testdb.DB, opts sqlt.RepeatOptions) (context.Context, *sqlt.DB, *sqlt.RepeatScope) {
	t.Helper()
	fx.Seed(t, db)
	g := sqlt.NewRepeatGuard(opts)
	ctx, scope := g.Scope(context.Background())
	return ctx, db.DB.WithHook(g), scope
}

func users(t *testing.T, ctx context.Context, ex sqlt.Executor) []fx.User {
	t.Helper()
	us, err := query.From[fx.User]().OrderBy("id").Get(ctx, ex)
	require.NoError(t, err)
	return us
}

// repeatErrs unwraps scope.Err's errors.Join.
func repeatErrs(t *testing.T, err error) []*sqlt.RepeatError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*sqlt.RepeatError
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *sqlt.RepeatError
		require.ErrorAs(t, e, &re)
		out = append(out, re)
	}
	return out
}

// testStrictModeThrowsAnExceptionOnLazyLoading: a relation read in a loop
// over a multi-row result.
func TestRepeatGuardFlagsARelationReadPerParent(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{})
		us := users(t, ctx, gdb)
		db.Counter.Reset()
		for i := range us {
			posts, err := query.GetMany(ctx, gdb, fx.UserPosts, &us[i])
			require.NoError(t, err, "the guard observes, never blocks")
			us[i].Posts = posts
		}
		assert.Equal(t, 3, db.Counter.Count())
		assert.Len(t, us[0].Posts, 2)
		err := scope.Err()
		require.ErrorIs(t, err, sqlt.ErrRepeatedQuery)
		errs := repeatErrs(t, err)
		require.Len(t, errs, 1)
		e := errs[0]
		assert.Equal(t, "User.posts", e.Origin)
		assert.Equal(t, 3, e.Count, "the count when Err is called")
		assert.Equal(t, 1, e.Max)
		assert.Equal(t, []any{int64(1), int64(2), int64(3)}, e.Keys)
		assert.True(t, strings.HasPrefix(e.Error(), "relkit: N+1: relation User.posts read for 3 parents in one scope (max 1); eager-load it with load.With: select "), e.Error())
		assert.Contains(t, e.SQL, "user_id")
		assert.Equal(t, err, scope.Close(), "mode Fail: Close returns the violations")
	})
}

// testStrictModeDoesntThrowAnExceptionOnLazyLoadingWithSingleModel and
// …OnSingleModelLoading: one parent, read any number of times.
func TestRepeatGuardOneParentIsNoViolation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{})
		ann, err := query.From[fx.User]().Find(ctx, gdb, 1)
		require.NoError(t, err)
		_, err = query.GetMany(ctx, gdb, fx.UserPosts, &ann)
		require.NoError(t, err)
		_, err = query.Related(fx.UserPosts, &ann).Count(ctx, gdb)
		require.NoError(t, err)
		_, err = query.Related(fx.UserPosts, &ann).Exists(ctx, gdb)
		require.NoError(t, err)
		require.NoError(t, scope.Err())
		assert.Equal(t, []sqlt.RepeatStat{{Origin: "User.posts", SQL: scope.Stats()[0].SQL, Statements: 3, Parents: 1, Duplicates: 2}}, scope.Stats())
		require.NoError(t, scope.Close())
	})
}

// testStrictModeDoesntThrowAnExceptionOnEagerLoading and
// …OnLazyEagerLoading: eager and aggregate loads are the cure, never
// counted.
func TestRepeatGuardEagerAndAggregateLoadsAreNotCounted(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{AllSelects: true})
		us, err := query.From[fx.User]().OrderBy("id").With(load.Eager[fx.User](load.Nested(fx.UserPosts, fx.PostComments), fx.UserPhone, fx.UserRoles)).Get(ctx, gdb)
		require.NoError(t, err)
		require.NoError(t, load.With(ctx, gdb, us, fx.UserPosts, fx.UserRoles))
		require.NoError(t, agg.LoadCount(ctx, gdb, us, fx.UserRoles))
		_, err = query.From[fx.User]().Apply(agg.WithCount(fx.UserRoles)).Get(ctx, gdb)
		require.NoError(t, err)
		require.NoError(t, scope.Err(), "%+v", scope.Stats())
		for _, s := range scope.Stats() {
			assert.Empty(t, s.Origin, "no eager statement is tagged: %s", s.SQL)
			assert.Equal(t, 1, s.Parents, s.SQL)
		}
		assert.Equal(t, []int64{2, 1, 0}, []int64{us[0].RolesCount, us[1].RolesCount, us[2].RolesCount})
	})
}

// testStrictModeThrowsAnExceptionOnLazyLoadingInRelations: children that
// were eager-loaded are guarded in turn.
func TestRepeatGuardFlagsReadsOnEagerLoadedChildren(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{})
		us, err := query.From[fx.User]().OrderBy("id").With(load.Eager(fx.UserPosts)).Get(ctx, gdb)
		require.NoError(t, err)
		for _, p := range us[0].Posts {
			_, err := query.GetMany(ctx, gdb, fx.PostComments, &p)
			require.NoError(t, err)
		}
		errs := repeatErrs(t, scope.Err())
		require.Len(t, errs, 1)
		assert.Equal(t, "Post.comments", errs[0].Origin)
		assert.Equal(t, 2, errs[0].Count)
	})
}

// testStrictModeWithCustomCallbackOnLazyLoading: mode Func calls back at the
// crossing, once per origin; the statement runs.
func TestRepeatGuardFuncModeCallsBackAtTheCrossing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		var got []string
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{Mode: sqlt.RepeatFunc, Func: func(e *sqlt.RepeatError) {
			got = append(got, fmt.Sprintf("%s %d", e.Origin, e.Count))
		}})
		us := users(t, ctx, gdb)
		for i := range us {
			_, err := query.GetOne(ctx, gdb, fx.UserPhone, &us[i])
			require.NoError(t, err)
		}
		assert.Equal(t, []string{"User.phone 2"}, got)
		require.ErrorIs(t, scope.Err(), sqlt.ErrRepeatedQuery, "recorded in every mode")
		require.NoError(t, scope.Close(), "mode Func: Close reports nothing")
	})
}

// Mode Log: one Warn at the crossing, the final count at Close.
func TestRepeatGuardLogMode(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		var buf bytes.Buffer
		l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "sql" {
				return slog.Attr{}
			}
			return a
		}}))
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{Mode: sqlt.RepeatLog, Logger: l})
		us := users(t, ctx, gdb)
		for i := range us {
			_, err := query.GetMany(ctx, gdb, fx.UserRoles, &us[i])
			require.NoError(t, err)
		}
		require.NoError(t, scope.Close())
		assert.Equal(t, `level=WARN msg="relkit: N+1 query" origin=User.roles count=2
level=WARN msg="relkit: N+1 query, final count" origin=User.roles count=3
`, buf.String())
	})
}

// testStrictModeDoesntThrowAnExceptionOnManuallyMadeModel and
// …OnRecentlyCreatedModel: an unsaved parent runs no statement; a parent
// just created is one parent.
func TestRepeatGuardUnsavedParents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{})
		for range 3 {
			u := fx.User{Name: "new"}
			_, err := query.GetMany(ctx, gdb, fx.UserPosts, &u)
			require.NoError(t, err)
		}
		u, err := query.From[fx.User]().Create(ctx, gdb, fx.User{Name: "created"})
		require.NoError(t, err)
		_, err = query.GetMany(ctx, gdb, fx.UserPosts, &u)
		require.NoError(t, err)
		require.NoError(t, scope.Close())
	})
}

// The parent key of each kind: belongsTo counts the foreign key (two posts
// of one author are one parent), belongsToMany the parent key.
func TestRepeatGuardParentKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{})
		ps, err := query.From[fx.Post]().OrderBy("id").Get(ctx, gdb)
		require.NoError(t, err)
		for _, p := range ps[:2] { // ann's two posts
			_, err := query.GetOne(ctx, gdb, fx.PostAuthor, &p)
			require.NoError(t, err)
		}
		require.NoError(t, scope.Err(), "one author")
		_, err = query.Related(fx.PostAuthor, &ps[2]).First(ctx, gdb) // bob
		require.NoError(t, err)
		errs := repeatErrs(t, scope.Err())
		require.Len(t, errs, 1)
		assert.Equal(t, "Post.author", errs[0].Origin)
		assert.Equal(t, []any{int64(1), int64(2)}, errs[0].Keys)
		assert.Equal(t, 3, scope.Stats()[0].Statements)
		assert.Equal(t, 1, scope.Stats()[0].Duplicates)
	})
}

// Max raises the threshold.
func TestRepeatGuardMax(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{Max: 2})
		us := users(t, ctx, gdb)
		for i := range us[:2] {
			_, err := query.GetMany(ctx, gdb, fx.UserPosts, &us[i])
			require.NoError(t, err)
		}
		require.NoError(t, scope.Err())
		_, err := query.GetMany(ctx, gdb, fx.UserPosts, &us[2])
		require.NoError(t, err)
		assert.Contains(t, scope.Err().Error(), "read for 3 parents in one scope (max 2)")
	})
}

// AllSelects counts untagged SELECTs by shape and distinct arguments: Find
// in a loop. Writes never count; without AllSelects nothing untagged does.
func TestRepeatGuardAllSelects(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fx.Seed(t, db)
		all, tagged := sqlt.NewRepeatGuard(sqlt.RepeatOptions{AllSelects: true}), sqlt.NewRepeatGuard(sqlt.RepeatOptions{})
		gdb := db.DB.WithHook(all).WithHook(tagged)
		ctx, scope := all.Scope(context.Background())
		ctx, taggedScope := tagged.Scope(ctx) // two guards, two scopes: each counts its own
		for _, id := range []int64{1, 2, 2} {
			_, err := query.From[fx.User]().Find(ctx, gdb, id)
			require.NoError(t, err)
		}
		for i := range 3 {
			_, err := query.From[fx.Role]().Create(ctx, gdb, fx.Role{Name: fmt.Sprint("r", i)})
			require.NoError(t, err)
		}
		// A key list of another length has the same shape.
		_, err := query.From[fx.User]().FindMany(ctx, gdb, 1, 2)
		require.NoError(t, err)
		_, err = query.From[fx.User]().FindMany(ctx, gdb, 1, 2, 3)
		require.NoError(t, err)

		require.NoError(t, taggedScope.Err())
		assert.Empty(t, taggedScope.Stats(), "without AllSelects nothing untagged counts")
		errs := repeatErrs(t, scope.Err())
		require.Len(t, errs, 2, "%+v", scope.Stats())
		assert.Empty(t, errs[0].Origin)
		assert.Equal(t, 2, errs[0].Count)
		assert.Equal(t, []any{[]any{int64(1)}, []any{int64(2)}}, errs[0].Keys)
		assert.NotContains(t, errs[0].SQL, "$1", "$n is read as ?")
		assert.True(t, strings.HasPrefix(errs[0].Error(), "relkit: N+1: statement run with 2 distinct argument lists in one scope (max 1): select "), errs[0].Error())
		assert.Contains(t, errs[1].SQL, "(…)")
		assert.Len(t, scope.Stats(), 2, "the inserts are not counted")
		assert.Equal(t, 1, scope.Stats()[0].Duplicates)
	})
}

// Statements of a transaction begun on the guarded DB count when they run
// with the scope's context.
func TestRepeatGuardCountsInTransactions(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{})
		us := users(t, ctx, gdb)
		err := sqlt.Tx(ctx, gdb, func(tx sqlt.Executor) error {
			for i := range us {
				if _, err := query.GetMany(ctx, tx, fx.UserPosts, &us[i]); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err)
		require.ErrorIs(t, scope.Err(), sqlt.ErrRepeatedQuery)
	})
}

// The innermost scope counts; a closed scope counts nothing more; closing
// it again is an error.
func TestRepeatGuardScopes(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fx.Seed(t, db)
		g := sqlt.NewRepeatGuard(sqlt.RepeatOptions{})
		gdb := db.DB.WithHook(g)
		outerCtx, outer := g.Scope(context.Background())
		us := users(t, outerCtx, gdb)
		_, err := query.GetMany(outerCtx, gdb, fx.UserPosts, &us[0])
		require.NoError(t, err)
		innerCtx, inner := g.Scope(outerCtx)
		_, err = query.GetMany(innerCtx, gdb, fx.UserPosts, &us[1])
		require.NoError(t, err)
		require.NoError(t, inner.Err())
		require.NoError(t, outer.Err(), "the inner statement counts in the inner scope only")

		require.NoError(t, inner.Close())
		_, err = query.GetMany(innerCtx, gdb, fx.UserPosts, &us[2])
		require.NoError(t, err)
		require.NoError(t, inner.Err(), "closed")
		err = inner.Close()
		require.ErrorIs(t, err, sqlt.ErrScopeClosed)
		assert.Equal(t, "close repeat guard scope: relkit: repeat guard scope already closed", err.Error())

		_, err = query.GetMany(context.Background(), gdb, fx.UserPosts, &us[1])
		require.NoError(t, err)
		require.NoError(t, outer.Close(), "an unscoped statement is not counted")
	})
}

// Goroutine safety: one scope shared by 8 goroutines (run with -race).
func TestRepeatGuardConcurrentReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		var calls sync.Mutex
		n := 0
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{Mode: sqlt.RepeatFunc, AllSelects: true, Func: func(*sqlt.RepeatError) {
			calls.Lock()
			n++
			calls.Unlock()
		}})
		us := users(t, ctx, gdb)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 10 {
					u := us[(w+i)%len(us)]
					_, err := query.GetMany(ctx, gdb, fx.UserPosts, &u)
					assert.NoError(t, err)
					_, err = query.From[fx.Post]().Find(ctx, gdb, int64(1+i%4))
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		errs := repeatErrs(t, scope.Err())
		require.Len(t, errs, 2)
		assert.ElementsMatch(t, []int{3, 4}, []int{errs[0].Count, errs[1].Count}, "3 users, 4 posts")
		assert.Equal(t, 2, n, "one callback per crossing")
		var total int
		for _, s := range scope.Stats() {
			total += s.Statements
		}
		assert.Equal(t, 1+160, total)
	})
}

// relkittest.NoRepeats in a service test: one line.
func TestNoRepeatsOnAnEagerHandler(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fx.Seed(t, db)
		ctx, gdb := relkittest.NoRepeats(t, db.DB)
		us, err := query.From[fx.User]().With(load.Eager(fx.UserPosts, fx.UserPhone)).Get(ctx, gdb)
		require.NoError(t, err)
		require.Len(t, us, 3)
		for range 2 {
			_, err := query.GetMany(ctx, gdb, fx.UserPosts, &us[0]) // one parent, again
			require.NoError(t, err)
		}
	})
}

// Writes never count (RepeatOptions.AllSelects): the lock statement a
// pivot write takes on PostgreSQL (an Exec of "select
// pg_advisory_xact_lock(…)") is part of the write, so attaching and
// detaching a role for each user in a loop records no violation, on every
// database.
func TestRepeatGuardIgnoresPivotWriteLocks(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{AllSelects: true})
		defer scope.Close()
		for id, role := range map[int64]int64{1: 3, 2: 1, 3: 1} { // roles not attached yet
			u := fx.User{ID: id}
			require.NoError(t, pivot.Attach(ctx, gdb, fx.UserRoles, &u, role))
			_, err := pivot.Detach(ctx, gdb, fx.UserRoles, &u, role)
			require.NoError(t, err)
		}
		assert.NoError(t, scope.Err())
	})
}

// The reads a write makes are part of the write, not relation reads an
// eager load could replace: FirstOrCreate through a relation (query and
// pivot) and Sync for several parents in a loop are no N+1, even with
// AllSelects.
func TestRepeatGuardIgnoresTheReadsOfWrites(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, gdb, scope := guarded(t, db, sqlt.RepeatOptions{AllSelects: true})
		for id := int64(1); id <= 3; id++ {
			u := fx.User{ID: id}
			_, err := query.Related(fx.UserPosts, &u).FirstOrCreate(ctx, gdb, map[string]any{"title": "guarded"})
			require.NoError(t, err)
			_, err = query.Related(fx.UserPosts, &u).UpdateOrCreate(ctx, gdb, map[string]any{"title": "guarded"}, map[string]any{"title": "guarded"})
			require.NoError(t, err)
			_, err = pivot.FirstOrCreate(ctx, gdb, fx.UserRoles, &u, map[string]any{"name": "guarded role"}, nil, nil)
			require.NoError(t, err)
			_, err = pivot.Sync(ctx, gdb, fx.UserRoles, &u, []int64{1})
			require.NoError(t, err)
		}
		assert.NoError(t, scope.Close())

		// A relation read in the same loop is still one.
		g := sqlt.NewRepeatGuard(sqlt.RepeatOptions{})
		ctx, scope = g.Scope(context.Background())
		gdb = db.DB.WithHook(g)
		for id := int64(1); id <= 2; id++ {
			_, err := query.GetMany(ctx, gdb, fx.UserRoles, &fx.User{ID: id})
			require.NoError(t, err)
		}
		assert.ErrorIs(t, scope.Close(), sqlt.ErrRepeatedQuery)
	})
}

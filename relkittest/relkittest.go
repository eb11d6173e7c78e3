// Package relkittest holds test helpers for code that uses relkit. It is
// the only relkit package that imports testing; import it from _test.go
// files only.
package relkittest

import (
	"context"
	"testing"

	"github.com/relkit/relkit/sqlt"
)

// NoRepeats asserts that the code run with the returned context and DB
// reads no relation N+1: it adds a [sqlt.RepeatGuard] (Max 1, mode
// RepeatFail) to db and opens a scope on t.Context(). When the test ends
// (t.Cleanup), each violation is reported with t.Errorf:
//
//	ctx, db := relkittest.NoRepeats(t, db)
//	resp := handler(ctx, db, req) // no relation read for two parents one at a time
func NoRepeats(t testing.TB, db *sqlt.DB) (context.Context, *sqlt.DB) {
	t.Helper()
	return Guard(t, db, sqlt.RepeatOptions{})
}

// Guard is [NoRepeats] with the guard's options (Max, AllSelects); the
// mode is always RepeatFail.
func Guard(t testing.TB, db *sqlt.DB, opts sqlt.RepeatOptions) (context.Context, *sqlt.DB) {
	t.Helper()
	opts.Mode, opts.Func = sqlt.RepeatFail, nil
	g := sqlt.NewRepeatGuard(opts)
	ctx, scope := g.Scope(t.Context())
	t.Cleanup(func() {
		if err := scope.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return ctx, db.WithHook(g)
}

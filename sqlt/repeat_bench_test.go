package sqlt_test

import (
	"context"
	"testing"
	"time"

	"github.com/relkit/relkit/sqlt"
)

type benchKey struct{}

// BenchmarkRepeatGuardUnscoped measures what a RepeatGuard costs a
// statement whose context has no scope (production code with the guard
// installed): the same SELECT on SQLite in memory, run alternately on a DB
// with a no-op hook and on one with the guard (both pay for having a
// hook); "ratio" is guarded/plain time.
func BenchmarkRepeatGuardUnscoped(b *testing.B) {
	ctx := context.WithValue(context.Background(), benchKey{}, 1) // a context with a value, as a request's has
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	plain := db.WithHook(sqlt.HookFunc(func(context.Context, sqlt.QueryEnd) {}))
	guarded := db.WithHook(sqlt.NewRepeatGuard(sqlt.RepeatOptions{AllSelects: true}))
	run := func(ex sqlt.Executor) time.Duration {
		start := time.Now()
		if _, err := sqlt.ScanOne[int64](must(ex.Query(ctx, "select ?", 1))); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var plainT, guardedT time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 { // alternate which runs first
			plainT += run(plain)
			guardedT += run(guarded)
		} else {
			guardedT += run(guarded)
			plainT += run(plain)
		}
	}
	b.ReportMetric(float64(guardedT)/float64(plainT), "ratio")
}

// BenchmarkRepeatGuardHookUnscoped is the hook alone on an unscoped
// context: one context lookup.
func BenchmarkRepeatGuardHookUnscoped(b *testing.B) {
	g := sqlt.NewRepeatGuard(sqlt.RepeatOptions{AllSelects: true})
	ctx := context.WithValue(context.Background(), benchKey{}, 1)
	q := sqlt.QueryStart{SQL: "select 1", Args: []any{1}, Query: true}
	for b.Loop() {
		g.AfterQuery(g.BeforeQuery(ctx, q), sqlt.QueryEnd{})
	}
}

func must(r *sqlt.Rows, err error) *sqlt.Rows {
	if err != nil {
		panic(err)
	}
	return r
}

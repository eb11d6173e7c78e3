package query_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type lkJob struct {
	ID     int64     `db:"id"`
	Status string    `db:"status"`
	Worker int64     `db:"worker"`
	Trials []lkTrial `db:"-"`
}

func (lkJob) TableName() string { return "jobs" }

type lkTrial struct {
	ID    int64 `db:"id"`
	JobID int64 `db:"job_id"`
}

func (lkTrial) TableName() string { return "trials" }

// lkJobCount reads agg.WithCount(lkJobTrials).
type lkJobCount struct {
	lkJob
	TrialsCount int64 `db:"trials_count,readonly"`
}

var lkJobTrials = rel.HasMany[lkJobCount, lkTrial]("job_id")

func lkSchema(t *testing.T, db *testdb.DB, jobs int) {
	t.Helper()
	db.MustExec(t,
		`create table jobs (id {{pk}}, status text not null default 'pending', worker bigint not null default 0)`,
		`create table trials (id {{pk}}, job_id bigint not null)`)
	if jobs > 0 {
		rows := make([]lkJob, jobs)
		for i := range rows {
			rows[i].Status = "pending"
		}
		require.NoError(t, query.From[lkJob]().InsertMany(context.Background(), db, rows))
	}
	db.Counter.Reset()
}

func TestLockClauseIsRenderedByTheDialect(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		lkSchema(t, db, 3)
		const base = `select "jobs"."id", "jobs"."status", "jobs"."worker" from "jobs" where "jobs"."status" = $1 order by "jobs"."id" asc limit 2`
		cases := []struct {
			name   string
			lock   func(q *query.Query[lkJob]) *query.Query[lkJob]
			clause string // on PostgreSQL
			mysql  string // MySQL has no key-only locks: the stronger lock
		}{
			{"for update", (*query.Query[lkJob]).ForUpdate, " for update", " for update"},
			{"for update skip locked", func(q *query.Query[lkJob]) *query.Query[lkJob] { return q.ForUpdate().SkipLocked() }, " for update skip locked", " for update skip locked"},
			{"skip locked before the mode", func(q *query.Query[lkJob]) *query.Query[lkJob] { return q.SkipLocked().ForUpdate() }, " for update skip locked", " for update skip locked"},
			{"for no key update nowait", func(q *query.Query[lkJob]) *query.Query[lkJob] { return q.ForNoKeyUpdate().NoWait() }, " for no key update nowait", " for update nowait"},
			{"for share", (*query.Query[lkJob]).ForShare, " for share", " lock in share mode"},
			{"for share nowait", func(q *query.Query[lkJob]) *query.Query[lkJob] { return q.ForShare().NoWait() }, " for share nowait", " lock in share mode nowait"},
			{"for key share skip locked", func(q *query.Query[lkJob]) *query.Query[lkJob] { return q.ForKeyShare().SkipLocked() }, " for key share skip locked", " lock in share mode skip locked"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				db.Counter.Reset()
				var got []lkJob
				err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
					var err error
					got, err = c.lock(query.From[lkJob]().WhereOp("status", "=", "pending").OrderBy("id").Limit(2)).Get(ctx, tx)
					return err
				})
				require.NoError(t, err)
				assert.Len(t, got, 2)
				want := base + c.clause
				switch db.Name {
				case "mysql":
					want = strings.Replace(base, "$1", "?", 1) + c.mysql
				case "sqlite":
					want = `select "jobs"."id", "jobs"."status", "jobs"."worker" from "jobs" where "jobs"."status" = ? order by "jobs"."id" asc limit 2` // no row locks: see sqlt.Dialect.RowLock
				}
				assert.Contains(t, db.Counter.Statements(), want, db.Counter.String())
			})
		}
	})
}

// A correlated aggregate in the select list (agg.WithCount) locks the rows
// of T on PostgreSQL; only aggregates of the query itself cannot.
func TestLockWithACorrelatedCountReadsTheCount(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		lkSchema(t, db, 2)
		db.MustExec(t, `insert into trials (job_id) values (1), (1)`)
		var got []lkJobCount
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			var err error
			got, err = query.From[lkJobCount]().Apply(agg.WithCount(lkJobTrials)).OrderBy("id").ForUpdate().Get(ctx, tx)
			return err
		})
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, []int64{2, 0}, []int64{got[0].TrialsCount, got[1].TrialsCount})
	})
}

// noLockDialect is a Dialect that cannot take row locks.
type noLockDialect struct{ sqlt.Dialect }

func (noLockDialect) RowLock(sqlt.RowLock) (string, error) {
	return "", errors.New("no row locks here")
}

type dialectExec struct {
	sqlt.Executor
	d sqlt.Dialect
}

func (e dialectExec) Dialect() sqlt.Dialect { return e.d }

func TestLockRefusedBeforeAnyStatement(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		lkSchema(t, db, 1)
		jobs := query.From[lkJob]()
		get := func(q *query.Query[lkJob]) func(ex sqlt.Executor) error {
			return func(ex sqlt.Executor) error { _, err := q.Get(ctx, ex); return err }
		}
		cases := []struct {
			name string
			run  func(ex sqlt.Executor) error
			want error
		}{
			{"distinct", get(jobs.Distinct().ForUpdate()), query.ErrBadArgument},
			{"group by", get(jobs.Select("status").GroupBy("status").ForShare()), query.ErrBadArgument},
			{"having", get(jobs.Having(sq.Expr("count(*) > 0")).ForUpdate()), query.ErrBadArgument},
			{"skip locked without a mode", get(jobs.SkipLocked()), query.ErrBadArgument},
			{"nowait without a mode", get(jobs.NoWait()), query.ErrBadArgument},
			{"skip locked and nowait", get(jobs.ForUpdate().SkipLocked().NoWait()), query.ErrBadArgument},
			{"nowait and skip locked", get(jobs.ForUpdate().NoWait().SkipLocked()), query.ErrBadArgument},
			{"first", func(ex sqlt.Executor) error { _, err := jobs.Distinct().ForUpdate().First(ctx, ex); return err }, query.ErrBadArgument},
			{"count", func(ex sqlt.Executor) error { _, err := jobs.ForUpdate().Count(ctx, ex); return err }, query.ErrBadArgument},
			{"exists", func(ex sqlt.Executor) error { _, err := jobs.ForUpdate().Exists(ctx, ex); return err }, query.ErrBadArgument},
			{"pluck distinct", func(ex sqlt.Executor) error {
				_, err := query.Pluck[string](ctx, ex, jobs.Distinct().ForUpdate(), "status")
				return err
			}, query.ErrBadArgument},
			{"as a subquery", func(ex sqlt.Executor) error {
				_, err := jobs.Where(sq.Expr(`"jobs"."id" in (?)`, jobs.Select("id").ForUpdate())).Get(ctx, ex)
				return err
			}, query.ErrBadArgument},
			{"in a WhereHas constraint", func(ex sqlt.Executor) error {
				lockTrials := func(q *query.Query[lkTrial]) *query.Query[lkTrial] { return q.ForUpdate() }
				_, err := query.From[lkJobCount]().Where(query.WhereHas(lkJobTrials, lockTrials)).Get(ctx, ex)
				return err
			}, query.ErrBadArgument},
			{"in an aggregate's constraint", func(ex sqlt.Executor) error {
				lockTrials := func(q *query.Query[lkTrial]) *query.Query[lkTrial] { return q.ForUpdate() }
				_, err := query.From[lkJobCount]().Apply(agg.WithCount(lkJobTrials, lockTrials)).Get(ctx, ex)
				return err
			}, query.ErrBadArgument},
			{"a dialect without row locks", func(ex sqlt.Executor) error {
				return get(jobs.ForUpdate())(dialectExec{ex, noLockDialect{ex.Dialect()}})
			}, query.ErrUnsupported},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				db.Counter.Reset()
				err := c.run(db)
				require.Error(t, err)
				assert.ErrorIs(t, err, c.want)
				assert.Zero(t, db.Counter.Count(), db.Counter.String())
			})
		}
	})
}

// The job-queue pattern: workers claim pending jobs in transactions with
// ForUpdate().SkipLocked().Limit(n). On PostgreSQL the two workers hold
// their first batches at the same time (each waits for the other to hold
// one), which only SKIP LOCKED lets the second one get; on SQLite the
// write transactions (BEGIN IMMEDIATE on files, the single connection in
// memory) run one after the other. Every job is taken exactly once.
func TestSkipLockedWorkersTakeEveryJobExactlyOnce(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		const jobs, batch = 200, 10
		lkSchema(t, db, jobs)

		var holding sync.WaitGroup // PostgreSQL, MySQL: both workers hold a batch
		holding.Add(2)
		claim := func(worker int64, first bool) ([]int64, error) {
			var ids []int64
			err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
				got, err := query.From[lkJob]().WhereOp("status", "=", "pending").OrderBy("id").
					ForUpdate().SkipLocked().Limit(batch).Get(ctx, tx)
				if err != nil || len(got) == 0 {
					return err
				}
				for _, j := range got {
					ids = append(ids, j.ID)
				}
				if first && db.Name != "sqlite" {
					holding.Done()
					if !waitTimeout(&holding, 10*time.Second) {
						t.Error("the other worker did not get a batch while this one held its own")
					}
				}
				_, err = query.From[lkJob]().WhereIn("id", ids).UpdateAll(ctx, tx, map[string]any{"status": "done", "worker": worker})
				return err
			})
			return ids, err
		}
		taken := make([][]int64, 2)
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for first := true; ; first = false {
					ids, err := claim(int64(w+1), first)
					if !assert.NoError(t, err) || len(ids) == 0 {
						return
					}
					taken[w] = append(taken[w], ids...)
				}
			}()
		}
		wg.Wait()

		seen := map[int64]int{}
		for _, ids := range taken {
			for _, id := range ids {
				seen[id]++
			}
		}
		assert.Len(t, seen, jobs, "every job taken")
		for id, n := range seen {
			assert.Equal(t, 1, n, "job %d taken %d times", id, n)
		}
		for w, ids := range taken {
			n, err := query.From[lkJob]().WhereOp("worker", "=", w+1).Count(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, int64(len(ids)), n, "worker %d's claims are in the table", w+1)
		}
		if db.Name != "sqlite" {
			assert.NotEmpty(t, taken[0])
			assert.NotEmpty(t, taken[1])
		}
	})
}

// waitTimeout waits for wg, or d, and reports whether wg finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// NOWAIT fails at once on a row another transaction has locked, a share
// lock waits for no other share lock, and SKIP LOCKED passes the locked
// row, on the servers with row locks (PostgreSQL; MySQL 8 and MariaDB
// 10.6). SQLite has none: it locks the database for a writer instead,
// and its lock clause is empty (TestLockClauseIsRenderedByTheDialect).
func TestNoWaitFailsOnALockedRow(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		if db.Name == "sqlite" {
			s, err := db.Dialect().RowLock(sqlt.RowLock{Mode: sqlt.LockForUpdate, Wait: sqlt.LockNoWait})
			require.NoError(t, err)
			assert.Empty(t, s, "SQLite has no row locks")
			return
		}
		ctx := context.Background()
		lkSchema(t, db, 2)
		holder, err := db.Begin(ctx)
		require.NoError(t, err)
		defer holder.Rollback(ctx)
		_, err = query.From[lkJob]().WhereOp("id", "=", 1).ForShare().Get(ctx, holder)
		require.NoError(t, err)

		other, err := db.Begin(ctx)
		require.NoError(t, err)
		defer other.Rollback(ctx)
		got, err := query.From[lkJob]().WhereOp("id", "=", 1).ForShare().NoWait().Get(ctx, other)
		require.NoError(t, err, "share locks do not conflict")
		assert.Len(t, got, 1)
		start := time.Now()
		_, err = query.From[lkJob]().WhereOp("id", "=", 1).ForUpdate().NoWait().Get(ctx, other)
		require.Error(t, err, "the row is share-locked by the holder")
		assert.Less(t, time.Since(start), 5*time.Second, "NOWAIT does not wait")
		require.NoError(t, other.Rollback(ctx))

		other, err = db.Begin(ctx)
		require.NoError(t, err)
		defer other.Rollback(ctx)
		got, err = query.From[lkJob]().OrderBy("id").ForUpdate().SkipLocked().Get(ctx, other)
		require.NoError(t, err)
		require.Len(t, got, 1, "the locked row is skipped")
		assert.Equal(t, int64(2), got[0].ID)
	})
}

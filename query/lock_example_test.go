package query_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

type Job struct {
	ID     int64  `db:"id"`
	Task   string `db:"task"`
	Status string `db:"status"`
}

// A job queue: each worker claims up to 10 pending jobs in a transaction,
// marks them running and commits. On PostgreSQL the claim reads
//
//	select "jobs"."id", "jobs"."status", "jobs"."worker" from "jobs" where "jobs"."status" = $1 order by "jobs"."id" asc limit 10 for update skip locked
//
// so concurrent workers skip each other's jobs instead of waiting for them
// or taking them twice. SQLite has no row locks and renders no clause: its
// write transactions run one at a time (sqlt.Open begins them with BEGIN
// IMMEDIATE on files), which gives the same guarantee.
func ExampleQuery_ForUpdate() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `create table jobs (id integer primary key, task text not null, status text not null)`); err != nil {
		panic(err)
	}
	jobs := query.From[Job]()
	for i := range 12 {
		if err := jobs.Insert(ctx, db, &Job{Task: fmt.Sprintf("mail %d", i+1), Status: "pending"}); err != nil {
			panic(err)
		}
	}

	claim := func() ([]Job, error) {
		var claimed []Job
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			var err error
			claimed, err = jobs.WhereOp("status", "=", "pending").OrderBy("id").
				ForUpdate().SkipLocked().Limit(10).Get(ctx, tx)
			if err != nil || len(claimed) == 0 {
				return err
			}
			ids := make([]any, len(claimed))
			for i, j := range claimed {
				ids[i] = j.ID
			}
			_, err = jobs.WhereIn("id", ids...).UpdateAll(ctx, tx, map[string]any{"status": "running"})
			return err
		})
		return claimed, err
	}
	for range 3 {
		claimed, err := claim()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("claimed", len(claimed), "jobs")
	}
	// Output:
	// claimed 10 jobs
	// claimed 2 jobs
	// claimed 0 jobs
}

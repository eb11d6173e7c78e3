package bench

import (
	"context"
	"testing"
	"time"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type TouchTopic struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (TouchTopic) TableName() string { return "touch_topics" }

type TouchAnswer struct {
	ID      int64  `db:"id"`
	TopicID int64  `db:"topic_id"`
	Body    string `db:"body"`
}

func (TouchAnswer) TableName() string { return "touch_answers" }

var _ = rel.BelongsTo[TouchAnswer, TouchTopic]("topic_id").Touches()

// BenchmarkTouchInsertInterleaved measures an Insert of a row whose
// relation is declared Touches() (one transaction: the INSERT, then the
// UPDATE of the owner's updated_at) against the same transaction written
// by hand, interleaved in one run.
func BenchmarkTouchInsertInterleaved(b *testing.B) {
	ctx := context.Background()
	setup := func(b *testing.B, db *sqlt.DB) {
		mustExec(b, db,
			`create table touch_topics (id {{pk}}, updated_at timestamp not null)`,
			`create table touch_answers (id {{pk}}, topic_id bigint not null, body text not null)`,
			`insert into touch_topics (updated_at) values ('2000-01-01 00:00:00')`)
	}
	relkit := func(db *sqlt.DB) func() error {
		return func() error {
			return query.From[TouchAnswer]().Insert(ctx, db, &TouchAnswer{TopicID: 1, Body: "x"})
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		setup(b, db)
		interleave(b, relkit(db), func() error {
			tx, err := sdb.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback() }()
			var id int64
			if err := tx.QueryRowContext(ctx, `insert into "touch_answers" ("topic_id", "body") values (?, ?) returning "id"`, 1, "x").Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `update "touch_topics" set "updated_at" = ? where "touch_topics"."id" = ?`, time.Now().UTC(), 1); err != nil {
				return err
			}
			return tx.Commit()
		})
	})
	// The same Insert without touches, for the baseline: one statement.
	b.Run("sqlite_untouched", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		setup(b, db)
		interleave(b, func() error {
			return query.From[TouchTopic]().Insert(ctx, db, &TouchTopic{})
		}, func() error {
			var id int64
			return sdb.QueryRowContext(ctx, `insert into "touch_topics" ("updated_at") values (?) returning "id"`, time.Now().UTC()).Scan(&id)
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		setup(b, db)
		interleave(b, relkit(db), func() error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer func() { _ = tx.Rollback(ctx) }()
			var id int64
			if err := tx.QueryRow(ctx, `insert into "touch_answers" ("topic_id", "body") values ($1, $2) returning "id"`, 1, "x").Scan(&id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `update "touch_topics" set "updated_at" = $1 where "touch_topics"."id" = $2`, time.Now().UTC(), 1); err != nil {
				return err
			}
			return tx.Commit(ctx)
		})
	})
}

// interleave runs relkit and hand alternately, first one then the other,
// and reports their mean times and ratio.
func interleave(b *testing.B, relkit, hand func() error) {
	var tr, th time.Duration
	timed := func(f func() error, d *time.Duration) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			timed(relkit, &tr)
			timed(hand, &th)
		} else {
			timed(hand, &th)
			timed(relkit, &tr)
		}
		i++
	}
	b.ReportMetric(float64(tr.Nanoseconds())/float64(i), "relkit-ns/op")
	b.ReportMetric(float64(th.Nanoseconds())/float64(i), "hand-ns/op")
	b.ReportMetric(float64(tr)/float64(th), "ratio")
}

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// AggPost is the parent of the aggregate benchmarks, with the count field.
type AggPost struct {
	ID            int64  `db:"id"`
	Title         string `db:"title"`
	Votes         int64  `db:"votes"`
	CommentsCount int64  `db:"comments_count,readonly"`
}

func (AggPost) TableName() string { return "agg_posts" }

// AggComment is the child: 0 to 9 per post.
type AggComment struct {
	ID     int64  `db:"id"`
	PostID int64  `db:"post_id"`
	Body   string `db:"body"`
}

func (AggComment) TableName() string { return "agg_comments" }

var aggPostComments = rel.HasMany[AggPost, AggComment]("post_id").Named("comments")

// aggPosts is the number of parents each benchmark reads.
const aggPosts = 1000

// seedAgg creates 1,000 posts with i%10 comments each (4,500 comments),
// the foreign key indexed as usual.
func seedAgg(b testing.TB, db *sqlt.DB) {
	b.Helper()
	mustExec(b, db,
		`create table agg_posts (id {{pk}}, title text not null, votes bigint not null)`,
		`create table agg_comments (id {{pk}}, post_id bigint not null references agg_posts(id), body text not null)`,
		`create index agg_comments_post_id on agg_comments (post_id)`)
	ctx := context.Background()
	err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
		for i := 1; i <= aggPosts; i++ {
			if _, err := tx.Exec(ctx, `insert into agg_posts (title, votes) values (?, ?)`, fmt.Sprintf("post %d", i), int64(i*7%101)); err != nil {
				return err
			}
			for j := 0; j < i%10; j++ {
				if _, err := tx.Exec(ctx, `insert into agg_comments (post_id, body) values (?, ?)`, int64(i), fmt.Sprintf("comment %d of post %d", j, i)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
}

// relkitWithCount is the code under test.
func relkitWithCount(ctx context.Context, db *sqlt.DB) ([]AggPost, error) {
	return query.From[AggPost]().Apply(agg.WithCount(aggPostComments)).Get(ctx, db)
}

// withCountSQL is the statement relkit builds; the hand-written code runs
// this very text:
//
//	select "agg_posts".*, (select count(*) from "agg_comments"
//	where "agg_posts"."id" = "agg_comments"."post_id") as "comments_count" from "agg_posts"
func withCountSQL(b testing.TB) string {
	b.Helper()
	s, args, err := query.From[AggPost]().Apply(agg.WithCount(aggPostComments)).ToSql()
	if err != nil || len(args) != 0 {
		b.Fatalf("build select: %v %v", err, args)
	}
	return s
}

// stdlibWithCount is the hand-written database/sql code, scanning each row
// straight into its slice element (the stricter baseline).
func stdlibWithCount(ctx context.Context, db *sql.DB, q string) ([]AggPost, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AggPost
	for rows.Next() {
		out = append(out, AggPost{})
		p := &out[len(out)-1]
		if err := rows.Scan(&p.ID, &p.Title, &p.Votes, &p.CommentsCount); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// pgxWithCount is the hand-written native pgx code, scanning in place.
func pgxWithCount(ctx context.Context, pool *pgxpool.Pool, q string) ([]AggPost, error) {
	rows, err := pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AggPost
	for rows.Next() {
		out = append(out, AggPost{})
		p := &out[len(out)-1]
		if err := rows.Scan(&p.ID, &p.Title, &p.Votes, &p.CommentsCount); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

func checkCounts(t testing.TB, got, want []AggPost) {
	t.Helper()
	if len(want) != aggPosts || len(got) != len(want) {
		t.Fatalf("relkit read %d rows, hand-written %d, want %d", len(got), len(want), aggPosts)
	}
	byID := map[int64]AggPost{}
	for _, p := range want {
		byID[p.ID] = p
	}
	for _, p := range got {
		w, ok := byID[p.ID]
		if !ok || w != p {
			t.Fatalf("post %d: relkit %+v, hand-written %+v", p.ID, p, w)
		}
		if p.CommentsCount != p.ID%10 {
			t.Fatalf("post %d: %d comments, want %d", p.ID, p.CommentsCount, p.ID%10)
		}
	}
}

// TestWithCountSameRows checks that both sides of BenchmarkWithCount read
// the same rows and counts.
func TestWithCountSameRows(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		db, sdb := sqliteRaw(t)
		seedAgg(t, db)
		want, err := stdlibWithCount(ctx, sdb, withCountSQL(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := relkitWithCount(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, got, want)
	})
	t.Run("mysql", func(t *testing.T) {
		db, sdb := mysqlRaw(t)
		seedAgg(t, db)
		want, err := stdlibWithCount(ctx, sdb, strings.ReplaceAll(withCountSQL(t), `"`, "`"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := relkitWithCount(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, got, want)
	})
	t.Run("postgres", func(t *testing.T) {
		db, pool := postgres(t)
		seedAgg(t, db)
		want, err := pgxWithCount(ctx, pool, withCountSQL(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := relkitWithCount(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, got, want)
	})
}

// BenchmarkWithCount reads 1,000 posts with their comment counts:
// query.From[AggPost]().Apply(agg.WithCount(…)).Get against hand-written
// code running the same correlated-subquery SQL on the same database and
// scanning by hand (database/sql on SQLite, native pgx on PostgreSQL).
// Target: relkit within 1.25x ns/op.
func BenchmarkWithCount(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, f func() ([]AggPost, error)) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := f()
			if err != nil || len(out) != aggPosts {
				b.Fatalf("%d rows, %v", len(out), err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedAgg(b, db)
		q := withCountSQL(b)
		b.Run("database_sql", func(b *testing.B) { run(b, func() ([]AggPost, error) { return stdlibWithCount(ctx, sdb, q) }) })
		b.Run("relkit", func(b *testing.B) { run(b, func() ([]AggPost, error) { return relkitWithCount(ctx, db) }) })
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedAgg(b, db)
		q := withCountSQL(b)
		b.Run("pgx", func(b *testing.B) { run(b, func() ([]AggPost, error) { return pgxWithCount(ctx, pool, q) }) })
		b.Run("relkit", func(b *testing.B) { run(b, func() ([]AggPost, error) { return relkitWithCount(ctx, db) }) })
	})
}

// BenchmarkWithCountInterleaved runs relkit and the hand-written code
// alternately inside one loop (swapping which goes first), so that load
// from other processes hits both alike, and reports each side's ns per
// read and their ratio.
func BenchmarkWithCountInterleaved(b *testing.B) {
	ctx := context.Background()
	bench := func(b *testing.B, relkit, hand func() ([]AggPost, error)) {
		var tr, th time.Duration
		timed := func(f func() ([]AggPost, error), d *time.Duration) {
			start := time.Now()
			out, err := f()
			*d += time.Since(start)
			if err != nil || len(out) != aggPosts {
				b.Fatalf("%d rows, %v", len(out), err)
			}
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
		b.ReportMetric(float64(tr.Nanoseconds())/float64(i), "relkit-ns/read")
		b.ReportMetric(float64(th.Nanoseconds())/float64(i), "hand-ns/read")
		b.ReportMetric(float64(tr)/float64(th), "ratio")
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedAgg(b, db)
		q := withCountSQL(b)
		bench(b, func() ([]AggPost, error) { return relkitWithCount(ctx, db) },
			func() ([]AggPost, error) { return stdlibWithCount(ctx, sdb, q) })
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedAgg(b, db)
		q := withCountSQL(b)
		bench(b, func() ([]AggPost, error) { return relkitWithCount(ctx, db) },
			func() ([]AggPost, error) { return pgxWithCount(ctx, pool, q) })
	})
	b.Run("mysql", func(b *testing.B) {
		db, sdb := mysqlRaw(b)
		seedAgg(b, db)
		q := strings.ReplaceAll(withCountSQL(b), `"`, "`")
		bench(b, func() ([]AggPost, error) { return relkitWithCount(ctx, db) },
			func() ([]AggPost, error) { return stdlibWithCount(ctx, sdb, q) })
	})
}

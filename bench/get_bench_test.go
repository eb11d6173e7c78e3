package bench

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// Post is the row read by the Get benchmarks: seven columns of the usual
// kinds (integers, text, a boolean, a timestamp).
type Post struct {
	ID        int64     `db:"id"`
	UserID    int64     `db:"user_id"`
	Title     string    `db:"title"`
	Body      string    `db:"body"`
	Votes     int64     `db:"votes"`
	Published bool      `db:"published"`
	CreatedAt time.Time `db:"created_at"`
}

// getRows is the number of rows each Get reads.
const getRows = 1000

// seedPosts creates the posts table and fills it with getRows rows.
func seedPosts(b testing.TB, db *sqlt.DB) {
	b.Helper()
	mustExec(b, db, `create table posts (id {{pk}}, user_id bigint not null, title text not null,
		body text not null, votes bigint not null, published boolean not null, created_at timestamp not null)`)
	ctx := context.Background()
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
		for i := 1; i <= getRows; i++ {
			_, err := tx.Exec(ctx, `insert into posts (user_id, title, body, votes, published, created_at) values (?, ?, ?, ?, ?, ?)`,
				int64(i%50+1), fmt.Sprintf("post number %d", i),
				fmt.Sprintf("the body of post %d, long enough to be a realistic short text column", i),
				int64(i*7%101), i%3 != 0, base.Add(time.Duration(i)*time.Minute))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed posts: %v", err)
	}
}

// getSQL is the statement relkit builds for query.From[Post]() — the
// hand-written code runs exactly this text.
func getSQL(b testing.TB) string {
	b.Helper()
	s, args, err := query.From[Post]().ToSql()
	if err != nil || len(args) != 0 {
		b.Fatalf("build select: %v %v", err, args)
	}
	return s
}

// relkitGet is the code under test: the typed builder.
func relkitGet(ctx context.Context, db *sqlt.DB) ([]Post, error) {
	return query.From[Post]().Get(ctx, db)
}

// stdlibGet is the hand-written database/sql equivalent.
func stdlibGet(ctx context.Context, db *sql.DB, q string) ([]Post, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.ID, &p.UserID, &p.Title, &p.Body, &p.Votes, &p.Published, &p.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// stdlibGetInPlace is hand-written database/sql code tuned the way relkit
// scans: each row is scanned straight into its slice element, so no row
// struct escapes to the heap. It is the stricter baseline.
func stdlibGetInPlace(ctx context.Context, db *sql.DB, q string) ([]Post, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		out = append(out, Post{})
		p := &out[len(out)-1]
		if err := rows.Scan(&p.ID, &p.UserID, &p.Title, &p.Body, &p.Votes, &p.Published, &p.CreatedAt); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// pgxGet is the hand-written native pgx equivalent.
func pgxGet(ctx context.Context, pool *pgxpool.Pool, q string) ([]Post, error) {
	rows, err := pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.ID, &p.UserID, &p.Title, &p.Body, &p.Votes, &p.Published, &p.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// pgxGetInPlace is pgxGet scanning straight into the slice element.
func pgxGetInPlace(ctx context.Context, pool *pgxpool.Pool, q string) ([]Post, error) {
	rows, err := pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		out = append(out, Post{})
		p := &out[len(out)-1]
		if err := rows.Scan(&p.ID, &p.UserID, &p.Title, &p.Body, &p.Votes, &p.Published, &p.CreatedAt); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// TestGetSameRows checks that the benchmarked functions read the same
// rows, so the benchmark compares equal work.
func TestGetSameRows(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		db, sdb := sqliteRaw(t)
		seedPosts(t, db)
		want, err := stdlibGet(ctx, sdb, getSQL(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := relkitGet(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, got, want)
		tuned, err := stdlibGetInPlace(ctx, sdb, getSQL(t))
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, tuned, want)
	})
	t.Run("postgres", func(t *testing.T) {
		db, pool := postgres(t)
		seedPosts(t, db)
		want, err := pgxGet(ctx, pool, getSQL(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := relkitGet(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, got, want)
		tuned, err := pgxGetInPlace(ctx, pool, getSQL(t))
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, tuned, want)
	})
}

func checkSame(t *testing.T, got, want []Post) {
	t.Helper()
	if len(want) != getRows {
		t.Fatalf("hand-written code read %d rows, want %d", len(want), getRows)
	}
	if len(got) != len(want) {
		t.Fatalf("relkit read %d rows, hand-written %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].CreatedAt.Equal(want[i].CreatedAt) {
			t.Fatalf("row %d: created_at %v, want %v", i, got[i].CreatedAt, want[i].CreatedAt)
		}
		g, w := got[i], want[i]
		g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("row %d: relkit %+v, hand-written %+v", i, g, w)
		}
	}
}

// BenchmarkGet reads 1,000 rows into []Post with query.From[Post]().Get
// and with hand-written code running the same SQL on the same database:
// database/sql on SQLite, native pgx on PostgreSQL, each in the usual
// sqlc-generated shape (scan into a local, append) and scanning in place
// (the stricter baseline, no per-row allocation). The sqlt.ScanAll
// variant runs the statement through relkit's executor and scanner without
// the builder, to tell the two costs apart.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedPosts(b, db)
		q := getSQL(b)
		b.Run("database_sql", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := stdlibGet(ctx, sdb, q)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
		b.Run("database_sql_inplace", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := stdlibGetInPlace(ctx, sdb, q)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
		b.Run("relkit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := relkitGet(ctx, db)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
		b.Run("sqlt_scanall", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := scanAll(ctx, db, q)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedPosts(b, db)
		q := getSQL(b)
		b.Run("pgx", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := pgxGet(ctx, pool, q)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
		b.Run("pgx_inplace", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := pgxGetInPlace(ctx, pool, q)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
		b.Run("relkit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := relkitGet(ctx, db)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
		b.Run("sqlt_scanall", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := scanAll(ctx, db, q)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
		})
	})
}

func scanAll(ctx context.Context, db *sqlt.DB, q string) ([]Post, error) {
	rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return sqlt.ScanAll[Post](rows)
}

// BenchmarkGetInterleaved runs relkit and both hand-written variants in
// turn inside one loop (rotating which goes first), so that load from
// other processes hits all three alike, and reports each one's ns per read
// and the ratios relkit ÷ hand-written (sqlc shape) and relkit ÷
// hand-written (in place). Use it on a busy machine, where separate
// sub-benchmarks drift apart.
func BenchmarkGetInterleaved(b *testing.B) {
	ctx := context.Background()
	bench := func(b *testing.B, fns [3]func() ([]Post, error)) {
		var d [3]time.Duration
		i := 0
		for b.Loop() {
			for k := range 3 {
				j := (i + k) % 3
				start := time.Now()
				out, err := fns[j]()
				d[j] += time.Since(start)
				if err != nil || len(out) != getRows {
					b.Fatalf("%d rows, %v", len(out), err)
				}
			}
			i++
		}
		b.ReportMetric(float64(d[0].Nanoseconds())/float64(i), "relkit-ns/read")
		b.ReportMetric(float64(d[1].Nanoseconds())/float64(i), "hand-ns/read")
		b.ReportMetric(float64(d[2].Nanoseconds())/float64(i), "inplace-ns/read")
		b.ReportMetric(float64(d[0])/float64(d[1]), "ratio-hand")
		b.ReportMetric(float64(d[0])/float64(d[2]), "ratio-inplace")
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedPosts(b, db)
		q := getSQL(b)
		bench(b, [3]func() ([]Post, error){
			func() ([]Post, error) { return relkitGet(ctx, db) },
			func() ([]Post, error) { return stdlibGet(ctx, sdb, q) },
			func() ([]Post, error) { return stdlibGetInPlace(ctx, sdb, q) },
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedPosts(b, db)
		q := getSQL(b)
		bench(b, [3]func() ([]Post, error){
			func() ([]Post, error) { return relkitGet(ctx, db) },
			func() ([]Post, error) { return pgxGet(ctx, pool, q) },
			func() ([]Post, error) { return pgxGetInPlace(ctx, pool, q) },
		})
	})
}

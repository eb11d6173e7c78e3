package bench

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// postsPerParent is the per-parent limit of BenchmarkLoadLimitInterleaved.
const postsPerParent = 3

// newestPosts is each user's three newest posts: a per-parent limit.
var newestPosts = load.Where(lUserPosts, func(q *query.Query[LPost]) *query.Query[LPost] {
	return q.OrderByDesc("created_at").Limit(postsPerParent)
})

// The hand-written per-parent window query, as one writes it without
// relkit: the same window, the row number not selected.
const (
	handLimitSQLite = `select id, user_id, title, votes, created_at from (select id, user_id, title, votes, created_at,
		row_number() over (partition by user_id order by created_at desc, id) as rn
		from load_posts where user_id in (select value from json_each(?))) where rn <= 3 order by rn`
	handLimitPostgres = `select id, user_id, title, votes, created_at from (select id, user_id, title, votes, created_at,
		row_number() over (partition by user_id order by created_at desc, id) as rn
		from load_posts where user_id = any($1)) t where rn <= 3 order by rn`
)

// BenchmarkLoadLimitInterleaved loads each of 1,000 users' three newest
// posts (of ten): relkit's load.With with a per-parent Limit against the
// hand-written window query scanned by hand (database/sql on SQLite,
// native pgx on PostgreSQL), alternately within one loop, the first
// variant rotating; it reports relkit ÷ hand-written (ratio).
func BenchmarkLoadLimitInterleaved(b *testing.B) {
	bench := func(b *testing.B, db *sqlt.DB, q querier, s string, keys keyArgs) {
		ctx := context.Background()
		mine, hand := loadParents(b, db), loadParents(b, db)
		vs := []func() error{
			func() error { return load.With(ctx, db, mine, newestPosts) },
			func() error { return handPosts(ctx, q, s, keys, hand) },
		}
		for _, v := range vs {
			if err := v(); err != nil {
				b.Fatal(err)
			}
		}
		if !reflect.DeepEqual(mine, hand) || len(mine[0].Posts) != postsPerParent {
			b.Fatalf("relkit and the hand-written code disagree: %+v, %+v", mine[0].Posts, hand[0].Posts)
		}
		took := make([]time.Duration, len(vs))
		i := 0
		for b.Loop() {
			for j := range vs {
				k := (i + j) % len(vs)
				start := time.Now()
				if err := vs[k](); err != nil {
					b.Fatal(err)
				}
				took[k] += time.Since(start)
			}
			i++
		}
		b.ReportMetric(float64(took[0].Nanoseconds())/float64(i), "relkit-ns/load")
		b.ReportMetric(float64(took[1].Nanoseconds())/float64(i), "hand-ns/load")
		b.ReportMetric(float64(took[0])/float64(took[1]), "ratio")
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedLoad(b, db)
		bench(b, db, stdQ{sdb}, handLimitSQLite, jsonKeys)
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedLoad(b, db)
		bench(b, db, pgxQ{pool}, handLimitPostgres, pgxKeys)
	})
}

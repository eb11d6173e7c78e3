package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

type UpPerson struct {
	ID     int64  `db:"id"`
	Email  string `db:"email"`
	Name   string `db:"name"`
	Visits int64  `db:"visits"`
}

func (UpPerson) TableName() string { return "people" }

const upRows = 20000

// statementCounter counts the statements reported to its hook.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context {
	return ctx
}
func (c *statementCounter) AfterQuery(context.Context, sqlt.QueryEnd) { c.n.Add(1) }

// BenchmarkUpsertMany writes upRows rows, half of them colliding with an
// existing row, with one UpsertMany call ("many") and with a loop of
// Upsert in one transaction ("loop"), and reports the statements each
// runs. Run it with -benchtime 1x: one loop op takes seconds.
func BenchmarkUpsertMany(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, db *sqlt.DB, write func(ex sqlt.Executor, rows []UpPerson) error) {
		c := &statementCounter{}
		hooked := db.WithHook(c)
		people := query.From[UpPerson]()
		var stmts int64
		for b.Loop() {
			b.StopTimer()
			mustExec(b, db, `delete from people`)
			seed := make([]UpPerson, upRows/2)
			for i := range seed {
				seed[i] = UpPerson{Email: fmt.Sprintf("p%d@x", 2*i), Name: "old"}
			}
			if err := people.InsertMany(ctx, db, seed); err != nil {
				b.Fatal(err)
			}
			rows := make([]UpPerson, upRows)
			for i := range rows {
				rows[i] = UpPerson{Email: fmt.Sprintf("p%d@x", i), Name: "new", Visits: int64(i)}
			}
			c.n.Store(0)
			b.StartTimer()
			if err := write(hooked, rows); err != nil {
				b.Fatal(err)
			}
			stmts = c.n.Load()
			if rows[upRows-1].ID == 0 {
				b.Fatal("no key stored")
			}
		}
		b.ReportMetric(float64(stmts), "statements/op")
	}
	many := func(ex sqlt.Executor, rows []UpPerson) error {
		return query.From[UpPerson]().UpsertMany(ctx, ex, rows, []string{"email"})
	}
	loop := func(ex sqlt.Executor, rows []UpPerson) error {
		return sqlt.Tx(ctx, ex, func(tx sqlt.Executor) error {
			for i := range rows {
				if err := query.From[UpPerson]().Upsert(ctx, tx, &rows[i], []string{"email"}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	schema := `create table people (id {{pk}}, email text not null unique, name text not null, visits bigint not null)`
	b.Run("sqlite", func(b *testing.B) {
		db := openSQLite(b)
		mustExec(b, db, schema)
		b.Run("many", func(b *testing.B) { run(b, db, many) })
		b.Run("loop", func(b *testing.B) { run(b, db, loop) })
	})
	b.Run("postgres", func(b *testing.B) {
		db, _ := postgres(b)
		mustExec(b, db, schema)
		b.Run("many", func(b *testing.B) { run(b, db, many) })
		b.Run("loop", func(b *testing.B) { run(b, db, loop) })
	})
}

package query_test

import (
	"context"
	"database/sql"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York wherever the test runs

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
)

type tmEvent struct {
	ID   int64        `db:"id"`
	Name string       `db:"name"`
	At   time.Time    `db:"at"`    // timestamp (without time zone)
	AtTZ time.Time    `db:"at_tz"` // timestamptz on PostgreSQL
	Opt  *time.Time   `db:"opt"`
	NT   sql.NullTime `db:"nt"`
}

func (tmEvent) TableName() string { return "tm_events" }

// zonedTimes returns three instants written in New York, +05:30 and UTC
// whose wall clocks sort in the opposite order of the instants:
// kolkata (12:30Z) < utc (13:00Z) < newYork (14:00Z), while the wall
// clocks read 18:00, 13:00 and 09:00.
func zonedTimes(t *testing.T) (kolkata, utc, newYork time.Time) {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	ist := time.FixedZone("IST", 5*3600+1800)
	return time.Date(2024, 1, 15, 18, 0, 0, 0, ist),
		time.Date(2024, 1, 15, 13, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 15, 9, 0, 0, 0, ny)
}

func createTmEvents(t *testing.T, db *testdb.DB) {
	tz := "timestamp" // SQLite has no zoned type; mattn parses timestamp columns
	if db.Name == "postgres" {
		tz = "timestamptz"
	}
	db.MustExec(t, `create table tm_events (id {{pk}}, name text not null unique,
		at timestamp not null, at_tz `+tz+` not null, opt timestamp, nt timestamp)`)
}

func tmEventAt(name string, at time.Time) tmEvent {
	return tmEvent{Name: name, At: at, AtTZ: at, Opt: &at, NT: sql.NullTime{Time: at, Valid: true}}
}

// assertInstant checks that every time column of the stored row named name
// holds the instant want.
func assertInstant(t *testing.T, db *testdb.DB, name string, want time.Time) {
	t.Helper()
	got, err := query.From[tmEvent]().WhereOp("name", "=", name).First(context.Background(), db)
	require.NoError(t, err)
	assert.True(t, want.Equal(got.At), "%s: timestamp: got %v, want %v", name, got.At, want)
	assert.True(t, want.Equal(got.AtTZ), "%s: timestamptz: got %v, want %v", name, got.AtTZ, want)
	if assert.NotNil(t, got.Opt) {
		assert.True(t, want.Equal(*got.Opt), "%s: *time.Time: got %v, want %v", name, *got.Opt, want)
	}
	assert.True(t, got.NT.Valid && want.Equal(got.NT.Time), "%s: sql.NullTime: got %v, want %v", name, got.NT, want)
}

func eventNames(t *testing.T, db *testdb.DB, q *query.Query[tmEvent]) []string {
	t.Helper()
	rows, err := q.OrderBy("id").Get(context.Background(), db)
	require.NoError(t, err)
	names := []string{}
	for _, r := range rows {
		names = append(names, r.Name)
	}
	return names
}

func TestTimesRoundTripInUTC(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		createTmEvents(t, db)
		kolkata, utc, newYork := zonedTimes(t)
		q := query.From[tmEvent]()

		// Insert: each instant comes back whatever its offset.
		evs := []tmEvent{tmEventAt("kolkata", kolkata), tmEventAt("utc", utc), tmEventAt("new_york", newYork)}
		for i := range evs {
			require.NoError(t, q.Insert(ctx, db, &evs[i]))
		}
		assertInstant(t, db, "kolkata", kolkata)
		assertInstant(t, db, "utc", utc)
		assertInstant(t, db, "new_york", newYork)

		// Range conditions compare instants, the bound value in any zone.
		for _, col := range []string{"at", "at_tz", "opt", "nt"} {
			assert.Equal(t, []string{"new_york"}, eventNames(t, db, q.WhereOp(col, ">", utc.In(kolkata.Location()))), col)
			assert.Equal(t, []string{"kolkata"}, eventNames(t, db, q.WhereOp(col, "<", &utc)), col)
			assert.Equal(t, []string{"kolkata", "utc"}, eventNames(t, db, q.WhereBetween(col, kolkata, utc.In(newYork.Location()))), col)
			assert.Equal(t, []string{"utc", "new_york"}, eventNames(t, db, q.WhereOp(col, ">=", sql.NullTime{Time: utc.In(newYork.Location()), Valid: true})), col)
		}
		rows, err := q.OrderBy("at").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, rows, 3)
		assert.Equal(t, []string{"kolkata", "utc", "new_york"}, []string{rows[0].Name, rows[1].Name, rows[2].Name}, "ordered by instant")

		// Update, UpdateAll and Upsert write instants the same way.
		later := newYork.Add(time.Hour) // 15:00Z, in New York
		ev := evs[1]
		ev.At, ev.AtTZ, ev.Opt, ev.NT = later, later, &later, sql.NullTime{Time: later, Valid: true}
		require.NoError(t, q.Update(ctx, db, &ev))
		assertInstant(t, db, "utc", later)

		earlier := kolkata.Add(-time.Hour) // 11:30Z, in +05:30
		n, err := q.WhereOp("name", "=", "new_york").UpdateAll(ctx, db, map[string]any{
			"at": earlier, "at_tz": earlier, "opt": &earlier, "nt": sql.NullTime{Time: earlier, Valid: true},
		})
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		assertInstant(t, db, "new_york", earlier)

		up := tmEventAt("kolkata", newYork)
		require.NoError(t, q.Upsert(ctx, db, &up, []string{"name"}))
		assertInstant(t, db, "kolkata", newYork)
		ins := tmEventAt("inserted", kolkata)
		require.NoError(t, q.Upsert(ctx, db, &ins, []string{"name"}))
		assertInstant(t, db, "inserted", kolkata)
	})
}

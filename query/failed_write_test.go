package query_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// fwEntry rows get everything relkit sets during a write: a generated key,
// a foreign key through a relation, created_at and updated_at. The CHECK
// on qty lets a test make one row fail.
type fwEntry struct {
	ID        int64     `db:"id"`
	ShelfID   int64     `db:"shelf_id"`
	Qty       int64     `db:"qty"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (fwEntry) TableName() string { return "entries" }

type fwShelf struct {
	ID      int64     `db:"id"`
	Name    string    `db:"name"`
	Entries []fwEntry `db:"-"`
}

func (fwShelf) TableName() string { return "shelves" }

var fwShelfEntries = rel.HasMany[fwShelf, fwEntry]("shelf_id", "id")

func fwSeed(t *testing.T, db *testdb.DB) fwShelf {
	t.Helper()
	db.MustExec(t,
		`create table shelves (id {{pk}}, name text not null)`,
		`create table entries (id {{pk}}, shelf_id bigint not null default 0, qty bigint not null check (qty >= 0),
			created_at timestamp, updated_at timestamp)`,
		`insert into shelves (name) values ('top')`,
	)
	return fwShelf{ID: 1, Name: "top"}
}

// fwEntries returns n new entries whose qty is their index; the last one
// breaks the CHECK when bad.
func fwEntries(n int, bad bool) []fwEntry {
	rows := make([]fwEntry, n)
	for i := range rows {
		rows[i].Qty = int64(i)
	}
	if bad {
		rows[n-1].Qty = -1
	}
	return rows
}

// fwChanged counts the rows that differ from before (a diff of 20,000
// structs would be unreadable) and returns the first one.
func fwChanged(before, after []fwEntry) (int, *fwEntry) {
	n := 0
	var first *fwEntry
	for i := range after {
		if after[i] != before[i] {
			if n == 0 {
				first = &after[i]
			}
			n++
		}
	}
	return n, first
}

func fwTableCount(t *testing.T, db *testdb.DB) int64 {
	t.Helper()
	return wtCount(t, db, query.From[fwEntry]())
}

func TestInsertManyFailureLeavesRowsAsTheyWere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		shelf := fwSeed(t, db)
		const n = 20000

		// The normal statement count for n rows: several batches.
		baseline := fwEntries(n, false)
		db.Counter.Reset()
		require.NoError(t, query.From[fwEntry]().InsertMany(ctx, db, baseline))
		normal := db.Counter.Count()
		require.Greater(t, normal, 2, "the rows span several batches: %s", db.Counter)
		db.MustExec(t, `delete from entries`)

		// The last row fails in the last batch, after the others got keys.
		rows := fwEntries(n, true)
		rows[0].CreatedAt = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC) // set by the caller: kept
		before := slices.Clone(rows)
		scoped := query.Related(fwShelfEntries, &shelf)
		db.Counter.Reset()
		err := scoped.InsertMany(ctx, db, rows)
		require.Error(t, err)
		assert.Equal(t, normal, db.Counter.Count(), "every batch ran: %s", db.Counter)
		assert.Zero(t, fwTableCount(t, db))
		changed, first := fwChanged(before, rows)
		assert.Zero(t, changed, "keys, foreign keys and timestamps are put back; first changed: %+v", first)

		// A retry runs the normal statements and stores keys.
		rows[n-1].Qty = 1
		db.Counter.Reset()
		require.NoError(t, scoped.InsertMany(ctx, db, rows))
		assert.Equal(t, normal, db.Counter.Count(), db.Counter)
		assert.Equal(t, int64(n), fwTableCount(t, db))
		for _, r := range []fwEntry{rows[0], rows[n/2], rows[n-1]} {
			assert.NotZero(t, r.ID)
			assert.Equal(t, shelf.ID, r.ShelfID)
			assert.False(t, r.UpdatedAt.IsZero())
		}

		// []*T rows, and a context cancelled before the call.
		ptrs := []*fwEntry{{Qty: 1}, {Qty: 2}}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err = scoped.InsertManyPtrs(cctx, db, ptrs)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, []*fwEntry{{Qty: 1}, {Qty: 2}}, ptrs)
	})
}

// cancelAfter cancels its context once n statements have finished.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (c *cancelAfter) AfterQuery(context.Context, sqlt.QueryEnd) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
}

func TestInsertManyCancelledBetweenBatchesLeavesRowsAsTheyWere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		shelf := fwSeed(t, db)
		rows := fwEntries(20000, false)
		before := slices.Clone(rows)
		ex := db.DB.WithHook(&cancelAfter{n: 1, cancel: cancel})
		err := query.Related(fwShelfEntries, &shelf).InsertMany(ctx, ex, rows)
		require.ErrorIs(t, err, context.Canceled)
		changed, first := fwChanged(before, rows)
		assert.Zero(t, changed, "the first batch's keys are put back; first changed: %+v", first)
	})
}

func TestSaveManyFailureLeavesRowsAsTheyWere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		shelf := fwSeed(t, db)
		scoped := query.Related(fwShelfEntries, &shelf)
		// Two stored rows, edited in memory, then new rows; the last fails.
		stored := fwEntries(2, false)
		require.NoError(t, query.From[fwEntry]().InsertMany(ctx, db, stored))
		rows := append(slices.Clone(stored), fwEntries(5, true)...)
		rows[0].Qty, rows[1].Qty = 10, 11
		before := slices.Clone(rows)

		db.Counter.Reset()
		err := scoped.SaveMany(ctx, db, rows)
		require.Error(t, err)
		assert.Equal(t, len(rows), db.Counter.Count(), "one statement per row ran: %s", db.Counter)
		assert.Equal(t, before, rows, "keys, foreign keys and updated_at are put back")
		assert.Equal(t, int64(2), fwTableCount(t, db))

		// The retry runs one statement per row again: new rows are inserted,
		// not first updated under a stale key.
		rows[len(rows)-1].Qty = 1
		db.Counter.Reset()
		require.NoError(t, scoped.SaveMany(ctx, db, rows))
		assert.Equal(t, len(rows), db.Counter.Count(), db.Counter)
		assert.Equal(t, int64(len(rows)), fwTableCount(t, db))
		assert.Equal(t, shelf.ID, rows[len(rows)-1].ShelfID)
	})
}

func TestSingleRowWriteFailureLeavesStructAsItWas(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		shelf := fwSeed(t, db)
		scoped := query.Related(fwShelfEntries, &shelf)
		stored := fwEntry{Qty: 1}
		require.NoError(t, query.From[fwEntry]().Insert(ctx, db, &stored))

		writes := map[string]func(*fwEntry) error{
			"insert": func(e *fwEntry) error { return scoped.Insert(ctx, db, e) },
			"save":   func(e *fwEntry) error { return scoped.Save(ctx, db, e) },
			"update": func(e *fwEntry) error { return scoped.Update(ctx, db, e) },
			"upsert": func(e *fwEntry) error { return scoped.Upsert(ctx, db, e, []string{"id"}) },
		}
		for name, write := range writes {
			fresh := fwEntry{Qty: -1}
			err := write(&fresh)
			require.Error(t, err, name)
			assert.Equal(t, fwEntry{Qty: -1}, fresh, "%s of a new row", name)

			edited := stored
			edited.Qty = -1
			err = write(&edited)
			require.Error(t, err, name)
			want := stored
			want.Qty = -1
			assert.Equal(t, want, edited, "%s of a stored row", name)
		}
		assert.Equal(t, int64(1), fwTableCount(t, db))
	})
}

func TestWriteInCallersTransaction(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		shelf := fwSeed(t, db)
		scoped := query.Related(fwShelfEntries, &shelf)
		rows := fwEntries(3, true)
		before := slices.Clone(rows)
		kept := fwEntries(2, false)
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			// A failure inside the caller's transaction rolls back its
			// savepoint and puts the rows back; the transaction goes on.
			require.Error(t, scoped.InsertMany(ctx, tx, rows))
			assert.Equal(t, before, rows)
			require.NoError(t, scoped.InsertMany(ctx, tx, kept))
			return context.Canceled // the caller rolls back
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Zero(t, fwTableCount(t, db))
		// Documented: relkit cannot see the caller's rollback, so rows
		// written successfully keep their keys.
		assert.NotZero(t, kept[0].ID)
	})
}

func TestFirstOrCreateChecksValuesBeforeAnyStatement(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		shelf := fwSeed(t, db)
		scoped := query.Related(fwShelfEntries, &shelf)
		attrs := map[string]any{"qty": 1}
		for name, values := range map[string]map[string]any{
			"unknown column": {"nope": 1},
			"invalid name":   {"qty = 0 --": 1},
			"bad value":      {"qty": "many"},
		} {
			db.Counter.Reset()
			_, err1 := scoped.FirstOrNew(ctx, db, attrs, values)
			_, err2 := scoped.FirstOrCreate(ctx, db, attrs, values)
			_, err3 := scoped.UpdateOrCreate(ctx, db, attrs, values)
			_, err4 := query.From[fwEntry]().UpdateOrCreate(ctx, db, attrs, values)
			for _, err := range []error{err1, err2, err3, err4} {
				require.Error(t, err, name)
				switch name {
				case "unknown column":
					assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
				case "invalid name":
					assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
				}
			}
			assert.Zero(t, db.Counter.Count(), "%s: %s", name, db.Counter)
		}
	})
}

package sqlt_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

type Base struct {
	ID        int64     `db:"id"`
	CreatedAt time.Time `db:"created_at"`
}

type Gadget struct {
	Base
	Name    string
	Price   float64
	Note    sql.NullString
	Owner   *string `db:"owner_name"`
	Blob    []byte  `db:"data"` // not "blob": a reserved word of MySQL
	Active  bool
	Parts   []Gadget `db:"-"`
	Ignored string   `db:"-"`
	hidden  int
}

const gadgetDDL = `create table gadgets (id {{pk}}, created_at timestamp not null, name text not null,
	price double precision not null, note text, owner_name text, data bytea, active boolean not null)`

func TestScanAndHooks(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, gadgetDDL)
		now := time.Now().UTC().Truncate(time.Microsecond)
		owner := "ann"
		_, err := db.Exec(ctx, `insert into gadgets (created_at, name, price, note, owner_name, data, active) values (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)`,
			now, "lamp", 9.5, "bright", owner, []byte{1, 2}, true,
			now, "desk", 120.0, nil, nil, nil, false)
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count())

		rows, err := db.Query(ctx, `select * from gadgets order by id`)
		require.NoError(t, err)
		gs, err := sqlt.ScanAll[Gadget](rows)
		require.NoError(t, err)
		require.Len(t, gs, 2)
		assert.Equal(t, "lamp", gs[0].Name)
		assert.Equal(t, int64(1), gs[0].ID)
		assert.True(t, gs[0].CreatedAt.Equal(now), "%v vs %v", gs[0].CreatedAt, now)
		assert.Equal(t, sql.NullString{String: "bright", Valid: true}, gs[0].Note)
		require.NotNil(t, gs[0].Owner)
		assert.Equal(t, "ann", *gs[0].Owner)
		assert.Equal(t, []byte{1, 2}, gs[0].Blob)
		assert.True(t, gs[0].Active)
		assert.False(t, gs[1].Note.Valid)
		assert.Nil(t, gs[1].Owner)
		assert.False(t, gs[1].Active)
		assert.Equal(t, 2, db.Counter.Count())

		rows, err = db.Query(ctx, `select name from gadgets order by name`)
		require.NoError(t, err)
		names, err := sqlt.ScanAll[string](rows)
		require.NoError(t, err)
		assert.Equal(t, []string{"desk", "lamp"}, names)

		rows, err = db.Query(ctx, `select * from gadgets where id = ?`, 99)
		require.NoError(t, err)
		_, err = sqlt.ScanOne[Gadget](rows)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.ErrorIs(t, err, sql.ErrNoRows)

		rows, err = db.Query(ctx, `select id, name, 1 as surprise from gadgets`)
		require.NoError(t, err)
		_, err = sqlt.ScanAll[Gadget](rows)
		var uc *sqlt.UnmappedResultColumnError
		require.ErrorAs(t, err, &uc)
		assert.Equal(t, "surprise", uc.Column)

		// Opt in to dropping unmapped columns, on the handle and its transactions.
		lax := db.IgnoreUnknownColumns()
		rows, err = lax.Query(ctx, `select id, name, 1 as surprise from gadgets order by id`)
		require.NoError(t, err)
		gs, err = sqlt.ScanAll[Gadget](rows)
		require.NoError(t, err)
		require.Len(t, gs, 2)
		assert.Equal(t, "lamp", gs[0].Name)
		require.NoError(t, sqlt.Tx(ctx, lax, func(tx sqlt.Executor) error {
			rows, err := tx.Query(ctx, `select id, 2 as other from gadgets`)
			if err != nil {
				return err
			}
			_, err = sqlt.ScanAll[Gadget](rows)
			return err
		}))

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = db.Query(cctx, `select 1`)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestTx(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table things (id {{pk}}, name text not null unique)`)
		count := func() int {
			rows, err := db.Query(ctx, `select count(*) from things`)
			require.NoError(t, err)
			n, err := sqlt.ScanOne[int](rows)
			require.NoError(t, err)
			return n
		}
		boom := errors.New("boom")
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			_, err := tx.Exec(ctx, `insert into things (name) values (?)`, "a")
			require.NoError(t, err)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		assert.Equal(t, 0, count(), "rolled back")

		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, err := tx.Exec(ctx, `insert into things (name) values (?)`, "a"); err != nil {
				return err
			}
			// A nested transaction is a savepoint: its failure is contained.
			inner := sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
				if _, err := tx.Exec(ctx, `insert into things (name) values (?)`, "b"); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `insert into things (name) values (?)`, "a") // unique violation
				return err
			})
			assert.Error(t, inner)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, 1, count(), "outer committed, savepoint rolled back")

		assert.Panics(t, func() {
			_ = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
				_, _ = tx.Exec(ctx, `insert into things (name) values (?)`, "p")
				panic("oops")
			})
		})
		assert.Equal(t, 1, count(), "rolled back on panic")
	})
}

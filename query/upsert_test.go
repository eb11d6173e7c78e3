package query_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestUpsert(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		r := Role{Name: "admin"}
		require.NoError(t, query.From[Role]().Upsert(ctx, db, &r, []string{"name"}))
		assert.Equal(t, int64(1), r.ID, "the existing row's key comes back")
		n, err := query.From[Role]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)

		r = Role{Name: "owner"}
		require.NoError(t, query.From[Role]().Upsert(ctx, db, &r, []string{"name"}))
		assert.Greater(t, r.ID, int64(3))
		n, err = query.From[Role]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)

		err = query.From[Role]().Upsert(ctx, db, &r, []string{"name) do nothing; --"})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
	})
}

type umPerson struct {
	ID     int64  `db:"id"`
	Email  string `db:"email"`
	Name   string `db:"name"`
	Visits int64  `db:"visits"`
}

func (umPerson) TableName() string { return "people" }

func umSchema(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t, `create table people (id {{pk}}, email text not null unique, name text not null, visits bigint not null check (visits >= 0))`)
}

func umInserts(db *testdb.DB) int {
	n := 0
	for _, s := range db.Counter.Statements() {
		if strings.HasPrefix(s, "insert into") {
			n++
		}
	}
	return n
}

func TestUpsertManyWritesBatchesAndFillsKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		umSchema(t, db)
		people := query.From[umPerson]()
		const n = 20000
		existing := make([]umPerson, n/2)
		for i := range existing {
			existing[i] = umPerson{Email: fmt.Sprintf("p%d@x", 2*i), Name: "old"}
		}
		require.NoError(t, people.InsertMany(ctx, db, existing))
		idOf := map[string]int64{}
		for _, p := range existing {
			idOf[p.Email] = p.ID
		}

		// Even rows collide with an existing row, odd rows are new.
		rows := make([]*umPerson, n)
		for i := range rows {
			rows[i] = &umPerson{Email: fmt.Sprintf("p%d@x", i), Name: "new", Visits: int64(i)}
		}
		db.Counter.Reset()
		require.NoError(t, people.UpsertManyPtrs(ctx, db, rows, []string{"email"}))
		perStatement := query.MaxInsertParams / 4 // four mapped columns
		assert.Equal(t, (n+perStatement-1)/perStatement, umInserts(db), db.Counter)

		total, err := people.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(n), total, "the n/2 rows there before, updated, and n/2 new ones")
		stored, err := people.Get(ctx, db)
		require.NoError(t, err)
		byEmail := map[string]umPerson{}
		for _, p := range stored {
			byEmail[p.Email] = p
		}
		for i, r := range rows {
			s := byEmail[r.Email]
			require.Equal(t, s.ID, r.ID, "row %d: the key of its row comes back", i)
			require.Equal(t, "new", s.Name)
			require.Equal(t, int64(i), s.Visits)
			if id, ok := idOf[r.Email]; ok {
				require.Equal(t, id, r.ID, "row %d: the existing row was updated", i)
			}
		}
	})
}

func TestUpsertManyRefusesBadInputBeforeAnyStatement(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		umSchema(t, db)
		people := query.From[umPerson]()
		two := func() []umPerson { return []umPerson{{Email: "a@x"}, {Email: "b@x"}} }
		cases := []struct {
			name     string
			rows     []umPerson
			conflict []string
			update   []string
			want     error
		}{
			{"no conflict columns", two(), nil, nil, query.ErrBadArgument},
			{"unmapped conflict column", two(), []string{"mail"}, nil, sqlt.ErrUnknownColumn},
			{"unsafe conflict column", two(), []string{"email) do nothing; --"}, nil, sqlt.ErrInvalidIdentifier},
			{"unmapped update column", two(), []string{"email"}, []string{"nick"}, sqlt.ErrUnknownColumn},
			{"two rows with one key", []umPerson{{Email: "a@x", Name: "1"}, {Email: "b@x"}, {Email: "a@x", Name: "2"}}, []string{"email"}, nil, query.ErrBadArgument},
			{"no conflict columns and no rows", []umPerson{}, nil, nil, query.ErrBadArgument},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				db.Counter.Reset()
				err := people.UpsertMany(ctx, db, c.rows, c.conflict, c.update...)
				assert.ErrorIs(t, err, c.want)
				assert.Zero(t, db.Counter.Count(), db.Counter)
			})
		}

		db.Counter.Reset()
		require.NoError(t, people.UpsertMany(ctx, db, []umPerson{}, []string{"email"}), "no rows: nothing to do")
		require.NoError(t, people.UpsertManyPtrs(ctx, db, []*umPerson(nil), []string{"email"}))
		require.NoError(t, people.UpsertMany(ctx, nil, nil, []string{"email"}), "no rows: no executor needed")
		err := people.UpsertManyPtrs(ctx, db, []*umPerson{{Email: "a@x"}, nil}, []string{"email"})
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		assert.ErrorContains(t, err, "row 1 is a nil pointer")
		assert.Zero(t, db.Counter.Count(), db.Counter)
	})
}

func TestUpsertManyFailureLeavesRowsAsTheyWere(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		umSchema(t, db)
		people := query.From[umPerson]()
		old := umPerson{Email: "p0@x", Name: "old"}
		require.NoError(t, people.Insert(ctx, db, &old))

		// The last row breaks the check constraint, in the last batch.
		const n = 20000
		rows := make([]umPerson, n)
		for i := range rows {
			rows[i] = umPerson{Email: fmt.Sprintf("p%d@x", i), Name: "new"}
		}
		rows[n-1].Visits = -1
		before := slices.Clone(rows)
		err := people.UpsertMany(ctx, db, rows, []string{"email"})
		require.Error(t, err)
		assert.Equal(t, before, rows, "no key stored")
		stored, err := people.Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []umPerson{old}, stored, "nothing written")

		rows[n-1].Visits = 0
		require.NoError(t, people.UpsertMany(ctx, db, rows, []string{"email"}))
		assert.Equal(t, old.ID, rows[0].ID)
		assert.NotZero(t, rows[n-1].ID)
	})
}

func TestUpsertManyByPrimaryKeyInsertsRowsWithoutKey(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		umSchema(t, db)
		people := query.From[umPerson]()
		a := umPerson{Email: "a@x", Name: "a"}
		require.NoError(t, people.Insert(ctx, db, &a))

		// One existing row by its key and two new rows without one.
		rows := []umPerson{{ID: a.ID, Email: "a@x", Name: "a2"}, {Email: "b@x", Name: "b"}, {Email: "c@x", Name: "c"}}
		require.NoError(t, people.UpsertMany(ctx, db, rows, []string{"id"}))
		assert.Equal(t, a.ID, rows[0].ID)
		assert.NotZero(t, rows[1].ID)
		assert.NotZero(t, rows[2].ID)
		assert.NotEqual(t, rows[1].ID, rows[2].ID)
		stored, err := people.OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, rows, stored)
	})
}

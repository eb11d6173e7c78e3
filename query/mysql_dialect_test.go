package query_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

type myTicket struct {
	ID   int64  `db:"id"`
	Code string `db:"code"`
	N    int64  `db:"n"`
}

func (myTicket) TableName() string { return "my_tickets" }

// myHandle runs the sqlt.MySQL dialect (no RETURNING: keys come from the
// driver's last insert id, one row a statement) on the MariaDB test
// server, over a *sql.DB of the caller's (sqlt.FromDB), counting its
// statements. testdb's "mysql" subtests run sqlt.MariaDB, which has
// RETURNING.
func myHandle(t *testing.T) (*testdb.DB, sqlt.Executor, *testdb.Counter) {
	t.Helper()
	db := testdb.MySQL(t)
	db.MustExec(t, `create table my_tickets (id {{pk}}, code text not null unique, n bigint not null default 0)`)
	c := &testdb.Counter{}
	ex := sqlt.FromDB(db.MySQLSQLDB(t), sqlt.MySQL).WithHook(c)
	require.False(t, ex.Dialect().Returning())
	return db, ex, c
}

// codeOf reads the code of the row with key id, through the test's own
// handle.
func codeOf(t *testing.T, db *testdb.DB, id int64) string {
	t.Helper()
	got, err := query.From[myTicket]().Find(context.Background(), db, id)
	require.NoError(t, err, "row %d", id)
	return got.Code
}

func TestMySQLDialectKeysWithoutReturning(t *testing.T) {
	ctx := context.Background()
	db, ex, c := myHandle(t)

	a := myTicket{Code: "a", N: 1}
	require.NoError(t, query.From[myTicket]().Insert(ctx, ex, &a))
	require.NotZero(t, a.ID)
	assert.Equal(t, "a", codeOf(t, db, a.ID))

	many := []myTicket{{Code: "b"}, {Code: "c"}, {Code: "d"}, {Code: "e"}}
	c.Reset()
	require.NoError(t, query.From[myTicket]().InsertMany(ctx, ex, many))
	inserts := 0
	for _, s := range c.Statements() {
		if strings.HasPrefix(s, "insert into") {
			inserts++
		}
	}
	assert.Equal(t, len(many), inserts, "one insert a row, each key its last insert id: %s", c)
	ids := map[int64]bool{a.ID: true}
	for _, r := range many {
		require.NotZero(t, r.ID, r.Code)
		assert.False(t, ids[r.ID], "key %d given twice", r.ID)
		ids[r.ID] = true
		assert.Equal(t, r.Code, codeOf(t, db, r.ID), "the key of %s is its row's", r.Code)
	}

	// Upsert: a conflict on code updates the row and reads its key; a new
	// code inserts; a row written again unchanged still gets its key.
	up := myTicket{Code: "c", N: 30}
	require.NoError(t, query.From[myTicket]().Upsert(ctx, ex, &up, []string{"code"}, "n"))
	assert.Equal(t, many[1].ID, up.ID, "the updated row's key")
	same := myTicket{Code: "c", N: 30}
	require.NoError(t, query.From[myTicket]().Upsert(ctx, ex, &same, []string{"code"}, "n"))
	assert.Equal(t, many[1].ID, same.ID, "an unchanged row's key")
	fresh := myTicket{Code: "z", N: 26}
	require.NoError(t, query.From[myTicket]().Upsert(ctx, ex, &fresh, []string{"code"}, "n"))
	require.NotZero(t, fresh.ID)
	assert.False(t, ids[fresh.ID])
	assert.Equal(t, "z", codeOf(t, db, fresh.ID))

	mixed := []myTicket{{Code: "e", N: 50}, {Code: "y", N: 25}, {Code: "a", N: 10}}
	require.NoError(t, query.From[myTicket]().UpsertMany(ctx, ex, mixed, []string{"code"}, "n"))
	assert.Equal(t, many[3].ID, mixed[0].ID)
	assert.Equal(t, a.ID, mixed[2].ID)
	assert.Equal(t, "y", codeOf(t, db, mixed[1].ID))
	got, err := query.From[myTicket]().Find(ctx, db, a.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(10), got.N)

	for _, s := range c.Statements() {
		assert.NotContains(t, strings.ToLower(s), "returning", "sqlt.MySQL sends no RETURNING")
	}
}

// Eight goroutines insert at once, on a pool of connections: every key
// read from the driver's last insert id is its own row's.
func TestMySQLDialectConcurrentInsertersGetTheirOwnKeys(t *testing.T) {
	ctx := context.Background()
	db, ex, _ := myHandle(t)
	const workers, each = 8, 40
	rows := make([][]myTicket, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := myTicket{Code: fmt.Sprintf("w%d-%d", w, i)}
				switch i % 3 {
				case 0:
					if !assert.NoError(t, query.From[myTicket]().Insert(ctx, ex, &r)) {
						return
					}
					rows[w] = append(rows[w], r)
				case 1:
					batch := []myTicket{r, {Code: r.Code + "b"}}
					if !assert.NoError(t, query.From[myTicket]().InsertMany(ctx, ex, batch)) {
						return
					}
					rows[w] = append(rows[w], batch...)
				default:
					if !assert.NoError(t, query.From[myTicket]().Upsert(ctx, ex, &r, []string{"code"}, "n")) {
						return
					}
					rows[w] = append(rows[w], r)
				}
			}
		}()
	}
	wg.Wait()
	all, err := query.From[myTicket]().Get(ctx, db)
	require.NoError(t, err)
	byID := make(map[int64]string, len(all))
	for _, r := range all {
		byID[r.ID] = r.Code
	}
	n := 0
	for _, rs := range rows {
		for _, r := range rs {
			n++
			assert.Equal(t, r.Code, byID[r.ID], "key %d", r.ID)
		}
	}
	assert.Equal(t, len(all), n, "every row written was read back")
}

package pivot_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type smUser struct {
	ID int64 `db:"id"`
}

func (smUser) TableName() string { return "sm_users" }

type smRole struct {
	ID int64 `db:"id"`
}

func (smRole) TableName() string { return "sm_roles" }

var smRoles = rel.BelongsToMany[smUser, smRole]("sm_role_user", "user_id", "role_id").WithPivot("active")

// smSeed creates users 1..users, roles 1..roles and an empty pivot table.
func smSeed(t *testing.T, db *testdb.DB, users, roles int) {
	t.Helper()
	db.MustExec(t,
		`create table sm_users (id {{pk}})`,
		`create table sm_roles (id {{pk}})`,
		`create table sm_role_user (user_id bigint not null references sm_users(id), role_id bigint not null references sm_roles(id),
			active boolean not null default true, primary key (user_id, role_id))`,
	)
	for i := 1; i <= max(users, roles); i++ {
		if i <= users {
			db.MustExec(t, fmt.Sprintf(`insert into sm_users (id) values (%d)`, i))
		}
		if i <= roles {
			db.MustExec(t, fmt.Sprintf(`insert into sm_roles (id) values (%d)`, i))
		}
	}
}

type smRow struct {
	UserID int64 `db:"user_id"`
	RoleID int64 `db:"role_id"`
	Active bool  `db:"active"`
}

func smRows(t *testing.T, db *testdb.DB) []smRow {
	t.Helper()
	rows, err := db.Query(context.Background(), `select user_id, role_id, active from sm_role_user order by user_id, role_id`)
	require.NoError(t, err)
	out, err := sqlt.ScanAll[smRow](rows)
	require.NoError(t, err)
	return out
}

// TestSyncRoundTrips counts the statements a sync sends inside the
// caller's transaction, the lock included: only statements that can
// change something, and on PostgreSQL the writes as one statement. (The
// savepoint that sqlt opens around two or more writes, and on PostgreSQL
// around any write, is not seen by query hooks; TestFailureLeavesPivotUnchanged
// checks that it is there.)
func TestSyncRoundTrips(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		smSeed(t, db, 1, 5)
		u := &smUser{ID: 1}
		_, err := pivot.Sync(ctx, db, smRoles, u, []int64{1, 2, 3})
		require.NoError(t, err)
		pg := db.Dialect().Name() == "postgres"
		cases := []struct {
			name     string
			sync     func(tx sqlt.Executor) (pivot.Changes, error)
			want     pivot.Changes
			sqlite   []string // statement prefixes, in order
			postgres []string
		}{
			{"nothing to change", func(tx sqlt.Executor) (pivot.Changes, error) {
				return pivot.Sync(ctx, tx, smRoles, u, []int64{1, 2, 3})
			}, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}},
				[]string{"select"}, []string{"select pg_advisory", "select"}},
			{"kept rows already have the values", func(tx sqlt.Executor) (pivot.Changes, error) {
				return pivot.SyncWithPivotValues(ctx, tx, smRoles, u, []int64{1, 2, 3}, map[string]any{"active": true})
			}, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}},
				[]string{"select"}, []string{"select pg_advisory", "select"}},
			{"one write", func(tx sqlt.Executor) (pivot.Changes, error) {
				return pivot.SyncWithoutDetaching(ctx, tx, smRoles, u, []int64{4})
			}, pivot.Changes{Attached: keys(4), Detached: []any{}, Updated: []any{}},
				[]string{"select", "insert"}, []string{"select pg_advisory", "select", "insert"}},
			{"detach and attach", func(tx sqlt.Executor) (pivot.Changes, error) {
				return pivot.SyncWithPivotValues(ctx, tx, smRoles, u, []int64{2, 3, 5}, map[string]any{"active": true})
			}, pivot.Changes{Attached: keys(5), Detached: keys(1, 4), Updated: []any{}},
				[]string{"select", "delete", "insert"},
				[]string{"select pg_advisory", "select", "with"}},
		}
		for _, c := range cases {
			var sent []string
			err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
				db.Counter.Reset()
				ch, err := c.sync(tx)
				require.NoError(t, err)
				assert.Equal(t, c.want, ch, c.name)
				sent = db.Counter.Statements()
				return nil
			})
			require.NoError(t, err)
			want := c.sqlite
			switch {
			case pg:
				want = c.postgres
			case db.Name == "mysql": // the parent's row lock, then SQLite's statements
				want = append([]string{"select 1 from"}, c.sqlite...)
			}
			require.Len(t, sent, len(want), "%s: %s", c.name, strings.Join(sent, "\n"))
			for i, w := range want {
				assert.True(t, strings.HasPrefix(strings.ToLower(sent[i]), w), "%s: statement %d is %q, want %s…", c.name, i, sent[i], w)
			}
		}
	})
}

// TestSyncManyMatchesSync syncs random parents to random key sets (some
// with attributes) with SyncMany, and the same from the same start with
// Sync per parent: same rows, same Changes (Detached compared as sets:
// its order is the database's).
func TestSyncManyMatchesSync(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		const users, roles = 40, 12
		smSeed(t, db, users, roles)
		rnd := rand.New(rand.NewPCG(12, 1))
		randIDs := func() any {
			n := rnd.IntN(6)
			perm := rnd.Perm(roles)[:n]
			switch rnd.IntN(3) {
			case 0:
				ids := make([]int64, n)
				for i, k := range perm {
					ids[i] = int64(k + 1)
				}
				return ids
			case 1:
				recs := make([]pivot.Record, n)
				for i, k := range perm {
					recs[i] = pivot.Record{Key: k + 1}
					if rnd.IntN(2) == 0 {
						recs[i].Attrs = map[string]any{"active": rnd.IntN(2) == 0}
					}
				}
				return recs
			}
			m := map[int64]map[string]any{}
			for _, k := range perm {
				m[int64(k+1)] = map[string]any{"active": rnd.IntN(2) == 0}
			}
			return m
		}
		for round := 0; round < 8; round++ {
			// A random start.
			db.MustExec(t, `delete from sm_role_user`)
			var start []smRow
			for u := 1; u <= users; u++ {
				for _, k := range rnd.Perm(roles)[:rnd.IntN(5)] {
					start = append(start, smRow{int64(u), int64(k + 1), rnd.IntN(2) == 0})
				}
			}
			reset := func() {
				db.MustExec(t, `delete from sm_role_user`)
				for _, r := range start {
					_, err := db.Exec(ctx, `insert into sm_role_user (user_id, role_id, active) values (?, ?, ?)`, r.UserID, r.RoleID, r.Active)
					require.NoError(t, err)
				}
			}
			// Random parents (a random subset, random order) and their ids.
			var parents []*smUser
			want := map[int64]any{}
			for _, u := range rnd.Perm(users)[:1+rnd.IntN(users)] {
				parents = append(parents, &smUser{ID: int64(u + 1)})
				want[int64(u+1)] = randIDs()
			}
			reset()
			var each []pivot.Changes
			for _, p := range parents {
				ch, err := pivot.Sync(ctx, db, smRoles, p, want[p.ID])
				require.NoError(t, err)
				each = append(each, ch)
			}
			afterEach := smRows(t, db)

			reset()
			db.Counter.Reset()
			many, err := pivot.SyncMany(ctx, db, smRoles, parents, func(u *smUser) any { return want[u.ID] })
			require.NoError(t, err)
			limit := 6
			if db.Name == "mysql" {
				limit++ // the parents' row lock, one statement
			}
			assert.LessOrEqual(t, db.Counter.Count(), limit, "constant statements: %s", db.Counter)
			assert.Equal(t, afterEach, smRows(t, db), "round %d: rows", round)
			require.Len(t, many, len(each))
			for i := range each {
				assert.Equal(t, each[i].Attached, many[i].Attached, "round %d parent %d attached", round, parents[i].ID)
				assert.Equal(t, each[i].Updated, many[i].Updated, "round %d parent %d updated", round, parents[i].ID)
				assert.ElementsMatch(t, each[i].Detached, many[i].Detached, "round %d parent %d detached", round, parents[i].ID)
			}
		}
	})
}

func TestSyncManyEdges(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		smSeed(t, db, 3, 3)
		ids := func(*smUser) any { return []int64{1} }
		db.Counter.Reset()
		out, err := pivot.SyncMany(ctx, db, smRoles, nil, ids)
		require.NoError(t, err)
		assert.Empty(t, out)
		_, err = pivot.SyncMany(ctx, db, smRoles, []*smUser{{ID: 1}, {ID: 2}, {ID: 1}}, ids)
		assert.ErrorIs(t, err, pivot.ErrDuplicateParent)
		_, err = pivot.SyncMany(ctx, db, smRoles, []*smUser{{ID: 1}, {}}, ids)
		assert.ErrorIs(t, err, pivot.ErrNoKey)
		_, err = pivot.SyncMany(ctx, db, smRoles, []*smUser{{ID: 1}, nil}, ids)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		assert.Zero(t, db.Counter.Count(), "no statement: %s", db.Counter)

		// A failure leaves every parent's rows as they were.
		_, err = pivot.SyncMany(ctx, db, smRoles, []*smUser{{ID: 1}, {ID: 2}}, ids)
		require.NoError(t, err)
		before := smRows(t, db)
		_, err = pivot.SyncMany(ctx, db, smRoles, []*smUser{{ID: 1}, {ID: 2}}, func(u *smUser) any {
			if u.ID == 2 {
				return []int64{2, 99} // no role 99
			}
			return []int64{3}
		})
		require.Error(t, err)
		assert.Equal(t, before, smRows(t, db))
		var nilErr error
		assert.False(t, errors.Is(err, pivot.ErrDuplicateParent) || err == nilErr)
		assert.True(t, slices.Equal(before, smRows(t, db)))

		// On PostgreSQL the DELETE of several parents' integer keys binds
		// two arrays: its text is the same for two parents and three.
		deleteOf := func(users ...*smUser) string {
			_, err := pivot.SyncMany(ctx, db, smRoles, users, func(*smUser) any { return []int64{1, 2, 3} })
			require.NoError(t, err)
			db.Counter.Reset()
			_, err = pivot.SyncMany(ctx, db, smRoles, users, func(*smUser) any { return []int64{} })
			require.NoError(t, err)
			stmts := db.Counter.Statements()
			return stmts[len(stmts)-1]
		}
		two, three := deleteOf(&smUser{ID: 1}, &smUser{ID: 2}), deleteOf(&smUser{ID: 1}, &smUser{ID: 2}, &smUser{ID: 3})
		assert.True(t, strings.HasPrefix(two, "delete"), two)
		if db.Dialect().Name() == "postgres" {
			assert.Equal(t, two, three)
		}
		assert.Empty(t, smRows(t, db))
	})
}

// TestSyncManyBeyondTheParameterLimit updates and detaches more (parent,
// key) pairs than one statement can bind (17,000 pairs, two parameters
// each, against SQLite's 32,766): the writes split and stay one atomic
// sync.
func TestSyncManyBeyondTheParameterLimit(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		const users, roles = 170, 100
		smSeed(t, db, users, roles)
		var parents []*smUser
		for u := 1; u <= users; u++ {
			parents = append(parents, &smUser{ID: int64(u)})
		}
		all := func(active bool) func(*smUser) any {
			return func(*smUser) any {
				m := map[int64]map[string]any{}
				for k := 1; k <= roles; k++ {
					m[int64(k)] = map[string]any{"active": active}
				}
				return m
			}
		}
		count := func(f func(pivot.Changes) []any, chs []pivot.Changes) (n int) {
			for _, ch := range chs {
				n += len(f(ch))
			}
			return n
		}
		chs, err := pivot.SyncMany(ctx, db, smRoles, parents, all(false))
		require.NoError(t, err)
		assert.Equal(t, users*roles, count(func(c pivot.Changes) []any { return c.Attached }, chs))
		chs, err = pivot.SyncMany(ctx, db, smRoles, parents, all(true))
		require.NoError(t, err)
		assert.Equal(t, users*roles, count(func(c pivot.Changes) []any { return c.Updated }, chs))
		rows := smRows(t, db)
		require.Len(t, rows, users*roles)
		for _, r := range rows {
			require.True(t, r.Active, "row %v not updated", r)
		}
		chs, err = pivot.SyncMany(ctx, db, smRoles, parents, func(*smUser) any { return []int64{} })
		require.NoError(t, err)
		assert.Equal(t, users*roles, count(func(c pivot.Changes) []any { return c.Detached }, chs))
		assert.Empty(t, smRows(t, db))
	})
}

// TestFailedWriteInCallerTransaction pins what a failed sync leaves of the
// caller's transaction. One write runs without a savepoint: it undoes
// itself on SQLite, and on PostgreSQL it aborts the caller's transaction,
// as any failed statement does there. Two or more writes (here an INSERT
// split at the bound-parameter limit) run in a savepoint: the first is
// rolled back with the failing one and the caller's transaction goes on.
func TestFailedWriteInCallerTransaction(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table sm_users (id {{pk}})`, // the relation's parents (MySQL locks the parent's row)
			`create table fw_role_user (user_id bigint not null, role_id bigint not null check (role_id > 0), primary key (user_id, role_id))`,
			`insert into sm_users (id) values (1)`,
		)
		roles := rel.BelongsToMany[smUser, smRole]("fw_role_user", "user_id", "role_id")
		u := &smUser{ID: 1}
		count := func(ex sqlt.Executor) int {
			rows, err := ex.Query(ctx, `select count(*) from fw_role_user`)
			require.NoError(t, err)
			n, err := sqlt.ScanAll[int](rows)
			require.NoError(t, err)
			return n[0]
		}
		pg := db.Dialect().Name() == "postgres"
		errAbandon := errors.New("abandon")

		// One write: the INSERT of a key the CHECK refuses.
		// (No require inside a transaction: a test stopped there would
		// keep its connection.)
		var syncErr, afterErr error
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, err := pivot.SyncWithoutDetaching(ctx, tx, roles, u, []int64{1}); err != nil {
				return err
			}
			_, syncErr = pivot.SyncWithoutDetaching(ctx, tx, roles, u, []int64{2, -1})
			_, afterErr = tx.Exec(ctx, `select 1`)
			if !pg && afterErr == nil {
				assert.Equal(t, 1, count(tx), "SQLite undoes the failed statement only")
			}
			return errAbandon
		})
		require.ErrorIs(t, err, errAbandon)
		require.Error(t, syncErr)
		if pg {
			db.RequireDriverError(t, afterErr, testdb.PgTxAborted, 0)
		} else {
			require.NoError(t, afterErr)
		}
		assert.Equal(t, 0, count(db))

		// Two writes: INSERTs of 15,000 rows, then of the refused key.
		ks := make([]int64, 0, 15001)
		for k := int64(1); k <= 15000; k++ {
			ks = append(ks, k)
		}
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, syncErr = pivot.SyncWithoutDetaching(ctx, tx, roles, u, append(ks, -1)); syncErr == nil {
				return nil
			}
			assert.Equal(t, 0, count(tx), "the first INSERT is rolled back to the savepoint")
			_, err := pivot.SyncWithoutDetaching(ctx, tx, roles, u, []int64{7})
			return err
		})
		require.Error(t, syncErr)
		require.NoError(t, err)
		assert.Equal(t, 1, count(db))
	})
}

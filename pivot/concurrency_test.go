package pivot_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type ccUser struct {
	ID int64 `db:"id"`
}

func (ccUser) TableName() string { return "cc_users" }

type ccRole struct {
	ID int64 `db:"id"`
}

func (ccRole) TableName() string { return "cc_roles" }

var ccRoles = rel.BelongsToMany[ccUser, ccRole]("cc_role_user", "user_id", "role_id").WithPivot("n").Named("cc_roles")

// ccState is one parent's pivot rows: related key → n.
type ccState map[int64]int64

func (s ccState) String() string {
	ks := slices.Sorted(maps.Keys(s))
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%d:%d", k, s[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// ccOp is one concurrent call and its effect when run alone: apply
// returns the rows after it, or false where, in that order, the call
// would have failed (an Attach of a key already there).
type ccOp struct {
	name  string
	run   func(ctx context.Context, ex sqlt.Executor, u *ccUser) error
	apply func(s ccState) (ccState, bool)
}

func ccSync(ids ...int64) ccOp {
	return ccOp{fmt.Sprint("sync", ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.Sync(ctx, ex, ccRoles, u, ids)
		return err
	}, func(s ccState) (ccState, bool) {
		out := ccState{}
		for _, k := range ids {
			out[k] = s[k] // kept rows keep n, new ones get the default 0
		}
		return out, true
	}}
}

func ccSyncValues(n int64, ids ...int64) ccOp {
	return ccOp{fmt.Sprint("sync with pivot values", n, ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.SyncWithPivotValues(ctx, ex, ccRoles, u, ids, map[string]any{"n": n})
		return err
	}, func(ccState) (ccState, bool) {
		out := ccState{}
		for _, k := range ids {
			out[k] = n
		}
		return out, true
	}}
}

func ccSyncWithoutDetaching(ids ...int64) ccOp {
	return ccOp{fmt.Sprint("sync without detaching", ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.SyncWithoutDetaching(ctx, ex, ccRoles, u, ids)
		return err
	}, func(s ccState) (ccState, bool) {
		out := maps.Clone(s)
		for _, k := range ids {
			out[k] = s[k]
		}
		return out, true
	}}
}

func ccAttach(ids ...int64) ccOp {
	return ccOp{fmt.Sprint("attach", ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		return pivot.Attach(ctx, ex, ccRoles, u, ids)
	}, func(s ccState) (ccState, bool) {
		out := maps.Clone(s)
		for _, k := range ids {
			if _, dup := s[k]; dup {
				return nil, false
			}
			out[k] = 0
		}
		return out, true
	}}
}

func ccToggle(ids ...int64) ccOp {
	return ccOp{fmt.Sprint("toggle", ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.Toggle(ctx, ex, ccRoles, u, ids)
		return err
	}, func(s ccState) (ccState, bool) {
		out := maps.Clone(s)
		for _, k := range ids {
			if _, on := s[k]; on {
				delete(out, k)
			} else {
				out[k] = 0
			}
		}
		return out, true
	}}
}

func ccDetach(ids ...int64) ccOp {
	return ccOp{fmt.Sprint("detach", ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.Detach(ctx, ex, ccRoles, u, ids)
		return err
	}, func(s ccState) (ccState, bool) {
		out := maps.Clone(s)
		for _, k := range ids {
			delete(out, k)
		}
		return out, true
	}}
}

func ccDetachAll() ccOp {
	return ccOp{"detach all", func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.DetachAll(ctx, ex, ccRoles, u)
		return err
	}, func(ccState) (ccState, bool) { return ccState{}, true }}
}

func ccUpdate(n int64, ids ...int64) ccOp {
	return ccOp{fmt.Sprint("update existing pivot", n, ids), func(ctx context.Context, ex sqlt.Executor, u *ccUser) error {
		_, err := pivot.UpdateExistingPivot(ctx, ex, ccRoles, u, ids, map[string]any{"n": n})
		return err
	}, func(s ccState) (ccState, bool) {
		out := maps.Clone(s)
		for _, k := range ids {
			if _, ok := s[k]; ok {
				out[k] = n
			}
		}
		return out, true
	}}
}

// ccSerialResults returns every state that running ops one after the
// other, in some order, can leave from start.
func ccSerialResults(start ccState, ops []ccOp) map[string]bool {
	reach := map[int]map[string]ccState{0: {start.String(): start}}
	full := 1<<len(ops) - 1
	for mask := 0; mask < full; mask++ {
		for _, s := range reach[mask] {
			for i, op := range ops {
				if mask&(1<<i) != 0 {
					continue
				}
				next, ok := op.apply(s)
				if !ok {
					continue
				}
				m := mask | 1<<i
				if reach[m] == nil {
					reach[m] = map[string]ccState{}
				}
				reach[m][next.String()] = next
			}
		}
	}
	out := map[string]bool{}
	for k := range reach[full] {
		out[k] = true
	}
	return out
}

// TestConcurrentWritesSerialize: concurrent pivot writes on one parent
// leave exactly the rows of some serial order of the same calls, none
// fails, no row is duplicated — on a pivot with a primary key and on one
// without. Regression (PostgreSQL): syncs read the current keys without a
// lock, so two disjoint syncs left their union, overlapping ones failed
// with a duplicate key (23505) and, without a key, duplicated rows.
func TestConcurrentWritesSerialize(t *testing.T) {
	cases := []struct {
		name string
		ops  []ccOp
	}{
		{"disjoint syncs", []ccOp{ccSync(1, 2), ccSync(3, 4), ccSync(5, 6), ccSync(7, 8), ccSync(9, 10), ccSync(11, 12), ccSync(13, 14), ccSync(15, 16), ccSync(17, 18), ccSync(19, 20), ccSync(21, 22), ccSync(23, 24)}},
		{"overlapping syncs", []ccOp{ccSync(1, 2, 3, 4), ccSync(2, 3, 4, 5), ccSync(3, 4, 5, 6), ccSync(4, 5, 6, 7), ccSync(5, 6, 7, 8), ccSync(6, 7, 8, 9), ccSync(7, 8, 9, 10), ccSync(8, 9, 10, 11), ccSync(9, 10, 11, 12), ccSync(10, 11, 12, 13), ccSync(11, 12, 13, 14), ccSync(12, 13, 14, 15)}},
		{"sync without detaching and attach", []ccOp{ccSyncWithoutDetaching(1, 2, 5), ccSyncWithoutDetaching(2, 5, 6), ccSyncWithoutDetaching(5, 6, 7), ccSyncWithoutDetaching(1, 7, 8), ccSyncWithoutDetaching(8, 9), ccSyncWithoutDetaching(9, 1), ccAttach(20, 21), ccAttach(22), ccAttach(23, 24), ccAttach(25), ccAttach(26, 27), ccAttach(28)}},
		{"overlapping toggles", []ccOp{ccToggle(1, 2), ccToggle(2, 3), ccToggle(3, 4), ccToggle(1, 4), ccToggle(5), ccToggle(5, 1), ccToggle(2, 6), ccToggle(6), ccToggle(1, 2, 3)}},
		// Ten calls: the serial orders of twelve mixed calls take seconds to enumerate.
		{"every write", []ccOp{ccSync(1, 2, 5), ccSyncValues(7, 5, 6), ccSyncValues(8, 1, 6, 21), ccSyncWithoutDetaching(2, 7), ccSyncWithoutDetaching(6, 8, 21), ccAttach(31, 32), ccDetach(2, 5), ccDetach(6, 31), ccUpdate(9, 1, 5, 6), ccDetachAll()}},
	}
	const rounds = 4
	start := ccState{1: 0, 2: 0, 3: 0}
	want := make([]map[string]bool, len(cases))
	for i, c := range cases {
		want[i] = ccSerialResults(start, c.ops)
	}
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		for _, primaryKey := range []bool{true, false} {
			ddl := `create table cc_role_user (user_id bigint not null, role_id bigint not null, n bigint not null default 0`
			if primaryKey {
				ddl += `, primary key (user_id, role_id)`
			}
			// The parents' table: on MySQL the lock is the parent's row.
			db.MustExec(t, `drop table if exists cc_role_user`, `drop table if exists cc_users`,
				`create table cc_users (id bigint primary key)`, `insert into cc_users (id) values (1), (2)`, ddl+`)`)
			for ci, c := range cases {
				want := want[ci]
				t.Run(fmt.Sprintf("%s/primary_key=%v", c.name, primaryKey), func(t *testing.T) {
					for round := 0; round < rounds; round++ {
						db.MustExec(t, `delete from cc_role_user`,
							`insert into cc_role_user (user_id, role_id) values (1, 1), (1, 2), (1, 3), (2, 1)`)
						errs := make([]error, len(c.ops))
						var wg sync.WaitGroup
						gate := make(chan struct{})
						for i, op := range c.ops {
							wg.Add(1)
							go func() {
								defer wg.Done()
								<-gate
								errs[i] = op.run(context.Background(), db, &ccUser{ID: 1})
							}()
						}
						close(gate)
						wg.Wait()
						for i, err := range errs {
							require.NoError(t, err, "round %d: %s", round, c.ops[i].name)
						}
						got, dups := ccRows(t, db)
						require.Empty(t, dups, "round %d: duplicated rows", round)
						require.True(t, want[got.String()], "round %d: %v is the result of no serial order (%d possible)", round, got, len(want))
						other, _ := ccRowsOf(t, db, 2)
						require.Equal(t, ccState{1: 0}, other, "another parent's rows are not touched")
					}
				})
			}
		}
	})
}

// ccRows reads parent 1's rows and the (user, role) pairs held more than
// once.
func ccRows(t *testing.T, db *testdb.DB) (ccState, []string) { return ccRowsOf(t, db, 1) }

func ccRowsOf(t *testing.T, db *testdb.DB, uid int64) (ccState, []string) {
	t.Helper()
	type row struct {
		RoleID int64 `db:"role_id"`
		N      int64 `db:"n"`
	}
	rows, err := db.Query(context.Background(), `select role_id, n from cc_role_user where user_id = ? order by role_id`, uid)
	require.NoError(t, err)
	rs, err := sqlt.ScanAll[row](rows)
	require.NoError(t, err)
	s := ccState{}
	var dups []string
	for _, r := range rs {
		if _, seen := s[r.RoleID]; seen {
			dups = append(dups, fmt.Sprint(uid, r.RoleID))
		}
		s[r.RoleID] = r.N
	}
	return s, dups
}

// TestPivotWritesLockTheParentOnPostgres: on PostgreSQL every pivot write
// begins, in its transaction, with one advisory lock keyed by the pivot
// table, the foreign pivot key and the parent's key — a statement before
// the read (a lock inside the read would read from a snapshot taken before
// it waited). SQLite takes none (BEGIN IMMEDIATE, or the one in-memory
// connection, serializes). On MySQL the lock is one statement too, the
// parent's row read "for update".
func TestPivotWritesLockTheParentOnPostgres(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table cc_users (id bigint primary key)`, `insert into cc_users (id) values (1)`,
			`create table cc_role_user (user_id bigint not null, role_id bigint not null, n bigint not null default 0, primary key (user_id, role_id))`)
		u := &ccUser{ID: 1}
		for _, op := range []ccOp{ccAttach(1, 2), ccSync(1, 3), ccSyncWithoutDetaching(4), ccSyncValues(2, 1, 4), ccUpdate(3, 1), ccDetach(4), ccDetachAll()} {
			db.Counter.Reset()
			require.NoError(t, op.run(ctx, db, u), op.name)
			stmts := db.Counter.Statements()
			locks := 0
			for _, s := range stmts {
				if isLock(s) {
					locks++
				}
			}
			if locksParent(db) {
				assert.Equal(t, 1, locks, "%s: %s", op.name, db.Counter)
				assert.True(t, isLock(stmts[0]), "%s: the lock comes first: %s", op.name, db.Counter)
			} else {
				assert.Equal(t, 0, locks, "%s: %s", op.name, db.Counter)
			}
		}
	})
}

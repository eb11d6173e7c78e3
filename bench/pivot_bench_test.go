package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// PivotUser and PivotRole are the two sides of the pivot benchmarks.
type PivotUser struct {
	ID    int64       `db:"id"`
	Roles []PivotRole `db:"-"`
}

// TableName names PivotUser's table.
func (PivotUser) TableName() string { return "pivot_users" }

// PivotRole is attached to PivotUser through pivot_role_user.
type PivotRole struct {
	ID    int64          `db:"id"`
	Pivot map[string]any `db:"-"`
}

// TableName names PivotRole's table.
func (PivotRole) TableName() string { return "pivot_roles" }

var pivotUserRoles = rel.BelongsToMany[PivotUser, PivotRole]("pivot_role_user", "user_id", "role_id")

// syncKeys is the size of each key set; the two sets overlap by half.
const syncKeys = 1000

// syncSets returns the two key sets the benchmark alternates between:
// 1..1000 and 501..1500. Syncing from one to the other reads 1,000
// current keys, detaches 500 and attaches 500.
func syncSets() (a, b []int64) {
	a, b = make([]int64, syncKeys), make([]int64, syncKeys)
	for i := range a {
		a[i] = int64(i + 1)
		b[i] = int64(i + 1 + syncKeys/2)
	}
	return a, b
}

// seedPivot creates the tables, 1,500 roles, one user, and attaches set a.
func seedPivot(b testing.TB, db *sqlt.DB) {
	b.Helper()
	mustExec(b, db,
		`create table pivot_users (id {{pk}})`,
		`create table pivot_roles (id {{pk}})`,
		`create table pivot_role_user (user_id bigint not null references pivot_users(id),
			role_id bigint not null references pivot_roles(id), primary key (user_id, role_id))`,
		`insert into pivot_users (id) values (1)`,
	)
	var sb strings.Builder
	sb.WriteString("insert into pivot_roles (id) values ")
	for i := 1; i <= syncKeys*3/2; i++ {
		if i > 1 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "(%d)", i)
	}
	mustExec(b, db, sb.String())
	a, _ := syncSets()
	if err := pivot.Attach(context.Background(), db, pivotUserRoles, &PivotUser{ID: 1}, a); err != nil {
		b.Fatalf("seed pivot: %v", err)
	}
}

// relkitSync is the code under test.
func relkitSync(ctx context.Context, db *sqlt.DB, want []int64) (pivot.Changes, error) {
	return pivot.Sync(ctx, db, pivotUserRoles, &PivotUser{ID: 1}, want)
}

// diff is what hand-written sync code computes between the current and
// the wanted keys: the keys to detach (in current order) and to attach
// (in wanted order).
func diff(current, want []int64) (detach, attach []int64) {
	wantSet := make(map[int64]struct{}, len(want))
	for _, k := range want {
		wantSet[k] = struct{}{}
	}
	have := make(map[int64]struct{}, len(current))
	for _, k := range current {
		have[k] = struct{}{}
		if _, ok := wantSet[k]; !ok {
			detach = append(detach, k)
		}
	}
	for _, k := range want {
		if _, ok := have[k]; !ok {
			attach = append(attach, k)
			have[k] = struct{}{}
		}
	}
	return detach, attach
}

// stdlibSync is the hand-written database/sql equivalent of relkitSync:
// the same three statements (select current keys, one delete with an IN
// list, one multi-row insert) in one transaction.
func stdlibSync(ctx context.Context, db *sql.DB, user int64, want []int64) (detach, attach []int64, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `select role_id from pivot_role_user where user_id = ?`, user)
	if err != nil {
		return nil, nil, err
	}
	var current []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, nil, err
		}
		current = append(current, k)
	}
	if err := rows.Close(); err != nil {
		return nil, nil, err
	}
	detach, attach = diff(current, want)
	if len(detach) > 0 {
		args := make([]any, 0, len(detach)+1)
		args = append(args, user)
		for _, k := range detach {
			args = append(args, k)
		}
		q := "delete from pivot_role_user where user_id = ? and role_id in (" + strings.TrimSuffix(strings.Repeat("?, ", len(detach)), ", ") + ")"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return nil, nil, err
		}
	}
	if len(attach) > 0 {
		args := make([]any, 0, 2*len(attach))
		for _, k := range attach {
			args = append(args, k, user)
		}
		q := "insert into pivot_role_user (role_id, user_id) values " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(attach)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return nil, nil, err
		}
	}
	return detach, attach, tx.Commit()
}

// pgxSync is the hand-written native pgx equivalent: the delete takes the
// keys as one array parameter, the insert is one multi-row VALUES.
func pgxSync(ctx context.Context, pool *pgxpool.Pool, user int64, want []int64) (detach, attach []int64, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `select role_id from pivot_role_user where user_id = $1`, user)
	if err != nil {
		return nil, nil, err
	}
	var current []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, nil, err
		}
		current = append(current, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	detach, attach = diff(current, want)
	if len(detach) > 0 {
		if _, err := tx.Exec(ctx, `delete from pivot_role_user where user_id = $1 and role_id = any($2)`, user, detach); err != nil {
			return nil, nil, err
		}
	}
	if len(attach) > 0 {
		args := make([]any, 0, 2*len(attach))
		var sb strings.Builder
		sb.WriteString("insert into pivot_role_user (role_id, user_id) values ")
		for i, k := range attach {
			if i > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, k, user)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return nil, nil, err
		}
	}
	return detach, attach, tx.Commit(ctx)
}

// currentRoles reads user 1's role ids, ascending.
func currentRoles(t testing.TB, db *sqlt.DB) []int64 {
	t.Helper()
	rows, err := db.Query(context.Background(), `select role_id from pivot_role_user where user_id = 1 order by role_id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := sqlt.ScanAll[int64](rows)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkSync(t *testing.T, db *sqlt.DB, ch pivot.Changes, detach, attach []int64, want []int64) {
	t.Helper()
	toInt := func(ks []any) []int64 {
		out := make([]int64, len(ks))
		for i, k := range ks {
			out[i] = k.(int64)
		}
		slices.Sort(out)
		return out
	}
	slices.Sort(detach)
	slices.Sort(attach)
	if got := toInt(ch.Detached); !slices.Equal(got, detach) || len(got) != syncKeys/2 {
		t.Fatalf("relkit detached %d keys, hand-written %d", len(got), len(detach))
	}
	if got := toInt(ch.Attached); !slices.Equal(got, attach) || len(got) != syncKeys/2 {
		t.Fatalf("relkit attached %d keys, hand-written %d", len(got), len(attach))
	}
	if got := currentRoles(t, db); !slices.Equal(got, want) {
		t.Fatalf("after sync: %d roles, want %d", len(got), len(want))
	}
}

// TestSyncSameWork checks that relkit's sync and the hand-written code
// detach and attach the same keys and leave the same rows.
func TestSyncSameWork(t *testing.T) {
	ctx := context.Background()
	a, b := syncSets()
	t.Run("sqlite", func(t *testing.T) {
		db, sdb := sqliteRaw(t)
		seedPivot(t, db)
		ch, err := relkitSync(ctx, db, b)
		if err != nil {
			t.Fatal(err)
		}
		_, err = relkitSync(ctx, db, a)
		if err != nil {
			t.Fatal(err)
		}
		detach, attach, err := stdlibSync(ctx, sdb, 1, b)
		if err != nil {
			t.Fatal(err)
		}
		checkSync(t, db, ch, detach, attach, b)
	})
	t.Run("postgres", func(t *testing.T) {
		db, pool := postgres(t)
		seedPivot(t, db)
		ch, err := relkitSync(ctx, db, b)
		if err != nil {
			t.Fatal(err)
		}
		_, err = relkitSync(ctx, db, a)
		if err != nil {
			t.Fatal(err)
		}
		detach, attach, err := pgxSync(ctx, pool, 1, b)
		if err != nil {
			t.Fatal(err)
		}
		checkSync(t, db, ch, detach, attach, b)
	})
}

// BenchmarkSync syncs a 1,000-key set against the existing 1,000 rows
// with half overlap (alternating between two sets, so every operation
// reads 1,000 keys, deletes 500 rows and inserts 500), with pivot.Sync and
// with hand-written code issuing the same statements in one transaction:
// database/sql on SQLite, native pgx on PostgreSQL.
func BenchmarkSync(b *testing.B) {
	ctx := context.Background()
	a, bb := syncSets()
	run := func(b *testing.B, sync func(want []int64) (int, int, error)) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			want := bb
			if i%2 == 1 {
				want = a
			}
			i++
			d, at, err := sync(want)
			if err != nil || d != syncKeys/2 || at != syncKeys/2 {
				b.Fatalf("detached %d, attached %d: %v", d, at, err)
			}
		}
		// Leave set a in place for the next sub-benchmark.
		if i%2 == 1 {
			if _, _, err := sync(a); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedPivot(b, db)
		b.Run("database_sql", func(b *testing.B) {
			run(b, func(want []int64) (int, int, error) {
				d, at, err := stdlibSync(ctx, sdb, 1, want)
				return len(d), len(at), err
			})
		})
		b.Run("relkit", func(b *testing.B) {
			run(b, func(want []int64) (int, int, error) {
				ch, err := relkitSync(ctx, db, want)
				return len(ch.Detached), len(ch.Attached), err
			})
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedPivot(b, db)
		b.Run("pgx", func(b *testing.B) {
			run(b, func(want []int64) (int, int, error) {
				d, at, err := pgxSync(ctx, pool, 1, want)
				return len(d), len(at), err
			})
		})
		b.Run("relkit", func(b *testing.B) {
			run(b, func(want []int64) (int, int, error) {
				ch, err := relkitSync(ctx, db, want)
				return len(ch.Detached), len(ch.Attached), err
			})
		})
	})
}

// BenchmarkSyncInterleaved runs pivot.Sync and the hand-written code
// alternately within one loop, so that both see the same machine load,
// and reports each one's time per sync and their ratio
// (relkit-ns/op ÷ hand-ns/op).
func BenchmarkSyncInterleaved(b *testing.B) {
	ctx := context.Background()
	a, bb := syncSets()
	run := func(b *testing.B, relkit, hand func(want []int64) error) {
		interleaveSyncs(b, relkit, hand, a, bb)
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedPivot(b, db)
		run(b, func(want []int64) error {
			_, err := relkitSync(ctx, db, want)
			return err
		}, func(want []int64) error {
			_, _, err := stdlibSync(ctx, sdb, 1, want)
			return err
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedPivot(b, db)
		run(b, func(want []int64) error {
			_, err := relkitSync(ctx, db, want)
			return err
		}, func(want []int64) error {
			_, _, err := pgxSync(ctx, pool, 1, want)
			return err
		})
	})
}

// BenchmarkSyncSmallInterleaved is BenchmarkSyncInterleaved for the common
// case: a parent with three related keys synced to three others, one
// detached and one attached ({1,2,3} ↔ {2,3,4}), where the fixed cost of
// a sync (transaction, statements, on PostgreSQL the parent's lock) is
// most of the time.
func BenchmarkSyncSmallInterleaved(b *testing.B) {
	ctx := context.Background()
	small := [2][]int64{{1, 2, 3}, {2, 3, 4}}
	user := &PivotUser{ID: 2}
	run := func(b *testing.B, db *sqlt.DB, hand func(want []int64) error) {
		mustExec(b, db, `insert into pivot_users (id) values (2)`)
		if _, err := pivot.Sync(ctx, db, pivotUserRoles, user, small[0]); err != nil {
			b.Fatal(err)
		}
		relkit := func(want []int64) error {
			_, err := pivot.Sync(ctx, db, pivotUserRoles, user, want)
			return err
		}
		interleaveSyncs(b, relkit, hand, small[0], small[1])
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		seedPivot(b, db)
		run(b, db, func(want []int64) error {
			_, _, err := stdlibSync(ctx, sdb, user.ID, want)
			return err
		})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		seedPivot(b, db)
		run(b, db, func(want []int64) error {
			_, _, err := pgxSync(ctx, pool, user.ID, want)
			return err
		})
	})
}

// interleaveSyncs times relkit and hand alternately within one loop (who
// goes first alternates too), each syncing from → to and back, so that
// every call starts from set from and both see the same machine load; it
// reports each one's time per sync and their ratio (relkit ÷ hand).
func interleaveSyncs(b *testing.B, relkit, hand func(want []int64) error, from, to []int64) {
	var tr, th time.Duration
	timed := func(f func([]int64) error, d *time.Duration) {
		start := time.Now()
		if err := f(to); err != nil {
			b.Fatal(err)
		}
		if err := f(from); err != nil {
			b.Fatal(err)
		}
		*d += time.Since(start)
	}
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			timed(relkit, &tr)
			timed(hand, &th)
		} else {
			timed(hand, &th)
			timed(relkit, &tr)
		}
		i++
	}
	n := float64(2 * i)
	b.ReportMetric(float64(tr.Nanoseconds())/n, "relkit-ns/sync")
	b.ReportMetric(float64(th.Nanoseconds())/n, "hand-ns/sync")
	b.ReportMetric(float64(tr)/float64(th), "ratio")
}

// The many-parent workload of issue 12: the roles of 100 users synced in
// one transaction, 20 roles, 3 per user; each user goes from {u, u+1,
// u+2} to {u+1, u+2, u+3} (mod 20) and back: one role detached and one
// attached per user.
const (
	manyUsers = 100
	manyRoles = 20
)

// manySets returns each user's two role sets.
func manySets() (from, to map[int64][]int64) {
	from, to = map[int64][]int64{}, map[int64][]int64{}
	for u := int64(1); u <= manyUsers; u++ {
		r := func(i int64) int64 { return (u+i)%manyRoles + 1 }
		from[u] = []int64{r(0), r(1), r(2)}
		to[u] = []int64{r(1), r(2), r(3)}
	}
	return from, to
}

// seedMany creates the tables, 100 users, 20 roles and the from sets.
func seedMany(b testing.TB, db *sqlt.DB) []*PivotUser {
	b.Helper()
	mustExec(b, db,
		`create table pivot_users (id {{pk}})`,
		`create table pivot_roles (id {{pk}})`,
		`create table pivot_role_user (user_id bigint not null references pivot_users(id),
			role_id bigint not null references pivot_roles(id), primary key (user_id, role_id))`,
	)
	var users []*PivotUser
	for i := int64(1); i <= max(manyUsers, manyRoles); i++ {
		if i <= manyUsers {
			mustExec(b, db, fmt.Sprintf(`insert into pivot_users (id) values (%d)`, i))
			users = append(users, &PivotUser{ID: i})
		}
		if i <= manyRoles {
			mustExec(b, db, fmt.Sprintf(`insert into pivot_roles (id) values (%d)`, i))
		}
	}
	from, _ := manySets()
	if _, err := pivot.SyncMany(context.Background(), db, pivotUserRoles, users, func(u *PivotUser) any { return from[u.ID] }); err != nil {
		b.Fatal(err)
	}
	return users
}

// sqlQuerier is what the hand-written database/sql code needs of a *sql.Tx.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// stdlibSyncUser is the hand-written per-user sync inside the caller's
// transaction: SELECT, DELETE, INSERT.
func stdlibSyncUser(ctx context.Context, tx sqlQuerier, user int64, want []int64) error {
	rows, err := tx.QueryContext(ctx, `select role_id from pivot_role_user where user_id = ?`, user)
	if err != nil {
		return err
	}
	var current []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		current = append(current, k)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	detach, attach := diff(current, want)
	if len(detach) > 0 {
		args := []any{user}
		for _, k := range detach {
			args = append(args, k)
		}
		q := "delete from pivot_role_user where user_id = ? and role_id in (" + strings.TrimSuffix(strings.Repeat("?, ", len(detach)), ", ") + ")"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	if len(attach) > 0 {
		var args []any
		for _, k := range attach {
			args = append(args, k, user)
		}
		q := "insert into pivot_role_user (role_id, user_id) values " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(attach)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// pgxQuerier is what the hand-written pgx code needs of a pgx.Tx.
type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// pgxSyncUser is stdlibSyncUser in native pgx.
func pgxSyncUser(ctx context.Context, tx pgxQuerier, user int64, want []int64) error {
	rows, err := tx.Query(ctx, `select role_id from pivot_role_user where user_id = $1`, user)
	if err != nil {
		return err
	}
	current, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	detach, attach := diff(current, want)
	if len(detach) > 0 {
		if _, err := tx.Exec(ctx, `delete from pivot_role_user where user_id = $1 and role_id = any($2)`, user, detach); err != nil {
			return err
		}
	}
	if len(attach) > 0 {
		var sb strings.Builder
		var args []any
		sb.WriteString("insert into pivot_role_user (role_id, user_id) values ")
		for i, k := range attach {
			if i > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, k, user)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// setBased computes, from every user's current rows, the pairs to delete
// and to insert: what the hand-written set-based code sends in one DELETE
// and one INSERT.
func setBased(current map[int64][]int64, want map[int64][]int64) (del, ins [][2]int64) {
	for u := int64(1); u <= manyUsers; u++ {
		d, a := diff(current[u], want[u])
		for _, k := range d {
			del = append(del, [2]int64{u, k})
		}
		for _, k := range a {
			ins = append(ins, [2]int64{u, k})
		}
	}
	return del, ins
}

// stdlibSyncAll is the hand-written set-based sync of every user: one
// SELECT, one DELETE, one INSERT.
func stdlibSyncAll(ctx context.Context, tx sqlQuerier, want map[int64][]int64) error {
	users := make([]any, 0, manyUsers)
	for u := int64(1); u <= manyUsers; u++ {
		users = append(users, u)
	}
	rows, err := tx.QueryContext(ctx, `select user_id, role_id from pivot_role_user where user_id in (`+strings.TrimSuffix(strings.Repeat("?, ", len(users)), ", ")+`)`, users...)
	if err != nil {
		return err
	}
	current := map[int64][]int64{}
	for rows.Next() {
		var u, k int64
		if err := rows.Scan(&u, &k); err != nil {
			rows.Close()
			return err
		}
		current[u] = append(current[u], k)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	del, ins := setBased(current, want)
	pairs := func(ps [][2]int64) (string, []any) {
		args := make([]any, 0, 2*len(ps))
		for _, p := range ps {
			args = append(args, p[0], p[1])
		}
		return strings.TrimSuffix(strings.Repeat("(?, ?), ", len(ps)), ", "), args
	}
	if len(del) > 0 {
		q, args := pairs(del)
		if _, err := tx.ExecContext(ctx, `delete from pivot_role_user where (user_id, role_id) in (values `+q+`)`, args...); err != nil {
			return err
		}
	}
	if len(ins) > 0 {
		q, args := pairs(ins)
		if _, err := tx.ExecContext(ctx, `insert into pivot_role_user (user_id, role_id) values `+q, args...); err != nil {
			return err
		}
	}
	return nil
}

// pgxSyncAll is stdlibSyncAll in native pgx, with array parameters.
func pgxSyncAll(ctx context.Context, tx pgxQuerier, want map[int64][]int64) error {
	users := make([]int64, 0, manyUsers)
	for u := int64(1); u <= manyUsers; u++ {
		users = append(users, u)
	}
	rows, err := tx.Query(ctx, `select user_id, role_id from pivot_role_user where user_id = any($1)`, users)
	if err != nil {
		return err
	}
	current := map[int64][]int64{}
	var u, k int64
	if _, err := pgx.ForEachRow(rows, []any{&u, &k}, func() error {
		current[u] = append(current[u], k)
		return nil
	}); err != nil {
		return err
	}
	del, ins := setBased(current, want)
	split := func(ps [][2]int64) (a, b []int64) {
		for _, p := range ps {
			a, b = append(a, p[0]), append(b, p[1])
		}
		return a, b
	}
	if len(del) > 0 {
		du, dk := split(del)
		if _, err := tx.Exec(ctx, `delete from pivot_role_user where (user_id, role_id) in (select * from unnest($1::bigint[], $2::bigint[]))`, du, dk); err != nil {
			return err
		}
	}
	if len(ins) > 0 {
		iu, ik := split(ins)
		if _, err := tx.Exec(ctx, `insert into pivot_role_user (user_id, role_id) select * from unnest($1::bigint[], $2::bigint[])`, iu, ik); err != nil {
			return err
		}
	}
	return nil
}

// manyVariants are the four ways to sync every user, each one
// transaction: relkit's Sync per user, relkit's SyncMany, hand-written
// per-user code, hand-written set-based code.
type manyVariants struct {
	perUser, many, handPerUser, handSet func(want map[int64][]int64) error
}

func manyVariantsFor(b testing.TB, db *sqlt.DB, users []*PivotUser, sdb *sql.DB, pool *pgxpool.Pool) manyVariants {
	ctx := context.Background()
	relkitTx := func(fn func(tx sqlt.Executor) error) error { return sqlt.Tx(ctx, db, fn) }
	v := manyVariants{
		perUser: func(want map[int64][]int64) error {
			return relkitTx(func(tx sqlt.Executor) error {
				for _, u := range users {
					if _, err := pivot.Sync(ctx, tx, pivotUserRoles, u, want[u.ID]); err != nil {
						return err
					}
				}
				return nil
			})
		},
		many: func(want map[int64][]int64) error {
			return relkitTx(func(tx sqlt.Executor) error {
				_, err := pivot.SyncMany(ctx, tx, pivotUserRoles, users, func(u *PivotUser) any { return want[u.ID] })
				return err
			})
		},
	}
	if sdb != nil {
		stdTx := func(fn func(tx *sql.Tx) error) error {
			tx, err := sdb.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if err := fn(tx); err != nil {
				return err
			}
			return tx.Commit()
		}
		v.handPerUser = func(want map[int64][]int64) error {
			return stdTx(func(tx *sql.Tx) error {
				for u := int64(1); u <= manyUsers; u++ {
					if err := stdlibSyncUser(ctx, tx, u, want[u]); err != nil {
						return err
					}
				}
				return nil
			})
		}
		v.handSet = func(want map[int64][]int64) error {
			return stdTx(func(tx *sql.Tx) error { return stdlibSyncAll(ctx, tx, want) })
		}
		return v
	}
	v.handPerUser = func(want map[int64][]int64) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			for u := int64(1); u <= manyUsers; u++ {
				if err := pgxSyncUser(ctx, tx, u, want[u]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	v.handSet = func(want map[int64][]int64) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return pgxSyncAll(ctx, tx, want) })
	}
	return v
}

// pivotPair is one pivot row.
type pivotPair struct {
	U int64 `db:"user_id"`
	R int64 `db:"role_id"`
}

// TableName names pivotPair's table.
func (pivotPair) TableName() string { return "pivot_role_user" }

// TestSyncManySameWork checks that the four variants leave the same rows.
func TestSyncManySameWork(t *testing.T) {
	from, to := manySets()
	check := func(t *testing.T, db *sqlt.DB, v manyVariants) {
		for name, f := range map[string]func(map[int64][]int64) error{"per user": v.perUser, "many": v.many, "hand per user": v.handPerUser, "hand set": v.handSet} {
			for _, want := range []map[int64][]int64{to, from} {
				if err := f(want); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				rows, err := db.Query(context.Background(), `select user_id, role_id from pivot_role_user order by user_id, role_id`)
				if err != nil {
					t.Fatal(err)
				}
				got, err := sqlt.ScanAll[pivotPair](rows)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 3*manyUsers {
					t.Fatalf("%s: %d rows", name, len(got))
				}
				for _, g := range got {
					if !slices.Contains(want[g.U], g.R) {
						t.Fatalf("%s: user %d has role %d, want %v", name, g.U, g.R, want[g.U])
					}
				}
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db, sdb := sqliteRaw(t)
		users := seedMany(t, db)
		check(t, db, manyVariantsFor(t, db, users, sdb, nil))
	})
	t.Run("postgres", func(t *testing.T) {
		db, pool := postgres(t)
		users := seedMany(t, db)
		check(t, db, manyVariantsFor(t, db, users, nil, pool))
	})
}

// BenchmarkSyncManyInterleaved runs the four variants in turn within one
// loop (rotating which goes first), each syncing every user from → to and
// back, and reports each one's time per transaction of 100 syncs and the
// ratios: relkit per user ÷ hand-written per user (ratio-per-user),
// SyncMany ÷ hand-written per user (ratio-many), hand-written set-based ÷
// hand-written per user (ratio-hand-set), SyncMany ÷ hand-written
// set-based (ratio-many-set).
func BenchmarkSyncManyInterleaved(b *testing.B) {
	from, to := manySets()
	run := func(b *testing.B, v manyVariants) {
		fs := []func(map[int64][]int64) error{v.perUser, v.many, v.handPerUser, v.handSet}
		var d [4]time.Duration
		i := 0
		for b.Loop() {
			for j := range fs {
				k := (i + j) % len(fs)
				start := time.Now()
				if err := fs[k](to); err != nil {
					b.Fatal(err)
				}
				if err := fs[k](from); err != nil {
					b.Fatal(err)
				}
				d[k] += time.Since(start)
			}
			i++
		}
		n := float64(2 * i)
		for k, name := range []string{"perUser", "many", "handPerUser", "handSet"} {
			b.ReportMetric(float64(d[k].Nanoseconds())/n, name+"-ns/tx")
		}
		b.ReportMetric(float64(d[0])/float64(d[2]), "ratio-per-user")
		b.ReportMetric(float64(d[1])/float64(d[2]), "ratio-many")
		b.ReportMetric(float64(d[3])/float64(d[2]), "ratio-hand-set")
		b.ReportMetric(float64(d[1])/float64(d[3]), "ratio-many-set")
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		users := seedMany(b, db)
		run(b, manyVariantsFor(b, db, users, sdb, nil))
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		users := seedMany(b, db)
		run(b, manyVariantsFor(b, db, users, nil, pool))
	})
}

// BenchmarkSyncBoundInterleaved measures what bounds relkit's syncs of
// BenchmarkSyncManyInterleaved: the hand-written code given what relkit's
// guarantees add, in turn with relkit and the plain hand-written per-user
// code in one loop. Ratios are ÷ the plain hand-written per-user code:
// ratio-hand-sp (SQLite: a savepoint pair around each user's writes),
// ratio-hand-lock-sp (PostgreSQL: each user's advisory lock, then the
// savepoint), ratio-set-lock-sp (PostgreSQL: the set-based code after
// every user's lock, in a savepoint), ratio-per-user and ratio-many
// (relkit's Sync per user and SyncMany).
func BenchmarkSyncBoundInterleaved(b *testing.B) {
	from, to := manySets()
	ctx := context.Background()
	run := func(b *testing.B, names []string, fs []func(map[int64][]int64) error) {
		d := make([]time.Duration, len(fs))
		i := 0
		for b.Loop() {
			for j := range fs {
				k := (i + j) % len(fs)
				start := time.Now()
				for _, want := range []map[int64][]int64{to, from} {
					if err := fs[k](want); err != nil {
						b.Fatal(err)
					}
				}
				d[k] += time.Since(start)
			}
			i++
		}
		for k := 1; k < len(fs); k++ {
			b.ReportMetric(float64(d[k])/float64(d[0]), "ratio-"+names[k])
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		v := manyVariantsFor(b, db, seedMany(b, db), sdb, nil)
		withSavepoint := func(want map[int64][]int64) error {
			tx, err := sdb.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			for u := int64(1); u <= manyUsers; u++ {
				if _, err := tx.ExecContext(ctx, "savepoint s"); err != nil {
					return err
				}
				if err := stdlibSyncUser(ctx, tx, u, want[u]); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, "release s"); err != nil {
					return err
				}
			}
			return tx.Commit()
		}
		run(b, []string{"", "hand-sp", "per-user", "many"}, []func(map[int64][]int64) error{v.handPerUser, withSavepoint, v.perUser, v.many})
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		v := manyVariantsFor(b, db, seedMany(b, db), nil, pool)
		const lock = "select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest($1::text[]) as k"
		perUser := func(want map[int64][]int64) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				for u := int64(1); u <= manyUsers; u++ {
					if _, err := tx.Exec(ctx, lock, []string{fmt.Sprint("bench ", u)}); err != nil {
						return err
					}
					sp, err := tx.Begin(ctx)
					if err != nil {
						return err
					}
					if err := pgxSyncUser(ctx, sp, u, want[u]); err != nil {
						return err
					}
					if err := sp.Commit(ctx); err != nil {
						return err
					}
				}
				return nil
			})
		}
		set := func(want map[int64][]int64) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				ks := make([]string, 0, manyUsers)
				for u := int64(1); u <= manyUsers; u++ {
					ks = append(ks, fmt.Sprint("bench ", u))
				}
				if _, err := tx.Exec(ctx, lock, ks); err != nil {
					return err
				}
				return pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error { return pgxSyncAll(ctx, sp, want) })
			})
		}
		run(b, []string{"", "hand-lock-sp", "set-lock-sp", "per-user", "many"}, []func(map[int64][]int64) error{v.handPerUser, perUser, set, v.perUser, v.many})
	})
}

// BenchmarkSyncManyVariants runs each variant of BenchmarkSyncManyInterleaved
// as its own sub-benchmark, one op = syncing every user from → to and back
// (two transactions): for allocations per op and for profiling one
// variant (time ratios come from the interleaved benchmark).
func BenchmarkSyncManyVariants(b *testing.B) {
	from, to := manySets()
	run := func(b *testing.B, v manyVariants) {
		for _, c := range []struct {
			name string
			f    func(map[int64][]int64) error
		}{{"per_user", v.perUser}, {"many", v.many}, {"hand_per_user", v.handPerUser}, {"hand_set", v.handSet}} {
			b.Run(c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := c.f(to); err != nil {
						b.Fatal(err)
					}
					if err := c.f(from); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		db, sdb := sqliteRaw(b)
		run(b, manyVariantsFor(b, db, seedMany(b, db), sdb, nil))
	})
	b.Run("postgres", func(b *testing.B) {
		db, pool := postgres(b)
		run(b, manyVariantsFor(b, db, seedMany(b, db), nil, pool))
	})
}

package pivot_test

// belongsToMany writes — attach, detach, sync, updateExistingPivot — with
// every key type, transactions and key normalisation, written against the
// public API of package pivot only. Every test runs on SQLite
// and PostgreSQL. Names are prefixed "pw" (pivot writes).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ---- schema and models ----

type pwUser struct {
	ID    int64    `db:"id"`
	Name  string   `db:"name"`
	Code  string   `db:"code"`
	Roles []pwRole `db:"-"`
}

func (pwUser) TableName() string { return "pw_users" }

type pwRole struct {
	ID    int64          `db:"id"`
	Slug  string         `db:"slug"`
	Pivot map[string]any `db:"-"`
}

func (pwRole) TableName() string { return "pw_roles" }

// pwRoleID is a named integer key type of another width.
type pwRoleID int16

var (
	// pw_role_user has no unique index: re-attaching inserts a second row.
	pwRoles   = rel.BelongsToMany[pwUser, pwRole]("pw_role_user", "user_id", "role_id").WithPivot("active", "note").Field("Roles")
	pwRolesTS = rel.BelongsToMany[pwUser, pwRole]("pw_role_user", "user_id", "role_id").WithPivot("active", "note").WithTimestamps().Named("pw_roles_ts")
	// Custom parent key (users.code) and related key (roles.slug).
	pwRolesBySlug = rel.BelongsToMany[pwUser, pwRole]("pw_role_slug", "user_code", "role_slug", "code", "slug").WithPivot("note").Named("pw_roles_by_slug")
)

var pwSchema = []string{
	`create table pw_users (id {{pk}}, name text not null, code text not null unique)`,
	`create table pw_roles (id {{pk}}, slug text not null unique)`,
	`create table pw_role_user (user_id bigint not null references pw_users(id), role_id bigint not null references pw_roles(id),
		active boolean not null default true, note text, kind text,
		created_at timestamp, updated_at timestamp, joined_at timestamp, changed_at timestamp)`,
	`create table pw_role_slug (user_code text not null references pw_users(code), role_slug text not null references pw_roles(slug), note text)`,
}

// pwSeed: users 1 ann, 2 bob, 3 cy; roles 1..6 (r1..r6);
// pw_role_user: ann 1 (active), ann 2 (inactive, note n2), bob 3 (active).
func pwSeed(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t, pwSchema...)
	db.MustExec(t,
		`insert into pw_users (name, code) values ('ann', 'u-ann'), ('bob', 'u-bob'), ('cy', 'u-cy')`,
		`insert into pw_roles (slug) values ('r1'), ('r2'), ('r3'), ('r4'), ('r5'), ('r6')`,
		`insert into pw_role_user (user_id, role_id, active, note) values (1, 1, true, null), (1, 2, false, 'n2'), (2, 3, true, null)`,
	)
}

type pwRow struct {
	UserID    int64      `db:"user_id"`
	RoleID    int64      `db:"role_id"`
	Active    bool       `db:"active"`
	Note      *string    `db:"note"`
	Kind      *string    `db:"kind"`
	CreatedAt *time.Time `db:"created_at"`
	UpdatedAt *time.Time `db:"updated_at"`
	JoinedAt  *time.Time `db:"joined_at"`
	ChangedAt *time.Time `db:"changed_at"`
}

// pwAll returns every pw_role_user row, in a stable order.
func pwAll(t *testing.T, ex sqlt.Executor) []pwRow {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select user_id, role_id, active, note, kind, created_at, updated_at, joined_at, changed_at
		from pw_role_user order by user_id, role_id, note`)
	require.NoError(t, err)
	out, err := sqlt.ScanAll[pwRow](rows)
	require.NoError(t, err)
	return out
}

// pwOf returns uid's rows, by role id.
func pwOf(t *testing.T, ex sqlt.Executor, uid int64) []pwRow {
	t.Helper()
	var out []pwRow
	for _, r := range pwAll(t, ex) {
		if r.UserID == uid {
			out = append(out, r)
		}
	}
	return out
}

// pwIDs returns uid's role ids, ascending (duplicates kept).
func pwIDs(t *testing.T, ex sqlt.Executor, uid int64) []int64 {
	t.Helper()
	out := []int64{}
	for _, r := range pwOf(t, ex, uid) {
		out = append(out, r.RoleID)
	}
	return out
}

// pwRowOf returns the single row (uid, rid).
func pwRowOf(t *testing.T, ex sqlt.Executor, uid, rid int64) pwRow {
	t.Helper()
	var found []pwRow
	for _, r := range pwOf(t, ex, uid) {
		if r.RoleID == rid {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "rows (%d, %d)", uid, rid)
	return found[0]
}

// pwCurrentOrder returns uid's role ids in the order the database returns
// them without ORDER BY (the order sync reads "current" in).
func pwCurrentOrder(t *testing.T, ex sqlt.Executor, uid int64) []any {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select role_id from pw_role_user where user_id = ?`, uid)
	require.NoError(t, err)
	ids, err := sqlt.ScanAll[int64](rows)
	require.NoError(t, err)
	out := []any{}
	for _, id := range ids {
		out = append(out, id)
	}
	return out
}

func pwStr(s string) *string { return &s }

func pwInts(ks ...int64) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k
	}
	return out
}

func pwStrs(ks ...string) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k
	}
	return out
}

func pwEmpty() pivot.Changes {
	return pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}}
}

var pwDollar = regexp.MustCompile(`\$\d+`)

// pwSQL normalises a statement: whitespace collapsed, $n placeholders as ?.
func pwSQL(s string) string {
	return pwDollar.ReplaceAllString(strings.Join(strings.Fields(s), " "), "?")
}

// pwStmts returns the counted statements, normalised.
func pwStmts(db *testdb.DB) []string {
	var out []string
	for _, s := range db.Counter.Statements() {
		if isLock(s) {
			continue
		}
		for _, w := range unmerge(s) {
			out = append(out, pwSQL(w))
		}
	}
	return out
}

// pwStmts and pwCount leave out the parent's lock that every pivot write
// takes first on PostgreSQL and MySQL (see isLock): they check the pivot
// work.

// pwValues returns head followed by row(1), …, row(n): a fixture of n
// rows written the same way on every database (a recursive CTE would
// need MariaDB's max_recursive_iterations raised, and MySQL's || is "or").
func pwValues(head string, n int, row func(i int) string) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = row(i + 1)
	}
	return head + strings.Join(rows, ", ")
}

// pwFalse is false as a boolean column reads back into an any: MySQL's
// boolean is tinyint(1), read as the integer 0.
func pwFalse(db *testdb.DB) any {
	if db.Name == "mysql" {
		return int64(0)
	}
	return false
}

// pwCount is len(pwStmts(db)).
func pwCount(db *testdb.DB) int { return len(pwStmts(db)) }

// pwValueRows counts the rows of a multi-row INSERT … VALUES.
func pwValueRows(stmt string) int {
	i := strings.Index(stmt, " values ")
	if i < 0 {
		return 0
	}
	return strings.Count(stmt[i:], "), (") + 1
}

func pwDetachAll(t *testing.T, db *testdb.DB, u *pwUser) {
	t.Helper()
	_, err := pivot.DetachAll(context.Background(), db, pwRoles, u)
	require.NoError(t, err)
	db.Counter.Reset()
}

func pwU(id int64) *pwUser { return &pwUser{ID: id} }

// ---- attach ----

// TestPivotWritesAttachForms: attach, every accepted form of ids, one
// INSERT, duplicates in the input attached once, keys of any integer width.
func TestPivotWritesAttachForms(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)
		cases := []struct {
			name string
			ids  any
			want []int64
		}{
			{"int", 1, []int64{1}},
			{"int32", int32(2), []int64{2}},
			{"uint8", uint8(3), []int64{3}},
			{"int64", int64(6), []int64{6}},
			{"named int16", pwRoleID(4), []int64{4}},
			{"numeric string", "5", []int64{5}},
			{"[]int64", []int64{1, 2}, []int64{1, 2}},
			{"[]int", []int{3, 1}, []int64{1, 3}},
			{"[]uint16", []uint16{4, 5}, []int64{4, 5}},
			{"[3]int32 array", [3]int32{1, 2, 3}, []int64{1, 2, 3}},
			{"[]string", []string{"2", "4"}, []int64{2, 4}},
			{"[]named", []pwRoleID{6, 5}, []int64{5, 6}},
			{"model", pwRole{ID: 1}, []int64{1}},
			{"*model", &pwRole{ID: 2}, []int64{2}},
			{"[]model", []pwRole{{ID: 1}, {ID: 2}}, []int64{1, 2}},
			{"[]*model", []*pwRole{{ID: 3}, {ID: 4}}, []int64{3, 4}},
			{"[]any mixed", []any{1, int8(2), "3", pwRole{ID: 4}, &pwRole{ID: 5}, uint64(6)}, []int64{1, 2, 3, 4, 5, 6}},
			{"map form", map[int64]map[string]any{1: {"note": "a"}, 2: {"note": "b"}}, []int64{1, 2}},
			{"map form, int32 keys", map[int32]map[string]any{3: {}, 4: nil}, []int64{3, 4}},
			{"records", []pivot.Record{{Key: 5}, {Key: pwRole{ID: 6}}}, []int64{5, 6}},
			{"duplicates", []int64{1, 1, 2, 1}, []int64{1, 2}},
			{"duplicates across widths and strings", []any{1, int16(1), "1", uint32(2), int64(2)}, []int64{1, 2}},
		}
		for _, c := range cases {
			pwDetachAll(t, db, cy)
			require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, c.ids), c.name)
			stmts := pwStmts(db)
			require.Len(t, stmts, 1, "%s: one INSERT: %s", c.name, db.Counter)
			assert.True(t, strings.HasPrefix(stmts[0], `insert into "pw_role_user" ("role_id", "user_id"`), "%s: %s", c.name, stmts[0])
			assert.Equal(t, len(c.want), pwValueRows(stmts[0]), "%s: rows in the INSERT: %s", c.name, stmts[0])
			assert.Equal(t, c.want, pwIDs(t, db, 3), c.name)
		}
		// Other parents were never touched.
		assert.Equal(t, []int64{1, 2}, pwIDs(t, db, 1))
		assert.Equal(t, []int64{3}, pwIDs(t, db, 2))

		// Nothing to attach: no statement, no error.
		pwDetachAll(t, db, cy)
		for _, ids := range []any{nil, []int64{}, []pwRole{}, []*pwRole{}, []any{}, map[int64]map[string]any{}, []pivot.Record{}} {
			require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, ids), "%T", ids)
		}
		assert.Equal(t, 0, pwCount(db), db.Counter)
		assert.Empty(t, pwIDs(t, db, 3))
	})
}

// TestPivotWritesAttachAttributes: attributes, the map form merged with
// attrs (attrs win), column order, withPivotValue, no duplicate check.
func TestPivotWritesAttachAttributes(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)

		// attach(id, attrs): key columns first, then the attributes.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 2, map[string]any{"note": "x", "active": false}))
		stmts := pwStmts(db)
		require.Len(t, stmts, 1)
		assert.True(t, strings.HasPrefix(stmts[0], `insert into "pw_role_user" ("role_id", "user_id", "active", "note") values (?, ?, ?, ?)`), stmts[0])
		r := pwRowOf(t, db, 3, 2)
		assert.False(t, r.Active)
		assert.Equal(t, pwStr("x"), r.Note)

		// A scalar list with attrs: every row gets them, one statement.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, []int64{1, 2, 3}, map[string]any{"note": "all"}))
		assert.Equal(t, 1, pwCount(db))
		for _, rid := range []int64{1, 2, 3} {
			assert.Equal(t, pwStr("all"), pwRowOf(t, db, 3, rid).Note)
			assert.True(t, pwRowOf(t, db, 3, rid).Active, "column default when not given")
		}

		// The map form: the per-id attributes merged with attrs, attrs win.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy,
			map[int64]map[string]any{1: {"note": "own1", "active": false}, 2: {"note": "own2", "active": true}},
			map[string]any{"note": "shared"}))
		assert.Equal(t, 1, pwCount(db), "same columns in every row: one INSERT: %s", db.Counter)
		r1, r2 := pwRowOf(t, db, 3, 1), pwRowOf(t, db, 3, 2)
		assert.Equal(t, pwStr("shared"), r1.Note, "attrs win")
		assert.Equal(t, pwStr("shared"), r2.Note, "attrs win")
		assert.False(t, r1.Active, "the per-id attribute not in attrs is kept")
		assert.True(t, r2.Active)
		// JSON text cannot end up as role_id: the keys are the map's keys.
		assert.Equal(t, []int64{1, 2}, pwIDs(t, db, 3))

		// Per-id attributes of different columns (the map form where one id
		// has none): still all rows, correctly merged, in one transaction.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy,
			[]pivot.Record{{Key: 4, Attrs: map[string]any{"active": false}}, {Key: 5}}, map[string]any{"note": "n"}))
		assert.LessOrEqual(t, pwCount(db), 2, db.Counter)
		assert.False(t, pwRowOf(t, db, 3, 4).Active)
		assert.True(t, pwRowOf(t, db, 3, 5).Active)
		assert.Equal(t, pwStr("n"), pwRowOf(t, db, 3, 4).Note)
		assert.Equal(t, pwStr("n"), pwRowOf(t, db, 3, 5).Note)

		// Each row: related key, foreign key, timestamps, withPivotValue
		// values, then the attributes.
		pwDetachAll(t, db, cy)
		staff := pwRolesTS.WithPivotValue("kind", "staff").Named("pw_staff_roles")
		require.NoError(t, pivot.Attach(ctx, db, staff, cy, []int64{1, 2}, map[string]any{"note": "z"}))
		stmts = pwStmts(db)
		require.Len(t, stmts, 1)
		assert.True(t, strings.HasPrefix(stmts[0],
			`insert into "pw_role_user" ("role_id", "user_id", "created_at", "updated_at", "kind", "note") values (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)`), stmts[0])
		for _, rid := range []int64{1, 2} {
			r := pwRowOf(t, db, 3, rid)
			assert.Equal(t, pwStr("staff"), r.Kind)
			assert.Equal(t, pwStr("z"), r.Note)
			assert.NotNil(t, r.CreatedAt)
		}
		// An attribute naming the withPivotValue column wins over it (array_merge).
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, staff, cy, 3, map[string]any{"kind": "guest"}))
		assert.Equal(t, pwStr("guest"), pwRowOf(t, db, 3, 3).Kind)

		// No duplicate check: attaching an attached id inserts a second row
		// when no unique index forbids it.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 1))
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 1))
		assert.Equal(t, 1, pwCount(db), "no SELECT before the INSERT: %s", db.Counter)
		assert.Equal(t, []int64{1, 1}, pwIDs(t, db, 3))
	})
}

// TestPivotWritesOfTheRoleExamples runs every call of the documentation's
// "Many To Many" section on the documentation's fixture.
func TestPivotWritesOfTheRoleExamples(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		user, err := query.From[fixture.User]().Find(ctx, db, 3) // cy: no roles
		require.NoError(t, err)
		roles := func() map[int64]bool {
			rows, err := db.Query(ctx, `select role_id, active from role_user where user_id = 3`)
			require.NoError(t, err)
			defer rows.Close()
			out := map[int64]bool{}
			for rows.Next() {
				var id int64
				var active bool
				require.NoError(t, rows.Scan(&id, &active))
				out[id] = active
			}
			require.NoError(t, rows.Err())
			return out
		}
		db.Counter.Reset()

		// user.related('roles').attach(roleId)
		require.NoError(t, pivot.Attach(ctx, db, fixture.UserRoles, &user, 1))
		// attach(roleId, {expires}) — role_user's extra column is "active".
		require.NoError(t, pivot.Attach(ctx, db, fixture.UserRoles, &user, 2, map[string]any{"active": false}))
		assert.Equal(t, map[int64]bool{1: true, 2: false}, roles())
		// detach(roleId)
		n, err := pivot.Detach(ctx, db, fixture.UserRoles, &user, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		// detach() — all roles of this user.
		n, err = pivot.DetachAll(ctx, db, fixture.UserRoles, &user)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Empty(t, roles())
		// attach([1, 2]); detach([1, 2, 3])
		require.NoError(t, pivot.Attach(ctx, db, fixture.UserRoles, &user, []int64{1, 2}))
		n, err = pivot.Detach(ctx, db, fixture.UserRoles, &user, []int64{1, 2, 3})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		// sync([1, 2, 3])
		ch, err := pivot.Sync(ctx, db, fixture.UserRoles, &user, []int64{1, 2, 3})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1, 2, 3), ch.Attached)
		// sync({1: {expires: true}, 2: {}, 3: {}})
		ch, err = pivot.Sync(ctx, db, fixture.UserRoles, &user, map[int64]map[string]any{1: {"active": false}, 2: {}, 3: {}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: pwInts(1)}, ch)
		assert.Equal(t, map[int64]bool{1: false, 2: true, 3: true}, roles())
		// syncWithPivotValues([1, 2, 3], {active: true})
		ch, err = pivot.SyncWithPivotValues(ctx, db, fixture.UserRoles, &user, []int64{1, 2}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.Equal(t, pwInts(3), ch.Detached)
		assert.Equal(t, pwInts(1), ch.Updated, "1 changed, 2 already active")
		assert.Equal(t, map[int64]bool{1: true, 2: true}, roles())
		// syncWithoutDetaching([1, 2, 3])
		ch, err = pivot.SyncWithoutDetaching(ctx, db, fixture.UserRoles, &user, []int64{1, 2, 3})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3), Detached: []any{}, Updated: []any{}}, ch)
		// updateExistingPivot(roleId, {active: false})
		n, err = pivot.UpdateExistingPivot(ctx, db, fixture.UserRoles, &user, 3, map[string]any{"active": false})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, map[int64]bool{1: true, 2: true, 3: false}, roles())

		// The fixture's other users were never touched.
		rows, err := db.Query(ctx, `select count(*) from role_user where user_id <> 3`)
		require.NoError(t, err)
		cnt, err := sqlt.ScanAll[int64](rows)
		require.NoError(t, err)
		assert.Equal(t, []int64{3}, cnt)

		// role_user has a primary key: attaching an attached id fails, and
		// nothing changes.
		err = pivot.Attach(ctx, db, fixture.UserRoles, &user, []int64{1})
		require.Error(t, err)
		assert.Equal(t, map[int64]bool{1: true, 2: true, 3: false}, roles())

		// Podcasts: the "subscription" accessor and timestamps.
		before := time.Now().Add(-2 * time.Second)
		ch, err = pivot.Sync(ctx, db, fixture.UserPodcasts, &user, []int64{1, 2})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1, 2), ch.Attached)
		pods, err := query.GetMany(ctx, db, fixture.UserPodcasts, &user)
		require.NoError(t, err)
		require.Len(t, pods, 2)
		for _, p := range pods {
			require.Contains(t, p.Subscription, "created_at")
			require.Contains(t, p.Subscription, "updated_at")
			assert.EqualValues(t, 3, p.Subscription["user_id"])
			assert.NotNil(t, p.Subscription["created_at"])
		}
		var created, updated *time.Time
		rows, err = db.Query(ctx, `select created_at, updated_at from podcast_user where user_id = 3 and podcast_id = 2`)
		require.NoError(t, err)
		require.True(t, rows.Next())
		require.NoError(t, rows.Scan(&created, &updated))
		require.NoError(t, rows.Close())
		require.NotNil(t, created)
		require.NotNil(t, updated)
		assert.True(t, created.Equal(*updated))
		assert.True(t, created.After(before), "%v", created)
	})
}

// ---- timestamps ----

// TestPivotWritesTimestamps: created_at/updated_at under withTimestamps (and
// withPivot of either column, per Laravel's addTimestampsToAttachment),
// custom column names, updated_at only on update.
func TestPivotWritesTimestamps(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)

		before := time.Now().Add(-2 * time.Second)
		require.NoError(t, pivot.Attach(ctx, db, pwRolesTS, cy, []int64{1, 2, 3}))
		after := time.Now().Add(2 * time.Second)
		rows := pwOf(t, db, 3)
		require.Len(t, rows, 3)
		first := rows[0].CreatedAt
		for _, r := range rows {
			require.NotNil(t, r.CreatedAt)
			require.NotNil(t, r.UpdatedAt)
			assert.True(t, r.CreatedAt.Equal(*r.UpdatedAt), "created_at = updated_at on attach")
			assert.True(t, r.CreatedAt.Equal(*first), "one fresh timestamp per attach")
			assert.True(t, r.CreatedAt.After(before) && r.CreatedAt.Before(after), "%v not in [%v, %v]", r.CreatedAt, before, after)
			assert.Nil(t, r.JoinedAt)
		}
		// Stored as a date-time, never as epoch milliseconds.
		if db.Name == "sqlite" {
			res, err := db.Query(ctx, `select typeof(created_at), created_at from pw_role_user where user_id = 3 limit 1`)
			require.NoError(t, err)
			require.True(t, res.Next())
			var typ, raw string
			require.NoError(t, res.Scan(&typ, &raw))
			require.NoError(t, res.Close())
			assert.Equal(t, "text", typ)
			assert.Regexp(t, `^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}`, raw)
		}

		// Without timestamps no timestamp column is written.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 1))
		assert.NotContains(t, pwStmts(db)[0], "created_at")
		r := pwRowOf(t, db, 3, 1)
		assert.Nil(t, r.CreatedAt)
		assert.Nil(t, r.UpdatedAt)

		// withTimestamps(createdAt, updatedAt) with other column names.
		pwDetachAll(t, db, cy)
		custom := pwRoles.WithTimestamps("joined_at", "changed_at").Named("pw_roles_custom_ts")
		require.NoError(t, pivot.Attach(ctx, db, custom, cy, 1))
		assert.Contains(t, pwStmts(db)[0], `("role_id", "user_id", "joined_at", "changed_at")`)
		r = pwRowOf(t, db, 3, 1)
		require.NotNil(t, r.JoinedAt)
		require.NotNil(t, r.ChangedAt)
		assert.True(t, r.JoinedAt.Equal(*r.ChangedAt))
		assert.Nil(t, r.CreatedAt)
		assert.Nil(t, r.UpdatedAt)
		db.Counter.Reset()
		time.Sleep(10 * time.Millisecond)
		n, err := pivot.UpdateExistingPivot(ctx, db, custom, cy, 1, map[string]any{"note": "c"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Contains(t, pwStmts(db)[0], `set "note" = ?, "changed_at" = ? where`)
		r2 := pwRowOf(t, db, 3, 1)
		assert.True(t, r2.JoinedAt.Equal(*r.JoinedAt), "created column kept")
		assert.True(t, r2.ChangedAt.After(*r.ChangedAt), "updated column moved")

		// withPivot of the created_at column alone: Laravel's
		// hasPivotColumn decides per column.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles.WithPivot("created_at").Named("pw_roles_created"), cy, 1))
		r = pwRowOf(t, db, 3, 1)
		assert.NotNil(t, r.CreatedAt)
		assert.Nil(t, r.UpdatedAt)
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles.WithPivot("updated_at").Named("pw_roles_updated"), cy, 1))
		r = pwRowOf(t, db, 3, 1)
		assert.Nil(t, r.CreatedAt)
		assert.NotNil(t, r.UpdatedAt)

		// updateExistingPivot: updated_at under withTimestamps only.
		pwDetachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, pwRolesTS, cy, []int64{1, 2}))
		orig := pwRowOf(t, db, 3, 1)
		time.Sleep(10 * time.Millisecond)
		db.Counter.Reset()
		n, err = pivot.UpdateExistingPivot(ctx, db, pwRolesTS, cy, 1, map[string]any{"note": "t"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		stmts := pwStmts(db)
		require.Len(t, stmts, 1)
		assert.True(t, strings.HasPrefix(stmts[0], `update "pw_role_user" set "note" = ?, "updated_at" = ? where`), stmts[0])
		assert.NotContains(t, stmts[0], "created_at")
		now1 := pwRowOf(t, db, 3, 1)
		assert.True(t, now1.CreatedAt.Equal(*orig.CreatedAt), "created_at kept")
		assert.True(t, now1.UpdatedAt.After(*orig.UpdatedAt), "updated_at moved")
		assert.True(t, pwRowOf(t, db, 3, 2).UpdatedAt.Equal(*orig.UpdatedAt), "other row untouched")
		db.Counter.Reset()
		_, err = pivot.UpdateExistingPivot(ctx, db, pwRoles, cy, 1, map[string]any{"note": "u"})
		require.NoError(t, err)
		assert.NotContains(t, pwStmts(db)[0], "updated_at")
		assert.True(t, pwRowOf(t, db, 3, 1).UpdatedAt.Equal(*now1.UpdatedAt), "no updated_at without withTimestamps")

		// sync under timestamps: new rows get both, a kept row given
		// changed attributes gets updated_at only, a kept row without
		// attributes is untouched.
		time.Sleep(10 * time.Millisecond)
		keep2 := pwRowOf(t, db, 3, 2)
		ch, err := pivot.Sync(ctx, db, pwRolesTS, cy, map[int64]map[string]any{1: {"note": "s"}, 2: nil, 4: {"note": "new"}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(4), Detached: []any{}, Updated: pwInts(1)}, ch)
		r1 := pwRowOf(t, db, 3, 1)
		assert.True(t, r1.CreatedAt.Equal(*orig.CreatedAt))
		assert.True(t, r1.UpdatedAt.After(*now1.UpdatedAt))
		r2 = pwRowOf(t, db, 3, 2)
		assert.True(t, r2.UpdatedAt.Equal(*keep2.UpdatedAt))
		r4 := pwRowOf(t, db, 3, 4)
		require.NotNil(t, r4.CreatedAt)
		assert.True(t, r4.CreatedAt.Equal(*r4.UpdatedAt))
		assert.Equal(t, pwStr("new"), r4.Note)
	})
}

// ---- detach ----

// TestPivotWritesDetach: detach with no ids (DetachAll), with ids, with
// an empty list (0, no query), pivot filters honoured, rows deleted returned.
func TestPivotWritesDetach(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		ann := pwU(1)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, []int64{4, 5, 6}))
		db.Counter.Reset()

		// An empty list: 0 and no query.
		for _, ids := range []any{nil, []int64{}, []string{}, []any{}, []pwRole{}, []*pwRole{}, map[int64]map[string]any{}, []pivot.Record{}} {
			n, err := pivot.Detach(ctx, db, pwRoles, ann, ids)
			require.NoError(t, err, "%T", ids)
			assert.Zero(t, n, "%T", ids)
		}
		assert.Equal(t, 0, pwCount(db), db.Counter)

		// With ids: the parent's rows for those ids, one statement.
		n, err := pivot.Detach(ctx, db, pwRoles, ann, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		stmts := pwStmts(db)
		require.Len(t, stmts, 1)
		assert.True(t, strings.HasPrefix(stmts[0], `delete from "pw_role_user" where "pw_role_user"."user_id" = ? and "pw_role_user"."role_id"`), stmts[0])
		assert.Equal(t, []int64{2, 4, 5, 6}, pwIDs(t, db, 1))

		db.Counter.Reset()
		n, err = pivot.Detach(ctx, db, pwRoles, ann, []int64{2, 3, 99})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "3 is bob's, 99 nobody's")
		assert.Equal(t, 1, pwCount(db))
		assert.Equal(t, []int64{3}, pwIDs(t, db, 2), "bob keeps 3")

		// Models, the map form (attributes ignored), strings.
		n, err = pivot.Detach(ctx, db, pwRoles, ann, pwRole{ID: 4})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.Detach(ctx, db, pwRoles, ann, map[int64]map[string]any{5: {"note": "ignored"}})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.Detach(ctx, db, pwRoles, ann, []*pwRole{{ID: 6}})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Empty(t, pwIDs(t, db, 1))

		// Duplicate pivot rows of one id are all deleted and counted.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, 1))
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, 1))
		n, err = pivot.Detach(ctx, db, pwRoles, ann, []string{"1"})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)

		// detach() with no ids: every row of this parent, no other parent's,
		// no related row.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, []int64{1, 2, 3}))
		db.Counter.Reset()
		n, err = pivot.DetachAll(ctx, db, pwRoles, ann)
		require.NoError(t, err)
		assert.EqualValues(t, 3, n)
		stmts = pwStmts(db)
		require.Len(t, stmts, 1)
		assert.Equal(t, `delete from "pw_role_user" where "pw_role_user"."user_id" = ?`, stmts[0])
		assert.Empty(t, pwIDs(t, db, 1))
		assert.Equal(t, []int64{3}, pwIDs(t, db, 2))
		cnt, err := query.From[pwRole]().Count(ctx, db)
		require.NoError(t, err)
		assert.EqualValues(t, 6, cnt, "related rows are not deleted")
		n, err = pivot.DetachAll(ctx, db, pwRoles, ann)
		require.NoError(t, err)
		assert.Zero(t, n)

		// Recorded pivot filters are added to the WHERE.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, map[int64]map[string]any{1: {"active": true}, 2: {"active": false}, 3: {"active": true}}))
		active := pwRoles.WherePivot("active", true).Named("pw_active_roles")
		db.Counter.Reset()
		n, err = pivot.Detach(ctx, db, active, ann, []int64{1, 2})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "the inactive row 2 is not matched")
		assert.Contains(t, pwStmts(db)[0], `"pw_role_user"."active" = ?`)
		assert.Equal(t, []int64{2, 3}, pwIDs(t, db, 1))
		n, err = pivot.DetachAll(ctx, db, active, ann)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{2}, pwIDs(t, db, 1))
		assert.Equal(t, []int64{3}, pwIDs(t, db, 2), "bob's active row untouched by the filtered DetachAll")

		// withPivotValue is a filter too; so are the other WherePivot forms.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, []int64{4, 5}, map[string]any{"note": "keep"}))
		require.NoError(t, pivot.Attach(ctx, db, pwRoles.WithPivotValue("kind", "tmp").Named("pw_tmp_roles"), ann, []int64{6}))
		n, err = pivot.DetachAll(ctx, db, pwRoles.WithPivotValue("kind", "tmp").Named("pw_tmp_roles2"), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.DetachAll(ctx, db, pwRoles.WherePivotIn("role_id", 4, 99), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.DetachAll(ctx, db, pwRoles.WherePivotNull("note"), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "row 2 has no note")
		assert.Equal(t, []int64{5}, pwIDs(t, db, 1))
		n, err = pivot.Detach(ctx, db, pwRoles.WherePivotNotNull("kind"), ann, []int64{5})
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = pivot.Detach(ctx, db, pwRoles.WherePivotNotNull("note"), ann, []int64{2, 5})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Empty(t, pwIDs(t, db, 1))
	})
}

// ---- sync ----

// TestSyncReportsAttachedDetachedAndUpdated replays Laravel's testSyncMethod.
func TestSyncReportsAttachedDetachedAndUpdated(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)

		ch, err := pivot.Sync(ctx, db, pwRoles, cy, []int64{1, 2})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(1, 2), Detached: []any{}, Updated: []any{}}, ch)
		stmts := pwStmts(db)
		require.Len(t, stmts, 2, "current keys, one INSERT: %s", db.Counter)
		assert.True(t, strings.HasPrefix(stmts[0], `select `), stmts[0])
		assert.Contains(t, stmts[0], `from "pw_role_user" where "pw_role_user"."user_id" = ?`)
		assert.True(t, strings.HasPrefix(stmts[1], `insert into "pw_role_user"`), stmts[1])

		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{1, 3, 4})
		require.NoError(t, err)
		stmts = pwStmts(db)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3, 4), Detached: pwInts(2), Updated: []any{}}, ch)
		assert.Equal(t, []int64{1, 3, 4}, pwIDs(t, db, 3))
		require.Len(t, stmts, 3, "select, one delete, one insert: %s", db.Counter)
		assert.True(t, strings.HasPrefix(stmts[1], `delete from "pw_role_user" where "pw_role_user"."user_id" = ? and "pw_role_user"."role_id"`), stmts[1])
		assert.Equal(t, 2, pwValueRows(stmts[2]), stmts[2])

		// sync([]) empties the pivot; detached in the order of current.
		order := pwCurrentOrder(t, db, 3)
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: order, Updated: []any{}}, ch)
		assert.Empty(t, pwIDs(t, db, 3))
		assert.Equal(t, []int64{1, 2}, pwIDs(t, db, 1), "other parents untouched")

		// The map form sets per-id pivot columns.
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, map[int64]map[string]any{1: {"note": "taylor"}, 2: {"note": "mohamed"}})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1, 2), ch.Attached)
		assert.Equal(t, pwStr("taylor"), pwRowOf(t, db, 3, 1).Note)
		assert.Equal(t, pwStr("mohamed"), pwRowOf(t, db, 3, 2).Note)
		got, err := query.GetMany(ctx, db, pwRoles, cy)
		require.NoError(t, err)
		notes := map[int64]any{}
		for _, r := range got {
			notes[r.ID] = r.Pivot["note"]
		}
		assert.Equal(t, map[int64]any{1: "taylor", 2: "mohamed"}, notes)
	})
}

// TestPivotWritesSyncAlgorithm: its steps.
func TestPivotWritesSyncAlgorithm(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)

		// Laravel's mixed form sync([2, 3 => [baz], 4 => [foo]]) against
		// current [1, 2, 3]: attached [4], detached [1], updated [3].
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, []int64{1, 2, 3}))
		ch, err := pivot.Sync(ctx, db, pwRoles, cy, []pivot.Record{{Key: 2}, {Key: 3, Attrs: map[string]any{"note": "qux"}}, {Key: 4, Attrs: map[string]any{"note": "bar"}}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(4), Detached: pwInts(1), Updated: pwInts(3)}, ch)
		assert.Equal(t, pwStr("qux"), pwRowOf(t, db, 3, 3).Note)
		assert.Equal(t, pwStr("bar"), pwRowOf(t, db, 3, 4).Note)
		assert.Nil(t, pwRowOf(t, db, 3, 2).Note, "kept without attributes: not updated")

		// Attached follows the input order, not the key order.
		pwDetachAll(t, db, cy)
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{5, 3, 4})
		require.NoError(t, err)
		assert.Equal(t, pwInts(5, 3, 4), ch.Attached)

		// Ids compare loosely ("3" is 3) and come back as the key type.
		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []any{"3", int8(4), uint64(5), pwRoleID(6), &pwRole{ID: 1}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(6, 1), Detached: []any{}, Updated: []any{}}, ch)
		assert.Equal(t, 2, pwCount(db), "nothing detached: no DELETE: %s", db.Counter)
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []string{"1", "3"})
		require.NoError(t, err)
		assert.ElementsMatch(t, pwInts(4, 5, 6), ch.Detached)
		assert.Empty(t, ch.Attached)
		for _, k := range append(append([]any{}, ch.Attached...), ch.Detached...) {
			assert.IsType(t, int64(0), k)
		}

		// Duplicates in the input are attached once.
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{1, 3, 2, 2, 2})
		require.NoError(t, err)
		assert.Equal(t, pwInts(2), ch.Attached)
		assert.Equal(t, []int64{1, 2, 3}, pwIDs(t, db, 3))

		// Syncing the current set changes nothing: one SELECT only.
		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{3, 2, 1})
		require.NoError(t, err)
		assert.Equal(t, pwEmpty(), ch)
		assert.Equal(t, 1, pwCount(db), db.Counter)

		// Updated: a kept id given attributes that change its row.
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, map[int64]map[string]any{1: {"note": "a"}, 2: {"note": "b"}, 3: {}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: pwInts(1, 2)}, ch)
		// The same attributes again change no row.
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, map[int64]map[string]any{1: {"note": "a"}, 2: {"note": "c"}, 3: {}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: pwInts(2)}, ch)

		// sync(nil) with detaching: every current row goes (Laravel's sync(null)).
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, nil)
		require.NoError(t, err)
		assert.ElementsMatch(t, pwInts(1, 2, 3), ch.Detached)
		assert.Empty(t, pwIDs(t, db, 3))
		// An empty model slice with detaching queries and detaches too.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 1))
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []pwRole{})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1), ch.Detached)

		// Duplicate pivot rows of one id: all detached (Laravel's array_diff keeps both).
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 1))
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, 1))
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{2})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1, 1), ch.Detached)
		assert.Equal(t, pwInts(2), ch.Attached)
		assert.Equal(t, []int64{2}, pwIDs(t, db, 3))

		// Results marshal as Laravel returns them.
		b, err := json.Marshal(ch)
		require.NoError(t, err)
		assert.JSONEq(t, `{"attached":[2],"detached":[1,1],"updated":[]}`, string(b))
		b, err = json.Marshal(pwEmpty())
		require.NoError(t, err)
		assert.JSONEq(t, `{"attached":[],"detached":[],"updated":[]}`, string(b))
	})
}

// TestPivotWritesSyncNoQuery: step 2, and syncWithoutDetaching.
func TestPivotWritesSyncNoQuery(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		ann := pwU(1)
		before := pwAll(t, db)
		db.Counter.Reset()

		// testSyncMethodWithEmptyValueDoesNotQueryWhenDetachingDisabled:
		// [], null and an empty collection.
		for _, ids := range []any{nil, []int64{}, []any{}, []pwRole{}, []*pwRole{}, map[int64]map[string]any{}, []pivot.Record{}} {
			ch, err := pivot.SyncWithoutDetaching(ctx, db, pwRoles, ann, ids)
			require.NoError(t, err, "%T", ids)
			assert.Equal(t, pwEmpty(), ch, "%T", ids)
		}
		assert.Equal(t, 0, pwCount(db), db.Counter)
		assert.Equal(t, before, pwAll(t, db))

		// syncWithoutDetaching(ids) ≡ sync(ids, false).
		ch, err := pivot.SyncWithoutDetaching(ctx, db, pwRoles, ann, []int64{2, 3})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3), Detached: []any{}, Updated: []any{}}, ch)
		assert.Equal(t, []int64{1, 2, 3}, pwIDs(t, db, 1))
		ch, err = pivot.SyncWithoutDetaching(ctx, db, pwRoles, ann, []pivot.Record{{Key: 1, Attrs: map[string]any{"note": "n1"}}, {Key: pwRole{ID: 4}}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(4), Detached: []any{}, Updated: pwInts(1)}, ch)
		assert.Equal(t, []int64{1, 2, 3, 4}, pwIDs(t, db, 1))
		assert.Equal(t, pwStr("n1"), pwRowOf(t, db, 1, 1).Note)
		assert.Equal(t, pwStr("n2"), pwRowOf(t, db, 1, 2).Note)
	})
}

// TestPivotWritesSyncWithPivotValues: ≡ sync({id: values for each id}).
func TestPivotWritesSyncWithPivotValues(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		ann := pwU(1) // 1 (active), 2 (inactive, n2)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, 3))
		order := pwCurrentOrder(t, db, 1)
		db.Counter.Reset()

		ch, err := pivot.SyncWithPivotValues(ctx, db, pwRoles, ann, []int64{1, 4}, map[string]any{"note": "v", "active": true})
		require.NoError(t, err)
		var wantDetached []any
		for _, k := range order {
			if k != int64(1) {
				wantDetached = append(wantDetached, k)
			}
		}
		assert.Equal(t, pivot.Changes{Attached: pwInts(4), Detached: wantDetached, Updated: pwInts(1)}, ch)
		assert.LessOrEqual(t, pwCount(db), 4, "select, delete, insert, update: %s", db.Counter)
		for _, rid := range []int64{1, 4} {
			r := pwRowOf(t, db, 1, rid)
			assert.Equal(t, pwStr("v"), r.Note)
			assert.True(t, r.Active)
		}
		assert.Equal(t, []int64{1, 4}, pwIDs(t, db, 1))

		// Models; the values again: nothing changes.
		ch, err = pivot.SyncWithPivotValues(ctx, db, pwRoles, ann, []pwRole{{ID: 1}, {ID: 4}}, map[string]any{"note": "v"})
		require.NoError(t, err)
		assert.Equal(t, pwEmpty(), ch)
		ch, err = pivot.SyncWithPivotValues(ctx, db, pwRoles, ann, []*pwRole{{ID: 4}, {ID: 5}}, map[string]any{"note": "w"})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(5), Detached: pwInts(1), Updated: pwInts(4)}, ch)
		assert.Equal(t, pwStr("w"), pwRowOf(t, db, 1, 5).Note)

		// With nothing to sync and detaching on: everything is detached.
		ch, err = pivot.SyncWithPivotValues(ctx, db, pwRoles, ann, []int64{}, map[string]any{"note": "x"})
		require.NoError(t, err)
		assert.ElementsMatch(t, pwInts(4, 5), ch.Detached)
		assert.Empty(t, pwIDs(t, db, 1))
		assert.Equal(t, []int64{3}, pwIDs(t, db, 2))
	})
}

// TestPivotWritesSyncFilters: the pivot wheres decide what "current" is and
// which rows sync deletes; withPivotValue writes its value on attach.
func TestPivotWritesSyncFilters(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		ann := pwU(1) // 1 (active), 2 (inactive)
		active := pwRoles.WherePivot("active", true).Named("pw_sync_active")

		db.Counter.Reset()
		ch, err := pivot.Sync(ctx, db, active, ann, []int64{3})
		require.NoError(t, err)
		stmts := pwStmts(db)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3), Detached: pwInts(1), Updated: []any{}}, ch)
		assert.Equal(t, []int64{2, 3}, pwIDs(t, db, 1), "the inactive row is outside the relation and survives")
		require.Len(t, stmts, 3, db.Counter)
		assert.Contains(t, stmts[0], `"pw_role_user"."active" = ?`, "current honours the filter")
		assert.Contains(t, stmts[1], `"pw_role_user"."active" = ?`, "the delete honours the filter")

		// An id present but outside the filter is not current: it is attached again.
		ch, err = pivot.Sync(ctx, db, active, ann, []int64{2, 3})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(2), Detached: []any{}, Updated: []any{}}, ch)
		assert.Equal(t, []int64{2, 2, 3}, pwIDs(t, db, 1))

		// withPivotValue: current = rows with the value, new rows get it.
		staff := pwRoles.WithPivotValue("kind", "staff").Named("pw_sync_staff")
		ch, err = pivot.Sync(ctx, db, staff, ann, []int64{3, 4})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3, 4), Detached: []any{}, Updated: []any{}}, ch)
		staffRows := 0
		for _, r := range pwOf(t, db, 1) {
			if r.Kind != nil && *r.Kind == "staff" {
				staffRows++
			}
		}
		assert.Equal(t, 2, staffRows)
		ch, err = pivot.Sync(ctx, db, staff, ann, []int64{4})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: pwInts(3), Updated: []any{}}, ch)
		assert.Equal(t, []int64{2, 2, 3, 4}, pwIDs(t, db, 1), "only the staff row of 3 went")

		// updateExistingPivot honours the filters too.
		n, err := pivot.UpdateExistingPivot(ctx, db, staff, ann, []int64{2, 3, 4}, map[string]any{"note": "s"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, pwStr("s"), pwRowOf(t, db, 1, 4).Note)
		assert.Nil(t, pwRowOf(t, db, 1, 3).Note)
	})
}

// ---- updateExistingPivot ----

// TestPivotWritesUpdateExistingPivot: SQL, id forms, affected rows.
func TestPivotWritesUpdateExistingPivot(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		ann := pwU(1) // 1 (active), 2 (inactive, n2)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, []int64{4, 5}))
		db.Counter.Reset()

		n, err := pivot.UpdateExistingPivot(ctx, db, pwRoles, ann, 2, map[string]any{"active": true, "note": "x"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		stmts := pwStmts(db)
		require.Len(t, stmts, 1)
		assert.True(t, strings.HasPrefix(stmts[0], `update "pw_role_user" set "active" = ?, "note" = ? where `), stmts[0])
		assert.Contains(t, stmts[0], `"pw_role_user"."user_id" = ?`)
		assert.Contains(t, stmts[0], `"pw_role_user"."role_id"`)
		assert.NotContains(t, stmts[0], "updated_at")
		r := pwRowOf(t, db, 1, 2)
		assert.True(t, r.Active)
		assert.Equal(t, pwStr("x"), r.Note)

		// A model, a pointer, a collection, mixed; affected rows returned.
		for _, c := range []struct {
			id   any
			want int64
		}{
			{pwRole{ID: 1}, 1},
			{&pwRole{ID: 4}, 1},
			{[]pwRole{{ID: 4}, {ID: 5}}, 2},
			{[]*pwRole{{ID: 1}, {ID: 2}}, 2},
			{[]any{"1", int16(5), pwRole{ID: 2}}, 3},
			{[]int64{1, 1}, 1},
		} {
			n, err := pivot.UpdateExistingPivot(ctx, db, pwRoles, ann, c.id, map[string]any{"note": fmt.Sprintf("%T", c.id)})
			require.NoError(t, err)
			assert.Equal(t, c.want, n, "%T", c.id)
		}
		assert.Equal(t, pwStr("[]int64"), pwRowOf(t, db, 1, 1).Note)
		assert.Equal(t, pwStr("[]interface {}"), pwRowOf(t, db, 1, 5).Note)

		// Another parent's id: 0 rows, its row untouched.
		n, err = pivot.UpdateExistingPivot(ctx, db, pwRoles, ann, 3, map[string]any{"note": "no"})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Nil(t, pwRowOf(t, db, 2, 3).Note)

		// Pivot filters are part of the WHERE.
		n, err = pivot.UpdateExistingPivot(ctx, db, pwRoles.WherePivot("active", false).Named("pw_upd_inactive"), ann, []int64{1, 2}, map[string]any{"note": "f"})
		require.NoError(t, err)
		assert.Zero(t, n, "1 and 2 are active now")

		// No id: 0 and no statement.
		db.Counter.Reset()
		n, err = pivot.UpdateExistingPivot(ctx, db, pwRoles, ann, []int64{}, map[string]any{"note": "e"})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Equal(t, 0, pwCount(db))

		// Duplicate rows for one id are all updated and counted.
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, 6))
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, ann, 6))
		n, err = pivot.UpdateExistingPivot(ctx, db, pwRoles, ann, 6, map[string]any{"note": "d"})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
	})
}

// ---- keys ----

type pwDoc struct {
	ID    string         `db:"id"`
	Title string         `db:"title"`
	Pivot map[string]any `db:"-"`
}

func (pwDoc) TableName() string { return "pw_docs" }

type pwReader struct {
	ID   int64   `db:"id"`
	Docs []pwDoc `db:"-"`
}

func (pwReader) TableName() string { return "pw_readers" }

var pwReaderDocs = rel.BelongsToMany[pwReader, pwDoc]("pw_doc_reader", "reader_id", "doc_id").WithPivot("visible")

// TestPivotWritesStringKeys: DatabaseEloquentBelongsToManySyncReturnValueTypeTest
// — string keys (a UUID, numbers beyond int64) come back as strings.
func TestPivotWritesStringKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		const (
			uuid  = "7b7306ae-5a02-46fa-a84c-9538f45c7dd4"
			big   = "9223372036854775808"  // PHP_INT_MAX + 1
			huge  = "18446744073709551616" // beyond uint64
			one   = "1"
			zeros = "007"
		)
		db.MustExec(t,
			`create table pw_readers (id {{pk}})`,
			`create table pw_docs (id varchar(64) primary key, title text not null)`,
			`create table pw_doc_reader (reader_id bigint not null references pw_readers(id), doc_id varchar(64) not null references pw_docs(id),
				visible boolean not null default false)`,
			`insert into pw_readers (id) values (1), (2)`,
			`insert into pw_docs (id, title) values ('`+uuid+`', 'uuid title'), ('`+big+`', 'big'), ('`+huge+`', 'huge'), ('1', 'one'), ('007', 'bond'), ('7', 'seven')`,
		)
		rd := &pwReader{ID: 1}
		docIDs := func() []string {
			rows, err := db.Query(ctx, `select doc_id from pw_doc_reader where reader_id = 1 order by doc_id`)
			require.NoError(t, err)
			out, err := sqlt.ScanAll[string](rows)
			require.NoError(t, err)
			return out
		}

		ch, err := pivot.Sync(ctx, db, pwReaderDocs, rd, []string{uuid, big, huge, one})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwStrs(uuid, big, huge, one), Detached: []any{}, Updated: []any{}}, ch)
		for _, k := range ch.Attached {
			assert.IsType(t, "", k)
		}
		docs, err := query.GetMany(ctx, db, pwReaderDocs, rd)
		require.NoError(t, err)
		require.Len(t, docs, 4)
		for _, d := range docs {
			assert.EqualValues(t, pwFalse(db), d.Pivot["visible"], "column default: %v", d.Pivot)
		}

		// An integer for a string key is its decimal string; "007" is not "7".
		ch, err = pivot.Sync(ctx, db, pwReaderDocs, rd, []any{uuid, 1, zeros, pwDoc{ID: big}})
		require.NoError(t, err)
		assert.Equal(t, pwStrs(zeros), ch.Attached)
		assert.Equal(t, pwStrs(huge), ch.Detached)
		assert.Empty(t, ch.Updated)
		assert.ElementsMatch(t, []string{zeros, one, uuid, big}, docIDs())

		// The map form with string keys, updated reported as strings.
		ch, err = pivot.Sync(ctx, db, pwReaderDocs, rd, map[string]map[string]any{big: {"visible": true}, uuid: {}, "7": nil})
		require.NoError(t, err)
		assert.Equal(t, pwStrs("7"), ch.Attached)
		assert.ElementsMatch(t, pwStrs(zeros, one), ch.Detached)
		assert.Equal(t, pwStrs(big), ch.Updated)

		n, err := pivot.UpdateExistingPivot(ctx, db, pwReaderDocs, rd, uuid, map[string]any{"visible": true})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.Detach(ctx, db, pwReaderDocs, rd, []pwDoc{{ID: "7"}, {ID: big}})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		assert.Equal(t, []string{uuid}, docIDs())
		require.NoError(t, pivot.Attach(ctx, db, pwReaderDocs, rd, []string{huge, big, huge}))
		assert.ElementsMatch(t, []string{uuid, big, huge}, docIDs())
		n, err = pivot.DetachAll(ctx, db, pwReaderDocs, rd)
		require.NoError(t, err)
		assert.EqualValues(t, 3, n)
	})
}

// TestPivotWritesIntegerKeyOverflow: laravel/framework#19300 and #24141 —
// a string beyond int64 for an integer key is an error, never a wrapped
// (negative) id, and nothing runs.
func TestPivotWritesIntegerKeyOverflow(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)
		before := pwAll(t, db)
		db.Counter.Reset()
		for _, ids := range []any{
			"9223372036854775808",
			[]string{"1", "18446744073709551616"},
			uint64(math.MaxInt64) + 1,
			[]uint64{1, math.MaxUint64},
			map[string]map[string]any{"9223372036854775808": {}},
		} {
			_, err := pivot.Sync(ctx, db, pwRoles, cy, ids)
			assert.ErrorIs(t, err, rel.ErrUnsupportedKey, "%#v", ids)
			err = pivot.Attach(ctx, db, pwRoles, cy, ids)
			assert.ErrorIs(t, err, rel.ErrUnsupportedKey, "%#v", ids)
			_, err = pivot.Detach(ctx, db, pwRoles, cy, ids)
			assert.ErrorIs(t, err, rel.ErrUnsupportedKey, "%#v", ids)
		}
		assert.Equal(t, 0, pwCount(db), db.Counter)
		assert.Equal(t, before, pwAll(t, db))

		// The largest int64, given as a string, is an integer key.
		db.MustExec(t, `insert into pw_roles (id, slug) values (9223372036854775807, 'max')`)
		ch, err := pivot.Sync(ctx, db, pwRoles, cy, []string{"9223372036854775807", "2"})
		require.NoError(t, err)
		assert.Equal(t, pwInts(math.MaxInt64, 2), ch.Attached)
		ch, err = pivot.Sync(ctx, db, pwRoles, cy, []int64{2})
		require.NoError(t, err)
		assert.Equal(t, pwInts(math.MaxInt64), ch.Detached)
	})
}

// TestPivotWritesCustomKeys: parentKey and relatedKey other than the
// primary keys (Laravel's tagsWithCustomRelatedKey): models are read through
// the related key, the foreign pivot key is parent[parentKey].
func TestPivotWritesCustomKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := &pwUser{ID: 3, Code: "u-cy"}
		slugs := func(code string) []string {
			rows, err := db.Query(ctx, `select role_slug from pw_role_slug where user_code = ? order by role_slug`, code)
			require.NoError(t, err)
			out, err := sqlt.ScanAll[string](rows)
			require.NoError(t, err)
			return out
		}

		require.NoError(t, pivot.Attach(ctx, db, pwRolesBySlug, cy, pwRole{ID: 1, Slug: "r1"}))
		assert.Contains(t, pwStmts(db)[0], `insert into "pw_role_slug" ("role_slug", "user_code")`)
		assert.Equal(t, []string{"r1"}, slugs("u-cy"))
		require.NoError(t, pivot.Attach(ctx, db, pwRolesBySlug, cy, []*pwRole{{Slug: "r2"}}))
		assert.Equal(t, []string{"r1", "r2"}, slugs("u-cy"))

		ch, err := pivot.Sync(ctx, db, pwRolesBySlug, cy, []pwRole{{ID: 2, Slug: "r2"}, {ID: 3, Slug: "r3"}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwStrs("r3"), Detached: pwStrs("r1"), Updated: []any{}}, ch)

		n, err := pivot.UpdateExistingPivot(ctx, db, pwRolesBySlug, cy, pwRole{Slug: "r3"}, map[string]any{"note": "x"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.Detach(ctx, db, pwRolesBySlug, cy, []pwRole{{Slug: "r2"}})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []string{"r3"}, slugs("u-cy"))

		// A parent without its parent key value cannot write.
		_, err = pivot.Sync(ctx, db, pwRolesBySlug, &pwUser{ID: 3}, []string{"r1"})
		assert.ErrorIs(t, err, pivot.ErrNoKey)
	})
}

// ---- transactions ----

// TestPivotWritesAtomic: a failure part-way through sync leaves the pivot
// table exactly as before; sync joins the caller's transaction.
func TestPivotWritesAtomic(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		cy := pwU(3)
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, []int64{1, 2}, map[string]any{"note": "orig"}))
		before := pwAll(t, db)
		pg := db.Dialect().Name() == "postgres"
		db.Counter.Reset()

		// The INSERT fails (role 999 does not exist) after the DELETE ran.
		ch, err := pivot.Sync(ctx, db, pwRoles, cy, []int64{3, 999})
		require.Error(t, err)
		assert.Equal(t, pivot.Changes{}, ch)
		stmts := pwStmts(db)
		require.Len(t, stmts, 3, db.Counter)
		assert.True(t, strings.HasPrefix(stmts[1], "delete "), stmts[1])
		assert.Equal(t, before, pwAll(t, db), "the delete is rolled back")

		// The UPDATE of a kept row fails (NOT NULL) after DELETE and INSERT.
		db.Counter.Reset()
		_, err = pivot.Sync(ctx, db, pwRoles, cy, []pivot.Record{{Key: 4}, {Key: 1, Attrs: map[string]any{"active": nil}}})
		require.Error(t, err)
		assert.GreaterOrEqual(t, pwCount(db), 4, db.Counter)
		assert.Equal(t, before, pwAll(t, db))

		// An unknown attribute column in the INSERT.
		_, err = pivot.SyncWithPivotValues(ctx, db, pwRoles, cy, []int64{5}, map[string]any{"no_such_column": 1})
		require.Error(t, err)
		assert.Equal(t, before, pwAll(t, db))

		// Inside the caller's transaction: sync sees the caller's
		// uncommitted rows (it joins the transaction) ...
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if err := pivot.Attach(ctx, tx, pwRoles, cy, 5); err != nil {
				return err
			}
			ch, err := pivot.Sync(ctx, tx, pwRoles, cy, []int64{1, 2, 5})
			if err != nil {
				return err
			}
			assert.Equal(t, pwEmpty(), ch, "5 is current inside the transaction")
			// ... a failing sync rolls back to its savepoint only
			// (SQLite: DELETE and INSERT; on PostgreSQL they are one
			// statement, without a savepoint, whose failure aborts the
			// caller's transaction) ...
			_, err = pivot.Sync(ctx, tx, pwRoles, cy, []int64{6, 999})
			require.Error(t, err)
			if pg {
				_, err := tx.Exec(ctx, `select 1`)
				db.RequireDriverError(t, err, testdb.PgTxAborted, 0)
				return err
			}
			assert.Equal(t, []int64{1, 2, 5}, pwIDs(t, tx, 3))
			// ... and the caller carries on.
			ch, err = pivot.SyncWithoutDetaching(ctx, tx, pwRoles, cy, []int64{6})
			if err != nil {
				return err
			}
			assert.Equal(t, pwInts(6), ch.Attached)
			return nil
		})
		if pg {
			require.Error(t, err)
			assert.Equal(t, before, pwAll(t, db))
			_, err = pivot.SyncWithoutDetaching(ctx, db, pwRoles, cy, []int64{5, 6})
		}
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 2, 5, 6}, pwIDs(t, db, 3))

		// A caller's rollback undoes successful pivot writes.
		before = pwAll(t, db)
		errGiveUp := errors.New("give up")
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, err := pivot.Sync(ctx, tx, pwRoles, cy, []int64{3}); err != nil {
				return err
			}
			if _, err := pivot.DetachAll(ctx, tx, pwRoles, pwU(1)); err != nil {
				return err
			}
			if _, err := pivot.UpdateExistingPivot(ctx, tx, pwRoles, pwU(2), 3, map[string]any{"note": "tx"}); err != nil {
				return err
			}
			return errGiveUp
		})
		require.ErrorIs(t, err, errGiveUp)
		assert.Equal(t, before, pwAll(t, db))

		// A cancelled context: an error, no statement, nothing changed.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		db.Counter.Reset()
		_, err = pivot.Sync(cancelled, db, pwRoles, cy, []int64{4})
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, pivot.Attach(cancelled, db, pwRoles, cy, 4), context.Canceled)
		assert.Equal(t, 0, pwCount(db))
		assert.Equal(t, before, pwAll(t, db))
	})
}

// TestPivotWritesConcurrent: concurrent writes on distinct parents (run
// with -race).
func TestPivotWritesConcurrent(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		const parents = 16
		for i := 0; i < parents; i++ {
			db.MustExec(t, fmt.Sprintf(`insert into pw_users (name, code) values ('p%d', 'c%d')`, i, i))
		}
		var wg sync.WaitGroup
		errs := make(chan error, parents)
		for i := 0; i < parents; i++ {
			wg.Add(1)
			go func(uid int64) {
				defer wg.Done()
				u := pwU(uid)
				if err := pivot.Attach(ctx, db, pwRolesTS, u, []int64{1, 2, 3}); err != nil {
					errs <- err
					return
				}
				ch, err := pivot.Sync(ctx, db, pwRolesTS, u, map[int64]map[string]any{2: {"note": "two"}, 4: {}})
				if err != nil {
					errs <- err
					return
				}
				if len(ch.Attached) != 1 || len(ch.Detached) != 2 || len(ch.Updated) != 1 {
					errs <- fmt.Errorf("user %d: %+v", uid, ch)
					return
				}
				if _, err := pivot.Detach(ctx, db, pwRolesTS, u, 4); err != nil {
					errs <- err
				}
			}(int64(4 + i))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for i := 0; i < parents; i++ {
			assert.Equal(t, []int64{2}, pwIDs(t, db, int64(4+i)))
			assert.Equal(t, pwStr("two"), pwRowOf(t, db, int64(4+i), 2).Note)
		}
		assert.Equal(t, []int64{1, 2}, pwIDs(t, db, 1))
	})
}

// TestPivotWritesLargeSync: 1,000 keys against 1,000 rows with half
// overlap — a bounded number of statements, not one per key.
func TestPivotWritesLargeSync(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		db.MustExec(t, pwValues("insert into pw_roles (slug) values ", 1500, func(i int) string { return fmt.Sprintf("('big%d')", i) }))
		rows, err := db.Query(ctx, `select id from pw_roles where slug like 'big%' order by id`)
		require.NoError(t, err)
		ids, err := sqlt.ScanAll[int64](rows)
		require.NoError(t, err)
		require.Len(t, ids, 1500)
		cy := pwU(3)

		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, pwRoles, cy, ids[:1000]))
		assert.Equal(t, 1, pwCount(db), "1,000 rows: one INSERT")

		db.Counter.Reset()
		ch, err := pivot.Sync(ctx, db, pwRoles, cy, ids[500:])
		require.NoError(t, err)
		assert.Len(t, ch.Attached, 500)
		assert.Len(t, ch.Detached, 500)
		assert.Empty(t, ch.Updated)
		assert.Equal(t, 3, pwCount(db), "select, delete, insert")
		assert.Equal(t, pwInts(ids[1000:]...), ch.Attached)
		got := pwIDs(t, db, 3)
		assert.Equal(t, ids[500:], got)

		// The same with one attribute map for every kept key.
		db.Counter.Reset()
		ch, err = pivot.SyncWithPivotValues(ctx, db, pwRoles, cy, ids[:1000], map[string]any{"note": "bulk"})
		require.NoError(t, err)
		assert.Len(t, ch.Attached, 500)
		assert.Len(t, ch.Detached, 500)
		assert.Len(t, ch.Updated, 500)
		assert.LessOrEqual(t, pwCount(db), 4, "select, delete, insert, update — not one per key (%d statements)", pwCount(db))
	})
}

type pwTicket struct {
	ID string `db:"id"`
}

func (pwTicket) TableName() string { return "pw_tickets" }

type pwDesk struct {
	ID int64 `db:"id"`
}

func (pwDesk) TableName() string { return "pw_desks" }

var pwDeskTickets = rel.BelongsToMany[pwDesk, pwTicket]("pw_desk_ticket", "desk_id", "ticket_id").WithPivot("n").Named("pw_desk_tickets")

// TestPivotWritesUUIDColumn: string keys held in a PostgreSQL uuid column
// (text on SQLite). Regression: the rows a sync updated were read back as
// the driver's [16]byte and rejected as an unsupported key.
func TestPivotWritesUUIDColumn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		typ := "text"
		if db.Name == "postgres" {
			typ = "uuid"
		}
		const a, b = "7b7306ae-5a02-46fa-a84c-9538f45c7dd4", "8c0f1e2d-3b4a-4c5d-9e6f-7a8b9c0d1e2f"
		db.MustExec(t,
			`create table pw_desks (id {{pk}})`,
			`create table pw_tickets (id `+typ+` primary key)`,
			`create table pw_desk_ticket (desk_id bigint not null references pw_desks(id), ticket_id `+typ+` not null references pw_tickets(id), n integer)`,
			`insert into pw_desks (id) values (1)`,
			`insert into pw_tickets (id) values ('`+a+`'), ('`+b+`')`,
		)
		d := &pwDesk{ID: 1}
		ch, err := pivot.Sync(ctx, db, pwDeskTickets, d, []string{a, b})
		require.NoError(t, err)
		assert.Equal(t, pwStrs(a, b), ch.Attached)
		ch, err = pivot.Sync(ctx, db, pwDeskTickets, d, map[string]map[string]any{a: {"n": 5}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: pwStrs(b), Updated: pwStrs(a)}, ch)
		ch, err = pivot.SyncWithPivotValues(ctx, db, pwDeskTickets, d, []pwTicket{{ID: a}, {ID: b}}, map[string]any{"n": 5})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwStrs(b), Detached: []any{}, Updated: []any{}}, ch)
		n, err := pivot.UpdateExistingPivot(ctx, db, pwDeskTickets, d, pwTicket{ID: b}, map[string]any{"n": 6})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.Detach(ctx, db, pwDeskTickets, d, []string{a, b})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
	})
}

// TestPivotWritesIgnoreReadClauses: the pivot write queries use the pivot
// filters only — an ORDER BY on the relation (orderByPivot) and
// constraints on the related table are not part of them.
func TestPivotWritesIgnoreReadClauses(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		ann := pwU(1)
		ordered := pwRoles.OrderByPivot("note", "desc").Where(sq.Eq{"pw_roles.slug": "r1"}).Named("pw_ordered_roles")
		db.Counter.Reset()
		ch, err := pivot.Sync(ctx, db, ordered, ann, []int64{1, 3})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3), Detached: pwInts(2), Updated: []any{}}, ch)
		n, err := pivot.UpdateExistingPivot(ctx, db, ordered, ann, 3, map[string]any{"note": "x"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.DetachAll(ctx, db, ordered, ann)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		for _, s := range pwStmts(db) {
			assert.NotContains(t, s, "order by")
			assert.NotContains(t, s, "slug")
			assert.NotContains(t, s, `"pw_roles"`)
		}
	})
}

// Other key widths on the same tables: a pointer parent key and a uint16
// related key.
type pwUserP struct {
	ID *int64 `db:"id"`
}

func (pwUserP) TableName() string { return "pw_users" }

type pwRole16 struct {
	ID uint16 `db:"id"`
}

func (pwRole16) TableName() string { return "pw_roles" }

var pwRoles16 = rel.BelongsToMany[pwUserP, pwRole16]("pw_role_user", "user_id", "role_id").Named("pw_roles16")

// TestPivotWritesKeyWidths: keys normalised across integer widths; Changes
// holds int64 whatever the Go width of the related key.
func TestPivotWritesKeyWidths(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		id := int64(3)
		cy := &pwUserP{ID: &id}
		ch, err := pivot.Sync(ctx, db, pwRoles16, cy, []pwRole16{{ID: 1}, {ID: 2}})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1, 2), ch.Attached)
		ch, err = pivot.Sync(ctx, db, pwRoles16, cy, []any{uint16(2), int64(3), "4", pwRole16{ID: 4}, &pwRole16{ID: 3}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: pwInts(3, 4), Detached: pwInts(1), Updated: []any{}}, ch)
		assert.Equal(t, []int64{2, 3, 4}, pwIDs(t, db, 3))
		n, err := pivot.Detach(ctx, db, pwRoles16, cy, []uint8{2, 3})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)

		// A parent whose key is NULL: an error, nothing runs.
		db.Counter.Reset()
		_, err = pivot.Sync(ctx, db, pwRoles16, &pwUserP{}, []int64{1})
		assert.ErrorIs(t, err, pivot.ErrNoKey)
		assert.ErrorIs(t, pivot.Attach(ctx, db, pwRoles16, &pwUserP{}, 1), pivot.ErrNoKey)
		assert.Equal(t, 0, pwCount(db))
	})
}

var pwRolesMeta = rel.BelongsToMany[pwUser, pwRole]("pw_role_meta", "user_id", "role_id").WithPivot("meta", "area", "at").Named("pw_roles_meta")

// TestPivotWritesColumnTypes: sync updates kept rows whatever the type of
// the attribute columns. Regression: on PostgreSQL a json column (no
// equality operator) failed the sync, and a box column (equality compares
// areas) was left unchanged.
func TestPivotWritesColumnTypes(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		pwSeed(t, db)
		js, box := "text", "text"
		if db.Name == "postgres" {
			js, box = "json", "box"
		}
		db.MustExec(t, `create table pw_role_meta (user_id bigint not null, role_id bigint not null, meta `+js+`, area `+box+`, at timestamp)`)
		ann := pwU(1)
		at := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
		ch, err := pivot.Sync(ctx, db, pwRolesMeta, ann, map[int64]map[string]any{
			1: {"meta": `{"a":1}`, "area": "(2,2),(0,0)", "at": at}, 2: {"meta": nil}})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1, 2), ch.Attached)
		read := func(rid int64) (meta, area *string) {
			q := `select cast(meta as text), cast(area as text) from pw_role_meta where user_id = 1 and role_id = ?`
			if db.Name == "mysql" { // MySQL casts to char, not text
				q = `select cast(meta as char), cast(area as char) from pw_role_meta where user_id = 1 and role_id = ?`
			}
			rows, err := db.Query(ctx, q, rid)
			require.NoError(t, err)
			defer rows.Close()
			require.True(t, rows.Next())
			require.NoError(t, rows.Scan(&meta, &area))
			return meta, area
		}

		// Same values: nothing changes.
		ch, err = pivot.Sync(ctx, db, pwRolesMeta, ann, map[int64]map[string]any{
			1: {"meta": `{"a":1}`, "area": "(2,2),(0,0)", "at": at}, 2: {"meta": nil}})
		require.NoError(t, err)
		assert.Equal(t, pwEmpty(), ch)

		// Changed values: written and reported.
		ch, err = pivot.Sync(ctx, db, pwRolesMeta, ann, map[int64]map[string]any{
			1: {"meta": `{"a":2}`}, 2: {"meta": `{"b":1}`}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: pwInts(1, 2)}, ch)
		m, _ := read(1)
		assert.Equal(t, pwStr(`{"a":2}`), m)
		m, _ = read(2)
		assert.Equal(t, pwStr(`{"b":1}`), m)

		// A box of the same area but other corners is a change.
		ch, err = pivot.SyncWithoutDetaching(ctx, db, pwRolesMeta, ann, map[int64]map[string]any{1: {"area": "(3,3),(1,1)"}})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1), ch.Updated)
		_, a := read(1)
		require.NotNil(t, a)
		assert.Contains(t, *a, "3,3")

		// Setting NULL is a change; NULL again is not.
		ch, err = pivot.SyncWithoutDetaching(ctx, db, pwRolesMeta, ann, map[int64]map[string]any{1: {"meta": nil}})
		require.NoError(t, err)
		assert.Equal(t, pwInts(1), ch.Updated)
		ch, err = pivot.SyncWithoutDetaching(ctx, db, pwRolesMeta, ann, map[int64]map[string]any{1: {"meta": nil}})
		require.NoError(t, err)
		assert.Empty(t, ch.Updated)
		m, _ = read(1)
		assert.Nil(t, m)
	})
}

// TestPivotWritesLargeStringSync: the bounded statement count holds for
// string keys too (long key lists: an array parameter on PostgreSQL, a JSON
// array on SQLite).
func TestPivotWritesLargeStringSync(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table pw_readers (id {{pk}})`,
			`create table pw_docs (id varchar(64) primary key, title text not null)`,
			`create table pw_doc_reader (reader_id bigint not null references pw_readers(id), doc_id varchar(64) not null references pw_docs(id),
				visible boolean not null default false)`,
			`insert into pw_readers (id) values (1)`,
			pwValues("insert into pw_docs (id, title) values ", 1500, func(i int) string { return fmt.Sprintf("('d-%d', 't')", i) }),
		)
		keys := make([]string, 1500)
		for i := range keys {
			keys[i] = fmt.Sprintf("d-%d", i+1)
		}
		rd := &pwReader{ID: 1}
		require.NoError(t, pivot.Attach(ctx, db, pwReaderDocs, rd, keys[:1000]))
		db.Counter.Reset()
		ch, err := pivot.SyncWithPivotValues(ctx, db, pwReaderDocs, rd, keys[500:], map[string]any{"visible": true})
		require.NoError(t, err)
		assert.LessOrEqual(t, pwCount(db), 4, pwCount(db))
		assert.Len(t, ch.Attached, 500)
		assert.Len(t, ch.Detached, 500)
		assert.Len(t, ch.Updated, 500)
		assert.Equal(t, "d-1001", ch.Attached[0])
		assert.Equal(t, "d-501", ch.Updated[0])
		rows, err := db.Query(ctx, `select count(*) from pw_doc_reader where reader_id = 1 and visible`)
		require.NoError(t, err)
		cnt, err := sqlt.ScanAll[int64](rows)
		require.NoError(t, err)
		assert.Equal(t, []int64{1000}, cnt)
		n, err := pivot.Detach(ctx, db, pwReaderDocs, rd, keys)
		require.NoError(t, err)
		assert.EqualValues(t, 1000, n)
	})
}

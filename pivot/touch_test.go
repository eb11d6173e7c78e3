package pivot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// These models are the tests' own: the touch registry is process-wide.
//
// tpPost has many tpTags through tp_post_tag, declared Touches: writes of
// a post and pivot writes through tpPostTags touch the tags (Laravel:
// the parent's $touches holds the relation, TI/EloquentBelongsToManyTest).
// tpUser has many tpRoles through tp_role_user, and the inverse relation
// tpRoleUsers is declared Touches: pivot writes through tpUserRoles touch
// the user (Laravel's touchingParent), and, transitively, the user's team.
type tpPost struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (tpPost) TableName() string { return "tp_posts" }

type tpTag struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (tpTag) TableName() string { return "tp_tags" }

type tpTeam struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (tpTeam) TableName() string { return "tp_teams" }

type tpUser struct {
	ID        int64     `db:"id"`
	TeamID    int64     `db:"team_id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (tpUser) TableName() string { return "tp_users" }

type tpRole struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

func (tpRole) TableName() string { return "tp_roles" }

var (
	tpPostTags  = rel.BelongsToMany[tpPost, tpTag]("tp_post_tag", "post_id", "tag_id").Touches()
	tpUserRoles = rel.BelongsToMany[tpUser, tpRole]("tp_role_user", "user_id", "role_id").WithPivot("level")
	_           = rel.BelongsToMany[tpRole, tpUser]("tp_role_user", "role_id", "user_id").Touches()
	_           = rel.BelongsTo[tpUser, tpTeam]("team_id").Touches()
)

const tpOld = "2000-01-01 00:00:00"

func createPivotTouchTables(t *testing.T, db *testdb.DB) {
	t.Helper()
	db.MustExec(t,
		`create table tp_posts (id {{pk}}, updated_at timestamp not null)`,
		`create table tp_tags (id {{pk}}, updated_at timestamp not null)`,
		`create table tp_post_tag (post_id bigint not null, tag_id bigint not null, primary key (post_id, tag_id))`,
		`create table tp_teams (id {{pk}}, updated_at timestamp not null)`,
		`create table tp_users (id {{pk}}, team_id bigint not null, updated_at timestamp not null)`,
		`create table tp_roles (id {{pk}}, name text not null)`,
		`create table tp_role_user (user_id bigint not null, role_id bigint not null, level bigint not null default 0, primary key (user_id, role_id))`,
		`insert into tp_posts (updated_at) values ('`+tpOld+`'), ('`+tpOld+`')`,
		`insert into tp_tags (updated_at) values ('`+tpOld+`'), ('`+tpOld+`'), ('`+tpOld+`')`,
		`insert into tp_post_tag (post_id, tag_id) values (1, 1), (2, 3)`,
		`insert into tp_teams (updated_at) values ('`+tpOld+`'), ('`+tpOld+`')`,
		`insert into tp_users (team_id, updated_at) values (1, '`+tpOld+`'), (2, '`+tpOld+`')`,
		`insert into tp_roles (name) values ('a'), ('b')`,
	)
}

// tpTouched lists the ids of table's rows whose updated_at moved, and
// puts them back.
func tpTouched(t *testing.T, db *testdb.DB, table string) []int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := db.DB.Query(ctx, `select id, updated_at from `+table+` order by id`)
	require.NoError(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		var at time.Time
		require.NoError(t, rows.Scan(&id, &at))
		if !at.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
			ids = append(ids, id)
		}
	}
	require.NoError(t, rows.Close())
	db.MustExec(t, `update `+table+` set updated_at = '`+tpOld+`'`)
	return ids
}

// tpLog records the kinds of statements and transaction boundaries.
type tpLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *tpLog) BeforeQuery(ctx context.Context, _ sqlt.QueryStart) context.Context { return ctx }
func (l *tpLog) AfterQuery(_ context.Context, q sqlt.QueryEnd) {
	f := strings.Fields(strings.NewReplacer("[", "", "]", "", `"`, "", "`", "").Replace(q.SQL))
	if f[0] == "select" && isLock(strings.ReplaceAll(q.SQL, "`", `"`)) {
		return // PostgreSQL's and MySQL's pivot lock
	}
	l.add(f[0] + " " + f[1])
}
func (l *tpLog) BeforeTx(ctx context.Context, _ sqlt.TxStart) context.Context { return ctx }
func (l *tpLog) AfterTx(_ context.Context, t sqlt.TxEnd)                      { l.add(string(t.Op)) }
func (l *tpLog) add(s string) {
	l.mu.Lock()
	l.ops = append(l.ops, s)
	l.mu.Unlock()
}
func (l *tpLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

// Laravel: the related models are touched by attach, detach, sync (when
// something changed), toggle and updateExistingPivot when the parent's
// $touches holds the relation (TI/EloquentBelongsToManyTest.php:979).
func TestPivotWritesTouchRelated(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createPivotTouchTables(t, db)
		ctx := context.Background()
		log := &tpLog{}
		ex := db.DB.WithHook(log)
		post := &tpPost{ID: 1}

		require.NoError(t, pivot.Attach(ctx, ex, tpPostTags, post, []int64{2}))
		assert.Equal(t, []string{"begin", "insert into", "update tp_tags", "commit"}, log.take())
		assert.Equal(t, []int64{1, 2}, tpTouched(t, db, "tp_tags"), "every tag attached to the post")
		assert.Empty(t, tpTouched(t, db, "tp_posts"))

		_, err := pivot.Sync(ctx, ex, tpPostTags, post, []int64{1, 2})
		require.NoError(t, err)
		assert.NotContains(t, log.take(), "update tp_tags", "no change, no touch")
		assert.Empty(t, tpTouched(t, db, "tp_tags"))

		_, err = pivot.Sync(ctx, ex, tpPostTags, post, []int64{1})
		require.NoError(t, err)
		assert.Contains(t, log.take(), "update tp_tags")
		assert.Equal(t, []int64{1}, tpTouched(t, db, "tp_tags"), "the tags still attached")

		_, err = pivot.Toggle(ctx, ex, tpPostTags, post, []int64{3})
		require.NoError(t, err)
		assert.Equal(t, []int64{1, 3}, tpTouched(t, db, "tp_tags"))

		n, err := pivot.Detach(ctx, ex, tpPostTags, post, []int64{3})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{1}, tpTouched(t, db, "tp_tags"))

		n, err = pivot.Detach(ctx, ex, tpPostTags, post, []int64{3})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Empty(t, tpTouched(t, db, "tp_tags"), "nothing detached, nothing touched")

		// Suspended by the context: the attach alone, as without touches.
		log.take()
		require.NoError(t, pivot.Attach(query.WithoutTouchingOn[tpTag](ctx), ex, tpPostTags, post, []int64{3}))
		assert.Equal(t, []string{"insert into"}, dropTx(db, log.take()))
		assert.Empty(t, tpTouched(t, db, "tp_tags"))

		// A write of the post touches its tags (one hop: tags touch nothing).
		require.NoError(t, query.From[tpPost]().Update(ctx, ex, post))
		assert.Equal(t, []string{"begin", "update tp_posts", "update tp_tags", "commit"}, log.take())
		st := db.Counter.Statements()
		assert.Equal(t, []int64{1, 3}, tpTouched(t, db, "tp_tags"))
		assert.Contains(t, st, `update "tp_tags" set "updated_at" = `+ph(db, 1)+` where "tp_tags"."id" in (select "tp_post_tag"."tag_id" from "tp_post_tag" where "tp_post_tag"."post_id" = `+ph(db, 2)+`)`)
	})
}

// dropTx drops PostgreSQL's and MySQL's transaction around a single pivot statement
// (it takes the parent's lock in one).
func dropTx(db *testdb.DB, ops []string) []string {
	if db.Name != "postgres" && db.Name != "mysql" {
		return ops
	}
	var out []string
	for _, o := range ops {
		if o != "begin" && o != "commit" {
			out = append(out, o)
		}
	}
	return out
}

func ph(db *testdb.DB, i int) string {
	if db.Name == "postgres" {
		return "$" + string(rune('0'+i))
	}
	return "?"
}

// Laravel's touchingParent: a pivot write through tpUserRoles touches the
// user when the inverse relation is declared Touches, and the user's
// owners (a parent touch saves the parent).
func TestPivotWritesTouchParent(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createPivotTouchTables(t, db)
		ctx := context.Background()
		user := &tpUser{ID: 2, TeamID: 2}

		require.NoError(t, pivot.Attach(ctx, db, tpUserRoles, user, []int64{1, 2}))
		st := db.Counter.Statements()
		assert.Equal(t, []int64{2}, tpTouched(t, db, "tp_users"))
		assert.Equal(t, []int64{2}, tpTouched(t, db, "tp_teams"))
		assert.Contains(t, st, `update "tp_users" set "updated_at" = `+ph(db, 1)+` where "tp_users"."id" = `+ph(db, 2))
		assert.Contains(t, st, `update "tp_teams" set "updated_at" = `+ph(db, 1)+` where "tp_teams"."id" in (select "tp_users"."team_id" from "tp_users" where "tp_users"."id" = `+ph(db, 2)+`)`)

		n, err := pivot.UpdateExistingPivot(ctx, db, tpUserRoles, user, 1, map[string]any{"level": 3})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{2}, tpTouched(t, db, "tp_users"))
		assert.Equal(t, []int64{2}, tpTouched(t, db, "tp_teams"))

		_, err = pivot.SyncMany(ctx, db, tpUserRoles, []*tpUser{{ID: 1, TeamID: 1}, user}, func(u *tpUser) any {
			if u.ID == 1 {
				return []int64{1}
			}
			return []int64{1, 2} // unchanged
		})
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, tpTouched(t, db, "tp_users"), "only the parent whose rows changed")
		assert.Equal(t, []int64{1}, tpTouched(t, db, "tp_teams"))

		// pivot.Create writes the role (no touches of its own), then
		// attaches it: the user is touched in the same transaction.
		_, err = pivot.Create(ctx, db, tpUserRoles, user, tpRole{Name: "c"})
		require.NoError(t, err)
		assert.Equal(t, []int64{2}, tpTouched(t, db, "tp_users"))

		// A failing touch rolls the pivot write back.
		switch db.Name {
		case "postgres":
			db.MustExec(t, `alter table tp_users add constraint tp_old check (updated_at < '2001-01-01') not valid`)
		case "mysql": // MySQL's triggers fail a statement with SIGNAL
			db.MustExec(t, `create trigger tp_no_touch before update on tp_users for each row signal sqlstate '45000' set message_text = 'no touch'`)
		default:
			db.MustExec(t, `create trigger tp_no_touch before update on tp_users begin select raise(abort, 'no touch'); end`)
		}
		_, err = pivot.Detach(ctx, db, tpUserRoles, user, []int64{1})
		require.Error(t, err)
		_, err = pivot.Sync(ctx, db, tpUserRoles, user, []int64{2})
		require.Error(t, err)
		n, err = query.Related(tpUserRoles, user).Count(ctx, db)
		require.NoError(t, err)
		assert.EqualValues(t, 3, n, "the detach and the sync were rolled back")
	})
}

// Laravel: DatabaseEloquentBelongsToManyWithoutTouchingTest — touch() of
// a relation updates nothing inside Model::withoutTouching, and the scope
// ends with it (here: the context).
func TestPivotTouchWithoutTouching(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		createPivotTouchTables(t, db)
		ctx := context.Background()
		post := &tpPost{ID: 1}
		n, err := pivot.Touch(query.WithoutTouching(ctx), db, tpPostTags, post)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Zero(t, db.Counter.Count())
		n, err = query.Touch(query.WithoutTouching(ctx), db, tpPostTags, post)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Zero(t, db.Counter.Count())

		n, err = pivot.Touch(ctx, db, tpPostTags, post)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = query.Touch(ctx, db, tpPostTags, post)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, 2, db.Counter.Count())
		assert.Equal(t, []int64{1}, tpTouched(t, db, "tp_tags"))
	})
}

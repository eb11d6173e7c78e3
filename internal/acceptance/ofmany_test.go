package acceptance_test

// One-of-many relations (CONTRACT-ELOQUENT §16), after Laravel's
// tests/Database/DatabaseEloquentHasOneOfManyTest.php,
// DatabaseEloquentHasOneThroughOfManyTest.php and
// tests/Integration/Database/EloquentHasOneOfManyTest.php: reads, eager
// loads, existence and aggregates on every database, with statement
// counts, and the errors before any statement.

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type omUser struct {
	ID           int64      `db:"id"`
	LatestLogin  *omLogin   `db:"-"`
	FirstLogin   *omLogin   `db:"-"`
	Price        *omPrice   `db:"-"`
	FooState     *omState   `db:"-"`
	LatestILogin *omILogin  `db:"-"`
	Logins       []omLogin  `db:"-"`
	Prices       []omPrice  `db:"-"`
	States       []omState  `db:"-"`
	ILogins      []omILogin `db:"-"`

	LatestLoginCount  int64 `db:"latest_login_count,readonly"`
	FooStateExists    bool  `db:"foo_state_exists,readonly"`
	LatestILoginCount int64 `db:"latest_i_login_count,readonly"`
}

func (omUser) TableName() string { return "users" }

type omLogin struct {
	ID     int64 `db:"id"`
	UserID int64 `db:"user_id"`
}

func (omLogin) TableName() string { return "logins" }

type omPrice struct {
	ID          int64   `db:"id"`
	UserID      int64   `db:"user_id"`
	PublishedAt *string `db:"published_at"`
}

func (omPrice) TableName() string { return "prices" }

type omState struct {
	ID     int64  `db:"id"`
	UserID int64  `db:"user_id"`
	Type   string `db:"type"`
	State  string `db:"state"`
}

func (omState) TableName() string { return "states" }

type omIntermediate struct {
	ID     int64 `db:"id"`
	UserID int64 `db:"user_id"`
}

func (omIntermediate) TableName() string { return "intermediates" }

type omILogin struct {
	ID             int64 `db:"id"`
	IntermediateID int64 `db:"intermediate_id"`
}

func (omILogin) TableName() string { return "ilogins" }

var (
	omLogins      = rel.HasMany[omUser, omLogin]("user_id")
	omLatestLogin = rel.HasOne[omUser, omLogin]("user_id").LatestOfMany().Field("LatestLogin")
	omFirstLogin  = rel.HasOne[omUser, omLogin]("user_id").OfMany("id", rel.Min).Field("FirstLogin")
	// Laravel's price(): published_at, then id, among the published.
	omCurrentPrice = rel.HasOne[omUser, omPrice]("user_id").OfManyBy(
		[]rel.OfManyColumn{{Column: "published_at", Aggregate: rel.Max}, {Column: "id", Aggregate: rel.Max}}, sq.Expr("published_at < ?", "2100-01-01"))
	omFooState     = rel.HasOne[omUser, omState]("user_id").OfManyBy([]rel.OfManyColumn{{Column: "id", Aggregate: rel.Max}}, sq.Eq{"type": "foo"}).Field("FooState")
	omLatestILogin = rel.HasOneThrough[omUser, omIntermediate, omILogin]("user_id", "intermediate_id").LatestOfMany().Field("LatestILogin")
)

func omSchema(t *testing.T, db *testdb.DB) {
	db.MustExec(t,
		`create table users (id {{pk}})`,
		`create table logins (id {{pk}}, user_id bigint not null)`,
		`create table prices (id {{pk}}, user_id bigint not null, published_at text)`,
		`create table states (id {{pk}}, user_id bigint not null, type text not null, state text not null)`,
		`create table intermediates (id {{pk}}, user_id bigint not null)`,
		`create table ilogins (id {{pk}}, intermediate_id bigint not null)`,
	)
}

func TestOfManyRead(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		omSchema(t, db)
		db.MustExec(t, `insert into users (id) values (1), (2)`,
			`insert into logins (user_id) values (1), (1), (2)`)
		u := omUser{ID: 1}

		db.Counter.Reset()
		got, err := query.GetOne(ctx, db, omLatestLogin, &u)
		require.NoError(t, err)
		require.NotNil(t, got)
		assert.Equal(t, int64(2), got.ID, "latest login")
		assert.Equal(t, 1, db.Counter.Count(), db.Counter)

		first, err := query.GetOne(ctx, db, omFirstLogin, &u)
		require.NoError(t, err)
		require.NotNil(t, first)
		assert.Equal(t, int64(1), first.ID, "OfMany(id, Min)")

		// whereKey(previous): the chosen row is filtered, not re-chosen.
		none, err := query.Related(omLatestLogin, &u).Where(sq.Eq{"id": 1}).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, none)
		ok, err := query.Related(omLatestLogin, &u).Where(sq.Eq{"id": 2}).Exists(ctx, db)
		require.NoError(t, err)
		assert.True(t, ok)
		n, err := query.Related(omLatestLogin, &u).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "count of a one-of-many relation")

		// HasMany(...).One() converts (Laravel's hasMany()->one()).
		viaOne, err := query.GetOne(ctx, db, omLogins.One().LatestOfMany(), &u)
		require.NoError(t, err)
		require.NotNil(t, viaOne)
		assert.Equal(t, int64(2), viaOne.ID)

		// A create through the relation sets the foreign key; the new row is then the latest.
		l, err := query.Related(omLatestLogin, &u).Create(ctx, db, omLogin{})
		require.NoError(t, err)
		got, err = query.GetOne(ctx, db, omLatestLogin, &u)
		require.NoError(t, err)
		assert.Equal(t, l.ID, got.ID)
	})
}

func TestOfManyTieRules(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		omSchema(t, db)
		db.MustExec(t, `insert into users (id) values (1)`,
			`insert into prices (user_id, published_at) values (1, '2021-05-01 00:00:00'), (1, '2021-05-01 00:00:00'), (1, '2021-06-01 00:00:00'), (1, '2101-01-01 00:00:00')`)
		u := omUser{ID: 1}
		one := func(r rel.HasOneRelation[omUser, omPrice]) int64 {
			t.Helper()
			p, err := query.GetOne(ctx, db, r, &u)
			require.NoError(t, err)
			require.NotNil(t, p)
			return p.ID
		}
		base := rel.HasOne[omUser, omPrice]("user_id")
		assert.Equal(t, int64(3), one(omCurrentPrice), "the filter keeps the unpublished price out")
		assert.Equal(t, int64(4), one(base.LatestOfMany("published_at")))
		// DECISION 16.1 (Laravel parity): the shortcut breaks ties with
		// MAX(id), the string form with the column's own aggregate.
		assert.Equal(t, int64(2), one(base.OldestOfMany("published_at")), "OldestOfMany ties: max(id)")
		assert.Equal(t, int64(1), one(base.OfMany("published_at", rel.Min)), "OfMany(col, Min) ties: min(id)")
		// Key added when missing (testKeyIsAddedToAggregatesWhenMissing).
		assert.Equal(t, int64(2), one(base.OfManyBy([]rel.OfManyColumn{{Column: "published_at", Aggregate: rel.Min}})))
		assert.Equal(t, int64(4), one(base.LatestOfMany("published_at", "id")))

		// A NULL aggregate: the join fails, the parent gets nothing.
		db.MustExec(t, `insert into users (id) values (2)`, `insert into prices (user_id, published_at) values (2, null)`)
		p, err := query.GetOne(ctx, db, base.LatestOfMany("published_at"), &omUser{ID: 2})
		require.NoError(t, err)
		assert.Nil(t, p)
	})
}

func TestOfManyEager(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		omSchema(t, db)
		db.MustExec(t, `insert into users (id) values (1), (2), (3)`,
			`insert into logins (user_id) values (1), (1), (2), (2)`,
			`insert into prices (user_id, published_at) values (1, '2021-05-01 00:00:00'), (1, '2021-05-01 00:00:00'), (1, '2021-04-01 00:00:00'),
				(2, '2021-05-01 00:00:00'), (2, '2021-04-01 00:00:00')`,
			`insert into states (user_id, type, state) values (1, 'foo', 'draft'), (1, 'foo', 'active'), (1, 'bar', 'baz')`)
		users := []omUser{{ID: 1}, {ID: 2}, {ID: 3}}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, users, omLatestLogin, omCurrentPrice, omFooState))
		assert.Equal(t, 3, db.Counter.Count(), db.Counter)
		require.NotNil(t, users[0].LatestLogin)
		assert.Equal(t, int64(2), users[0].LatestLogin.ID)
		require.NotNil(t, users[1].LatestLogin)
		assert.Equal(t, int64(4), users[1].LatestLogin.ID)
		assert.Nil(t, users[2].LatestLogin)
		require.NotNil(t, users[0].Price)
		assert.Equal(t, int64(2), users[0].Price.ID)
		require.NotNil(t, users[1].Price)
		assert.Equal(t, int64(4), users[1].Price.ID)
		require.NotNil(t, users[0].FooState)
		assert.Equal(t, "active", users[0].FooState.State)
		assert.Nil(t, users[1].FooState)

		// Only the chosen rows are read (EloquentHasOneOfManyTest).
		rows, err := query.From[omLogin]().Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, rows, 4)

		// An eager constraint filters the chosen row.
		users = []omUser{{ID: 1}, {ID: 2}}
		require.NoError(t, load.With(ctx, db, users, load.Where(omLatestLogin, func(q *query.Query[omLogin]) *query.Query[omLogin] {
			return q.Where(sq.NotEq{"id": 2})
		})))
		assert.Nil(t, users[0].LatestLogin, "the latest login is filtered out, not replaced")
		require.NotNil(t, users[1].LatestLogin)
		assert.Equal(t, int64(4), users[1].LatestLogin.ID)
	})
}

func TestOfManyExistenceAndAggregates(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		omSchema(t, db)
		db.MustExec(t, `insert into users (id) values (1), (2)`,
			`insert into logins (user_id) values (1), (1)`,
			`insert into states (user_id, type, state) values (2, 'bar', 'x')`)

		found := func(id int64) bool {
			t.Helper()
			ok, err := query.From[omUser]().Where(query.WhereHas(omLatestLogin, func(q *query.Query[omLogin]) *query.Query[omLogin] {
				return q.Where(sq.Eq{"logins.id": id})
			})).Exists(ctx, db)
			require.NoError(t, err)
			return ok
		}
		assert.True(t, found(2), "whereHas on the latest login")
		assert.False(t, found(1), "whereHas on the previous login: not the chosen row")
		has, err := query.From[omUser]().Where(query.Has(omLatestLogin)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, has, 1)
		assert.Equal(t, int64(1), has[0].ID)

		db.Counter.Reset()
		users, err := query.From[omUser]().Apply(agg.WithCount(omLatestLogin), agg.WithExists(omFooState)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count(), db.Counter)
		require.Len(t, users, 2)
		assert.Equal(t, int64(1), users[0].LatestLoginCount, "withCount is 0 or 1")
		assert.Equal(t, int64(0), users[1].LatestLoginCount)
		assert.False(t, users[0].FooStateExists)
		assert.False(t, users[1].FooStateExists, "a bar state is not a foo state")

		db.MustExec(t, `insert into states (user_id, type, state) values (2, 'foo', 'bar')`)
		users = []omUser{{ID: 1}, {ID: 2}}
		db.Counter.Reset()
		require.NoError(t, agg.LoadCount(ctx, db, users, omLatestLogin))
		require.NoError(t, agg.Load(ctx, db, users, agg.WithExists(omFooState)))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter)
		assert.Equal(t, int64(1), users[0].LatestLoginCount)
		assert.Equal(t, int64(0), users[1].LatestLoginCount)
		assert.True(t, users[1].FooStateExists)
	})
}

func TestOfManyThrough(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		omSchema(t, db)
		db.MustExec(t, `insert into users (id) values (1), (2)`,
			`insert into intermediates (user_id) values (1), (1), (2)`,
			`insert into ilogins (intermediate_id) values (2), (1), (3)`)
		u := omUser{ID: 1}
		db.Counter.Reset()
		got, err := query.GetOne(ctx, db, omLatestILogin, &u)
		require.NoError(t, err)
		require.NotNil(t, got)
		assert.Equal(t, int64(2), got.ID)
		assert.Equal(t, 1, db.Counter.Count())
		none, err := query.Related(omLatestILogin, &u).Where(sq.Eq{"ilogins.id": 1}).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, none)

		users := []omUser{{ID: 1}, {ID: 2}}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, users, omLatestILogin))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter)
		require.NotNil(t, users[0].LatestILogin)
		assert.Equal(t, int64(2), users[0].LatestILogin.ID)
		require.NotNil(t, users[1].LatestILogin)
		assert.Equal(t, int64(3), users[1].LatestILogin.ID)

		ok, err := query.From[omUser]().Where(query.WhereHas(omLatestILogin, func(q *query.Query[omILogin]) *query.Query[omILogin] {
			return q.Where(sq.Eq{"ilogins.id": 1})
		})).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok, "whereHas on a login that is not the latest")
		counted, err := query.From[omUser]().Apply(agg.WithCount(omLatestILogin)).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), counted[0].LatestILoginCount, "withCount of a hasOneThrough of many is 0 or 1")
		assert.Equal(t, int64(1), counted[1].LatestILoginCount)
	})
}

func TestOfManyErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		omSchema(t, db)
		db.MustExec(t, `insert into users (id) values (1)`, `insert into logins (user_id) values (1)`)

		// A per-parent limit and one-of-many do not combine (§14, §16).
		db.Counter.Reset()
		err := load.With(ctx, db, []omUser{{ID: 1}}, load.Where(omLatestLogin, func(q *query.Query[omLogin]) *query.Query[omLogin] {
			return q.Limit(1)
		}))
		require.ErrorIs(t, err, query.ErrBadArgument)
		assert.Contains(t, err.Error(), "one-of-many")
		assert.Equal(t, 0, db.Counter.Count(), "refused before any statement")

		// Mass writes would lose the join and reach every related row.
		_, err = query.Related(omLatestLogin, &omUser{ID: 1}).DeleteAll(ctx, db)
		require.ErrorIs(t, err, query.ErrUnsupported)
		_, err = query.Related(omLatestLogin, &omUser{ID: 1}).UpdateAll(ctx, db, map[string]any{"user_id": 2})
		require.ErrorIs(t, err, query.ErrUnsupported)
		assert.Equal(t, 0, db.Counter.Count())
		n, err := query.From[omLogin]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)

		// An unsafe filter fails every use.
		bad := rel.HasOne[omUser, omLogin]("user_id").OfManyBy([]rel.OfManyColumn{{Column: "id", Aggregate: rel.Max}}, sq.Expr("1 = 1; drop table users"))
		_, err = query.GetOne(ctx, db, bad, &omUser{ID: 1})
		require.ErrorIs(t, err, sqlt.ErrUnsafeFragment)
	})
}

type omNode struct {
	ID       int64   `db:"id"`
	ParentID *int64  `db:"parent_id"`
	Latest   *omNode `db:"-"`

	LatestCount int64 `db:"latest_count,readonly"`
}

func (omNode) TableName() string { return "nodes" }

// A self-relation: the subquery reads the related table under a reserved
// alias, and the one-of-many join is on that alias.
func TestOfManySelfRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table nodes (id {{pk}}, parent_id bigint)`,
			`insert into nodes (parent_id) values (null), (1), (1), (2)`)
		latest := rel.HasOne[omNode, omNode]("parent_id").LatestOfMany().Field("Latest")
		nodes, err := query.From[omNode]().Where(query.WhereHas(latest, func(q *query.Query[omNode]) *query.Query[omNode] {
			return q.Where(sq.Eq{"id": 3})
		})).Apply(agg.WithCount(latest)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, nodes, 1)
		assert.Equal(t, int64(1), nodes[0].ID)
		assert.Equal(t, int64(1), nodes[0].LatestCount)
		assert.Contains(t, db.Counter.Statements()[0], `"relkit_of_many"."id_aggregate" = "relkit_reserved_0"."id"`)
	})
}

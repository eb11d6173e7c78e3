package render_test

import (
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestKeyColumnIsTheRelatedColumnHoldingTheParentKey(t *testing.T) {
	assert.Equal(t, "[phones].[user_id]", text(render.KeyColumn(hasOne, "phones")), "hasOne: the foreign key")
	assert.Equal(t, "[posts].[user_id]", text(render.KeyColumn(hasMany, "posts")), "hasMany: the foreign key")
	assert.Equal(t, "[users].[id]", text(render.KeyColumn(belongsTo, "users")), "belongsTo: the owner key")
	assert.Equal(t, "[role_user].[user_id]", text(render.KeyColumn(belongsToMany, "roles")), "belongsToMany: the foreign pivot key")
	assert.Equal(t, "[a].[user_id]", text(render.KeyColumn(hasMany, "a")), "the related table is named as the statement knows it")
}

func TestSubqueryCorrelationTiesTheRelatedSideToTheParent(t *testing.T) {
	for _, c := range []struct {
		m     *relmeta.Meta
		outer string
		want  string
	}{
		{hasOne, "users", "[users].[id] = [phones].[user_id]"},
		{hasMany, "users", "[users].[id] = [posts].[user_id]"},
		{belongsTo, "posts", "[posts].[user_id] = [users].[id]"},
		{belongsToMany, "users", "[users].[id] = [role_user].[user_id]"},
		{hasManyThrough, "countries", "[countries].[id] = [users].[country_id]"},
	} {
		var alias render.Alias
		side, err := render.SideOf(c.m, c.outer, &alias, nil)
		require.NoError(t, err)
		sub := side.Subquery(c.m, c.outer, "*")
		q, _ := sqlOf(t, &sub)
		assert.Contains(t, q, " where "+c.want, c.m.Kind)
	}
}

func TestThroughLevelJoinsTheThroughTable(t *testing.T) {
	m := hasManyThrough
	assert.Equal(t, "[users].[country_id]", text(render.KeyColumn(m, "posts")), "the through table's first key: the partition column of a per-parent limit")
	key := sq.Expr(render.KeyColumn(m, "posts")+" = ?", 1)
	lazy := render.Level(m, false, key)
	lazy.Columns = []string{"[posts].*"}
	q, _ := sqlOf(t, &lazy)
	assert.Equal(t, "select [posts].* from [posts] inner join [users] on [users].[id] = [posts].[user_id] where [users].[country_id] = ?", q,
		"a relation query reads C alone (DECISION 15.1)")
	eager := render.Level(m, true, key)
	eager.Columns = lazy.Columns
	q, _ = sqlOf(t, &eager)
	assert.Equal(t, "select [posts].*, [users].[country_id] as [relkit_through_key] from [posts] inner join [users] on [users].[id] = [posts].[user_id] where [users].[country_id] = ?", q,
		"an eager load reads the through key")
}

func TestThroughSubqueryAliasesTheTableThatIsTheParents(t *testing.T) {
	var alias render.Alias
	self := relmeta.Of(th.UserTeamMates)
	side, err := render.SideOf(self, "users", &alias, nil)
	require.NoError(t, err)
	sub := side.Subquery(self, "users", "*")
	q, _ := sqlOf(t, &sub)
	assert.Equal(t, "select * from [users] as [relkit_reserved_0] join [teams] on [teams].[id] = [relkit_reserved_0].[team_id] where [users].[id] = [teams].[owner_id]", q,
		"related table = parent table")

	via := relmeta.Of(th.CategorySubProducts)
	side, err = render.SideOf(via, "categories", &alias, nil)
	require.NoError(t, err)
	sub = side.Subquery(via, "categories", "*")
	q, _ = sqlOf(t, &sub)
	assert.Equal(t, "select * from [products] join [categories] as [relkit_reserved_1] on [relkit_reserved_1].[id] = [products].[category_id] where [categories].[id] = [relkit_reserved_1].[parent_id]", q,
		"through table = parent table")
	assert.Equal(t, "[relkit_reserved_1].[parent_id]", text(side.Key))
}

func TestPivotJoinSelectsAndOrders(t *testing.T) {
	m := belongsToMany
	assert.Equal(t, "inner join [role_user] on [roles].[id] = [role_user].[role_id]", text(render.PivotJoin(m, "inner join", "roles")))
	assert.Equal(t, "join [role_user] on [r].[id] = [role_user].[role_id]", text(render.PivotJoin(m, "join", "r")))
	assert.Equal(t, "[roles].[id] = [role_user].[role_id]", text(render.PivotOn(m, "roles")))

	var sel []string
	for _, s := range render.PivotSelects(m) {
		q, args := sqlOf(t, s)
		assert.Empty(t, args)
		sel = append(sel, q)
	}
	assert.Equal(t, []string{
		"[role_user].[user_id] as [pivot_user_id]",
		"[role_user].[role_id] as [pivot_role_id]",
		"[role_user].[active] as [pivot_active]",
	}, sel, "the two keys, then WithPivot columns")

	sel = nil
	for _, s := range render.PivotSelects(relmeta.Of(fixture.UserPodcasts)) {
		q, _ := sqlOf(t, s)
		sel = append(sel, q)
	}
	assert.Equal(t, []string{
		"[podcast_user].[user_id] as [pivot_user_id]",
		"[podcast_user].[podcast_id] as [pivot_podcast_id]",
		"[podcast_user].[created_at] as [pivot_created_at]",
		"[podcast_user].[updated_at] as [pivot_updated_at]",
	}, sel, "WithTimestamps reads the timestamp columns")

	assert.Empty(t, render.PivotOrders(m))
	ordered := relmeta.Of(rel.BelongsToMany[fixture.User, fixture.Role]().OrderByPivot("active", "desc").OrderByPivot("role_id"))
	var ord []string
	for _, o := range render.PivotOrders(ordered) {
		q, _ := sqlOf(t, o)
		ord = append(ord, q)
	}
	assert.Equal(t, []string{"[role_user].[active] desc", "[role_user].[role_id] asc"}, ord)
}

func TestCondsAreTheWhereConstraintsThenThePivotFilters(t *testing.T) {
	m := relmeta.Of(rel.BelongsToMany[fixture.User, fixture.Role]().WherePivot("active", true).Where(sq.Expr("name <> ?", "x")))
	q, args := sqlOf(t, render.And(render.Conds(m, m.Related.Table)))
	assert.Equal(t, "name <> ? and ([role_user].[active] = ?)", q)
	assert.Equal(t, []any{"x", true}, args)
	assert.Empty(t, render.Conds(hasMany, hasMany.Related.Table))
}

func TestLevelOrdersTheKeyAsLaravelDoes(t *testing.T) {
	m := relmeta.Of(rel.BelongsToMany[fixture.User, fixture.Role]().WherePivot("active", true).Where(sq.Expr("name <> ?", "x")))
	key := sq.Expr(render.KeyColumn(m, "roles")+" = ?", 1)

	lazy := render.Level(m, false, key)
	lazy.Columns = []string{sqltext.Qualified("roles", "id")}
	q, args := sqlOf(t, &lazy)
	assert.Equal(t, "select [roles].[id], [role_user].[user_id] as [pivot_user_id], [role_user].[role_id] as [pivot_role_id]"+
		" from [roles] inner join [role_user] on [roles].[id] = [role_user].[role_id]"+
		" where [role_user].[user_id] = ? and name <> ? and ([role_user].[active] = ?)", q,
		"a relation query: the parent's key first")
	assert.Equal(t, []any{1, "x", true}, args)

	eager := render.Level(m, true, key)
	eager.Columns = lazy.Columns
	q, args = sqlOf(t, &eager)
	assert.Contains(t, q, " where name <> ? and [role_user].[user_id] = ? and ([role_user].[active] = ?)",
		"an eager load: the relation's Where constraints, the key, then the pivot filters")
	assert.Equal(t, []any{"x", 1, true}, args)

	plain := render.Level(hasMany, false)
	plain.Columns = []string{"*"}
	q, _ = sqlOf(t, &plain)
	assert.Equal(t, "select * from [posts]", q, "no pivot join, no conditions outside belongsToMany")
}

func TestSelfRelationSubqueryReadsTheTableUnderAReservedAlias(t *testing.T) {
	m := relmeta.Of(nodeChildren)
	var alias render.Alias
	side, err := render.SideOf(m, "nodes", &alias, nil)
	require.NoError(t, err)
	assert.Equal(t, render.ReservedAlias+"0", side.Name)
	assert.Equal(t, "[nodes] as [relkit_reserved_0]", text(side.From))
	sub := side.Subquery(m, "nodes", "count(*)")
	q, _ := sqlOf(t, &sub)
	assert.Equal(t, "select count(*) from [nodes] as [relkit_reserved_0] where [nodes].[id] = [relkit_reserved_0].[parent_id]", q)

	second, err := render.SideOf(m, "nodes", &alias, nil)
	require.NoError(t, err)
	assert.Equal(t, "relkit_reserved_1", second.Name, "each subquery of a statement takes the next alias")
	assert.Equal(t, render.Alias(2), alias)

	other, err := render.SideOf(hasMany, "users", &alias, nil)
	require.NoError(t, err)
	assert.Equal(t, "posts", other.Name, "another table keeps its name")
	assert.Equal(t, "[posts]", text(other.From))
	assert.Equal(t, render.Alias(2), alias)

	own, err := render.SideOf(m, "", &alias, nil)
	require.NoError(t, err)
	assert.Equal(t, "nodes", own.Name, "a statement of its own needs no alias")
}

func TestSideOfAddsTheConstraintAfterTheRelationsConditions(t *testing.T) {
	m := relmeta.Of(rel.BelongsToMany[fixture.User, fixture.Role]().WherePivot("active", true))
	cons := render.Narrow(query.From[fixture.Role], func(q *query.Query[fixture.Role]) *query.Query[fixture.Role] {
		return q.Where(sq.Eq{"name": "admin"})
	})
	var alias render.Alias
	side, err := render.SideOf(m, "users", &alias, cons)
	require.NoError(t, err)
	sub := side.Subquery(m, "users", "*", sq.Expr("1 = 1"))
	q, args := sqlOf(t, &sub)
	assert.Equal(t, "select * from [roles] join [role_user] on [roles].[id] = [role_user].[role_id]"+
		" where [users].[id] = [role_user].[user_id] and ([role_user].[active] = ?) and name = ? and 1 = 1", q)
	assert.Equal(t, []any{true, "admin"}, args)

	assert.Nil(t, render.Narrow[*query.Query[fixture.Role]](query.From[fixture.Role], nil), "no function, no constraint")
}

func TestCheckRefusesARelationThatCannotBeRendered(t *testing.T) {
	require.ErrorIs(t, render.Check(nil), sqlt.ErrNilValue)

	bad := relmeta.Of(rel.HasMany[fixture.User, int]())
	require.Error(t, bad.Err())
	assert.Equal(t, bad.Err(), render.Check(bad), "a declaration error is returned as declared")

	require.ErrorIs(t, render.Check(&relmeta.Meta{Name: "ghost"}), rel.ErrBadRelation, "not declared")
	assert.NoError(t, render.Check(hasMany))
}

// The level of each kind of relation, as relation queries (one parent's
// key) and eager loads (a list of keys) read it, returns the related rows.
func TestLevelReadsTheRelatedRowsOfEachKind(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fixture.Seed(t, db)
		for _, c := range []struct {
			kind   string
			m      *relmeta.Meta
			parent int64 // the parent's key
			want   []int64
			eager  []int64 // rows of parents ann and bob
		}{
			{"hasOne", hasOne, 1, []int64{1}, []int64{1, 2}},
			{"hasMany", hasMany, 1, []int64{1, 2}, []int64{1, 2, 3}},
			{"belongsTo", belongsTo, 2, []int64{2}, []int64{1, 2}},
			{"belongsToMany", belongsToMany, 1, []int64{1, 2}, []int64{1, 2, 3}},
		} {
			t.Run(c.kind, func(t *testing.T) {
				table := c.m.Related.Table
				id := sqltext.Qualified(table, "id")
				lazy := render.Level(c.m, false, sq.Expr(render.KeyColumn(c.m, table)+" = ?", c.parent))
				lazy.Columns = []string{id}
				lazy.OrderBy = append(lazy.OrderBy, sq.Expr(id))
				assert.Equal(t, c.want, ids(t, db, &lazy))

				in, args := db.Dialect().KeyList(render.KeyColumn(c.m, table), []any{int64(1), int64(2)})
				eager := render.Level(c.m, true, sq.Expr(in, args...))
				eager.Columns = []string{id}
				eager.OrderBy = append(eager.OrderBy, sq.Expr(id))
				assert.Equal(t, c.eager, ids(t, db, &eager))
			})
		}
	})
}

// The related side of each kind, as an existence subquery correlated to
// the parent table, finds the parents that have related rows.
func TestSubqueryFindsTheParentsOfEachKind(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		fixture.Seed(t, db)
		db.MustExec(t, `create table nodes (id {{pk}}, parent_id bigint references nodes(id))`,
			`insert into nodes (parent_id) values (null), (1), (1), (2)`)
		for _, c := range []struct {
			kind string
			m    *relmeta.Meta
			want []int64
		}{
			{"hasOne", hasOne, []int64{1, 2}},
			{"hasMany", hasMany, []int64{1, 2}},
			{"belongsTo", belongsTo, []int64{1, 2, 3}},
			{"belongsToMany", belongsToMany, []int64{1, 2}},
			{"self", relmeta.Of(nodeChildren), []int64{1, 2}},
		} {
			t.Run(c.kind, func(t *testing.T) {
				outer := c.m.Parent.Table
				var alias render.Alias
				side, err := render.SideOf(c.m, outer, &alias, nil)
				require.NoError(t, err)
				sub := side.Subquery(c.m, outer, "*")
				exists, args, err := sub.ToSql()
				require.NoError(t, err)
				id := sqltext.Qualified(outer, "id")
				s := render.Select{Columns: []string{id}, From: sqltext.Ident(outer),
					Where: sq.Expr("exists ("+exists+")", args...), OrderBy: []sq.Sqlizer{sq.Expr(id)}}
				assert.Equal(t, c.want, ids(t, db, &s))
			})
		}
	})
}

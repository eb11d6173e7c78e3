package render_test

import (
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestTouchHops(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	d := sqlt.SQLite

	// First hop: the keys of the rows written (several: the dialect's list).
	phoneUser := relmeta.Of(rel.BelongsTo[fixture.Phone, fixture.User]())
	q, args, next, err := render.Touch(phoneUser, "updated_at", at, render.OwnerKeys(d, []any{int64(1), int64(2)}))
	require.NoError(t, err)
	assert.Equal(t, `update "users" set "updated_at" = ? where "users"."id" in (?, ?)`, d.Rebind(q))
	assert.Equal(t, []any{at, int64(1), int64(2)}, args)

	// Second hop, belongsToMany: the rows of the first by a subquery; the
	// pivot filter applies, the relation's Where does not (Laravel's touch
	// selects the related keys through the pivot only).
	roles := relmeta.Of(rel.BelongsToMany[fixture.User, fixture.Role]().WherePivot("active", true).Where(sq.Expr("name <> ?", "x")))
	q, args, _, err = render.Touch(roles, "updated_at", at, next)
	require.NoError(t, err)
	assert.Equal(t, `update "roles" set "updated_at" = ? where "roles"."id" in (select "role_user"."role_id" from "role_user" where "role_user"."user_id" in `+
		`(select "users"."id" from "users" where "users"."id" in (?, ?)) and ("role_user"."active" = ?))`, d.Rebind(q))
	assert.Equal(t, []any{at, int64(1), int64(2), true}, args)

	// hasMany with a constraint: the relation's Where applies.
	posts := relmeta.Of(rel.HasMany[fixture.User, fixture.Post]().Where(sq.Or{sq.Eq{"votes": 1}, sq.Eq{"votes": 2}}))
	q, args, _, err = render.Touch(posts, "updated_at", at, render.OwnerKeys(d, []any{int64(7)}))
	require.NoError(t, err)
	assert.Equal(t, `update "posts" set "updated_at" = ? where "posts"."user_id" = ? and (votes = ? OR votes = ?)`, d.Rebind(q))
	assert.Equal(t, []any{at, int64(7), 1, 2}, args)

	// Through relations have no single table to update.
	_, _, _, err = render.Touch(relmeta.Of(th.CountryPosts), "updated_at", at, render.OwnerKeys(d, []any{int64(1)}))
	require.ErrorIs(t, err, render.ErrUnsupported)
}

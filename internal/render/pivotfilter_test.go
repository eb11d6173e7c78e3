package render_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/rel"
)

func TestPivotFilterJoinsTheFiltersInOrderInParentheses(t *testing.T) {
	roles := rel.BelongsToMany[fixture.User, fixture.Role]
	for _, c := range []struct {
		name string
		r    rel.BelongsToManyRelation[fixture.User, fixture.Role]
		want string
		args []any
	}{
		{"value", roles().WherePivot("active", true), "([role_user].[active] = ?)", []any{true}},
		{"operator", roles().WherePivot("role_id", ">", 1), "([role_user].[role_id] > ?)", []any{1}},
		{"nil is null", roles().WherePivot("active", nil), "([role_user].[active] is null)", nil},
		{"<> nil is not null", roles().WherePivot("active", "<>", nil), "([role_user].[active] is not null)", nil},
		{"null", roles().WherePivotNull("active"), "([role_user].[active] is null)", nil},
		{"not null", roles().WherePivotNotNull("active"), "([role_user].[active] is not null)", nil},
		{"between", roles().WherePivotBetween("role_id", 1, 3), "([role_user].[role_id] between ? and ?)", []any{1, 3}},
		{"not between", roles().WherePivotNotBetween("role_id", 1, 3), "([role_user].[role_id] not between ? and ?)", []any{1, 3}},
		{"in", roles().WherePivotIn("role_id", 1, 2), "([role_user].[role_id] in (?, ?))", []any{1, 2}},
		{"empty in", roles().WherePivotIn("role_id"), "(1 = 0)", nil},
		{"empty not in", roles().WherePivotNotIn("role_id"), "(1 = 1)", nil},
		{"and, or", roles().WherePivot("active", true).OrWherePivot("role_id", 1).WherePivotNotNull("user_id"),
			"([role_user].[active] = ? or [role_user].[role_id] = ? and [role_user].[user_id] is not null)", []any{true, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, args := sqlOf(t, render.PivotFilter(relmeta.Of(c.r)))
			assert.Equal(t, c.want, q)
			assert.Equal(t, c.args, args)
		})
	}
	assert.Nil(t, render.PivotFilter(belongsToMany), "no filter, no condition")
}

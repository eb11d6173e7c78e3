package render_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/render"
)

type membership struct {
	Active bool  `db:"active"`
	RoleID int64 `db:"role_id"`
}

func TestSetPivotFillsAMapAStructOrAPointer(t *testing.T) {
	cols := []string{"pivot_active", "pivot_role_id", "pivot_unknown"}
	vals := []any{true, int64(2), "x"}

	var m map[string]any
	require.NoError(t, render.SetPivot(reflect.ValueOf(&m).Elem(), cols, vals))
	assert.Equal(t, map[string]any{"active": true, "role_id": int64(2), "unknown": "x"}, m)

	var s membership
	require.NoError(t, render.SetPivot(reflect.ValueOf(&s).Elem(), cols, vals))
	assert.Equal(t, membership{Active: true, RoleID: 2}, s, "columns matched by name, unknown ones ignored")

	var p *membership
	require.NoError(t, render.SetPivot(reflect.ValueOf(&p).Elem(), cols, vals))
	require.NotNil(t, p)
	assert.Equal(t, membership{Active: true, RoleID: 2}, *p)

	var ints map[string]int
	err := render.SetPivot(reflect.ValueOf(&ints).Elem(), []string{"pivot_name"}, []any{"admin"})
	require.ErrorIs(t, err, render.ErrBadArgument, "a value that does not convert")
}

package sqltext

import (
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckSqlizerChecksThePartsOfACompositeCondition(t *testing.T) {
	// sq.And's own parentheses balance "a = 1) or (b = 1": its part does not.
	and := sq.And{sq.Expr("a = 1) or (b = 1"), sq.Eq{"c": 2}}
	s, _, err := and.ToSql()
	require.NoError(t, err)
	require.NoError(t, CheckFragment(s), "the whole is balanced: %s", s)
	assert.ErrorIs(t, CheckSqlizer(and), ErrUnsafeFragment)
	assert.ErrorIs(t, CheckSqlizer(sq.Or{sq.Eq{"a": 1}, sq.And{sq.Expr("b --")}}), ErrUnsafeFragment)
	assert.ErrorIs(t, CheckSqlizer(sq.Eq{"a = 1) or (b": 1, "c": 2}), ErrUnsafeFragment, "a map condition's column names")
	assert.ErrorIs(t, CheckSqlizer(sq.And{sq.Eq{"a": 1}, nil}), ErrNilValue)
	assert.NoError(t, CheckSqlizer(sq.And{sq.Eq{"a": 1}, sq.Expr("b = '--'")}))
}

package sqlt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/relkit/relkit/sqlt"
)

func TestRebind(t *testing.T) {
	assert.Equal(t, `select $1, '?', "a?" from t where x = $2`, sqlt.Postgres.Rebind(`select ?, '?', "a?" from t where x = ?`))
}

package schema_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/schema"
	"github.com/relkit/relkit/internal/sqltext"
)

type Base struct {
	ID        int64     `db:"id"`
	CreatedAt time.Time `db:"created_at"`
}

type Gadget struct {
	Base
	Name    string
	Price   float64
	Note    sql.NullString
	Owner   *string `db:"owner_name"`
	Blob    []byte
	Active  bool
	Parts   []Gadget `db:"-"`
	Ignored string   `db:"-"`
	hidden  int
}

func TestModelMapping(t *testing.T) {
	m, err := schema.ModelFor[Gadget]()
	require.NoError(t, err)
	assert.Equal(t, "gadgets", m.Table)
	var cols []string
	for _, f := range m.Fields {
		cols = append(cols, f.Column)
	}
	assert.Equal(t, []string{"id", "created_at", "name", "price", "note", "owner_name", "blob", "active"}, cols)
	require.NotNil(t, m.PK)
	assert.Equal(t, "id", m.PK.Column)
	require.NotNil(t, m.CreatedAt)
	assert.Nil(t, m.UpdatedAt)

	m2, err := schema.ModelFor[*Gadget]()
	require.NoError(t, err)
	assert.Same(t, m, m2, "the mapping is computed once per type")

	_, err = schema.ModelFor[int]()
	assert.ErrorIs(t, err, schema.ErrNotStruct)

	_, err = m.CheckColumn("id; drop table gadgets")
	assert.ErrorIs(t, err, sqltext.ErrInvalidIdentifier)
	_, err = m.CheckColumn("nope")
	assert.ErrorIs(t, err, schema.ErrUnknownColumn)
	c, err := m.CheckColumn("gadgets.name")
	require.NoError(t, err)
	assert.Equal(t, "name", c)
}

type qualifiedAccount struct {
	ID int64 `db:"id"`
}

func (qualifiedAccount) TableName() string { return "app.accounts" }

func TestSchemaQualifiedTableNameIsRefused(t *testing.T) {
	_, err := schema.ModelFor[qualifiedAccount]()
	require.ErrorIs(t, err, sqltext.ErrInvalidIdentifier)
	assert.Contains(t, err.Error(), "schema-qualified")
}

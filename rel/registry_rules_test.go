package rel_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
)

type regShip struct {
	ID    int64       `db:"id"`
	Crew  []regSailor `db:"-"`
	Cargo []regCrate  `db:"-"`
}

type regSailor struct {
	ID        int64 `db:"id"`
	RegShipID int64 `db:"reg_ship_id"`
	MateOf    int64 `db:"mate_of"`
}

type regCrate struct {
	ID        int64 `db:"id"`
	RegShipID int64 `db:"reg_ship_id"`
}

// declareCrew is the same declaration, run at package level and in a test.
func declareCrew() rel.HasManyRelation[regShip, regSailor] {
	return rel.HasMany[regShip, regSailor]().Named("crew")
}

var regCrew = declareCrew()

// The registry does not depend on where a declaration runs: made in a
// function, a declaration registers exactly as at package level, and
// making it again is not a conflict.
func TestRegistryDeclarationPlaceDoesNotMatter(t *testing.T) {
	ship := reflect.TypeFor[regShip]()
	inFunc := declareCrew()
	got, err := rel.Lookup(ship, "crew")
	require.NoError(t, err)
	assert.Equal(t, relmeta.Of(regCrew).ForeignKey, relmeta.Of(got).ForeignKey)
	assert.Same(t, relmeta.Of(regCrew), relmeta.Of(got), "the first of two equal declarations is kept")
	require.NoError(t, relmeta.Of(inFunc).Err())

	// A relation declared only in a function is found by name like one
	// declared at package level.
	cargo := rel.HasMany[regShip, regCrate]().Named("hold")
	got, err = rel.Lookup(ship, "hold")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(cargo), relmeta.Of(got))
	got, err = rel.Lookup(ship, "cargo")
	require.NoError(t, err, "the constructor registered the default name")
	assert.Equal(t, "reg_ship_id", relmeta.Of(got).ForeignKey)
}

type regFeud struct {
	ID       int64        `db:"id"`
	Grudges  []regGrudge  `db:"-"`
	Quarrels []regQuarrel `db:"-"`
}

type regGrudge struct {
	ID        int64 `db:"id"`
	RegFeudID int64 `db:"reg_feud_id"`
	OtherID   int64 `db:"other_id"`
}

type regQuarrel struct {
	ID        int64 `db:"id"`
	RegFeudID int64 `db:"reg_feud_id"`
	OtherID   int64 `db:"other_id"`
}

var (
	regGrudges      = rel.HasMany[regFeud, regGrudge]()
	regOtherGrudges = rel.HasMany[regFeud, regGrudge]("other_id")
	regQuarrels     = rel.HasMany[regFeud, regQuarrel]()
	regByOther      = rel.HasMany[regFeud, regQuarrel]("other_id").Named("quarrels_by_other")
)

// Two different relations under one name are a declaration error, from
// every lookup of the name and from Check; a relation renamed with Named
// does not compete for the default name its constructor gave it.
func TestRegistryNameConflict(t *testing.T) {
	feud := reflect.TypeFor[regFeud]()
	require.NoError(t, relmeta.Of(regGrudges).Err())
	require.NoError(t, relmeta.Of(regOtherGrudges).Err())
	_, err := rel.Lookup(feud, "grudges")
	require.ErrorIs(t, err, rel.ErrNameConflict)
	assert.Contains(t, err.Error(), "regFeud.grudges")
	assert.Contains(t, err.Error(), "other_id")
	_, err = rel.ParsePath(feud, "grudges")
	assert.ErrorIs(t, err, rel.ErrNameConflict)

	err = rel.Check()
	require.ErrorIs(t, err, rel.ErrNameConflict)
	assert.Contains(t, err.Error(), "regFeud.grudges")

	got, err := rel.Lookup(feud, "quarrels")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(regQuarrels), relmeta.Of(got))
	got, err = rel.Lookup(feud, "quarrels_by_other")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(regByOther), relmeta.Of(got))
	assert.NotContains(t, rel.Check().Error(), "regFeud.quarrels")
}

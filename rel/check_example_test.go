package rel_test

import (
	"errors"
	"fmt"

	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type Crew struct {
	ID      int64    `db:"id"`
	Sailors []Sailor `db:"-"`
}

type Sailor struct {
	ID     int64 `db:"id"`
	CrewID int64 `db:"crew_id"`
}

// A typo in a key column: the declaration compiles, and would fail only
// when first used.
var teamSailors = rel.HasMany[Crew, Sailor]("crwe_id")

// Check, called with no argument in a test, reports every relation the
// program declares; here it is given one.
func ExampleCheck() {
	err := rel.Check(teamSailors)
	fmt.Println(errors.Is(err, sqlt.ErrUnknownColumn))
	fmt.Println(err)
	// Output:
	// true
	// hasMany Crew.sailors → Sailor: declare hasMany Crew → Sailor: key column: relkit: unknown column "crwe_id" for rel_test.Sailor
}

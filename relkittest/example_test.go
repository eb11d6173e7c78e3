package relkittest_test

import (
	"testing"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/relkittest"
	"github.com/relkit/relkit/sqlt"
)

var testDB *sqlt.DB

type Author struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// A service test asserting that the code under test reads no relation
// N+1: the test fails at its end if it does.
func ExampleNoRepeats() {
	_ = func(t *testing.T) {
		ctx, db := relkittest.NoRepeats(t, testDB)
		_, err := query.From[Author]().Get(ctx, db) // the handler under test
		if err != nil {
			t.Fatal(err)
		}
	}
}

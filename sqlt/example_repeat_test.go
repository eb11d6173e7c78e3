package sqlt_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/relkit/relkit/sqlt"
)

// A RepeatGuard with AllSelects counts the same SELECT run for several
// argument lists in one scope: a lookup in a loop. (Relation reads of
// package query are counted by relation and parent without AllSelects.)
func ExampleNewRepeatGuard() {
	ctx := context.Background()
	base, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer base.Close()
	g := sqlt.NewRepeatGuard(sqlt.RepeatOptions{AllSelects: true})
	db := base.WithHook(g)

	ctx, scope := g.Scope(ctx)
	for _, id := range []int{1, 2, 3} {
		rows, err := db.Query(ctx, "select ? * 10", id)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := sqlt.ScanOne[int64](rows); err != nil {
			log.Fatal(err)
		}
	}
	err = scope.Close()
	fmt.Println(errors.Is(err, sqlt.ErrRepeatedQuery))
	fmt.Println(err)
	fmt.Println(scope.Close())
	// Output:
	// true
	// relkit: N+1: statement run with 3 distinct argument lists in one scope (max 1): select ? * 10
	// close repeat guard scope: relkit: repeat guard scope already closed
}

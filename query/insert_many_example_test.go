package query_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// InsertMany takes the rows as a []T and stores each generated key into
// the caller's element; InsertManyPtrs does the same for a []*T, such as
// the rows a JSON request decodes into. A slice of another type does not
// compile.
func ExampleQuery_InsertMany() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `create table stock (id integer primary key, sku text not null unique, qty bigint not null)`); err != nil {
		panic(err)
	}
	stock := query.From[Stock]()

	rows := []Stock{{SKU: "pen", Qty: 1}, {SKU: "ink", Qty: 5}}
	if err := stock.InsertMany(ctx, db, rows); err != nil {
		panic(err)
	}
	fmt.Println(rows)

	var body []*Stock
	if err := json.Unmarshal([]byte(`[{"SKU": "cap", "Qty": 2}]`), &body); err != nil {
		panic(err)
	}
	if err := stock.InsertManyPtrs(ctx, db, body); err != nil {
		panic(err)
	}
	fmt.Println(*body[0])

	err = stock.InsertManyPtrs(ctx, db, []*Stock{{SKU: "nib"}, nil})
	fmt.Println(err)
	// Output:
	// [{1 pen 1} {2 ink 5}]
	// {3 cap 2}
	// insert many stock: row 1 is a nil pointer: relkit: nil value
}

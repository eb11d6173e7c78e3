package query_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

type Stock struct {
	ID  int64  `db:"id"`
	SKU string `db:"sku"`
	Qty int64  `db:"qty"`
}

func (Stock) TableName() string { return "stock" }

// UpsertMany writes a whole price list in one statement per batch: rows
// whose SKU exists update its quantity, the others are inserted, and each
// row gets the key of its database row.
func ExampleQuery_UpsertMany() {
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
	if err := stock.Insert(ctx, db, &Stock{SKU: "pen", Qty: 1}); err != nil {
		panic(err)
	}

	rows := []Stock{{SKU: "ink", Qty: 5}, {SKU: "pen", Qty: 7}}
	if err := stock.UpsertMany(ctx, db, rows, []string{"sku"}, "qty"); err != nil {
		panic(err)
	}
	fmt.Println(rows)

	err = stock.UpsertMany(ctx, db, []Stock{{SKU: "pen"}, {SKU: "pen"}}, []string{"sku"})
	fmt.Println(err)
	// Output:
	// [{2 ink 5} {1 pen 7}]
	// upsert many stock: rows 0 and 1 have the same sku: one statement cannot update a row twice (merge them first): relkit: bad argument
}

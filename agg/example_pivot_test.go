package agg_test

import (
	"context"
	"fmt"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type Order struct {
	ID    int64  `db:"id"`
	Ref   string `db:"ref"`
	Items int64  `db:"items,readonly"`
	Spent int64  `db:"spent,readonly"`
}

type Product struct {
	ID    int64 `db:"id"`
	Price int64 `db:"price"`
}

var OrderItems = rel.BelongsToMany[Order, Product]("order_product").Named("products")

// A pivot column, qualified with the pivot table, in an aggregate of a
// belongsToMany relation: the select-column form and the deferred one.
func ExampleWithSum_pivotColumn() {
	ctx := context.Background()
	db, err := sqlt.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	for _, s := range []string{
		`create table orders (id integer primary key, ref text not null)`,
		`create table products (id integer primary key, price bigint not null)`,
		`create table order_product (order_id bigint not null, product_id bigint not null, quantity bigint not null)`,
		`insert into orders (ref) values ('a'), ('b')`,
		`insert into products (price) values (5), (20)`,
		`insert into order_product values (1, 1, 5), (1, 2, 7), (2, 2, 1)`,
	} {
		if _, err := db.Exec(ctx, s); err != nil {
			panic(err)
		}
	}
	// Without As the alias is Laravel's: products_sum_order_productquantity.
	fmt.Println(agg.WithSum(OrderItems, "order_product.quantity").Alias())
	orders, err := query.From[Order]().Apply(
		agg.WithSum(OrderItems, "order_product.quantity").As("items"),
	).OrderBy("id").Get(ctx, db)
	if err != nil {
		panic(err)
	}
	if err := agg.Load(ctx, db, orders, agg.SumOf[Order]("products as spent", "products.price")); err != nil {
		panic(err)
	}
	for _, o := range orders {
		fmt.Println(o.Ref, o.Items, o.Spent)
	}
	// Output:
	// products_sum_order_productquantity
	// a 12 25
	// b 1 20
}

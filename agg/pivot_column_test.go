package agg_test

// Aggregates over pivot columns and qualified related columns
// (CONTRACT-ELOQUENT §21), mirroring Laravel's
// tests/Database/DatabaseEloquentBelongsToManyAggregateTest.php.

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type aggOrder struct {
	ID    int64  `db:"id"`
	Ref   string `db:"ref"`
	Total int64  `db:"total_products,readonly"`
	// Laravel's default alias of withSum('products', 'order_product.quantity').
	ProductsSumQuantity int64    `db:"products_sum_order_productquantity,readonly"`
	MaxQuantity         *int64   `db:"products_max_order_productquantity,readonly"`
	AvgQuantity         *float64 `db:"products_avg_order_productquantity,readonly"`
	PriceSum            int64    `db:"products_sum_productsprice,readonly"`
}

func (aggOrder) TableName() string { return "orders" }

type aggProduct struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Price int64  `db:"price"`
}

func (aggProduct) TableName() string { return "products" }

// aggTransaction is allocated to other transactions through allocations
// (a self-referencing many-to-many).
type aggTransaction struct {
	ID        int64 `db:"id"`
	Value     int64 `db:"value"`
	Allocated int64 `db:"total_allocated,readonly"`
	Values    int64 `db:"total_values,readonly"`
}

func (aggTransaction) TableName() string { return "transactions" }

var (
	OrderProducts   = rel.BelongsToMany[aggOrder, aggProduct]("order_product", "order_id", "product_id").Named("products")
	TransactionsTo  = rel.BelongsToMany[aggTransaction, aggTransaction]("allocations", "from_id", "to_id").Named("allocated_to")
	bigOrderProduct = func(q *query.Query[aggProduct]) *query.Query[aggProduct] { return q.WhereOp("price", ">", 10) }
)

func seedOrders(t *testing.T, db *testdb.DB) {
	db.MustExec(t,
		`create table orders (id {{pk}}, ref text not null)`,
		`create table products (id {{pk}}, name text not null, price bigint not null)`,
		`create table order_product (order_id bigint not null, product_id bigint not null, quantity bigint not null)`,
		`create table transactions (id {{pk}}, value bigint not null)`,
		`create table allocations (from_id bigint not null, to_id bigint not null, amount bigint not null)`,
		`insert into orders (ref) values ('a'), ('b')`,
		`insert into products (name, price) values ('pen', 5), ('book', 20)`,
		`insert into order_product (order_id, product_id, quantity) values (1, 1, 5), (1, 2, 7)`,
		`insert into transactions (value) values (1000), (600), (900)`,
		`insert into allocations (from_id, to_id, amount) values (1, 2, 500), (1, 3, 700)`,
	)
}

// testWithSumDifferentTables: a pivot column, under an alias and under
// Laravel's default one; one statement.
func TestAggregatePivotColumn(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedOrders(t, db)
		os, err := query.From[aggOrder]().Apply(
			agg.WithSum(OrderProducts, "order_product.quantity").As("total_products"),
			agg.WithSum(OrderProducts, "order_product.quantity"),
			agg.WithMax(OrderProducts, "order_product.quantity"),
			agg.WithAvg(OrderProducts, "order_product.quantity"),
			agg.WithSum(OrderProducts, "products.price"),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `(select sum("order_product"."quantity") from "products" join "order_product" on "products"."id" = "order_product"."product_id" where "orders"."id" = "order_product"."order_id")`)
		assert.Equal(t, int64(12), os[0].Total)
		assert.Equal(t, int64(12), os[0].ProductsSumQuantity)
		assert.Equal(t, int64(7), *os[0].MaxQuantity)
		assert.InDelta(t, 6.0, *os[0].AvgQuantity, 1e-9)
		assert.Equal(t, int64(25), os[0].PriceSum)
		assert.Equal(t, int64(0), os[1].Total)
		assert.Nil(t, os[1].MaxQuantity)
		assert.Equal(t, "products_sum_order_productquantity", agg.WithSum(OrderProducts, "order_product.quantity").Alias())

		// Deferred: one grouped statement; constraints apply as to all aggregates.
		db.Counter.Reset()
		os[0].Total, os[0].ProductsSumQuantity = 0, 0
		require.NoError(t, agg.Load(ctx, db, os,
			agg.WithSum(OrderProducts, "order_product.quantity").As("total_products"),
			agg.WithSum(OrderProducts, "order_product.quantity", bigOrderProduct)))
		assert.Equal(t, 1, db.Counter.Count(), db.Counter.String())
		assert.Contains(t, db.Counter.Statements()[0], `sum("order_product"."quantity")`)
		assert.Equal(t, int64(12), os[0].Total)
		assert.Equal(t, int64(7), os[0].ProductsSumQuantity, "only the book")
		os[0].PriceSum = 0
		require.NoError(t, agg.LoadSum(ctx, db, os, OrderProducts, "products.price"))
		assert.Equal(t, int64(25), os[0].PriceSum)

		// By name.
		db.Counter.Reset()
		os, err = query.From[aggOrder]().Apply(agg.SumOf[aggOrder]("products as total_products", "order_product.quantity")).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(12), os[0].Total)
		assert.Equal(t, 1, db.Counter.Count())
	})
}

// testWithSumSameTable: in a self-relation a pivot column stays on the
// pivot; a related-qualified column is qualified with the related table's
// alias (Laravel reads the parent row there: relkit does not).
func TestAggregatePivotColumnSelfRelation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedOrders(t, db)
		ts, err := query.From[aggTransaction]().Apply(
			agg.WithSum(TransactionsTo, "allocations.amount").As("total_allocated"),
			agg.WithSum(TransactionsTo, "transactions.value").As("total_values"),
		).OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, 1, db.Counter.Count())
		assert.Contains(t, db.Counter.Statements()[0], `sum("allocations"."amount")`)
		assert.Contains(t, db.Counter.Statements()[0], `sum("relkit_reserved_0"."value")`)
		assert.Equal(t, int64(1200), ts[0].Allocated)
		assert.Equal(t, int64(1500), ts[0].Values, "the allocated transactions' values, not 2 × 1000")

		db.Counter.Reset()
		ts[0].Allocated, ts[0].Values = 0, 0
		require.NoError(t, agg.Load(ctx, db, ts,
			agg.WithSum(TransactionsTo, "allocations.amount").As("total_allocated"),
			agg.WithSum(TransactionsTo, "transactions.value").As("total_values")))
		assert.Equal(t, 1, db.Counter.Count())
		assert.Equal(t, int64(1200), ts[0].Allocated)
		assert.Equal(t, int64(1500), ts[0].Values)
	})
}

// The accepted columns, checked before any statement.
func TestAggregateQualifiedColumnErrors(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedOrders(t, db)
		for col, want := range map[string]error{
			"orders.ref":               sqlt.ErrUnknownColumn, // the parent's table
			"order_product":            sqlt.ErrUnknownColumn, // unqualified: must be on the related model
			"products.quantity":        sqlt.ErrUnknownColumn, // not mapped on the related model
			"other.quantity":           sqlt.ErrUnknownColumn,
			"order_product.quantity+1": sqlt.ErrInvalidIdentifier, // Laravel accepts expressions: relkit does not
			"order_product.a.b":        sqlt.ErrInvalidIdentifier,
			`order_product."x"`:        sqlt.ErrInvalidIdentifier,
		} {
			db.Counter.Reset()
			_, err := query.From[aggOrder]().Apply(agg.WithSum(OrderProducts, col).As("total_products")).Get(ctx, db)
			assert.ErrorIs(t, err, want, col)
			os := []aggOrder{{ID: 1}}
			assert.ErrorIs(t, agg.LoadSum(ctx, db, os, OrderProducts, col), want, col)
			_, err = query.From[aggOrder]().Apply(agg.SumOf[aggOrder]("products as total_products", col)).Get(ctx, db)
			assert.ErrorIs(t, err, want, col)
			assert.Equal(t, 0, db.Counter.Count(), col)
		}
		// A pivot-qualified column on a relation without a pivot.
		_, err := query.From[Post]().Apply(agg.WithSum(PostComments, "order_product.quantity")).Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
	})
}
